//! `cargo xtask bench sfu`: the media path under a ramp of coached calls,
//! against the limit of bare str0m on this machine, measured in the same run.
//!
//! Each call: a customer and an agent speaking (50 frames/s of 80 bytes
//! each way) and a coach listening — real str0m peers on real UDP sockets
//! on 127.0.0.1 against the real server's media shards: four forwarded
//! streams per call. The ramp stops at the knee: loss above 0.1 %, or the
//! median hop latency twice the lightest load's (the p99 of a light load
//! is the machine's scheduling noise, not the server's). The load generator runs in
//! this process on its own threads; the server's CPU is read per thread
//! (`/proc/self/task/*/stat`, the shards' `media-N` threads), so the
//! generator's own is counted apart, and the shards time their SFU core
//! (str0m and routing) apart from the shell around it. At the knee, the
//! same load through a bare relay gives what loopback sockets alone cost
//! (`floor`).

mod floor;
mod generator;
mod in_memory;
mod peer;
mod proc_stat;

use std::time::Duration;

/// This machine's, which the generator and the shards share.
const CORES: f64 = 2.0;

fn main() {
    let shard_counts: Vec<usize> = std::env::var("EARSHOT_BENCH_SHARDS")
        .unwrap_or_else(|_| "1,2".into())
        .split(',')
        .map(|n| n.trim().parse().expect("EARSHOT_BENCH_SHARDS: counts like 1,2"))
        .collect();
    str0m::crypto::from_feature_flags().install_process_default();

    let limit = in_memory::measure(100, Duration::from_secs(10), false);
    let paced = in_memory::measure(100, Duration::from_secs(10), true);
    println!("In memory (bare str0m, no sockets, no Earshot code, one thread):");
    for (how, limit) in [("flat out", &limit), ("paced in real time", &paced)] {
        println!(
            "  {how}: {} calls, {} forwarded packets: {:.2} µs of server-side str0m per forwarded packet → {:.0} forwarded streams per core",
            limit.calls,
            limit.forwarded,
            limit.us_per_forwarded(),
            limit.streams_per_core()
        );
    }
    println!("  memory: {:.0} KiB per connected Rtc (a server leg or a client alike)", limit.kib_per_rtc);

    // `EARSHOT_BENCH_CALLS=50` runs that step alone (for a profiler).
    let ramp: Vec<usize> = std::env::var("EARSHOT_BENCH_CALLS").map_or_else(
        |_| vec![10, 25, 50, 100, 150, 200, 250, 300, 400, 500, 600],
        |calls| calls.split(',').map(|n| n.trim().parse().expect("EARSHOT_BENCH_CALLS: counts like 50")).collect(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).thread_name("generator").enable_all().build().unwrap();
    for shards in shard_counts {
        println!("\nReal sockets, {shards} shard(s):");
        println!("  calls | streams | fwd pkt/s | server CPU | µs/fwd pkt (core) | streams/core | hop p50 | hop p99 | loss (kernel drops) | generator CPU");
        let mut baseline = None;
        let mut knee = None;
        // The core's time is wall time: it counts as the core's any moment the
        // shard was preempted inside it, which is rare only while a core is spare.
        let mut split = None;
        for &calls in &ramp {
            let step = runtime.block_on(generator::step(shards, calls, Duration::from_secs(5)));
            let core_timed = step.server_cores + step.generator_cores < CORES - 0.5;
            let core = if core_timed { format!("{:.2}", step.core_us_per_forwarded()) } else { "—".to_owned() };
            println!(
                "  {calls:>5} | {:>7} | {:>9.0} | {:>5.2} cores | {:>7.2} ({core:>5}) | {:>12.0} | {:>5.0} µs | {:>5.0} µs | {:>5.2} % ({:>5}) | {:>5.2} cores",
                calls * 4,
                step.forwarded_per_second,
                step.server_cores,
                step.us_per_forwarded(),
                step.streams_per_core(calls),
                step.hop_p50.as_secs_f64() * 1e6,
                step.hop_p99.as_secs_f64() * 1e6,
                step.loss * 100.0,
                step.kernel_drops,
                step.generator_cores,
            );
            let p50 = *baseline.get_or_insert(step.hop_p50);
            if step.loss > 0.001 || step.hop_p50 > p50 * 2 {
                println!("  knee passed at {calls} calls ({})", if step.loss > 0.001 { "loss above 0.1 %" } else { "median hop doubled" });
                break;
            }
            if core_timed {
                split = Some((calls, step));
            }
            knee = Some((calls, step));
        }
        if let Some((calls, step)) = knee {
            let ratio = |limit: &in_memory::Limit| 100.0 * step.streams_per_core(calls) / limit.streams_per_core();
            println!(
                "  at the knee ({calls} calls): {:.0} forwarded streams per core = {:.0} % of the in-memory limit flat out, {:.0} % paced; {:.2} µs server CPU per forwarded packet",
                step.streams_per_core(calls),
                ratio(&limit),
                ratio(&paced),
                step.us_per_forwarded()
            );
            let floor = runtime.block_on(floor::measure(calls, Duration::from_secs(5)));
            println!(
                "  loopback sockets alone at this load (a bare relay, no crypto): {:.2} µs per forwarded packet — \
                 bare str0m on sockets could reach at most {:.0} % of the in-memory limit",
                floor.us_per_forwarded,
                100.0 * limit.us_per_forwarded() / (limit.us_per_forwarded() + floor.us_per_forwarded),
            );
        }
        if let Some((calls, step)) = split {
            println!(
                "  per forwarded packet at {calls} calls (the heaviest step with a core to spare): core (str0m and routing) {:.2} µs \
                 against {:.2} µs of bare str0m in memory flat out, {:.2} µs paced; shell (sockets, runtime) {:.2} µs",
                step.core_us_per_forwarded(),
                limit.us_per_forwarded(),
                paced.us_per_forwarded(),
                step.us_per_forwarded() - step.core_us_per_forwarded(),
            );
        }
    }
}
