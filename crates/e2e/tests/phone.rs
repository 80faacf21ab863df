//! Phone calls over SIP into the whole server, from SIPp (Debian's
//! `sip-tester`): a call rings with early media while nobody can take it,
//! is answered the moment an available agent takes it, and ends when the
//! caller hangs up; calls from elsewhere, or to no number of the
//! company's, are refused with the status that says why.

use std::time::Duration;

use earshot_domain::{CallEvent, Core};
use earshot_e2e::baresip::Phone;
use earshot_e2e::sipp::{self, Scenario};
use earshot_e2e::{fake_microphone, hear, spawn_app, Chromedriver, TestApp};
use earshot_sfu::{LegRole, Traffic};
use earshot_protocol::{CallId, CallKind, CallState, CallView, Change, UserId};
use earshot_server::live::Batch;
use earshot_sip::line::LineConfig;
use earshot_sip::trunk::Trunks;
use tokio::sync::broadcast;

const ALEX: UserId = UserId(10);
/// The demo's Support number.
const SUPPORT: &str = "+441615550200";
/// Tones away from every DTMF frequency.
const CUSTOMER_HZ: u32 = 440;
const AGENT_HZ: u32 = 1000;
const COACH_HZ: u32 = 1800;

/// A phone line on a free port taking calls from `trunk`, 4 at once.
fn line(trunk: &str, max_calls: usize) -> LineConfig {
    LineConfig { bind: "127.0.0.1:0".parse().unwrap(), trunks: Trunks { allowed: vec![trunk.parse().unwrap()], account: None }, max_calls, outbound: None }
}

async fn with_line(trunk: &str) -> TestApp {
    spawn_app(|config| config.sip = Some(line(trunk, 4))).await
}

/// Alex on his softphone in Chrome, speaking the agent's tone, Available.
async fn available_alex(driver: &Chromedriver, app: &TestApp) -> earshot_e2e::Browser {
    let agent = driver.browser(&[&fake_microphone(AGENT_HZ)]).await;
    agent.sign_in(app, "alex@earshot.demo").await;
    agent.go_available().await;
    agent
}

/// The next change to a call that `pick` keeps, within 20 s.
async fn next_change<T>(deltas: &mut broadcast::Receiver<Batch>, mut pick: impl FnMut(&Change) -> Option<T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let batch = deltas.recv().await.expect("the core publishes");
            if let Some(found) = batch.iter().find_map(|delta| pick(&delta.change)) {
                return found;
            }
        }
    })
    .await
    .expect("the change came")
}

/// Waits, 20 s at most, for `call` to end.
async fn ended(deltas: &mut broadcast::Receiver<Batch>, call: CallId) {
    next_change(deltas, |c| matches!(c, Change::CallEnded { call: ended } if *ended == call).then_some(())).await;
}

fn updated(change: &Change) -> Option<CallView> {
    match change {
        Change::CallUpdated { call } => Some(call.clone()),
        _ => None,
    }
}

#[tokio::test]
async fn e2e_a_phone_call_rings_until_an_available_agent_takes_it_and_ends_with_the_callers_bye() {
    let app = with_line("127.0.0.1/32").await;
    let mut deltas = app.live.watch().await.unwrap();
    let caller = tokio::spawn(sipp::call(Scenario::Answered, app.sip.unwrap(), SUPPORT));

    let waiting = next_change(&mut deltas, updated).await;
    assert_eq!((waiting.state, waiting.customer.phone.as_str()), (CallState::Waiting, Core::WITHHELD), "queued; SIPp withholds its number");
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(!caller.is_finished(), "no answer while nobody can take the call: it rings (183)");

    app.present(ALEX).await;
    let call: CallId = waiting.id;
    let answered = next_change(&mut deltas, |c| updated(c).filter(|v| v.id == call && v.state == CallState::Ongoing)).await;
    assert_eq!(answered.agent, Some(ALEX), "put through to Alex, who is available");
    assert!(caller.await.unwrap(), "SIPp's scenario passes: 183 with SDP, then 200 once Alex took it, ACK, and its BYE answered");
    ended(&mut deltas, call).await;
}

