//! The notification sound the agent hears when a coach joins with notify.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::AudioContext;

/// Two short rising tones, synthesised (no file to fetch).
pub fn chime() {
    let Ok(context) = AudioContext::new() else { return };
    let now = context.current_time();
    for (i, frequency) in [660.0, 880.0].into_iter().enumerate() {
        let (Ok(oscillator), Ok(gain)) = (context.create_oscillator(), context.create_gain()) else { return };
        oscillator.frequency().set_value(frequency);
        let start = now + i as f64 * 0.18;
        // A soft envelope, so the tone does not click.
        let _ = gain.gain().set_value_at_time(0.0, start);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.2, start + 0.02);
        let _ = gain.gain().linear_ramp_to_value_at_time(0.0, start + 0.16);
        let _ = oscillator.connect_with_audio_node(&gain);
        let _ = gain.connect_with_audio_node(&context.destination());
        let _ = oscillator.start_with_when(start);
        let _ = oscillator.stop_with_when(start + 0.17);
        if i == 1 {
            // Each context holds an audio thread: release it once the chime is over.
            let context = context.clone();
            oscillator.set_onended(Some(Closure::once_into_js(move || drop(context.close())).unchecked_ref()));
        }
    }
}
