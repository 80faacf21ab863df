//! Installs the tools the build and the tests need, when they are missing.
//!
//! Only registries reachable here are used: rustup's target, crates.io
//! (`cargo install`) and Debian packages (`apt-get`). No tool may download
//! its own binaries, which is why trunk always runs with `--offline`.

use std::process::Command;

use crate::cmd::{self, output, run, step, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What `cargo xtask run` needs: the wasm target, trunk, wasm-bindgen, wasm-opt.
pub fn ensure_build_tools() -> Result {
    step("checking build tools");
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_debian("wasm-opt", "binaryen")?;
    Ok(())
}

/// What `cargo xtask test` needs besides the build tools: Chromium and its driver.
pub fn ensure_browser() -> Result {
    step("checking headless Chromium");
    ensure_debian(CHROMIUM, "chromium")?;
    ensure_debian(CHROMEDRIVER, "chromium-driver")?;
    let chromium = output(CHROMIUM, &["--version"]).unwrap_or_default();
    let driver = output(CHROMEDRIVER, &["--version"]).unwrap_or_default();
    println!("    {chromium}\n    {driver}");
    Ok(())
}

fn ensure_wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed.lines().any(|t| t == "wasm32-unknown-unknown") {
        println!("    wasm32-unknown-unknown target: installed");
        return Ok(());
    }
    run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

fn ensure_trunk() -> Result {
    if output("trunk", &["--version"]).is_some_and(|v| v == format!("trunk {TRUNK_VERSION}")) {
        println!("    trunk {TRUNK_VERSION}: installed");
        return Ok(());
    }
    println!("    installing trunk {TRUNK_VERSION} from crates.io (takes 12-17 minutes on 2 cores, once)");
    run(Command::new("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))
}

/// wasm-bindgen-cli must equal the `wasm-bindgen` in Cargo.lock exactly.
fn ensure_wasm_bindgen() -> Result {
    let wanted = locked_version("wasm-bindgen")?;
    if output("wasm-bindgen", &["--version"]).is_some_and(|v| v == format!("wasm-bindgen {wanted}")) {
        println!("    wasm-bindgen-cli {wanted}: installed");
        return Ok(());
    }
    println!("    installing wasm-bindgen-cli {wanted} (a few minutes, once)");
    // Not `--locked`: its lock file names a crate version the registry lacks.
    run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &wanted, "--force"]))
}

/// The version of `package` recorded in the workspace's Cargo.lock.
fn locked_version(package: &str) -> Result<String> {
    let lock_path = cmd::root().join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path).map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock.find(&needle).ok_or_else(|| format!("{package} is not in Cargo.lock"))? + needle.len();
    let len = lock[start..].find('"').ok_or("Cargo.lock is malformed")?;
    Ok(lock[start..start + len].to_owned())
}

/// Installs a Debian package when `probe` (a path or a program on PATH) is missing.
fn ensure_debian(probe: &str, package: &str) -> Result {
    let present = if probe.starts_with('/') {
        std::path::Path::new(probe).exists()
    } else {
        output("which", &[probe]).is_some()
    };
    if present {
        println!("    {package}: installed");
        return Ok(());
    }
    println!("    installing Debian package {package}");
    let is_root = output("id", &["-u"]).is_some_and(|uid| uid == "0");
    let apt = |args: &[&str]| {
        let mut command = if is_root { Command::new("apt-get") } else { Command::new("sudo") };
        if !is_root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update"])
        .and_then(|()| apt(&["install", "-y", package]))
        .map_err(|e| format!("{e}\ncannot install `{package}`: install it by hand (`apt-get install {package}`) and run again"))
}
