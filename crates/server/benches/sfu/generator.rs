//! The load: coached calls of real str0m peers on real UDP sockets against
//! the real server's media shards, and what one step of the ramp measured.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_server::media::{self, Dialogue, Effect, MediaConfig, MediaHandle};
use earshot_sfu::{LegRole, RoomId};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

use crate::proc_stat;

const FRAME: Duration = Duration::from_millis(20);
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

/// A generator peer's counters.
#[derive(Default)]
struct Counters {
    connected: AtomicBool,
    sent: AtomicU64,
    heard: AtomicU64,
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
    let started = Instant::now();
    while !peers.iter().all(|(counters, _)| counters.connected.load(Ordering::Relaxed)) {
        assert!(started.elapsed() < Duration::from_secs(60), "every peer connects within a minute");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
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

/// A peer joins `room` as `role` through the media handle (as the
/// signalling would) and runs on its own socket.
async fn join(
    media: &MediaHandle,
    room: RoomId,
    role: LegRole,
    lines: usize,
    speaks: bool,
    speaking: &Arc<AtomicBool>,
) -> (Arc<Counters>, tokio::task::JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).build(Instant::now());
    rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
    let mut change = rtc.sdp_api();
    let send_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
    for _ in 0..lines {
        change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
    }
    let (offer, pending) = change.apply().unwrap();
    // No core here: the bench grants the seats a core would.
    media.apply(Effect::Grant { room, role, seat: earshot_sfu::Seat { holder: 1, session: 1 } });
    let answer = media.join(room, role, 1, offer.to_sdp_string()).await.expect("the SFU answers");
    rtc.sdp_api().accept_answer(pending, str0m::change::SdpAnswer::from_sdp_string(&answer).unwrap()).unwrap();
    let counters = Arc::new(Counters::default());
    let speaking = if speaks { Some(Arc::clone(speaking)) } else { None };
    let task = tokio::spawn(run(rtc, socket, send_mid, speaking, Arc::clone(&counters)));
    (counters, task)
}

async fn run(mut rtc: Rtc, socket: UdpSocket, send_mid: Mid, speaking: Option<Arc<AtomicBool>>, counters: Arc<Counters>) {
    let local = socket.local_addr().unwrap();
    let mut buf = vec![0u8; 2048];
    let mut next_frame = Instant::now() + FRAME;
    let mut frames = 0u64;
    loop {
        let timeout = match rtc.poll_output() {
            Ok(Output::Timeout(t)) => t,
            Ok(Output::Transmit(t)) => {
                let _ = socket.send_to(&t.contents, t.destination).await;
                continue;
            }
            Ok(Output::Event(Event::MediaData(_))) => {
                counters.heard.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            Ok(Output::Event(Event::Connected)) => {
                counters.connected.store(true, Ordering::Relaxed);
                continue;
            }
            Ok(Output::Event(_)) => continue,
            Err(_) => return,
        };
        let wake = if speaking.is_some() { timeout.min(next_frame) } else { timeout };
        let input = tokio::select! {
            received = socket.recv_from(&mut buf) => match received {
                Ok((n, source)) => match Receive::new(Protocol::Udp, source, local, &buf[..n]) {
                    Ok(receive) => rtc.handle_input(Input::Receive(Instant::now(), receive)),
                    Err(_) => continue,
                },
                Err(_) => return,
            },
            _ = tokio::time::sleep_until(wake.into()) => rtc.handle_input(Input::Timeout(Instant::now())),
        };
        if input.is_err() {
            return;
        }
        let now = Instant::now();
        if let Some(speaking) = &speaking {
            if now >= next_frame {
                next_frame += FRAME;
                if speaking.load(Ordering::Relaxed) {
                    let pt = rtc.codec_config().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt());
                    if let (Some(pt), Some(writer)) = (pt, rtc.writer(send_mid)) {
                        if writer.write(pt, now, MediaTime::from_millis(frames * 20), vec![0xAA; 80]).is_ok() {
                            counters.sent.fetch_add(1, Ordering::Relaxed);
                        }
                        frames += 1;
                    }
                }
            }
        }
    }
}
