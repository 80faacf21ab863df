//! Browser-like str0m peers and the SFU on one virtual network, in memory
//! and on virtual time: seconds of audio run in milliseconds.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use earshot_rtp::RtpPacket;
use earshot_sfu::{receive_layout, JoinError, LegId, LegRole, PhoneLine, RoomId, Seat, Sfu, G711};
use str0m::format::Codec;
use str0m::media::{Direction, MediaKind, MediaTime, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Event, Input, Output, Rtc};

pub const ROOM: RoomId = RoomId(1);
/// The coaching session the coach's seat is granted for.
pub const SESSION: u64 = 7;
const SFU_ADDR: &str = "127.0.0.1:5000";
const STEP: Duration = Duration::from_millis(5);
const FRAME: Duration = Duration::from_millis(20);

/// Each role's seat in [`ROOM`], as the shell's core grants it.
pub fn seat(role: LegRole) -> Seat {
    Seat { holder: u64::from(tag(role)), session: if role == LegRole::Coach { SESSION } else { 0 } }
}

/// The first byte of every frame says who spoke it.
pub fn tag(role: LegRole) -> u8 {
    match role {
        LegRole::Customer => 0xC1,
        LegRole::Agent => 0xA1,
        LegRole::Coach => 0xB1,
    }
}

pub struct Peer {
    pub role: LegRole,
    pub leg: LegId,
    rtc: Rtc,
    addr: SocketAddr,
    send_mid: Mid,
    frames_sent: u64,
    /// Real Opus of a tone instead of tagged frames, when set.
    tone: Option<(opus::Encoder, f64)>,
    /// Frames received, by the speaker's tag.
    pub heard: BTreeMap<u8, u64>,
}

/// A SIP trunk's end of a phone leg: plain RTP, G.711, 20 ms packets.
pub struct Trunk {
    pub addr: SocketAddr,
    pub leg: LegId,
    pub line: PhoneLine,
    /// The tone it sends, in Hz; `None`: it sends nothing.
    pub tone: Option<f64>,
    sent: u32,
    /// What it heard, decoded, in order, and in how many packets.
    pub heard: Vec<i16>,
    pub packets: u64,
}

impl Trunk {
    fn speak(&mut self) -> Option<Vec<u8>> {
        let hz = self.tone?;
        let start = self.sent * 160;
        let pcm: Vec<i16> = (start..start + 160).map(|i| (8_000.0 * (2.0 * std::f64::consts::PI * hz * f64::from(i) / 8_000.0).sin()) as i16).collect();
        let mut payload = Vec::new();
        self.line.codec.encode(&pcm, &mut payload);
        self.sent += 1;
        Some(RtpPacket { marker: false, payload_type: self.line.codec.payload_type(), sequence: self.sent as u16, timestamp: start, ssrc: 42, payload: &payload }.to_bytes())
    }

    fn hear(&mut self, datagram: &[u8]) {
        let packet = RtpPacket::parse(datagram).expect("the SFU sends RTP");
        assert_eq!(packet.payload_type, self.line.codec.payload_type(), "in the agreed law");
        self.line.codec.decode(packet.payload, &mut self.heard);
        self.packets += 1;
    }
}

pub struct World {
    pub now: Instant,
    pub sfu: Sfu,
    pub peers: Vec<Peer>,
    pub trunk: Option<Trunk>,
    next_frame: Instant,
    next_port: u16,
}

impl World {
    pub fn new() -> Self {
        str0m::crypto::from_feature_flags().install_process_default();
        let now = Instant::now();
        Self { now, sfu: Sfu::new(SFU_ADDR.parse().unwrap()), peers: Vec::new(), trunk: None, next_frame: now, next_port: 6000 }
    }

    /// A browser joins as `role` into its granted seat, offering its send line and the receive
    /// lines of its role's layout, and connects.
    pub fn join(&mut self, role: LegRole) -> usize {
        self.join_with_lines(role, receive_layout(role).len())
    }

    /// Like [`World::join`], offering `receive_lines` receive lines whatever
    /// the role's layout says (a hostile client).
    pub fn join_with_lines(&mut self, role: LegRole, receive_lines: usize) -> usize {
        if self.sfu.seat(ROOM, role).is_none() {
            self.sfu.grant(ROOM, role, seat(role));
        }
        self.try_join(role, seat(role).holder, receive_lines).expect("the SFU accepts")
    }

