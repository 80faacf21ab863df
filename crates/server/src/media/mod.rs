//! Call audio: the task that owns the SFU core, its UDP socket and its
//! ICE-TCP listener, and
//! the handle the rest of the server talks to it through.

mod playback;
mod task;
mod tcp;

use std::net::SocketAddr;

use earshot_sfu::{LegRole, LegStats, RoomId};
use tokio::sync::{mpsc, oneshot};

pub use playback::Dialogue;
pub use task::spawn;

/// Where the SFU listens and what it tells browsers.
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
}

impl Default for MediaConfig {
    fn default() -> Self {
        Self { bind: SocketAddr::from(([127, 0, 0, 1], 0)), advertised: None, advertised_tcp: None }
    }
}

/// One leg's counters, for tests and the metrics endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegReport {
    pub room: RoomId,
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
}

/// Talks to the media task. Cheap to clone; requests are queued in order.
#[derive(Clone)]
pub struct MediaHandle {
    tx: mpsc::UnboundedSender<MediaRequest>,
    local: SocketAddr,
}

impl MediaHandle {
    /// The SFU's UDP address.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// A browser joins `room` as `role`; the answer to its SDP offer.
    pub async fn join(&self, room: RoomId, role: LegRole, offer: String) -> Result<String, String> {
        let (reply, answer) = oneshot::channel();
        self.send(MediaRequest::Join { room, role, offer, reply });
        answer.await.unwrap_or_else(|_| Err("the media server is stopping".into()))
    }

    pub fn leave(&self, room: RoomId, role: LegRole) {
        self.send(MediaRequest::Leave { room, role });
    }

    /// The call moved to another agent: the old one is cut off at once, and
    /// the customer hears the ringback until the new one's softphone joins.
    pub fn transfer(&self, room: RoomId) {
        self.send(MediaRequest::Transfer { room });
    }

    pub fn whisper(&self, room: RoomId, on: bool) {
        self.send(MediaRequest::Whisper { room, on });
    }

    pub fn hold(&self, room: RoomId, on: bool) {
        self.send(MediaRequest::Hold { room, on });
    }

    pub fn simulate(&self, room: RoomId) {
        self.send(MediaRequest::Simulate { room });
    }

    pub fn close(&self, room: RoomId) {
        self.send(MediaRequest::Close { room });
    }

    /// Every leg's counters.
    pub async fn report(&self) -> Vec<LegReport> {
        let (reply, answer) = oneshot::channel();
        self.send(MediaRequest::Report { reply });
        answer.await.unwrap_or_default()
    }

    fn send(&self, request: MediaRequest) {
        // A stopped media task means the server is shutting down.
        let _ = self.tx.send(request);
    }
}