#[tokio::test]
async fn e2e_the_builtin_uac_call_of_sipp_is_taken_by_an_agent_who_is_waiting() {
    let app = with_line("127.0.0.1/32").await;
    app.present(ALEX).await;
    assert!(sipp::call(Scenario::Uac, app.sip.unwrap(), SUPPORT).await, "INVITE, 200, ACK, BYE");
}

#[tokio::test]
async fn e2e_calls_from_no_trunk_of_ours_or_to_no_number_of_ours_are_refused_and_never_queued() {
    let ours = with_line("127.0.0.1/32").await;
    let mut deltas = ours.live.watch().await.unwrap();
    assert!(sipp::call(Scenario::Refused(404), ours.sip.unwrap(), "+441615550999").await, "not the company's number: 404");
    assert!(sipp::call(Scenario::Refused(404), ours.sip.unwrap(), "sales").await, "no number at all: 404");
    let elsewhere = with_line("192.0.2.0/24").await;
    assert!(sipp::call(Scenario::Refused(403), elsewhere.sip.unwrap(), SUPPORT).await, "not from the trunk: 403");
    assert!(matches!(deltas.try_recv(), Err(broadcast::error::TryRecvError::Empty)), "no call was queued");
}

#[tokio::test]
async fn e2e_a_phone_customer_hears_the_agent_and_never_the_whispering_coach() {
    let app = with_line("127.0.0.1/32").await;
    let driver = Chromedriver::start().await;
    let agent = available_alex(&driver, &app).await;

    let phone = Phone::call(app.sip.unwrap(), SUPPORT, CUSTOMER_HZ).await;
    agent.wait_for_text_containing("[data-testid=agent-call]", Core::WITHHELD).await;
    app.wait_forwarding(LegRole::Agent, LegRole::Customer).await;
    app.wait_forwarding(LegRole::Customer, LegRole::Agent).await;
    hear(&agent, "customer", CUSTOMER_HZ, &[], "the agent hears the phone customer").await;

    let coach = driver.browser(&[&fake_microphone(COACH_HZ)]).await;
    coach.sign_in(&app, "sam@earshot.demo").await;
    coach.click("[data-testid=calls] button.coach").await;
    coach.start_listening("[data-testid=join]").await;
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;
    hear(&coach, "customer", CUSTOMER_HZ, &[], "the coach hears the phone customer").await;

    // The whisper, for a known window: the agent hears it, the phone never.
    coach.click("[data-testid=whisper]").await;
    hear(&agent, "coach", COACH_HZ, &[], "whispering: the agent hears the coach").await;
    app.wait_forwarding(LegRole::Agent, LegRole::Coach).await;
    let whisper_from = phone.heard().0.len();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let whisper_to = phone.heard().0.len();
    coach.click("[data-testid=whisper]").await;
    phone.wait_heard(phone.heard().seconds() + 2.0).await;

    let heard = phone.heard();
    let window = Duration::from_millis(100);
    let (agent_levels, coach_levels) = (heard.levels(AGENT_HZ, window), heard.levels(COACH_HZ, window));
    let loud = agent_levels.iter().filter(|&&db| db > -40.0).count();
    assert!(loud >= 30, "the phone hears the agent: {loud} windows of 100 ms above −40 dBFS in {:.1} s", heard.seconds());
    // Measured: the floor at 1800 Hz peaks at −57 dBFS (the ringback and the
    // agent's arrival), sits at −70 to −76 after; the agent hears the
    // whisper at about −10.
    let peak = |levels: &[f64]| levels.iter().copied().fold(f64::MIN, f64::max);
    let coach_peak = peak(&coach_levels);
    assert!(coach_peak < -50.0, "1800 Hz stays at the floor for the whole call: peak {coach_peak:.1} dBFS over {:.1} s", heard.seconds());
    let windows = |at: usize| at / (window.as_secs_f64() * 8_000.0) as usize;
    let whispering = peak(&coach_levels[windows(whisper_from)..windows(whisper_to)]);
    assert!(whispering < -60.0, "and while the coach whispered: peak {whispering:.1} dBFS");
    assert_eq!(app.forwarded(LegRole::Customer, LegRole::Coach).await, Traffic::default(), "not one coach packet toward the phone line");
    let metrics = app.metrics().await;
    let phone_leg = |metric: &str| metrics.lines().find(|l| l.starts_with(metric) && l.contains("leg=\"phone\"")).and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok());
    assert!(phone_leg("earshot_sfu_received_packets_total").is_some_and(|n| n > 500), "the phone leg's RTP in /api/metrics:\n{metrics}");
    assert!(phone_leg("earshot_sfu_forwarded_packets_total").is_some_and(|n| n > 500), "{metrics}");
    assert!(!metrics.lines().any(|l| l.contains("leg=\"phone\"") && l.contains("from=\"coach\"")), "no coach line toward it at all: {metrics}");
    for browser in [agent, coach] {
        browser.quit().await;
    }
}

