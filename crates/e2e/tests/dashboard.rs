//! The Live Monitoring dashboard in real headless Chromium against the real
//! server, with calls scripted through the server's live core.

use earshot_domain::seed::{SALES, SUPPORT};
use earshot_domain::{CallEvent, NewCall, Origin};
use earshot_e2e::accessibility::serious_violations;
use earshot_e2e::{spawn_app, TestApp};
use earshot_protocol::{CallId, CallKind, Direction, UserId};
use earshot_server::live::Actor;

const ALEX: UserId = UserId(10); // agent on Sales
const DARA: UserId = UserId(13); // agent on Support
const MARIA: &str = "+447700900100"; // contact 1, Maria Garcia
const UNKNOWN: &str = "+447700900901"; // no contact record

async fn new_call(app: &TestApp, number: earshot_protocol::NumberId, phone: &str) -> CallId {
    let call = NewCall { origin: Origin::Simulated, number, customer_phone: phone.into(), direction: Direction::Inbound, kind: CallKind::Regular };
    app.live.start_call(call).await.expect("core running")
}

async fn answer(app: &TestApp, call: CallId, agent: UserId) {
    app.live.call_event(CallEvent::Answered { call, agent }).await.expect("core running").expect("agent free");
}

fn row(call: CallId) -> String {
    format!("[data-testid=call-{}]", call.0)
}

#[tokio::test]
async fn e2e_dashboard_coach_dialog() {
    let app = spawn_app(|_| {}).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let sam = driver.browser(&[]).await;
    let omar = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    omar.sign_in(&app, "omar@earshot.demo").await;
    // Omar set up his audio earlier: his Join goes straight to the server.
    omar.set_up_audio().await;

    // Live calls move: a call arrives, waits, is answered, is held.
    let sales = new_call(&app, SALES, MARIA).await;
    sam.wait_for_text_containing(&row(sales), "Waiting").await;
    answer(&app, sales, ALEX).await;
    sam.wait_for_text_containing(&row(sales), "Alex Morgan").await;
    app.live.call_event(CallEvent::Hold { call: sales, on: true }).await.unwrap().unwrap();
    sam.wait_for_text_containing(&row(sales), "On hold").await;
    let support = new_call(&app, SUPPORT, UNKNOWN).await;
    answer(&app, support, DARA).await;
    omar.wait_for_text_containing(&row(support), "Dara Okafor").await;

    // Omar is assigned to Support only: the conversation option follows.
    omar.click(&format!("{} [data-testid=coach-{}]", row(support), support.0)).await;
    omar.wait_for_text("[data-testid=coach-dialog] [data-testid=open-conversation]").await;
    assert!(!omar.exists("[data-testid=conversation-hint]").await);
    omar.click("[data-testid=coach-dialog] .actions button:first-child").await;
    omar.wait_gone("[data-testid=coach-dialog]").await;
    omar.click(&format!("{} [data-testid=coach-{}]", row(sales), sales.0)).await;
    let hint = omar.wait_for_text("[data-testid=conversation-hint]").await;
    assert!(hint.contains("not assigned to Sales"), "{hint}");
    assert!(!omar.exists("[data-testid=open-conversation]").await, "absent, not greyed out");

    // Sam joins the Sales call first, and it shows.
    sam.click(&format!("{} [data-testid=coach-{}]", row(sales), sales.0)).await;
    sam.start_listening("[data-testid=coach-dialog] [data-testid=join]").await;
    sam.wait_for_text_containing("[data-testid=coaching-what]", "Coaching Alex Morgan").await;
    omar.wait_for_text_containing(&format!("{} [data-testid=coach-name]", row(sales)), "Sam Rivera").await;

    // Omar, whose dialog is still open, is refused and told who.
    omar.click("[data-testid=coach-dialog] [data-testid=join]").await;
    let refusal = omar.wait_for_text_containing("[data-testid=coach-error]", "already coaching").await;
    assert_eq!(refusal, "Sam Rivera is already coaching this call");

    // Whisper, leave and rejoin.
    sam.click("[data-testid=whisper]").await;
    sam.wait_for_text_containing("[data-testid=coaching-panel]", "Whispering to the agent").await;
    sam.click("[data-testid=leave]").await;
    sam.start_listening("[data-testid=rejoin]").await;
    sam.wait_for_text_containing("[data-testid=coaching-what]", "Coaching Alex Morgan").await;

    // Contact names: a record links to its page; no record, plain text.
    omar.click("[data-testid=coach-dialog] .actions button:first-child").await;
    assert!(!omar.exists(&format!("{} a", row(support))).await);
    omar.click(&format!("{} [data-testid=contact-plain]", row(support))).await;
    assert_eq!(omar.path().await, "/", "clicking a number without a contact does nothing");
    omar.click(&format!("{} a[data-testid=contact-link]", row(sales))).await;
    omar.wait_for_text_containing("[data-testid=contact-page] h1", "Maria Garcia").await;
    assert_eq!(omar.path().await, "/contacts/1");
    omar.wait_for_text_containing("[data-testid=contact-page]", "Garcia Bakeries").await;

    let problems: Vec<_> = [sam.console().await, omar.console().await]
        .concat()
        .into_iter()
        .filter(|(level, _)| level == "SEVERE")
        .collect();
    assert!(problems.is_empty(), "console errors: {problems:#?}");
    sam.quit().await;
    omar.quit().await;
}

