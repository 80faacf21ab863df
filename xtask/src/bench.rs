//! `cargo xtask bench <name>`: benchmarks, reported as figures. Record
//! them in `docs/benchmarks.md` with the command that produced them.

use std::process::Command;

use crate::cmd::{root, run, step, Result};
use crate::run::build_dist;
use crate::test::e2e;
use crate::tools;

pub fn bench(args: &[String]) -> Result {
    tools::ensure_native_libraries()?;
    match args.first().map(String::as_str) {
        Some("join") => in_chromium("bench_join", "join → coach audio (10 joins, headless Chromium, release server)"),
        Some("dsp") => {
            step("benchmark: the coach's DSP natively (ns per 128-frame quantum)");
            run(Command::new("cargo").current_dir(root()).args(["bench", "--package", "earshot-dsp", "--bench", "quantum"]))?;
            in_chromium("bench_dsp", "the coach's DSP module in headless Chromium")
        }
        Some("store") => {
            let postgres = crate::postgres::Cluster::start()?;
            step("benchmark: the store on SQLite and PostgreSQL (commit waits, records/s, reads)");
            run(Command::new("cargo")
                .current_dir(root())
                .args(["bench", "--package", "earshot-store", "--bench", "store"])
                .env("EARSHOT_BENCH_POSTGRES", &postgres.url))
        }
        Some("switch") => in_chromium("bench_switch", "whisper switch and mouth to ear (headless Chromium, release server)"),
        Some("sfu") => {
            step("benchmark: the SFU under a ramp of coached calls, 1 and 2 shards, against bare str0m in memory");
            run(Command::new("cargo").current_dir(root()).args(["bench", "--package", "earshot-server", "--bench", "sfu"]))
        }
        Some("sip") => {
            tools::ensure_sip_peers()?;
            step("benchmark: phone calls — G.711 legs against str0m agents, ramped to the knee, and call setup over SIP with SIPp");
            run(Command::new("cargo").current_dir(root()).args(["bench", "--package", "earshot-server", "--bench", "sip"]))
        }
        Some("dashboard") => in_chromium("bench_dashboard", "the Calls tab on 10,000 live calls changing 1,000 a second (headless Chromium)"),
        Some("signals") => {
            step("benchmark: listening to calls — Opus decoding, the signal detectors and phrase spotting, per call, on one core");
            run(Command::new("cargo").current_dir(root()).args(["bench", "--package", "earshot-server", "--bench", "signals"]))?;
            step("benchmark: phrase alert latency, phrase end → a supervisor's feed, over real calls (release server)");
            let latency = ["test", "--release", "--package", "earshot-server", "--test", "api", "bench_phrase_alert_latency", "--", "--ignored", "--nocapture"];
            run(Command::new("cargo").current_dir(root()).args(latency))
        }
        Some("fanout") => {
            let mut bench = Command::new("cargo");
            bench.current_dir(root()).args(["bench", "--package", "earshot-server", "--bench", "fanout"]);
            match args.get(1..) {
                Some([flag, nodes]) if flag == "--nodes" => {
                    let postgres = crate::postgres::Cluster::start()?;
                    let nats = tools::ensure_nats()?;
                    step(&format!("benchmark: the live state's fan-out over {nodes} nodes (NATS, PostgreSQL) to 100, 500 and 2,000 dashboards"));
                    run(bench.env("EARSHOT_BENCH_NODES", nodes).env("EARSHOT_BENCH_POSTGRES", &postgres.url).env("EARSHOT_NATS_SERVER", &nats))
                }
                Some([]) => {
                    step("benchmark: the live state's fan-out to 100, 500 and 2,000 WebSocket dashboards");
                    run(&mut bench)
                }
                _ => Err("usage: cargo xtask bench fanout [--nodes 1,2,3]".to_owned()),
            }
        }
        _ => Err("usage: cargo xtask bench join | dsp | store | sfu | sip | switch | fanout | dashboard | signals".to_owned()),
    }
}

/// The e2e benchmark `test` (its `#[ignore]`d tests, one at a time) against
/// the release server and the built app, in headless Chromium.
fn in_chromium(test: &str, what: &str) -> Result {
    let tool_bin = tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    build_dist(&tool_bin)?;
    step(&format!("benchmark: {what}"));
    run(&mut e2e(&["test", "--release", "--package", "earshot-e2e", "--test", test, "--", "--ignored", "--nocapture", "--test-threads=1"]))
}
