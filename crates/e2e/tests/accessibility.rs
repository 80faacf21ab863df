//! Every screen checked with axe-core (zero serious or critical
//! violations), and coaching done with the keyboard alone.

use std::time::Duration;

use earshot_e2e::accessibility::serious_violations;
use earshot_e2e::screens::every_screen;
use earshot_e2e::{fake_microphone, spawn_app, wait_until, Browser, Chromedriver};

#[tokio::test]
async fn accessibility_every_screen() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let mut found = Vec::new();
    let mut screens = Vec::new();
    every_screen(&app, &driver, async |screen: &str, browser: &Browser| {
        screens.push(screen.to_owned());
        found.extend(serious_violations(browser).await.into_iter().map(|v| format!("{screen}: {v}")));
    })
    .await;
    assert_eq!(screens.len(), 17, "every screen was checked: {screens:?}");
    assert!(found.is_empty(), "serious or critical accessibility violations:\n{}", found.join("\n"));
}

/// What has the keyboard focus: its test id.
async fn focused(browser: &Browser) -> String {
    browser.execute("return document.activeElement?.dataset?.testid ?? '';", serde_json::json!([])).await.as_str().unwrap_or_default().to_owned()
}

/// Presses Tab until the control with test id `target` (or, ending in `*`,
/// starting with it) has the focus, then Enter.
async fn tab_to_and_press(browser: &Browser, target: &str) {
    const TAB: &str = "\u{E004}";
    const ENTER: &str = "\u{E007}";
    let wanted = |id: &str| target.strip_suffix('*').map_or(id == target, |prefix| id.starts_with(prefix));
    for _ in 0..60 {
        if wanted(&focused(browser).await) {
            browser.key(ENTER, true).await;
            browser.key(ENTER, false).await;
            return;
        }
        browser.key(TAB, true).await;
        browser.key(TAB, false).await;
    }
    panic!("Tab never reached {target}; the focus is on {:?}", focused(browser).await);
}

#[tokio::test]
async fn coaching_works_with_the_keyboard_alone() {
    let app = spawn_app(|_| {}).await;
    app.simulated_call().await;
    let driver = Chromedriver::start().await;
    let sam = driver.browser(&[&fake_microphone(1500)]).await;
    sam.sign_in(&app, "sam@earshot.demo").await;
    sam.set_up_audio().await;

    tab_to_and_press(&sam, "coach-*").await;
    sam.wait_for_text("[data-testid=coach-dialog]").await;
    assert_eq!(focused(&sam).await, "notify-agent", "the dialog takes the focus");
    tab_to_and_press(&sam, "join").await;
    sam.wait_for_text_containing("[data-testid=coaching-panel]", "Listening").await;
    tab_to_and_press(&sam, "whisper").await;
    sam.wait_for_text_containing("[data-testid=coaching-panel]", "Whispering to the agent").await;
    tab_to_and_press(&sam, "leave").await;
    wait_until(Duration::from_secs(10), "the coach to have left", || async { sam.exists("[data-testid=rejoin]").await.then_some(()) }).await;
    sam.quit().await;
}
