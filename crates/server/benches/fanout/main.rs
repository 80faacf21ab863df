//! `cargo xtask bench fanout`: the live state's fan-out to many dashboards.
//!
//! A centre of `EARSHOT_BENCH_CALLS` live calls (default 2,000, one agent
//! each) in the real server; `EARSHOT_BENCH_DASHBOARDS` WebSocket
//! dashboards (default 100, 500 and 2,000, in turn) subscribed as a
//! supervisor; a feed changing `EARSHOT_BENCH_CHANGES` calls a second
//! (default 100: hold on, hold off). Reported per step: delivery (change
//! asked of the core → a dashboard read it) p50/p99, sequence gaps, the
//! server's CPU (its runtime's threads `server-*`, the live core's and the store's), the dashboards' own
//! CPU (`dashboards-*`, this process too: counted apart), and memory.
//!
//! With `EARSHOT_BENCH_NODES` (a list: `1,2,3`), the same over that many
//! nodes (`nodes.rs`): the owner's CPU and each gateway's, apart.

mod centre;
mod dashboards;
mod nodes;
#[path = "../sfu/proc_stat.rs"]
#[allow(dead_code)] // shared with the SFU bench, which reads all of it
mod proc_stat;

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_protocol::{ServerMsg, UserId};
use earshot_server::media::Hops;

use centre::{Asked, Centre};
use dashboards::Dashboard;

const WINDOW: Duration = Duration::from_secs(10);

fn from_env<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    let list = std::env::var(name).unwrap_or_else(|_| default.into());
    list.split(',').map(|n| n.trim().parse().unwrap_or_else(|_| panic!("{name}: numbers like {default}"))).collect()
}

/// The server's threads: its runtime's, the live core's and its store's.
fn server_cpu() -> Duration {
    ["server", "live-core", "sqlx"].into_iter().map(proc_stat::threads).sum()
}

fn main() {
    let calls = from_env::<usize>("EARSHOT_BENCH_CALLS", "2000")[0];
    let changes = from_env::<u32>("EARSHOT_BENCH_CHANGES", "100")[0];
    let steps = from_env::<usize>("EARSHOT_BENCH_DASHBOARDS", "100,500,2000");
    let clients = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("dashboards").enable_all().build().unwrap();
    if let Ok(nodes) = std::env::var("EARSHOT_BENCH_NODES") {
        for count in from_env::<usize>("EARSHOT_BENCH_NODES", &nodes) {
            on_nodes(&clients, count, calls, changes, &steps);
        }
        return;
    }
    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("server").enable_all().build().unwrap();
    let started = Instant::now();
    let centre = server.block_on(Centre::start(calls));
    println!("{calls} live calls put through in {:.1} s", started.elapsed().as_secs_f64());
    let snapshot = server.block_on(centre.live.subscribe(UserId(2))).unwrap().unwrap().snapshot;
    let json = serde_json::to_string(&ServerMsg::Snapshot(snapshot)).unwrap();
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    deflate.write_all(json.as_bytes()).unwrap();
    println!(
        "the snapshot of {calls} calls: {:.0} KB of JSON, {:.0} KB deflated (as permessage-deflate would send it)",
        json.len() as f64 / 1e3,
        deflate.finish().unwrap().len() as f64 / 1e3
    );
    println!("\n{changes} changes a second, {:.0} s each step:", WINDOW.as_secs_f64());
    println!("  dashboards | open → snapshot p50 / p99 | delivered/s | delivery p50 | p99 | max | gaps | server CPU | dashboards' CPU | memory per dashboard");
    for dashboards in steps {
        let rss_before = proc_stat::rss_kib();
        let step = Step::run(&clients, &centre, &[centre.addr], dashboards, changes, || vec![server_cpu()]);
        let memory_kib = proc_stat::rss_kib().saturating_sub(rss_before) as f64 / dashboards as f64;
        println!(
            "  {dashboards:>10} | {:>8.1} / {:>6.1} ms | {} | {:>5.2} cores | {:>10.2} cores | {memory_kib:.0} KiB (both ends)",
            ms(&step.open_times, 0.5),
            ms(&step.open_times, 0.99),
            step.delivery(),
            step.cores(step.cpu[0]),
            step.cores(step.clients_cpu),
        );
        println!("               ({} changes made, {} deliveries timed)", step.made, step.delivery.count());
    }
}

