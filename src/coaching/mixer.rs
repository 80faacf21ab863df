//! What the coach hears, and how loud: meters for customer, agent and the
//! coach's own voice, a volume for each party, and the devices — switched
//! mid-call without dropping it or the whisper.

use leptos::prelude::*;

use super::devices::DeviceSelects;
use super::media::Devices;
use super::meter::LevelMeter;
use super::model::talks_over_the_customer;
use super::CoachMedia;
use crate::audio::Control;
use crate::media::devices;

#[component]
pub fn Mixer() -> impl IntoView {
    let media = CoachMedia::expect();
    let levels = media.levels();
    let over_the_customer = move || talks_over_the_customer(media.talk().get(), media.held().get(), levels.get().customer);
    view! {
        <div class="mixer">
            <div class="party">
                <LevelMeter label="Customer" level=Signal::derive(move || levels.get().customer) testid="meter-customer" />
                <Volume label="Customer volume" control=Control::CustomerVolume testid="volume-customer" />
            </div>
            <div class="party">
                <LevelMeter label="Agent" level=Signal::derive(move || levels.get().agent) testid="meter-agent" />
                <Volume label="Agent volume" control=Control::AgentVolume testid="volume-agent" />
            </div>
            <div class="party">
                <LevelMeter label="You" level=Signal::derive(move || levels.get().coach) testid="meter-coach" />
            </div>
            <DeviceChoice />
        </div>
        <Show when=over_the_customer>
            <p class="talk-over" role="alert" data-testid="talk-over">
                "The customer is speaking: the agent cannot listen to you both. Keep it short, or wait."
            </p>
        </Show>
    }
}

/// One party's volume, 0 to 200 %.
#[component]
fn Volume(label: &'static str, control: Control, testid: &'static str) -> impl IntoView {
    let media = CoachMedia::expect();
    view! {
        <input
            type="range"
            min="0"
            max="200"
            value="100"
            step="5"
            aria-label=label
            data-testid=testid
            on:input=move |ev| {
                if let Ok(percent) = event_target_value(&ev).parse::<f32>() {
                    media.set_volume(control, percent / 100.0);
                }
            }
        />
    }
}

/// The microphone and output in use, switchable mid-call.
#[component]
fn DeviceChoice() -> impl IntoView {
    let media = CoachMedia::expect();
    let choices = LocalResource::new(|| async { devices().await.unwrap_or_default() });
    let error = RwSignal::new(None::<String>);
    let switch = Action::new_local(move |devices: &Devices| {
        let devices = devices.clone();
        async move { error.set(media.switch_devices(devices).await.err()) }
    });
    view! {
        <details class="device-choice">
            <summary>"Devices"</summary>
            <DeviceSelects
                choices=Signal::derive(move || choices.get().unwrap_or_default())
                on_change=Callback::new(move |devices| { switch.dispatch(devices); })
                testid="device"
            />
            <span class="error" role="alert">{move || error.get()}</span>
        </details>
    }
}
