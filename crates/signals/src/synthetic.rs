//! Speech-like test audio: uniform noise at a chosen level, in 20 ms
//! frames of 48 kHz samples, reproducible (a fixed xorshift). For tests and
//! benchmarks: an energy detector cannot tell it from a voice.

/// Samples in a frame: 20 ms at 48 kHz.
pub const FRAME_SAMPLES: usize = 960;

pub struct Noise(u32);

impl Default for Noise {
    fn default() -> Self {
        Self(0x2545_f491)
    }
}

impl Noise {
    /// A frame whose RMS is `level_db` dBFS.
    pub fn frame(&mut self, level_db: f32) -> Vec<f32> {
        let amplitude = 10f32.powf(level_db / 20.0) * 3f32.sqrt();
        (0..FRAME_SAMPLES).map(|_| amplitude * self.next()).collect()
    }

    /// Uniform in -1.0 ..= 1.0.
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as f32 / u32::MAX as f32 * 2.0 - 1.0
    }
}

/// Talking at `level_db` as syllables (240 ms) and short pauses (80 ms),
/// at `at_ms` into it: the level of that frame, or the line's.
pub fn talking(level_db: f32, at_ms: u64, line_db: f32) -> f32 {
    if at_ms % 320 < 240 {
        level_db
    } else {
        line_db
    }
}
