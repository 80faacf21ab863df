use crate::Block;

/// Lanes of the measuring loop; a quantum is a whole number of them.
const LANES: usize = 8;
const _: () = assert!(crate::QUANTUM % LANES == 0);

/// Peak and RMS of a signal over a window of quanta.
#[derive(Clone, Debug, Default)]
pub struct Meter {
    peak: f32,
    sum_of_squares: f32,
    frames: u32,
}

/// A signal's level over a window, linear (1.0 is full scale).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Level {
    pub peak: f32,
    pub rms: f32,
}

impl Meter {
    pub const fn new() -> Self {
        Self { peak: 0.0, sum_of_squares: 0.0, frames: 0 }
    }

    pub fn measure(&mut self, block: &Block) {
        // Eight independent lanes, so the loop is not one long chain of
        // dependent additions (and vectorises where the target can).
        let (mut peaks, mut sums) = ([0.0_f32; LANES], [0.0_f32; LANES]);
        for chunk in block.chunks_exact(LANES) {
            for lane in 0..LANES {
                let level = chunk[lane].abs();
                // A compare, not `f32::max`: one instruction in wasm, and a
                // NaN (never greater) is passed over all the same.
                if level > peaks[lane] {
                    peaks[lane] = level;
                }
                sums[lane] += chunk[lane] * chunk[lane];
            }
        }
        let peak = peaks.iter().fold(self.peak, |a, &b| a.max(b));
        let sum: f32 = sums.iter().sum();
        // NaN never sticks: `max` ignores it, and a NaN sum is dropped.
        self.peak = peak;
        if sum.is_finite() {
            self.sum_of_squares += sum;
        }
        self.frames += block.len() as u32;
    }

    /// The level since the last `take`, and a fresh window.
    pub fn take(&mut self) -> Level {
        let level = if self.frames == 0 {
            Level::default()
        } else {
            Level { peak: self.peak, rms: libm::sqrtf(self.sum_of_squares / self.frames as f32) }
        };
        *self = Self::new();
        level
    }
}

#[cfg(test)]
mod tests {
    use super::{Level, Meter};
    use crate::{Block, QUANTUM};

    fn sine(amplitude: f32, period: usize) -> Block {
        core::array::from_fn(|i| amplitude * libm::sinf(core::f32::consts::TAU * i as f32 / period as f32))
    }

    #[test]
    fn a_sine_reads_its_peak_and_rms() {
        let mut meter = Meter::new();
        meter.measure(&sine(0.5, 32));
        meter.measure(&sine(0.5, 32));
        let level = meter.take();
        assert!((level.peak - 0.5).abs() < 1e-3, "{level:?}");
        assert!((level.rms - 0.5 / core::f32::consts::SQRT_2).abs() < 1e-3, "{level:?}");
    }

    #[test]
    fn take_starts_a_fresh_window() {
        let mut meter = Meter::new();
        meter.measure(&[0.9; QUANTUM]);
        meter.take();
        meter.measure(&[0.1; QUANTUM]);
        let level = meter.take();
        assert!((level.peak - 0.1).abs() < 1e-6 && (level.rms - 0.1).abs() < 1e-6);
        assert_eq!(meter.take(), Level::default(), "no frames: silence");
    }

    #[test]
    fn a_nan_does_not_poison_the_meter() {
        let mut meter = Meter::new();
        meter.measure(&[f32::NAN; QUANTUM]);
        meter.measure(&[0.5; QUANTUM]);
        let level = meter.take();
        assert_eq!(level.peak, 0.5);
        assert!(level.rms.is_finite());
    }
}
