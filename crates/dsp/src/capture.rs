use crate::{Block, Ramp};

/// The coach's microphone on its way to the agent.
///
/// The gate is open only while whispering and, in push-to-talk, only while
/// the key is held. A closed gate ramps down and then writes exact zeros,
/// whatever the microphone carries — so nothing the page does can put the
/// coach's voice on the send line while the coach only listens.
#[derive(Clone, Debug)]
pub struct Capture {
    gain: Ramp,
    volume: f32,
    whisper: bool,
    push_to_talk: bool,
    held: bool,
}

impl Capture {
    /// A closed gate; gain changes take `ramp_frames`.
    pub fn new(ramp_frames: u32) -> Self {
        Self { gain: Ramp::new(0.0, ramp_frames), volume: 1.0, whisper: false, push_to_talk: false, held: false }
    }

    pub fn set_whisper(&mut self, on: bool) {
        self.whisper = on;
        self.retarget();
    }

    /// Push-to-talk: while whispering, the gate opens only while held.
    pub fn set_push_to_talk(&mut self, on: bool) {
        self.push_to_talk = on;
        self.retarget();
    }

    /// The push-to-talk key (or button) is held.
    pub fn set_held(&mut self, held: bool) {
        self.held = held;
        self.retarget();
    }

    /// The coach's own level toward the agent, clamped to 0..=2.
    pub fn set_volume(&mut self, volume: f32) {
        self.volume = clamp_volume(volume);
        self.retarget();
    }

    /// Whether the coach's voice goes out (or is ramping up to).
    pub fn is_open(&self) -> bool {
        self.whisper && (!self.push_to_talk || self.held)
    }

    fn retarget(&mut self) {
        self.gain.set(if self.is_open() { self.volume } else { 0.0 });
    }

    pub fn process(&mut self, microphone: &Block, out: &mut Block) {
        if self.gain.is_silent() {
            // Not `× 0.0`: that would let a NaN through.
            out.fill(0.0);
        } else {
            self.gain.apply(microphone, out);
        }
    }
}

/// A volume the UI may set: silence up to double, and anything else
/// (NaN, negative, huge) made one of those.
pub(crate) fn clamp_volume(volume: f32) -> f32 {
    if volume.is_nan() {
        1.0
    } else {
        volume.clamp(0.0, 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::Capture;
    use crate::{Block, QUANTUM};

    const MIC: Block = [0.5; QUANTUM];

    fn run(capture: &mut Capture, input: &Block) -> Block {
        let mut out = [f32::MAX; QUANTUM];
        capture.process(input, &mut out);
        out
    }

    #[test]
    fn listening_sends_exact_zeros_whatever_the_microphone_carries() {
        let mut capture = Capture::new(64);
        assert_eq!(run(&mut capture, &MIC), [0.0; QUANTUM]);
        assert_eq!(run(&mut capture, &[f32::NAN; QUANTUM]), [0.0; QUANTUM]);
        capture.set_held(true);
        assert_eq!(run(&mut capture, &MIC), [0.0; QUANTUM], "a held key alone opens nothing");
    }

    #[test]
    fn whisper_ramps_up_then_passes_the_voice() {
        let mut capture = Capture::new(64);
        capture.set_whisper(true);
        let first = run(&mut capture, &MIC);
        assert!(first[0] > 0.0 && first[0] < 0.01, "no step at the start: {}", first[0]);
        assert!(first.windows(2).all(|w| w[1] >= w[0]), "rising smoothly");
        assert_eq!(first[63..], [0.5; QUANTUM - 63]);
        assert_eq!(run(&mut capture, &MIC), MIC);
    }

    #[test]
    fn whisper_off_ramps_down_to_a_hard_zero() {
        let mut capture = Capture::new(64);
        capture.set_whisper(true);
        run(&mut capture, &MIC);
        capture.set_whisper(false);
        let tail = run(&mut capture, &MIC);
        assert!(tail[0] > 0.49 && tail[63] == 0.0);
        assert_eq!(run(&mut capture, &[f32::NAN; QUANTUM]), [0.0; QUANTUM]);
    }

    #[test]
    fn push_to_talk_passes_the_voice_only_while_held() {
        let mut capture = Capture::new(1);
        capture.set_push_to_talk(true);
        capture.set_whisper(true);
        assert_eq!(run(&mut capture, &MIC), [0.0; QUANTUM]);
        capture.set_held(true);
        assert_eq!(run(&mut capture, &MIC), MIC);
        capture.set_held(false);
        assert_eq!(run(&mut capture, &MIC), [0.0; QUANTUM]);
        capture.set_push_to_talk(false);
        assert_eq!(run(&mut capture, &MIC), MIC, "latched whisper again");
    }

    #[test]
    fn volume_scales_the_voice_within_bounds() {
        let mut capture = Capture::new(1);
        capture.set_whisper(true);
        capture.set_volume(0.5);
        assert_eq!(run(&mut capture, &MIC), [0.25; QUANTUM]);
        capture.set_volume(100.0);
        assert_eq!(run(&mut capture, &MIC), [1.0; QUANTUM]);
        capture.set_volume(f32::NAN);
        assert_eq!(run(&mut capture, &MIC), MIC);
    }
}
