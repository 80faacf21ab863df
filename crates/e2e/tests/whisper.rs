//! Three real Chromium processes — caller, agent, coach — each with its own
//! fake-microphone tone, against the real server. Proved by listening (the
//! spectrum each page plays) and by the SFU's RTP counters.

use std::time::Duration;

use earshot_e2e::{fake_microphone, hear, spawn_app, spectrum, wait_until, Browser, Chromedriver, TestApp};
use earshot_sfu::{LegRole, Traffic};

const CUSTOMER_HZ: u32 = 440;
const AGENT_HZ: u32 = 700;
const COACH_HZ: u32 = 1500;

/// Whether the coaching bar shows the coach on air: the whole bar, and a
/// microphone in its state.
async fn on_air(coach: &Browser) -> bool {
    let shown = coach
        .execute(
            "return document.querySelector('[data-testid=coaching-panel]').classList.contains('on-air') && !!document.querySelector('[data-testid=microphone-icon]');",
            serde_json::json!([]),
        )
        .await;
    shown.as_bool().unwrap_or(false)
}

/// Nothing from the coach reaches the customer: not one packet, not one tone.
async fn customer_never_hears_the_coach(app: &TestApp, caller: &Browser, phase: &str) {
    assert_eq!(app.forwarded(LegRole::Customer, LegRole::Coach).await, Traffic::default(), "{phase}: coach packets reached the customer");
    hear(caller, "agent", AGENT_HZ, &[COACH_HZ], &format!("{phase}: the customer hears the agent, not the coach")).await;
}

/// The agent on the softphone, a caller who dialled Sales put through to
/// them, and a coach who joined the call listening — each speaking their
/// own tone. True when the coach's browser set up its audio first.
async fn coached_call(app: &TestApp, driver: &Chromedriver) -> (Browser, Browser, Browser, bool) {
    let (caller, agent) = app.caller_put_through(driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    let coach = driver.browser(&[&fake_microphone(COACH_HZ)]).await;
    coach.sign_in(app, "sam@earshot.demo").await;
    coach.click("[data-testid=calls] button.coach").await;
    let set_up = coach.start_listening("[data-testid=join]").await;
    (caller, agent, coach, set_up)
}

#[tokio::test]
async fn e2e_whisper_isolation() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let (caller, agent, coach, set_up) = coached_call(&app, &driver).await;
    assert!(set_up, "a fresh browser sets up its audio first");
    agent.wait_for_text_containing("[data-testid=coached-by]", "Sam Rivera is coaching you").await;
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;
    app.wait_forwarding(LegRole::Coach, LegRole::Agent).await;

    hear(&coach, "customer", CUSTOMER_HZ, &[], "the coach hears the customer").await;
    hear(&coach, "agent", AGENT_HZ, &[], "the coach hears the agent").await;
    hear(&agent, "customer", CUSTOMER_HZ, &[COACH_HZ], "the agent hears the customer, not the listening coach").await;
    assert!(!on_air(&coach).await, "listening: no live cue");
    assert!(agent.wait_for_text("[data-testid=coached-by]").await.contains("is coaching you (listening)"));
    coach.wait_for_text_containing("[data-testid=agent-told]", "Alex Morgan was told you are coaching").await;
    assert_eq!(app.forwarded(LegRole::Agent, LegRole::Coach).await.packets, 0, "listening: nothing from the coach");
    customer_never_hears_the_coach(&app, &caller, "listening").await;

    for round in ["first whisper", "whisper after rejoin"] {
        // Whisper: the agent hears the coach, the customer still does not.
        coach.click("[data-testid=whisper]").await;
        coach.wait_for_text_containing("[data-testid=coaching-panel]", "Whispering to the agent").await;
        assert!(on_air(&coach).await, "{round}: the whole bar and a microphone say the agent hears the coach");
        agent.wait_for_text_containing("[data-testid=coached-by]", "Sam Rivera is talking to you").await;
        app.wait_forwarding(LegRole::Agent, LegRole::Coach).await;
        hear(&agent, "coach", COACH_HZ, &[], &format!("{round}: the agent hears the coach")).await;
        customer_never_hears_the_coach(&app, &caller, round).await;

        // Back to listening: not one more packet reaches the agent.
        coach.click("[data-testid=whisper]").await;
        coach.wait_for_text_containing("[data-testid=coaching-panel]", "Listening").await;
        tokio::time::sleep(Duration::from_millis(300)).await; // packets already on the wire land
        let stopped = app.forwarded(LegRole::Agent, LegRole::Coach).await;
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(app.forwarded(LegRole::Agent, LegRole::Coach).await, stopped, "{round}: whisper off stops the coach's audio");
        customer_never_hears_the_coach(&app, &caller, &format!("after {round}")).await;

        if round == "first whisper" {
            // Leave and rejoin the same call.
            coach.click("[data-testid=leave]").await;
            coach.wait_for_text("[data-testid=rejoin]").await;
            agent.wait_for_text_containing("[data-testid=coach-stopped]", "Sam Rivera stopped coaching").await;
            wait_until(Duration::from_secs(10), "the coach's leg to go", || async {
                app.media.report().await.iter().all(|r| r.role != LegRole::Coach).then_some(())
            })
            .await;
            assert!(!coach.start_listening("[data-testid=rejoin]").await, "set up once: rejoin listens at once");
            app.wait_forwarding(LegRole::Coach, LegRole::Agent).await;
        }
    }

    customer_never_hears_the_coach(&app, &caller, "the end").await;
    assert!(!coach.exists("[data-testid=no-audio]").await, "audio flowed: no network warning");
    for browser in [caller, agent, coach] {
        browser.quit().await;
    }
}

