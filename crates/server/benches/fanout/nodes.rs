//! Several nodes in this process, each on a runtime of its own whose
//! threads are named for it (`node-0`, `node-1` …, so their CPU is counted
//! apart), on one private nats-server and a database of their own on the
//! PostgreSQL server `EARSHOT_BENCH_POSTGRES` names. Node 0 starts first and
//! owns the company: the feed changes calls through its core.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use earshot_cluster::private::PrivateNats;
use earshot_domain::seed::centre_directory;
use earshot_protocol::UserId;
use earshot_server::node::NodeConfig;
use earshot_server::{load, Application, Config, Database};

use crate::centre::Centre;

pub struct Nodes {
    /// The owner's, with its calls put through.
    pub centre: Centre,
    /// Where each node serves, node 0 first.
    pub addrs: Vec<SocketAddr>,
    /// The other nodes stop when these are dropped.
    _stops: Vec<tokio::sync::oneshot::Sender<()>>,
    _runtimes: Vec<tokio::runtime::Runtime>,
    _nats: PrivateNats,
}

/// The threads of node `i`'s runtime.
pub fn threads(i: usize) -> String {
    format!("node-{i}")
}

/// `count` nodes of a centre of `calls` live calls.
pub fn start(count: usize, calls: usize) -> Nodes {
    let server = std::env::var("EARSHOT_BENCH_POSTGRES").expect("EARSHOT_BENCH_POSTGRES: cargo xtask bench fanout --nodes starts one");
    let nats = PrivateNats::start().expect("a private nats-server (cargo xtask installs it)");
    let database = format!("earshot_bench_fanout_{count}");
    let creating = earshot_store::Store::create_database(&server, &database);
    let url = tokio::runtime::Runtime::new().unwrap().block_on(creating).expect("the PostgreSQL server");
    let (mut runtimes, mut addrs, mut stops, mut owner) = (Vec::new(), Vec::new(), Vec::new(), None);
    for i in 0..count {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name(threads(i)).enable_all().build().unwrap();
        let (addr, stop, live) = runtime.block_on(async {
            let mut config = Config::with_directory(centre_directory(calls));
            config.addr = "127.0.0.1:0".parse().unwrap();
            config.connections.per_address = 100_000; // every dashboard comes from this machine
            config.insider_rate.burst = 100_000; // and is Sam's: his snapshots are not rationed
            config.media.shards = 1;
            config.database = Database::Url(url.clone());
            config.node = Some(NodeConfig { nats: nats.url(), name: threads(i), cluster: "bench".to_owned() });
            let app = Application::build(config).await.expect("the node starts");
            let (addr, live) = (app.local_addr(), app.live());
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            tokio::spawn(app.run_until(async move { drop(stopped.await) }));
            (addr, stop, live)
        });
        if i == 0 {
            let deadline = Instant::now() + Duration::from_secs(15);
            while runtime.block_on(live.subscribe(UserId(2))).is_err() {
                assert!(Instant::now() < deadline, "node 0 never owned the company");
                std::thread::sleep(Duration::from_millis(100));
            }
            let calls = runtime.block_on(load::put_through(&live, calls));
            owner = Some(Centre::of(addr, live, calls, stop));
        } else {
            stops.push(stop);
        }
        addrs.push(addr);
        runtimes.push(runtime);
    }
    Nodes { centre: owner.expect("one node at least"), addrs, _stops: stops, _runtimes: runtimes, _nats: nats }
}
