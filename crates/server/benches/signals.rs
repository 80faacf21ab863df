//! `cargo xtask bench signals`: what listening to calls costs on one core —
//! the listener's whole work (each party's Opus frame decoded with libopus,
//! then the detectors) per call, and the detectors alone; then the phrase
//! spotter's (PocketSphinx on what the customer says) per call.
//!
//! Every call sends the same 10 s conversation, encoded once here: the
//! customer talks the first half, the agent the second, each in syllables
//! and pauses; the listener is ticked every 20 ms, as its thread does.
//! `EARSHOT_BENCH_CALLS`: how many calls (a list; default 100,1000).
//! The spotter hears a customer's 30 s of synthetic speech (espeak-ng)
//! and pauses; `EARSHOT_BENCH_SPOTTED`: how many calls at once (default 10).

use std::time::{Duration, Instant};

use earshot_phrases::{speech, Model, DEBIAN_MODEL, SAMPLE_RATE};
use earshot_protocol::AttentionSettings;
use earshot_server::listen::{Calls, Input};
use earshot_sfu::{Heard, LegRole, RoomId};
use earshot_signals::synthetic::{talking, Noise};
use earshot_signals::{CallAudio, Party, Thresholds, FRAME_MS};

const SECONDS: u64 = 10;
const LINE_DB: f32 = -70.0;

fn main() {
    let frames = SECONDS * 1000 / FRAME_MS;
    let mut noise = Noise::default();
    // Customer's and agent's frames, as samples and as Opus.
    let pcm: Vec<[Vec<f32>; 2]> = (0..frames)
        .map(|f| {
            let at = f * FRAME_MS;
            let customer_talks = at < SECONDS * 500;
            let level = |talks| if talks { talking(-24.0, at, LINE_DB) } else { LINE_DB };
            [noise.frame(level(customer_talks)), noise.frame(level(!customer_talks))]
        })
        .collect();
    let mut encoder = opus::Encoder::new(48_000, opus::Channels::Mono, opus::Application::Voip).expect("an Opus encoder");
    let opus: Vec<[Vec<u8>; 2]> =
        pcm.iter().map(|[c, a]| [c, a].map(|frame| encoder.encode_vec_float(frame, 4000).expect("encodes"))).collect();

    let list = std::env::var("EARSHOT_BENCH_CALLS").unwrap_or_else(|_| "100,1000".into());
    println!("{SECONDS} s of audio per call, both parties, on one core:");
    println!("  calls | listener (decode + detect) per call-second | calls per core | detectors alone per call-second");
    for calls in list.split(',').map(|n| n.trim().parse::<u64>().expect("EARSHOT_BENCH_CALLS: numbers like 100,1000")) {
        let listener = time(|| {
            let mut listening = Calls::new(Thresholds::default(), false);
            for (f, [customer, agent]) in opus.iter().enumerate() {
                let now = f as u64 * FRAME_MS;
                for call in 0..calls {
                    for (from, frame) in [(LegRole::Customer, customer), (LegRole::Agent, agent)] {
                        listening.input(Input::Heard(Heard { room: RoomId(call), from, opus: frame.clone() }), now);
                    }
                }
                listening.tick(now + FRAME_MS);
            }
        });
        let detectors = time(|| {
            let mut audio: Vec<CallAudio> = (0..calls).map(|_| CallAudio::new(Thresholds::default(), 0)).collect();
            for (f, [customer, agent]) in pcm.iter().enumerate() {
                let now = f as u64 * FRAME_MS;
                for call in &mut audio {
                    call.frame(Party::Customer, now, customer);
                    call.frame(Party::Agent, now, agent);
                    call.tick(now + FRAME_MS);
                    while call.poll_change().is_some() {}
                }
            }
        });
        let per_call_second = |spent: Duration| spent.as_secs_f64() * 1e6 / (calls * SECONDS) as f64;
        println!(
            "  {calls:>5} | {:>8.1} µs | {:>7.0} | {:>6.1} µs",
            per_call_second(listener),
            1e6 / per_call_second(listener),
            per_call_second(detectors)
        );
    }
    spotting();
}

/// What a customer says in the spotter's bench: speech, with pauses
/// between sentences (the agent's turns), one listed phrase in it.
const CUSTOMER: [&str; 4] = [
    "Hello, I am calling about my bill from last month, the amount looks higher than usual.",
    "I moved house in March and the discount was never applied, this is the third time I have called.",
    "Honestly, I want to cancel my account if this cannot be sorted out today.",
    "My broadband was slow on Tuesday evening as well, and nobody called me back.",
];

fn spotting() {
    let calls: usize = std::env::var("EARSHOT_BENCH_SPOTTED").ok().map_or(10, |n| n.trim().parse().expect("EARSHOT_BENCH_SPOTTED: a number"));
    let model = Model::load(DEBIAN_MODEL.as_ref()).expect("Debian's pocketsphinx-en-us (cargo xtask bench installs it)");
    let listening = model.listen_for(&AttentionSettings::default().phrases).expect("the default phrases");
    let pause = vec![0i16; SAMPLE_RATE as usize * 3];
    let mut audio = Vec::new();
    for sentence in CUSTOMER {
        audio.extend(speech::say(sentence, SAMPLE_RATE).expect("espeak-ng (cargo xtask bench installs it)"));
        audio.extend(&pause);
    }
    let seconds = audio.len() as f64 / f64::from(SAMPLE_RATE);
    let frame = SAMPLE_RATE as usize / 50;

    let rss = || std::fs::read_to_string("/proc/self/statm").ok().and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok()).unwrap_or(0) * 4096;
    let before = rss();
    let mut made = Duration::ZERO;
    let mut spotters: Vec<_> = (0..calls)
        .map(|_| {
            let started = Instant::now();
            let spotter = listening.spotter().expect("a spotter").expect("phrases to spot");
            made += started.elapsed();
            spotter
        })
        .collect();
    let memory = rss().saturating_sub(before) / calls as u64;
    let mut found = 0;
    let spent = time(|| {
        for chunk in audio.chunks(frame) {
            for spotter in &mut spotters {
                found += spotter.feed(chunk).len();
            }
        }
    });
    let per_call_second = spent.as_secs_f64() * 1e6 / (calls as f64 * seconds);
    println!("\nPhrase spotting (PocketSphinx keyword search, {} phrases), {seconds:.0} s of a customer's speech and pauses, on one core:", listening.phrases().len());
    println!("  calls | per call-second | calls per core | a spotter made in | its memory | phrases found per call");
    println!(
        "  {calls:>5} | {:>8.0} µs | {:>6.1} | {:>6.0} ms | {:>5.1} MB | {}",
        per_call_second,
        1e6 / per_call_second,
        made.as_secs_f64() * 1e3 / calls as f64,
        memory as f64 / 1e6,
        found / calls
    );
}

fn time(work: impl FnOnce()) -> Duration {
    let started = Instant::now();
    work();
    started.elapsed()
}
