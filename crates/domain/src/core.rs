//! The live state machine: calls, presence and coaching sessions.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use earshot_protocol::{
    AdminAction, AdminEntry, AuditAction, AuditEntry, CallDetail, CallId, CallKind, CallState, CallView, Change, CoachingView, ContactId,
    CompanyNumber, Contact, ContactForm, Direction, Millis, NumberForm, NumberId, OutsideTransfer, PersonForm, Request, Role, SignalKind, Snapshot, TimelineEntry, UserId, UserStatus, UserView,
};

use crate::admin::{check_active, check_number, check_person, describe, describe_number, AdminError};
use crate::attention::Attention;
use crate::coaching::{check_start, CoachingError};
use crate::connections::{Connections, Edge};
use crate::directory::{Directory, User};
use crate::record::Record;
use crate::view::{call_detail, call_view, Reader};

/// A call as the core keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub id: CallId,
    pub origin: Origin,
    pub number: NumberId,
    pub agent: Option<UserId>,
    pub customer_phone: String,
    pub contact: Option<ContactId>,
    pub direction: Direction,
    pub kind: CallKind,
    pub state: CallState,
    pub started_at: Millis,
    pub tags: Vec<String>,
    pub comments: Vec<String>,
    pub timeline: Vec<Logged>,
    /// Its transfer to an outside number, ringing or just failed (live only).
    pub outside: Option<OutsideTransfer>,
}

/// A timeline entry, and whether it tells of coaching (which agents never read).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logged {
    pub entry: TimelineEntry,
    pub about_coaching: bool,
}

/// A call entering the system (from the simulator or a caller).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NewCall {
    pub origin: Origin,
    pub number: NumberId,
    pub customer_phone: String,
    pub direction: Direction,
    pub kind: CallKind,
}

/// Something that happened to a call, reported by telephony (here: the simulator).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum CallEvent {
    Answered { call: CallId, agent: UserId },
    Hold { call: CallId, on: bool },
    TransferredToAgent { call: CallId, agent: UserId },
    /// The agent asks to send their phone call to an outside number
    /// (E.164): it rings there while they stay on the call.
    TransferOutsideAsked { call: CallId, number: String },
    /// The outside number did not take the call, and why: it stays with
    /// its agent.
    TransferOutsideFailed { call: CallId, why: String },
    /// The call went to an outside number: its agent leaves it (their
    /// audio cut at once) and it can never be coached.
    TransferredExternal { call: CallId },
    Conferenced { call: CallId },
    Tagged { call: CallId, tag: String },
    Commented { call: CallId, text: String },
    /// The agent asks for help (`reason` may be empty); asked again, the
    /// reason changes and the hand keeps its place.
    HandRaised { call: CallId, reason: String },
    HandLowered { call: CallId },
    /// A signal of the call's audio started (`since`: when its condition
    /// began) or ended (`None`).
    Signal { call: CallId, kind: SignalKind, since: Option<Millis> },
    /// The customer said a listed phrase, finishing `at`.
    Phrase { call: CallId, phrase: String, at: Millis },
    /// The customer pressed a key on their phone (`0`–`9`, `*`, `#`, `A`–`D`).
    Keypress { call: CallId, key: char },
    Ended { call: CallId },
}

/// A request from a signed-in user.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Command {
    StartCoaching { call: CallId, notify_agent: bool },
    SetWhisper { on: bool },
    LeaveCoaching,
    /// The coach's audio connects again (a reload, another window, a
    /// network change): allowed only to the call's coach; the session goes
    /// on.
    ReconnectCoaching { call: CallId },
    /// The coach's audio now plays in app window `window` (after a start or
    /// a reconnect from it). Moved to another window, it starts listening
    /// there; the same window after a dropped network carries on as it was.
    AudioIn { window: u64 },
}

impl Command {
    /// Whether a refusal of it goes in the audit log: attempts to listen
    /// or to speak do; leaving and placing the audio do not.
    pub fn audited_when_refused(&self) -> bool {
        matches!(self, Command::StartCoaching { .. } | Command::ReconnectCoaching { .. } | Command::SetWhisper { .. })
    }
}

impl TryFrom<Request> for Command {
    /// The request is not a command (it is a subscription).
    type Error = Request;

    fn try_from(request: Request) -> Result<Self, Request> {
        match request {
            Request::StartCoaching { call, notify_agent, .. } => Ok(Command::StartCoaching { call, notify_agent }),
            Request::SetWhisper { on } => Ok(Command::SetWhisper { on }),
            Request::LeaveCoaching => Ok(Command::LeaveCoaching),
            Request::ReconnectCoaching { call, .. } => Ok(Command::ReconnectCoaching { call }),
            other => Err(other),
        }
    }
}

/// A call event that does not fit the current state.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum EventError {
    UnknownCall(CallId),
    UnknownUser(UserId),
    /// The agent is not available (on a call, coaching, or away).
    AgentBusy(UserId),
    /// Only agents take calls.
    NotAnAgent(UserId),
    /// Not one of the company's numbers.
    UnknownNumber(NumberId),
    /// Not a phone number in E.164 form.
    BadPhone,
    /// [`Core::MAX_WAITING_CALLERS`] callers wait already.
    LinesBusy,
    /// The call has [`Core::MAX_TAGS`] tags already.
    TooManyTags,
    /// Help asked on a call no agent has answered.
    NoAgent,
    /// An outside number asked for a call that came on no phone line.
    NoOutsideLine,
    /// The call rings at an outside number already.
    TransferUnderWay,
    /// The call has [`Core::MAX_COMMENTS`] comments already.
    TooManyComments,
}

/// What the core has to say after a mutation.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// A change to the live state, numbered for gap detection.
    Delta { seq: u64, change: Change },
    /// A call arrived: its customer's audio may join its media room.
    CallStarted { call: CallId },
    /// An agent took the call (answered, or was transferred to it): their
    /// softphone's audio may join, and nobody else's as the agent.
    AgentAnswered { call: CallId, agent: UserId },
    /// A coach joined a call, in coaching session `session` (numbered by
    /// the core, never reused): their audio may join. The agent is told
    /// when `notify_agent`.
    CoachJoined { call: CallId, agent: UserId, coach: UserId, session: u64, coach_name: String, notify_agent: bool },
    /// Session `session`'s audio toward the agent: on or off. Sent on every
    /// join too.
    Whisper { call: CallId, session: u64, on: bool },
    /// The coach left the call (or was made to): their media goes, and
    /// their seat with it, so nothing they send or are sent outlives this.
    CoachLeft { call: CallId },
    /// The agent was transferred away: their media and seat go at once,
    /// before the new agent answers.
    AgentLeft { call: CallId },
    /// A phone call went to an outside number, which now holds the
    /// agent's seat (its audio is the trunk's second leg).
    OutsideAnswered { call: CallId },
    /// The customer was put on hold (cut off from agent and coach) or taken off.
    Hold { call: CallId, on: bool },
    /// The call is over: its media room closes.
    CallEnded { call: CallId },
    /// Something the store must keep (written in this order).
    Record(Record),
}

