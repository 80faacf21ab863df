//! `cargo xtask run`: build the app and serve it with the backend.

use std::path::Path;
use std::process::Command;

use crate::cmd::{root, run as exec, step, Result};
use crate::tools;

pub fn run(args: &[String]) -> Result {
    let port = parse_port(args)?;
    let tool_bin = tools::ensure_build_tools()?;
    build_dist(&tool_bin)?;
    step(&format!("starting the server on http://127.0.0.1:{port}/ (Ctrl-C stops it)"));
    exec(Command::new("cargo").current_dir(root()).args([
        "run",
        "--release",
        "--package",
        "earshot-server",
        "--",
        "--demo",
        "--port",
        &port.to_string(),
        "--dist",
        "dist",
    ]))
}

/// Builds the app into `dist/` with trunk, offline (see `tools.rs`).
pub fn build_dist(tool_bin: &Path) -> Result {
    step("building the app (trunk build --release)");
    exec(tools::trunk_command(tool_bin).args(["build", "--release", "--offline"]))
}

fn parse_port(args: &[String]) -> Result<u16> {
    match args {
        [] => Ok(8080),
        [flag, port] if flag == "--port" => port.parse().map_err(|_| format!("--port: not a port number: {port}")),
        _ => Err("usage: cargo xtask run [--port N]".to_owned()),
    }
}
