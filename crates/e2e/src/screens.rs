//! Every screen supervisors, agents and callers use, each in a state worth
//! seeing — the walk behind `accessibility_every_screen` (axe on each) and
//! `cargo xtask screens` (a screenshot of each, in `docs/screens/`).

use earshot_domain::seed::{BILLING, SUPPORT};
use earshot_protocol::{CallKind, UserId};

use crate::{fake_microphone, Browser, Chromedriver, TestApp};

/// Walks every screen in a centre with calls of each kind, calling
/// `visit(name, browser)` on each: sign-in, calls (with a raised hand and a
/// phrase a customer said), users, coach dialog, coaching (listening, then
/// whispering), softphone, caller, contact, conversation, the audit log,
/// the attention settings, people (and the dialog adding one), numbers,
/// contacts (with the import open) and
/// the welcome page of a person's link.
pub async fn every_screen(app: &TestApp, driver: &Chromedriver, mut visit: impl AsyncFnMut(&str, &Browser)) {
    let (caller, agent) = app.caller_put_through(driver, &[&fake_microphone(440)], &[&fake_microphone(700)]).await;
    let support = app.simulated_call_with(SUPPORT, "+447700900101", CallKind::Regular, UserId(12)).await;
    let said = earshot_domain::CallEvent::Phrase { call: support, phrase: "cancel my account".into(), at: earshot_server::now() };
    app.live.call_event(said).await.expect("core running").expect("a call with an agent");
    app.simulated_call_with(BILLING, "+447700900901", CallKind::Emergency, UserId(13)).await;
    let call = app.live.my_call(UserId(10)).await.expect("core running").expect("Alex has the caller's call").id;

    let sam = driver.browser(&[&fake_microphone(1500)]).await;
    sam.goto(&app.url("/")).await;
    sam.wait_for_text("#email").await;
    visit("sign-in", &sam).await;
    sam.sign_in(app, "sam@earshot.demo").await;
    sam.wait_for_text(&format!("[data-testid=coach-{}]", call.0)).await;
    // Alex asks for help: his call goes first, flagged (joining answers it).
    agent.type_into("[data-testid=help-reason]", "Wants a refund over my limit").await;
    agent.click("[data-testid=raise-hand]").await;
    sam.wait_for_text_containing("[data-testid=calls] [data-testid=flag]", "Help").await;
    visit("calls", &sam).await;
    sam.click("a[href='/users']").await;
    sam.wait_for_text("[data-testid=users]").await;
    visit("users", &sam).await;
    sam.click("a[href='/']").await;
    sam.click(&format!("[data-testid=coach-{}]", call.0)).await;
    sam.wait_for_text("[data-testid=coach-dialog]").await;
    visit("coach-dialog", &sam).await;
    sam.start_listening("[data-testid=join]").await;
    visit("coaching-listening", &sam).await;
    sam.click("[data-testid=whisper]").await;
    sam.wait_for_text_containing("[data-testid=coaching-panel]", "Whispering to the agent").await;
    visit("coaching-whispering", &sam).await;
    agent.wait_for_text_containing("[data-testid=coached-by]", "is talking to you").await;
    visit("softphone", &agent).await;
    visit("caller", &caller).await;
    sam.goto(&app.url("/contacts/1")).await;
    sam.wait_for_text("[data-testid=contact-page] h1").await;
    visit("contact", &sam).await;
    sam.goto(&app.url(&format!("/calls/{}", call.0))).await;
    sam.wait_for_text("[data-testid=conversation] h1").await;
    visit("conversation", &sam).await;
    let ada = driver.browser(&[]).await;
    ada.sign_in(app, "ada@earshot.demo").await;
    ada.goto(&app.url("/audit")).await;
    ada.wait_for_text("[data-testid=audit-entries]").await;
    visit("audit", &ada).await;
    ada.click("a[href='/settings']").await;
    ada.wait_for_text("[data-testid=settings-save]").await;
    visit("settings", &ada).await;
    ada.click("a[href='/people']").await;
    ada.wait_for_text_containing("[data-testid=people] table.people", "Sam Rivera").await;
    ada.click("[data-testid=add-person]").await;
    ada.type_into("#person-name", "Lee Chan").await;
    ada.type_into("#person-email", "lee@example.com").await;
    visit("person-dialog", &ada).await;
    ada.click("[data-testid=save-person]").await;
    ada.wait_for_text("[data-testid=person-link-url]").await;
    visit("people", &ada).await;
    let link = ada.execute("return document.querySelector('[data-testid=person-link-url]').value;", serde_json::json!([])).await;
    ada.click("a[href='/numbers']").await;
    ada.wait_for_text_containing("[data-testid=numbers]", "Billing").await;
    visit("numbers", &ada).await;
    ada.click("a[href='/contacts']").await;
    ada.wait_for_text_containing("[data-testid=contact-count]", "contacts").await;
    ada.click("[data-testid=contact-import] summary").await;
    visit("contacts", &ada).await;
    let lee = driver.browser(&[]).await;
    lee.goto(link.as_str().expect("the link to pass on")).await;
    lee.wait_for_text_containing("[data-testid=welcome] h1", "Lee Chan").await;
    visit("welcome", &lee).await;
    for browser in [sam, agent, caller, ada, lee] {
        browser.quit().await;
    }
}
