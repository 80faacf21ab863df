//! The coach's audio processing in a real Chromium: installed into Cache
//! Storage and checked by SHA-256, and the real worklet running the real DSP
//! module. The files are the build's own (`cargo xtask audio` writes
//! `target/audio/`; `cargo xtask test` runs it first).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use earshot::audio::install::{self, Problem};
use earshot::audio::worklet::{self, Control, Input, Levels};
use earshot::audio::{Installation, Source};
use earshot_protocol::audio::{DSP_FILE, PROCESSOR_FILE};
use earshot_protocol::{AudioFile, AudioManifest};
use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{AudioBuffer, BaseAudioContext, CacheStorage, OfflineAudioContext};

use crate::sleep;

const PROCESSOR: &[u8] = include_bytes!("../../target/audio/earshot-processor.js");
const DSP: &[u8] = include_bytes!("../../target/audio/earshot-dsp.wasm");

/// The built files in hand, published as `version`.
pub async fn built(version: &str) -> Source {
    Source::in_hand(version, &[(PROCESSOR_FILE, PROCESSOR), (DSP_FILE, DSP)]).await.unwrap()
}

/// The manifest a server would publish for the built files, as `version`.
async fn manifest(version: &str) -> AudioManifest {
    built(version).await.manifest().await.unwrap()
}

/// Installs the built files, as the setup's first step does.
pub async fn install_built(source: &Source) -> Installation {
    let manifest = source.manifest().await.unwrap();
    earshot::audio::install(source, &manifest, |_, _| {}).await.unwrap()
}

/// Serves the built files like the server does, counting downloads.
fn server(downloads: &Rc<Cell<u32>>) -> impl Fn(AudioFile) -> std::future::Ready<Result<Vec<u8>, String>> {
    let downloads = Rc::clone(downloads);
    move |file: AudioFile| {
        downloads.set(downloads.get() + 1);
        std::future::ready(Ok(if file.name == PROCESSOR_FILE { PROCESSOR } else { DSP }.to_vec()))
    }
}

fn caches() -> CacheStorage {
    web_sys::window().unwrap().caches().unwrap()
}

async fn cache_names() -> Vec<String> {
    let keys: Array = JsFuture::from(caches().keys()).await.unwrap().unchecked_into();
    keys.iter().filter_map(|k| k.as_string()).collect()
}

