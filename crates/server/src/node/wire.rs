//! What crosses between nodes: a request to the company's core, asked on
//! `cmd.<cluster>` and answered by the node that owns it, and the core's
//! deltas, published on `delta.<cluster>`. Each [`Ask`] is a core
//! [`Request`] without its reply: the asking node keeps the reply, the
//! owner rebuilds the request around a reply of its own and sends back
//! what the core put in it, as JSON.

use std::sync::Arc;
use std::time::Instant;

use earshot_domain::{CallEvent, Command, NewCall};
use earshot_protocol::{AdminAction, AttentionSettings, CallId, ContactId, ServerMsg, UserId};
use earshot_sfu::LegRole;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::presence::Presence;
use crate::live::{Actor, AdminChange, ContactChange, Delta, LiveHandle, NumberChange, Request, Subscription, Unavailable};

/// A request to the core, as it crosses to the owner.
#[derive(Debug, Serialize, Deserialize)]
pub enum Ask {
    /// A subscriber's snapshot (the deltas after it come on `delta.…`).
    Snapshot { user: UserId },
    MyCall { agent: UserId },
    Call { call: CallId },
    UserRow { user: UserId },
    SetPresence { user: UserId, available: bool, reason: String },
    AvailableAgents,
    Command { actor: Actor, command: Command },
    Refused { actor: Actor, command: Command, why: String },
    CallDetail { user: UserId, call: CallId },
    Contact { user: UserId, contact: ContactId },
    StartCall { call: NewCall },
    Dial { call: NewCall },
    Event { event: CallEvent },
    /// A connection through `node` (its instance: [`Owner::instance`]).
    Connected { user: UserId, node: String },
    Disconnected { user: UserId, node: String },
    /// The owner builds the phrase spotter from them with its own model.
    Settings { settings: AttentionSettings },
    Directory,
    Admin { change: AdminChange },
    Number { change: NumberChange },
    ContactChange { change: ContactChange },
    NotePassword { actor: Actor, person: UserId, action: AdminAction },
    NoteSetting { actor: Actor, action: AdminAction, subject: String, before: String, after: String },
    /// A browser's audio, to the owner's media (its rooms are there).
    JoinAudio {
        call: CallId,
        #[serde(with = "Role")]
        role: LegRole,
        holder: u64,
        offer: String,
    },
}

/// The SFU's [`LegRole`], as it crosses.
#[derive(Serialize, Deserialize)]
#[serde(remote = "LegRole")]
enum Role {
    Customer,
    Agent,
    Coach,
}

/// How a node asks the owner: `ask` goes out, the answer's JSON comes
/// back, or why none did.
pub trait Owner {
    async fn ask(&self, ask: &Ask) -> Result<Vec<u8>, Unavailable>;
    /// Every delta from the owner, as this node fans them out.
    fn deltas(&self) -> tokio::sync::broadcast::Receiver<crate::live::Batch>;
    /// Whether a snapshot taken at `epoch` goes on with those deltas.
    fn follows(&self, epoch: u64) -> bool;
    /// This node's process, as the owner counts its connections.
    fn instance(&self) -> &str;
}

/// Sends `request` to the owner and its answer to the request's reply.
pub async fn forward(owner: &impl Owner, request: Request) -> Result<(), Unavailable> {
    match request {
        Request::Subscribe { user, reply } => {
            // Subscribed before the snapshot is taken: no delta after it is missed.
            let deltas = owner.deltas();
            let (epoch, snapshot) = asked::<(u64, Result<_, _>)>(owner, Ask::Snapshot { user }).await?;
            if !owner.follows(epoch) {
                return Err(Unavailable::NoOwner); // taken by an owner since deposed
            }
            let _ = reply.send(snapshot.map(|snapshot| Subscription { snapshot, deltas }));
            Ok(())
        }
        Request::Watch { reply } => {
            let _ = reply.send(owner.deltas());
            Ok(())
        }
        Request::MyCall { agent, reply } => remote(owner, Ask::MyCall { agent }, reply).await,
        Request::Call { call, reply } => remote(owner, Ask::Call { call }, reply).await,
        Request::UserRow { user, reply } => remote(owner, Ask::UserRow { user }, reply).await,
        Request::SetPresence { user, available, reason, reply } => remote(owner, Ask::SetPresence { user, available, reason }, reply).await,
        Request::AvailableAgents { reply } => remote(owner, Ask::AvailableAgents, reply).await,
        Request::Command { actor, command, reply } => remote(owner, Ask::Command { actor, command }, reply).await,
        Request::Refused { actor, command, why, reply } => remote(owner, Ask::Refused { actor, command, why }, reply).await,
        Request::CallDetail { user, call, reply } => remote(owner, Ask::CallDetail { user, call }, reply).await,
        Request::Contact { user, contact, reply } => remote(owner, Ask::Contact { user, contact }, reply).await,
        Request::StartCall { call, reply } => remote(owner, Ask::StartCall { call }, reply).await,
        Request::Dial { call, reply } => remote(owner, Ask::Dial { call }, reply).await,
        Request::Event { event, reply } => remote(owner, Ask::Event { event }, reply).await,
        Request::Connected { user } => asked(owner, Ask::Connected { user, node: owner.instance().to_owned() }).await,
        Request::Disconnected { user } => asked(owner, Ask::Disconnected { user, node: owner.instance().to_owned() }).await,
        Request::Settings { settings, phrases: _, reply } => remote(owner, Ask::Settings { settings }, reply).await,
        Request::Directory { reply } => remote(owner, Ask::Directory, reply).await,
        Request::Admin { change, reply } => remote(owner, Ask::Admin { change }, reply).await,
        Request::Number { change, reply } => remote(owner, Ask::Number { change }, reply).await,
        Request::ContactChange { change, reply } => remote(owner, Ask::ContactChange { change }, reply).await,
        Request::NotePassword { actor, person, action, reply } => remote(owner, Ask::NotePassword { actor, person, action }, reply).await,
        Request::NoteSetting { actor, action, subject, before, after, reply } => {
            remote(owner, Ask::NoteSetting { actor, action, subject, before, after }, reply).await
        }
        Request::JoinAudio { call, role, holder, offer, reply } => remote(owner, Ask::JoinAudio { call, role, holder, offer }, reply).await,
        Request::Stop { reply } => {
            let _ = reply.send(()); // not this node's core
            Ok(())
        }
    }
}

