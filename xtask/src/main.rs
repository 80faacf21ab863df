//! `cargo xtask <command>`: every developer command of Earshot.
//!
//! Each command installs what it needs first, so a fresh machine with only
//! the Rust toolchain gets a running system (`run`) or a test run (`test`).

mod audio;
mod bench;
mod cmd;
mod fuzz;
mod postgres;
mod run;
mod screens;
mod test;
mod tools;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run [--port N]   install what is missing, build the app, serve it on http://127.0.0.1:N (default 8080)
  test             install what is missing, run every native test and the browser tests in headless Chromium
  audio            build the coach's audio processing (crates/worklet → wasm) into target/audio (trunk runs it into dist/audio)
  fuzz [TARGET...] [--seconds N] [--seed N] [--save] [--show] | TARGET --input FILE
                   fuzz the parsers a client or a SIP trunk reaches (signalling, caller, sdp_offer, media_datagram, sip_message, phone_rtp) and the coaching race, 60 s each by default
  screens          build the app and write a screenshot of every screen (1280×800) into docs/screens/
  bench join       time from clicking Join to the coach's audio (record results in docs/benchmarks.md)
  bench dsp        ns per quantum of the coach's DSP, natively and in headless Chromium
  bench store | sfu | switch | fanout | dashboard
                   the store, the SFU's forwarding, the whisper switch, the live state's fan-out and the 10,000-call dashboard
  bench signals    what listening to calls costs: Opus decoding and the signal detectors per call
  bench fanout --nodes 1,2,3
                   the fan-out over several nodes: the owner's CPU and each gateway's
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&args[1..]),
        Some("test") => test::test(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        Some("audio") => audio::audio(&args[1..]),
        Some("fuzz") => fuzz::fuzz(&args[1..]),
        Some("screens") => screens::screens(&args[1..]),
        Some("-h" | "--help" | "help") => {
            print!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command `{other}`\n\n{USAGE}")),
        None => Err(USAGE.to_owned()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}
