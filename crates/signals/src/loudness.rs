//! How loud a party's speech is now against how loud it was earlier in
//! the call: a raised voice, whatever the line's level or the person's.

/// Speech frames (5 s) that set the first baseline.
const BASELINE_FRAMES: u32 = 250;
/// After them the baseline follows the speech slowly (about a minute).
const BASELINE_ALPHA: f32 = 1.0 / 3000.0;
/// The recent level: about half a second of speech.
const RECENT_ALPHA: f32 = 1.0 / 25.0;

#[derive(Clone, Debug, Default)]
pub struct Loudness {
    frames: u32,
    baseline_db: f32,
    recent_db: f32,
}

impl Loudness {
    /// One frame of speech, at `level_db`.
    pub fn speech(&mut self, level_db: f32) {
        self.frames = self.frames.saturating_add(1);
        if self.frames == 1 {
            (self.baseline_db, self.recent_db) = (level_db, level_db);
            return;
        }
        let first = self.frames <= BASELINE_FRAMES;
        let alpha = if first { 1.0 / self.frames as f32 } else { BASELINE_ALPHA };
        self.baseline_db += alpha * (level_db - self.baseline_db);
        self.recent_db += RECENT_ALPHA * (level_db - self.recent_db);
    }

    /// dB the recent speech stands above the baseline, once there is one.
    pub fn rise_db(&self) -> Option<f32> {
        (self.frames > BASELINE_FRAMES).then_some(self.recent_db - self.baseline_db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rise_shows_only_after_a_baseline_and_follows_the_recent_speech() {
        let mut loudness = Loudness::default();
        for _ in 0..BASELINE_FRAMES {
            loudness.speech(-30.0);
        }
        assert_eq!(loudness.rise_db(), None, "no baseline yet");
        loudness.speech(-30.0);
        assert!(loudness.rise_db().is_some_and(|r| r.abs() < 0.1));
        for _ in 0..100 {
            loudness.speech(-18.0); // two seconds, 12 dB louder
        }
        assert!(loudness.rise_db().is_some_and(|r| r > 11.0), "{:?}", loudness.rise_db());
    }
}
