//! The company's core on the node that holds its lease: started from the
//! database when the lease is won (at a new epoch, the store's fence raised
//! to it), serving `cmd.<cluster>` and publishing on `delta.<cluster>`;
//! stopped when the lease is lost or a newer owner holds the fence.

use std::sync::Arc;

use futures_util::StreamExt;
use tokio::sync::watch;

use super::presence::{self, Presence};
use super::{fanout, wire, NodeConfig};
use crate::live::{CoreStart, LiveHandle};

/// Why the calls a lost owner had live end in their record.
const OWNER_STOPPED: &str = "the server that held the company's calls stopped during the call";

/// How long a node that could not start the core waits to try again.
const RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// What a node needs to take the company.
pub struct Takeover {
    start: CoreStart,
}

impl Takeover {
    pub(crate) fn new(start: CoreStart) -> Takeover {
        Takeover { start }
    }

    /// Takes the company each time `epochs` says this node holds its lease,
    /// and gives it up when it no longer does; `owner` says which core, if
    /// any, runs here.
    pub async fn run(self, nats: async_nats::Client, config: NodeConfig, mut epochs: watch::Receiver<Option<u64>>, owner: watch::Sender<Option<LiveHandle>>) {
        loop {
            let epoch = match epochs.wait_for(Option::is_some).await {
                Ok(held) => (*held).expect("waited for"),
                Err(_) => return, // the lease's task ended: the node stops
            };
            match self.hold(&nats, &config, epoch, &mut epochs, &owner).await {
                Ok(()) => {}
                Err(e) => {
                    tracing::error!(epoch, "cannot take the company: {e}");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            }
            // Deposed while the lease still reads ours: wait for it to move.
            if *epochs.borrow() == Some(epoch) && epochs.wait_for(|now| *now != Some(epoch)).await.is_err() {
                return;
            }
        }
    }

    /// Runs the core at `epoch` until the lease moves on or the fence does.
    /// Nothing after the core starts can fail: a core left running beside
    /// the next attempt's would write at the same epoch.
    async fn hold(&self, nats: &async_nats::Client, config: &NodeConfig, epoch: u64, epochs: &mut watch::Receiver<Option<u64>>, owner: &watch::Sender<Option<LiveHandle>>) -> Result<(), String> {
        // Asks that come before the core is up wait in the subscription.
        let commands = nats.subscribe(config.commands()).await.map_err(|e| format!("cannot serve {}: {e}", config.commands()))?;
        let beats = nats.subscribe(config.alive()).await.map_err(|e| format!("cannot follow {}: {e}", config.alive()))?;
        let Some((core, deposed)) = self.start.start_fenced(earshot_store::Epoch(epoch), OWNER_STOPPED).await.map_err(|e| e.to_string())? else {
            tracing::warn!(epoch, "a newer owner holds the database's fence: this node waits");
            return Ok(());
        };
        if let Err(e) = self.start.listen_as_saved().await {
            tracing::warn!("the calls' listener keeps the settings it had: {e}"); // the next save tells it
        }
        let presence = Arc::new(Presence::default());
        let watching = tokio::spawn(presence::watch(beats, Arc::clone(&presence), core.clone()));
        let serving = tokio::spawn(serve(nats.clone(), commands, Owned { epoch, core: core.clone(), presence }, self.start.clone()));
        let publishing = tokio::spawn(fanout::publish(nats.clone(), config.deltas(), epoch, core.clone()));
        owner.send_replace(Some(core.clone()));
        tracing::info!(epoch, "this node runs the company's core");
        tokio::select! {
            _ = epochs.wait_for(|now| *now != Some(epoch)) => tracing::info!(epoch, "the lease moved on: the core stops here"),
            () = deposed.deposed() => tracing::warn!(epoch, "a newer owner holds the database's fence: the core stops here"),
        }
        owner.send_replace(None);
        serving.abort();
        watching.abort();
        core.stop().await;
        let _ = publishing.await; // ends with the core's deltas
        Ok(())
    }
}

/// The company's core as this node holds it.
#[derive(Clone)]
struct Owned {
    epoch: u64,
    core: LiveHandle,
    /// The other nodes' connections.
    presence: Arc<Presence>,
}

/// Answers every ask on `cmd.<cluster>` with this node's core, each in a
/// task of its own (a slow change does not hold a read behind it).
async fn serve(nats: async_nats::Client, mut commands: async_nats::Subscriber, owned: Owned, start: CoreStart) {
    while let Some(message) = commands.next().await {
        let Some(reply) = message.reply else { continue }; // a request always has one
        let (nats, owned, start) = (nats.clone(), owned.clone(), start.clone());
        tokio::spawn(async move {
            let answer = match serde_json::from_slice::<wire::Ask>(&message.payload) {
                Ok(ask) => wire::answer(&owned.core, owned.epoch, &owned.presence, ask, |settings| start.phrases(settings)).await,
                Err(e) => {
                    // Nodes of one release speak one wire: a mixed cluster.
                    tracing::error!("an ask on {} does not read: {e}", message.subject);
                    return;
                }
            };
            if let Err(e) = nats.publish(reply, answer.into()).await {
                tracing::warn!("cannot answer an ask: {e}"); // the asker times out and says so
            }
        });
    }
}
