//! Phrase alerts over a real call: a customer peer says synthetic speech
//! (espeak-ng, Opus-encoded as a browser would) and a supervisor's live
//! feed shows what they said — listed phrases only, soon after they end.
//! And the company's admins set the phrases and thresholds.

use std::time::{Duration, Instant};

use earshot_phrases::speech;
use earshot_protocol::{AttentionSettings, CallView, Change, Request, ServerMsg};

use crate::helpers::{spawn_app, spawn_app_with, LiveClient, TestApp, SAM};
use crate::peer::{Offering, RealCall};

const RATE: u32 = 48_000;

/// `text` as Opus frames a peer says, and how long after the first frame
/// its speech ends.
fn spoken(text: &str) -> (Vec<Vec<u8>>, Duration) {
    let mut samples = speech::say(text, RATE).unwrap();
    let end = speech::end(&samples);
    // A second of quiet after it: a phrase ends before the audio does.
    samples.resize(samples.len() + RATE as usize, 0);
    let mut encoder = opus::Encoder::new(RATE, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let frames = samples.chunks_exact(RATE as usize / 50).map(|frame| encoder.encode_vec(frame, 4000).unwrap()).collect();
    (frames, Duration::from_millis(end as u64 * 1000 / u64::from(RATE)))
}

/// The call's view in a delta, if `message` is one about it.
fn updated(message: &ServerMsg) -> Option<&CallView> {
    match message {
        ServerMsg::Delta { change: Change::CallUpdated { call }, .. } => Some(call),
        _ => None,
    }
}

/// Every update of a call with a phrase on it, for `wait`.
async fn phrases_heard(client: &mut LiveClient, wait: Duration) -> Vec<CallView> {
    let until = Instant::now() + wait;
    let mut heard = Vec::new();
    while let Some(message) = client.recv_within(until.saturating_duration_since(Instant::now())).await {
        heard.extend(updated(&message).filter(|call| !call.phrases.is_empty()).cloned());
    }
    heard
}

async fn supervising(app: &TestApp) -> LiveClient {
    let mut sam = app.live_client(SAM).await;
    sam.request(Request::Subscribe).await;
    sam
}

#[tokio::test]
async fn a_listed_phrase_the_customer_says_is_on_a_supervisors_feed_within_two_seconds_and_nothing_else_is() {
    let app = spawn_app().await;
    let mut call = RealCall::start(&app, Offering::new(2).await).await;
    let mut sam = supervising(&app).await;

    let (unlisted, lasts) = spoken("The weather was lovely and the engineer fixed the router on Monday afternoon.");
    call.customer.say(unlisted);
    assert_eq!(phrases_heard(&mut sam, lasts + Duration::from_secs(2)).await, [], "a phrase not on the list raises nothing");

    let (listed, ends_after) = spoken("So I want to cancel my account.");
    let ended = call.customer.say(listed) + ends_after;
    let alert = loop {
        let message = sam.recv_within(Duration::from_secs(10)).await.expect("the phrase reaches the supervisor");
        if let Some(view) = updated(&message).filter(|view| !view.phrases.is_empty()) {
            break view.clone();
        }
    };
    let latency = Instant::now().saturating_duration_since(ended);
    assert_eq!((alert.id, alert.phrases[0].phrase.as_str()), (call.call, "cancel my account"));
    assert!(alert.needs_attention());
    assert!(latency <= Duration::from_secs(2), "on the feed {latency:?} after the phrase ended");

    // The agent's own feed never carries it (a silent coach's joining clears it).
    while let Some(message) = call.alex.recv_within(Duration::from_millis(200)).await {
        assert!(updated(&message).is_none_or(|view| view.phrases.is_empty()), "{message:?}");
    }
}

const SETTINGS: &str = "/api/settings/attention";

/// An admin's save refused as invalid: the message.
async fn refused(app: &TestApp, admin: &str, body: serde_json::Value) -> String {
    let (status, error) = app.put_json(SETTINGS, admin, body).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("invalid_settings")), "{error}");
    error["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn admins_set_the_phrases_and_thresholds_and_they_apply_to_calls_at_once() {
    let app = spawn_app().await;
    let admin = app.session_cookie("ada@earshot.demo").await;
    let (status, settings) = app.get_json(SETTINGS, &admin).await;
    assert_eq!(status, 200);
    let defaults: AttentionSettings = serde_json::from_value(settings).unwrap();
    assert_eq!(defaults, AttentionSettings::default());

    let only_the_manager = AttentionSettings { phrases: vec!["  Speak to a MANAGER".into()], dead_air_ms: 20_000, ..defaults };
    let (status, kept) = app.put_json(SETTINGS, &admin, serde_json::to_value(&only_the_manager).unwrap()).await;
    assert_eq!(status, 200, "{kept}");
    assert_eq!(kept["phrases"], serde_json::json!(["speak to a manager"]), "made plain");
    assert_eq!(app.get_json(SETTINGS, &admin).await.1, kept, "kept");

    let foreign = app.client.put(app.url(SETTINGS)).header("cookie", &admin).header("origin", "http://evil.example").json(&kept).send().await.unwrap();
    assert_eq!(foreign.status(), 403, "another site's page may not");
    let sam = app.session_cookie(SAM).await;
    assert_eq!(app.put_json(SETTINGS, &sam, kept.clone()).await.0, 403, "supervisors may not");
    assert_eq!(app.get_json(SETTINGS, &sam).await.0, 403);
    let with = |key: &str, value: serde_json::Value| {
        let mut settings = kept.clone();
        settings[key] = value;
        settings
    };
    let unknown = refused(&app, &admin, with("phrases", serde_json::json!(["cancel my zorptastic plan"]))).await;
    assert!(unknown.contains("zorptastic"), "{unknown}");
    let range = refused(&app, &admin, with("long_hold_ms", serde_json::json!(1000))).await;
    assert!(range.contains("long hold"), "{range}");
    assert_eq!(app.put_json(SETTINGS, &admin, with("phrases", serde_json::json!("not a list"))).await.0, 400);
    assert_eq!(app.get_json(SETTINGS, &admin).await.1, kept, "nothing refused was kept");

    // The new list applies to calls: the old phrase is no longer heard, the new one is.
    let call = RealCall::start(&app, Offering::new(2).await).await;
    let mut watcher = supervising(&app).await;
    let (old, lasts) = spoken("So I want to cancel my account.");
    call.customer.say(old);
    assert_eq!(phrases_heard(&mut watcher, lasts + Duration::from_secs(2)).await, []);
    let (new, lasts) = spoken("Please, let me speak to a manager now.");
    call.customer.say(new);
    let heard = phrases_heard(&mut watcher, lasts + Duration::from_secs(2)).await;
    assert_eq!(heard.first().map(|view| view.phrases[0].phrase.as_str()), Some("speak to a manager"), "{heard:?}");
}

