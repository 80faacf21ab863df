//! The setup's second step: the microphone allowed, the devices chosen, the
//! coach's voice seen on a meter, and a test sound heard on the chosen
//! output. All of it runs through the installed worklet, gate shut: nothing
//! leaves this computer.

use leptos::prelude::*;

use super::model::Status;
use crate::audio::{CoachAudio, Installation, Levels};
use crate::coaching::devices::DeviceSelects;
use crate::coaching::media::Devices;
use crate::coaching::meter::LevelMeter;
use crate::coaching::CoachMedia;
use crate::media::{devices, Device};

#[component]
pub fn MicrophoneStep(
    /// The installed processing (step 1), to run the meter and the test sound.
    installation: Installation,
    /// This step's status, shown in the step list.
    status: RwSignal<Status>,
) -> impl IntoView {
    let media = CoachMedia::expect();
    let audio = StoredValue::new_local(None::<CoachAudio>);
    on_cleanup(move || drop(audio.try_update_value(Option::take)));
    let levels = RwSignal::new(Levels::default());
    let choices = RwSignal::new((Vec::<Device>::new(), Vec::<Device>::new()));
    let played = RwSignal::new(false);
    let not_heard = RwSignal::new(false);
    let installation = StoredValue::new_local(installation);
    let allowed = RwSignal::new(false);

    // A click while the graph is switching devices plays once it is back:
    // a click is never lost.
    let play_when_back = StoredValue::new(false);
    let play = move || {
        not_heard.set(false);
        let played_ok = audio.with_value(|a| a.as_ref().map(CoachAudio::play_test_tone));
        match played_ok {
            Some(Ok(())) => played.set(true),
            Some(Err(e)) => status.set(Status::Failed(e)),
            None => play_when_back.set_value(true),
        }
    };
    let allow = Action::new_local(move |_: &()| async move {
        status.set(Status::Working("Waiting for Chrome's permission…".into()));
        let started = installation.with_value(|i| i.clone()).start(move |l| levels.set(l)).await;
        let mut graph = match started {
            Ok(graph) => graph,
            Err(e) => return status.set(Status::Failed(e)),
        };
        let input = media.devices().get_untracked().input;
        if let Err(e) = graph.open_microphone(Some(&input)).await {
            return status.set(Status::Failed(format!(
                "{e}. Chrome did not let Earshot use the microphone: click the microphone icon in the address bar, allow it, then Retry."
            )));
        }
        audio.set_value(Some(graph));
        // Said before the devices are listed: a "Yes, I heard it" while
        // they are (slow under load) must not be undone by it.
        status.set(Status::Working("Speak: the meter moves with your voice. Then play the test sound.".into()));
        allowed.set(true);
        if let Ok(found) = devices().await {
            choices.set(found);
        }
    });
    let switch = Action::new_local(move |devices: &Devices| {
        let devices = devices.clone();
        async move {
            let Some(mut graph) = audio.try_update_value(Option::take).flatten() else { return };
            let switched = graph.switch_devices(&devices.input, &devices.output).await;
            audio.set_value(Some(graph));
            if play_when_back.get_value() {
                play_when_back.set_value(false);
                play();
            }
            if let Err(e) = switched {
                status.set(Status::Failed(e));
            }
        }
    });
    view! {
        <p>"Earshot uses your microphone only while you whisper to the agent; while you listen it stays closed. Chrome asks you to allow it once."</p>
        <Show
            when=move || allowed.get()
            fallback=move || view! {
                <button class="primary" data-testid="setup-allow-microphone" disabled=move || allow.pending().get() on:click=move |_| { allow.dispatch(()); }>
                    {move || if matches!(status.get(), Status::Failed(_)) { "Retry" } else { "Allow the microphone" }}
                </button>
            }
        >
            <DeviceSelects choices=choices on_change=Callback::new(move |devices| { switch.dispatch(devices); }) testid="setup" />
            <LevelMeter label="Your voice" level=Signal::derive(move || levels.get().coach) testid="setup-voice-meter" />
            <div class="actions left">
                <button data-testid="setup-play-test" on:click=move |_| play()>"Play a test sound"</button>
            </div>
            <Show when=move || played.get() && !status.get().is_done()>
                <div class="heard" role="group" aria-label="Did you hear it?">
                    <span>"Did you hear it?"</span>
                    <button class="primary" data-testid="setup-heard" on:click=move |_| status.set(Status::Done("Microphone allowed, and the test sound played on your chosen output.".into()))>
                        "Yes, I heard it"
                    </button>
                    <button data-testid="setup-not-heard" on:click=move |_| not_heard.set(true)>"No"</button>
                </div>
            </Show>
            <Show when=move || not_heard.get()>
                <p class="hint" role="status">"Turn your volume up, or choose other speakers or a headset above, then play it again."</p>
            </Show>
        </Show>
    }
}
