//! The Earshot backend: serves the built app and its API on one port.
//!
//! `Application::build` binds and wires everything; `main.rs` only parses
//! flags. Tests build the same `Application` on port 0.

pub mod auth;
pub mod config;
pub mod http;
pub mod listen;
pub mod live;
pub mod load;
pub mod media;
pub mod node;
mod phone;
mod password_checks;
pub mod supervise;
pub mod throttle;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use earshot_protocol::Millis;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub use config::{Config, Database};

/// The time the core and the store count in, in ms since 1970: the wall
/// clock's reading when the server started, moved on by a monotonic clock.
/// Timers (a coach's grace, a long hold, the listener's ticks, sessions'
/// expiry) count on it, so a wall clock stepped back or forth by NTP or by
/// hand neither stalls nor fires them; shown and stored times stay the wall
/// clock's as long as nobody steps it.
pub fn now() -> Millis {
    static CLOCK: std::sync::LazyLock<Clock> = std::sync::LazyLock::new(Clock::start);
    CLOCK.at(Instant::now())
}

/// A clock that never steps: a wall reading and the instant it was taken.
struct Clock {
    wall: Millis,
    start: Instant,
}

impl Clock {
    fn start() -> Clock {
        // A clock before 1970 is a broken machine, not an input to handle.
        let since_1970 = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
        Clock { wall: Millis(since_1970.as_millis() as u64), start: Instant::now() }
    }

    fn at(&self, instant: Instant) -> Millis {
        Millis(self.wall.0 + instant.saturating_duration_since(self.start).as_millis() as u64)
    }
}

/// The server could not start.
#[derive(Debug)]
pub enum StartError {
    Io(std::io::Error),
    /// The database cannot be opened, migrated or read.
    Store(earshot_store::Error),
    /// The SIP line cannot listen.
    Sip(String),
    /// The node cannot join the others (see [`node`]).
    Node(node::NodeError),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Io(e) => e.fmt(f),
            StartError::Store(e) => write!(f, "the database: {e}"),
            StartError::Sip(e) => write!(f, "the SIP line: {e}"),
            StartError::Node(e) => write!(f, "joining the other nodes: {e}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<std::io::Error> for StartError {
    fn from(e: std::io::Error) -> Self {
        StartError::Io(e)
    }
}

impl From<earshot_store::Error> for StartError {
    fn from(e: earshot_store::Error) -> Self {
        StartError::Store(e)
    }
}

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    limits: http::serve::Limits,
    proxies: http::client::TrustedProxies,
    live: live::LiveHandle,
    media: media::MediaHandle,
    /// Tells every open socket the server is stopping.
    stopping: watch::Sender<bool>,
    /// Removes a scratch database when the server is done.
    scratch: Option<Scratch>,
    /// The phone line toward the SIP trunk, when it is on.
    sip: Option<earshot_sip::line::Line>,
    setup_link: Option<String>,
}

/// A scratch data directory, removed on drop.
struct Scratch(std::path::PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0); // already gone is fine
    }
}

impl Application {
    /// Opens the store (seeding an empty one with `config.seed`), binds the
    /// listener and assembles the routes; serves nothing until
    /// [`Application::run_until_stopped`].
    pub async fn build(config: Config) -> Result<Self, StartError> {
        if config.node.is_some() {
            node::check(&config).map_err(StartError::Node)?;
        }
        let store = config.database.open().await?;
        let scratch = match &config.database {
            Database::Scratch(dir) => Some(Scratch(dir.clone())),
            _ => None,
        };
        store.seed_if_empty(&config.seed).await?;
        let company = store.company().await?;
        warn_of_the_company(&config, &company);
        store.purge_sessions(now()).await?;

        let listener = TcpListener::bind(config.addr).await?;
        let local = listener.local_addr()?;
        let speech = match earshot_phrases::Model::load(&config.speech_model) {
            Ok(model) => Some(Arc::new(model)),
            Err(e) => {
                tracing::warn!("no phrase alerts: {e}");
                None
            }
        };
        let (ears, heard) = listen::channel();
        let media = media::spawn(&config.media, media::Dialogue::demo(), ears.clone())?;
        let start = live::CoreStart {
            store: store.clone(),
            grace: config.grace,
            simulator: config.simulator.clone(),
            attention: config.attention.clone(),
            speech: speech.clone(),
            media: media.clone(),
            ears,
        };
        let (attention, phrases) = start.attention().await?;
        let (live, joined) = match &config.node {
            None => (start.start("the server stopped during the call").await?, None),
            Some(node) => {
                let joined = node::join(node, node::Takeover::new(start)).await.map_err(StartError::Node)?;
                (joined.live.clone(), Some(joined))
            }
        };
        listen::spawn(heard, live.clone(), listen::thresholds(&attention), phrases)?;
        let sip = match &config.sip {
            Some(line) => {
                let mut line = line.clone();
                // An admin's saved rules take the place of the flags'.
                if let Some(saved) = store.phone_line_settings().await? {
                    line.trunks = earshot_sip::trunk::Trunks::saved(&saved.trunks, saved.account, saved.password).map_err(StartError::Sip)?;
                    line.max_calls = saved.max_calls as usize;
                    line.outbound = saved.outbound.as_deref().map(earshot_sip::trunk::outbound).transpose().map_err(StartError::Sip)?;
                }
                let (line, calls) = earshot_sip::line::Line::start(line).await.map_err(|e| StartError::Sip(e.to_string()))?;
                supervise::task("SIP calls", phone::serve(calls, live.clone(), media.clone(), line.dialer()));
                Some(line)
            }
            None => None,
        };
        let (stopping, _) = watch::channel(false);
        let needs_admin = !company.directory.active_users().any(|u| u.role == earshot_protocol::Role::Admin);
        let phone_line = sip.as_ref().map(|line| (line.local_addr(), line.rules()));
        let state = http::AppState::new(&config, company, store, local, live.clone(), media.clone(), stopping.subscribe())?.with_speech(speech).with_phone_line(phone_line);
        if let Some(joined) = &joined {
            joined.share_accounts(state.auth.clone()).await.map_err(StartError::Node)?;
        }
        let setup_link = match needs_admin {
            true => Some(setup_link(&state, local).await?),
            false => None,
        };
        let proxies = http::client::TrustedProxies::new(config.trusted_proxies.iter().copied());
        Ok(Self { listener, router: http::router(state), limits: config.connections, proxies, live, media, stopping, scratch, sip, setup_link })
    }

