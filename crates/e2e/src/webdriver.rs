//! Just enough WebDriver (W3C, as ChromeDriver speaks it) for the tests.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::process::{Child, Command};

/// A ChromeDriver process on a free loopback port. On drop it is killed
/// together with every Chromium it started, even when a test panicked
/// before quitting its browsers: they share its process group.
pub struct Chromedriver {
    child: Child,
    url: String,
}

impl Chromedriver {
    pub async fn start() -> Self {
        let program = std::env::var("EARSHOT_CHROMEDRIVER").expect("EARSHOT_CHROMEDRIVER is not set: run with `cargo xtask test`");
        let port = free_port();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        wait_until(Duration::from_secs(20), "chromedriver to be ready", || async {
            let status = client.get(format!("{url}/status")).send().await.ok()?;
            let body: Value = status.json().await.ok()?;
            body["value"]["ready"].as_bool().filter(|ready| *ready)
        })
        .await;
        Self { child, url }
    }

    /// Opens a fresh headless Chromium with its own profile, a fake
    /// microphone (a tone file can be given in `extra_args`) and loopback
    /// WebRTC, plus `extra_args`.
    pub async fn browser(&self, extra_args: &[&str]) -> Browser {
        let binary = std::env::var("EARSHOT_CHROMIUM").expect("EARSHOT_CHROMIUM is not set: run with `cargo xtask test`");
        let mut args = vec![
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,800",
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            "--autoplay-policy=no-user-gesture-required",
            // Without it Chrome sends its ICE checks from the LAN address.
            "--allow-loopback-in-peer-connection",
        ];
        args.extend_from_slice(extra_args);
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": binary, "args": args },
                "goog:loggingPrefs": { "browser": "ALL" },
            }}
        });
        let client = reqwest::Client::new();
        let response: Value = client
            .post(format!("{}/session", self.url))
            .json(&capabilities)
            .send()
            .await
            .expect("chromedriver answers")
            .json()
            .await
            .expect("chromedriver answers JSON");
        let id = response["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {response}"));
        Browser { client, session: format!("{}/session/{id}", self.url) }
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: a plain syscall on the group this process leads; a
            // group already gone is fine.
            unsafe { libc::killpg(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

/// One browser session.
pub struct Browser {
    client: reqwest::Client,
    session: String,
}

impl Browser {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        self.try_call(method, path, body).await.unwrap_or_else(|(error, message)| panic!("webdriver {path}: {error}: {message}"))
    }

    /// The WebDriver command's value, or its error and message.
    async fn try_call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Result<Value, (String, Value)> {
        let mut request = self.client.request(method, format!("{}{path}", self.session));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request.send().await.expect("webdriver answers").json().await.expect("webdriver JSON");
        match response["value"]["error"].as_str() {
            Some(error) => Err((error.to_owned(), response["value"]["message"].clone())),
            None => Ok(response["value"].clone()),
        }
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url }))).await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page.
    pub async fn execute(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({ "script": script, "args": args }))).await
    }

    /// Waits until `css` matches an element and returns its text; on
    /// time-out, fails with the page's console for the cause.
    pub async fn wait_for_text(&self, css: &str) -> String {
        let script = "const el = document.querySelector(arguments[0]); return el ? el.textContent : null;";
        let found = poll(Duration::from_secs(20), || async {
            self.execute(script, json!([css])).await.as_str().map(str::to_owned)
        })
        .await;
        match found {
            Some(text) => text,
            None => panic!("timed out waiting for {css}; console: {:#?}", self.console().await),
        }
    }

    /// Runs `script` asynchronously: it calls `arguments[arguments.length - 1]`
    /// with its result.
    pub async fn execute_async(&self, script: &str, args: Value) -> Value {
        self.call(reqwest::Method::POST, "/execute/async", Some(json!({ "script": script, "args": args }))).await
    }

    /// Clicks the first element matching `css`, waiting for it to appear.
    /// A live row may be drawn anew between finding and clicking it (a call
    /// changed): the new one is clicked, as a person would.
    pub async fn click(&self, css: &str) {
        for _ in 0..10 {
            let element = self.element(css).await;
            match self.try_call(reqwest::Method::POST, &format!("/element/{element}/click"), Some(json!({}))).await {
                Err((error, _)) if error == "stale element reference" => continue,
                Err((error, message)) => panic!("webdriver click on {css}: {error}: {message}"),
                Ok(_) => return,
            }
        }
        panic!("{css} was drawn anew ten times over while being clicked");
    }

    /// Types `text` into the first element matching `css`.
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.element(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Replaces what the first field matching `css` holds with `text`, as typed.
    pub async fn replace_text(&self, css: &str, text: &str) {
        let element = self.element(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/clear"), Some(json!({}))).await;
        self.call(reqwest::Method::POST, &format!("/element/{element}/value"), Some(json!({ "text": text }))).await;
    }

    /// Waits until the text of `css` contains `needle`; returns the text.
    pub async fn wait_for_text_containing(&self, css: &str, needle: &str) -> String {
        let script = "const el = document.querySelector(arguments[0]); return el ? el.textContent : null;";
        let found = poll(Duration::from_secs(20), || async {
            self.execute(script, json!([css])).await.as_str().filter(|t| t.contains(needle)).map(str::to_owned)
        })
        .await;
        match found {
            Some(text) => text,
            None => {
                let now = self.execute(script, json!([css])).await;
                panic!("timed out waiting for {css} to contain {needle:?}; it reads {now}; console: {:#?}", self.console().await)
            }
        }
    }

    /// Whether an element matches `css` right now.
    pub async fn exists(&self, css: &str) -> bool {
        self.execute("return document.querySelector(arguments[0]) !== null;", json!([css])).await.as_bool() == Some(true)
    }

    /// Waits until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        wait_until(Duration::from_secs(20), css, || async { (!self.exists(css).await).then_some(()) }).await;
    }

    pub async fn path(&self) -> String {
        self.execute("return location.pathname;", json!([])).await.as_str().unwrap_or_default().to_owned()
    }

    async fn element(&self, css: &str) -> String {
        let id = poll(Duration::from_secs(20), || async {
            let response: Value = self
                .client
                .post(format!("{}/element", self.session))
                .json(&json!({ "using": "css selector", "value": css }))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            response["value"][ELEMENT_KEY].as_str().map(str::to_owned)
        })
        .await;
        match id {
            Some(id) => id,
            None => panic!("no element matches {css}; console: {:#?}", self.console().await),
        }
    }

    /// Signs in through the sign-in form with the demo password.
    pub async fn sign_in(&self, app: &crate::TestApp, email: &str) {
        self.goto(&app.url("/")).await;
        self.type_into("#email", email).await;
        self.type_into("#password", earshot_domain::seed::DEMO_PASSWORD).await;
        self.click("[data-testid=sign-in] button[type=submit]").await;
        self.wait_for_text("[data-testid=signed-in-as]").await;
    }

    /// An agent's softphone, open, goes Available (it comes in Not ready).
    pub async fn go_available(&self) {
        self.wait_for_text("[data-testid=agent-idle]").await;
        self.click("[data-testid=go-available]").await;
        self.wait_for_text_containing("[data-testid=presence-status]", "Available").await;
    }

    /// Presses (`down`) or releases a key, as a user holding it would:
    /// a pressed key stays down until released.
    pub async fn key(&self, key: &str, down: bool) {
        let action = if down { "keyDown" } else { "keyUp" };
        let actions = json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": [{ "type": action, "value": key }] }] });
        self.call(reqwest::Method::POST, "/actions", Some(actions)).await;
    }

    /// Runs a Chrome DevTools Protocol command (ChromeDriver's extension).
    pub async fn devtools(&self, command: &str, params: Value) -> Value {
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({ "cmd": command, "params": params }))).await
    }

    /// Every console message since the last call: `(level, message)`.
    pub async fn console(&self) -> Vec<(String, String)> {
        let entries = self.call(reqwest::Method::POST, "/se/log", Some(json!({ "type": "browser" }))).await;
        entries
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["level"].as_str().unwrap_or("").to_owned(), e["message"].as_str().unwrap_or("").to_owned()))
            .collect()
    }

    /// The window as it looks now, as PNG.
    pub async fn screenshot(&self) -> Vec<u8> {
        use base64::Engine;
        let png = self.call(reqwest::Method::GET, "/screenshot", None).await;
        base64::engine::general_purpose::STANDARD.decode(png.as_str().expect("a base64 screenshot")).expect("valid base64")
    }

    pub async fn quit(self) {
        self.call(reqwest::Method::DELETE, "", None).await;
    }
}

/// How W3C WebDriver names an element reference in JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Polls `probe` until it yields a value; panics naming `what` after `limit`.
pub async fn wait_until<T, F, Fut>(limit: Duration, what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    poll(limit, probe).await.unwrap_or_else(|| panic!("timed out after {limit:?} waiting for {what}"))
}

/// Polls `probe` every 50 ms until it yields a value or `limit` passes.
async fn poll<T, F, Fut>(limit: Duration, mut probe: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(value) = probe().await {
            return Some(value);
        }
        if Instant::now() >= deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("bound").port()
}
