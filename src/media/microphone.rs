//! Opening the microphone, for every party that speaks.

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaStream, MediaStreamConstraints};

use super::js_error;

/// The microphone `device` (an `audioinput` id), or the default one, with
/// echo cancellation, noise suppression and auto gain on.
pub async fn open_microphone(device: Option<&str>) -> Result<MediaStream, String> {
    let devices = web_sys::window().ok_or("no window")?.navigator().media_devices().map_err(js_error)?;
    let audio = Object::new();
    for key in ["echoCancellation", "noiseSuppression", "autoGainControl"] {
        Reflect::set(&audio, &key.into(), &JsValue::TRUE).map_err(js_error)?;
    }
    if let Some(device) = device.filter(|d| !d.is_empty()) {
        let exact = Object::new();
        Reflect::set(&exact, &"exact".into(), &device.into()).map_err(js_error)?;
        Reflect::set(&audio, &"deviceId".into(), &exact).map_err(js_error)?;
    }
    let constraints = MediaStreamConstraints::new();
    constraints.set_audio(&audio);
    let stream = devices.get_user_media_with_constraints(&constraints).map_err(js_error)?;
    let stream = JsFuture::from(stream).await.map_err(|e| format!("the microphone is not available: {}", js_error(e)))?;
    Ok(stream.unchecked_into())
}
