/// A gain that moves linearly to its target over a fixed number of frames,
/// and sits exactly on the target once there (so a gain of zero is a hard
/// zero, not a tiny number).
#[derive(Clone, Debug)]
pub struct Ramp {
    current: f32,
    target: f32,
    step: f32,
    left: u32,
    frames: u32,
}

impl Ramp {
    /// A ramp resting at `value`, taking `frames` for every change.
    pub fn new(value: f32, frames: u32) -> Self {
        Self { current: value, target: value, step: 0.0, left: 0, frames: frames.max(1) }
    }

    pub fn target(&self) -> f32 {
        self.target
    }

    /// The gain now (mid-ramp, or at rest).
    pub fn current(&self) -> f32 {
        self.current
    }

    /// Heads for `target`, from wherever the gain is now.
    pub fn set(&mut self, target: f32) {
        if target == self.target {
            return;
        }
        self.target = target;
        self.left = self.frames;
        self.step = (target - self.current) / self.frames as f32;
    }

    /// Whether the gain rests at exactly zero.
    pub fn is_silent(&self) -> bool {
        self.left == 0 && self.current == 0.0
    }

    /// The gain for the next frame.
    #[inline]
    fn next(&mut self) -> f32 {
        if self.left > 0 {
            self.left -= 1;
            self.current = if self.left == 0 { self.target } else { self.current + self.step };
        }
        self.current
    }

    /// `out[i] = input[i] × gain`, ramping.
    pub fn apply(&mut self, input: &[f32], out: &mut [f32]) {
        self.each(input, out, |o, x| *o = x);
    }

    /// `out[i] += input[i] × gain`, ramping.
    pub fn add(&mut self, input: &[f32], out: &mut [f32]) {
        self.each(input, out, |o, x| *o += x);
    }

    /// Writes each `input[i] × gain` with `write`; at rest the gain is
    /// hoisted out of the loop.
    #[inline]
    fn each(&mut self, input: &[f32], out: &mut [f32], write: impl Fn(&mut f32, f32)) {
        if self.left == 0 {
            let gain = self.current;
            for (o, i) in out.iter_mut().zip(input) {
                write(o, i * gain);
            }
            return;
        }
        for (o, i) in out.iter_mut().zip(input) {
            write(o, i * self.next());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Ramp;

    #[test]
    fn a_ramp_moves_linearly_and_lands_exactly() {
        let mut ramp = Ramp::new(0.0, 4);
        ramp.set(1.0);
        let mut out = [0.0; 6];
        ramp.apply(&[1.0; 6], &mut out);
        assert_eq!(out, [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]);
        ramp.set(0.0);
        ramp.apply(&[1.0; 6], &mut out);
        assert_eq!(out, [0.75, 0.5, 0.25, 0.0, 0.0, 0.0]);
        assert!(ramp.is_silent());
    }

    #[test]
    fn a_change_mid_ramp_starts_from_where_the_gain_is() {
        let mut ramp = Ramp::new(0.0, 4);
        ramp.set(1.0);
        let mut out = [0.0; 2];
        ramp.apply(&[1.0; 2], &mut out);
        ramp.set(0.0);
        let mut out = [0.0; 4];
        ramp.apply(&[1.0; 4], &mut out);
        assert_eq!(out, [0.375, 0.25, 0.125, 0.0]);
    }

    #[test]
    fn add_mixes_on_top() {
        let mut ramp = Ramp::new(0.5, 4);
        let mut out = [1.0; 3];
        ramp.add(&[2.0; 3], &mut out);
        assert_eq!(out, [2.0; 3]);
    }
}
