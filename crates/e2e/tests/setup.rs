//! The coach's first-use audio setup in real Chromium against the real
//! server: installed into Cache Storage on the first session, skipped while
//! the cache holds it intact, and run again after the site's data is
//! cleared or an entry is damaged.

use std::time::Duration;

use earshot_e2e::{fake_microphone, spawn_app, wait_until, Browser, Chromedriver, TestApp};
use serde_json::json;

/// Joins the call on the dashboard, listening; true when the setup ran.
async fn join(coach: &Browser) -> bool {
    coach.click("[data-testid=calls] button.coach").await;
    coach.start_listening("[data-testid=join]").await
}

async fn leave(coach: &Browser) {
    coach.click("[data-testid=leave]").await;
    coach.wait_for_text("[data-testid=rejoin]").await;
}

/// Whether the audio worklet in this page runs the installed processor:
/// the meters it posts reach the panel.
async fn meters_move(coach: &Browser) -> bool {
    let moving = || async {
        let value = coach.execute("return document.querySelector('[data-testid=meter-customer]')?.value ?? null;", json!([])).await;
        value.as_f64().filter(|db| *db > -60.0)
    };
    wait_until(Duration::from_secs(15), "the customer meter to move", || async { moving().await.map(|_| ()) }).await;
    true
}

#[tokio::test]
async fn the_first_coaching_session_installs_the_audio_and_a_cleared_cache_installs_it_again() {
    let app = spawn_app(|_| {}).await;
    app.simulated_call().await;
    let driver = Chromedriver::start().await;
    let coach = driver.browser(&[&fake_microphone(1500)]).await;
    coach.sign_in(&app, "sam@earshot.demo").await;
    assert!(coach.cache_names().await.is_empty(), "a fresh profile");

    // First session: the setup runs, step by step.
    coach.click("[data-testid=calls] button.coach").await;
    coach.click("[data-testid=join]").await;
    let installed = coach.wait_for_text_containing("[data-testid=setup-step-1]", "Done").await;
    assert!(installed.contains("Installed 2 files") && installed.contains("SHA-256"), "{installed}");
    coach.click("[data-testid=setup-allow-microphone]").await;
    let voice = wait_until(Duration::from_secs(15), "the voice meter to move", || async {
        let db = coach.execute("return document.querySelector('[data-testid=setup-voice-meter]')?.value ?? null;", json!([])).await;
        db.as_f64().filter(|db| *db > -50.0)
    })
    .await;
    assert!(voice <= 0.0, "the coach's voice reads on the meter: {voice} dB");
    coach.click("[data-testid=setup-play-test]").await;
    coach.click("[data-testid=setup-heard]").await;
    let path = coach.wait_for_text_containing("[data-testid=setup-step-3]", "Done").await;
    assert!(path.contains("Connected to the media server in") && path.contains("round trip"), "{path}");
    assert_eq!(coach.execute("return document.querySelector('[data-testid=setup-progress]').getAttribute('aria-valuenow');", json!([])).await, "100");
    coach.click("[data-testid=setup-finish]").await;
    coach.wait_for_text_containing("[data-testid=coaching-panel]", "Listening").await;
    let caches = coach.cache_names().await;
    assert!(matches!(caches.as_slice(), [one] if one.starts_with("earshot-audio-")), "{caches:?}");
    let controlled = coach.execute("return navigator.serviceWorker.controller?.scriptURL ?? null;", json!([])).await;
    assert!(controlled.as_str().is_some_and(|url| url.ends_with("/audio-sw.js")), "the service worker serves the page: {controlled}");
    assert!(meters_move(&coach).await, "the call plays through the installed worklet");
    assert_eq!(app.media.report().await.iter().filter(|r| r.room.0 >= 1 << 63).count(), 0, "the check's connection is closed");

    // The next session finds it installed, even in a page loaded past the
    // service worker (a hard reload): the worker takes it over.
    leave(&coach).await;
    coach.devtools("Page.reload", json!({ "ignoreCache": true })).await;
    coach.wait_for_text("[data-testid=calls] button.coach").await;
    let controlled = coach.execute("return navigator.serviceWorker.controller !== null;", json!([])).await;
    assert_eq!(controlled, false, "a hard reload bypasses the service worker");
    assert!(!join(&coach).await, "installed: straight to listening");
    assert!(meters_move(&coach).await, "the worklet loaded through the worker that took the page over");

    // Site data cleared: the next session installs again.
    leave(&coach).await;
    coach.clear_site_audio(&app).await;
    assert!(coach.cache_names().await.is_empty());
    assert!(join(&coach).await, "after a cleared cache, the setup runs again");
    assert!(meters_move(&coach).await);

    // A damaged entry is found by its hash: setup again.
    leave(&coach).await;
    let damaged = coach
        .execute_async(
            "const done = arguments[arguments.length - 1];
             caches.keys().then(async (names) => {
               const cache = await caches.open(names[0]);
               const keys = await cache.keys();
               const script = keys.find((r) => r.url.endsWith('.js'));
               await cache.put(script, new Response('registerProcessor(\"earshot-coach\", class {});', { headers: { 'Content-Type': 'text/javascript' } }));
               done(script.url);
             });",
            json!([]),
        )
        .await;
    assert!(damaged.as_str().is_some_and(|url| url.contains("/audio/installed/")), "{damaged}");
    assert!(join(&coach).await, "a damaged entry installs again");
    assert!(meters_move(&coach).await);
    coach.quit().await;
}

#[tokio::test]
async fn set_up_audio_from_the_dashboard_then_join_at_once() {
    let app: TestApp = spawn_app(|_| {}).await;
    app.simulated_call().await;
    let driver = Chromedriver::start().await;
    let coach = driver.browser(&[]).await;
    coach.sign_in(&app, "priya@earshot.demo").await;

    coach.set_up_audio().await;

    assert!(!join(&coach).await, "the setup was done ahead");
    coach.quit().await;
}