/// What Chrome's "clear site data" does to Cache Storage: every cache gone.
pub async fn clear_site_caches() {
    for name in cache_names().await {
        JsFuture::from(caches().delete(&name)).await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn sha256_is_the_real_thing() {
    // FIPS 180-2's example.
    assert_eq!(install::sha256_hex(b"abc").await.unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

#[wasm_bindgen_test]
async fn install_redone_after_cache_clear() {
    clear_site_caches().await;
    let v1 = manifest("test-v1").await;
    let downloads = Rc::new(Cell::new(0));
    let missing_both = vec![Problem::Missing(PROCESSOR_FILE.into()), Problem::Missing(DSP_FILE.into())];

    // A fresh browser: nothing installed; setup installs and verifies.
    assert_eq!(install::verify(&v1).await.unwrap(), missing_both);
    let progress = Rc::new(RefCell::new(Vec::new()));
    let seen = Rc::clone(&progress);
    install::install(&v1, server(&downloads), move |done, total| seen.borrow_mut().push((done, total))).await.unwrap();
    let total = (PROCESSOR.len() + DSP.len()) as u64;
    assert_eq!(progress.borrow().first(), Some(&(0, total)));
    assert_eq!(progress.borrow().last(), Some(&(total, total)));
    assert_eq!(downloads.get(), 2);
    assert_eq!(cache_names().await, vec![install::cache_name(&v1)]);
    assert_eq!(install::verify(&v1).await.unwrap(), vec![], "installed and verified");
    assert_eq!(install::read(&v1, DSP_FILE).await.unwrap(), DSP, "the cache holds the very bytes");

    // The next session finds it installed: no download.
    assert_eq!(install::verify(&v1).await.unwrap(), vec![]);
    assert_eq!(downloads.get(), 2);

    // Site data cleared: the next session installs again.
    clear_site_caches().await;
    assert_eq!(install::verify(&v1).await.unwrap(), missing_both);
    install::install(&v1, server(&downloads), |_, _| {}).await.unwrap();
    assert_eq!((downloads.get(), install::verify(&v1).await.unwrap()), (4, vec![]));

    // A corrupted entry is found by its hash and installed again.
    let cache: web_sys::Cache = JsFuture::from(caches().open(&install::cache_name(&v1))).await.unwrap().unchecked_into();
    let garbage = web_sys::Response::new_with_opt_str(Some("registerProcessor('evil', class {})")).unwrap();
    JsFuture::from(cache.put_with_str(&install::installed_url(&v1, PROCESSOR_FILE), &garbage)).await.unwrap();
    assert_eq!(install::verify(&v1).await.unwrap(), vec![Problem::Corrupted(PROCESSOR_FILE.into())]);
    install::install(&v1, server(&downloads), |_, _| {}).await.unwrap();
    assert_eq!(install::verify(&v1).await.unwrap(), vec![]);

    // A partial install (one entry gone) is found and completed.
    JsFuture::from(cache.delete_with_str(&install::installed_url(&v1, DSP_FILE))).await.unwrap();
    assert_eq!(install::verify(&v1).await.unwrap(), vec![Problem::Missing(DSP_FILE.into())]);

    // A download damaged on the way is refused, and nothing is claimed installed.
    let damaged = |_: AudioFile| std::future::ready(Ok(b"not the file".to_vec()));
    let refusal = install::install(&v1, damaged, |_, _| {}).await.unwrap_err();
    assert!(refusal.contains("arrived damaged"), "{refusal}");
    assert_ne!(install::verify(&v1).await.unwrap(), vec![]);

    // A new server version installs beside, then replaces, the old one.
    let v2 = manifest("test-v2").await;
    assert_eq!(install::verify(&v2).await.unwrap(), missing_both);
    install::install(&v2, server(&downloads), |_, _| {}).await.unwrap();
    assert_eq!(cache_names().await, vec![install::cache_name(&v2)], "the old version is gone");
    assert_eq!(install::verify(&v2).await.unwrap(), vec![]);
    clear_site_caches().await;
}

const RATE: f32 = 48_000.0;

/// Samples `[from, to)` seconds of a channel.
fn window(channel: &[f32], from: f32, to: f32) -> &[f32] {
    &channel[(from * RATE) as usize..(to * RATE) as usize]
}

fn all_near(samples: &[f32], value: f32) -> bool {
    samples.iter().all(|s| (s - value).abs() < 1e-4)
}

#[wasm_bindgen_test]
async fn worklet_renders_known_input() {
    clear_site_caches().await;
    let installation = install_built(&built("test-render").await).await;

    // One second: customer 0.5, agent 0.25, microphone 0.8 (constants, so
    // every sample says what the DSP did); playback left, capture right.
    let context = OfflineAudioContext::new_with_number_of_channels_and_length_and_sample_rate(2, RATE as u32, RATE).unwrap();
    let base: &BaseAudioContext = context.as_ref();
    let node = worklet::load(base, installation.processor_url(), installation.dsp()).await.unwrap();
    for (input, level) in [(Input::Customer, 0.5), (Input::Agent, 0.25), (Input::Microphone, 0.8)] {
        let source = context.create_constant_source().unwrap();
        source.offset().set_value(level);
        source.connect_with_audio_node_and_output_and_input(&node, 0, input as u32).unwrap();
        source.start().unwrap();
    }
    let merger = context.create_channel_merger_with_number_of_inputs(2).unwrap();
    node.connect_with_audio_node_and_output_and_input(&merger, 0, 0).unwrap();
    node.connect_with_audio_node_and_output_and_input(&merger, 1, 1).unwrap();
    merger.connect_with_audio_node(&context.destination()).unwrap();
    let levels = Rc::new(RefCell::new(Vec::<Levels>::new()));
    let heard = Rc::clone(&levels);
    let _meters = worklet::on_levels(&node, move |l| heard.borrow_mut().push(l)).unwrap();

    // The script: listen; whisper at 0.25 s; push-to-talk (key up) at
    // 0.5 s; key held at 0.625 s; everything off at 0.75 s, customer muted
    // and the agent doubled.
    let at = |control: Control, value: f32, time: f64| {
        node.parameters().unwrap().get(control.name()).unwrap().set_value_at_time(value, time).unwrap();
    };
    at(Control::Whisper, 1.0, 0.25);
    at(Control::PushToTalk, 1.0, 0.5);
    at(Control::Held, 1.0, 0.625);
    for control in [Control::Held, Control::PushToTalk, Control::Whisper, Control::CustomerVolume] {
        at(control, 0.0, 0.75);
    }
    at(Control::AgentVolume, 2.0, 0.75);

    let rendered: AudioBuffer = JsFuture::from(context.start_rendering().unwrap()).await.unwrap().unchecked_into();
    let playback = rendered.get_channel_data(0).unwrap();
    let capture = rendered.get_channel_data(1).unwrap();

    // Listening: the microphone is a hard zero; the coach hears both parties.
    assert!(window(&capture, 0.0, 0.25).iter().all(|&s| s == 0.0), "listening sends exact zeros");
    assert!(all_near(window(&playback, 0.0, 0.75), 0.75), "customer + agent at full volume");
    // Whisper: no step (a click), then the voice at full level.
    let opened = capture.iter().position(|&s| s != 0.0).expect("whisper opens the gate");
    assert!(opened >= (0.25 * RATE) as usize && capture[opened] < 0.01, "a ramp, not a step: {} at {opened}", capture[opened]);
    assert!(all_near(window(&capture, 0.26, 0.5), 0.8), "whispering passes the voice");
    // Push-to-talk: silent until held, the voice while held.
    assert!(window(&capture, 0.51, 0.625).iter().all(|&s| s == 0.0), "push-to-talk, key up: exact zeros");
    assert!(all_near(window(&capture, 0.64, 0.75), 0.8), "key held: the voice");
    // Off again; the volumes moved.
    assert!(window(&capture, 0.76, 1.0).iter().all(|&s| s == 0.0), "whisper off: exact zeros again");
    assert!(all_near(window(&playback, 0.76, 1.0), 0.5), "customer muted, agent doubled");

    // The meters: ~30 a second, each party's constant level.
    sleep(100).await;
    let readings = levels.borrow().clone();
    assert!(readings.len() >= 20, "{} meter readings for one second", readings.len());
    let first = readings[0];
    for (level, expected) in [(first.customer, 0.5), (first.agent, 0.25), (first.coach, 0.8)] {
        assert!((level.peak - expected).abs() < 1e-4 && (level.rms - expected).abs() < 1e-3, "{first:?}");
    }
    clear_site_caches().await;
}