    /// `holder`'s browser asks to join as `role`, whatever seat was granted:
    /// once in, it connects; the peer it replaces stays, talking to nobody.
    pub fn try_join(&mut self, role: LegRole, holder: u64, receive_lines: usize) -> Result<usize, JoinError> {
        self.next_port += 1;
        let addr: SocketAddr = format!("127.0.0.2:{}", self.next_port).parse().unwrap();
        let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).build(self.now);
        rtc.add_local_candidate(Candidate::host(addr, "udp").unwrap());
        let mut change = rtc.sdp_api();
        let send_mid = change.add_media(MediaKind::Audio, Direction::SendOnly, None, None, None);
        for _ in 0..receive_lines {
            change.add_media(MediaKind::Audio, Direction::RecvOnly, None, None, None);
        }
        let (offer, pending) = change.apply().expect("an offer");
        let (leg, answer) = self.sfu.join(self.now, ROOM, role, holder, offer)?;
        rtc.sdp_api().accept_answer(pending, answer).expect("the answer fits");
        self.peers.retain(|p| p.role != role);
        self.peers.push(Peer { role, leg, rtc, addr, send_mid, frames_sent: 0, tone: None, heard: BTreeMap::new() });
        self.run(Duration::from_millis(600), &[]);
        Ok(self.peers.len() - 1)
    }

    /// From now on `role`'s peer speaks a `hz` tone in real Opus (what a
    /// phone line decodes), not tagged frames.
    pub fn speak_tone(&mut self, role: LegRole, hz: f64) {
        let encoder = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).unwrap();
        self.peers.iter_mut().find(|p| p.role == role).expect("joined").tone = Some((encoder, hz));
    }

    /// A phone line joins as the customer, its trunk sending a `hz` tone
    /// in `codec`, with telephone events on payload type 101.
    pub fn join_phone(&mut self, codec: G711, hz: f64) {
        self.sfu.grant(ROOM, LegRole::Customer, seat(LegRole::Customer));
        let addr: SocketAddr = "127.0.0.3:7078".parse().unwrap();
        let line = PhoneLine { remote: Some(addr), codec, dtmf: Some(101), sends: true, receives: true, answered: true };
        let leg = self.sfu.join_phone(self.now, ROOM, LegRole::Customer, seat(LegRole::Customer).holder, line).expect("the SFU takes the line");
        self.trunk = Some(Trunk { addr, leg, line, tone: Some(hz), sent: 0, heard: Vec::new(), packets: 0 });
    }

    /// The trunk sends `datagram` to the SFU now.
    pub fn trunk_sends(&mut self, datagram: &[u8]) -> bool {
        let trunk = self.trunk.as_ref().expect("a phone line").addr;
        self.sfu.handle_receive(self.now, Protocol::Udp, trunk, SFU_ADDR.parse().unwrap(), datagram)
    }

    pub fn leave(&mut self, role: LegRole) {
        if let Some(at) = self.peers.iter().position(|p| p.role == role) {
            let peer = self.peers.remove(at);
            self.sfu.leave(peer.leg);
        }
    }

    pub fn peer(&self, role: LegRole) -> &Peer {
        self.peers.iter().find(|p| p.role == role).expect("joined")
    }

    /// Frames `listener` has heard from `speaker`.
    pub fn heard(&self, listener: LegRole, speaker: LegRole) -> u64 {
        self.peer(listener).heard.get(&tag(speaker)).copied().unwrap_or(0)
    }

    /// Runs `duration` of virtual time with `talkers` sending a frame every 20 ms.
    pub fn run(&mut self, duration: Duration, talkers: &[LegRole]) {
        let end = self.now + duration;
        while self.now < end {
            self.now += STEP;
            let now = self.now;
            if now >= self.next_frame {
                self.next_frame = now + FRAME;
                for peer in self.peers.iter_mut().filter(|p| talkers.contains(&p.role)) {
                    peer.speak(now);
                }
                if let Some(datagram) = self.trunk.as_mut().and_then(Trunk::speak) {
                    self.trunk_sends(&datagram);
                }
            }
            for peer in &mut self.peers {
                peer.rtc.handle_input(Input::Timeout(now)).expect("peer timeout");
            }
            self.sfu.handle_timeout(now);
            self.exchange();
        }
    }

    /// Delivers datagrams both ways until the network is quiet.
    fn exchange(&mut self) {
        let sfu_addr: SocketAddr = SFU_ADDR.parse().unwrap();
        loop {
            let mut moved = false;
            for peer in &mut self.peers {
                for datagram in peer.drain() {
                    moved = true;
                    self.sfu.handle_receive(self.now, Protocol::Udp, peer.addr, sfu_addr, &datagram);
                }
            }
            while let Some(t) = self.sfu.poll_transmit() {
                moved = true;
                if let Some(trunk) = self.trunk.as_mut().filter(|trunk| trunk.addr == t.destination) {
                    trunk.hear(&t.contents);
                    continue;
                }
                if let Some(peer) = self.peers.iter_mut().find(|p| p.addr == t.destination) {
                    let receive = Receive::new(Protocol::Udp, t.source, t.destination, &t.contents).unwrap();
                    peer.rtc.handle_input(Input::Receive(self.now, receive)).expect("peer input");
                }
            }
            if !moved {
                return;
            }
        }
    }
}

impl Peer {
    fn speak(&mut self, now: Instant) {
        let Some(pt) = self.rtc.codec_config().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt()) else { return };
        let frame = match &mut self.tone {
            Some((encoder, hz)) => {
                let start = self.frames_sent * 960;
                let pcm: Vec<i16> = (start..start + 960).map(|i| (8_000.0 * (2.0 * std::f64::consts::PI * *hz * i as f64 / 48_000.0).sin()) as i16).collect();
                encoder.encode_vec(&pcm, 400).expect("an Opus frame")
            }
            None => vec![tag(self.role); 60],
        };
        let time = MediaTime::from_millis(self.frames_sent * 20);
        self.frames_sent += 1;
        if let Some(writer) = self.rtc.writer(self.send_mid) {
            // Before ICE is up writes are dropped by str0m; that is fine.
            let _ = writer.write(pt, now, time, frame);
        }
    }

    /// Outgoing datagrams; incoming audio is tallied by speaker.
    fn drain(&mut self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        loop {
            match self.rtc.poll_output().expect("peer output") {
                Output::Timeout(_) => return out,
                Output::Transmit(t) => out.push(t.contents.to_vec()),
                Output::Event(Event::MediaData(data)) => {
                    if let Some(&first) = data.data.first() {
                        *self.heard.entry(first).or_default() += 1;
                    }
                }
                Output::Event(_) => {}
            }
        }
    }
}
