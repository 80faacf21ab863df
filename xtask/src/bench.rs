//! `cargo xtask bench <name>`: benchmarks, reported as figures. Record
//! them in `docs/benchmarks.md` with the command that produced them.

use crate::cmd::{run, step, Result};
use crate::run::build_dist;
use crate::test::e2e;
use crate::tools;

pub fn bench(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("join") => {
            let tool_bin = tools::ensure_build_tools()?;
            tools::ensure_browser()?;
            build_dist(&tool_bin)?;
            step("benchmark: join → coach audio (10 joins, headless Chromium, release server)");
            run(&mut e2e(&[
                "test",
                "--release",
                "--package",
                "earshot-e2e",
                "--test",
                "bench_join",
                "--",
                "--ignored",
                "--nocapture",
            ]))
        }
        _ => Err("usage: cargo xtask bench join".to_owned()),
    }
}
