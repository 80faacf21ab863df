//! A browser-like str0m peer on a real UDP socket on 127.0.0.1, against the
//! real server's SFU: it speaks a frame every 20 ms whose first byte says
//! who spoke it, and tallies what it hears by that byte — listening, not
//! trusting flags.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use str0m::change::SdpPendingOffer;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::net::UdpSocket;

/// First bytes of the frames each party speaks.
pub const CUSTOMER: u8 = 0xC1;
pub const AGENT: u8 = 0xA1;
pub const COACH: u8 = 0xB1;

const FRAME: Duration = Duration::from_millis(20);

/// A peer that has offered and waits for the server's answer.
pub struct Offering {
    rtc: Rtc,
    socket: UdpSocket,
    pending: SdpPendingOffer,
    send_mid: Mid,
    pub sdp: String,
}

/// A connected peer, speaking and listening until dropped.
pub struct Peer {
    heard: Arc<Mutex<BTreeMap<u8, u64>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Offering {
    /// Offers a send line then `receive_lines` receive lines, as the app does.
    pub async fn new(receive_lines: usize) -> Self {
        str0m::crypto::from_feature_flags().install_process_default();
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).build(Instant::now());
        rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
        let mut change = rtc.sdp_api();
        let send_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        for _ in 0..receive_lines {
            change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
        }
        let (offer, pending) = change.apply().expect("an offer");
        Self { rtc, socket, pending, send_mid, sdp: offer.to_sdp_string() }
    }

    /// Takes the server's answer and starts speaking frames tagged `tag`.
    pub fn connect(mut self, answer: &str, tag: u8) -> Peer {
        let answer = str0m::change::SdpAnswer::from_sdp_string(answer).expect("an SDP answer");
        self.rtc.sdp_api().accept_answer(self.pending, answer).expect("the answer fits the offer");
        let heard = Arc::new(Mutex::new(BTreeMap::new()));
        let task = tokio::spawn(run(self.rtc, self.socket, self.send_mid, tag, Arc::clone(&heard)));
        Peer { heard, task }
    }
}

impl Peer {
    /// Frames heard from the party whose frames start with `tag`.
    pub fn heard(&self, tag: u8) -> u64 {
        self.heard.lock().unwrap().get(&tag).copied().unwrap_or(0)
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn run(mut rtc: Rtc, socket: UdpSocket, send_mid: Mid, tag: u8, heard: Arc<Mutex<BTreeMap<u8, u64>>>) {
    let local: SocketAddr = socket.local_addr().unwrap();
    let mut buf = vec![0u8; 2048];
    let mut next_frame = Instant::now();
    let mut frames = 0u64;
    loop {
        let timeout = match rtc.poll_output() {
            Ok(Output::Timeout(t)) => t,
            Ok(Output::Transmit(t)) => {
                let _ = socket.send_to(&t.contents, t.destination).await;
                continue;
            }
            Ok(Output::Event(Event::MediaData(data))) => {
                if let Some(&first) = data.data.first() {
                    *heard.lock().unwrap().entry(first).or_default() += 1;
                }
                continue;
            }
            Ok(Output::Event(_)) => continue,
            Err(_) => return,
        };
        let wake = timeout.min(next_frame);
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
        if now >= next_frame {
            next_frame = now + FRAME;
            speak(&mut rtc, send_mid, tag, frames, now);
            frames += 1;
        }
    }
}

fn speak(rtc: &mut Rtc, mid: Mid, tag: u8, frames: u64, now: Instant) {
    let Some(pt) = rtc.codec_config().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt()) else { return };
    if let Some(writer) = rtc.writer(mid) {
        // Before ICE and DTLS are up str0m drops writes; that is fine.
        let _ = writer.write(pt, now, MediaTime::from_millis(frames * 20), vec![tag; 60]);
    }
}