    /// The setup link printed at start (its path) when the company has no
    /// admin yet.
    pub fn setup_link(&self) -> Option<&str> {
        self.setup_link.as_deref()
    }

    pub fn local_addr(&self) -> SocketAddr {
        // The listener is bound; `local_addr` only fails on an unbound socket.
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// The live core, for scripting calls (tests, the caller view).
    pub fn live(&self) -> live::LiveHandle {
        self.live.clone()
    }

    /// The SFU, for its counters (tests).
    pub fn media(&self) -> media::MediaHandle {
        self.media.clone()
    }

    /// Where the SIP line listens (UDP and TCP), when it is on.
    pub fn sip_addr(&self) -> Option<SocketAddr> {
        self.sip.as_ref().map(earshot_sip::line::Line::local_addr)
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `signal`; then every open socket closes with 1001
    /// ("going away", so the app reconnects) after its in-flight writes,
    /// and in-flight requests finish.
    pub async fn run_until(self, signal: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let _scratch = self.scratch; // dropped when the server is
        let _sip = self.sip; // the line stops with the server
        let stopping = self.stopping;
        let told = stopping.clone();
        let signal = async move {
            signal.await;
            told.send_replace(true);
        };
        http::serve::serve(self.listener, self.router, self.limits, self.proxies, signal).await;
        // Each socket holds a receiver until it has said goodbye.
        let goodbyes = async {
            while stopping.receiver_count() > 0 {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(2), goodbyes).await; // a stuck peer does not hold the exit
        Ok(())
    }
}

/// What an admin must know of the company at start: it has no admin yet,
/// or it holds the demo's accounts while this is not the demo.
fn warn_of_the_company(config: &Config, company: &earshot_store::Company) {
    let demo_accounts = company.directory.users().filter(|u| u.email.ends_with(earshot_domain::seed::DEMO_EMAIL_DOMAIN)).count();
    if demo_accounts > 0 && !config.demo {
        tracing::warn!(
            "this database holds {demo_accounts} accounts of the demo company (…{}): the demo password is refused without --demo; give them passwords of their own or start on a new database",
            earshot_domain::seed::DEMO_EMAIL_DOMAIN
        );
    }
}

/// A company with no admin gets a one-time setup link, in the log: whoever
/// opens it within the hour becomes the first admin. Each start makes a
/// new one (the old stops working).
async fn setup_link(state: &http::AppState, local: SocketAddr) -> Result<String, StartError> {
    let (token, _) = state.auth.issue_link(None, auth::SETUP_LINK_TTL, now()).await?;
    let path = http::welcome_path(token.as_str());
    tracing::warn!(
        "the company has no admin yet: open http://{local}{path} (or this path on the address people use) within an hour to create the first, or run `earshot-server create-admin --email … --name …` (the password on standard input)"
    );
    Ok(path)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::{now, Clock, Millis};

    #[test]
    fn the_clock_moves_on_by_elapsed_time_from_its_wall_reading_and_never_back() {
        let start = Instant::now();
        let clock = Clock { wall: Millis(1_000_000), start };
        assert_eq!(clock.at(start), Millis(1_000_000));
        assert_eq!(clock.at(start + Duration::from_millis(1_500)), Millis(1_001_500));
        assert_eq!(clock.at(start - Duration::from_millis(10)), Millis(1_000_000), "an instant before its start reads as the start");
        let readings: Vec<_> = (0..10_000).map(|_| now()).collect();
        assert!(readings.windows(2).all(|w| w[0] <= w[1]), "now() never goes back");
    }
}
