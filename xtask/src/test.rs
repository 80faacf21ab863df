//! `cargo xtask test`: every test, cheapest first.
//!
//! 1. native tests of every crate (the store's on SQLite and on a
//!    throwaway PostgreSQL), and the app's plain-Rust models;
//! 2. the coach's audio processing built, then the app's
//!    `wasm-bindgen-test` suite in headless Chromium;
//! 3. the app built for release, then the WebDriver end-to-end tests
//!    against the real server serving it.

use std::process::Command;

use crate::cmd::{root, run, step, Result};
use crate::run::build_dist;
use crate::tools::{self, CHROMEDRIVER, CHROMIUM};

pub fn test(args: &[String]) -> Result {
    if !args.is_empty() {
        return Err("usage: cargo xtask test".to_owned());
    }
    let tool_bin = tools::ensure_build_tools()?;
    tools::ensure_browser()?;
    tools::ensure_sip_peers()?;
    let nats = tools::ensure_nats()?;

    // The store's suite runs against SQLite, and against this server too;
    // so do the several-node tests, native and end-to-end.
    let postgres = crate::postgres::Cluster::start()?;
    step("native tests");
    run(Command::new("cargo")
        .current_dir(root())
        .args(["test", "--workspace", "--exclude", "earshot", "--exclude", "earshot-e2e"])
        .env("EARSHOT_TEST_POSTGRES", &postgres.url)
        .env("EARSHOT_NATS_SERVER", &nats))?;
    run(Command::new("cargo").current_dir(root()).args(["test", "--package", "earshot", "--lib"]))?;

    step(&format!("fuzzing the parsers, {} s each", crate::fuzz::IN_TESTS));
    crate::fuzz::fuzz(&["--seconds".to_owned(), crate::fuzz::IN_TESTS.to_owned()])?;

    // The browser tests embed the built audio processing from the source
    // tree's target/audio/ (an `include_bytes!` path), whatever
    // CARGO_TARGET_DIR says.
    crate::audio::build_into(&root().join("target").join("audio"))?;

    step("app tests in headless Chromium (wasm-bindgen-test)");
    run(Command::new("cargo")
        .current_dir(root())
        .args(["test", "--package", "earshot", "--target", "wasm32-unknown-unknown"])
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", root().join("webdriver.json"))
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120"))?;

    build_dist(&tool_bin)?;

    step("end-to-end tests: headless Chromium against the real server");
    run(e2e(&["test", "--package", "earshot-e2e"]).env("EARSHOT_TEST_POSTGRES", &postgres.url).env("EARSHOT_NATS_SERVER", &nats))
}

/// `cargo <args>` for the e2e crate, pointed at the built app and the browser.
pub fn e2e(args: &[&str]) -> Command {
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .args(args)
        .env("EARSHOT_DIST", root().join("dist"))
        .env("EARSHOT_CHROMIUM", CHROMIUM)
        .env("EARSHOT_CHROMEDRIVER", CHROMEDRIVER)
        .env("EARSHOT_AXE", tools::axe_script());
    command
}
