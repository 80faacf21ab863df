//! The load: coached calls of real str0m peers on real UDP sockets against
//! the real server's media shards, and what one step of the ramp measured.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_server::media::{self, Dialogue, MediaConfig, MediaHandle};
use earshot_sfu::{LegRole, RoomId};

use crate::peer::{self, join};
use crate::proc_stat;

const ROLES: [(LegRole, usize, bool); 3] = [(LegRole::Customer, 1, true), (LegRole::Agent, 2, true), (LegRole::Coach, 2, false)];

/// What one step measured.
#[derive(Clone, Copy)]
pub struct Step {
    pub forwarded_per_second: f64,
    /// Cores' worth of CPU the shards' threads used.
    pub server_cores: f64,
    /// Of which inside the SFU core (str0m and the routing).
    pub core_cores: f64,
    pub generator_cores: f64,
    pub hop_p50: Duration,
    pub hop_p99: Duration,
    /// Frames that should have been heard and were not.
    pub loss: f64,
    /// Datagrams the kernel dropped for want of a socket's receive buffer.
    pub kernel_drops: u64,
}

impl Step {
    pub fn us_per_forwarded(&self) -> f64 {
        self.server_cores * 1e6 / self.forwarded_per_second
    }

    /// Of [`Step::us_per_forwarded`], inside the SFU core.
    pub fn core_us_per_forwarded(&self) -> f64 {
        self.core_cores * 1e6 / self.forwarded_per_second
    }

    /// Forwarded streams (four per call) per core of server CPU.
    pub fn streams_per_core(&self, calls: usize) -> f64 {
        (calls * 4) as f64 / self.server_cores
    }
}

/// `calls` coached calls against fresh media shards for `window` of speech.
pub async fn step(shards: usize, calls: usize, window: Duration) -> Step {
    let config = MediaConfig { shards, ..MediaConfig::default() };
    // The shards copy what customers and agents say for the listener, as in
    // the server; nothing reads it here (a full queue drops, as it would).
    let (ears, _unheard) = earshot_server::listen::channel();
    let media = media::spawn(&config, Dialogue::default(), ears).expect("the media shards start");
    let speaking = Arc::new(AtomicBool::new(false));
    let mut peers = Vec::new();
    for call in 0..calls {
        for (role, lines, speaks) in ROLES {
            peers.push(join(&media, RoomId(call as u64 + 1), role, lines, speaks, &speaking).await);
        }
    }
    peer::all_connected(peers.iter().map(|(counters, _)| &**counters)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;

    let drops_before = proc_stat::udp_receive_buffer_drops();
    speaking.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(1)).await; // warm
    let before = Snapshot::take(&media).await;
    tokio::time::sleep(window).await;
    let after = Snapshot::take(&media).await;
    speaking.store(false, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(500)).await; // frames on the wire land

    // Each call: the customer hears the agent, the agent the customer, the
    // coach both; every frame a speaker sent should reach two listeners.
    let sent: u64 = peers.iter().map(|(c, _)| c.sent.load(Ordering::Relaxed)).sum();
    let heard: u64 = peers.iter().map(|(c, _)| c.heard.load(Ordering::Relaxed)).sum();
    let expected = 2 * sent;
    for (_, task) in &peers {
        task.abort();
    }
    let seconds = after.at.duration_since(before.at).as_secs_f64();
    let server = after.server.saturating_sub(before.server).as_secs_f64();
    let all = after.process.saturating_sub(before.process).as_secs_f64();
    let hops = after.hops.since(&before.hops);
    Step {
        forwarded_per_second: (after.forwarded - before.forwarded) as f64 / seconds,
        server_cores: server / seconds,
        core_cores: hops.core.as_secs_f64() / seconds,
        generator_cores: (all - server) / seconds,
        hop_p50: hops.percentile(0.5),
        hop_p99: hops.percentile(0.99),
        loss: expected.saturating_sub(heard) as f64 / expected.max(1) as f64,
        kernel_drops: proc_stat::udp_receive_buffer_drops() - drops_before,
    }
}

struct Snapshot {
    at: Instant,
    server: Duration,
    process: Duration,
    forwarded: u64,
    hops: media::Hops,
}

impl Snapshot {
    async fn take(media: &MediaHandle) -> Snapshot {
        let forwarded = media.report().await.iter().flat_map(|leg| leg.stats.forwarded_to_it.values()).map(|t| t.packets).sum();
        let hops = media.hops().await;
        Snapshot { at: Instant::now(), server: proc_stat::threads("media-"), process: proc_stat::process(), forwarded, hops }
    }
}
