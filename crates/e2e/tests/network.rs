//! Networks in the way: where UDP to the media server is blocked (a common
//! corporate firewall), the coach still listens and whispers, over ICE-TCP;
//! a transfer's caller hears the ringback; a dropped network converges.

use std::time::{Duration, Instant};

use earshot_e2e::{fake_microphone, hear, spawn_app, wait_until, Chromedriver, Network, TestApp};
use earshot_protocol::UserId;
use earshot_sfu::{LegRole, Protocol};

const CUSTOMER_HZ: u32 = 440;
const AGENT_HZ: u32 = 700;
const COACH_HZ: u32 = 1500;

#[tokio::test]
async fn ice_tcp_when_udp_blocked() {
    // UDP to the media server goes nowhere: its UDP candidate names a port
    // where nothing answers, as behind a firewall that drops UDP. (Chrome's
    // `--force-webrtc-ip-handling-policy=disable_non_proxied_udp` was tried
    // first: on loopback, Chromium still sent the call over UDP.)
    let blocked = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let app = spawn_app(|config| {
        config.media.advertised = Some(blocked.local_addr().unwrap());
        config.media.shards = 1; // one shard: the one address this test stands for
    })
    .await;
    let driver = Chromedriver::start().await;
    let (caller, agent) = app.caller_put_through(&driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    let coach = driver.browser(&[&fake_microphone(COACH_HZ)]).await;
    coach.sign_in(&app, "sam@earshot.demo").await;
    coach.click("[data-testid=calls] button.coach").await;
    assert!(coach.start_listening("[data-testid=join]").await, "the setup's connection check passes over TCP");
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;

    hear(&coach, "customer", CUSTOMER_HZ, &[], "over TCP, the coach hears the customer").await;
    hear(&coach, "agent", AGENT_HZ, &[], "over TCP, the coach hears the agent").await;
    coach.click("[data-testid=whisper]").await;
    coach.wait_for_text_containing("[data-testid=coaching-panel]", "Whispering to the agent").await;
    app.wait_forwarding(LegRole::Agent, LegRole::Coach).await;
    hear(&agent, "coach", COACH_HZ, &[], "over TCP, the agent hears the whisper").await;
    hear(&caller, "agent", AGENT_HZ, &[COACH_HZ], "the customer hears the agent, never the coach").await;

    for leg in app.media.report().await {
        assert_eq!(leg.stats.transport, Some(Protocol::Tcp), "{:?}'s audio came over TCP", leg.role);
    }
    assert!(!coach.exists("[data-testid=no-audio]").await, "no network warning");
    drop(blocked);
    for browser in [caller, agent, coach] {
        browser.quit().await;
    }
}

#[tokio::test]
async fn a_transferred_caller_hears_the_ringback_not_the_old_agent() {
    const RINGBACK_HZ: u32 = 400;
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let (caller, agent) = app.caller_put_through(&driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    hear(&caller, "agent", AGENT_HZ, &[RINGBACK_HZ], "before the transfer, the caller hears the agent").await;

    // Alex transfers the call to Bea, signed in and available, whose
    // softphone is not open yet.
    app.present(UserId(11)).await;
    agent.click("[data-testid=transfer-to]").await; // opening the list asks who is available now
    agent.wait_for_text_containing("[data-testid=transfer-to]", "Bea Santos").await;
    agent
        .execute(
            "const s = document.querySelector('[data-testid=transfer-to]'); s.value = '11'; s.dispatchEvent(new Event('change'));",
            serde_json::json!([]),
        )
        .await;
    agent.click("[data-testid=transfer]").await;
    agent.wait_for_text("[data-testid=agent-idle]").await;
    // What was already on its way has played out (the page's jitter buffer).
    tokio::time::sleep(Duration::from_millis(600)).await;

    hear(&caller, "agent", RINGBACK_HZ, &[AGENT_HZ], "after the transfer, the caller hears the ringback and never the old agent").await;
    for browser in [caller, agent] {
        browser.quit().await;
    }
}

/// Whether the coach's call has converged: one coach leg, connected, the
/// call's audio reaching it now (and the coach's microphone reaching the
/// SFU when whispering); Sam's one session, in the mode expected.
async fn converged(app: &TestApp, whispering: bool) -> bool {
    let coach_leg = |reports: Vec<earshot_server::media::LegReport>| {
        let coach: Vec<_> = reports.into_iter().filter(|r| r.role == LegRole::Coach).collect();
        match coach.as_slice() {
            [leg] if leg.connected => Some((leg.stats.forwarded_to_it.values().map(|t| t.packets).sum::<u64>(), leg.stats.received.packets)),
            _ => None,
        }
    };
    let Some((heard, said)) = coach_leg(app.media.report().await) else { return false };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let Some((heard_now, said_now)) = coach_leg(app.media.report().await) else { return false };
    let sam = app.live.subscribe(UserId(2)).await.unwrap().unwrap();
    let sessions: Vec<_> = sam.snapshot.calls.iter().filter_map(|c| c.coaching.as_ref()).filter(|s| s.coach == UserId(2)).collect();
    let mode = matches!(sessions.as_slice(), [session] if session.whisper == whispering);
    mode && heard_now >= heard + 5 && (!whispering || said_now >= said + 5)
}

/// The network under a coach's window drops for 8 s — the page's socket
/// and the call's audio both — and comes back: within 5 s the window has
/// converged, in the mode it was in, with no second seat or leg.
#[tokio::test]
async fn reconnect_converges() {
    let network = Network::bind().await;
    let (http, media) = (network.http(), network.media());
    // The SFU's TCP candidate leads nowhere: the audio can only cross the relay.
    let nowhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let app = spawn_app(|config| {
        config.extra_origins.push(format!("http://{http}"));
        config.media.advertised = Some(media);
        config.media.advertised_tcp = Some(nowhere.local_addr().unwrap());
        config.media.shards = 1; // one shard: the one address the relay stands for
        // The server gives up on the silent coach within 3 s (15 s by default).
        config.heartbeat = Duration::from_secs(1);
    })
    .await;
    let link = network.relay_to(app.addr, app.media.local_addrs()[0]);
    app.simulated_call().await;
    let driver = Chromedriver::start().await;
    let coach = driver.browser(&[&fake_microphone(COACH_HZ)]).await;
    coach.sign_in(&app.through(http), "sam@earshot.demo").await;
    coach.click("[data-testid=calls] button.coach").await;
    coach.start_listening("[data-testid=join]").await;
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;

    let mut took = Vec::new();
    for (whispering, mode) in [(false, "Listening"), (true, "Whispering to the agent")] {
        if whispering {
            coach.click("[data-testid=whisper]").await;
            coach.wait_for_text_containing("[data-testid=coaching-panel]", mode).await;
            wait_until(Duration::from_secs(10), "whispering before the drop", || async { converged(&app, true).await.then_some(()) }).await;
        }

        link.set_up(false);
        tokio::time::sleep(Duration::from_secs(8)).await;
        // Meanwhile the server gave the silent coach up: the socket closed,
        // the whisper stopped (nobody is at that microphone now).
        let sam = app.live.subscribe(UserId(2)).await.unwrap().unwrap();
        let session = sam.snapshot.calls.iter().find_map(|c| c.coaching.clone()).expect("the session waits out its grace");
        assert!(!session.whisper, "the server stopped the dropped coach's whisper");
        link.set_up(true);
        let back = Instant::now();

        wait_until(Duration::from_secs(5), &format!("{mode}: converged within 5 s of the network's return"), || async {
            converged(&app, whispering).await.then_some(())
        })
        .await;
        took.push(back.elapsed());
        coach.wait_for_text_containing("[data-testid=coaching-panel]", mode).await;
        coach.wait_gone("[data-testid=audio-reconnecting]").await;
    }
    eprintln!("reconnect_converges: converged {took:?} after the network came back (listening, whispering)");
    drop(nowhere);
    coach.quit().await;
}
