//! The browser gate: Earshot runs in Chrome only, and only where the APIs
//! coaching relies on exist. Facts are read once; the verdict is plain Rust.

use js_sys::{Array, Reflect};
use wasm_bindgen::JsValue;

/// A browser API coaching cannot do without.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    /// Runs the coach's audio processing.
    AudioWorklet,
    /// Carries call audio.
    PeerConnection,
    /// Keeps the installed audio processing between sessions.
    CacheStorage,
}

impl Feature {
    pub fn describe(self) -> &'static str {
        match self {
            Feature::AudioWorklet => "AudioWorklet, which processes the coach's microphone",
            Feature::PeerConnection => "WebRTC (RTCPeerConnection), which carries the call audio",
            Feature::CacheStorage => "Cache Storage, which keeps the installed audio processing",
        }
    }
}

/// What the gate reads from the browser.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BrowserFacts {
    /// `navigator.userAgentData.brands`; empty outside Chromium browsers.
    pub brands: Vec<String>,
    pub audio_worklet: bool,
    pub peer_connection: bool,
    pub cache_storage: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Supported,
    /// Not Google Chrome or Chromium.
    NotChrome,
    /// Chrome, but without these APIs (an old version, or an insecure origin).
    Missing(Vec<Feature>),
}

/// Chromium-based browsers that are not Chrome add their own brand.
const OTHER_VENDORS: [&str; 6] = ["Microsoft Edge", "Opera", "Brave", "Vivaldi", "YaBrowser", "Samsung Internet"];

pub fn assess(facts: &BrowserFacts) -> Verdict {
    let chrome = facts.brands.iter().any(|b| b == "Google Chrome" || b == "Chromium")
        && !facts.brands.iter().any(|b| OTHER_VENDORS.contains(&b.as_str()));
    if !chrome {
        return Verdict::NotChrome;
    }
    let missing: Vec<Feature> = [
        (facts.audio_worklet, Feature::AudioWorklet),
        (facts.peer_connection, Feature::PeerConnection),
        (facts.cache_storage, Feature::CacheStorage),
    ]
    .into_iter()
    .filter_map(|(present, feature)| (!present).then_some(feature))
    .collect();
    if missing.is_empty() {
        Verdict::Supported
    } else {
        Verdict::Missing(missing)
    }
}

/// Reads the facts from the running browser.
pub fn detect() -> BrowserFacts {
    let Some(window) = web_sys::window() else {
        return BrowserFacts::default();
    };
    let has = |name: &str| Reflect::has(&window, &JsValue::from_str(name)).unwrap_or(false);
    BrowserFacts {
        brands: brands(&window),
        audio_worklet: has("AudioWorkletNode"),
        peer_connection: has("RTCPeerConnection"),
        // `caches` exists only in secure contexts (https, or 127.0.0.1).
        cache_storage: has("caches"),
    }
}

fn brands(window: &web_sys::Window) -> Vec<String> {
    let get = |target: &JsValue, key: &str| Reflect::get(target, &JsValue::from_str(key)).ok();
    let Some(list) = get(&window.navigator(), "userAgentData").and_then(|data| get(&data, "brands")) else {
        return Vec::new();
    };
    Array::from(&list).iter().filter_map(|entry| get(&entry, "brand")?.as_string()).collect()
}
