use earshot_protocol::CallId;
use leptos::prelude::*;

use super::mixer::Mixer;
use super::setup::model::it_advice;
use super::talk::TalkControls;
use super::{AudioHealth, CoachMedia, CoachingUi, Intent, Talk};
use crate::live::{format_duration, Live};

/// What the panel's other buttons do.
#[derive(Clone, Copy)]
enum Step {
    Leave,
    Start(Intent),
}

/// The bar shown while coaching (meters, whisper, push-to-talk, leave) and
/// after leaving (rejoin).
#[component]
pub fn CoachingPanel() -> impl IntoView {
    let ui = CoachingUi::expect();
    let live = Live::expect();
    let me = crate::auth::me().id;
    let media = CoachMedia::expect();
    let error = RwSignal::new(None::<String>);
    let act = Action::new_local(move |step: &Step| {
        let step = *step;
        async move {
            let result = match step {
                Step::Leave => media.leave().await,
                Step::Start(intent) => ui.start(media, intent).await.map(drop),
            };
            error.set(result.err());
        }
    });
    let set_talk = Action::new_local(move |talk: &Talk| {
        let talk = *talk;
        async move { error.set(media.set_talk(talk).await.err()) }
    });
    let coaching = Memo::new(move |_| live.state().with(|s| s.coached_by(me).map(|c| c.id)));
    // After leaving, Rejoin is offered while the call lasts.
    let rejoinable = Memo::new(move |_| {
        let last = ui.last.get()?;
        (coaching.get().is_none() && live.state().with(|s| s.calls.contains_key(&last.call))).then_some(last)
    });
    let describe = move |call: CallId| {
        live.state().with(|s| {
            let c = s.calls.get(&call)?;
            let agent = c.agent.map(|a| s.user_name(a)).unwrap_or_default();
            let customer = c.customer.label().to_owned();
            Some((format!("{agent} with {customer} on {}", s.number_name(c.number)), c.coaching.clone()))
        })
    };
    // Memos, so the bar re-renders only when what it shows changes (not on
    // every delta, which would steal keyboard focus).
    // Only what the bar names: a whisper toggling must not re-render (and
    // so reset) the meters, volumes and device choice below it.
    let session = Memo::new(move |_| coaching.get().and_then(describe).map(|(what, _)| what));
    // After leaving: what the call was, and — when it moved to another
    // agent, which ended the session — who has it now.
    let left = Memo::new(move |_| {
        let last = rejoinable.get()?;
        let moved_to = live.state().with(|s| {
            let agent = s.calls.get(&last.call)?.agent?;
            (Some(agent) != last.agent).then(|| s.user_name(agent))
        });
        Some((last.call, last.notify, describe(last.call)?.0, moved_to))
    });
    let since = Memo::new(move |_| coaching.get().and_then(describe).and_then(|(_, s)| s.map(|s| s.since)));
    // Whether the agent was told, in words that name them.
    let told = Memo::new(move |_| {
        let call = coaching.get()?;
        live.state().with(|s| {
            let c = s.calls.get(&call)?;
            let agent = c.agent.map(|a| s.user_name(a)).unwrap_or_default();
            Some(if c.coaching.as_ref()?.notified_agent { format!("{agent} was told you are coaching") } else { format!("Silent: {agent} was not told") })
        })
    });
    view! {
        <section class="coaching-panel" class:on-air=move || on_air(media) aria-label="Coaching" data-testid="coaching-panel">
            {move || {
                if let Some(what) = session.get() {
                    let call = coaching.get()?;
                    Some(view! {
                        <div class="coaching-line">
                            <TalkState />
                            <span data-testid="coaching-what">{format!("Coaching {what}")}</span>
                            <span class="muted" data-testid="agent-told">{move || told.get()}</span>
                            <span class="muted" data-testid="coaching-elapsed">
                                {move || since.get().map(|since| format_duration(live.server_now().0.saturating_sub(since.0)))}
                            </span>
                            <Show
                                when=move || media.here().get()
                                fallback=move || view! {
                                    <span data-testid="not-here">"The call's audio is not playing in this window."</span>
                                    <button
                                        class="primary"
                                        data-testid="listen-here"
                                        disabled=move || act.pending().get()
                                        on:click=move |_| { act.dispatch(Step::Start(Intent::ListenHere(call))); }
                                    >
                                        "Listen here"
                                    </button>
                                }
                            >
                                <TalkControls set_talk />
                            </Show>
                            <button data-testid="leave" on:click=move |_| { act.dispatch(Step::Leave); }>"Leave"</button>
                        </div>
                        <Show when=move || media.here().get()>
                            <Mixer />
                        </Show>
                    }.into_any())
                } else if let Some((call, notify, what, moved_to)) = left.get() {
                    let (said, again) = match &moved_to {
                        Some(agent) => (format!("Coaching ended: the call was transferred. It is now {what}; you may coach {agent} afresh."), format!("Coach {agent}")),
                        None => (format!("You left the call of {what}"), "Rejoin".to_owned()),
                    };
                    // The choice shows again: the last one, to change before rejoining.
                    let notify = RwSignal::new(notify);
                    Some(view! {
                        <div class="coaching-line">
                            <span role="status" data-testid="coaching-ended">{said}</span>
                            <label class="toggle">
                                <input type="checkbox" data-testid="rejoin-notify" bind:checked=notify />
                                "Tell the agent I am coaching"
                            </label>
                            <button
                                class="primary"
                                data-testid="rejoin"
                                disabled=move || act.pending().get()
                                on:click=move |_| {
                                    let notify = notify.get_untracked();
                                    super::model::remember_notify(notify);
                                    act.dispatch(Step::Start(Intent::Join { call, notify, open_conversation: false }));
                                }
                            >
                                {again}
                            </button>
                            <button on:click=move |_| ui.last.set(None)>"Dismiss"</button>
                        </div>
                    }.into_any())
                } else {
                    None
                }
            }}
            {move || match (session.with(Option::is_some), media.health().get()) {
                (true, AudioHealth::Unreachable { server }) => Some(view! {
                    <p class="no-audio" role="alert" data-testid="no-audio">
                        {format!("No audio: this network does not let the call's audio through. {} Then leave and rejoin.", it_advice(&server))}
                    </p>
                }.into_any()),
                (true, AudioHealth::Reconnecting) => Some(view! {
                    <p class="reconnecting" role="status" data-testid="audio-reconnecting">
                        "The network dropped: the call's audio reconnects by itself as soon as it is back."
                    </p>
                }.into_any()),
                _ => None,
            }}
            <span class="error" role="alert">{move || error.get()}</span>
        </section>
    }
}

