//! Several nodes of one company, in this process: a database of the
//! test's own on the PostgreSQL server `EARSHOT_TEST_POSTGRES` names, and a
//! private `nats-server -js` (`EARSHOT_NATS_SERVER`); `cargo xtask test`
//! provides both.

use std::time::Duration;

use earshot_cluster::private::PrivateNats;
use earshot_protocol::UserId;
use earshot_server::node::NodeConfig;
use earshot_server::Database;

use crate::{spawn_app, wait_until, TestApp};

/// The nodes, in the order they started: the first owns the company.
pub struct Nodes {
    pub nodes: Vec<TestApp>,
    _nats: PrivateNats,
}

/// The demo company, without its simulator, on a node for each of `names`.
pub async fn spawn_nodes(test: &str, names: &[&str]) -> Nodes {
    let server = std::env::var("EARSHOT_TEST_POSTGRES").expect("EARSHOT_TEST_POSTGRES is not set: run these tests with `cargo xtask test`");
    let name = format!("earshot_e2e_{test}_{}", std::process::id());
    let url = earshot_store::Store::create_database(&server, &name).await.expect("the test PostgreSQL server");
    let nats = PrivateNats::start().expect("a private nats-server (cargo xtask test installs it)");
    let mut nodes = Vec::new();
    for name in names {
        let node = NodeConfig { nats: nats.url(), name: (*name).to_owned(), cluster: "earshot".to_owned() };
        let app = spawn_app(|config| (config.database, config.node) = (Database::Url(url.clone()), Some(node))).await;
        if nodes.is_empty() {
            // The first seeds the company and takes its lease.
            wait_until(Duration::from_secs(15), "the first node to own the company", || async { app.live.subscribe(UserId(2)).await.ok().map(drop) }).await;
        }
        nodes.push(app);
    }
    Nodes { nodes, _nats: nats }
}