/// `cargo xtask bench signals`: phrase end → alert on a supervisor's feed,
/// over real calls through the whole server (the SFU's tap, the listener's
/// decoding, the spotter, the core, the WebSocket), `EARSHOT_BENCH_PHRASES`
/// times (default 20), one call after another.
#[tokio::test]
#[ignore = "a benchmark: cargo xtask bench signals"]
async fn bench_phrase_alert_latency() {
    let runs: usize = std::env::var("EARSHOT_BENCH_PHRASES").ok().map_or(20, |n| n.parse().expect("EARSHOT_BENCH_PHRASES: a number"));
    // One caller dials many times here: no back-off.
    let app = spawn_app_with(|config| config.dial_backoff.free = u32::MAX).await;
    let mut sam = supervising(&app).await;
    // Each ends with its phrase: the speech's end is the phrase's.
    let said = ["So I want to cancel my account.", "Please, let me speak to a manager.", "I want to make a complaint."];
    let mut latencies = Vec::new();
    let mut missed = 0;
    for run in 0..runs {
        let call = RealCall::start(&app, Offering::new(2).await).await;
        let (frames, ends_after) = spoken(said[run % said.len()]);
        let ended = call.customer.say(frames) + ends_after;
        let until = ended + Duration::from_secs(5);
        let mut heard = None;
        while let Some(message) = sam.recv_within(until.saturating_duration_since(Instant::now())).await {
            if updated(&message).is_some_and(|view| view.id == call.call && !view.phrases.is_empty()) {
                heard = Some(Instant::now().saturating_duration_since(ended));
                break;
            }
        }
        match heard {
            Some(latency) => latencies.push(latency),
            None => missed += 1,
        }
        drop(call);
    }
    latencies.sort();
    let at = |q: f64| latencies.get(((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)).map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    println!("Phrase alert latency (phrase end → a supervisor's feed), {runs} phrases on real calls:");
    println!("  found {} of {runs} | p50 {:.0} ms | p95 {:.0} ms | max {:.0} ms", latencies.len(), at(0.5), at(0.95), at(1.0));
    assert_eq!(missed, 0, "every listed phrase was found");
}
