use crate::Block;

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
        let mut peak = self.peak;
        let mut sum = 0.0;
        for &sample in block {
            peak = peak.max(sample.abs());
            sum += sample * sample;
        }
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
