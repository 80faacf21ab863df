//! Synthetic speech for tests and benchmarks: `espeak-ng` (Debian's; `cargo
//! xtask` installs it) saying a text, at the rate asked for.

use std::process::Command;

/// The voice PocketSphinx understands best of espeak-ng's (measured: docs/benchmarks.md).
pub const VOICE: &str = "en-us+klatt6";

/// `text` said at 150 words a minute, mono, at `rate` Hz.
pub fn say(text: &str, rate: u32) -> std::io::Result<Vec<i16>> {
    let output = Command::new("espeak-ng").args(["-v", VOICE, "-s", "150", "--stdout", text]).output().map_err(|e| {
        std::io::Error::new(e.kind(), format!("espeak-ng: {e} (apt-get install espeak-ng, or run `cargo xtask test`)"))
    })?;
    let (from, samples) = wav(&output.stdout).ok_or_else(|| std::io::Error::other("espeak-ng wrote no WAV"))?;
    Ok(resample(&samples, from, rate))
}

/// Where the speech in `samples` ends: after its last sample above a whisper.
pub fn end(samples: &[i16]) -> usize {
    samples.iter().rposition(|s| s.unsigned_abs() > 300).map_or(0, |last| last + 1)
}

/// A 16-bit mono WAV's rate and samples.
fn wav(bytes: &[u8]) -> Option<(u32, Vec<i16>)> {
    let rate = u32::from_le_bytes(bytes.get(24..28)?.try_into().ok()?);
    let mut at = 12;
    while at + 8 <= bytes.len() {
        let size = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().ok()?) as usize;
        if &bytes[at..at + 4] == b"data" {
            // espeak-ng writing to a pipe cannot go back to fill in the size.
            let data = &bytes[at + 8..bytes.len().min((at + 8).saturating_add(size))];
            return Some((rate, data.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()));
        }
        at += 8 + size;
    }
    None
}

/// Linear interpolation: plenty for a test voice.
fn resample(samples: &[i16], from: u32, to: u32) -> Vec<i16> {
    if samples.is_empty() {
        return Vec::new();
    }
    let n = (samples.len() as u64 * u64::from(to) / u64::from(from)) as usize;
    (0..n)
        .map(|i| {
            let position = i as f64 * f64::from(from) / f64::from(to);
            let (index, fraction) = (position as usize, position.fract());
            let a = f64::from(samples[index]);
            let b = f64::from(*samples.get(index + 1).unwrap_or(&samples[index]));
            (a + (b - a) * fraction) as i16
        })
        .collect()
}
