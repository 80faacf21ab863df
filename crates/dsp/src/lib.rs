//! The coach's audio processing, one render quantum (128 frames) at a time.
//!
//! `no_std` and allocation-free: it runs inside Chrome's AudioWorklet as a
//! bare wasm module (see `crates/worklet`), and natively in tests and
//! benchmarks. Nothing here knows about the browser.
//!
//! - [`Capture`]: the coach's microphone on its way to the agent. Hard zero
//!   unless whispering (and, in push-to-talk, unless the key is held), with
//!   click-free ramps between.
//! - [`Mix`]: what the coach hears: customer and agent, each at its own volume.
//! - [`Meter`]: peak and RMS of a signal over a window, for the UI.

#![no_std]

mod capture;
mod meter;
mod mix;
mod ramp;

pub use capture::Capture;
pub use meter::{Level, Meter};
pub use mix::Mix;
pub use ramp::Ramp;

/// Frames per render quantum: Web Audio's fixed block size.
pub const QUANTUM: usize = 128;

/// One quantum of one mono channel.
pub type Block = [f32; QUANTUM];

/// How long a gain change takes: short enough to feel instant, long enough
/// not to click (a step in gain is a broadband click).
pub const RAMP_SECONDS: f32 = 0.005;

/// The parties whose level the coach sees.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Party {
    Customer = 0,
    Agent = 1,
    /// The coach's own microphone, before the gate: the setup's input meter
    /// and the panel's "you are speaking" cue work while not whispering.
    Coach = 2,
}

impl Party {
    pub const ALL: [Party; 3] = [Party::Customer, Party::Agent, Party::Coach];

    pub fn from_index(index: u32) -> Option<Self> {
        Self::ALL.get(index as usize).copied()
    }
}

/// Everything the coach's worklet does per quantum.
pub struct Processor {
    pub capture: Capture,
    pub mix: Mix,
    meters: [Meter; 3],
}

/// One quantum's inputs, as the worklet receives them.
pub struct Inputs<'a> {
    pub customer: &'a Block,
    pub agent: &'a Block,
    pub microphone: &'a Block,
}

/// Where one quantum's results go.
pub struct Outputs<'a> {
    /// To the coach's speakers.
    pub playback: &'a mut Block,
    /// To the whisper send line (the agent).
    pub capture: &'a mut Block,
}

impl Processor {
    pub fn new(sample_rate: f32) -> Self {
        let ramp = ramp_frames(sample_rate);
        Self { capture: Capture::new(ramp), mix: Mix::new(ramp), meters: [Meter::new(), Meter::new(), Meter::new()] }
    }

    pub fn process(&mut self, input: Inputs<'_>, output: Outputs<'_>) {
        self.meters[Party::Customer as usize].measure(input.customer);
        self.meters[Party::Agent as usize].measure(input.agent);
        self.meters[Party::Coach as usize].measure(input.microphone);
        self.mix.process(input.customer, input.agent, output.playback);
        self.capture.process(input.microphone, output.capture);
    }

    /// The level of `party` since the last call, and a fresh window.
    pub fn take_level(&mut self, party: Party) -> Level {
        self.meters[party as usize].take()
    }
}

/// [`RAMP_SECONDS`] in frames at `sample_rate` (at least one).
pub fn ramp_frames(sample_rate: f32) -> u32 {
    let frames = sample_rate * RAMP_SECONDS;
    if frames < 1.0 {
        1
    } else {
        frames as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quantum_mixes_the_call_and_gates_the_microphone() {
        let mut dsp = Processor::new(48_000.0);
        let (mut playback, mut capture) = ([0.0; QUANTUM], [1.0; QUANTUM]);
        let input = Inputs { customer: &[0.5; QUANTUM], agent: &[0.25; QUANTUM], microphone: &[0.8; QUANTUM] };
        dsp.process(input, Outputs { playback: &mut playback, capture: &mut capture });
        assert_eq!(playback, [0.75; QUANTUM]);
        assert_eq!(capture, [0.0; QUANTUM], "listening: the microphone goes nowhere");
        let coach = dsp.take_level(Party::Coach);
        assert!(coach.peak == 0.8 && (coach.rms - 0.8).abs() < 1e-5, "the coach's level reads while listening: {coach:?}");
        assert_eq!(dsp.take_level(Party::Customer).peak, 0.5);
        assert_eq!(dsp.take_level(Party::Agent).peak, 0.25);
    }

    #[test]
    fn the_ramp_lasts_five_milliseconds() {
        assert_eq!(ramp_frames(48_000.0), 240);
        assert_eq!(ramp_frames(44_100.0), 220);
        assert_eq!(ramp_frames(0.0), 1);
    }
}
