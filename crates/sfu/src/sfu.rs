//! The SFU state machine: every leg of every call, and the forwarding.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use str0m::change::{SdpAnswer, SdpOffer};
use str0m::format::Codec;
use str0m::ice::StunMessage;
use str0m::media::{MediaData, MediaTime, Writer};
use str0m::net::{Protocol, Receive, TcpType};
use str0m::{Candidate, Input, Rtc};

use crate::leg::{Leg, LegStats, Packet};
use crate::phone::{LineEvent, PhoneLeg, PhoneLine};
use crate::routing::{may_forward, CallAudio, LegRole};

/// A call's media room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoomId(pub u64);

/// One peer connection in a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegId(pub u64);

/// A datagram to send: over UDP, or as one RFC 4571 frame on the TCP
/// connection from `destination`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    pub proto: Protocol,
    pub source: SocketAddr,
    pub destination: SocketAddr,
    pub contents: Vec<u8>,
}

/// Why a peer could not join. `Display` gives the whole story, for the
/// log; [`JoinError::for_client`] what a client may read (a parser's words
/// can carry internals, such as addresses).
#[derive(Debug)]
#[non_exhaustive]
pub enum JoinError {
    /// Not SDP that can be read.
    Unreadable(String),
    /// SDP that no call can use, and why.
    Unusable(&'static str),
    /// str0m would not answer it.
    BadOffer(String),
    /// Nobody holding that seat was let into the room (the session ended,
    /// or never was).
    NoSeat,
}

impl JoinError {
    pub const NO_SEAT: &'static str = "this call's audio is not yours to join (any more)";

    pub fn for_client(&self) -> String {
        match self {
            JoinError::Unreadable(_) => "the SDP offer could not be read".to_owned(),
            JoinError::Unusable(why) => format!("the SDP offer was refused: {why}"),
            JoinError::BadOffer(_) => "the SDP offer was refused: it offers no usable audio".to_owned(),
            JoinError::NoSeat => JoinError::NO_SEAT.to_owned(),
        }
    }
}

impl std::fmt::Display for JoinError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JoinError::Unreadable(why) => write!(f, "unreadable SDP offer: {why}"),
            JoinError::Unusable(why) => write!(f, "unusable SDP offer: {why}"),
            JoinError::BadOffer(why) => write!(f, "SDP offer refused: {why}"),
            JoinError::NoSeat => write!(f, "no seat granted to the joiner"),
        }
    }
}

/// Who may take a role's seat in a room: the shell's id for them (a user's
/// id, say) and, for a coach, which coaching session. The shell's core
/// grants and revokes seats; a leg joins only into a seat granted to its
/// holder, so no leg outlives the session it belongs to, whatever order
/// the requests arrive in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Seat {
    pub holder: u64,
    pub session: u64,
}

#[derive(Default)]
struct Room {
    audio: CallAudio,
    /// The room's legs, so a packet never looks beyond its call.
    legs: BTreeSet<LegId>,
    seats: BTreeMap<LegRole, Seat>,
}

pub struct Sfu {
    /// The address peers reach us at over UDP (the ICE host candidate).
    advertised: SocketAddr,
    /// And over TCP, for networks that block UDP (a passive candidate).
    advertised_tcp: Option<SocketAddr>,
    legs: BTreeMap<LegId, Leg>,
    rooms: BTreeMap<RoomId, Room>,
    /// The leg last seen sending from an address.
    by_source: HashMap<SocketAddr, LegId>,
    /// Each leg by its ICE username fragment, which a peer's connectivity
    /// check names: a new address is found without asking every leg.
    by_ufrag: HashMap<String, LegId>,
    /// Every leg's next timeout, earliest first: one entry per leg, moved
    /// when the leg's timeout moves (O(log n)).
    timers: BTreeSet<(Instant, LegId)>,
    next_leg: u64,
    transmits: VecDeque<Transmit>,
    /// Copies of what customers and agents say, for the call's listener
    /// (`None`: nobody listens).
    heard: Option<VecDeque<Heard>>,
    /// Phone lines' legs: customers on a SIP trunk, over plain RTP.
    phones: BTreeMap<LegId, PhoneLeg>,
    /// Each phone leg by the trunk's RTP address.
    phone_by_source: HashMap<SocketAddr, LegId>,
    line_events: VecDeque<LineEvent>,
    /// How long an answered phone line may send nothing before it is over.
    line_silence: std::time::Duration,
}

