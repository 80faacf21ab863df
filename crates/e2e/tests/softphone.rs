//! The agent's softphone with a real caller: hold has a real media effect,
//! and a lost connection comes back by itself. Proved by RTP counters and
//! by listening.

use std::time::Duration;

use earshot_e2e::accessibility::serious_violations;
use earshot_e2e::{fake_microphone, hear, spawn_app, spectrum, spoken_microphone, wait_until, Chromedriver};
use earshot_sfu::RoomId;
use earshot_sfu::LegRole::{Agent, Customer};

const CUSTOMER_HZ: u32 = 440;
const AGENT_HZ: u32 = 700;

#[tokio::test]
async fn e2e_hold_cuts_the_customer_off_until_the_agent_resumes() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let (caller, agent) = app.caller_put_through(&driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    hear(&caller, "agent", AGENT_HZ, &[], "before the hold, the customer hears the agent").await;

    agent.click("[data-testid=hold]").await;
    agent.wait_for_text_containing("[data-testid=hold]", "Resume").await;
    tokio::time::sleep(Duration::from_millis(300)).await; // packets already on the wire land
    let (to_customer, to_agent) = (app.forwarded(Customer, Agent).await, app.forwarded(Agent, Customer).await);
    let heard = spectrum(&caller, "agent", Duration::from_secs(2)).await;
    assert!(!heard.hears(AGENT_HZ), "on hold, the customer does not hear the agent: {heard:?}");
    assert_eq!(app.forwarded(Customer, Agent).await, to_customer, "on hold, nothing reaches the customer");
    assert_eq!(app.forwarded(Agent, Customer).await, to_agent, "on hold, nothing of the customer reaches the agent");

    agent.click("[data-testid=hold]").await;
    agent.wait_for_text_containing("[data-testid=hold]", "Hold").await;
    hear(&caller, "agent", AGENT_HZ, &[], "resumed, the customer hears the agent").await;
    hear(&agent, "customer", CUSTOMER_HZ, &[], "resumed, the agent hears the customer").await;
    caller.quit().await;
    agent.quit().await;
}

#[tokio::test]
async fn an_agent_whose_audio_connection_is_lost_gets_it_back_by_itself_still_muted() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let (caller, agent) = app.caller_put_through(&driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    let call = app.live.my_call(earshot_protocol::UserId(10)).await.unwrap().expect("Alex has the call").id;
    agent.click("[data-testid=mute]").await;
    agent.wait_for_text_containing("[data-testid=mute]", "Unmute").await;

    // The server loses the agent's connection, as a network change would.
    app.media.leave(RoomId(call.0), Agent);
    wait_until(Duration::from_secs(30), "the agent's connection to come back", || async {
        app.media.report().await.iter().any(|r| r.role == Agent).then_some(())
    })
    .await;
    app.wait_forwarding(Agent, Customer).await;
    hear(&agent, "customer", CUSTOMER_HZ, &[], "reconnected, the agent hears the customer").await;
    let heard = spectrum(&caller, "agent", Duration::from_secs(2)).await;
    assert!(!heard.hears(AGENT_HZ), "the new connection keeps the agent muted: {heard:?}");

    agent.click("[data-testid=mute]").await;
    hear(&caller, "agent", AGENT_HZ, &[], "unmuted, the customer hears the agent").await;
    caller.quit().await;
    agent.quit().await;
}

#[tokio::test]
async fn customer_and_agent_talking_at_once_shows_on_the_dashboard_from_their_audio() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    // Both microphones play a steady tone: both talk, all the time.
    let (caller, agent) = app.caller_put_through(&driver, &[&fake_microphone(CUSTOMER_HZ)], &[&fake_microphone(AGENT_HZ)]).await;
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;

    let flag = sam.wait_for_text_containing("[data-testid=calls] [data-testid=flag]", "Talking over each other").await;
    assert!(flag.contains(" · "), "with how long: {flag}");
    assert_eq!(sam.wait_for_text("[data-testid=attention-count]").await, "1 needs a coach");
    caller.quit().await;
    agent.quit().await;
    sam.quit().await;
}

#[tokio::test]
async fn an_admin_lists_a_phrase_and_a_caller_saying_it_flags_the_call_on_the_dashboard() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    // Ada lists her phrases: one of the defaults goes, one of her own comes.
    let ada = driver.browser(&[]).await;
    ada.sign_in(&app, "ada@earshot.demo").await;
    ada.click("a[href='/settings']").await;
    // The page draws its form once the settings have come.
    let phrases = "const el = document.querySelector('[data-testid=setting-phrases]'); return el && el.value ? el.value : null;";
    let listed = wait_until(Duration::from_secs(20), "the phrases listed", || async { ada.execute(phrases, serde_json::json!([])).await.as_str().map(str::to_owned) }).await;
    assert_eq!(listed, "cancel my account\nspeak to a manager\ncomplaint", "the defaults");
    ada.replace_text("[data-testid=setting-phrases]", "cancel my account\nlet me speak to the boss\nzorptastic").await;
    ada.click("[data-testid=settings-save]").await;
    ada.wait_for_text_containing("[data-testid=settings-error]", "“zorptastic” is not a word the speech model knows").await;
    ada.replace_text("[data-testid=setting-phrases]", "Speak to a MANAGER\ncancel my contract").await;
    ada.click("[data-testid=settings-save]").await;
    ada.wait_for_text_containing("[data-testid=settings-saved]", "Saved").await;
    let kept = ada.execute("return document.querySelector('[data-testid=setting-phrases]').value;", serde_json::json!([])).await;
    assert_eq!(kept, serde_json::json!("speak to a manager\ncancel my contract"), "as the server keeps them");
    let violations = serious_violations(&ada).await;
    assert!(violations.is_empty(), "the settings page, checked by axe: {violations:#?}");

    // The caller says a listed phrase into a real call; Sam sees it, first.
    let (caller, agent) = app.caller_put_through(&driver, &[&spoken_microphone("Please, let me speak to a manager.")], &[]).await;
    let sam = driver.browser(&[]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    let first = "[data-testid=calls] tbody tr[data-testid]";
    // Chromium loops the recording; under a loaded CI machine its fake
    // capture may stutter, so a few goes are allowed.
    let detail = format!("{first} [data-testid=flag-detail]");
    let script = "const el = document.querySelector(arguments[0]); return el ? el.textContent : null;";
    wait_until(Duration::from_secs(60), "“speak to a manager” on Sam's Calls tab", || async {
        sam.execute(script, serde_json::json!([detail])).await.as_str().filter(|text| text.contains("“speak to a manager”")).map(str::to_owned)
    })
    .await;
    let flag = sam.wait_for_text(&format!("{first} [data-testid=flag]")).await;
    assert!(flag.starts_with("Said · "), "with how long ago: {flag}");
    sam.click(&format!("{first} button.coach")).await;
    sam.wait_for_text_containing("[data-testid=coach-dialog] [data-testid=dialog-hand]", "The customer said “speak to a manager”").await;
    assert!(!agent.exists("[data-testid=flag]").await, "nothing of it on the agent's softphone");
    for browser in [ada, caller, agent, sam] {
        browser.quit().await;
    }
}