#[tokio::test]
async fn e2e_a_caller_who_hangs_up_while_it_rings_leaves_the_queue() {
    let app = with_line("127.0.0.1/32").await;
    let mut deltas = app.live.watch().await.unwrap();
    let caller = tokio::spawn(sipp::call(Scenario::Cancelled, app.sip.unwrap(), SUPPORT));
    let waiting = next_change(&mut deltas, updated).await;
    assert!(caller.await.unwrap(), "CANCEL answered 200, the INVITE 487");
    ended(&mut deltas, waiting.id).await;
    app.present(ALEX).await;
    assert_eq!(app.live.my_call(ALEX).await.unwrap(), None, "nobody is put through to a caller who hung up");
}

#[tokio::test]
async fn e2e_keys_the_caller_presses_are_in_the_calls_timeline() {
    let app = with_line("127.0.0.1/32").await;
    app.present(ALEX).await;
    let mut deltas = app.live.watch().await.unwrap();
    let caller = tokio::spawn(sipp::call(Scenario::Keys("42#"), app.sip.unwrap(), SUPPORT));
    let call = next_change(&mut deltas, updated).await.id;
    let pressed = earshot_e2e::wait_until(Duration::from_secs(15), "three keys in the timeline", || async {
        let detail = app.live.call_detail(UserId(1), call).await.ok()?.ok()??;
        let keys: Vec<String> = detail.timeline.iter().filter(|e| e.what.starts_with("The customer pressed")).map(|e| e.what.clone()).collect();
        (keys.len() >= 3).then_some(keys)
    })
    .await;
    assert_eq!(pressed, ["The customer pressed 4", "The customer pressed 2", "The customer pressed #"], "each press once, in order");
    assert!(caller.await.unwrap());
}

#[tokio::test]
async fn e2e_a_caller_who_holds_the_call_is_answered_recvonly_and_resumes() {
    let app = with_line("127.0.0.1/32").await;
    app.present(ALEX).await;
    assert!(sipp::call(Scenario::Held, app.sip.unwrap(), SUPPORT).await, "sendonly answered recvonly, sendrecv answered sendrecv");
}

#[tokio::test]
async fn e2e_an_answered_line_that_sends_no_audio_is_hung_up_and_its_call_ends() {
    let app = spawn_app(|config| {
        config.sip = Some(line("127.0.0.1/32", 4));
        config.media.line_silence = Duration::from_secs(2);
    })
    .await;
    app.present(ALEX).await;
    let mut deltas = app.live.watch().await.unwrap();
    let caller = tokio::spawn(sipp::call(Scenario::Silent, app.sip.unwrap(), SUPPORT));
    let call = next_change(&mut deltas, updated).await.id;
    ended(&mut deltas, call).await;
    assert!(caller.await.unwrap(), "Earshot's BYE reached the silent phone");
}