/// Is there sound on this line? Speech, not a tone: a loud band well above
/// the floor.
async fn audible(browser: &Browser, source: &str) -> bool {
    let heard = spectrum(browser, source, Duration::from_secs(3)).await;
    heard.loudest.1 > -60.0 && heard.loudest.1 - heard.floor > 30.0
}

#[tokio::test]
async fn a_supervisor_alone_hears_a_demo_conversation() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let coach = app.coach_dialog_on_simulated_call(&driver).await;

    coach.start_listening("[data-testid=join]").await;

    // The dialogue opens with the customer, then the agent answers.
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;
    assert!(audible(&coach, "customer").await, "the coach hears the simulated customer speak");
    app.wait_forwarding(LegRole::Coach, LegRole::Agent).await;
    assert!(audible(&coach, "agent").await, "the coach hears the simulated agent speak");
    coach.quit().await;
}

/// Whether either party of a demo conversation is heard: the dialogue goes
/// on where it was, whoever speaks now.
async fn hears_the_conversation(browser: &Browser) -> bool {
    for _ in 0..5 {
        if audible(browser, "customer").await || audible(browser, "agent").await {
            return true;
        }
    }
    false
}

#[tokio::test]
async fn a_coach_brings_the_audio_to_a_reloaded_page_or_another_window() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let coach = app.coach_dialog_on_simulated_call(&driver).await;
    coach.start_listening("[data-testid=join]").await;
    coach.click("[data-testid=whisper]").await;
    coach.wait_for_text_containing("[data-testid=coaching-panel]", "Whispering to the agent").await;

    // A reload keeps the session, listening, and offers the audio here.
    coach.execute("location.reload()", serde_json::json!([])).await;
    coach.wait_for_text_containing("[data-testid=coaching-panel]", "Listening").await;
    assert!(!coach.start_listening("[data-testid=listen-here]").await, "the reloaded page finds the audio installed");
    app.wait_forwarding(LegRole::Coach, LegRole::Customer).await;
    assert!(hears_the_conversation(&coach).await, "the reloaded page plays the call");
    assert!(coach.exists("[data-testid=whisper]").await, "whisper is offered again");

    // A second window takes the audio; the first lets go and offers it back.
    let second = driver.browser(&[]).await;
    second.sign_in(&app, "sam@earshot.demo").await;
    assert!(second.start_listening("[data-testid=listen-here]").await, "another browser sets up its audio first");
    second.wait_for_text("[data-testid=whisper]").await;
    assert!(hears_the_conversation(&second).await, "the second window plays the call");
    wait_until(Duration::from_secs(60), "the first window to let the audio go", || async { coach.exists("[data-testid=listen-here]").await.then_some(()) }).await;
    assert_eq!(app.media.report().await.iter().filter(|r| r.role == LegRole::Coach).count(), 1, "one coach connection: the second window's");
    assert!(!coach.exists("[data-testid=no-audio]").await && !second.exists("[data-testid=no-audio]").await);
    coach.quit().await;
    second.quit().await;
}

