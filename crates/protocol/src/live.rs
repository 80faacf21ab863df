//! The live WebSocket (`/api/live`): dashboard state and coaching signals.
//!
//! Every text frame is one JSON message. The client subscribes and gets a
//! [`Snapshot`] with a sequence number, then one [`ServerMsg::Delta`] per
//! change with the next number. A client that sees a gap in the numbers
//! subscribes again. Requests carry an id that their [`ServerMsg::Reply`]
//! echoes.

use serde::{Deserialize, Serialize};

use crate::calls::{CallId, CallState, CallView, Millis};
use crate::directory::{CompanyNumber, NumberId, UserId, UserView};
use crate::error::ApiError;

/// The close code of a live socket whose session ended (signed out,
/// expired, deactivated): no retry can open it again.
pub const CLOSE_SESSION_ENDED: u16 = 1008;

/// The close code of a live socket whose user's role or access changed:
/// the page asks again who they are, then reconnects as that.
pub const CLOSE_ACCOUNT_CHANGED: u16 = 4001;

/// Largest message a client may send, in bytes.
pub const MAX_CLIENT_MESSAGE_BYTES: usize = 16 * 1024;

/// A message from the app to the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientMsg {
    /// Chosen by the client; echoed in the reply.
    pub id: u32,
    pub request: Request,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Request {
    /// Send a fresh snapshot, then deltas (also the answer to a gap).
    Subscribe,
    /// Join a call as its coach, listening. With an SDP `offer` (receive
    /// lines for customer and agent, one send line with no track yet), the
    /// reply carries the answer: signalling and media in one round trip.
    StartCoaching {
        call: CallId,
        notify_agent: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offer: Option<String>,
    },
    /// Turn the coach's microphone toward the agent on or off.
    SetWhisper { on: bool },
    /// Leave the call being coached.
    LeaveCoaching,
    /// Connect the audio of the call I am coaching again, in this window
    /// (after a reload or a network change): same offer as for joining. The
    /// whisper is turned off; the microphone opens again only on request.
    ReconnectCoaching { call: CallId, offer: String },
    /// Dashboards: check the audio path before coaching (the setup's last
    /// step) — a connection to the media server that carries no call. The
    /// reply is [`Outcome::PathCheck`]; one check per user at a time.
    CheckAudioPath { offer: String },
    /// The check is over: its connection closes.
    EndAudioCheck,
    /// Agents: follow my call ([`ServerMsg::MyCall`] on every change).
    WatchMyCall,
    /// Agents: connect my softphone to my current call (send line for the
    /// microphone, receive lines for customer then coach).
    JoinMyCall { offer: String },
    /// Callers: dial a company number from `phone` (send line for the
    /// microphone, one receive line for the agent).
    Dial { number: NumberId, phone: String, offer: String },
    /// Agents and callers: end my call.
    HangUp,
    /// Agents: put my call on hold, or take it off.
    Hold { on: bool },
    /// Agents: tag my call (1 to 40 characters).
    Tag { tag: String },
    /// Agents: comment on my call (1 to 1000 characters).
    Comment { text: String },
    /// Agents: transfer my call to an available colleague.
    Transfer { to: UserId },
    /// Agents: transfer my call, which came on a phone line, to an outside
    /// number (E.164) through the trunk. The call stays with the agent
    /// until the number answers; then it is no longer the company's to
    /// coach. How it goes shows in the call's `outside`.
    TransferOutside { number: String },
    /// Agents: ask the supervisors for help on my call, with an optional
    /// reason (up to [`crate::RaisedHand::MAX_REASON`] characters).
    /// Asked again, the reason changes and the hand keeps its place.
    RaiseHand { reason: String },
    /// Agents: take my request for help back.
    LowerHand,
    /// Ready to take calls, or not (and why: at most
    /// [`UserView::MAX_REASON`] characters).
    SetPresence { available: bool, #[serde(default)] reason: String },
}

/// A message from the server to the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ServerMsg {
    /// The whole live state at `seq`.
    Snapshot(Snapshot),
    /// One change; `seq` is exactly one more than the previous message's.
    Delta { seq: u64, change: Change },
    /// The outcome of request `id`.
    Reply { id: u32, outcome: Outcome },
    /// A message that could not be read at all (so it has no id).
    Error { error: ApiError },
    /// Agents: their own call now (`None`: no call).
    MyCall(MyCall),
    /// Callers: their own call now (`None`: it is over).
    CustomerCall { call: Option<CustomerCall> },
}

/// A customer's view of their own call: only what their phone may show.
/// Nothing of who works it, coaches it, or flags it; not even the name the
/// company's contacts give their number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerCall {
    pub state: CallState,
    pub started_at: Millis,
}

/// An agent's view of their own call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyCall {
    /// The agent's own row: whether they are available, since when.
    pub me: Option<UserView>,
    pub call: Option<CallView>,
    pub agent_name: Option<String>,
    /// Agents only: who coaches them, when the coach chose to tell them.
    pub coached_by: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    pub seq: u64,
    /// The server's clock when the snapshot was taken, to tick durations.
    pub now: Millis,
    pub numbers: Vec<CompanyNumber>,
    pub users: Vec<UserView>,
    pub calls: Vec<CallView>,
}

/// One change to the live state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Change {
    /// A call began or changed (state, agent, coaching …); the whole row.
    CallUpdated { call: CallView },
    /// A call ended and leaves the dashboard.
    CallEnded { call: CallId },
    /// A user was added, or their status or details changed; the whole row.
    UserUpdated { user: UserView },
    /// A user was deactivated and leaves the dashboard.
    UserRemoved { user: UserId },
    /// A company number was added or changed.
    NumberUpdated { number: CompanyNumber },
    /// A company number was removed: no call comes in on it any more.
    NumberRemoved { number: NumberId },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// Done, and here is the SDP answer for the offer sent.
    Answer { call: CallId, sdp: String },
    /// The media server's answer to an audio path check's offer.
    PathCheck { sdp: String },
    Refused { error: ApiError },
}

impl Outcome {
    pub fn refused(error: ApiError) -> Self {
        Outcome::Refused { error }
    }
}