/// An Opus frame a customer or an agent sent (or the simulator played for
/// them), as it came: the call's listener decodes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heard {
    pub room: RoomId,
    pub from: LegRole,
    pub opus: Vec<u8>,
}

impl Sfu {
    pub fn new(advertised: SocketAddr) -> Self {
        Self {
            advertised,
            advertised_tcp: None,
            legs: BTreeMap::new(),
            rooms: BTreeMap::new(),
            by_source: HashMap::new(),
            by_ufrag: HashMap::new(),
            timers: BTreeSet::new(),
            next_leg: 1,
            transmits: VecDeque::new(),
            heard: None,
            phones: BTreeMap::new(),
            phone_by_source: HashMap::new(),
            line_events: VecDeque::new(),
            line_silence: crate::phone::SILENCE_ENDS,
        }
    }

    /// Keeps a copy of every frame customers and agents send, for
    /// [`Sfu::poll_heard`]. (Coaches are never listened to.)
    pub fn with_listening(mut self) -> Self {
        self.heard = Some(VecDeque::new());
        self
    }

    /// The next frame heard, when listening.
    pub fn poll_heard(&mut self) -> Option<Heard> {
        self.heard.as_mut()?.pop_front()
    }

    fn overhear(&mut self, room: RoomId, from: LegRole, opus: &[u8]) {
        if let (Some(heard), LegRole::Customer | LegRole::Agent) = (&mut self.heard, from) {
            heard.push_back(Heard { room, from, opus: opus.to_vec() });
        }
    }

    /// Ends an answered phone line after `silence` with no RTP from its
    /// trunk, not [`crate::SILENCE_ENDS`].
    pub fn with_line_silence(mut self, silence: std::time::Duration) -> Self {
        self.line_silence = silence;
        self
    }

    /// Also offers every peer a passive TCP candidate at `advertised`
    /// (ICE-TCP, RFC 6544): a browser whose UDP is blocked connects there.
    pub fn with_tcp(mut self, advertised: SocketAddr) -> Self {
        self.advertised_tcp = Some(advertised);
        self
    }

    /// Lets `seat`'s holder join `room` as `role` (opening the room). A leg
    /// of another holder's in that role goes.
    pub fn grant(&mut self, room: RoomId, role: LegRole, seat: Seat) {
        let before = self.rooms.entry(room).or_default().seats.insert(role, seat);
        if before.is_some_and(|before| before.holder != seat.holder) {
            self.leave_role(room, role);
        }
    }

    /// Nobody may play `role` in `room` now: its leg goes, and a coach's
    /// whisper is off.
    pub fn revoke(&mut self, room: RoomId, role: LegRole) {
        let Some(state) = self.rooms.get_mut(&room) else { return };
        state.seats.remove(&role);
        if role == LegRole::Coach {
            state.audio.whisper = false;
        }
        self.leave_role(room, role);
    }

    /// Who holds `role`'s seat in `room`.
    pub fn seat(&self, room: RoomId, role: LegRole) -> Option<Seat> {
        self.rooms.get(&room)?.seats.get(&role).copied()
    }

    /// What `room` is doing that changes who hears whom (`None`: no such room).
    pub fn audio(&self, room: RoomId) -> Option<CallAudio> {
        Some(self.rooms.get(&room)?.audio)
    }

    /// A peer joins `room` as `role` with the text of its offer, as a client
    /// sends it: the answer's text, or why not.
    pub fn join_sdp(&mut self, now: Instant, room: RoomId, role: LegRole, holder: u64, offer: &str) -> Result<(LegId, String), JoinError> {
        let parsed = SdpOffer::from_sdp_string(offer).map_err(|e| JoinError::Unreadable(e.to_string()))?;
        if let Some(why) = crate::offer::unusable(offer) {
            return Err(JoinError::Unusable(why));
        }
        self.join(now, room, role, holder, parsed).map(|(leg, answer)| (leg, answer.to_sdp_string()))
    }