/// A contact in words, for the log's before and after.
fn describe_contact(contact: &Contact) -> String {
    let company = contact.company.as_deref().map_or(String::new(), |c| format!(" ({c})"));
    format!("{}{company}, {}", contact.name, contact.phones.join(", "))
}

/// A phone number as the trunk dials it: `+` and 6 to 15 digits.
fn is_e164(phone: &str) -> bool {
    let digits = phone.strip_prefix('+').unwrap_or_default();
    (6..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Where a call comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Origin {
    /// The simulator: simulated parties, simulated audio.
    Simulated,
    /// A real customer in a browser (the caller view): routed to an
    /// available agent.
    Caller,
    /// A real customer on a phone line: routed like a caller; its agent
    /// may send it to an outside number through the trunk.
    Phone,
}

impl Origin {
    /// Whether a real person waits on the call: it is routed to an
    /// available agent, and goes back to the queue when its agent is lost.
    pub fn is_real(self) -> bool {
        self != Origin::Simulated
    }
}

/// Why a coaching session ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ending {
    /// The coach left (or signed out): no more to say.
    Left,
    /// The coach's every connection stayed down past the grace.
    Away,
    CallMoved,
    /// Turned into a conference.
    Uncoachable,
    TransferredOutside,
    CallEnded,
    AccessRemoved,
    Deactivated,
    /// The agent's every connection stayed down past the grace.
    AgentLost,
}

impl Ending {
    fn why(self) -> &'static str {
        match self {
            Ending::Left => "",
            Ending::Away => "the coach's connection stayed down past the grace period",
            Ending::CallMoved => "the call moved to another agent",
            Ending::Uncoachable => "this call can no longer be coached",
            Ending::TransferredOutside => "the call was transferred to an external number, which cannot be coached",
            Ending::CallEnded => "the call ended",
            Ending::AccessRemoved => "the coach's Live Monitoring access was removed",
            Ending::Deactivated => "the coach's account was deactivated",
            Ending::AgentLost => "the agent's connection was lost",
        }
    }
}

