//! Fuzzing that runs on stable Rust (cargo-fuzz needs nightly): every
//! parser a client or a SIP trunk can reach, and coaching raced over several sockets
//! against the SFU's seats, fed mutated inputs from a checked-in corpus.
//!
//! There is no coverage instrumentation. Instead each target names the
//! *outcome* of an input (which request it parsed to, which refusal it got,
//! which error the parser gave); an input with an outcome not seen before
//! joins the corpus and is mutated further. A panic is a crash. The runner
//! is `src/main.rs`, driven by `cargo xtask fuzz`.

pub mod mutate;
pub mod targets;

/// One fuzz target.
pub struct Target {
    pub name: &'static str,
    /// Runs one input; returns its outcome, or panics on a bug.
    pub run: fn(&[u8]) -> String,
    /// Tokens worth splicing into inputs.
    pub dictionary: &'static [&'static [u8]],
}

pub const TARGETS: &[Target] = &[
    Target { name: "signalling", run: targets::signalling::run, dictionary: targets::signalling::DICTIONARY },
    Target { name: "caller", run: targets::caller::run, dictionary: targets::caller::DICTIONARY },
    Target { name: "sdp_offer", run: targets::sdp_offer::run, dictionary: targets::sdp_offer::DICTIONARY },
    Target { name: "media_datagram", run: targets::media_datagram::run, dictionary: targets::media_datagram::DICTIONARY },
    Target { name: "coaching_race", run: targets::coaching_race::run, dictionary: targets::coaching_race::DICTIONARY },
    Target { name: "sip_message", run: targets::sip_message::run, dictionary: targets::sip_message::DICTIONARY },
    Target { name: "phone_rtp", run: targets::phone_rtp::run, dictionary: targets::phone_rtp::DICTIONARY },
];
