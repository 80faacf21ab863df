//! The live state: one task owns the domain core (and the simulator); the
//! rest of the server talks to it through a [`LiveHandle`].

mod start;
mod task;

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::ws::Utf8Bytes;
use earshot_domain::{AdminError, CallEvent, CoachingError, Command, Directory, EventError, NewCall, User};
use earshot_phrases::Listening;
use earshot_protocol::{
    AdminAction, AttentionSettings, CallDetail, CallId, CallView, Change, CompanyNumber, Contact, ContactForm, ContactId, ContactImport, NumberForm, NumberId, PersonForm, Snapshot, UserId, UserView,
};
use earshot_sfu::LegRole;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::media::JoinRefused;

pub use start::CoreStart;
pub use task::spawn;

/// One change, as the core made it and as the wire carries it.
pub struct Delta {
    pub seq: u64,
    pub change: Change,
    /// The serialised [`earshot_protocol::ServerMsg::Delta`], made once.
    pub json: Utf8Bytes,
}

/// Changes published together, in order: every one the core made since the
/// last publication. Under load the core publishes at most once a
/// [`PUBLISH_EVERY`], so each socket wakes and writes once per batch, not
/// once per change.
pub type Batch = Arc<[Delta]>;

pub use task::PUBLISH_EVERY;

/// A subscription: the state now, then every change after it.
pub struct Subscription {
    pub snapshot: Snapshot,
    pub deltas: broadcast::Receiver<Batch>,
}

/// Why the core did not answer a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Unavailable {
    /// The core task stopped: the server is shutting down.
    Stopping,
    /// The database is not answering: a change was refused before it was
    /// made, rather than queued in memory.
    StoreAway,
    /// The database refused what the change recorded (a bug, in the log):
    /// the change is not kept, and nobody is told it is.
    NotKept,
    /// On several nodes: no node answers for the company's core (its owner
    /// died, and another has not taken it yet).
    NoOwner,
    /// On several nodes: the owner took the request but did not answer in
    /// time (stalled, or gone since): it may still take effect.
    Late,
}

impl std::fmt::Display for Unavailable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unavailable::Stopping => "the server is shutting down",
            Unavailable::StoreAway => "the server cannot save changes right now (its database is not answering): nothing was changed, try again shortly",
            Unavailable::NotKept => "the server could not save this change: it is not kept (the cause is in the server's log)",
            Unavailable::NoOwner => "the company's live state is moving to another server: nothing was changed, try again in a few seconds",
            Unavailable::Late => "the server holding the company's live state did not answer in time: this may still take effect, so check before you try again",
        })
    }
}

/// The answer to a request that changes what is recorded.
type Kept<T> = oneshot::Sender<Result<T, Unavailable>>;

/// Who asks for a change, and the address they ask from: the audit logs
/// note it on the entries of their own acts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Actor {
    pub user: UserId,
    pub from: IpAddr,
}

/// A change to the company's numbers (see the core's administration).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum NumberChange {
    /// `actor` adds (`id: None`) or edits a number and its distribution.
    Save { actor: Actor, id: Option<NumberId>, form: NumberForm },
    Remove { actor: Actor, id: NumberId },
}

/// A change to the company's address book (see the core's administration).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum ContactChange {
    /// `actor` adds (`id: None`) or edits a contact.
    Save { actor: Actor, id: Option<ContactId>, form: ContactForm },
    Remove { actor: Actor, id: ContactId },
    Import { actor: Actor, import: ContactImport },
}

/// What a [`ContactChange`] did.
#[derive(serde::Serialize, serde::Deserialize)]
pub enum ContactDone {
    Saved(Contact),
    Removed,
    /// How many were added, and how many lines left out.
    Imported { added: usize, skipped: usize },
}

/// A change to the company's people (see the core's administration).
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub enum AdminChange {
    /// `actor` adds (`id: None`) or edits a person.
    SavePerson { actor: Actor, id: Option<UserId>, form: PersonForm },
    /// `actor` deactivates a person or brings them back.
    SetActive { actor: Actor, id: UserId, active: bool },
    /// The setup link, opened from `from`, creates the company's first admin.
    FirstAdmin { form: PersonForm, from: IpAddr },
}