    /// `holder` joins `room` as `role` with its offer, into the seat granted
    /// to them; a leg already playing that role there (an earlier join) is
    /// replaced.
    pub fn join(&mut self, now: Instant, room: RoomId, role: LegRole, holder: u64, offer: SdpOffer) -> Result<(LegId, SdpAnswer), JoinError> {
        if self.seat(room, role).is_none_or(|seat| seat.holder != holder) {
            return Err(JoinError::NoSeat);
        }
        let mut rtc = Rtc::builder().set_ice_lite(true).clear_codecs().enable_opus(true, false).build(now);
        let candidate = Candidate::host(self.advertised, "udp").map_err(|e| JoinError::BadOffer(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        if let Some(tcp) = self.advertised_tcp {
            let candidate = Candidate::builder().tcp().host(tcp).tcptype(TcpType::Passive).build();
            rtc.add_local_candidate(candidate.map_err(|e| JoinError::BadOffer(e.to_string()))?);
        }
        let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| JoinError::BadOffer(e.to_string()))?;
        self.leave_role(room, role);
        let id = LegId(self.next_leg);
        self.next_leg += 1;
        self.by_ufrag.insert(rtc.direct_api().local_ice_credentials().ufrag, id);
        self.legs.insert(id, Leg::new(room, role, rtc));
        self.rooms.entry(room).or_default().legs.insert(id); // the seat's room
        self.drive([id]);
        Ok((id, answer))
    }

    /// Where peers and phone lines send their RTP over UDP (a phone
    /// leg's SDP names it).
    pub fn advertised(&self) -> SocketAddr {
        self.advertised
    }

    /// A phone line joins `room` as `role` (its customer, or an outside
    /// number in the agent's seat), into the seat granted to `holder`,
    /// with what its SIP dialog agreed; a leg already there is replaced.
    pub fn join_phone(&mut self, now: Instant, room: RoomId, role: LegRole, holder: u64, line: PhoneLine) -> Result<LegId, JoinError> {
        if role == LegRole::Coach || self.seat(room, role).is_none_or(|seat| seat.holder != holder) {
            return Err(JoinError::NoSeat);
        }
        let id = LegId(self.next_leg);
        let leg = PhoneLeg::new(now, room, role, line, id.0 ^ room.0.rotate_left(32)).map_err(|e| JoinError::BadOffer(e.to_string()))?;
        self.leave_role(room, role);
        self.next_leg += 1;
        self.timers.insert((leg.next_timeout, id));
        self.phones.insert(id, leg);
        self.rooms.entry(room).or_default().legs.insert(id);
        self.set_line(now, id, line);
        Ok(id)
    }

    /// What a phone leg's dialog agreed now (a re-INVITE: a hold by the far
    /// end, another address).
    pub fn set_line(&mut self, now: Instant, id: LegId, line: PhoneLine) {
        let Some(leg) = self.phones.get_mut(&id) else { return };
        leg.set_line(now, line);
        self.phone_by_source.retain(|_, owner| *owner != id);
        if let Some(remote) = line.remote {
            self.phone_by_source.insert(remote, id);
        }
    }

    /// The next key press or silent line, for the shell.
    pub fn poll_line_event(&mut self) -> Option<LineEvent> {
        self.line_events.pop_front()
    }

    /// The peer left: its connection closes and nothing more reaches it.
    pub fn leave(&mut self, id: LegId) {
        if let Some(leg) = self.phones.remove(&id) {
            self.timers.remove(&(leg.next_timeout, id));
            if let Some(room) = self.rooms.get_mut(&leg.room) {
                room.legs.remove(&id);
            }
            self.phone_by_source.retain(|_, owner| *owner != id);
        }
        if let Some(mut leg) = self.legs.remove(&id) {
            leg.rtc.disconnect();
            if let Some(at) = leg.next_timeout {
                self.timers.remove(&(at, id));
            }
            if let Some(room) = self.rooms.get_mut(&leg.room) {
                room.legs.remove(&id);
            }
            self.by_source.retain(|_, owner| *owner != id);
            self.by_ufrag.retain(|_, owner| *owner != id);
        }
    }

    /// The leg playing `role` in `room`, if any, leaves.
    pub fn leave_role(&mut self, room: RoomId, role: LegRole) {
        let ids: Vec<LegId> = self.room_ids(room).filter(|&id| self.role_of(id) == Some(role)).collect();
        for id in ids {
            self.leave(id);
        }
    }

    /// The call ended: every leg goes.
    pub fn close_room(&mut self, room: RoomId) {
        let ids: Vec<LegId> = self.room_ids(room).collect();
        for id in ids {
            self.leave(id);
        }
        self.rooms.remove(&room);
    }

    /// Whisper on or off for coaching session `session`; the next packet
    /// follows it. A session whose seat was revoked (a late word) changes
    /// nothing.
    pub fn set_whisper(&mut self, room: RoomId, session: u64, on: bool) {
        let Some(room) = self.rooms.get_mut(&room) else { return };
        if room.seats.get(&LegRole::Coach).is_some_and(|seat| seat.session == session) {
            room.audio.whisper = on;
        }
    }

    /// Hold on or off; the next packet follows it. (A closed room stays closed.)
    pub fn set_hold(&mut self, room: RoomId, on: bool) {
        if let Some(room) = self.rooms.get_mut(&room) {
            room.audio.hold = on;
        }
    }

    /// A datagram arrived (over TCP: one RFC 4571 frame's payload). Returns
    /// false when no leg owns it.
    pub fn handle_receive(&mut self, now: Instant, proto: Protocol, source: SocketAddr, destination: SocketAddr, datagram: &[u8]) -> bool {
        if let Some(&id) = self.phone_by_source.get(&source).filter(|_| proto == Protocol::Udp) {
            self.on_phone_datagram(now, id, datagram);
            return true;
        }
        let Ok(receive) = Receive::new(proto, source, destination, datagram) else { return false };
        let input = Input::Receive(now, receive);
        // From a known address, or a connectivity check naming a leg: one
        // leg asked, however many there are.
        let candidate = self.by_source.get(&source).copied().filter(|id| self.legs.get(id).is_some_and(|l| l.rtc.accepts(&input)));
        let id = match candidate {
            Some(id) => id,
            None => {
                let Some(id) = self.named_by_check(datagram).filter(|id| self.legs[id].rtc.accepts(&input)) else { return false };
                self.by_source.insert(source, id);
                id
            }
        };
        // Just found: the leg exists.
        let leg = self.legs.get_mut(&id).expect("the leg that accepted the datagram");
        leg.stats.transport = Some(proto);
        if let Err(e) = leg.rtc.handle_input(input) {
            tracing::info!(role = ?leg.role, "peer sent what it may not: {e}");
            leg.rtc.disconnect();
        }
        self.drive([id]);
        true
    }

    /// What a phone leg's trunk sent: the customer's frames enter the room,
    /// a key press goes to the shell.
    fn on_phone_datagram(&mut self, now: Instant, id: LegId, datagram: &[u8]) {
        let Some(leg) = self.phones.get_mut(&id) else { return };
        let (room, role) = (leg.room, leg.role);
        let (spoken, digit) = leg.receive(now, datagram);
        if let Some(digit) = digit {
            self.line_events.push_back(LineEvent::Digit { room, role, digit });
        }
        for frame in spoken {
            self.overhear(room, role, &frame.opus);
            let opus: Arc<[u8]> = frame.opus.into();
            let reached = self.forward(room, Some(id), role, &opus, now, |writer| {
                let pt = writer.payload_params().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt())?;
                Some((pt, now, frame.time, opus.clone()))
            });
            self.drive(reached);
        }
    }

