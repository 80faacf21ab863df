//! The built app, served by the real server, in a real headless Chromium.

use earshot_e2e::{spawn_app, Chromedriver};

#[tokio::test]
async fn app_loads_in_chrome_without_console_errors_or_csp_violations() {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let browser = driver.browser(&[]).await;

    browser.goto(&app.url("/")).await;
    let heading = browser.wait_for_text("[data-testid=sign-in] h1").await;

    assert_eq!(heading, "Sign in to Earshot");
    let problems: Vec<_> = browser
        .console()
        .await
        .into_iter()
        .filter(|(level, message)| level == "SEVERE" || message.contains("Content Security Policy"))
        .collect();
    assert!(problems.is_empty(), "console errors: {problems:#?}");
    browser.quit().await;
}

#[tokio::test]
async fn client_routes_get_the_app_and_missing_files_get_404() {
    let app = spawn_app(|_| {}).await;
    let client = reqwest::Client::new();

    let route = client.get(app.url("/contacts/7")).send().await.unwrap();
    let missing = client.get(app.url("/missing.js")).send().await.unwrap();

    assert_eq!(route.status(), 200);
    assert!(route.text().await.unwrap().contains("<html"));
    assert_eq!(missing.status(), 404);
}

#[tokio::test]
async fn wasm_is_served_compressed_with_its_content_type() {
    let app = spawn_app(|_| {}).await;
    let client = reqwest::Client::new();
    let index = client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let wasm_path = index
        .split('"')
        .find(|s| s.ends_with("_bg.wasm"))
        .unwrap_or_else(|| panic!("index.html names no wasm file: {index}"))
        .to_owned();

    let wasm = client.get(app.url(&wasm_path)).header("accept-encoding", "br, gzip").send().await.unwrap();

    assert_eq!(wasm.status(), 200);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["content-encoding"], "br");
}

#[tokio::test]
async fn index_carries_a_fresh_nonce_in_its_policy_and_its_scripts() {
    let app = spawn_app(|_| {}).await;
    let client = reqwest::Client::new();

    let first = client.get(app.url("/")).send().await.unwrap();
    let csp = first.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let body = first.text().await.unwrap();
    let second = client.get(app.url("/")).send().await.unwrap();
    let csp2 = second.headers()["content-security-policy"].to_str().unwrap().to_owned();

    let nonce = csp.split("'nonce-").nth(1).and_then(|s| s.split('\'').next()).expect("a nonce in the policy");
    assert!(body.contains(&format!("nonce=\"{nonce}\"")), "scripts carry the policy's nonce");
    assert!(!body.contains("__TRUNK NONCE__"));
    assert_ne!(csp, csp2, "every response gets its own nonce");
    assert!(csp.contains("'wasm-unsafe-eval'") && !csp.contains("'unsafe-eval'"));
}
