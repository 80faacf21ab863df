//! A browser-like str0m peer on 127.0.0.1, against the real server's SFU —
//! over UDP, or over ICE-TCP as a browser whose UDP is blocked: it speaks a
//! frame every 20 ms whose first byte says who spoke it, and tallies what
//! it hears by that byte — listening, not trusting flags. It can also say
//! real Opus frames (speech), one every 20 ms, in place of its own.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use str0m::change::SdpPendingOffer;
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Event, Input, Output, Rtc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;

use earshot_domain::seed::SALES;
use earshot_protocol::{CallId, Outcome, Request};

use crate::helpers::{LiveClient, TestApp, ALEX};

/// First bytes of the frames each party speaks.
pub const CUSTOMER: u8 = 0xC1;
pub const AGENT: u8 = 0xA1;
pub const COACH: u8 = 0xB1;
/// A second agent, who takes a transfer.
pub const OTHER_AGENT: u8 = 0xA2;

const FRAME: Duration = Duration::from_millis(20);

/// A peer that has offered and waits for the server's answer.
pub struct Offering {
    rtc: Rtc,
    wire: Wire,
    pending: SdpPendingOffer,
    send_mid: Mid,
    pub sdp: String,
}

/// A connected peer, speaking and listening until dropped.
pub struct Peer {
    heard: Arc<Mutex<BTreeMap<u8, u64>>>,
    /// Frames to say next, before the peer's own.
    saying: Arc<Mutex<VecDeque<Vec<u8>>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Offering {
    /// Offers a send line then `receive_lines` receive lines, as the app
    /// does, with a UDP candidate.
    pub async fn new(receive_lines: usize) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let candidate = Candidate::host(socket.local_addr().unwrap(), "udp").unwrap();
        Self::with(receive_lines, candidate, Wire::Udp(socket))
    }

    /// The same with UDP blocked: an active TCP candidate only, so the
    /// audio can only flow over the server's passive one.
    pub async fn over_tcp(receive_lines: usize) -> Self {
        // An active candidate's port is never connected to (RFC 6544: 9).
        let local: SocketAddr = "127.0.0.1:9".parse().unwrap();
        let candidate = Candidate::builder().tcp().host(local).tcptype(TcpType::Active).build().unwrap();
        Self::with(receive_lines, candidate, Wire::Tcp { local, writer: None, frames: mpsc::channel(256) })
    }

    fn with(receive_lines: usize, candidate: Candidate, wire: Wire) -> Self {
        str0m::crypto::from_feature_flags().install_process_default();
        let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).build(Instant::now());
        rtc.add_local_candidate(candidate);
        let mut change = rtc.sdp_api();
        let send_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        for _ in 0..receive_lines {
            change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
        }
        let (offer, pending) = change.apply().expect("an offer");
        Self { rtc, wire, pending, send_mid, sdp: offer.to_sdp_string() }
    }

    /// Takes the server's answer and starts speaking frames tagged `tag`.
    pub fn connect(mut self, answer: &str, tag: u8) -> Peer {
        let answer = str0m::change::SdpAnswer::from_sdp_string(answer).expect("an SDP answer");
        self.rtc.sdp_api().accept_answer(self.pending, answer).expect("the answer fits the offer");
        let heard = Arc::new(Mutex::new(BTreeMap::new()));
        let saying = Arc::new(Mutex::new(VecDeque::new()));
        let task = tokio::spawn(run(self.rtc, self.wire, self.send_mid, tag, Arc::clone(&heard), Arc::clone(&saying)));
        Peer { heard, saying, task }
    }
}

impl Peer {
    /// Frames heard from the party whose frames start with `tag`.
    pub fn heard(&self, tag: u8) -> u64 {
        self.heard.lock().unwrap().get(&tag).copied().unwrap_or(0)
    }

    /// Frames heard from anybody at all.
    pub fn heard_by_anyone(&self) -> u64 {
        self.heard.lock().unwrap().values().sum()
    }

    /// Says `opus` frames, one every 20 ms from the next; when it will have
    /// begun (a frame `n` in is said 20 × `n` ms later).
    pub fn say(&self, opus: Vec<Vec<u8>>) -> Instant {
        self.saying.lock().unwrap().extend(opus);
        Instant::now() + FRAME / 2
    }

