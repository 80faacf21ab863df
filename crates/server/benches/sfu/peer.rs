//! A str0m peer on a UDP socket of its own, joined to a room through the
//! media handle as the signalling would, speaking 50 frames a second of 80
//! bytes when asked and counting what it hears. (Shared by the SFU and SIP
//! benchmarks.)

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_server::media::{Effect, MediaHandle};
use earshot_sfu::{LegRole, RoomId};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

pub const FRAME: Duration = Duration::from_millis(20);

/// A generator peer's counters.
#[derive(Default)]
pub struct Counters {
    pub connected: AtomicBool,
    pub sent: AtomicU64,
    pub heard: AtomicU64,
}

/// Waits (a minute at most) until every one of `peers` is connected.
pub async fn all_connected<'a>(peers: impl Iterator<Item = &'a Counters> + Clone) {
    let started = Instant::now();
    while !peers.clone().all(|counters| counters.connected.load(Ordering::Relaxed)) {
        assert!(started.elapsed() < Duration::from_secs(60), "every peer connects within a minute");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A peer joins `room` as `role` through the media handle (as the
/// signalling would) and runs on its own socket.
pub async fn join(
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