    /// The leg whose ICE username a STUN connectivity check names, if any.
    fn named_by_check(&self, datagram: &[u8]) -> Option<LegId> {
        let check = StunMessage::parse(datagram).ok()?;
        let (ours, _theirs) = check.split_username()?;
        self.by_ufrag.get(ours).copied()
    }

    /// Time passed: retransmits, keep-alives, timeouts — for the legs due
    /// (O(log n) each), not every leg.
    pub fn handle_timeout(&mut self, now: Instant) {
        let mut due = Vec::new();
        while self.timers.first().is_some_and(|&(at, _)| at <= now) {
            let Some((_, id)) = self.timers.pop_first() else { break };
            if self.phones.contains_key(&id) {
                self.phone_tick(now, id);
                continue;
            }
            let Some(leg) = self.legs.get_mut(&id) else { continue };
            leg.next_timeout = None; // set again when it is polled
            if let Err(e) = leg.rtc.handle_input(Input::Timeout(now)) {
                tracing::info!(role = ?leg.role, "peer timed out: {e}");
                leg.rtc.disconnect();
            }
            due.push(id);
        }
        self.drive(due);
    }

    /// A phone leg's timer (its entry already taken): comfort noise, or
    /// the end of a silent line.
    fn phone_tick(&mut self, now: Instant, id: LegId) {
        let Some(leg) = self.phones.get_mut(&id) else { return };
        match leg.tick(now, self.line_silence) {
            Ok(noise) => {
                self.timers.insert((leg.next_timeout, id));
                if let (Some(contents), Some(destination)) = (noise, leg.line.remote) {
                    self.transmits.push_back(Transmit { proto: Protocol::Udp, source: self.advertised, destination, contents });
                }
            }
            Err(silent) => {
                tracing::info!(room = leg.room.0, "a phone line sent nothing for {:?}: it is over", self.line_silence);
                self.timers.insert((leg.next_timeout, id)); // taken out again by leave
                self.leave(id);
                self.line_events.push_back(silent);
            }
        }
    }

