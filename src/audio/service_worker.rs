//! The service worker that serves the installed files to the AudioWorklet
//! (`public/audio-sw.js`): registered on first use, and waited for until it
//! controls this page — before that, `/audio/installed/…` reaches the server,
//! which has no such file.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::ServiceWorkerRegistration;

use crate::media::js_error;
use crate::media::sleep;

const SCRIPT: &str = "/audio-sw.js";
/// A new worker installs, activates and claims the page in well under a
/// second; past this something blocks it.
const CONTROL_WITHIN_MS: i32 = 10_000;

/// Registers the worker (a no-op when it is registered already) and waits
/// until it controls the page. A page loaded past an active worker (a hard
/// reload) asks it to take the page over.
pub async fn ensure_controlled() -> Result<(), String> {
    let container = web_sys::window().ok_or("no window")?.navigator().service_worker();
    if container.controller().is_some() {
        return Ok(());
    }
    JsFuture::from(container.register(SCRIPT))
        .await
        .map_err(|e| format!("the browser refused Earshot's service worker ({}): it may block them for this site", js_error(e)))?;
    let ready: ServiceWorkerRegistration = JsFuture::from(container.ready().map_err(js_error)?).await.map_err(js_error)?.unchecked_into();
    if let Some(worker) = ready.active() {
        worker.post_message(&"claim".into()).map_err(js_error)?;
    }
    let mut waited = 0;
    while container.controller().is_none() {
        if waited >= CONTROL_WITHIN_MS {
            return Err("Earshot's service worker did not start: reload the page and try again".into());
        }
        sleep(50).await;
        waited += 50;
    }
    Ok(())
}
