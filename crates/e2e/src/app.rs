//! The real server, in-process, on a free port.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use earshot_domain::seed::SALES;
use earshot_domain::{CallEvent, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, Direction, NumberId, UserId};
use earshot_server::live::LiveHandle;
use earshot_server::media::MediaHandle;
use earshot_server::{Application, Config};
use earshot_sfu::{LegRole, Traffic};

use crate::{wait_until, Browser, Chromedriver};

pub struct TestApp {
    pub addr: SocketAddr,
    /// Scripts calls (the simulator is off in tests).
    pub live: LiveHandle,
    /// The SFU's RTP counters.
    pub media: MediaHandle,
    /// The setup link's path, when the company had no admin at start.
    pub setup_link: Option<String>,
    /// The phone line's address, when it is on.
    pub sip: Option<SocketAddr>,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The same server, reached at `addr` (a relay: see `Network`).
    pub fn through(&self, addr: SocketAddr) -> TestApp {
        TestApp { addr, live: self.live.clone(), media: self.media.clone(), setup_link: self.setup_link.clone(), sip: self.sip }
    }

    /// `agent` signed in elsewhere and Available (no browser of theirs is
    /// needed): a caller or a transfer may go to them.
    pub async fn present(&self, agent: UserId) {
        self.live.connected(agent).await;
        self.live.set_presence(agent, true, String::new()).await.expect("core running").expect("an agent of the company");
    }

    /// A simulated Sales call from Maria Garcia, answered by Alex: the demo
    /// dialogue plays on it once a coach joins.
    pub async fn simulated_call(&self) -> CallId {
        self.simulated_call_with(SALES, "+447700900100", CallKind::Regular, UserId(10)).await
    }

    /// A simulated call on `number` from `phone`, answered by `agent`, as
    /// the simulator would place it.
    pub async fn simulated_call_with(&self, number: NumberId, phone: &str, kind: CallKind, agent: UserId) -> CallId {
        let call = NewCall { origin: Origin::Simulated, number, customer_phone: phone.into(), direction: Direction::Inbound, kind };
        let call = self.live.start_call(call).await.expect("core running");
        self.live.call_event(CallEvent::Answered { call, agent }).await.expect("core running").expect("the agent is free");
        call
    }

    /// What the SFU forwarded to `to` from `from`, so far.
    pub async fn forwarded(&self, to: LegRole, from: LegRole) -> Traffic {
        let reports = self.media.report().await;
        reports
            .iter()
            .filter(|r| r.role == to)
            .filter_map(|r| r.stats.forwarded_to_it.get(&from).copied())
            .fold(Traffic::default(), |a, b| Traffic { packets: a.packets + b.packets, bytes: a.bytes + b.bytes })
    }

    /// `/api/metrics` as Ada (an admin) reads it.
    pub async fn metrics(&self) -> String {
        self.as_ada(reqwest::Method::GET, "/api/metrics", None).await.1
    }

    /// Ada (an admin) sends `method path` with `body` from the app's own
    /// page: the status and the answer's text.
    pub async fn as_ada(&self, method: reqwest::Method, path: &str, body: Option<serde_json::Value>) -> (u16, String) {
        let client = reqwest::Client::new();
        let origin = self.url("");
        let signing_in = serde_json::json!({ "email": "ada@earshot.demo", "password": earshot_domain::seed::DEMO_PASSWORD });
        let signed_in = client.post(self.url("/api/session")).header("origin", &origin).json(&signing_in).send().await.expect("the server answers");
        let cookie = signed_in.headers()["set-cookie"].to_str().expect("a cookie").split(';').next().expect("its value").to_owned();
        let mut request = client.request(method, self.url(path)).header("cookie", cookie).header("origin", origin);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("the server answers");
        (answer.status().as_u16(), answer.text().await.expect("text"))
    }

    /// Waits for half a second more of audio from `from` to `to`.
    pub async fn wait_forwarding(&self, to: LegRole, from: LegRole) {
        let start = self.forwarded(to, from).await.packets;
        wait_until(Duration::from_secs(15), &format!("audio from {from:?} to {to:?}"), || async {
            (self.forwarded(to, from).await.packets > start + 25).then_some(())
        })
        .await;
    }

    /// Alex on the softphone and a caller who dialled Sales put through to
    /// him, talking both ways; each browser gets its own `extra_args` (a
    /// fake microphone).
    pub async fn caller_put_through(&self, driver: &Chromedriver, caller_args: &[&str], agent_args: &[&str]) -> (Browser, Browser) {
        self.caller_put_through_on(self, self, driver, caller_args, agent_args).await
    }

    /// The same, the agent's page from `agent_site` and the caller's from
    /// `caller_site` (other nodes), the call's audio on this server's SFU.
    pub async fn caller_put_through_on(&self, agent_site: &TestApp, caller_site: &TestApp, driver: &Chromedriver, caller_args: &[&str], agent_args: &[&str]) -> (Browser, Browser) {
        let caller = driver.browser(caller_args).await;
        let agent = driver.browser(agent_args).await;
        agent.sign_in(agent_site, "alex@earshot.demo").await;
        agent.go_available().await;
        caller.goto(&caller_site.url("/caller")).await;
        caller.wait_for_text("[data-testid=dial-number] option").await;
        let idle = caller.execute("return document.querySelector('[data-testid=caller-hang-up]').disabled;", serde_json::json!([])).await;
        assert_eq!(idle, serde_json::json!(true), "no call yet: nothing to hang up");
        caller.click("[data-testid=dial]").await;
        caller.wait_for_text_containing("[data-testid=caller-status]", "Talking to an agent").await;
        // The caller page dials from its own number: the call reads as yours.
        agent.wait_for_text_containing("[data-testid=agent-call]", "You (caller page)").await;
        self.wait_forwarding(LegRole::Agent, LegRole::Customer).await;
        self.wait_forwarding(LegRole::Customer, LegRole::Agent).await;
        (caller, agent)
    }

    /// Sam, signed in with the coach dialog open on a fresh simulated call.
    pub async fn coach_dialog_on_simulated_call(&self, driver: &Chromedriver) -> Browser {
        self.simulated_call().await;
        let coach = driver.browser(&[]).await;
        coach.sign_in(self, "sam@earshot.demo").await;
        coach.click("[data-testid=calls] button.coach").await;
        coach
    }
}

/// The built app, from `EARSHOT_DIST` (set by `cargo xtask test`).
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("EARSHOT_DIST").expect("EARSHOT_DIST is not set: run these tests with `cargo xtask test`");
    let dist = PathBuf::from(dist);
    assert!(dist.join("index.html").exists(), "{} has no index.html: build the app first", dist.display());
    dist
}

/// Starts the server serving the built app with the demo company and no
/// simulator (tests script their calls); it lives until the test ends.
pub async fn spawn_app(configure: impl FnOnce(&mut Config)) -> TestApp {
    let mut config = Config::demo();
    configure(&mut config);
    spawn_company(config).await
}

/// Starts the server for the company `config` starts with, serving the
/// built app on a free port.
pub async fn spawn_company(config: Config) -> TestApp {
    let config = Config { addr: "127.0.0.1:0".parse().unwrap(), dist_dir: Some(dist_dir()), ..config };
    let app = Application::build(config).await.expect("server starts");
    let (addr, live, media) = (app.local_addr(), app.live(), app.media());
    let (setup_link, sip) = (app.setup_link().map(str::to_owned), app.sip_addr());
    tokio::spawn(app.run_until_stopped());
    TestApp { addr, live, media, setup_link, sip }
}
