use leptos::prelude::*;

use super::media::Devices;
use super::CoachMedia;
use crate::media::Device;

/// The microphone and the output to use, chosen from `choices`; each
/// change goes to `on_change` with both (the coach's choice is kept in
/// `CoachMedia::devices`).
#[component]
pub fn DeviceSelects(
    /// Inputs and outputs, as `media::devices` lists them.
    #[prop(into)]
    choices: Signal<(Vec<Device>, Vec<Device>)>,
    /// Gets the new choice.
    on_change: Callback<Devices>,
    /// Prefix of the selects' test ids.
    testid: &'static str,
) -> impl IntoView {
    let media = CoachMedia::expect();
    let select = move |input: bool| {
        let list = choices.with(|(inputs, outputs)| if input { inputs.clone() } else { outputs.clone() });
        let current = media.devices().with(|d| if input { d.input.clone() } else { d.output.clone() });
        let (label, kind) = if input { ("Microphone", "input") } else { ("Speakers or headset", "output") };
        view! {
            <label>
                {label}
                " "
                <select
                    data-testid=format!("{testid}-{kind}")
                    on:change=move |ev| {
                        let mut devices = media.devices().get_untracked();
                        let chosen = event_target_value(&ev);
                        if input { devices.input = chosen } else { devices.output = chosen }
                        media.devices().set(devices.clone());
                        on_change.run(devices);
                    }
                >
                    <option value="" selected=current.is_empty()>"Default"</option>
                    {list.into_iter().map(|d| view! { <option value=d.id.clone() selected=d.id == current>{d.label}</option> }).collect_view()}
                </select>
            </label>
        }
    };
    view! { <div class="devices">{move || select(true)} {move || select(false)}</div> }
}
