//! Voice activity of one party, from the loudness of each 20 ms frame.
//!
//! A frame is speech when it stands well above the party's own noise floor
//! (tracked: it falls at once to a quieter frame and rises slowly, so
//! speech never lifts it far) and above an absolute floor. Two speech frames
//! in a row start talking; talking goes on through pauses shorter than the
//! hangover, as people hear it.

/// Level of digital silence, in dBFS: nothing is quieter.
pub const SILENCE_DB: f32 = -100.0;

/// How far above the noise floor speech stands, in dB.
const ABOVE_FLOOR_DB: f32 = 12.0;
/// Below this no frame is speech, however quiet the line.
const QUIETEST_SPEECH_DB: f32 = -50.0;
/// How fast the noise floor rises while the party is loud, in dB a frame
/// (3 dB a second).
const FLOOR_RISE_DB: f32 = 0.06;
/// Speech frames in a row that start talking.
const ONSET_FRAMES: u32 = 2;
/// Quiet frames in a row that end it (300 ms).
const HANGOVER_FRAMES: u32 = 15;

/// The loudness of a frame of samples (-1.0 ..= 1.0), in dBFS (RMS).
pub fn level_db(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return SILENCE_DB;
    }
    let mean_square = samples.iter().map(|s| s * s).sum::<f32>() / samples.len() as f32;
    if mean_square <= 0.0 {
        return SILENCE_DB;
    }
    (10.0 * mean_square.log10()).max(SILENCE_DB)
}

#[derive(Clone, Debug)]
pub struct Vad {
    floor_db: f32,
    talking: bool,
    /// The last frame, on its own, was speech.
    speech: bool,
    /// Speech frames in a row (while quiet) or quiet frames in a row (while talking).
    run: u32,
}

impl Default for Vad {
    fn default() -> Self {
        Self { floor_db: QUIETEST_SPEECH_DB - ABOVE_FLOOR_DB, talking: false, speech: false, run: 0 }
    }
}

impl Vad {
    /// One frame's level in; whether the party is talking now.
    pub fn frame(&mut self, level_db: f32) -> bool {
        self.floor_db = if level_db < self.floor_db { level_db } else { self.floor_db + FLOOR_RISE_DB };
        let speech = level_db >= QUIETEST_SPEECH_DB && level_db >= self.floor_db + ABOVE_FLOOR_DB;
        self.speech = speech;
        if speech == self.talking {
            self.run = 0;
        } else {
            self.run += 1;
            let needed = if self.talking { HANGOVER_FRAMES } else { ONSET_FRAMES };
            if self.run >= needed {
                self.talking = speech;
                self.run = 0;
            }
        }
        self.talking
    }

    /// No frames came (nothing sent, or the line went quiet): not talking.
    pub fn silent(&mut self) {
        self.talking = false;
        self.speech = false;
        self.run = 0;
    }

    /// Talking, and the last frame was a word, not a pause between two:
    /// only such frames say how loud someone speaks.
    pub fn speaking_now(&self) -> bool {
        self.talking && self.speech
    }

    pub fn talking(&self) -> bool {
        self.talking
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_in_dbfs() {
        assert_eq!(level_db(&[]), SILENCE_DB);
        assert_eq!(level_db(&[0.0; 960]), SILENCE_DB);
        assert!((level_db(&[1.0; 960]) - 0.0).abs() < 1e-4);
        assert!((level_db(&[0.1; 960]) + 20.0).abs() < 1e-3);
    }

    #[test]
    fn talking_starts_after_two_loud_frames_and_outlasts_short_pauses() {
        let mut vad = Vad::default();
        for _ in 0..50 {
            assert!(!vad.frame(-70.0), "line noise is not speech");
        }
        assert!(!vad.frame(-25.0), "one frame is a click");
        assert!(vad.frame(-25.0));
        for _ in 0..HANGOVER_FRAMES - 1 {
            assert!(vad.frame(-70.0), "a pause between words");
        }
        assert!(!vad.frame(-70.0), "a pause of the hangover ends it");
    }

    #[test]
    fn a_loud_line_raises_the_floor_and_only_louder_frames_are_speech() {
        let mut vad = Vad::default();
        for _ in 0..2000 {
            vad.frame(-40.0); // a noisy line: 40 s of hum
        }
        assert!(!vad.talking(), "steady hum is not speech, however loud");
        assert!(!vad.frame(-35.0) && !vad.frame(-35.0), "barely above the hum");
        assert!(vad.frame(-20.0) || vad.frame(-20.0), "well above it");
    }
}
