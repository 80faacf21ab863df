//! Networks in the way: where UDP to the media server is blocked (a common
//! corporate firewall), the coach still listens and whispers, over ICE-TCP.

use earshot_e2e::{fake_microphone, hear, spawn_app, Chromedriver};
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
    let app = spawn_app(|config| config.media.advertised = Some(blocked.local_addr().unwrap())).await;
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

    // Alex transfers the call to Bea, whose softphone is not open yet.
    agent.wait_for_text_containing("[data-testid=transfer-to]", "Bea Santos").await;
    agent
        .execute(
            "const s = document.querySelector('[data-testid=transfer-to]'); s.value = '11'; s.dispatchEvent(new Event('change'));",
            serde_json::json!([]),
        )
        .await;
    agent.click("[data-testid=transfer]").await;
    agent.wait_for_text("[data-testid=agent-idle]").await;

    hear(&caller, "agent", RINGBACK_HZ, &[AGENT_HZ], "after the transfer, the caller hears the ringback and never the old agent").await;
    for browser in [caller, agent] {
        browser.quit().await;
    }
}
