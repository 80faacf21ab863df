//! One's own password, changed from the header in real headless Chromium
//! against the real server: refusals say why, and afterwards only the new
//! password signs in.

use earshot_domain::seed::DEMO_PASSWORD;
use earshot_e2e::spawn_app;

#[tokio::test]
async fn e2e_an_agent_changes_their_password_and_signs_in_with_the_new_one() {
    let app = spawn_app(|_| {}).await;
    let driver = earshot_e2e::Chromedriver::start().await;
    let alex = driver.browser(&[]).await;
    alex.sign_in(&app, "alex@earshot.demo").await;
    let new = "ledger-violet-harbour-9";
    let attempt = |current: &'static str, new: &'static str, again: &'static str| {
        let alex = &alex;
        async move {
            alex.replace_text("#current-password", current).await;
            alex.replace_text("#new-password", new).await;
            alex.replace_text("#new-password-again", again).await;
            alex.click("[data-testid=save-password]").await;
        }
    };

    alex.click("[data-testid=change-password]").await;
    attempt(DEMO_PASSWORD, new, "ledger-violet-harbour-8").await;
    assert_eq!(alex.wait_for_text("[data-testid=password-error]").await, "The new password and its repetition differ.");
    attempt("not my password", new, new).await;
    assert_eq!(alex.wait_for_text_containing("[data-testid=password-error]", "current").await, "Your current password is not that.");
    attempt(DEMO_PASSWORD, "password1234", "password1234").await;
    let why = alex.wait_for_text_containing("[data-testid=password-error]", "too easy").await;
    assert!(why.ends_with("your password is unchanged"), "{why}");

    attempt(DEMO_PASSWORD, new, new).await;
    assert_eq!(alex.wait_for_text("[data-testid=password-changed]").await, "Your password is changed.");
    alex.wait_gone("[data-testid=password-dialog]").await;

    alex.click("header.top button:last-of-type").await; // Sign out
    alex.type_into("#email", "alex@earshot.demo").await;
    alex.type_into("#password", DEMO_PASSWORD).await;
    alex.click("[data-testid=sign-in] button[type=submit]").await;
    assert_eq!(alex.wait_for_text_containing("[data-testid=sign-in-error]", "Wrong").await, "Wrong email or password.", "the old password no longer signs in");
    alex.replace_text("#password", new).await;
    alex.click("[data-testid=sign-in] button[type=submit]").await;
    assert_eq!(alex.wait_for_text("[data-testid=signed-in-as]").await, "Alex Morgan");
    alex.quit().await;
}