/// What the core task is asked, each with where its answer goes.
pub(crate) enum Request {
    Subscribe { user: UserId, reply: oneshot::Sender<Result<Subscription, CoachingError>> },
    /// Every change, for agents and callers following their own call.
    Watch { reply: oneshot::Sender<broadcast::Receiver<Batch>> },
    MyCall { agent: UserId, reply: oneshot::Sender<Option<CallView>> },
    Call { call: CallId, reply: oneshot::Sender<Option<CallView>> },
    UserRow { user: UserId, reply: oneshot::Sender<Option<UserView>> },
    SetPresence { user: UserId, available: bool, reason: String, reply: oneshot::Sender<Result<(), EventError>> },
    AvailableAgents { reply: oneshot::Sender<Vec<UserView>> },
    Command { actor: Actor, command: Command, reply: Kept<Result<(), CoachingError>> },
    Refused { actor: Actor, command: Command, why: String, reply: Kept<()> },
    CallDetail { user: UserId, call: CallId, reply: oneshot::Sender<Result<Option<CallDetail>, CoachingError>> },
    Contact { user: UserId, contact: ContactId, reply: oneshot::Sender<Result<Vec<CallView>, CoachingError>> },
    StartCall { call: NewCall, reply: Kept<CallId> },
    Dial { call: NewCall, reply: Kept<Result<CallId, EventError>> },
    Event { event: CallEvent, reply: Kept<Result<(), EventError>> },
    Connected { user: UserId },
    Disconnected { user: UserId },
    Settings { settings: AttentionSettings, phrases: Option<Arc<Listening>>, reply: oneshot::Sender<()> },
    Directory { reply: oneshot::Sender<Arc<Directory>> },
    Admin { change: AdminChange, reply: Kept<Result<User, AdminError>> },
    Number { change: NumberChange, reply: Kept<Result<Option<CompanyNumber>, AdminError>> },
    ContactChange { change: ContactChange, reply: Kept<Result<ContactDone, AdminError>> },
    NotePassword { actor: Actor, person: UserId, action: AdminAction, reply: Kept<Result<(), AdminError>> },
    NoteSetting { actor: Actor, action: AdminAction, subject: String, before: String, after: String, reply: Kept<Result<(), AdminError>> },
    /// A browser's audio joins a call's room, on the media of the node
    /// whose core placed it there.
    JoinAudio { call: CallId, role: LegRole, holder: u64, offer: String, reply: oneshot::Sender<Result<String, JoinRefused>> },
    /// The core stops (its node lost the company), its calls' audio with it.
    Stop { reply: oneshot::Sender<()> },
}

/// Talks to the core task. Cheap to clone.
#[derive(Clone)]
pub struct LiveHandle {
    route: Route,
}

#[derive(Clone)]
enum Route {
    /// The core task of this process.
    Core(mpsc::Sender<Request>),
    /// On several nodes: this node's core while it owns the company, else
    /// the owner's, over NATS.
    Node(Arc<crate::node::Routes>),
}

impl LiveHandle {
    /// A handle to the company's core wherever it runs.
    pub(crate) fn node(routes: Arc<crate::node::Routes>) -> LiveHandle {
        LiveHandle { route: Route::Node(routes) }
    }

