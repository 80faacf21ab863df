//! `cargo xtask bench signals`: what listening to calls costs on one core —
//! the listener's whole work (each party's Opus frame decoded with libopus,
//! then the detectors) per call, and the detectors alone.
//!
//! Every call sends the same 10 s conversation, encoded once here: the
//! customer talks the first half, the agent the second, each in syllables
//! and pauses; the listener is ticked every 20 ms, as its thread does.
//! `EARSHOT_BENCH_CALLS`: how many calls (a list; default 100,1000).

use std::time::{Duration, Instant};

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
            let mut listening = Calls::new(Thresholds::default());
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
}

fn time(work: impl FnOnce()) -> Duration {
    let started = Instant::now();
    work();
    started.elapsed()
}