#[tokio::test]
async fn a_supervisor_without_live_monitoring_sees_why_not_the_dashboard() {
    let app = spawn_app(|_| {}).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let nina = driver.browser(&[]).await;

    nina.sign_in(&app, "nina@earshot.demo").await;

    let page = nina.wait_for_text("[data-testid=no-access]").await;
    assert!(page.contains("no Live Monitoring access"), "{page}");
    assert!(!nina.exists("[data-testid=calls]").await);
    nina.quit().await;
}

#[tokio::test]
async fn the_conversation_view_shows_the_calls_timeline_tags_and_comments() {
    let app = spawn_app(|_| {}).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let sam = driver.browser(&[]).await;
    let call = new_call(&app, SALES, MARIA).await;
    answer(&app, call, ALEX).await;
    app.live.call_event(CallEvent::Tagged { call, tag: "billing".into() }).await.unwrap().unwrap();
    app.live.call_event(CallEvent::Commented { call, text: "Wants a refund.".into() }).await.unwrap().unwrap();
    sam.sign_in(&app, "sam@earshot.demo").await;

    sam.click(&format!("{} [data-testid=coach-{}]", row(call), call.0)).await;
    sam.click("[data-testid=open-conversation]").await;
    sam.start_listening("[data-testid=join]").await;

    let timeline = sam.wait_for_text_containing("[data-testid=timeline]", "Sam Rivera started coaching").await;
    assert!(timeline.contains("Answered by Alex Morgan"), "{timeline}");
    assert_eq!(sam.path().await, format!("/calls/{}", call.0));
    let page = sam.wait_for_text("[data-testid=conversation]").await;
    assert!(page.contains("Maria Garcia") && page.contains("billing") && page.contains("Wants a refund."), "{page}");
    sam.quit().await;
}

#[tokio::test]
async fn a_coach_whose_network_blocks_the_audio_is_told_what_to_ask_it_for() {
    // The SFU advertises ports where nothing answers, UDP and TCP: a network
    // that blocks both.
    let blocked = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let blocked_tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap(); // never accepts
    let (udp, tcp) = (blocked.local_addr().unwrap(), blocked_tcp.local_addr().unwrap());
    let app = spawn_app(|config| {
        config.media.advertised = Some(udp);
        config.media.advertised_tcp = Some(tcp);
        config.media.shards = 1; // one shard: the one address this test stands for
    })
    .await;
    let call = new_call(&app, SALES, MARIA).await;
    answer(&app, call, ALEX).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;

    let advice = format!("UDP to 127.0.0.1, port {}, or at least TCP to 127.0.0.1, port {}", udp.port(), tcp.port());

    // The setup's connection check finds the network blocked and says what to open.
    sam.click(&format!("{} [data-testid=coach-{}]", row(call), call.0)).await;
    sam.click("[data-testid=join]").await;
    sam.wait_for_text_containing("[data-testid=setup-step-1]", "Done").await;
    sam.click("[data-testid=setup-allow-microphone]").await;
    sam.click("[data-testid=setup-play-test]").await;
    sam.click("[data-testid=setup-heard]").await;
    let checked = sam.wait_for_text_containing("[data-testid=setup-step-3]", "Needs attention").await;
    assert!(checked.contains("IT team") && checked.contains(&advice), "{checked}");
    assert!(sam.exists("[data-testid=setup-retry-path]").await, "a Retry");

    // Joining anyway: the coaching bar says the same, instead of playing silence.
    sam.click("[data-testid=setup-cancel]").await;
    sam.wait_gone("[data-testid=audio-setup]").await;
    sam.click(&format!("{} [data-testid=coach-{}]", row(call), call.0)).await;
    sam.click("[data-testid=join]").await;
    let told = sam.wait_for_text_containing("[data-testid=no-audio]", "IT team").await;
    assert!(told.contains(&advice), "{told}");
    sam.quit().await;
}