    pub(crate) async fn send(&self, request: Request) -> Result<(), Unavailable> {
        match &self.route {
            Route::Core(tx) => tx.send(request).await.map_err(|_| Unavailable::Stopping),
            Route::Node(routes) => routes.send(request).await,
        }
    }

    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Request) -> Result<T, Unavailable> {
        let (reply, answer) = oneshot::channel();
        self.send(make(reply)).await?;
        answer.await.map_err(|_| Unavailable::Stopping)
    }

    /// The core's answer to a request, as it made it: for the wire.
    pub(crate) async fn asked<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Request) -> Result<T, Unavailable> {
        self.ask(make).await
    }

    /// Puts `holder` in `call`'s media room as `role`: the SFU's answer to
    /// `offer`, or why not.
    pub async fn join_audio(&self, call: CallId, role: LegRole, holder: u64, offer: String) -> Result<Result<String, JoinRefused>, Unavailable> {
        self.ask(|reply| Request::JoinAudio { call, role, holder, offer, reply }).await
    }

    /// Stops the core and its calls' audio; their records stay live.
    pub(crate) async fn stop(&self) {
        let _ = self.ask(|reply| Request::Stop { reply }).await; // stopped already is fine
    }

    /// Asks for a change: answered once it is kept, or why not.
    async fn change<T>(&self, make: impl FnOnce(Kept<T>) -> Request) -> Result<T, Unavailable> {
        self.ask(make).await?
    }

    pub async fn subscribe(&self, user: UserId) -> Result<Result<Subscription, CoachingError>, Unavailable> {
        self.ask(|reply| Request::Subscribe { user, reply }).await
    }

    /// Every change from now on, unfiltered: for shells that pick out one
    /// call (agents, callers).
    pub async fn watch(&self) -> Result<broadcast::Receiver<Batch>, Unavailable> {
        self.ask(|reply| Request::Watch { reply }).await
    }

    /// The live call `agent` is on, if any.
    pub async fn my_call(&self, agent: UserId) -> Result<Option<CallView>, Unavailable> {
        self.ask(|reply| Request::MyCall { agent, reply }).await
    }

    /// A live call as the dashboards show it, if it is live.
    pub async fn call(&self, call: CallId) -> Result<Option<CallView>, Unavailable> {
        self.ask(|reply| Request::Call { call, reply }).await
    }

    /// `user`'s row as the dashboards show it (their status, since when).
    pub async fn user_row(&self, user: UserId) -> Result<Option<UserView>, Unavailable> {
        self.ask(|reply| Request::UserRow { user, reply }).await
    }

    /// An agent goes available, or not ready and why. Live only: a
    /// restart finds everyone offline, so nothing is recorded.
    pub async fn set_presence(&self, user: UserId, available: bool, reason: String) -> Result<Result<(), EventError>, Unavailable> {
        self.ask(|reply| Request::SetPresence { user, available, reason, reply }).await
    }

    /// Agents free to take a transfer now.
    pub async fn available_agents(&self) -> Result<Vec<UserView>, Unavailable> {
        self.ask(|reply| Request::AvailableAgents { reply }).await
    }

    /// Runs a user's command; answers once what it changed is kept.
    pub async fn command(&self, actor: Actor, command: Command) -> Result<Result<(), CoachingError>, Unavailable> {
        self.change(|reply| Request::Command { actor, command, reply }).await
    }

    /// The shell refused a user's command before the core saw it: the
    /// audit log hears of it still; answers once it is kept.
    pub async fn refused(&self, actor: Actor, command: Command, why: String) {
        let _ = self.change(|reply| Request::Refused { actor, command, why, reply }).await; // stopped: nothing to log into
    }

    pub async fn call_detail(&self, user: UserId, call: CallId) -> Result<Result<Option<CallDetail>, CoachingError>, Unavailable> {
        self.ask(|reply| Request::CallDetail { user, call, reply }).await
    }

    /// A contact's live calls, for a monitor.
    pub async fn contact_calls(&self, user: UserId, contact: ContactId) -> Result<Result<Vec<CallView>, CoachingError>, Unavailable> {
        self.ask(|reply| Request::Contact { user, contact, reply }).await
    }

    /// Telephony: a call arrives (scripts, tests and the caller view).
    pub async fn start_call(&self, call: NewCall) -> Result<CallId, Unavailable> {
        self.change(|reply| Request::StartCall { call, reply }).await
    }

    /// A caller dials in (validated, unlike `start_call`).
    pub async fn dial(&self, call: NewCall) -> Result<Result<CallId, EventError>, Unavailable> {
        self.change(|reply| Request::Dial { call, reply }).await
    }

    /// From a thread outside the runtime (the calls' listener): an event
    /// nobody waits on. Blocks while the core's queue is full.
    pub fn tell(&self, event: CallEvent) {
        let (reply, _) = oneshot::channel();
        let request = Request::Event { event, reply };
        match &self.route {
            Route::Core(tx) => {
                let _ = tx.blocking_send(request); // a stopped core hears nothing
            }
            Route::Node(routes) => routes.tell(request),
        }
    }

    /// Telephony: something happens on a call; answers once it is kept.
    pub async fn call_event(&self, event: CallEvent) -> Result<Result<(), EventError>, Unavailable> {
        self.change(|reply| Request::Event { event, reply }).await
    }

    /// A live connection of `user` opened or closed; a coach whose last
    /// connection closed leaves the call after the grace period.
    pub async fn connected(&self, user: UserId) {
        let _ = self.send(Request::Connected { user }).await; // stopped: nothing to track
    }

    /// The company's new attention settings, for every call from now on
    /// (a hold already long stays so); answers once they apply.
    pub async fn settings(&self, settings: AttentionSettings, phrases: Option<Arc<Listening>>) -> Result<(), Unavailable> {
        self.ask(|reply| Request::Settings { settings, phrases, reply }).await
    }

    /// The company's directory as it is now (kept unchanged for the reader).
    pub async fn directory(&self) -> Result<Arc<Directory>, Unavailable> {
        self.ask(|reply| Request::Directory { reply }).await
    }

    /// Changes a person; answers, with them as saved, once it is kept.
    pub async fn admin(&self, change: AdminChange) -> Result<Result<User, AdminError>, Unavailable> {
        self.change(|reply| Request::Admin { change, reply }).await
    }

    /// Changes a number; answers, with it as saved (none once removed),
    /// once it is kept.
    pub async fn number(&self, change: NumberChange) -> Result<Result<Option<CompanyNumber>, AdminError>, Unavailable> {
        self.change(|reply| Request::Number { change, reply }).await
    }

    /// Changes the address book; answers once it is kept.
    pub async fn contacts(&self, change: ContactChange) -> Result<Result<ContactDone, AdminError>, Unavailable> {
        self.change(|reply| Request::ContactChange { change, reply }).await
    }

    /// Notes in the company's log that `actor` issued `person` a password
    /// link, or that `person` set their password; answers once kept.
    pub async fn note_password(&self, actor: Actor, person: UserId, action: AdminAction) -> Result<Result<(), AdminError>, Unavailable> {
        self.change(|reply| Request::NotePassword { actor, person, action, reply }).await
    }

    /// Notes in the company's log that admin `actor` changed a setting kept
    /// outside the core, from `before` to `after`; answers once kept.
    pub async fn note_setting(&self, actor: Actor, action: AdminAction, subject: &'static str, before: String, after: String) -> Result<Result<(), AdminError>, Unavailable> {
        self.change(|reply| Request::NoteSetting { actor, action, subject: subject.to_owned(), before, after, reply }).await
    }

    pub async fn disconnected(&self, user: UserId) {
        let _ = self.send(Request::Disconnected { user }).await; // stopped: nothing to track
    }
}
