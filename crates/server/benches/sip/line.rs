//! A trunk's side of one phone call, in process: a UDP socket sending
//! 20 ms of G.711 μ-law (160 bytes) 50 times a second while asked, and
//! counting the packets Earshot sends it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use earshot_rtp::RtpPacket;
use earshot_server::media::{Effect, MediaHandle};
use earshot_sfu::{LegRole, LineEvent, PhoneLine, RoomId, Seat, G711};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::peer::{Counters, FRAME};

/// The call's phone leg joins `room` as its customer, answered, and the
/// trunk's socket runs.
pub async fn join(media: &MediaHandle, room: RoomId, speaking: &Arc<AtomicBool>) -> (Arc<Counters>, tokio::task::JoinHandle<()>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    media.apply(Effect::Grant { room, role: LegRole::Customer, seat: Seat { holder: 1, session: 0 } });
    let line = PhoneLine { remote: Some(socket.local_addr().unwrap()), codec: G711::MuLaw, dtmf: None, sends: true, receives: true, answered: true };
    let (events, quiet) = mpsc::unbounded_channel::<LineEvent>();
    media.join_phone(room, LegRole::Customer, 1, line, events).await.expect("the SFU takes the line");
    socket.connect(media.rtp_address(room)).await.unwrap();
    let counters = Arc::new(Counters::default());
    counters.connected.store(true, Ordering::Relaxed);
    let task = tokio::spawn(run(socket, Arc::clone(speaking), Arc::clone(&counters), quiet));
    (counters, task)
}

async fn run(socket: UdpSocket, speaking: Arc<AtomicBool>, counters: Arc<Counters>, _quiet: mpsc::UnboundedReceiver<LineEvent>) {
    // A voice-band tone, so that the codec has something to carry.
    let samples: Vec<i16> = (0..160).map(|i| ((i as f64 * std::f64::consts::TAU * 440.0 / 8_000.0).sin() * 8_000.0) as i16).collect();
    let mut payload = Vec::new();
    G711::MuLaw.encode(&samples, &mut payload);
    let mut tick = tokio::time::interval(FRAME);
    let mut buf = vec![0u8; 2048];
    let (mut sequence, mut timestamp) = (0u16, 0u32);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if speaking.load(Ordering::Relaxed) {
                    let packet = RtpPacket { marker: false, payload_type: 0, sequence, timestamp, ssrc: 0x5150, payload: &payload };
                    if socket.send(&packet.to_bytes()).await.is_ok() {
                        counters.sent.fetch_add(1, Ordering::Relaxed);
                    }
                    (sequence, timestamp) = (sequence.wrapping_add(1), timestamp.wrapping_add(160));
                }
            }
            received = socket.recv(&mut buf) => match received {
                Ok(_) => {
                    counters.heard.fetch_add(1, Ordering::Relaxed);
                }
                Err(_) => return,
            },
        }
    }
}