#[tokio::test]
async fn an_agent_keeps_hold_tag_comment_hang_up_and_transfer_while_coached() {
    use earshot_domain::{Command, Origin};
    use earshot_protocol::CallState;

    let app = spawn_app(|_| {}).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let alex = driver.browser(&[]).await;
    alex.sign_in(&app, "alex@earshot.demo").await;
    alex.go_available().await;
    let dialled = NewCall { origin: Origin::Caller, number: SALES, customer_phone: MARIA.into(), direction: Direction::Inbound, kind: CallKind::Regular };
    let call = app.live.dial(dialled).await.unwrap().unwrap();
    alex.wait_for_text_containing("[data-testid=agent-call]", "Maria Garcia").await;
    app.live.command(Actor { user: UserId(2), from: [127, 0, 0, 1].into() }, Command::StartCoaching { call, notify_agent: true }).await.unwrap().unwrap();
    alex.wait_for_text_containing("[data-testid=coached-by]", "Sam Rivera is coaching you").await;

    alex.click("[data-testid=hold]").await;
    alex.wait_for_text_containing("[data-testid=hold]", "Resume").await;
    assert_eq!(app.live.my_call(ALEX).await.unwrap().map(|c| c.state), Some(CallState::OnHold));
    alex.type_into("[data-testid=tag-input]", "refund").await;
    alex.click("[data-testid=add-tag]").await;
    alex.wait_for_text_containing("[data-testid=agent-tags]", "refund").await;
    alex.type_into("[data-testid=comment-input]", "Charged twice in March.").await;
    alex.click("[data-testid=add-comment]").await;
    alex.wait_for_text_containing("[data-testid=agent-comments]", "Charged twice in March.").await;
    alex.click("[data-testid=hold]").await;
    alex.wait_for_text_containing("[data-testid=hold]", "Hold").await;
    alex.click("[data-testid=hang-up]").await;

    alex.wait_for_text("[data-testid=agent-idle]").await;
    assert_eq!(app.live.my_call(ALEX).await.unwrap(), None);

    // The next caller is transferred to a colleague, which ends the coaching.
    let dialled = NewCall { origin: Origin::Caller, number: SALES, customer_phone: MARIA.into(), direction: Direction::Inbound, kind: CallKind::Regular };
    let call = app.live.dial(dialled).await.unwrap().unwrap();
    alex.wait_for_text("[data-testid=agent-call]").await;
    app.live.command(Actor { user: UserId(2), from: [127, 0, 0, 1].into() }, Command::StartCoaching { call, notify_agent: false }).await.unwrap().unwrap();
    app.present(UserId(11)).await; // Bea comes in, available
    alex.click("[data-testid=transfer-to]").await; // opening the list asks who is available now
    alex.wait_for_text_containing("[data-testid=transfer-to]", "Bea Santos").await;
    // Transfer waits for a colleague, and says so.
    alex.wait_for_text_containing("[data-testid=transfer-why]", "Choose a colleague to transfer to.").await;
    alex.execute(
        "const s = document.querySelector('[data-testid=transfer-to]'); s.value = '11'; s.dispatchEvent(new Event('change'));",
        serde_json::json!([]),
    )
    .await;
    alex.click("[data-testid=transfer]").await;
    alex.wait_for_text("[data-testid=agent-idle]").await;
    assert_eq!(app.live.my_call(UserId(11)).await.unwrap().map(|c| c.id), Some(call), "Bea has the call");
    assert!(app.live.my_call(UserId(11)).await.unwrap().unwrap().coaching.is_none(), "the coach must rejoin after a transfer");
    alex.quit().await;
}

/// The left edge of every column of the Calls tab, in pixels.
async fn column_edges(sam: &earshot_e2e::Browser) -> serde_json::Value {
    sam.execute("return Array.from(document.querySelectorAll('[data-testid=calls] thead th')).map(th => Math.round(th.getBoundingClientRect().left));", serde_json::json!([]))
        .await
}