/// The same over `count` nodes: the feed through the owner's core (node
/// 0), the dashboards on the other nodes (on node 0 when it is alone), so
/// the owner's CPU is its core's and its publishing, the fan-out the
/// gateways'.
fn on_nodes(clients: &tokio::runtime::Runtime, count: usize, calls: usize, changes: u32, steps: &[usize]) {
    let started = Instant::now();
    let cluster = nodes::start(count, calls);
    println!("\n{count} node(s): {calls} live calls put through in {:.1} s; {changes} changes a second, {:.0} s each step", started.elapsed().as_secs_f64(), WINDOW.as_secs_f64());
    println!("  dashboards | delivered/s | delivery p50 | p99 | max | gaps | owner's CPU | each gateway's CPU | dashboards' CPU");
    let gateways = if count == 1 { &cluster.addrs[..] } else { &cluster.addrs[1..] };
    // The owner's node, its core's thread and its store's pool; each other node.
    let cpu = || (0..count).map(|i| proc_stat::threads(&nodes::threads(i)) + if i == 0 { proc_stat::threads("live-core") } else { Duration::ZERO }).collect();
    for &dashboards in steps {
        let step = Step::run(clients, &cluster.centre, gateways, dashboards, changes, cpu);
        let each: Vec<String> = step.cpu[1..].iter().map(|&cpu| format!("{:.2}", step.cores(cpu))).collect();
        println!(
            "  {dashboards:>10} | {} | {:>5.2} cores | {:>18} | {:>10.2} cores",
            step.delivery(),
            step.cores(step.cpu[0]),
            if each.is_empty() { "-".to_owned() } else { each.join(" / ") },
            step.cores(step.clients_cpu),
        );
    }
}

/// One step: `dashboards` opened over `addrs` in turn, then the feed for
/// [`WINDOW`]; `cpu` is read before and after it.
struct Step {
    open_times: Hops,
    delivery: Hops,
    gaps: u64,
    deltas: u64,
    made: u64,
    /// Each of `cpu`'s groups, over the window.
    cpu: Vec<Duration>,
    clients_cpu: Duration,
}

impl Step {
    fn run(clients: &tokio::runtime::Runtime, centre: &Centre, addrs: &[SocketAddr], dashboards: usize, changes: u32, cpu: impl Fn() -> Vec<Duration>) -> Step {
        let index: Arc<HashMap<_, _>> = Arc::new(centre.calls.iter().enumerate().map(|(i, &call)| (call, i)).collect());
        let cookie = clients.block_on(sign_in(centre.addr));
        let opened: Vec<Dashboard> = clients.block_on(async {
            let mut opened = Vec::with_capacity(dashboards);
            for chunk in (0..dashboards).collect::<Vec<_>>().chunks(50) {
                let opening = chunk.iter().map(|i| Dashboard::open(addrs[i % addrs.len()], &cookie));
                opened.extend(futures_util::future::join_all(opening).await);
            }
            opened
        });
        let mut open_times = Hops::default();
        for dashboard in &opened {
            open_times.record(dashboard.snapshot.1);
        }
        let (asked, running) = (Arc::new(Asked::new(centre.calls.len())), Arc::new(AtomicBool::new(true)));
        let readers: Vec<_> = opened
            .into_iter()
            .map(|dashboard| clients.spawn(dashboard.read(Arc::clone(&index), Arc::clone(&asked), Arc::clone(&running))))
            .collect();
        let (before, clients_before) = (cpu(), proc_stat::threads("dashboards"));
        let feeding = Arc::new(AtomicBool::new(true));
        let feed = centre::feed(centre, changes, Arc::clone(&asked), Arc::clone(&feeding));
        std::thread::sleep(WINDOW);
        feeding.store(false, Ordering::Relaxed);
        let made = feed.join().unwrap();
        let cpu = cpu().into_iter().zip(before).map(|(after, before)| after - before).collect();
        let clients_cpu = proc_stat::threads("dashboards") - clients_before;
        std::thread::sleep(Duration::from_millis(500)); // the last changes land
        running.store(false, Ordering::Relaxed);
        let (mut delivery, mut gaps, mut deltas) = (Hops::default(), 0, 0);
        for seen in clients.block_on(futures_util::future::join_all(readers)) {
            let seen = seen.expect("a dashboard reads to the end");
            delivery.merge(&seen.delivery);
            gaps += seen.gaps;
            deltas += seen.deltas;
        }
        Step { open_times, delivery, gaps, deltas, made, cpu, clients_cpu }
    }

    fn cores(&self, cpu: Duration) -> f64 {
        cpu.as_secs_f64() / WINDOW.as_secs_f64()
    }

    /// Delivered per second, delivery p50 | p99 | max, and gaps: a row's middle.
    fn delivery(&self) -> String {
        format!(
            "{:>11.0} | {:>9.2} ms | {:>6.2} ms | {:>6.1} ms | {:>4}",
            self.deltas as f64 / WINDOW.as_secs_f64(),
            ms(&self.delivery, 0.5),
            ms(&self.delivery, 0.99),
            ms(&self.delivery, 1.0),
            self.gaps
        )
    }
}

fn ms(hops: &Hops, percentile: f64) -> f64 {
    hops.percentile(percentile).as_secs_f64() * 1e3
}

/// Sam's session cookie (a supervisor with Live Monitoring on every number).
async fn sign_in(addr: std::net::SocketAddr) -> String {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/api/session"))
        .header("origin", format!("http://{addr}"))
        .json(&serde_json::json!({ "email": "sam@earshot.demo", "password": earshot_domain::seed::DEMO_PASSWORD }))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), 200, "Sam signs in");
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}