#[tokio::test]
async fn e2e_push_to_talk_reaches_the_agent_only_while_the_key_is_held() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let (caller, agent, coach, _) = coached_call(&app, &driver).await;

    // Push-to-talk on, key up: the line is open but carries the gate's silence.
    coach.click("[data-testid=push-to-talk]").await;
    coach.wait_for_text_containing("[data-testid=talk-state]", "hold T").await;
    app.wait_forwarding(LegRole::Agent, LegRole::Coach).await;
    let idle = spectrum(&agent, "coach", Duration::from_secs(2)).await;
    assert!(!idle.hears(COACH_HZ), "key up: the agent does not hear the coach: {idle:?}");

    for round in ["first press", "second press"] {
        coach.key("t", true).await;
        coach.wait_for_text_containing("[data-testid=talk-state]", "the agent hears you").await;
        hear(&agent, "coach", COACH_HZ, &[], &format!("{round}: held, the agent hears the coach")).await;
        customer_never_hears_the_coach(&app, &caller, round).await;

        coach.key("t", false).await;
        coach.wait_for_text_containing("[data-testid=talk-state]", "hold T").await;
        // What was on the wire, or in the agent's jitter buffer (deep on a
        // loaded machine), plays out; then silence, and it stays silent.
        wait_until(Duration::from_secs(10), "the agent to stop hearing the coach", || async {
            (!spectrum(&agent, "coach", Duration::from_millis(1500)).await.hears(COACH_HZ)).then_some(())
        })
        .await;
        let released = spectrum(&agent, "coach", Duration::from_secs(2)).await;
        assert!(!released.hears(COACH_HZ), "{round}: released, the agent hears the coach no more: {released:?}");
    }

    // Another microphone mid-call, key held: the call and push-to-talk go on.
    coach.key("t", true).await;
    coach.click("[data-testid=coaching-panel] details.device-choice summary").await;
    coach.wait_for_text("[data-testid=device-input] option:nth-child(3)").await;
    let chosen = coach
        .execute(
            "const s = document.querySelector('[data-testid=device-input]'); s.value = s.options[2].value; s.dispatchEvent(new Event('change')); return s.value;",
            serde_json::json!([]),
        )
        .await;
    assert!(chosen.as_str().is_some_and(|id| !id.is_empty()), "another microphone chosen: {chosen}");
    hear(&agent, "coach", COACH_HZ, &[], "after switching the microphone, held, the agent hears the coach").await;
    coach.wait_for_text_containing("[data-testid=talk-state]", "the agent hears you").await;
    coach.key("t", false).await;

    // Stopping push-to-talk closes the line: not one more packet.
    coach.click("[data-testid=stop-push-to-talk]").await;
    coach.wait_for_text_containing("[data-testid=talk-state]", "Listening").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = app.forwarded(LegRole::Agent, LegRole::Coach).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(app.forwarded(LegRole::Agent, LegRole::Coach).await, stopped, "push-to-talk off stops the coach's audio");
    customer_never_hears_the_coach(&app, &caller, "after push-to-talk").await;
    for browser in [caller, agent, coach] {
        browser.quit().await;
    }
}