#[tokio::test]
async fn the_calls_table_holds_still_and_the_coaching_bar_never_hides_a_focused_row() {
    let app = spawn_app(|_| {}).await;
    // A long list: callers waiting, then a call for each Sales and Support agent.
    for i in 0..14 {
        new_call(&app, if i % 2 == 0 { SALES } else { SUPPORT }, &format!("+4477009{:05}", 10_000 + i)).await;
    }
    let mut answered = Vec::new();
    for agent in 10..22 {
        let call = new_call(&app, SALES, &format!("+4477009{:05}", 20_000 + agent)).await;
        if app.live.call_event(CallEvent::Answered { call, agent: UserId(agent) }).await.expect("core running").is_ok() {
            answered.push(call);
        }
    }
    let driver = earshot_e2e::Chromedriver::start().await;
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    sam.wait_for_text(&row(answered[0])).await;
    sam.click(&format!("[data-testid=coach-{}]", answered[0].0)).await;
    sam.start_listening("[data-testid=join]").await;
    let before = column_edges(&sam).await;

    // Calls come and go, with a contact's long name among them.
    // Only the rows in view are in the DOM: the newest call is last, so
    // scroll to the end to see it come.
    let maria = new_call(&app, SUPPORT, MARIA).await;
    app.live.call_event(CallEvent::Ended { call: answered[1] }).await.unwrap().unwrap();
    sam.execute("window.scrollTo(0, document.body.scrollHeight);", serde_json::json!([])).await;
    sam.wait_for_text(&row(maria)).await;
    assert_eq!(column_edges(&sam).await, before, "the columns stay put while calls change");

    // The last answered call's Coach button takes the focus: it scrolls
    // clear of the bar.
    let last = *answered.last().unwrap();
    let clear = sam
        .execute(
            "const b = document.querySelector(arguments[0]); b.focus();
             const bar = document.querySelector('[data-testid=coaching-panel]').getBoundingClientRect();
             const r = b.getBoundingClientRect();
             return [r.bottom <= bar.top, Math.round(r.bottom), Math.round(bar.top)];",
            serde_json::json!([format!("[data-testid=coach-{}]", last.0)]),
        )
        .await;
    assert_eq!(clear[0], serde_json::json!(true), "the focused row is above the coaching bar: {clear}");
    sam.quit().await;
}

#[tokio::test]
async fn an_agent_asks_for_help_and_a_supervisor_answers_it_in_one_click() {
    let app = spawn_app(|_| {}).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let alex = driver.browser(&[]).await;
    let sam = driver.browser(&[]).await;
    alex.sign_in(&app, "alex@earshot.demo").await;
    alex.go_available().await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    // Two calls before Alex's, so Alex's must move to be first.
    for phone in [UNKNOWN, "+447700900902"] {
        let call = new_call(&app, SUPPORT, phone).await;
        answer(&app, call, if phone == UNKNOWN { DARA } else { UserId(14) }).await;
    }
    // A caller's call goes to the agent with the softphone open: Alex.
    let call = NewCall { origin: Origin::Caller, number: SALES, customer_phone: MARIA.into(), direction: Direction::Inbound, kind: CallKind::Regular };
    let asking = app.live.start_call(call).await.unwrap();
    alex.wait_for_text_containing("[data-testid=agent-call]", "Maria Garcia").await;
    sam.wait_for_text_containing(&row(asking), "Alex Morgan").await;
    assert!(!sam.exists("[data-testid=attention-count]").await);

    alex.type_into("[data-testid=help-reason]", "Refund over my limit").await;
    alex.click("[data-testid=raise-hand]").await;
    alex.wait_for_text_containing("[data-testid=hand-raised]", "You asked for help: “Refund over my limit”").await;

    let first = "[data-testid=calls] tbody tr[data-testid]";
    sam.wait_for_text_containing(&format!("{first} [data-testid=flag-detail]"), "Refund over my limit").await;
    let first_id = sam.execute(&format!("return document.querySelector('{first}').dataset.testid;"), serde_json::json!([])).await;
    assert_eq!(first_id, serde_json::json!(format!("call-{}", asking.0)), "the call that needs a coach is first");
    assert_eq!(sam.wait_for_text("[data-testid=attention-count]").await, "1 needs a coach");
    sam.wait_for_text_containing("[data-testid=help-alert]", "Alex Morgan asks for help: “Refund over my limit”").await;
    let violations = [serious_violations(&alex).await, serious_violations(&sam).await].concat();
    assert!(violations.is_empty(), "the raised hand on both screens, checked by axe: {violations:#?}");

    // One click on the row opens the coach dialog, saying why.
    sam.click(&format!("{first} button.coach")).await;
    sam.wait_for_text_containing("[data-testid=coach-dialog] [data-testid=dialog-hand]", "Refund over my limit").await;
    sam.start_listening("[data-testid=coach-dialog] [data-testid=join]").await;
    sam.wait_for_text_containing("[data-testid=coaching-what]", "Coaching Alex Morgan").await;

    // Joining answers it: gone from the dashboard, and Alex's hand is down.
    sam.wait_gone("[data-testid=attention-count]").await;
    sam.wait_gone(&format!("{} [data-testid=flag]", row(asking))).await;
    alex.wait_for_text("[data-testid=raise-hand]").await;
    alex.wait_for_text_containing("[data-testid=coached-by]", "Sam Rivera").await;
    alex.quit().await;
    sam.quit().await;
}
