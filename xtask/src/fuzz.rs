//! `cargo xtask fuzz`: the parsers a client reaches, fuzzed on stable Rust
//! (see `crates/fuzz`). Arguments go to the fuzzer as they are.

use std::process::Command;

use crate::cmd::{root, run, Result};

/// Seconds per target in `cargo xtask test`.
pub const IN_TESTS: &str = "15";

pub fn fuzz(args: &[String]) -> Result {
    run(Command::new("cargo").current_dir(root()).args(["run", "--quiet", "--package", "earshot-fuzz", "--"]).args(args))
}