#[tokio::test]
async fn e2e_past_its_cap_the_line_refuses_calls_503_with_a_retry_after_and_the_calls_it_has_go_on() {
    let app = spawn_app(|config| config.sip = Some(line("127.0.0.1/32", 2))).await;
    let mut deltas = app.live.watch().await.unwrap();
    let sip = app.sip.unwrap();
    let first = tokio::spawn(sipp::call(Scenario::Answered, sip, SUPPORT));
    let second = tokio::spawn(sipp::call(Scenario::Answered, sip, SUPPORT));
    for _ in 0..2 {
        next_change(&mut deltas, |c| updated(c).filter(|v| v.state == CallState::Waiting)).await;
    }
    assert!(sipp::call(Scenario::Busy, sip, SUPPORT).await, "the third: 503 with a Retry-After");
    app.present(ALEX).await;
    app.present(UserId(11)).await; // Bea
    assert!(first.await.unwrap() && second.await.unwrap(), "the two it had are answered and end as usual");
}

#[tokio::test]
async fn e2e_malformed_and_oversized_sip_is_dropped_and_disturbs_no_call() {
    use tokio::io::AsyncWriteExt;
    let app = with_line("127.0.0.1/32").await;
    let sip = app.sip.unwrap();
    let mut deltas = app.live.watch().await.unwrap();
    let udp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let oversized = format!("INVITE sip:+441615550200@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-{}\r\n\r\n", "a".repeat(60_000));
    let junk: [&[u8]; 5] = [
        b"\x00\xff\x13\x37",
        b"INVITE sip:+441615550200@127.0.0.1 SIP/2.0\r\n\r\n",
        b"INVITE sip:+441615550200@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9\r\nCSeq: x INVITE\r\nContent-Length: 99999\r\n\r\nv=0",
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-none\r\n\r\n",
        oversized.as_bytes(),
    ];
    for datagram in junk {
        let _ = udp.send_to(datagram, sip).await; // an oversized one may not even leave
    }
    // Over TCP: headers that never end, past the 64 KiB a message may take.
    let mut tcp = tokio::net::TcpStream::connect(sip).await.unwrap();
    let endless = format!("INVITE sip:+441615550200@127.0.0.1 SIP/2.0\r\n{}", "X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n".repeat(4_000));
    let _ = tcp.write_all(endless.as_bytes()).await; // the line may close it partway
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(matches!(deltas.try_recv(), Err(broadcast::error::TryRecvError::Empty)), "none of it became a call");
    app.present(ALEX).await;
    assert!(sipp::call(Scenario::Uac, sip, SUPPORT).await, "a caller after all that is answered as ever");
}

