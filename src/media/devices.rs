//! The microphones and speakers the coach can choose from.

use js_sys::Array;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{MediaDeviceInfo, MediaDeviceKind};

use super::js_error;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub label: String,
}

/// Inputs and outputs. Labels are only known once the microphone is
/// allowed; before that Chrome lists unnamed devices.
pub async fn devices() -> Result<(Vec<Device>, Vec<Device>), String> {
    let media = web_sys::window().ok_or("no window")?.navigator().media_devices().map_err(js_error)?;
    let all: Array = JsFuture::from(media.enumerate_devices().map_err(js_error)?).await.map_err(js_error)?.unchecked_into();
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for info in all.iter().filter_map(|d| d.dyn_into::<MediaDeviceInfo>().ok()) {
        let label = if info.label().is_empty() { "Unnamed device".to_owned() } else { info.label() };
        let device = Device { id: info.device_id(), label };
        match info.kind() {
            MediaDeviceKind::Audioinput => inputs.push(device),
            MediaDeviceKind::Audiooutput => outputs.push(device),
            _ => {}
        }
    }
    Ok((inputs, outputs))
}
