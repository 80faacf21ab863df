//! `cargo xtask bench switch`: how fast the whisper reaches the agent.
//!
//! - **Switch**: the coach clicks Whisper → the first packet of the
//!   coach's voice forwarded to the agent (server side: the SFU's counters,
//!   polled every millisecond once the click returns) and → the agent's
//!   page first plays the coach's voice (an onset on the agent's coach
//!   line). The coach's fake voice hardly pauses (10–30 ms), so an open
//!   line has it at once. Every other switch waits 1.5 s more first: the
//!   agent's jitter buffer treats a longer gap otherwise.
//! - **Mouth to ear**: whispering, the coach's voice in short bursts; each
//!   onset in the coach's own microphone stream (as the app captured it)
//!   against the same onset on the agent's coach line.
//!
//! Both pages note onsets with the same detector (`note_onsets`) on the
//! machine's one clock. The coach's page captures with the browser's voice
//! processing off (see `coach`). Figures are printed, never asserted;
//! `EARSHOT_BENCH_DEBUG=1` prints each switch (microphone opened, first
//! packet forwarded, heard).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use earshot_e2e::{
    fake_microphone, fake_microphone_with, note_onsets, onsets, spawn_app, wait_quiet, wait_until, Browser, Chromedriver, TestApp, Voice,
};
use earshot_sfu::LegRole;
use serde_json::json;

const SWITCHES: usize = 60;
const COACH_HZ: u32 = 1500;
/// The agent's line for the coach's voice.
const COACH_LINE: &str = r#"document.querySelector('audio[data-source="coach"]')?.srcObject"#;
/// The microphone stream the coach's app captured last.
const COACH_MIC: &str = "(window.__mics || []).filter(s => s.getAudioTracks().some(t => t.readyState === 'live')).pop()";

/// Sam, listening on the caller's call, his microphone speaking `voice`;
/// every microphone stream the app captures kept in `window.__mics`, every
/// Whisper click's time in `window.__clicks`.
async fn coach(app: &TestApp, driver: &Chromedriver, voice: Voice) -> Browser {
    let call = app.live.my_call(earshot_protocol::UserId(10)).await.expect("core running").expect("Alex's call").id;
    let coach = driver.browser(&[&fake_microphone_with(COACH_HZ, voice)]).await;
    coach.sign_in(app, "sam@earshot.demo").await;
    coach
        .execute(
            r#"
            window.__mics = []; window.__clicks = [];
            const devices = navigator.mediaDevices, capture = devices.getUserMedia.bind(devices);
            window.__opened = [];
            // The fake microphone replays its file from the start at every
            // open, which the browser's noise suppressor learns within a few
            // opens: voice processing off, so what is measured is Earshot.
            const plain = { echoCancellation: false, noiseSuppression: false, autoGainControl: false };
            devices.getUserMedia = async constraints => {
                const audio = constraints.audio === true ? plain : { ...constraints.audio, ...plain };
                const s = await capture({ ...constraints, audio });
                window.__mics.push(s);
                window.__opened.push(performance.timeOrigin + performance.now());
                return s;
            };
            document.addEventListener('click', e => {
                if (e.target.closest('[data-testid=whisper]')) window.__clicks.push(performance.timeOrigin + performance.now());
            }, true);
            "#,
            json!([]),
        )
        .await;
    coach.click(&format!("[data-testid=coach-{}]", call.0)).await;
    coach.start_listening("[data-testid=join]").await;
    coach
}

async fn listen_on_the_agents_coach_line(agent: &Browser) {
    wait_until(Duration::from_secs(20), "the agent's line for the coach", || async {
        (agent.execute(&format!("return !!({COACH_LINE});"), json!([])).await == json!(true)).then_some(())
    })
    .await;
    note_onsets(agent, "coach", COACH_LINE).await;
}

/// A caller put through to Alex, Sam listening with `voice` in his
/// microphone, the agent's page noting the coach line's onsets. The driver
/// and the caller's browser are held for the benchmark's life.
struct Whispering {
    app: TestApp,
    agent: Browser,
    coach: Browser,
    _caller: Browser,
    _driver: Chromedriver,
}

