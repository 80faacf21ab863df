//! The browser gate and the first screen.

use earshot::platform::{assess, detect, BrowserFacts, Feature, Unsupported, Verdict};
use leptos::prelude::*;
use wasm_bindgen_test::*;

use crate::{container, sleep, text_of};

fn chrome(brands: &[&str]) -> BrowserFacts {
    BrowserFacts {
        brands: brands.iter().map(|b| b.to_string()).collect(),
        audio_worklet: true,
        peer_connection: true,
        cache_storage: true,
    }
}

#[wasm_bindgen_test]
fn gate_accepts_headless_chromium() {
    let facts = detect();
    assert!(facts.brands.iter().any(|b| b == "Chromium"), "brands: {:?}", facts.brands);
    assert_eq!(assess(&facts), Verdict::Supported);
}

#[wasm_bindgen_test]
fn gate_refuses_other_browsers_and_names_missing_features() {
    assert_eq!(assess(&chrome(&["Google Chrome", "Not.A/Brand"])), Verdict::Supported);
    assert_eq!(assess(&chrome(&[])), Verdict::NotChrome, "no userAgentData: Firefox, Safari");
    assert_eq!(assess(&chrome(&["Chromium", "Microsoft Edge"])), Verdict::NotChrome);
    let old = BrowserFacts { audio_worklet: false, cache_storage: false, ..chrome(&["Google Chrome"]) };
    assert_eq!(assess(&old), Verdict::Missing(vec![Feature::AudioWorklet, Feature::CacheStorage]));
}

#[wasm_bindgen_test]
async fn unsupported_page_explains_why() {
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), || view! { <Unsupported verdict=Verdict::NotChrome /> });
    leptos::task::tick().await;

    assert_eq!(text_of(&root, "[data-testid=unsupported] h1").as_deref(), Some("Earshot needs Google Chrome"));
    assert!(text_of(&root, "[data-testid=unsupported]").unwrap().contains("AudioWorklet"));
}

#[wasm_bindgen_test]
async fn app_mounts_and_renders_its_sign_in_page() {
    let root = container();
    let _mounted = leptos::mount::mount_to(root.clone(), earshot::App);

    // The app first asks the server for an existing session; the test page
    // has no API, so the answer is "none" and the form appears.
    let mut heading = None;
    for _ in 0..200 {
        leptos::task::tick().await;
        heading = text_of(&root, "[data-testid=sign-in] h1");
        if heading.is_some() {
            break;
        }
        sleep(10).await;
    }

    assert_eq!(heading.as_deref(), Some("Sign in to Earshot"));
    assert!(root.query_selector("label[for=email]").unwrap().is_some());
    assert!(root.query_selector("input#password[type=password]").unwrap().is_some());
}
