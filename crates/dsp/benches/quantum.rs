//! ns per quantum of the coach's processing, natively (`cargo xtask bench dsp`).

use std::hint::black_box;
use std::time::Instant;

use earshot_dsp::{Capture, Mix, Processor, Inputs, Outputs, QUANTUM};

const QUANTA: u32 = 2_000_000;
/// One quantum at 48 kHz lasts 2.67 ms.
const QUANTUM_NS: f64 = QUANTUM as f64 / 48_000.0 * 1e9;

fn main() {
    let voice: [f32; QUANTUM] = std::array::from_fn(|i| (i as f32 * 0.07).sin() * 0.3);
    let other: [f32; QUANTUM] = std::array::from_fn(|i| (i as f32 * 0.11).sin() * 0.2);
    let mut out = [0.0; QUANTUM];

    let mut capture = Capture::new(240);
    capture.set_whisper(true);
    report("capture (whispering)", || capture.process(black_box(&voice), black_box(&mut out)));

    let mut mix = Mix::new(240);
    report("mix (customer + agent)", || mix.process(black_box(&voice), black_box(&other), black_box(&mut out)));

    let mut dsp = Processor::new(48_000.0);
    dsp.capture.set_whisper(true);
    let mut capture_out = [0.0; QUANTUM];
    report("whole quantum (meters, mix, capture)", || {
        let input = Inputs { customer: black_box(&voice), agent: black_box(&other), microphone: black_box(&voice) };
        dsp.process(input, Outputs { playback: &mut out, capture: &mut capture_out });
    });
}

fn report(what: &str, mut quantum: impl FnMut()) {
    for _ in 0..QUANTA / 10 {
        quantum();
    }
    let start = Instant::now();
    for _ in 0..QUANTA {
        quantum();
    }
    let ns = start.elapsed().as_nanos() as f64 / f64::from(QUANTA);
    println!("{what:<40} {ns:>8.1} ns per quantum  ({:.3} % of the 2.67 ms quantum)", ns / QUANTUM_NS * 100.0);
}
