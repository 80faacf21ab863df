//! The owner's deltas: published once per batch on `delta.<cluster>`, and
//! on every node fanned out from one subscription to its own sockets. A
//! batch that does not follow the last one (a new epoch: another owner; a
//! gap: a batch lost while NATS was away) restarts the node's channel:
//! every socket on it closes, and the app reconnects to a fresh snapshot.

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use tokio::sync::broadcast;

use super::wire::Published;
use crate::live::{Batch, LiveHandle};

/// Batches a slow socket may fall behind before it is resynchronised (as
/// on one node).
const CAPACITY: usize = 4096;

/// This node's channel of the owner's deltas.
#[derive(Clone)]
pub struct Fanout {
    state: Arc<Mutex<State>>,
}

struct State {
    sender: broadcast::Sender<Batch>,
    /// The epoch last heard of, and the last delta's seq in it (`None`:
    /// none yet, any may come first).
    last: Option<(u64, Option<u64>)>,
}

impl Default for Fanout {
    fn default() -> Self {
        Fanout { state: Arc::new(Mutex::new(State { sender: broadcast::channel(CAPACITY).0, last: None })) }
    }
}

impl Fanout {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().expect("the fan-out's lock")
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Batch> {
        self.state().sender.subscribe()
    }

    /// Whether a snapshot the owner took at `epoch` goes on with this
    /// channel's deltas: unless a newer owner was heard of. A node that has
    /// heard of none yet follows `epoch` from now on.
    pub fn follows(&self, epoch: u64) -> bool {
        let mut state = self.state();
        match state.last {
            None => {
                state.last = Some((epoch, None));
                true
            }
            Some((heard, _)) => heard <= epoch,
        }
    }

    /// Takes a batch of `epoch` in; restarts the channel when it does not
    /// follow what came before.
    fn arrived(&self, epoch: u64, batch: Vec<crate::live::Delta>) {
        let mut state = self.state();
        let follows = match state.last {
            None => true,
            Some((was, _)) if was != epoch => false,
            Some((_, last)) => match (last, batch.first()) {
                (Some(last), Some(first)) => first.seq == last + 1,
                _ => true,
            },
        };
        if !follows {
            tracing::info!(epoch, "the owner's deltas start over (a new owner, or a gap): every dashboard here resubscribes");
            state.sender = broadcast::channel(CAPACITY).0;
        }
        let end = batch.last().map(|delta| delta.seq);
        state.last = Some((epoch, end.or(state.last.filter(|_| follows).and_then(|(_, seq)| seq))));
        if !batch.is_empty() {
            let _ = state.sender.send(batch.into()); // no sockets is fine
        }
    }

    /// Fans out what `deltas` (the subscription to `delta.<cluster>`) brings.
    pub async fn follow(self, mut deltas: async_nats::Subscriber) {
        while let Some(message) = deltas.next().await {
            match serde_json::from_slice::<Published>(&message.payload) {
                Ok(published) => self.arrived(published.epoch, published.into_batch()),
                Err(e) => tracing::error!("a batch of deltas on {} does not read: {e}", message.subject),
            }
        }
    }
}

/// On the owner: publishes every batch its core makes, until it stops.
pub async fn publish(nats: async_nats::Client, subject: String, epoch: u64, core: LiveHandle) {
    let Ok(mut batches) = core.watch().await else { return };
    // An empty batch first: every node learns of the new epoch at once,
    // and its dashboards resubscribe to this core.
    if let Err(e) = nats.publish(subject.clone(), Published::encode(epoch, &[]).into()).await {
        tracing::warn!("cannot announce the new epoch: {e}");
    }
    loop {
        match batches.recv().await {
            Ok(batch) => {
                if let Err(e) = nats.publish(subject.clone(), Published::encode(epoch, &batch).into()).await {
                    tracing::warn!("cannot publish deltas: {e}"); // the nodes find the gap and resubscribe
                }
            }
            // The nodes find the gap and resubscribe.
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
