//! Listening in the page: fake-microphone tones, and the spectrum of what
//! an `<audio>` element plays.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::json;

use crate::Browser;

/// How long the fake voice speaks before Chrome loops it: longer than any
/// test, because Chrome's noise suppressor and echo canceller learn a
/// repeating sound and turn it down (a 4 s loop was down 30 dB within a
/// minute).
const VOICE_SECONDS: u32 = 60;

/// How a fake voice speaks: syllables of `on` ms, pauses of `off` ms
/// (each drawn from its range).
#[derive(Clone, Debug)]
pub struct Voice {
    pub name: &'static str,
    pub on: std::ops::Range<u32>,
    pub off: std::ops::Range<u32>,
}

impl Voice {
    /// Like speech.
    pub const SPEECH: Voice = Voice { name: "speech", on: 120..360, off: 80..400 };
    /// Hardly a pause: whenever a line opens, the voice is there.
    pub const DENSE: Voice = Voice { name: "dense", on: 200..400, off: 10..30 };
    /// Short bursts apart: each onset stands alone.
    pub const BURSTS: Voice = Voice { name: "bursts", on: 80..120, off: 350..650 };
}

/// The Chromium flag that makes `hz`, spoken in syllables, the fake
/// microphone.
pub fn fake_microphone(hz: u32) -> String {
    fake_microphone_with(hz, Voice::SPEECH)
}

/// The Chromium flag that makes `hz`, spoken as `voice`, the fake microphone.
pub fn fake_microphone_with(hz: u32, voice: Voice) -> String {
    format!("--use-file-for-fake-audio-capture={}", voice_file(hz, &voice, 48_000).display())
}

/// A 16-bit mono WAV at `rate` of `hz` spoken as `voice`: syllables of
/// uneven length, loudness and a pitch within 6 Hz of `hz`, with soft
/// edges and pauses, none repeating, for [`VOICE_SECONDS`] (a browser's
/// fake microphone, a SIP phone's file).
pub fn voice_file(hz: u32, voice: &Voice, rate: u32) -> PathBuf {
    let dir = std::env::temp_dir().join("earshot-tones");
    std::fs::create_dir_all(&dir).expect("the temp dir is writable");
    let total = (rate * VOICE_SECONDS) as usize;
    // A fixed-seed generator: the same voice every run.
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15 ^ u64::from(hz);
    let mut next = move |range: std::ops::Range<u32>| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        range.start + ((seed >> 33) as u32) % (range.end - range.start)
    };
    let mut samples: Vec<i16> = Vec::with_capacity(total);
    let mut phase = 0.0_f64;
    while samples.len() < total {
        let (on, off) = (rate * next(voice.on.clone()) / 1000, rate * next(voice.off.clone()) / 1000);
        let loudness = f64::from(next(50..101)) / 100.0;
        let pitch = f64::from(hz) + f64::from(next(0..13)) - 6.0;
        for i in 0..on {
            let envelope = (std::f64::consts::PI * f64::from(i) / f64::from(on)).sin().sqrt();
            phase += pitch * std::f64::consts::TAU / f64::from(rate);
            samples.push((phase.sin() * 14_000.0 * loudness * envelope) as i16);
        }
        samples.resize(samples.len() + off as usize, 0);
    }
    samples.truncate(total);
    write_wav(&dir, &format!("tone-{hz}-{}-{rate}", voice.name), rate, &samples)
}

/// The Chromium flag that makes `text`, said by espeak-ng and then a
/// pause, the fake microphone (Chromium plays it over and over).
pub fn spoken_microphone(text: &str) -> String {
    const RATE: u32 = 48_000;
    let dir = std::env::temp_dir().join("earshot-tones");
    std::fs::create_dir_all(&dir).expect("the temp dir is writable");
    let mut samples = earshot_phrases::speech::say(text, RATE).expect("espeak-ng (cargo xtask test installs it)");
    samples.resize(samples.len() + 2 * RATE as usize, 0);
    let name: String = text.chars().filter(char::is_ascii_alphanumeric).take(40).collect();
    format!("--use-file-for-fake-audio-capture={}", write_wav(&dir, &format!("said-{name}"), RATE, &samples).display())
}

