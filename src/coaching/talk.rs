//! How the coach talks to the agent: latched whisper, or push-to-talk
//! (hold the button, or the T key anywhere but in a text field).

use leptos::ev;
use leptos::prelude::*;

use super::{CoachMedia, Talk};

/// The key held for push-to-talk.
const TALK_KEY: &str = "t";

/// Whisper and push-to-talk buttons, by the current way of talking.
#[component]
pub fn TalkControls(
    /// Changes the way of talking; the panel owns the action (one error line).
    set_talk: Action<Talk, ()>,
) -> impl IntoView {
    let media = CoachMedia::expect();
    let busy = move || set_talk.pending().get();
    move || match media.talk().get() {
        Talk::Off => view! {
            <button data-testid="whisper" aria-pressed="false" disabled=busy on:click=move |_| { set_talk.dispatch(Talk::Latched); }>
                "Whisper"
            </button>
            <button data-testid="push-to-talk" disabled=busy on:click=move |_| { set_talk.dispatch(Talk::PushToTalk); }>
                "Push to talk"
            </button>
        }
        .into_any(),
        Talk::Latched => view! {
            <button class="primary" data-testid="whisper" aria-pressed="true" disabled=busy on:click=move |_| { set_talk.dispatch(Talk::Off); }>
                "Stop whispering"
            </button>
        }
        .into_any(),
        Talk::PushToTalk => view! {
            <HoldToTalk />
            <button data-testid="stop-push-to-talk" disabled=busy on:click=move |_| { set_talk.dispatch(Talk::Off); }>
                "Stop push to talk"
            </button>
        }
        .into_any(),
    }
}

/// The hold-to-talk button and the T key, while push-to-talk is on.
#[component]
fn HoldToTalk() -> impl IntoView {
    let media = CoachMedia::expect();
    let hold = move |held: bool| {
        if media.held().get_untracked() != held {
            media.hold_to_talk(held);
        }
    };
    let typing = |ev: &web_sys::KeyboardEvent| {
        use wasm_bindgen::JsCast;
        ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"))
    };
    let down = window_event_listener(ev::keydown, move |ev| {
        if ev.key().eq_ignore_ascii_case(TALK_KEY) && !typing(&ev) {
            hold(true);
        }
    });
    let up = window_event_listener(ev::keyup, move |ev| {
        if ev.key().eq_ignore_ascii_case(TALK_KEY) {
            hold(false);
        }
    });
    // The pointer releases only what it pressed: a mouse passing over the
    // button must not cut off a coach holding T.
    let pressed = StoredValue::new(false);
    let release_pointer = move || {
        if std::mem::take(&mut *pressed.write_value()) {
            hold(false);
        }
    };
    // A window that loses focus never sees the key go up.
    let blur = window_event_listener(ev::blur, move |_| hold(false));
    on_cleanup(move || {
        down.remove();
        up.remove();
        blur.remove();
        media.hold_to_talk(false);
    });
    view! {
        <button
            class="talk"
            class:primary=move || media.held().get()
            data-testid="hold-to-talk"
            aria-pressed=move || if media.held().get() { "true" } else { "false" }
            aria-keyshortcuts="T"
            on:pointerdown=move |_| {
                pressed.set_value(true);
                hold(true)
            }
            on:pointerup=move |_| release_pointer()
            on:pointerleave=move |_| release_pointer()
            on:keydown=move |ev| if ev.key() == " " || ev.key() == "Enter" { ev.prevent_default(); hold(true) }
            on:keyup=move |ev| if ev.key() == " " || ev.key() == "Enter" { hold(false) }
        >
            {move || if media.held().get() { "Talking to the agent…" } else { "Hold to talk (T)" }}
        </button>
    }
}
