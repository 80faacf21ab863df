//! The load: a contact centre of one agent per call, every call answered,
//! then calls put on hold and taken off it at a chosen rate — each change
//! noted with the time it was asked of the core, for the dashboards to
//! measure its delivery against.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_domain::seed::centre_directory;
use earshot_domain::{CallEvent, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, Direction, NumberId, UserId};
use earshot_server::live::LiveHandle;
use earshot_server::{Application, Config};

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
        config.media.shards = 1;
        let app = Application::build(config).await.expect("the server starts");
        let (addr, live) = (app.local_addr(), app.live());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(app.run_until(async move { drop(stopped.await) }));
        let mut ids = Vec::with_capacity(calls);
        for chunk in (0..calls).collect::<Vec<_>>().chunks(200) {
            let answered = chunk.iter().map(|&i| put_through(&live, i));
            ids.extend(futures_util::future::join_all(answered).await);
        }
        Centre { addr, live, calls: ids, made: Arc::default(), _stop: stop }
    }
}

/// Call `i`: a customer on the line to agent `i` (of `centre_directory`).
async fn put_through(live: &LiveHandle, i: usize) -> CallId {
    let number = NumberId(((i + 1) % 3) as u32 + 1);
    let new = NewCall { origin: Origin::Simulated, number, customer_phone: format!("+4477{i:08}"), direction: Direction::Inbound, kind: CallKind::Regular };
    let call = live.start_call(new).await.expect("the core runs");
    let agent = UserId(1001 + i as u32);
    live.call_event(CallEvent::Answered { call, agent }).await.expect("the core runs").expect("the agent answers");
    call
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

/// Changes `per_second` calls (hold on, then off), round the centre, on a
/// thread of its own, until `running` is cleared. Returns how many it made.
pub fn feed(centre: &Centre, per_second: u32, asked: Arc<Asked>, running: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    let (live, calls, made) = (centre.live.clone(), centre.calls.clone(), Arc::clone(&centre.made));
    std::thread::Builder::new()
        .name("feed".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                // Every 10 ms, or one change a tick below 100 a second.
                let (every, per_tick) = if per_second >= 100 {
                    (Duration::from_millis(10), per_second as usize / 100)
                } else {
                    (Duration::from_secs(1) / per_second.max(1), 1)
                };
                let mut tick = tokio::time::interval(every);
                let mut made_here = 0;
                while running.load(Ordering::Relaxed) {
                    tick.tick().await;
                    for _ in 0..per_tick {
                        let next = made.fetch_add(1, Ordering::Relaxed) as usize;
                        let (index, round) = (next % calls.len(), next / calls.len());
                        made_here += 1;
                        asked.at[index].store(asked.epoch.elapsed().as_micros() as u64, Ordering::Relaxed);
                        let event = CallEvent::Hold { call: calls[index], on: round % 2 == 0 };
                        let live = live.clone();
                        tokio::spawn(async move { live.call_event(event).await });
                    }
                }
                made_here
            })
        })
        .unwrap()
}
