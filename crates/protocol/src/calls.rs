//! Calls as the dashboard and the conversation view see them.

use serde::{Deserialize, Serialize};

use crate::directory::{ContactRef, NumberId, UserId};

/// A call; ids are never reused while the server runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallId(pub u64);

/// Milliseconds since the Unix epoch, by the server's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Millis(pub u64);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

/// What sort of call this is; only `Regular` calls can be coached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallKind {
    Regular,
    Emergency,
    Conference,
    /// Transferred to a number outside the company.
    TransferredExternal,
}

impl CallKind {
    /// Why a call of this kind can never be coached, or `None` if it can.
    /// Shared so the dashboard explains exactly what the server enforces.
    pub fn why_not_coachable(self) -> Option<&'static str> {
        match self {
            CallKind::Regular => None,
            CallKind::Emergency => Some("emergency calls cannot be coached"),
            CallKind::Conference => Some("conference calls cannot be coached"),
            CallKind::TransferredExternal => Some("calls transferred to an external number cannot be coached"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// Waiting in the queue for an agent.
    Waiting,
    /// The agent and the customer are talking.
    Ongoing,
    /// The agent has put the customer on hold.
    OnHold,
}

/// The outside party of a call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Customer {
    pub phone: String,
    /// The contact record for this phone number, when one exists.
    pub contact: Option<ContactRef>,
}

impl Customer {
    /// The contact's name when there is a record, else the phone number.
    pub fn label(&self) -> &str {
        self.contact.as_ref().map_or(&self.phone, |c| &c.name)
    }
}

/// Who is coaching a call, and how.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CoachingView {
    pub coach: UserId,
    pub coach_name: String,
    /// The coach's microphone reaches the agent (never the customer).
    pub whisper: bool,
    /// The agent was told when the coach joined.
    pub notified_agent: bool,
    pub since: Millis,
    /// The app window the coach's audio plays in (the `window` its live
    /// socket was opened with; 0 before any). A window whose audio went
    /// down connects again by itself while this is still its own, and lets
    /// it go when another window took it.
    pub audio_window: u64,
}

/// An agent's request for help on their call ("raise hand"): it needs a
/// coach until one joins telling the agent (the hand goes down), or the
/// agent lowers it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RaisedHand {
    pub since: Millis,
    /// Why, in the agent's words; empty when they gave none.
    pub reason: String,
    /// A coach joined without telling the agent: the call needs nobody now,
    /// but the agent, who must not learn of a silent coach, still sees
    /// their hand up.
    #[serde(default)]
    pub answered: bool,
}

impl RaisedHand {
    /// The longest reason, in characters.
    pub const MAX_REASON: usize = 80;
}

/// What about a live call a supervisor may want to act on, from its audio
/// or its state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalKind {
    /// Nobody has spoken for a while (not on hold).
    DeadAir,
    /// Customer and agent talk at once, and go on doing so.
    Overtalk,
    /// The customer is much louder than earlier in the call.
    RaisedVoice,
    /// The agent does most of the talking (the call's talk ratio).
    AgentTalksMost,
    /// On hold for longer than the company allows.
    LongHold,
}

impl SignalKind {
    pub fn label(self) -> &'static str {
        match self {
            SignalKind::DeadAir => "Dead air",
            SignalKind::Overtalk => "Talking over each other",
            SignalKind::RaisedVoice => "Raised voice",
            SignalKind::AgentTalksMost => "Agent talks most",
            SignalKind::LongHold => "Long hold",
        }
    }
}

/// A signal on a live call, on since `since` (when its condition began:
/// the first second of silence, the moment the call went on hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallSignal {
    pub kind: SignalKind,
    pub since: Millis,
}

/// A listed phrase the customer said, spotted in their audio ("cancel my
/// account"): `at` is when they finished saying it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SpottedPhrase {
    pub phrase: String,
    pub at: Millis,
}

impl SpottedPhrase {
    /// The most a call shows (the newest).
    pub const KEPT: usize = 3;
}

/// What makes a call need a coach, the most pressing last (so they sort):
/// an agent asking beats what the customer said, which beats a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Flag {
    Signal,
    Phrase,
    Help,
}

/// One live call on the dashboard.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallView {
    pub id: CallId,
    pub number: NumberId,
    /// `None` while waiting in the queue.
    pub agent: Option<UserId>,
    pub customer: Customer,
    pub direction: Direction,
    pub kind: CallKind,
    pub state: CallState,
    pub started_at: Millis,
    pub coaching: Option<CoachingView>,
    /// How many tags and comments the call has: an open conversation view
    /// reads them again when this changes.
    pub notes: u32,
    /// The agent asked for help.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hand: Option<RaisedHand>,
    /// The signals on now, in [`SignalKind`] order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<CallSignal>,
    /// Listed phrases the customer said since a coach last joined, oldest
    /// first (at most [`SpottedPhrase::KEPT`]). Monitors only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phrases: Vec<SpottedPhrase>,
    /// The call came on a phone line: its agent may send it to an outside
    /// number through the trunk.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub phone_line: bool,
    /// Its transfer to an outside number, under way or just failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outside: Option<OutsideTransfer>,
}

/// A call being sent to an outside number: it rings there while the agent
/// stays on the call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OutsideTransfer {
    /// In E.164.
    pub number: String,
    /// Why the number did not take the call (busy, no answer …): the call
    /// stayed with its agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

impl CallView {
    /// Its agent asked for help, no coach has answered, and one may (an
    /// emergency or a conference call is never coached).
    pub fn needs_help(&self) -> bool {
        self.hand.as_ref().is_some_and(|hand| !hand.answered) && self.kind.why_not_coachable().is_none()
    }

    /// Something on the call wants a supervisor's eye: a hand, a phrase or
    /// a signal. (Coached calls have one; uncoachable ones cannot be helped.)
    pub fn needs_attention(&self) -> bool {
        let heard = !self.phrases.is_empty() || !self.signals.is_empty();
        self.needs_help() || (heard && self.coaching.is_none() && self.kind.why_not_coachable().is_none())
    }
}

impl CallView {
    /// What makes the call need a coach most, and since when (the newest of
    /// its kind); `None` when it needs nobody.
    pub fn flag(&self) -> Option<(Flag, Millis)> {
        if self.needs_help() {
            return self.hand.as_ref().map(|hand| (Flag::Help, hand.since));
        }
        if !self.needs_attention() {
            return None;
        }
        let phrase = self.phrases.last().map(|phrase| (Flag::Phrase, phrase.at));
        phrase.or_else(|| self.signals.iter().map(|s| s.since).max().map(|since| (Flag::Signal, since)))
    }
}

/// One thing that happened on a call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub at: Millis,
    pub what: String,
}

/// A call's conversation view (`GET /api/calls/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CallDetail {
    pub call: CallView,
    /// False once the call has ended.
    pub live: bool,
    pub timeline: Vec<TimelineEntry>,
    pub tags: Vec<String>,
    pub comments: Vec<String>,
}