#[tokio::test]
async fn e2e_the_rules_an_admin_saves_apply_to_the_next_invite_and_are_in_the_companys_log() {
    use reqwest::Method;
    let app = with_line("127.0.0.1/32").await;
    let sip = app.sip.unwrap();
    let (status, line) = app.as_ada(Method::GET, "/api/admin/phone-line", None).await;
    let line: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!((status, &line["listening"], &line["settings"]), (200, &serde_json::json!(sip.to_string()), &serde_json::json!({ "trunks": ["127.0.0.1/32"], "max_calls": 4, "account": null, "outbound": null })), "the flags' rules until saved");

    let save = |trunks: &[&str]| app.as_ada(Method::PUT, "/api/admin/phone-line", Some(serde_json::json!({ "trunks": trunks, "max_calls": 20 })));
    let (status, saved) = save(&["192.0.2.0/24", " 192.0.2.7 "]).await;
    assert_eq!(status, 200, "{saved}");
    assert!(saved.contains(r#""trunks":["192.0.2.0/24","192.0.2.7/32"]"#), "kept as networks: {saved}");
    assert!(sipp::call(Scenario::Refused(403), sip, SUPPORT).await, "this machine is no trunk now: 403 at once");

    let (status, refused) = save(&["carrier.example"]).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("“carrier.example” is not an address or a network"), "{refused}");
    let (status, refused) = app.as_ada(Method::PUT, "/api/admin/phone-line", Some(serde_json::json!({ "trunks": [], "max_calls": 20, "outbound": "carrier.example" }))).await;
    assert_eq!(status, 422, "{refused}");
    assert!(refused.contains("“carrier.example” is not an address and port"), "{refused}");

    assert_eq!(save(&["127.0.0.0/8"]).await.0, 200);
    app.present(ALEX).await;
    assert!(sipp::call(Scenario::Uac, sip, SUPPORT).await, "and a trunk again: the call is answered");

    let (_, log) = app.as_ada(Method::GET, "/api/admin/log", None).await;
    let log: serde_json::Value = serde_json::from_str(&log).unwrap();
    let changes: Vec<(&str, &str)> = log["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "phone_line_changed").map(|e| (e["before"].as_str().unwrap(), e["after"].as_str().unwrap())).collect();
    assert_eq!(
        changes,
        [
            ("calls from 192.0.2.0/24, 192.0.2.7/32, 20 at once at most; calls out back to the trunk that called", "calls from 127.0.0.0/8, 20 at once at most; calls out back to the trunk that called"),
            ("calls from 127.0.0.1/32, 4 at once at most; calls out back to the trunk that called", "calls from 192.0.2.0/24, 192.0.2.7/32, 20 at once at most; calls out back to the trunk that called"),
        ],
        "newest first, the refused one not at all"
    );
}

#[tokio::test]
async fn e2e_a_trunk_from_elsewhere_is_challenged_and_taken_only_with_the_accounts_digest() {
    let account = earshot_sip::trunk::Account { username: "carrier".into(), password: "ledger-violet-harbour".into() };
    let app = spawn_app(|config| {
        let mut signed = line("192.0.2.0/24", 4);
        signed.trunks.account = Some(account);
        config.sip = Some(signed);
    })
    .await;
    let sip = app.sip.unwrap();
    app.present(ALEX).await;
    assert!(sipp::call(Scenario::Signed { username: "carrier", password: "ledger-violet-harbour", accepted: true }, sip, SUPPORT).await, "401, then answered once signed");
    assert!(sipp::call(Scenario::Signed { username: "carrier", password: "not-the-password", accepted: false }, sip, SUPPORT).await, "a wrong digest: 403");
    assert!(sipp::call(Scenario::Signed { username: "someone", password: "ledger-violet-harbour", accepted: false }, sip, SUPPORT).await, "another account: 403");

    // On the Numbers page: the flag's account is shown, never its password.
    let save = |body: serde_json::Value| app.as_ada(reqwest::Method::PUT, "/api/admin/phone-line", Some(body));
    let (_, line) = app.as_ada(reqwest::Method::GET, "/api/admin/phone-line", None).await;
    assert!(line.contains(r#""account":"carrier""#) && line.contains(r#""has_password":true"#) && !line.contains("ledger"), "{line}");
    let (status, kept) = save(serde_json::json!({ "trunks": ["192.0.2.0/24"], "max_calls": 4, "account": "carrier" })).await;
    assert!(status == 200 && !kept.contains("ledger"), "the same account keeps its password: {kept}");
    assert!(sipp::call(Scenario::Signed { username: "carrier", password: "ledger-violet-harbour", accepted: true }, sip, SUPPORT).await, "still taken once saved");
    let (status, why) = save(serde_json::json!({ "trunks": [], "max_calls": 4, "account": "pbx" })).await;
    assert!(status == 422 && why.contains("give pbx's password: a new account needs one"), "{why}");
    let (status, why) = save(serde_json::json!({ "trunks": [], "max_calls": 4, "account": "pbx", "password": "short" })).await;
    assert!(status == 422 && why.contains("at least 12 characters"), "{why}");
    assert_eq!(save(serde_json::json!({ "trunks": [], "max_calls": 4, "account": "pbx", "password": "another-long-phrase-42" })).await.0, 200);
    assert!(sipp::call(Scenario::Signed { username: "pbx", password: "another-long-phrase-42", accepted: true }, sip, SUPPORT).await, "the new account at once");
    assert!(sipp::call(Scenario::Signed { username: "carrier", password: "ledger-violet-harbour", accepted: false }, sip, SUPPORT).await, "the old one no more");
    assert_eq!(save(serde_json::json!({ "trunks": [], "max_calls": 4, "account": "" })).await.0, 200);
    assert!(sipp::call(Scenario::Refused(403), sip, SUPPORT).await, "no account, no address: 403 unchallenged");
    let (_, log) = app.as_ada(reqwest::Method::GET, "/api/admin/log", None).await;
    assert!(log.contains("or signed as pbx (a new password), 4 at once at most") && !log.contains("another-long-phrase"), "{log}");
}

/// The outside number agents send calls to in these tests.
const OUTSIDE: &str = "+442079460123";

/// A line whose calls out go to an outside number at `port` on this machine.
async fn with_outside(port: u16) -> TestApp {
    let out = Some(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    spawn_app(|config| config.sip = Some(LineConfig { outbound: out, ..line("127.0.0.1/32", 4) })).await
}

/// What an ended call's record says happened, as Ada reads it.
async fn timeline(app: &TestApp, call: CallId) -> Vec<String> {
    let (status, body) = app.as_ada(reqwest::Method::GET, &format!("/api/calls/{}", call.0), None).await;
    assert_eq!(status, 200, "{body}");
    let detail: earshot_protocol::CallDetail = serde_json::from_str(&body).expect("a call's record");
    detail.timeline.into_iter().map(|e| e.what).collect()
}

/// What a phone leg's line with `label` (`role="agent"`) counts in
/// /api/metrics for `metric`.
fn phone_count(metrics: &str, metric: &str, label: &str) -> u64 {
    let line = metrics.lines().find(|l| l.starts_with(metric) && l.contains("leg=\"phone\"") && l.contains(label));
    line.and_then(|l| l.rsplit(' ').next()?.parse().ok()).unwrap_or(0)
}

#[tokio::test]
async fn e2e_an_agent_in_chrome_sends_a_phone_call_outside_and_the_trunk_refusing_refer_it_is_bridged_and_no_longer_coachable() {
    let port = sipp::free_port();
    let app = with_outside(port).await;
    let driver = Chromedriver::start().await;
    let agent = available_alex(&driver, &app).await;
    let mut deltas = app.live.watch().await.unwrap();
    let outside = tokio::spawn(sipp::outside_number(port, sipp::Outside::Answers));
    let caller = tokio::spawn(sipp::call(Scenario::ReferRefused { talks_for: 10_000 }, app.sip.unwrap(), SUPPORT));
    agent.wait_for_text_containing("[data-testid=agent-call]", Core::WITHHELD).await;
    let call = next_change(&mut deltas, |c| updated(c).filter(|v| v.state == CallState::Ongoing)).await.id;

    agent.type_into("[data-testid=outside-number]", "+44 20 7946 0123").await;
    agent.click("[data-testid=transfer-outside]").await;
    let gone = next_change(&mut deltas, |c| updated(c).filter(|v| v.id == call && v.kind == CallKind::TransferredExternal)).await;
    assert_eq!(gone.agent, None, "Alex is off the call once the number answered");
    agent.wait_for_text("[data-testid=agent-idle]").await;

    // The outside number echoes what it is sent: its leg, in the agent's
    // seat, sends and receives, and what it says reaches the caller.
    let bridged = earshot_e2e::wait_until(Duration::from_secs(10), "the outside leg's RTP", || async {
        let metrics = app.metrics().await;
        (phone_count(&metrics, "earshot_sfu_received_packets_total", "role=\"agent\"") > 50).then_some(metrics)
    })
    .await;
    assert!(phone_count(&bridged, "earshot_sfu_forwarded_packets_total", "to=\"customer\",from=\"agent\"") > 50, "the caller hears the outside number: {bridged}");
    let coach = driver.browser(&[]).await;
    coach.sign_in(&app, "sam@earshot.demo").await;
    let why = coach.wait_for_text_containing("[data-testid=calls]", "External").await;
    assert!(why.contains("External"), "the dashboard shows the call transferred outside: {why}");
    let refused = app.live.command(earshot_server::live::Actor { user: UserId(2), from: [127, 0, 0, 1].into() }, earshot_domain::Command::StartCoaching { call, notify_agent: false }).await.unwrap();
    assert_eq!(refused, Err(earshot_domain::CoachingError::NotCoachable(CallKind::TransferredExternal)), "and it can no longer be coached");

    assert!(caller.await.unwrap(), "REFER refused 501, the call talked on, the caller hung up");
    assert!(outside.await.unwrap(), "the outside number answered, and was hung up on with the caller");
    ended(&mut deltas, call).await;
    let said = timeline(&app, call).await;
    assert!(said.iter().any(|e| e.ends_with("is transferring the call to +442079460123")), "{said:?}");
    assert!(said.contains(&"Transferred to an external number, +442079460123".to_owned()), "{said:?}");
    for browser in [agent, coach] {
        browser.quit().await;
    }
}

#[tokio::test]
async fn e2e_a_phone_call_the_trunk_transfers_itself_leaves_earshot_once_the_number_answered() {
    let app = with_line("127.0.0.1/32").await;
    app.present(ALEX).await;
    let mut deltas = app.live.watch().await.unwrap();
    let caller = tokio::spawn(sipp::call(Scenario::Referred, app.sip.unwrap(), SUPPORT));
    let call = next_change(&mut deltas, |c| updated(c).filter(|v| v.state == CallState::Ongoing)).await.id;
    app.live.call_event(CallEvent::TransferOutsideAsked { call, number: OUTSIDE.into() }).await.unwrap().unwrap();
    let again = app.live.call_event(CallEvent::TransferOutsideAsked { call, number: OUTSIDE.into() }).await.unwrap();
    assert_eq!(again, Err(earshot_domain::EventError::TransferUnderWay), "one transfer at a time");
    ended(&mut deltas, call).await;
    assert!(caller.await.unwrap(), "REFER to the number, 202, NOTIFYs answered, then Earshot's BYE");
    assert_eq!(app.live.my_call(ALEX).await.unwrap(), None, "Alex is free");
    let said = timeline(&app, call).await;
    assert!(said.contains(&"Transferred to an external number, +442079460123".to_owned()), "{said:?}");
}

#[tokio::test]
async fn e2e_an_outside_number_that_is_busy_leaves_the_call_with_its_agent_who_is_told_why() {
    let port = sipp::free_port();
    let app = with_line("127.0.0.1/32").await;
    // Where calls out go, as an admin saves it: in use at once.
    let out = serde_json::json!({ "trunks": ["127.0.0.1"], "max_calls": 4, "outbound": "127.0.0.1:".to_owned() + &port.to_string() });
    let (status, saved) = app.as_ada(reqwest::Method::PUT, "/api/admin/phone-line", Some(out)).await;
    assert!(status == 200 && saved.contains(&format!(r#""outbound":"127.0.0.1:{port}""#)), "{saved}");
    let driver = Chromedriver::start().await;
    let agent = available_alex(&driver, &app).await;
    let mut deltas = app.live.watch().await.unwrap();
    let outside = tokio::spawn(sipp::outside_number(port, sipp::Outside::Busy));
    let caller = tokio::spawn(sipp::call(Scenario::ReferRefused { talks_for: 10_000 }, app.sip.unwrap(), SUPPORT));
    let call = next_change(&mut deltas, |c| updated(c).filter(|v| v.state == CallState::Ongoing)).await.id;
    agent.type_into("[data-testid=outside-number]", "0044 20 7946 0123").await;
    agent.click("[data-testid=transfer-outside]").await;
    let failed = next_change(&mut deltas, |c| updated(c).filter(|v| v.id == call && v.outside.as_ref().is_some_and(|o| o.failed.is_some()))).await;
    assert_eq!(failed.outside.unwrap().failed.as_deref(), Some("busy (486)"));
    assert_eq!((failed.agent, failed.kind), (Some(ALEX), CallKind::Regular), "still Alex's, still coachable");
    let told = agent.wait_for_text_containing("[data-testid=outside-status]", "busy (486)").await;
    assert_eq!(told, "+442079460123 did not take the call: busy (486). It is still yours.");
    assert!(agent.exists("[data-testid=hang-up]").await, "the call is still on Alex's softphone");
    assert!(outside.await.unwrap() && caller.await.unwrap());
    agent.quit().await;
}

#[tokio::test]
async fn e2e_a_caller_who_hangs_up_while_the_outside_number_rings_has_that_call_cancelled() {
    let port = sipp::free_port();
    let app = with_outside(port).await;
    app.present(ALEX).await;
    let mut deltas = app.live.watch().await.unwrap();
    let outside = tokio::spawn(sipp::outside_number(port, sipp::Outside::Rings));
    let caller = tokio::spawn(sipp::call(Scenario::ReferRefused { talks_for: 1_000 }, app.sip.unwrap(), SUPPORT));
    let call = next_change(&mut deltas, |c| updated(c).filter(|v| v.state == CallState::Ongoing)).await.id;
    app.live.call_event(CallEvent::TransferOutsideAsked { call, number: OUTSIDE.into() }).await.unwrap().unwrap();
    ended(&mut deltas, call).await;
    assert!(caller.await.unwrap(), "the caller hung up while the number rang");
    assert!(outside.await.unwrap(), "and the ringing call out was CANCELled (200, then 487), not forgotten");
    assert_eq!(app.live.my_call(ALEX).await.unwrap(), None);
}

#[tokio::test]
async fn e2e_a_call_out_the_trunk_challenges_is_signed_with_the_lines_account() {
    let port = sipp::free_port();
    let account = earshot_sip::trunk::Account { username: "carrier".into(), password: "ledger-violet-harbour".into() };
    let out = Some(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    let app = spawn_app(|config| {
        let mut signed = LineConfig { outbound: out, ..line("127.0.0.1/32", 4) };
        signed.trunks.account = Some(account);
        config.sip = Some(signed);
    })
    .await;
    app.present(ALEX).await;
    let mut deltas = app.live.watch().await.unwrap();
    let outside = tokio::spawn(sipp::outside_number(port, sipp::Outside::Challenges { username: "carrier", password: "ledger-violet-harbour" }));
    let caller = tokio::spawn(sipp::call(Scenario::ReferRefused { talks_for: 2_000 }, app.sip.unwrap(), SUPPORT));
    let call = next_change(&mut deltas, |c| updated(c).filter(|v| v.state == CallState::Ongoing)).await.id;
    app.live.call_event(CallEvent::TransferOutsideAsked { call, number: OUTSIDE.into() }).await.unwrap().unwrap();
    let gone = next_change(&mut deltas, |c| updated(c).filter(|v| v.id == call && (v.kind == CallKind::TransferredExternal || v.outside.as_ref().is_some_and(|o| o.failed.is_some())))).await;
    assert_eq!((gone.kind, gone.outside), (CallKind::TransferredExternal, None), "answered once signed");
    assert!(caller.await.unwrap() && outside.await.unwrap(), "401, the INVITE again with the account's digest (SIPp checked it), 200, then BYE");
}