    /// When [`Sfu::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.first().map(|&(at, _)| at)
    }

    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        self.transmits.pop_front()
    }

    /// Audio from a server-side source (the simulator's customer or agent)
    /// enters the room as if that party had sent it.
    pub fn inject(&mut self, now: Instant, room: RoomId, from: LegRole, rtp_time: MediaTime, frame: &[u8]) {
        if !self.rooms.contains_key(&room) {
            return; // closed
        }
        self.overhear(room, from, frame);
        let reached = self.forward(room, None, from, frame, now, |writer| {
            let pt = writer.payload_params().find(|p| p.spec().codec == Codec::Opus).map(|p| p.pt())?;
            Some((pt, now, rtp_time, frame.into()))
        });
        self.drive(reached);
    }

    /// Every leg of `room` with its role and counters.
    pub fn stats(&self, room: RoomId) -> Vec<(LegRole, bool, LegStats)> {
        let phones = self.room_ids(room).filter_map(|id| self.phones.get(&id)).map(|leg| (leg.role, leg.connected, leg.stats.clone()));
        self.room_legs(room).map(|(_, leg)| (leg.role, leg.connected, leg.stats.clone())).chain(phones).collect()
    }

    pub fn rooms(&self) -> impl Iterator<Item = RoomId> + '_ {
        self.rooms.keys().copied()
    }

    fn room_legs(&self, room: RoomId) -> impl Iterator<Item = (LegId, &Leg)> + '_ {
        self.room_ids(room).filter_map(|id| self.legs.get(&id).map(|leg| (id, leg)))
    }

    /// Every leg of `room`, peers' and phones'.
    fn room_ids(&self, room: RoomId) -> impl Iterator<Item = LegId> + '_ {
        self.rooms.get(&room).into_iter().flat_map(|r| r.legs.iter().copied())
    }

    fn role_of(&self, id: LegId) -> Option<LegRole> {
        self.phones.get(&id).map(|leg| leg.role).or_else(|| self.legs.get(&id).map(|leg| leg.role))
    }

    /// Polls the legs that had input until they are quiet, forwarding what
    /// their peers sent — which gives the legs it reached output to poll.
    fn drive(&mut self, touched: impl IntoIterator<Item = LegId>) {
        let mut queue: VecDeque<LegId> = touched.into_iter().collect();
        while let Some(id) = queue.pop_front() {
            let Some(leg) = self.legs.get_mut(&id) else { continue };
            let mut media: Vec<MediaData> = Vec::new();
            let before = leg.next_timeout;
            leg.poll(&mut self.transmits, &mut media);
            if !leg.rtc.is_alive() {
                self.leave(id);
                continue;
            }
            if leg.next_timeout != before {
                if let Some(at) = before {
                    self.timers.remove(&(at, id));
                }
                if let Some(at) = leg.next_timeout {
                    self.timers.insert((at, id));
                }
            }
            let (room, role) = (leg.room, leg.role);
            for data in media {
                self.overhear(room, role, &data.data);
                let reached = self.forward(room, Some(id), role, &data.data, data.network_time, |writer| {
                    Some((writer.match_params(data.params)?, data.network_time, data.time, data.data.clone()))
                });
                queue.extend(reached);
            }
        }
    }

    /// The one place a packet is forwarded: to every other leg of the room
    /// that the rule lets hear `from` — on a peer's line for `from`, as
    /// `packet_for` makes it for that line's writer; to a phone line, the
    /// `opus` frame decoded, sent at `at`. Returns the peers written to.
    fn forward(&mut self, room: RoomId, origin: Option<LegId>, from: LegRole, opus: &[u8], at: Instant, packet_for: impl Fn(&Writer) -> Option<Packet>) -> Vec<LegId> {
        let Some(room) = self.rooms.get(&room) else { return Vec::new() };
        let mut reached = Vec::new();
        for &id in &room.legs {
            let Some(role) = self.role_of(id) else { continue };
            if Some(id) == origin || !may_forward(from, role, room.audio) {
                continue;
            }
            if let Some(leg) = self.legs.get_mut(&id) {
                if leg.write_from(from, origin.map(|o| o.0), &packet_for) {
                    reached.push(id);
                }
            } else if let Some(phone) = self.phones.get_mut(&id) {
                if let (Some(contents), Some(destination)) = (phone.write(at, from, opus), phone.line.remote) {
                    self.transmits.push_back(Transmit { proto: Protocol::Udp, source: self.advertised, destination, contents });
                }
            }
        }
        reached
    }
}
