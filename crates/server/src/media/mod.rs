//! Call audio: the shards that each own an SFU core, a UDP socket and an
//! ICE-TCP listener on a thread of their own, and the handle the rest of
//! the server talks to them through. A call's legs all live on one shard
//! (its room id picks it), so no packet crosses threads or takes a lock.

mod hops;
mod playback;
mod task;
mod tcp;

use std::net::SocketAddr;
use std::sync::Arc;

use earshot_sfu::{LegRole, LegStats, RoomId};
use tokio::sync::{mpsc, oneshot};

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
}

impl MediaConfig {
    /// `address` with its port moved on by `shard` (0 stays 0: any free port).
    pub fn for_shard(address: SocketAddr, shard: usize) -> SocketAddr {
        match address.port() {
            0 => address,
            port => SocketAddr::new(address.ip(), port + shard as u16),
        }
    }
}

impl Default for MediaConfig {
    /// Loopback, free ports, and two shards, so that every test runs with
    /// calls spread over shards.
    fn default() -> Self {
        Self { bind: SocketAddr::from(([127, 0, 0, 1], 0)), advertised: None, advertised_tcp: None, shards: 2 }
    }
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

pub(crate) enum MediaRequest {
    Join { room: RoomId, role: LegRole, offer: String, reply: oneshot::Sender<Result<String, String>> },
    Leave { room: RoomId, role: LegRole },
    /// The agent's leg goes at once; the customer hears the ringback until
    /// an agent's leg joins.
    Transfer { room: RoomId },
    Whisper { room: RoomId, on: bool },
    Hold { room: RoomId, on: bool },
    /// Play the simulator's dialogue as the customer and the agent.
    Simulate { room: RoomId },
    Close { room: RoomId },
    Report { reply: oneshot::Sender<Vec<LegReport>> },
    Hops { reply: oneshot::Sender<Hops> },
}

/// One shard as the handle reaches it.
struct Shard {
    tx: mpsc::UnboundedSender<MediaRequest>,
    /// Its UDP socket's address.
    local: SocketAddr,
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

    /// A browser joins `room` as `role`; the answer to its SDP offer.
    pub async fn join(&self, room: RoomId, role: LegRole, offer: String) -> Result<String, String> {
        let (reply, answer) = oneshot::channel();
        self.send(room, MediaRequest::Join { room, role, offer, reply });
        answer.await.unwrap_or_else(|_| Err("the media server is stopping".into()))
    }

    pub fn leave(&self, room: RoomId, role: LegRole) {
        self.send(room, MediaRequest::Leave { room, role });
    }

    /// The call moved to another agent: the old one is cut off at once, and
    /// the customer hears the ringback until the new one's softphone joins.
    pub fn transfer(&self, room: RoomId) {
        self.send(room, MediaRequest::Transfer { room });
    }

    pub fn whisper(&self, room: RoomId, on: bool) {
        self.send(room, MediaRequest::Whisper { room, on });
    }

    pub fn hold(&self, room: RoomId, on: bool) {
        self.send(room, MediaRequest::Hold { room, on });
    }

    pub fn simulate(&self, room: RoomId) {
        self.send(room, MediaRequest::Simulate { room });
    }

    pub fn close(&self, room: RoomId) {
        self.send(room, MediaRequest::Close { room });
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
