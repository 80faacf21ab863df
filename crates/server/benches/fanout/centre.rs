//! The load (`earshot_server::load`) in a server of its own, each change
//! noted with the time it was asked of the core, for the dashboards to
//! measure its delivery against.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_domain::seed::centre_directory;
use earshot_protocol::CallId;
use earshot_server::live::LiveHandle;
use earshot_server::{load, Application, Config};

/// A running server with `calls` live calls.
pub struct Centre {
    pub addr: std::net::SocketAddr,
    pub live: LiveHandle,
    /// The calls, in the order the feed changes them.
    pub calls: Vec<CallId>,
    /// Changes the feed has made so far: the next one goes on from there
    /// (a call on hold is next taken off it).
    made: Arc<AtomicU64>,
    /// Stops the server when dropped.
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl Centre {
    /// Starts the server on the current runtime and puts every call through.
    pub async fn start(calls: usize) -> Centre {
        let mut config = Config::with_directory(centre_directory(calls));
        config.addr = "127.0.0.1:0".parse().unwrap();
        // Every dashboard connects from this machine's one address.
        config.connections.per_address = 100_000;
        config.insider_rate.burst = 100_000; // and is Sam's: his snapshots are not rationed
        config.media.shards = 1;
        let app = Application::build(config).await.expect("the server starts");
        let (addr, live) = (app.local_addr(), app.live());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move { drop(stopped.await) }));
        let ids = load::put_through(&live, calls).await;
        Centre::of(addr, live, ids, stop)
    }

    /// A server already running, its `calls` put through.
    pub fn of(addr: std::net::SocketAddr, live: LiveHandle, calls: Vec<CallId>, stop: tokio::sync::oneshot::Sender<()>) -> Centre {
        Centre { addr, live, calls, made: Arc::default(), _stop: stop }
    }
}

/// When each call's last change was asked of the core, in µs since `epoch`.
pub struct Asked {
    pub epoch: Instant,
    at: Vec<AtomicU64>,
}

impl Asked {
    pub fn new(calls: usize) -> Asked {
        Asked { epoch: Instant::now(), at: (0..calls).map(|_| AtomicU64::new(0)).collect() }
    }

    /// When the last change to the call at `index` was asked.
    pub fn of(&self, index: usize) -> Option<Instant> {
        let us = self.at.get(index)?.load(Ordering::Relaxed);
        (us > 0).then(|| self.epoch + Duration::from_micros(us))
    }
}

/// The load's feed of changes (`earshot_server::load::feed`), each noted in
/// `asked`; it goes on from the centre's last change.
pub fn feed(centre: &Centre, per_second: u32, asked: Arc<Asked>, running: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    let note = move |index: usize| asked.at[index].store(asked.epoch.elapsed().as_micros() as u64, Ordering::Relaxed);
    load::feed(centre.live.clone(), centre.calls.clone(), per_second, Arc::clone(&centre.made), running, note)
}