/// Writes `samples` as a 16-bit mono WAV, `dir/name.wav`.
fn write_wav(dir: &Path, name: &str, rate: u32, samples: &[i16]) -> PathBuf {
    let data_len = samples.len() as u32 * 2;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    for field in [16u32.to_le_bytes().as_slice(), &1u16.to_le_bytes(), &1u16.to_le_bytes(), &rate.to_le_bytes(), &(rate * 2).to_le_bytes(), &2u16.to_le_bytes(), &16u16.to_le_bytes()] {
        wav.extend_from_slice(field);
    }
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    // Written aside then renamed: a test running alongside never reads half a file.
    static WRITES: AtomicUsize = AtomicUsize::new(0);
    let path = dir.join(format!("{name}.wav"));
    let partial = dir.join(format!("{name}.{}-{}.partial", std::process::id(), WRITES.fetch_add(1, Ordering::Relaxed)));
    std::fs::write(&partial, wav).expect("the temp dir is writable");
    std::fs::rename(&partial, &path).expect("the temp dir is writable");
    path
}

/// Peak levels (dB) heard on one `<audio data-source=…>` element.
#[derive(Debug, Clone, Copy)]
pub struct Spectrum {
    /// The median bin: the noise floor.
    pub floor: f64,
    pub peaks: [(u32, f64); TONES.len()],
    /// The loudest frequency and its level, for diagnosis.
    pub loudest: (f64, f64),
}

/// Measured here: a tone that arrives plays at −14 to −25 dB; the codec's
/// artefacts of other tones sit at −55 to −98 dB. The line between them:
const HEARD_DB: f64 = -45.0;

impl Spectrum {
    /// A tone plays loud and clear, well out of the floor.
    pub fn hears(&self, hz: u32) -> bool {
        self.peaks.iter().any(|&(f, level)| f == hz && level > HEARD_DB && level - self.floor > 25.0)
    }
}

/// The tones to look for: customer, agent, coach — and 400 Hz, the lower
/// of the server's ringback (its 450 Hz reads as 440: too near to tell) —
/// and the phone line's agent and coach, away from every DTMF frequency.
pub const TONES: [u32; 6] = [440, 700, 1500, 400, 1000, 1800];

/// Listens to the page's `<audio data-source=source>` for `listen`, with an
/// AnalyserNode, holding each bin's peak.
pub async fn spectrum(browser: &Browser, source: &str, listen: Duration) -> Spectrum {
    const SCRIPT: &str = r#"
        const [source, ms, tones] = arguments;
        const done = arguments[arguments.length - 1];
        const el = document.querySelector(`audio[data-source="${source}"]`);
        if (!el || !el.srcObject) { done(null); return; }
        const ctx = new AudioContext();
        const rate = ctx.sampleRate;
        const analyser = ctx.createAnalyser();
        analyser.fftSize = 8192;
        analyser.smoothingTimeConstant = 0;
        ctx.createMediaStreamSource(el.srcObject).connect(analyser);
        const held = new Float32Array(analyser.frequencyBinCount).fill(-200);
        const now = new Float32Array(analyser.frequencyBinCount);
        const tick = setInterval(() => {
            analyser.getFloatFrequencyData(now);
            for (let i = 0; i < now.length; i++) if (now[i] > held[i]) held[i] = now[i];
        }, 40);
        setTimeout(() => {
            clearInterval(tick);
            ctx.close();
            const level = hz => {
                const bin = Math.round(hz * analyser.fftSize / rate);
                let max = -200;
                for (let i = bin - 3; i <= bin + 3; i++) max = Math.max(max, held[i]);
                return max;
            };
            const sorted = Array.from(held).slice(20, 2000).sort((a, b) => a - b);
            let top = 20;
            for (let i = 20; i < 2000; i++) if (held[i] > held[top]) top = i;
            const track = el.srcObject.getAudioTracks()[0];
            done({
                floor: sorted[Math.floor(sorted.length / 2)],
                levels: tones.map(level),
                loudest: [top * rate / analyser.fftSize, held[top]],
                element: { paused: el.paused, muted: el.muted, track: track && track.readyState, trackMuted: track && track.muted },
            });
        }, ms);
    "#;
    let result = browser.execute_async(SCRIPT, json!([source, listen.as_millis() as u64, TONES])).await;
    let floor = result["floor"].as_f64().unwrap_or_else(|| panic!("no playing <audio data-source={source}>: {result}"));
    let level = |i: usize| result["levels"][i].as_f64().unwrap_or(-200.0);
    if std::env::var_os("EARSHOT_E2E_DEBUG").is_some() {
        eprintln!("{source}: {result}");
    }
    let loudest = (result["loudest"][0].as_f64().unwrap_or(0.0), result["loudest"][1].as_f64().unwrap_or(-200.0));
    Spectrum { floor, peaks: std::array::from_fn(|i| (TONES[i], level(i))), loudest }
}

