//! `cargo xtask audio`: the coach's audio processing for the browser —
//! `crates/worklet` compiled to a bare wasm module, beside the processor
//! script from `public/audio/`. trunk runs it after every build (a
//! `post_build` hook in Trunk.toml), writing into its staging directory;
//! run by hand it writes `target/audio/`, which the app's browser tests
//! embed.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{root, run, step, Result};

/// The names the server publishes them under (`earshot_protocol::audio`).
const PROCESSOR_FILE: &str = "earshot-processor.js";
const DSP_FILE: &str = "earshot-dsp.wasm";

pub fn audio(args: &[String]) -> Result {
    if !args.is_empty() {
        return Err("usage: cargo xtask audio".to_owned());
    }
    let out = match std::env::var_os("TRUNK_STAGING_DIR") {
        Some(staging) => PathBuf::from(staging).join("audio"),
        None => target_dir().join("audio"),
    };
    build_into(&out)
}

/// Builds the DSP module and puts both files in `out`.
pub fn build_into(out: &Path) -> Result {
    step(&format!("building the coach's audio processing into {}", out.display()));
    run(Command::new("cargo").current_dir(root()).args([
        "build",
        "--quiet",
        "--package",
        "earshot-worklet",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let wasm = target_dir().join("wasm32-unknown-unknown").join("release").join("earshot_worklet.wasm");
    copy(&wasm, &out.join(DSP_FILE))?;
    copy(&root().join("public").join("audio").join(PROCESSOR_FILE), &out.join(PROCESSOR_FILE))
}

pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from)
}

fn copy(from: &Path, to: &Path) -> Result {
    std::fs::copy(from, to).map(drop).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}
