//! What the server is told at start-up.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use earshot_domain::seed::{demo_directory, DEMO_PASSWORD};
use earshot_domain::{Core, Directory};
use earshot_protocol::AttentionSettings;
use earshot_simulator::SimConfig;
use earshot_store::{Company, Store};

use crate::auth::hash_password;
use crate::media::MediaConfig;
use crate::http::serve::Limits;
use crate::throttle::{Backoff, Rate};

#[derive(Clone)]
pub struct Config {
    /// Where to listen; port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// The app built by trunk (`dist/`); `None` serves the API alone.
    pub dist_dir: Option<PathBuf>,
    /// Page origins allowed besides the server's own, e.g. `trunk serve`'s.
    pub extra_origins: Vec<String>,
    /// Where the durable state lives.
    pub database: Database,
    /// The company an empty store starts with (users, numbers, contacts,
    /// password hashes); a store that has one keeps its own.
    pub seed: Company,
    /// The demo: only then is the demo's published password accepted.
    pub demo: bool,
    /// How long a session lasts.
    pub session_ttl: Duration,
    /// The demo call flow; `None` leaves calls to scripts and tests.
    pub simulator: Option<SimConfig>,
    /// How long a person whose every connection dropped keeps their place:
    /// a coach the call, an agent their presence and their caller.
    pub grace: Duration,
    /// What makes a call need a coach until an admin saves the company's
    /// own (a long hold, the audio's signals, the phrases to spot).
    pub attention: AttentionSettings,
    /// The speech model phrases are spotted with (Debian's
    /// `pocketsphinx-en-us`); without it there are no phrase alerts.
    pub speech_model: PathBuf,
    /// The SFU's UDP socket.
    pub media: MediaConfig,
    /// How often a live socket is pinged; a peer silent for three periods
    /// (a frozen browser, a dead network) is dropped.
    pub heartbeat: Duration,
    /// How failed sign-ins back off, per client address and per account.
    pub sign_in_backoff: Backoff,
    /// How an anonymous caller's dials back off, per client address.
    pub dial_backoff: Backoff,
    /// How fast one user may do each thing that costs everyone (see
    /// [`crate::throttle::Flood`]): add notes, toggle hold, ask for a
    /// snapshot, be refused coaching.
    pub insider_rate: Rate,
    /// Connections per client address, and how long a request may take.
    pub connections: Limits,
    /// Proxies in front of the server (a TLS terminator): behind them the
    /// client's address is the one they put in `X-Forwarded-For`.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The phone line toward a SIP trunk; `None`: off.
    pub sip: Option<earshot_sip::line::LineConfig>,
    /// One node of several, sharing the company through NATS and
    /// PostgreSQL; `None`: the only server.
    pub node: Option<crate::node::NodeConfig>,
}

/// Where the durable state lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Database {
    /// SQLite: `earshot.db` in this directory, both created on first start.
    Dir(PathBuf),
    /// SQLite in a directory of its own, removed when the server stops or
    /// is dropped (tests).
    Scratch(PathBuf),
    /// A database server's URL (`postgres://user@host/db`), or `sqlite://…`.
    Url(String),
}

impl Database {
    /// Opens it, creating and migrating it as needed.
    pub async fn open(&self) -> Result<Store, earshot_store::Error> {
        match self {
            Database::Dir(dir) | Database::Scratch(dir) => Store::open_dir(dir).await,
            Database::Url(url) => Store::open(url).await,
        }
    }

    /// A scratch directory under the system's temp directory.
    pub fn scratch() -> Database {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("earshot-{}-{}-{n}", std::process::id(), crate::now().0);
        Database::Scratch(std::env::temp_dir().join(name))
    }
}

impl Config {
    /// The demo company, every account with [`DEMO_PASSWORD`], no
    /// simulator, in a scratch SQLite database of its own.
    pub fn demo() -> Self {
        Self::with_directory(demo_directory())
    }

    /// [`Config::demo`] with another company's directory.
    pub fn with_directory(directory: Directory) -> Self {
        // One hash serves every demo account: they share the password, and
        // hashing is slow by design.
        let hash = hash_password(DEMO_PASSWORD);
        let password_hashes = directory.users().map(|u| (u.id, hash.clone())).collect();
        Self::starting_with(Company { directory, password_hashes }, true)
    }

    /// A company of its own: an empty store starts with nobody (the first
    /// admin comes through the setup link in the log, or `earshot-server
    /// create-admin`), and the demo password is refused.
    pub fn production() -> Self {
        Self::starting_with(Company { directory: Directory::default(), password_hashes: Default::default() }, false)
    }

    fn starting_with(seed: Company, demo: bool) -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            dist_dir: None,
            extra_origins: Vec::new(),
            database: Database::scratch(),
            seed,
            demo,
            session_ttl: Duration::from_secs(12 * 60 * 60),
            simulator: None,
            grace: Core::GRACE,
            attention: AttentionSettings::default(),
            speech_model: PathBuf::from(earshot_phrases::DEBIAN_MODEL),
            media: MediaConfig::default(),
            heartbeat: Duration::from_secs(5),
            sign_in_backoff: Backoff::default(),
            // A caller may try a few numbers; a script may not flood the queue.
            dial_backoff: Backoff { free: 5, first: Duration::from_secs(5), cap: Duration::from_secs(60) },
            // A call's worth of each at once, then one every 3 s.
            insider_rate: Rate { burst: 10, every: Duration::from_secs(3) },
            connections: Limits::default(),
            trusted_proxies: Vec::new(),
            sip: None,
            node: None,
        }
    }
}