/// Listens on `<audio data-source=source>`, window after window, until `tone`
/// plays (a processed microphone still dips now and then), asserting in every
/// window that none of `absent` does. Panics, naming `what`, if `tone` never
/// plays within eight windows.
pub async fn hear(browser: &Browser, source: &str, tone: u32, absent: &[u32], what: &str) {
    const WINDOW: Duration = Duration::from_millis(1500);
    let mut last = None;
    for _ in 0..8 {
        let heard = spectrum(browser, source, WINDOW).await;
        for &other in absent {
            assert!(!heard.hears(other), "{what}: {other} Hz played on the {source} line: {heard:?}");
        }
        if heard.hears(tone) {
            return;
        }
        last = Some(heard);
    }
    panic!("{what}: {tone} Hz never played on the {source} line: {last:?}");
}

/// The level of `hz` in `samples` at `rate`, in dB of full scale
/// (Goertzel, through a Hann window: a loud tone elsewhere does not leak
/// into this bin).
pub fn tone_dbfs(samples: &[i16], rate: u32, hz: u32) -> f64 {
    let coefficient = 2.0 * (std::f64::consts::TAU * f64::from(hz) / f64::from(rate)).cos();
    let n = samples.len().max(2) as f64;
    let (mut previous, mut before) = (0.0, 0.0);
    for (i, &sample) in samples.iter().enumerate() {
        let hann = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1.0)).cos();
        let current = hann * f64::from(sample) / 32_768.0 + coefficient * previous - before;
        (before, previous) = (previous, current);
    }
    let power = previous * previous + before * before - coefficient * previous * before;
    // A full-scale sine's bin holds n/2, halved again by the window.
    let amplitude = 4.0 * power.max(1e-30).sqrt() / n;
    20.0 * amplitude.log10()
}

/// Starts noting, in the page, each onset of sound on `stream` (a JS
/// expression for a MediaStream) as `window.__onsets[name]`: epoch
/// milliseconds, read every 4 ms from the last 5.3 ms of samples; an onset
/// is a rise above −34 dBFS after falling below −46 dBFS
/// (`window.__quiet[name]` says whether the line is below it now).
pub async fn note_onsets(browser: &Browser, name: &str, stream: &str) {
    let script = format!(
        r#"
        const [name] = arguments;
        const stream = {stream};
        if (!stream) return false;
        window.__onsets = window.__onsets || {{}};
        window.__quiet = window.__quiet || {{}};
        const onsets = window.__onsets[name] = [];
        const ctx = new AudioContext();
        const analyser = ctx.createAnalyser();
        analyser.fftSize = 256;
        ctx.createMediaStreamSource(stream).connect(analyser);
        const samples = new Float32Array(analyser.fftSize);
        let loud = false;
        setInterval(() => {{
            analyser.getFloatTimeDomainData(samples);
            let sum = 0;
            for (const x of samples) sum += x * x;
            const rms = Math.sqrt(sum / samples.length);
            if (!loud && rms > 0.02) {{ loud = true; onsets.push(performance.timeOrigin + performance.now()); }}
            else if (loud && rms < 0.005) loud = false;
            window.__quiet[name] = rms < 0.005;
        }}, 4);
        return true;
    "#
    );
    let started = browser.execute(&script, json!([name])).await;
    assert_eq!(started, json!(true), "{name}: no stream to listen to yet ({stream})");
}

/// The onsets noted so far under `name`, epoch milliseconds.
pub async fn onsets(browser: &Browser, name: &str) -> Vec<f64> {
    let noted = browser.execute("return (window.__onsets || {})[arguments[0]] || [];", json!([name])).await;
    noted.as_array().map(|all| all.iter().filter_map(serde_json::Value::as_f64).collect()).unwrap_or_default()
}

/// Waits until the line noted as `name` is quiet (below −46 dBFS).
pub async fn wait_quiet(browser: &Browser, name: &str) {
    crate::wait_until(Duration::from_secs(10), &format!("{name} falling quiet"), || async {
        (browser.execute("return !!(window.__quiet || {})[arguments[0]];", json!([name])).await == json!(true)).then_some(())
    })
    .await;
}