async fn remote<T: DeserializeOwned>(owner: &impl Owner, ask: Ask, reply: oneshot::Sender<T>) -> Result<(), Unavailable> {
    let _ = reply.send(asked(owner, ask).await?); // the asker may have gone
    Ok(())
}

/// The owner's answer to `ask`, as the core gave it.
async fn asked<T: DeserializeOwned>(owner: &impl Owner, ask: Ask) -> Result<T, Unavailable> {
    let answer = owner.ask(&ask).await?;
    serde_json::from_slice::<Result<T, Unavailable>>(&answer).unwrap_or_else(|e| {
        // Nodes of one release speak one wire; this is a mixed cluster.
        tracing::error!("the owner's answer to {ask:?} does not read: {e}");
        Err(Unavailable::NoOwner)
    })
}

/// The owner's side: `ask` put to this node's core, owned at `epoch`, its
/// answer as JSON; `presence` counts the other nodes' connections.
/// `phrases` builds the spotter for new settings with this node's model.
pub async fn answer(
    core: &LiveHandle,
    epoch: u64,
    presence: &Presence,
    ask: Ask,
    phrases: impl FnOnce(&AttentionSettings) -> Option<Arc<earshot_phrases::Listening>>,
) -> Vec<u8> {
    match ask {
        Ask::Snapshot { user } => json(core.subscribe(user).await.map(|subscribed| (epoch, subscribed.map(|s| s.snapshot)))),
        Ask::MyCall { agent } => json(core.my_call(agent).await),
        Ask::Call { call } => json(core.call(call).await),
        Ask::UserRow { user } => json(core.user_row(user).await),
        Ask::SetPresence { user, available, reason } => json(core.set_presence(user, available, reason).await),
        Ask::AvailableAgents => json(core.available_agents().await),
        Ask::Command { actor, command } => json(core.asked(|reply| Request::Command { actor, command, reply }).await),
        Ask::Refused { actor, command, why } => json(core.asked(|reply| Request::Refused { actor, command, why, reply }).await),
        Ask::CallDetail { user, call } => json(core.call_detail(user, call).await),
        Ask::Contact { user, contact } => json(core.contact_calls(user, contact).await),
        Ask::StartCall { call } => json(core.asked(|reply| Request::StartCall { call, reply }).await),
        Ask::Dial { call } => json(core.asked(|reply| Request::Dial { call, reply }).await),
        Ask::Event { event } => json(core.asked(|reply| Request::Event { event, reply }).await),
        Ask::Connected { user, node } => {
            presence.connected(&node, user, Instant::now());
            json(Ok::<_, Unavailable>(core.connected(user).await))
        }
        Ask::Disconnected { user, node } => {
            presence.disconnected(&node, user, Instant::now());
            json(Ok::<_, Unavailable>(core.disconnected(user).await))
        }
        Ask::Settings { settings } => {
            let listening = phrases(&settings);
            json(core.settings(settings, listening).await)
        }
        Ask::Directory => json(core.directory().await),
        Ask::Admin { change } => json(core.asked(|reply| Request::Admin { change, reply }).await),
        Ask::Number { change } => json(core.asked(|reply| Request::Number { change, reply }).await),
        Ask::ContactChange { change } => json(core.asked(|reply| Request::ContactChange { change, reply }).await),
        Ask::NotePassword { actor, person, action } => json(core.asked(|reply| Request::NotePassword { actor, person, action, reply }).await),
        Ask::NoteSetting { actor, action, subject, before, after } => {
            json(core.asked(|reply| Request::NoteSetting { actor, action, subject, before, after, reply }).await)
        }
        Ask::JoinAudio { call, role, holder, offer } => json(core.join_audio(call, role, holder, offer).await),
    }
}

fn json<T: Serialize>(answer: Result<T, Unavailable>) -> Vec<u8> {
    serde_json::to_vec(&answer).expect("the core's answers serialise")
}

/// A batch of the core's deltas as `delta.<cluster>` carries it: the
/// owner's epoch, and each delta as the sockets get it.
#[derive(Serialize, Deserialize)]
pub struct Published {
    pub epoch: u64,
    pub deltas: Vec<ServerMsg>,
}

impl Published {
    /// The batch's JSON, made of each delta's JSON as the core serialised it.
    pub fn encode(epoch: u64, batch: &[Delta]) -> Vec<u8> {
        let mut out = format!("{{\"epoch\":{epoch},\"deltas\":[").into_bytes();
        for (i, delta) in batch.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(delta.json.as_bytes());
        }
        out.extend_from_slice(b"]}");
        out
    }

    /// Its deltas as this node's sockets take them.
    pub fn into_batch(self) -> Vec<Delta> {
        self.deltas
            .into_iter()
            .filter_map(|message| {
                let json = serde_json::to_string(&message).expect("protocol types serialise");
                match message {
                    ServerMsg::Delta { seq, change } => Some(Delta { seq, change, json: json.into() }),
                    _ => None, // only deltas are published
                }
            })
            .collect()
    }
}
