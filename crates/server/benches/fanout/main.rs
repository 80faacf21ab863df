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

mod centre;
mod dashboards;
#[path = "../sfu/proc_stat.rs"]
#[allow(dead_code)] // shared with the SFU bench, which reads all of it
mod proc_stat;

use std::collections::HashMap;
use std::io::Write;
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
    let server = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("server").enable_all().build().unwrap();
    let clients = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("dashboards").enable_all().build().unwrap();

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
    let index: Arc<HashMap<_, _>> = Arc::new(centre.calls.iter().enumerate().map(|(i, &call)| (call, i)).collect());
    let cookie = clients.block_on(sign_in(centre.addr));

    println!("\n{changes} changes a second, {:.0} s each step:", WINDOW.as_secs_f64());
    println!("  dashboards | open → snapshot p50 / p99 | delivered/s | delivery p50 | p99 | max | gaps | server CPU | dashboards' CPU | memory per dashboard");
    for dashboards in steps {
        let rss_before = proc_stat::rss_kib();
        let opened: Vec<Dashboard> = clients.block_on(async {
            let mut opened = Vec::with_capacity(dashboards);
            for chunk in (0..dashboards).collect::<Vec<_>>().chunks(50) {
                let opening = chunk.iter().map(|_| Dashboard::open(centre.addr, &cookie));
                opened.extend(futures_util::future::join_all(opening).await);
            }
            opened
        });
        let mut open_times = Hops::default();
        for dashboard in &opened {
            open_times.record(dashboard.snapshot.1);
        }
        let memory_kib = proc_stat::rss_kib().saturating_sub(rss_before) as f64 / dashboards as f64;

        let (asked, running) = (Arc::new(Asked::new(calls)), Arc::new(AtomicBool::new(true)));
        let readers: Vec<_> = opened
            .into_iter()
            .map(|dashboard| clients.spawn(dashboard.read(Arc::clone(&index), Arc::clone(&asked), Arc::clone(&running))))
            .collect();
        let (server_before, clients_before) = (server_cpu(), proc_stat::threads("dashboards"));
        let feeding = Arc::new(AtomicBool::new(true));
        let feed = centre::feed(&centre, changes, Arc::clone(&asked), Arc::clone(&feeding));
        std::thread::sleep(WINDOW);
        feeding.store(false, Ordering::Relaxed);
        let made = feed.join().unwrap();
        let (server_cpu, clients_cpu) =
            (server_cpu() - server_before, proc_stat::threads("dashboards") - clients_before);
        std::thread::sleep(Duration::from_millis(500)); // the last changes land
        running.store(false, Ordering::Relaxed);
        let (mut delivery, mut gaps, mut deltas) = (Hops::default(), 0, 0);
        for seen in clients.block_on(futures_util::future::join_all(readers)) {
            let seen = seen.expect("a dashboard reads to the end");
            delivery.merge(&seen.delivery);
            gaps += seen.gaps;
            deltas += seen.deltas;
        }
        let seconds = WINDOW.as_secs_f64();
        println!(
            "  {dashboards:>10} | {:>8.1} / {:>6.1} ms | {:>11.0} | {:>9.2} ms | {:>6.2} ms | {:>6.1} ms | {gaps:>4} | {:>5.2} cores | {:>10.2} cores | {memory_kib:.0} KiB (both ends)",
            open_times.percentile(0.5).as_secs_f64() * 1e3,
            open_times.percentile(0.99).as_secs_f64() * 1e3,
            deltas as f64 / seconds,
            delivery.percentile(0.5).as_secs_f64() * 1e3,
            delivery.percentile(0.99).as_secs_f64() * 1e3,
            delivery.percentile(1.0).as_secs_f64() * 1e3,
            server_cpu.as_secs_f64() / seconds,
            clients_cpu.as_secs_f64() / seconds,
        );
        println!("               ({made} changes made, {} deliveries timed)", delivery.count());
    }
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