/// Whether a person takes calls: what they chose, or Offline when no
/// connection of theirs is open (past the grace).
#[derive(Clone, Debug, PartialEq, Eq)]
enum Presence {
    Offline,
    Available,
    /// Signed in, not taking calls, and why (may be empty).
    NotReady(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Session {
    /// Which session, for the media: a late word of an earlier one is told apart.
    id: u64,
    coach: UserId,
    whisper: bool,
    notified_agent: bool,
    since: Millis,
    /// The coach's presence before joining, restored on leaving.
    restore: Presence,
    /// The app window playing the coach's audio.
    audio_window: u64,
}

pub struct Core {
    /// Shared with the shell's readers; copied on a change only while one
    /// holds it.
    directory: Arc<Directory>,
    calls: BTreeMap<CallId, Call>,
    /// The call each agent is on: a user's status without a pass over every
    /// call (a snapshot asks it of every user).
    on_call: BTreeMap<UserId, CallId>,
    presence: BTreeMap<UserId, Presence>,
    /// Each user's status as last told, and since when.
    status_since: BTreeMap<UserId, (UserStatus, Millis)>,
    sessions: BTreeMap<CallId, Session>,
    /// The call each coach coaches: the sessions, indexed by coach.
    coaching: BTreeMap<UserId, CallId>,
    /// Raised hands and signals: what makes a call need a coach.
    attention: Attention,
    /// Who coached each live call, to tell a rejoin from a first start.
    coached: BTreeSet<(CallId, UserId)>,
    connections: Connections,
    grace: Duration,
    next_call: u64,
    next_session: u64,
    seq: u64,
    outputs: VecDeque<Output>,
}

impl Core {
    /// How long a person whose every connection dropped keeps their place
    /// (a coach the call, an agent their presence and caller): long enough
    /// for a reload or a network change.
    pub const GRACE: Duration = Duration::from_secs(30);

    /// Everyone starts offline.
    pub fn new(directory: Directory) -> Self {
        let presence = directory.users().map(|u| (u.id, Presence::Offline)).collect();
        Self {
            directory: Arc::new(directory),
            calls: BTreeMap::new(),
            on_call: BTreeMap::new(),
            presence,
            status_since: BTreeMap::new(),
            sessions: BTreeMap::new(),
            coaching: BTreeMap::new(),
            attention: Attention::new(Attention::LONG_HOLD),
            coached: BTreeSet::new(),
            connections: Connections::default(),
            grace: Self::GRACE,
            next_call: 1,
            next_session: 1,
            seq: 0,
            outputs: VecDeque::new(),
        }
    }

    /// Callers waiting for an agent at most; more are told the lines are busy.
    pub const MAX_WAITING_CALLERS: usize = 50;

    /// A call's record stays small however an agent (or a script) types.
    pub const MAX_TAGS: usize = 20;
    pub const MAX_COMMENTS: usize = 100;
    /// Entries a call's timeline keeps, its end aside.
    pub const MAX_TIMELINE: usize = 500;

    /// Numbers calls and changes from `first` on: a server passes the time
    /// it started (in µs since 1970), so ids are never reused across
    /// restarts and an old link to a call never shows another.
    pub fn with_first_id(mut self, first: u64) -> Self {
        self.next_call = first.max(1);
        self.seq = first;
        self
    }

    pub fn with_grace(mut self, grace: Duration) -> Self {
        self.grace = grace;
        self
    }

    /// A hold this long becomes a signal on the call.
    pub fn with_long_hold(mut self, long_hold: Duration) -> Self {
        self.attention = Attention::new(long_hold);
        self
    }

    /// Holds not yet long become long after `long_hold` from now on.
    pub fn set_long_hold(&mut self, long_hold: Duration) {
        self.attention.set_long_hold(long_hold);
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The directory as it is now, for readers elsewhere (pages of stored
    /// calls, the audit log's names); a later change does not alter it.
    pub fn shared_directory(&self) -> Arc<Directory> {
        Arc::clone(&self.directory)
    }

    /// The next output, until there is none left.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    // ---- reading ----

    pub fn snapshot(&self, now: Millis) -> Snapshot {
        Snapshot {
            seq: self.seq,
            now,
            numbers: self.directory.numbers().cloned().collect(),
            users: self.directory.active_users().map(|u| self.user_view(u.id)).collect(),
            calls: self.calls.values().map(|c| self.call_view(c)).collect(),
        }
    }

    /// Whether `user` is an agent free to take a call now.
    pub fn is_available_agent(&self, user: &User) -> bool {
        user.active && user.role == Role::Agent && self.status(user.id) == UserStatus::Available
    }

    /// Whether `agent` may take a call from `origin` now: a caller's only
    /// when they are online and Available; a simulated one (a simulated
    /// person's) unless they are busy or said they are not ready.
    fn may_take(&self, agent: UserId, origin: Origin) -> bool {
        match (origin, self.status(agent)) {
            (_, UserStatus::Available) => origin == Origin::Simulated || self.connections.is_open(agent),
            (Origin::Simulated, UserStatus::Offline) => true,
            _ => false,
        }
    }

    /// Agents free to take a call (or a transfer) now.
    pub fn available_agents(&self) -> Vec<UserView> {
        self.directory
            .users()
            .filter(|u| self.is_available_agent(u))
            .map(|u| self.user_view(u.id))
            .collect()
    }

    /// One live call as the wire shows it.
    pub fn snapshot_call(&self, id: CallId) -> Option<CallView> {
        self.calls.get(&id).map(|c| self.call_view(c))
    }

    pub fn live_calls(&self) -> impl Iterator<Item = &Call> {
        self.calls.values()
    }

    pub fn call(&self, id: CallId) -> Option<&Call> {
        self.calls.get(&id)
    }

    /// The call `coach` is coaching, if any.
    pub fn coaching_of(&self, coach: UserId) -> Option<CallId> {
        self.coaching.get(&coach).copied()
    }

    pub fn status(&self, user: UserId) -> UserStatus {
        if self.coaching_of(user).is_some() {
            UserStatus::Coaching
        } else if self.on_call.contains_key(&user) {
            UserStatus::OnCall
        } else {
            match self.presence.get(&user) {
                Some(Presence::Available) => UserStatus::Available,
                Some(Presence::NotReady(_)) => UserStatus::NotReady,
                Some(Presence::Offline) | None => UserStatus::Offline,
            }
        }
    }

    /// A live call's record, as a monitor reads it.
    pub fn call_detail(&self, id: CallId) -> Option<CallDetail> {
        let call = self.calls.get(&id)?;
        Some(call_detail(&self.directory, Reader::Monitor, call, self.coaching_view(id), true))
    }

    /// The live calls of a contact.
    pub fn contact_calls(&self, id: ContactId) -> Vec<CallView> {
        self.calls.values().filter(|c| c.contact == Some(id)).map(|c| self.call_view(c)).collect()
    }

    /// `user`'s row as the dashboards show it, if they work here.
    pub fn user_row(&self, user: UserId) -> Option<UserView> {
        self.directory.user(user).filter(|u| u.active).map(|u| self.user_view(u.id))
    }

    fn user_view(&self, id: UserId) -> UserView {
        // Views are built only for ids taken from the directory.
        let user = self.directory.user(id).expect("user from the directory");
        let status = self.status(id);
        let since = self.status_since.get(&id).filter(|(told, _)| *told == status).map_or(Millis(0), |(_, since)| *since);
        // Said while on a call too: what they will be once it ends.
        let reason = match (status, self.presence.get(&id)) {
            (UserStatus::Coaching, _) => None,
            (_, Some(Presence::NotReady(reason))) if !reason.is_empty() => Some(reason.clone()),
            _ => None,
        };
        UserView { id, name: user.name.clone(), role: user.role, status, since, reason, numbers: user.numbers.clone() }
    }

    fn call_view(&self, call: &Call) -> CallView {
        let attention = &self.attention;
        let (hand, signals, phrases) = (attention.hand(call.id), attention.signals(call.id), attention.phrases(call.id));
        CallView { hand, signals, phrases, ..call_view(&self.directory, call, self.coaching_view(call.id)) }
    }

    fn coaching_view(&self, call: CallId) -> Option<CoachingView> {
        self.sessions.get(&call).map(|s| CoachingView {
            coach: s.coach,
            coach_name: self.name(s.coach),
            whisper: s.whisper,
            notified_agent: s.notified_agent,
            since: s.since,
            audio_window: s.audio_window,
        })
    }

    fn name(&self, user: UserId) -> String {
        self.directory.user(user).map_or_else(|| format!("user {}", user.0), |u| u.name.clone())
    }

    // ---- telephony ----

    /// A call arrives and waits in the queue.
    pub fn start_call(&mut self, now: Millis, new: NewCall) -> CallId {
        let id = CallId(self.next_call);
        self.next_call += 1;
        let contact = self.directory.contact_for_phone(&new.customer_phone).map(|c| c.id);
        let call = Call {
            id,
            origin: new.origin,
            number: new.number,
            agent: None,
            customer_phone: new.customer_phone,
            contact,
            direction: new.direction,
            kind: new.kind,
            state: CallState::Waiting,
            started_at: now,
            tags: Vec::new(),
            comments: Vec::new(),
            timeline: Vec::new(),
            outside: None,
        };
        self.calls.insert(id, call.clone());
        self.record(Record::CallStarted(call));
        self.outputs.push_back(Output::CallStarted { call: id });
        self.log(id, now, "Call started", false);
        self.emit_call(id);
        self.route_callers(now);
        id
    }

    /// The customer's phone of a call whose caller withheld their number.
    pub const WITHHELD: &'static str = "Withheld";

    /// A caller dials: the number must be the company's and the phone a
    /// phone number (`+` and 6 to 15 digits) or [`Core::WITHHELD`].
    pub fn dial(&mut self, now: Millis, new: NewCall) -> Result<CallId, EventError> {
        if self.directory.live_number(new.number).is_none() {
            return Err(EventError::UnknownNumber(new.number));
        }
        if !is_e164(&new.customer_phone) && new.customer_phone != Self::WITHHELD {
            return Err(EventError::BadPhone);
        }
        let waiting = self.calls.values().filter(|c| c.origin.is_real() && c.state == CallState::Waiting).count();
        if waiting >= Self::MAX_WAITING_CALLERS {
            return Err(EventError::LinesBusy);
        }
        Ok(self.start_call(now, new))
    }

    /// A connection of `user` opened. Their first puts them online: an
    /// offline person is Not ready until they choose Available (one back
    /// within the grace is as they were); agents with the agent view open
    /// take callers' calls, and the simulator leaves them alone. A coach
    /// who was offline keeps their call.
    pub fn connected(&mut self, now: Millis, user: UserId) {
        if self.connections.open(user) == Edge::Online {
            // A signed-in agent is a real person: a simulated call they
            // were given ends rather than land on their softphone.
            let simulated = self.on_call.get(&user).filter(|call| self.calls[call].origin == Origin::Simulated).copied();
            if let Some(call) = simulated {
                let _ = self.apply(now, CallEvent::Ended { call }); // just found live
            }
            if self.presence.get(&user) == Some(&Presence::Offline) {
                self.presence.insert(user, Presence::NotReady(String::new()));
                self.emit_users(now, [Some(user)]);
            }
            self.route_callers(now);
        }
    }

    /// A connection of `user` closed. When it was their last, they have
    /// [`Core::GRACE`] to come back (a reload, a network change) before
    /// they are Offline; a coach stops whispering at once (nobody is at
    /// that microphone now) and leaves the call after it; an agent's call
    /// from a caller goes back to the queue after it.
    pub fn disconnected(&mut self, now: Millis, user: UserId) {
        if self.connections.close(user) != Edge::Offline {
            return;
        }
        if let Some(call) = self.coaching_of(user) {
            self.set_whisper(now, call, false, "the coach's connection dropped");
        }
        self.connections.orphan(now, user, self.grace);
    }

    pub fn is_online(&self, user: UserId) -> bool {
        self.connections.is_open(user)
    }

    /// When [`Core::handle_timeout`] has something to do next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        self.connections.next_expiry().into_iter().chain(self.attention.poll_timeout()).min()
    }

    /// People who stayed offline past their grace are Offline: a coach
    /// leaves the call, an agent's caller goes back to the queue (hearing
    /// the ringback, never silence); holds that lasted become a signal.
    pub fn handle_timeout(&mut self, now: Millis) {
        for user in self.connections.expire(now) {
            if let Some(call) = self.coaching_of(user) {
                self.end_session(now, call, Ending::Away);
                self.emit_call(call);
            }
            let caller = self.on_call.get(&user).copied().filter(|call| self.calls[call].origin.is_real());
            self.presence.insert(user, Presence::Offline);
            match caller {
                Some(call) => self.back_to_queue(now, call, user),
                None => self.emit_users(now, [Some(user)]),
            }
        }
        for call in self.attention.handle_timeout(now) {
            self.emit_call(call);
        }
    }

    /// `agent` is gone from `call`: it waits again for an agent, its
    /// coach's session ends, and the customer hears the ringback.
    fn back_to_queue(&mut self, now: Millis, call: CallId, agent: UserId) {
        self.end_session(now, call, Ending::AgentLost);
        self.attention.new_conversation(call);
        self.outputs.push_back(Output::AgentLeft { call });
        self.on_call.remove(&agent);
        let waiting = self.call_mut(call);
        waiting.agent = None;
        waiting.state = CallState::Waiting;
        let (kind, what) = (waiting.kind, format!("{}'s connection was lost: the call waits for another agent", self.name(agent)));
        self.log(call, now, what, false);
        self.record(Record::CallChanged { call, agent: None, kind, state: CallState::Waiting });
        self.emit_call(call);
        self.emit_users(now, [Some(agent)]);
        self.route_callers(now);
    }

    /// Gives every waiting caller to an available online agent, preferring
    /// one assigned to the number called.
    fn route_callers(&mut self, now: Millis) {
        let waiting: Vec<(CallId, NumberId)> = self
            .calls
            .values()
            .filter(|c| c.origin.is_real() && c.state == CallState::Waiting)
            .map(|c| (c.id, c.number))
            .collect();
        for (call, number) in waiting {
            let free = |u: &&User| self.connections.is_open(u.id) && self.is_available_agent(u);
            let agent = self
                .directory
                .users()
                .filter(free)
                .max_by_key(|u| u.is_assigned_to(number))
                .map(|u| u.id);
            if let Some(agent) = agent {
                // Just checked: the call waits and the agent is free.
                let _ = self.apply(now, CallEvent::Answered { call, agent });
            }
        }
    }

    pub fn apply(&mut self, now: Millis, event: CallEvent) -> Result<(), EventError> {
        let id = match &event {
            CallEvent::Answered { call, .. }
            | CallEvent::Hold { call, .. }
            | CallEvent::TransferredToAgent { call, .. }
            | CallEvent::TransferOutsideAsked { call, .. }
            | CallEvent::TransferOutsideFailed { call, .. }
            | CallEvent::TransferredExternal { call }
            | CallEvent::Conferenced { call }
            | CallEvent::Tagged { call, .. }
            | CallEvent::Commented { call, .. }
            | CallEvent::HandRaised { call, .. }
            | CallEvent::HandLowered { call }
            | CallEvent::Signal { call, .. }
            | CallEvent::Phrase { call, .. }
            | CallEvent::Keypress { call, .. }
            | CallEvent::Ended { call } => *call,
        };
        let call = self.calls.get(&id).ok_or(EventError::UnknownCall(id))?;
        match &event {
            // A tag it has already: nothing changes, nobody is told.
            CallEvent::Tagged { tag, .. } if call.tags.contains(tag) => return Ok(()),
            CallEvent::Tagged { .. } if call.tags.len() >= Self::MAX_TAGS => return Err(EventError::TooManyTags),
            CallEvent::Commented { .. } if call.comments.len() >= Self::MAX_COMMENTS => return Err(EventError::TooManyComments),
            _ => {}
        }
        let before = self.call_view(call);
        let old_agent = call.agent;
        let was_held = call.state == CallState::OnHold;
        match event {
            CallEvent::Answered { agent, .. } | CallEvent::TransferredToAgent { agent, .. } => {
                match self.directory.user(agent) {
                    None => return Err(EventError::UnknownUser(agent)),
                    Some(user) if user.role != Role::Agent => return Err(EventError::NotAnAgent(agent)),
                    Some(user) if !user.active => return Err(EventError::AgentBusy(agent)),
                    Some(_) => {}
                }
                if !self.may_take(agent, call.origin) {
                    return Err(EventError::AgentBusy(agent));
                }
                // A new agent means a new conversation: the coach rejoins if
                // they wish; the old agent's hand and signals are gone.
                self.end_session(now, id, Ending::CallMoved);
                self.attention.new_conversation(id);
                let what = match old_agent {
                    None => format!("Answered by {}", self.name(agent)),
                    Some(_) => format!("Transferred to {}", self.name(agent)),
                };
                if old_agent.is_some() {
                    self.outputs.push_back(Output::AgentLeft { call: id });
                }
                self.outputs.push_back(Output::AgentAnswered { call: id, agent });
                if let Some(old) = old_agent {
                    self.on_call.remove(&old);
                }
                self.on_call.insert(agent, id);
                let call = self.call_mut(id);
                call.agent = Some(agent);
                call.state = CallState::Ongoing;
                // A new agent's call: an outside number the last one rang is given up.
                call.outside = None;
                self.log(id, now, what, false);
                self.emit_users(now, [old_agent, Some(agent)]);
            }
            CallEvent::Hold { on, .. } => {
                let call = self.call_mut(id);
                let target = if on { CallState::OnHold } else { CallState::Ongoing };
                if call.state == CallState::Waiting || call.state == target {
                    return Ok(());
                }
                call.state = target;
                self.log(id, now, if on { "Put on hold" } else { "Taken off hold" }, false);
            }
            CallEvent::TransferOutsideAsked { number, .. } => {
                if call.origin != Origin::Phone {
                    return Err(EventError::NoOutsideLine);
                }
                let Some(agent) = old_agent else { return Err(EventError::NoAgent) };
                if call.outside.as_ref().is_some_and(|o| o.failed.is_none()) {
                    return Err(EventError::TransferUnderWay);
                }
                if !is_e164(&number) {
                    return Err(EventError::BadPhone);
                }
                self.log(id, now, format!("{} is transferring the call to {number}", self.name(agent)), false);
                self.call_mut(id).outside = Some(OutsideTransfer { number, failed: None });
            }
            CallEvent::TransferOutsideFailed { why, .. } => {
                let (Some(agent), Some(number)) = (old_agent, call.outside.as_ref().map(|o| o.number.clone())) else { return Ok(()) };
                self.log(id, now, format!("The transfer to {number} failed, {why}: the call stays with {}", self.name(agent)), false);
                self.call_mut(id).outside = Some(OutsideTransfer { number, failed: Some(why) });
            }
            CallEvent::TransferredExternal { .. } => {
                let what = match call.outside.as_ref() {
                    Some(outside) => format!("Transferred to an external number, {}", outside.number),
                    None => "Transferred to an external number".to_owned(),
                };
                let phone = call.origin == Origin::Phone;
                self.end_session(now, id, Ending::TransferredOutside);
                if let Some(agent) = old_agent {
                    // Their part is over: the audio goes at once, and they may take another call.
                    self.outputs.push_back(Output::AgentLeft { call: id });
                    self.on_call.remove(&agent);
                }
                if phone {
                    self.outputs.push_back(Output::OutsideAnswered { call: id });
                }
                let call = self.call_mut(id);
                call.kind = CallKind::TransferredExternal;
                call.agent = None;
                call.outside = None;
                self.log(id, now, what, false);
                self.emit_users(now, [old_agent]);
                self.route_callers(now);
            }
            CallEvent::Conferenced { .. } => {
                self.end_session(now, id, Ending::Uncoachable);
                self.call_mut(id).kind = CallKind::Conference;
                self.log(id, now, "Turned into a conference", false);
            }
            CallEvent::Tagged { tag, .. } => {
                self.log(id, now, format!("Tagged “{tag}”"), false);
                let tags = &mut self.call_mut(id).tags;
                let position = tags.len();
                tags.push(tag.clone());
                self.record(Record::Tagged { call: id, position, tag });
            }
            CallEvent::Commented { text, .. } => {
                self.log(id, now, "Comment added", false);
                let comments = &mut self.call_mut(id).comments;
                let position = comments.len();
                comments.push(text.clone());
                self.record(Record::Commented { call: id, position, text });
            }
            CallEvent::HandRaised { reason, .. } => {
                let Some(agent) = old_agent else { return Err(EventError::NoAgent) };
                let what = match reason.as_str() {
                    "" => format!("{} asked for help", self.name(agent)),
                    reason => format!("{} asked for help: “{reason}”", self.name(agent)),
                };
                if self.attention.raise(id, now, reason) {
                    self.log(id, now, what, false);
                }
            }
            CallEvent::HandLowered { .. } => {
                if self.attention.lower(id) {
                    let what = format!("{} no longer needs help", old_agent.map_or_else(|| "The agent".to_owned(), |a| self.name(a)));
                    self.log(id, now, what, false);
                }
            }
            CallEvent::Signal { kind, since, .. } => {
                self.attention.signal(id, kind, since);
            }
            CallEvent::Phrase { phrase, at, .. } => {
                // Before an agent takes the call there is nobody to coach.
                if old_agent.is_none() {
                    return Err(EventError::NoAgent);
                }
                self.log(id, at, format!("The customer said “{phrase}”"), true);
                self.attention.phrase(id, phrase, at);
            }
            CallEvent::Keypress { key, .. } => self.log(id, now, format!("The customer pressed {key}"), false),
            CallEvent::Ended { .. } => {
                self.attention.ended(id);
                self.end_session(now, id, Ending::CallEnded);
                self.keep_log(id, now, "Call ended", false);
                self.calls.remove(&id);
                if let Some(agent) = old_agent {
                    self.on_call.remove(&agent);
                }
                self.coached.retain(|&(call, _)| call != id);
                self.record(Record::CallEnded { call: id, at: now });
                self.emit(Change::CallEnded { call: id });
                self.outputs.push_back(Output::CallEnded { call: id });
                self.emit_users(now, [old_agent]);
                self.route_callers(now);
                return Ok(());
            }
        }
        let call = &self.calls[&id];
        let held = call.state == CallState::OnHold;
        if held != was_held {
            self.outputs.push_back(Output::Hold { call: id, on: held });
            self.attention.hold(id, held, now);
        }
        if (call.agent, call.kind, call.state) != (before.agent, before.kind, before.state) {
            let (agent, kind, state) = (call.agent, call.kind, call.state);
            self.record(Record::CallChanged { call: id, agent, kind, state });
        }
        // An event that changes nothing a dashboard shows (hold when held)
        // sends every dashboard nothing.
        if self.call_view(&self.calls[&id]) != before {
            self.emit_call(id);
        }
        Ok(())
    }

    /// An agent goes available, or not ready and why (an empty reason
    /// says nothing). Going available, they may be offered a waiting caller.
    pub fn set_presence(&mut self, now: Millis, user: UserId, available: bool, reason: &str) -> Result<(), EventError> {
        let presence = self.presence.get_mut(&user).ok_or(EventError::UnknownUser(user))?;
        *presence = if available { Presence::Available } else { Presence::NotReady(reason.trim().to_owned()) };
        self.emit_users(now, [Some(user)]);
        if available {
            self.route_callers(now);
        }
        Ok(())
    }

    /// May `user` see the dashboard, calls and contacts?
    pub fn check_viewer(&self, user: UserId) -> Result<(), CoachingError> {
        match self.directory.user(user) {
            Some(user) if user.can_monitor() => Ok(()),
            _ => Err(CoachingError::NoMonitoringAccess),
        }
    }

    /// A live call's conversation view for `user`: monitors see every
    /// call, an agent only their own. `None` when the call is not live: the
    /// store has its record.
    pub fn call_detail_for(&self, user: UserId, id: CallId) -> Result<Option<CallDetail>, CoachingError> {
        let Some(call) = self.calls.get(&id) else { return Ok(None) };
        let reader = Reader::of(&self.directory, user, call)?;
        Ok(Some(call_detail(&self.directory, reader, call, self.coaching_view(id), true)))
    }

    // ---- administration ----

    /// `actor` (an active admin) adds a person (`id: None`) or changes
    /// one; live at once. A coach who may no longer monitor stops coaching.
    pub fn save_person(&mut self, now: Millis, actor: UserId, id: Option<UserId>, form: &PersonForm) -> Result<User, AdminError> {
        self.check_admin(actor)?;
        let user = check_person(&self.directory, id, form)?;
        let action = if id.is_some() { AdminAction::PersonChanged } else { AdminAction::PersonAdded };
        self.put_person(now, actor, user.clone(), action);
        Ok(user)
    }

    /// A company with no active admin takes its first from the setup link:
    /// they are their own actor.
    pub fn add_first_admin(&mut self, now: Millis, form: &PersonForm) -> Result<User, AdminError> {
        if self.directory.active_users().any(|u| u.role == Role::Admin) {
            return Err(AdminError::Invalid("the company has an admin already: sign in, or ask them".into()));
        }
        let user = check_person(&self.directory, None, &PersonForm { role: Role::Admin, ..form.clone() })?;
        self.put_person(now, user.id, user.clone(), AdminAction::PersonAdded);
        Ok(user)
    }

    /// `actor` deactivates a person or brings them back. Deactivated, a
    /// coach's seat ends with the reason; an agent keeps the call they are
    /// on until it ends and is offered no other.
    pub fn set_active(&mut self, now: Millis, actor: UserId, id: UserId, active: bool) -> Result<User, AdminError> {
        self.check_admin(actor)?;
        let user = check_active(&self.directory, actor, id, active)?;
        let action = if active { AdminAction::PersonReactivated } else { AdminAction::PersonDeactivated };
        self.put_person(now, actor, user.clone(), action);
        Ok(user)
    }

    /// A change to a person's password, which the core does not keep,
    /// for the company's log: `actor` issued them a link, or set it.
    pub fn note_password(&mut self, now: Millis, actor: UserId, person: UserId, action: AdminAction) -> Result<(), AdminError> {
        if action == AdminAction::PasswordLinkIssued {
            self.check_admin(actor)?;
        }
        let subject = self.directory.user(person).ok_or(AdminError::NoSuchPerson)?.name.clone();
        self.admin_log(now, actor, action, subject, String::new(), String::new());
        Ok(())
    }

    /// Notes in the company's log that admin `actor` changed a setting
    /// kept outside the core (the phone line's rules), from and to what.
    pub fn note_setting(&mut self, now: Millis, actor: UserId, action: AdminAction, subject: &str, before: String, after: String) -> Result<(), AdminError> {
        self.check_admin(actor)?;
        self.admin_log(now, actor, action, subject.to_owned(), before, after);
        Ok(())
    }

    /// `actor` adds a number (`id: None`) or changes one, with its call
    /// distribution: who takes its calls and who supervises them.
    pub fn save_number(&mut self, now: Millis, actor: UserId, id: Option<NumberId>, form: &NumberForm) -> Result<CompanyNumber, AdminError> {
        self.check_admin(actor)?;
        let (number, people) = check_number(&self.directory, id, form)?;
        let old = self.directory.live_number(number.id);
        let existed = old.is_some();
        let before = old.map(|old| describe_number(&self.directory, old, &self.people_of(number.id))).unwrap_or_default();
        Arc::make_mut(&mut self.directory).put_number(number.clone());
        self.record(Record::NumberSaved(number.clone()));
        self.distribute(now, number.id, &people);
        let after = describe_number(&self.directory, &number, &people);
        let action = if existed { AdminAction::NumberChanged } else { AdminAction::NumberAdded };
        self.admin_log(now, actor, action, number.name.clone(), before, after);
        self.emit(Change::NumberUpdated { number: number.clone() });
        self.route_callers(now);
        Ok(number)
    }

    /// `actor` removes a number: no call comes in on it any more, and
    /// nobody takes its calls. Refused while a call on it is live.
    pub fn remove_number(&mut self, now: Millis, actor: UserId, id: NumberId) -> Result<(), AdminError> {
        self.check_admin(actor)?;
        let number = self.directory.live_number(id).cloned().ok_or(AdminError::NoSuchNumber)?;
        if self.calls.values().any(|c| c.number == id) {
            return Err(AdminError::Invalid(format!("a call on {} is live: remove it once its calls end", number.name)));
        }
        let before = describe_number(&self.directory, &number, &self.people_of(id));
        self.distribute(now, id, &[]);
        Arc::make_mut(&mut self.directory).remove_number(id);
        self.record(Record::NumberRemoved(id));
        self.admin_log(now, actor, AdminAction::NumberRemoved, number.name, before, String::new());
        self.emit(Change::NumberRemoved { number: id });
        Ok(())
    }

    /// Whose numbers include `number`.
    fn people_of(&self, number: NumberId) -> Vec<UserId> {
        self.directory.users().filter(|u| u.is_assigned_to(number)).map(|u| u.id).collect()
    }

    /// Exactly `people` take `number`'s calls: each person whose numbers
    /// change is kept and told to the dashboards.
    fn distribute(&mut self, now: Millis, number: NumberId, people: &[UserId]) {
        let changed: Vec<User> = self
            .directory
            .users()
            .filter(|u| u.is_assigned_to(number) != people.contains(&u.id))
            .map(|u| {
                let mut user = u.clone();
                user.numbers.retain(|n| *n != number);
                if people.contains(&u.id) {
                    user.numbers.push(number);
                    user.numbers.sort();
                }
                user
            })
            .collect();
        for user in changed {
            let id = user.id;
            Arc::make_mut(&mut self.directory).put_user(user.clone());
            self.record(Record::PersonSaved(user));
            self.emit_users(now, [Some(id)]);
        }
    }

    /// `actor` adds a contact (`id: None`) or changes one.
    pub fn save_contact(&mut self, now: Millis, actor: UserId, id: Option<ContactId>, form: &ContactForm) -> Result<Contact, AdminError> {
        self.check_admin(actor)?;
        let contact = crate::contacts::check_contact(&self.directory, id, form)?;
        let before = self.directory.contact(contact.id).map(describe_contact).unwrap_or_default();
        let action = if id.is_some() { AdminAction::ContactChanged } else { AdminAction::ContactAdded };
        self.admin_log(now, actor, action, contact.name.clone(), before, describe_contact(&contact));
        self.put_contacts(vec![contact.clone()]);
        Ok(contact)
    }

    /// `actor` deletes a contact: live calls from its numbers show the
    /// phone alone from now on.
    pub fn remove_contact(&mut self, now: Millis, actor: UserId, id: ContactId) -> Result<(), AdminError> {
        self.check_admin(actor)?;
        let contact = Arc::make_mut(&mut self.directory).remove_contact(id).ok_or(AdminError::NoSuchContact)?;
        self.record(Record::ContactRemoved(id));
        self.admin_log(now, actor, AdminAction::ContactRemoved, contact.name.clone(), describe_contact(&contact), String::new());
        let linked: Vec<CallId> = self.calls.values().filter(|c| c.contact == Some(id)).map(|c| c.id).collect();
        for call in linked {
            self.call_mut(call).contact = None;
            self.emit_call(call);
        }
        Ok(())
    }

    /// `actor` imports a CSV file of contacts (see `contacts::read_csv`),
    /// read against the address book as it is now: all its good lines in
    /// one record, or — with a bad line and no `skip_invalid` — none.
    /// Returns how many were added and left out.
    pub fn import_contacts(&mut self, now: Millis, actor: UserId, csv: &str, region: Option<&str>, skip_invalid: bool) -> Result<(usize, usize), AdminError> {
        self.check_admin(actor)?;
        let import = crate::contacts::read_csv(&self.directory, csv, region);
        let bad: std::collections::BTreeSet<usize> = import.problems.iter().filter(|p| p.line > 1).map(|p| p.line).collect();
        if import.contacts.is_empty() {
            let why = import.problems.first().map_or_else(|| "the file holds no contacts".to_owned(), |p| format!("line {}: {}", p.line, p.why));
            return Err(AdminError::Invalid(format!("nothing to import: {why}")));
        }
        if !bad.is_empty() && !skip_invalid {
            return Err(AdminError::Invalid(format!("{} lines cannot be imported: preview the file, then import the others", bad.len())));
        }
        let added = import.contacts.len();
        let after = format!("{added} contacts added, {} lines left out", bad.len());
        self.admin_log(now, actor, AdminAction::ContactsImported, "Contacts".into(), String::new(), after);
        self.put_contacts(import.contacts);
        Ok((added, bad.len()))
    }

    /// Keeps `contacts` (one record: all or none) and puts them in the
    /// address book; calls that come in from their numbers show them.
    fn put_contacts(&mut self, contacts: Vec<Contact>) {
        let directory = Arc::make_mut(&mut self.directory);
        for contact in &contacts {
            directory.put_contact(contact.clone());
        }
        self.record(Record::ContactsSaved(contacts));
    }

    fn check_admin(&self, actor: UserId) -> Result<(), AdminError> {
        match self.directory.user(actor) {
            Some(user) if user.active && user.role == Role::Admin => Ok(()),
            _ => Err(AdminError::NotAnAdmin),
        }
    }

    fn put_person(&mut self, now: Millis, actor: UserId, user: User, action: AdminAction) {
        let before = self.directory.user(user.id).map(|u| describe(&self.directory, u)).unwrap_or_default();
        let after = describe(&self.directory, &user);
        let (id, active, monitors) = (user.id, user.active, user.can_monitor());
        self.presence.entry(id).or_insert(Presence::Offline);
        Arc::make_mut(&mut self.directory).put_user(user.clone());
        self.record(Record::PersonSaved(user.clone()));
        let subject = user.name.clone();
        self.admin_log(now, actor, action, subject, before, after);
        if let Some(call) = self.coaching_of(id).filter(|_| !monitors) {
            self.end_session(now, call, if active { Ending::AccessRemoved } else { Ending::Deactivated });
            self.emit_call(call);
        }
        if active {
            self.emit_users(now, [Some(id)]);
            self.route_callers(now);
        } else {
            self.emit(Change::UserRemoved { user: id });
        }
    }

    fn admin_log(&mut self, at: Millis, actor: UserId, action: AdminAction, subject: String, before: String, after: String) {
        let entry = AdminEntry { at, action, actor, actor_name: self.name(actor), subject, before, after, from: None };
        self.record(Record::Admin(entry));
    }

    // ---- coaching ----

    /// Runs a user's command; refusals change nothing (but the audit log).
    pub fn handle(&mut self, now: Millis, actor: UserId, command: Command) -> Result<(), CoachingError> {
        let result = self.run(now, actor, command.clone());
        if let Err(refusal) = &result {
            self.refused(now, actor, &command, &refusal.to_string());
        }
        result
    }

    /// A coaching command of `actor` was refused (here, or before it came
    /// here): attempts to listen or to speak go in the audit log.
    pub fn refused(&mut self, now: Millis, actor: UserId, command: &Command, why: &str) {
        if !command.audited_when_refused() {
            return;
        }
        let call = match *command {
            Command::StartCoaching { call, .. } | Command::ReconnectCoaching { call } => Some(call),
            _ => self.coaching_of(actor),
        };
        self.audit(now, actor, call, AuditAction::Refused, None, why);
    }

    fn run(&mut self, now: Millis, actor: UserId, command: Command) -> Result<(), CoachingError> {
        let coach = self.directory.user(actor).ok_or(CoachingError::NoMonitoringAccess)?;
        if !coach.can_monitor() {
            return Err(if coach.role == earshot_protocol::Role::Agent {
                CoachingError::AgentsCannotCoach
            } else {
                CoachingError::NoMonitoringAccess
            });
        }
        match command {
            Command::StartCoaching { call, notify_agent } => {
                let current = self.sessions.get(&call).and_then(|s| self.directory.user(s.coach));
                check_start(coach, self.calls.get(&call), current, self.coaching_of(actor))?;
                let restore = self.presence.get(&actor).cloned().unwrap_or(Presence::Offline);
                self.presence.insert(actor, Presence::NotReady("Coaching".into()));
                let session = self.next_session;
                self.next_session += 1;
                self.sessions.insert(call, Session { id: session, coach: actor, whisper: false, notified_agent: notify_agent, since: now, restore, audio_window: 0 });
                self.coaching.insert(actor, call);
                self.attention.coach_joined(call, notify_agent);
                let note = if notify_agent { " (agent notified)" } else { "" };
                let what = format!("{} started coaching{note}", self.name(actor));
                self.log(call, now, what, true);
                let action = if self.coached.insert((call, actor)) { AuditAction::Started } else { AuditAction::Rejoined };
                self.audit(now, actor, Some(call), action, Some(notify_agent), "");
                let agent = self.calls[&call].agent.expect("check_start: a live call has an agent");
                let coach_name = self.name(actor);
                self.outputs.push_back(Output::CoachJoined { call, agent, coach: actor, session, coach_name, notify_agent });
                self.outputs.push_back(Output::Whisper { call, session, on: false });
                self.emit_call(call);
                self.emit_users(now, [Some(actor)]);
            }
            Command::SetWhisper { on } => {
                let call = self.coaching_of(actor).ok_or(CoachingError::NotCoaching)?;
                self.set_whisper(now, call, on, "");
            }
            Command::ReconnectCoaching { call } => {
                // Nothing changes until the audio is placed (`AudioIn`).
                if self.coaching_of(actor) != Some(call) {
                    return Err(CoachingError::NotCoaching);
                }
                self.audit(now, actor, Some(call), AuditAction::Reconnected, None, "");
            }
            Command::AudioIn { window } => {
                let call = self.coaching_of(actor).ok_or(CoachingError::NotCoaching)?;
                let session = self.sessions.get_mut(&call).expect("coaching_of found it");
                if session.audio_window != window {
                    // Another window has no microphone open: it starts
                    // listening — in the same change, so no window ever
                    // sees the whisper off while the audio is still its own.
                    session.audio_window = window;
                    if session.whisper {
                        self.set_whisper(now, call, false, "the audio moved to another window"); // tells of both
                    } else {
                        self.emit_call(call);
                    }
                }
            }
            Command::LeaveCoaching => {
                let call = self.coaching_of(actor).ok_or(CoachingError::NotCoaching)?;
                self.end_session(now, call, Ending::Left);
                self.emit_call(call);
            }
        }
        Ok(())
    }

    /// Turns the call's whisper on or off (`why`, when not the coach's own
    /// doing, goes in the audit log).
    fn set_whisper(&mut self, now: Millis, call: CallId, on: bool, why: &str) {
        let session = self.sessions.get_mut(&call).expect("the caller found the session");
        if session.whisper != on {
            session.whisper = on;
            let (coach, session) = (session.coach, session.id);
            self.outputs.push_back(Output::Whisper { call, session, on });
            let what = if on { "started whispering to the agent" } else { "stopped whispering" };
            self.log(call, now, format!("{} {what}", self.name(coach)), true);
            let action = if on { AuditAction::WhisperOn } else { AuditAction::WhisperOff };
            self.audit(now, coach, Some(call), action, None, why);
            self.emit_call(call);
        }
    }

    /// Ends the call's coaching session, if any, restoring the coach's presence.
    fn end_session(&mut self, now: Millis, call: CallId, ending: Ending) {
        let Some(session) = self.sessions.remove(&call) else { return };
        self.coaching.remove(&session.coach);
        self.outputs.push_back(Output::CoachLeft { call });
        self.presence.insert(session.coach, session.restore);
        let what = match ending {
            Ending::Left | Ending::Away => format!("{} stopped coaching", self.name(session.coach)),
            _ => format!("Coaching ended: {}", ending.why()),
        };
        self.log(call, now, what, true);
        let action = if ending == Ending::Left { AuditAction::Left } else { AuditAction::Ended };
        self.audit(now, session.coach, Some(call), action, None, ending.why());
        self.emit_users(now, [Some(session.coach)]);
    }

    /// Appends to a live call's timeline. Beyond [`Core::MAX_TIMELINE`] entries, one says later ones are left
    /// out (an insider toggling hold cannot grow a call without bound).
    fn log(&mut self, id: CallId, at: Millis, what: impl Into<String>, about_coaching: bool) {
        match self.calls[&id].timeline.len() {
            full if full < Self::MAX_TIMELINE => self.keep_log(id, at, what, about_coaching),
            full if full == Self::MAX_TIMELINE => self.keep_log(id, at, "The timeline is full: later entries are left out", false),
            _ => {}
        }
    }

    /// Appends to a live call's timeline, full or not (its end).
    fn keep_log(&mut self, id: CallId, at: Millis, what: impl Into<String>, about_coaching: bool) {
        let timeline = &mut self.call_mut(id).timeline;
        let position = timeline.len();
        let entry = Logged { entry: TimelineEntry { at, what: what.into() }, about_coaching };
        timeline.push(entry.clone());
        self.record(Record::Logged { call: id, position, entry });
    }

    /// An entry of the coaching audit log; `call`'s agent and number as they are now.
    fn audit(&mut self, at: Millis, coach: UserId, call: Option<CallId>, action: AuditAction, notified_agent: Option<bool>, detail: &str) {
        let live = call.and_then(|id| self.calls.get(&id));
        let agent = live.and_then(|c| c.agent);
        let entry = AuditEntry {
            at,
            action,
            coach,
            coach_name: self.name(coach),
            call,
            agent,
            agent_name: agent.map(|a| self.name(a)),
            number: live.map(|c| c.number),
            notified_agent,
            detail: detail.to_owned(),
            from: None,
        };
        self.record(Record::Audit(entry));
    }

    fn record(&mut self, record: Record) {
        self.outputs.push_back(Output::Record(record));
    }

    // ---- outputs ----

    fn call_mut(&mut self, id: CallId) -> &mut Call {
        // Only called after the call was looked up in the same mutation.
        self.calls.get_mut(&id).expect("live call")
    }

    fn emit(&mut self, change: Change) {
        self.seq += 1;
        self.outputs.push_back(Output::Delta { seq: self.seq, change });
    }

    fn emit_call(&mut self, id: CallId) {
        if let Some(call) = self.calls.get(&id) {
            let call = self.call_view(call);
            self.emit(Change::CallUpdated { call });
        }
    }

    /// The dashboards hear of each active user's row (a deactivated one has
    /// left them); a status that changed is dated `now`.
    fn emit_users(&mut self, now: Millis, users: impl IntoIterator<Item = Option<UserId>>) {
        for user in users.into_iter().flatten() {
            let status = self.status(user);
            if self.status_since.get(&user).is_none_or(|(told, _)| *told != status) {
                self.status_since.insert(user, (status, now));
            }
            if self.directory.user(user).is_some_and(|u| u.active) {
                let user = self.user_view(user);
                self.emit(Change::UserUpdated { user });
            }
        }
    }
}