/// Whether the agent hears the coach now: the whisper on, or push-to-talk
/// held, with the audio in this window.
fn on_air(media: CoachMedia) -> bool {
    media.here().get()
        && match media.talk().get() {
            Talk::Off => false,
            Talk::Latched => true,
            Talk::PushToTalk => media.held().get(),
        }
}

/// Listening or talking, unmistakably: no cue while listening; a microphone
/// while the agent can hear the coach (and the whole bar turns with it).
#[component]
fn TalkState() -> impl IntoView {
    let media = CoachMedia::expect();
    let live = Live::expect();
    let me = crate::auth::me().id;
    // Without the audio here (after a reload), the server's word.
    let whispering = Memo::new(move |_| live.state().with(|s| s.coached_by(me).and_then(|c| c.coaching.as_ref()).is_some_and(|c| c.whisper)));
    let state = move || match (media.here().get(), media.talk().get(), media.held().get()) {
        (true, Talk::Latched, _) => ("talk-state on-air", "Whispering to the agent: they hear you"),
        (true, Talk::PushToTalk, true) => ("talk-state on-air", "Push to talk: the agent hears you"),
        (true, Talk::PushToTalk, false) => ("talk-state armed", "Push to talk: hold T or the button to speak"),
        (false, _, _) if whispering.get() => ("talk-state", "Whispering elsewhere"),
        _ => ("talk-state listening", "Listening: your microphone is closed"),
    };
    let microphone = move || media.here().get() && media.talk().get() != Talk::Off;
    view! {
        <span class=move || state().0 role="status" data-testid="talk-state">
            <Show when=microphone>
                <svg class="microphone" data-testid="microphone-icon" viewBox="0 0 24 24" aria-hidden="true">
                    <rect x="9" y="3" width="6" height="11" rx="3" />
                    <path d="M5 11a7 7 0 0 0 14 0M12 18v3M8 21h8" fill="none" stroke-width="2" stroke-linecap="round" />
                </svg>
            </Show>
            {move || state().1}
        </span>
    }
}
