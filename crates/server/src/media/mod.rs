//! Call audio: the shards that each own an SFU core, a UDP socket and an
//! ICE-TCP listener on a thread of their own, and the handle the rest of
//! the server talks to them through. A call's legs all live on one shard
//! (its room id picks it), so no packet crosses threads or takes a lock.

mod effect;
mod hops;
mod playback;
mod task;
mod tcp;

use std::net::SocketAddr;
use std::sync::Arc;

use earshot_protocol::{CallId, UserId};
use earshot_sfu::{LegId, LegRole, LegStats, LineEvent, PhoneLine, RoomId, Seat};
use tokio::sync::{mpsc, oneshot};

pub use effect::Effect;
pub use hops::Hops;
pub use playback::Dialogue;
pub use task::spawn;

/// Where the SFU listens and what it tells browsers. Shard `i` uses the
/// ports given here plus `i` (port 0: any free one).
#[derive(Clone, Debug)]
pub struct MediaConfig {
    /// The UDP socket; port 0 picks a free one. ICE-TCP listens on the same
    /// port over TCP (or, when it is taken, any free one).
    pub bind: SocketAddr,
    /// The address put in SDP answers; `None` advertises the bound one.
    pub advertised: Option<SocketAddr>,
    /// The ICE-TCP address put in SDP answers; `None` advertises the
    /// listener's port at the advertised UDP address's IP.
    pub advertised_tcp: Option<SocketAddr>,
    /// How many shards: each a thread with its own SFU and sockets.
    pub shards: usize,
    /// How long an answered phone line may send no RTP before its call ends.
    pub line_silence: std::time::Duration,
}

impl MediaConfig {
    /// `address` with its port moved on by `shard` (0 stays 0: any free
    /// port); an error when that is past the last port.
    pub fn for_shard(address: SocketAddr, shard: usize) -> std::io::Result<SocketAddr> {
        if address.port() == 0 {
            return Ok(address);
        }
        let port = u16::try_from(shard).ok().and_then(|shard| address.port().checked_add(shard));
        port.map(|port| SocketAddr::new(address.ip(), port)).ok_or_else(|| {
            let why = format!("media shard {shard} would need port {} + {shard}, past 65535: use a lower port or fewer shards", address.port());
            std::io::Error::new(std::io::ErrorKind::InvalidInput, why)
        })
    }

    /// Whether every shard has its ports: checked before any is bound.
    pub fn check(&self) -> std::io::Result<()> {
        let last = self.shards.max(1) - 1;
        for address in [Some(self.bind), self.advertised, self.advertised_tcp].into_iter().flatten() {
            Self::for_shard(address, last)?;
        }
        Ok(())
    }
}

impl Default for MediaConfig {
    /// Loopback, free ports, and two shards, so that every test runs with
    /// calls spread over shards.
    fn default() -> Self {
        Self { bind: SocketAddr::from(([127, 0, 0, 1], 0)), advertised: None, advertised_tcp: None, shards: 2, line_silence: earshot_sfu::SILENCE_ENDS }
    }
}

/// Who holds a call's customer seat: whoever holds the call (its caller's socket).
pub fn customer_holder(call: CallId) -> u64 {
    call.0
}

/// Who holds a phone call's agent seat once it went to an outside
/// number: the trunk's second leg, never a user's.
pub fn outside_holder(call: CallId) -> u64 {
    call.0 | 1 << 63
}

/// A call's customer seat.
pub fn customer_seat(call: CallId) -> Seat {
    Seat { holder: customer_holder(call), session: 0 }
}

/// Who holds a user's seats.
pub fn user_holder(user: UserId) -> u64 {
    u64::from(user.0)
}

/// A user's seat (an agent's, or a coach's in `session`).
pub fn user_seat(user: UserId, session: u64) -> Seat {
    Seat { holder: user_holder(user), session }
}

/// One leg's counters, for tests and the metrics endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegReport {
    pub room: RoomId,
    /// The media shard that carries the room.
    pub shard: usize,
    pub role: LegRole,
    pub connected: bool,
    pub stats: LegStats,
}

/// Why a browser's audio did not join.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum JoinRefused {
    /// The seat is not (or no longer) the joiner's: their session or call
    /// ended, or the call moved, before the join arrived.
    NoSeat,
    /// The offer cannot be used: what the client may read of why.
    Offer(String),
    Stopping,
}

pub(crate) enum MediaRequest {
    /// What one of the core's outputs does to a room.
    Effect(Effect),
    /// The leg goes, its seat stays: as a lost connection (tests).
    Leave { room: RoomId, role: LegRole },
    Join { room: RoomId, role: LegRole, holder: u64, offer: String, reply: oneshot::Sender<Result<String, JoinRefused>> },
    /// A phone line joins as the customer, or as the outside number in the
    /// agent's seat; its key presses and its silence go to `events`.
    JoinPhone { room: RoomId, role: LegRole, holder: u64, line: PhoneLine, events: mpsc::UnboundedSender<LineEvent>, reply: oneshot::Sender<Result<LegId, JoinRefused>> },
    /// What a phone leg's dialog agreed now.
    SetLine { leg: LegId, line: PhoneLine },
    /// Play the simulator's dialogue as the customer and the agent.
    Simulate { room: RoomId },
    Report { reply: oneshot::Sender<Vec<LegReport>> },
    Hops { reply: oneshot::Sender<Hops> },
}