async fn whispering(voice: Voice) -> Whispering {
    let app = spawn_app(|_| {}).await;
    let driver = Chromedriver::start().await;
    let (caller, agent) = app.caller_put_through(&driver, &[&fake_microphone(440)], &[&fake_microphone(700)]).await;
    let coach = coach(&app, &driver, voice).await;
    listen_on_the_agents_coach_line(&agent).await;
    Whispering { app, agent, coach, _caller: caller, _driver: driver }
}

fn epoch_ms() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs_f64() * 1000.0
}

fn report(what: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let at = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    println!(
        "{what}: p50 {:.0} ms, p95 {:.0} ms (min {:.0}, max {:.0}, {} samples)",
        at(0.5),
        at(0.95),
        samples[0],
        samples[samples.len() - 1],
        samples.len()
    );
}

#[tokio::test]
#[ignore = "a benchmark: run with `cargo xtask bench switch`"]
async fn bench_whisper_switch() {
    let Whispering { app, agent, coach, _caller, _driver } = whispering(Voice::DENSE).await;

    let (mut forwarded, mut heard, mut heard_after_a_pause) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..SWITCHES {
        wait_quiet(&agent, "coach").await;
        let paused = round % 2 == 1;
        if paused {
            tokio::time::sleep(Duration::from_millis(1500)).await;
        }
        let before = app.forwarded(LegRole::Agent, LegRole::Coach).await.packets;
        coach.click("[data-testid=whisper]").await;
        let mut first = None;
        for _ in 0..3000 {
            if app.forwarded(LegRole::Agent, LegRole::Coach).await.packets > before {
                first = Some(epoch_ms());
                break;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let first = first.unwrap_or_else(|| panic!("round {round}: no coach packet reached the agent"));
        let clicks = coach.execute("return window.__clicks;", json!([])).await;
        let clicked = clicks.as_array().and_then(|c| c.last()).and_then(serde_json::Value::as_f64).expect("the click was noted");
        let onset = wait_until(Duration::from_secs(3), "the agent hears the coach", || async {
            onsets(&agent, "coach").await.into_iter().find(|&t| t > clicked)
        })
        .await;
        forwarded.push(first - clicked);
        if paused { &mut heard_after_a_pause } else { &mut heard }.push(onset - clicked);
        if std::env::var_os("EARSHOT_BENCH_DEBUG").is_some() {
            let opened = coach.execute("return window.__opened;", json!([])).await;
            let opened = opened.as_array().and_then(|o| o.last()).and_then(serde_json::Value::as_f64).unwrap_or(0.0);
            eprintln!("round {round}: microphone opened +{:.0} ms, forwarded +{:.0} ms, heard +{:.0} ms", opened - clicked, first - clicked, onset - clicked);
        }
        coach.click("[data-testid=whisper]").await;
    }
    report("click Whisper → first coach packet forwarded to the agent (server)", forwarded);
    report("click Whisper → the agent's page plays the coach, the line quiet a moment", heard);
    report("click Whisper → the agent's page plays the coach, the line quiet 1.5 s longer", heard_after_a_pause);
}

#[tokio::test]
#[ignore = "a benchmark: run with `cargo xtask bench switch`"]
async fn bench_mouth_to_ear() {
    let Whispering { app: _app, agent, coach, _caller, _driver } = whispering(Voice::BURSTS).await;
    // The microphone opens with the first Whisper.
    coach.click("[data-testid=whisper]").await;
    wait_until(Duration::from_secs(10), "the coach's microphone", || async {
        (coach.execute(&format!("return !!({COACH_MIC});"), json!([])).await == json!(true)).then_some(())
    })
    .await;
    note_onsets(&coach, "mic", COACH_MIC).await;
    tokio::time::sleep(Duration::from_secs(45)).await;

    let (spoken, heard) = (onsets(&coach, "mic").await, onsets(&agent, "coach").await);
    // Each onset heard, against the last one spoken before it (bursts are
    // 430 ms apart at the least).
    let latencies: Vec<f64> = heard
        .iter()
        .filter_map(|&ear| spoken.iter().rev().find(|&&mouth| mouth < ear).map(|&mouth| ear - mouth))
        .filter(|&latency| latency < 400.0)
        .collect();
    println!("mouth (the coach's captured microphone) → ear (the agent's coach line): {} onsets spoken, {} heard", spoken.len(), heard.len());
    report("coach → agent mouth to ear, loopback", latencies);
}