    /// Frames heard from no peer: what the server itself played.
    pub fn heard_from_the_server(&self) -> u64 {
        self.heard.lock().unwrap().iter().filter(|(tag, _)| ![CUSTOMER, AGENT, COACH, OTHER_AGENT].contains(tag)).map(|(_, n)| n).sum()
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// How the peer's packets travel.
enum Wire {
    Udp(UdpSocket),
    /// RFC 4571 frames on a connection opened at the first packet sent;
    /// a reader task hands received frames over on `frames`.
    Tcp { local: SocketAddr, writer: Option<(SocketAddr, OwnedWriteHalf)>, frames: (mpsc::Sender<Vec<u8>>, mpsc::Receiver<Vec<u8>>) },
}

impl Wire {
    async fn send(&mut self, destination: SocketAddr, packet: &[u8]) {
        match self {
            Wire::Udp(socket) => {
                let _ = socket.send_to(packet, destination).await;
            }
            Wire::Tcp { writer, frames, .. } => {
                if writer.is_none() {
                    let Ok(stream) = TcpStream::connect(destination).await else { return };
                    let (mut reader, write) = stream.into_split();
                    let received = frames.0.clone();
                    tokio::spawn(async move {
                        while let Ok(length) = reader.read_u16().await {
                            let mut frame = vec![0; usize::from(length)];
                            if reader.read_exact(&mut frame).await.is_err() || received.send(frame).await.is_err() {
                                return;
                            }
                        }
                    });
                    *writer = Some((destination, write));
                }
                let Some((_, write)) = writer else { return };
                let mut frame = (packet.len() as u16).to_be_bytes().to_vec();
                frame.extend_from_slice(packet);
                let _ = write.write_all(&frame).await;
            }
        }
    }

    /// The next packet received: who sent it, to which local address.
    async fn receive(&mut self, buf: &mut [u8]) -> Option<(Protocol, SocketAddr, SocketAddr, usize)> {
        match self {
            Wire::Udp(socket) => {
                let (n, source) = socket.recv_from(buf).await.ok()?;
                Some((Protocol::Udp, source, socket.local_addr().ok()?, n))
            }
            Wire::Tcp { local, writer, frames } => {
                let frame = frames.1.recv().await?;
                let source = writer.as_ref()?.0;
                buf[..frame.len()].copy_from_slice(&frame);
                Some((Protocol::Tcp, source, *local, frame.len()))
            }
        }
    }
}

async fn run(mut rtc: Rtc, mut wire: Wire, send_mid: Mid, tag: u8, heard: Arc<Mutex<BTreeMap<u8, u64>>>, saying: Arc<Mutex<VecDeque<Vec<u8>>>>) {
    let mut buf = vec![0u8; 65_536];
    let mut next_frame = Instant::now();
    let mut frames = 0u64;
    loop {
        let timeout = match rtc.poll_output() {
            Ok(Output::Timeout(t)) => t,
            Ok(Output::Transmit(t)) => {
                wire.send(t.destination, &t.contents).await;
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
            received = wire.receive(&mut buf) => match received {
                Some((proto, source, local, n)) => match Receive::new(proto, source, local, &buf[..n]) {
                    Ok(receive) => rtc.handle_input(Input::Receive(Instant::now(), receive)),
                    Err(_) => continue,
                },
                None => return,
            },
            _ = tokio::time::sleep_until(wake.into()) => rtc.handle_input(Input::Timeout(Instant::now())),
        };
        if input.is_err() {
            return;
        }
        let now = Instant::now();
        if now >= next_frame {
            next_frame = now + FRAME;
            let frame = saying.lock().unwrap().pop_front().unwrap_or_else(|| vec![tag; 60]);
            speak(&mut rtc, send_mid, frame, frames, now);
            frames += 1;
        }
    }
}

fn speak(rtc: &mut Rtc, mid: Mid, frame: Vec<u8>, frames: u64, now: Instant) {
    let Some(pt) = rtc.codec_config().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt()) else { return };
    if let Some(writer) = rtc.writer(mid) {
        // Before ICE and DTLS are up str0m drops writes; that is fine.
        let _ = writer.write(pt, now, MediaTime::from_millis(frames * 20), frame);
    }
}

/// Waits until `heard` says so, for at most 5 s.
pub async fn until(what: &str, heard: impl Fn() -> bool) {
    let started = Instant::now();
    while !heard() {
        assert!(started.elapsed() < Duration::from_secs(5), "{what} within 5 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A caller's call put through to an agent, both speaking: the customer
/// over UDP, the agent's softphone as `agent` offers.
pub struct RealCall {
    pub call: CallId,
    pub customer: Peer,
    pub agent: Peer,
    /// The agent's live socket (Alex's, unless `between` named another),
    /// and the caller's that keeps the call up.
    pub alex: LiveClient,
    _phone: LiveClient,
}

impl RealCall {
    /// Put through to Alex: the customer speaks [`CUSTOMER`], Alex [`AGENT`].
    pub async fn start(app: &TestApp, agent: Offering) -> Self {
        Self::between(app, ALEX, agent, (CUSTOMER, AGENT)).await
    }

    /// Put through to `agent_email` (online and free, on Sales), the two
    /// speaking frames tagged `tags` (customer, agent).
    pub async fn between(app: &TestApp, agent_email: &str, agent: Offering, tags: (u8, u8)) -> Self {
        let mut alex = app.live_client(agent_email).await;
        alex.request(Request::WatchMyCall).await;
        alex.go_available().await;
        let mut phone = app.caller_client().await;
        let offering = Offering::new(1).await;
        let (dialled, _) = phone.request(Request::Dial { number: SALES, phone: "+447700900123".into(), offer: offering.sdp.clone() }).await;
        let Outcome::Answer { call, sdp } = dialled else { panic!("the call is put through: {dialled:?}") };
        let customer = offering.connect(&sdp, tags.0);
        let (joined, _) = alex.request(Request::JoinMyCall { offer: agent.sdp.clone() }).await;
        let Outcome::Answer { sdp, .. } = joined else { panic!("the agent's softphone joins: {joined:?}") };
        let agent = agent.connect(&sdp, tags.1);
        until("the customer hears the agent", || customer.heard(tags.1) > 0).await;
        Self { call, customer, agent, alex, _phone: phone }
    }
}