/// One shard as the handle reaches it.
struct Shard {
    tx: mpsc::UnboundedSender<MediaRequest>,
    /// Its UDP socket's address.
    local: SocketAddr,
    /// The UDP address it tells peers and phone lines to send to.
    advertised: SocketAddr,
}

/// Talks to the media shards. Cheap to clone; a room's requests are queued
/// in order on its shard.
#[derive(Clone)]
pub struct MediaHandle {
    shards: Arc<[Shard]>,
}

impl MediaHandle {
    /// Each shard's UDP address, by shard.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.shards.iter().map(|shard| shard.local).collect()
    }

    /// The shard that carries `room`'s audio. Room ids are call ids, given
    /// out one after another, so calls spread evenly.
    pub fn shard_of(&self, room: RoomId) -> usize {
        (room.0 % self.shards.len() as u64) as usize
    }

    /// `holder`'s browser joins `room` as `role`, into the seat granted
    /// them: the answer to its SDP offer, or why not.
    /// Sent at once, behind whatever went to the room before (the seat's
    /// grant); answered when the SFU has.
    pub fn join(&self, room: RoomId, role: LegRole, holder: u64, offer: String) -> impl std::future::Future<Output = Result<String, JoinRefused>> + use<> {
        let (reply, answer) = oneshot::channel();
        self.send(room, MediaRequest::Join { room, role, holder, offer, reply });
        async move { answer.await.unwrap_or(Err(JoinRefused::Stopping)) }
    }

    /// Where a phone line sends `room`'s RTP: its shard's advertised UDP address.
    pub fn rtp_address(&self, room: RoomId) -> SocketAddr {
        self.shards[self.shard_of(room)].advertised
    }

    /// A phone line joins `room` as `role`, into the seat granted
    /// `holder`, with what its dialog agreed. As the customer it hears the
    /// ringback until an agent's softphone joins; as the agent (an outside
    /// number the call went to) it ends the ringback. Its key presses and
    /// its silence arrive on `events`.
    pub async fn join_phone(&self, room: RoomId, role: LegRole, holder: u64, line: PhoneLine, events: mpsc::UnboundedSender<LineEvent>) -> Result<LegId, JoinRefused> {
        let (reply, answer) = oneshot::channel();
        self.send(room, MediaRequest::JoinPhone { room, role, holder, line, events, reply });
        answer.await.unwrap_or(Err(JoinRefused::Stopping))
    }

    /// A re-INVITE agreed `line` for `room`'s phone leg.
    pub fn set_line(&self, room: RoomId, leg: LegId, line: PhoneLine) {
        self.send(room, MediaRequest::SetLine { leg, line });
    }

    /// Applies `effect` on its room's shard. Requests of a room are handled
    /// in the order they are sent: a grant sent before a join (from any
    /// task) is in place when the join arrives. A transfer's customer hears
    /// the ringback until the new agent's softphone joins.
    pub fn apply(&self, effect: Effect) {
        self.send(effect.room(), MediaRequest::Effect(effect));
    }

    /// `role`'s leg in `room` goes and its seat stays, as when its network
    /// drops: the browser may join again.
    pub fn leave(&self, room: RoomId, role: LegRole) {
        self.send(room, MediaRequest::Leave { room, role });
    }

    pub fn simulate(&self, room: RoomId) {
        self.send(room, MediaRequest::Simulate { room });
    }

    /// Every leg's counters, from every shard, each with its shard.
    pub async fn report(&self) -> Vec<LegReport> {
        self.ask_every_shard(|reply| MediaRequest::Report { reply }).await.into_iter().flatten().collect()
    }

    /// How long packets spent inside the shards, every one so far.
    pub async fn hops(&self) -> Hops {
        let mut all = Hops::default();
        for hops in self.ask_every_shard(|reply| MediaRequest::Hops { reply }).await {
            all.merge(&hops);
        }
        all
    }

    /// Asks every shard at once; a stopped shard answers the default.
    async fn ask_every_shard<T: Default>(&self, request: impl Fn(oneshot::Sender<T>) -> MediaRequest) -> Vec<T> {
        let mut answers = Vec::new();
        for shard in self.shards.iter() {
            let (reply, answer) = oneshot::channel();
            let _ = shard.tx.send(request(reply)); // a stopped shard's answer is dropped: the default below
            answers.push(answer);
        }
        let mut all = Vec::with_capacity(answers.len());
        for answer in answers {
            all.push(answer.await.unwrap_or_default());
        }
        all
    }

    fn send(&self, room: RoomId, request: MediaRequest) {
        // A stopped shard means the server is shutting down.
        let _ = self.shards[self.shard_of(room)].tx.send(request);
    }
}
