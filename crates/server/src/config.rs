//! What the server is told at start-up.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use crate::auth::Account;

#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// The app built by trunk (`dist/`); `None` serves the API alone.
    pub dist_dir: Option<PathBuf>,
    /// Page origins allowed besides the server's own, e.g. `trunk serve`'s.
    pub extra_origins: Vec<String>,
    /// Who can sign in.
    pub accounts: Vec<Account>,
    /// How long a session lasts.
    pub session_ttl: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 8080)),
            dist_dir: None,
            extra_origins: Vec::new(),
            accounts: Vec::new(),
            session_ttl: Duration::from_secs(12 * 60 * 60),
        }
    }
}
