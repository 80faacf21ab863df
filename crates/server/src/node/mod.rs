//! Several nodes (`--nats`): every node serves every connection; one node
//! at a time, the one holding the company's lease, runs its core. The rest
//! of the server talks to a [`LiveHandle`] as ever; on a node it routes
//! each request to this node's core while it owns the company, else to the
//! owner over NATS (`cmd.<cluster>`), and the owner's deltas reach this
//! node's sockets from `delta.<cluster>`.
//!
//! - [`wire`]: what crosses between nodes;
//! - [`fanout`]: the owner's deltas published, and fanned out on every node;
//! - [`owner`]: the company taken when the lease is won, given up when lost;
//! - [`accounts`]: who may sign in, the same on every node;
//! - [`presence`]: a node that falls silent takes its connections with it.

mod accounts;
mod fanout;
mod owner;
mod presence;
mod wire;

use std::sync::Arc;
use std::time::Duration;

use earshot_cluster::lease::Timing;
use tokio::sync::watch;

use crate::live::{Batch, LiveHandle, Request, Unavailable};
pub use fanout::Fanout;
pub use owner::Takeover;

/// How long a node waits for the owner's answer: past it, the owner is
/// stalled or gone, and the asker is told to try again.
const ASK_WITHIN: Duration = Duration::from_secs(5);

/// A node of several, as its flags say.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The NATS server (`nats://127.0.0.1:4222`), with JetStream on.
    pub nats: String,
    /// This node's name, in the lease and the logs.
    pub name: String,
    /// The installation the nodes form: its lease's key and subjects.
    pub cluster: String,
}

impl NodeConfig {
    fn commands(&self) -> String {
        format!("cmd.{}", self.cluster)
    }

    fn deltas(&self) -> String {
        format!("delta.{}", self.cluster)
    }

    fn accounts(&self) -> String {
        format!("accounts.{}", self.cluster)
    }

    fn alive(&self) -> String {
        format!("alive.{}", self.cluster)
    }
}

/// This node, joined: its handle on the company's core, and its link to
/// the others.
pub struct Joined {
    pub live: LiveHandle,
    nats: async_nats::Client,
    config: NodeConfig,
}

impl Joined {
    /// Keeps `auth`'s accounts the same as the other nodes'.
    pub async fn share_accounts(&self, auth: Arc<crate::auth::Auth>) -> Result<(), NodeError> {
        accounts::share(self.nats.clone(), self.config.accounts(), self.config.name.clone(), auth).await
    }
}

/// Where this node sends what is asked of the company's core.
pub struct Routes {
    nats: async_nats::Client,
    /// This process, as the owner counts its connections: the node's name
    /// and the process (a node started again is another).
    instance: String,
    commands: String,
    /// This node's core, while it owns the company.
    owner: watch::Receiver<Option<LiveHandle>>,
    fanout: Fanout,
    runtime: tokio::runtime::Handle,
}

impl Routes {
    pub(crate) async fn send(&self, request: Request) -> Result<(), Unavailable> {
        let here = self.owner.borrow().clone();
        match here {
            // Boxed: a handle's send may come back here (in type, not in fact).
            Some(core) => Box::pin(core.send(request)).await,
            None => wire::forward(self, request).await,
        }
    }

    /// From a thread outside the runtime: sent, not waited on.
    pub(crate) fn tell(self: &Arc<Self>, request: Request) {
        let routes = Arc::clone(self);
        self.runtime.spawn(async move {
            let _ = routes.send(request).await; // nobody waits on it
        });
    }
}

impl wire::Owner for Routes {
    async fn ask(&self, ask: &wire::Ask) -> Result<Vec<u8>, Unavailable> {
        let payload = serde_json::to_vec(ask).expect("asks serialise");
        match self.nats.request(self.commands.clone(), payload.into()).await {
            Ok(answer) => Ok(answer.payload.to_vec()),
            Err(e) => {
                tracing::debug!("no answer from the company's owner: {e}");
                // Only a timed-out ask may have reached an owner.
                Err(if e.kind() == async_nats::client::RequestErrorKind::TimedOut { Unavailable::Late } else { Unavailable::NoOwner })
            }
        }
    }

    fn deltas(&self) -> tokio::sync::broadcast::Receiver<Batch> {
        self.fanout.subscribe()
    }

    fn follows(&self, epoch: u64) -> bool {
        self.fanout.follows(epoch)
    }

    fn instance(&self) -> &str {
        &self.instance
    }
}

/// Why a node cannot start.
pub type NodeError = String;

/// What several nodes need of the rest of `config`.
pub fn check(config: &crate::Config) -> Result<(), NodeError> {
    match &config.database {
        crate::Database::Url(url) if url.starts_with("postgres") => {}
        _ => return Err("several nodes share one PostgreSQL database: give --database postgres://…".to_owned()),
    }
    if config.sip.is_some() {
        return Err("the phone line runs on a single server for now: start the nodes without --sip".to_owned());
    }
    Ok(())
}

/// Joins the cluster: holds the company's lease, takes the company while it
/// holds it (through `takeover`), follows the owner's deltas. Its handle
/// routes to wherever the core runs.
pub async fn join(config: &NodeConfig, takeover: Takeover) -> Result<Joined, NodeError> {
    let nats = async_nats::ConnectOptions::new()
        .name(&config.name)
        .request_timeout(Some(ASK_WITHIN))
        .retry_on_initial_connect()
        .connect(&config.nats)
        .await
        .map_err(|e| format!("cannot reach NATS at {}: {e}", config.nats))?;
    let timing = Timing::default();
    let jetstream = async_nats::jetstream::new(nats.clone());
    let leases = earshot_cluster::nats::leases(&jetstream, timing).await.map_err(|e| format!("NATS JetStream's lease bucket: {e}"))?;
    let (epoch, epochs) = watch::channel(None);
    crate::supervise::task("company's lease", earshot_cluster::nats::hold(leases, config.cluster.clone(), config.name.clone(), timing, epoch));
    let (owner, owned) = watch::channel(None);
    let fanout = Fanout::default();
    let deltas = nats.subscribe(config.deltas()).await.map_err(|e| format!("cannot follow {}: {e}", config.deltas()))?;
    crate::supervise::task("owner's deltas", fanout.clone().follow(deltas));
    crate::supervise::task("company's core", takeover.run(nats.clone(), config.clone(), epochs, owner));
    let instance = format!("{}#{}@{}", config.name, std::process::id(), crate::now().0);
    crate::supervise::task("alive to the owner", presence::beat(nats.clone(), config.alive(), instance.clone()));
    let routes = Routes { nats: nats.clone(), instance, commands: config.commands(), owner: owned, fanout, runtime: tokio::runtime::Handle::current() };
    Ok(Joined { live: LiveHandle::node(Arc::new(routes)), nats, config: config.clone() })
}
