use earshot_protocol::CallId;
use leptos::prelude::*;

use super::{AudioHealth, CoachMedia, CoachingUi};
use crate::live::{format_duration, Live};

/// What the panel's buttons do.
#[derive(Clone, Copy)]
enum Step {
    Whisper(bool),
    Leave,
    Rejoin(CallId, bool),
    ListenHere(CallId),
}

/// The bar shown while coaching (whisper, leave) and after leaving (rejoin).
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
                Step::Whisper(on) => media.whisper(on).await,
                Step::Leave => media.leave().await,
                Step::Rejoin(call, notify) => media.join(call, notify).await,
                Step::ListenHere(call) => media.reconnect(call).await,
            };
            error.set(result.err());
        }
    });
    let coaching = Memo::new(move |_| live.state().with(|s| s.coached_by(me).map(|c| c.id)));
    // After leaving, Rejoin is offered while the call lasts.
    let rejoinable = Memo::new(move |_| {
        let (call, notify) = ui.last.get()?;
        (coaching.get().is_none() && live.state().with(|s| s.calls.contains_key(&call))).then_some((call, notify))
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
    let session = Memo::new(move |_| coaching.get().and_then(describe));
    let left = Memo::new(move |_| rejoinable.get().and_then(|(call, notify)| Some((call, notify, describe(call)?.0))));
    view! {
        <section class="coaching-panel" aria-label="Coaching" data-testid="coaching-panel">
            {move || {
                if let Some((what, session)) = session.get() {
                    let session = session?;
                    let call = coaching.get()?;
                    let whisper = session.whisper;
                    let since = session.since;
                    Some(view! {
                        <span class="live-dot" aria-hidden="true"></span>
                        <span data-testid="coaching-what">{format!("Coaching {what}")}</span>
                        <span class="muted" data-testid="coaching-elapsed">
                            {move || format_duration(live.server_now().0.saturating_sub(since.0))}
                        </span>
                        <span class="muted">{if whisper { "Whispering to the agent" } else { "Listening" }}</span>
                        <Show
                            when=move || media.here().get()
                            fallback=move || view! {
                                <span data-testid="not-here">"The call's audio is not playing in this window."</span>
                                <button
                                    class="primary"
                                    data-testid="listen-here"
                                    disabled=move || act.pending().get()
                                    on:click=move |_| { act.dispatch(Step::ListenHere(call)); }
                                >
                                    "Listen here"
                                </button>
                            }
                        >
                            <button
                                data-testid="whisper"
                                aria-pressed=if whisper { "true" } else { "false" }
                                class:primary=whisper
                                disabled=move || act.pending().get()
                                on:click=move |_| { act.dispatch(Step::Whisper(!whisper)); }
                            >
                                {if whisper { "Stop whispering" } else { "Whisper" }}
                            </button>
                        </Show>
                        <button data-testid="leave" on:click=move |_| { act.dispatch(Step::Leave); }>"Leave"</button>
                    }.into_any())
                } else if let Some((call, notify, what)) = left.get() {
                    Some(view! {
                        <span>{format!("You left the call of {what}")}</span>
                        <button
                            class="primary"
                            data-testid="rejoin"
                            disabled=move || act.pending().get()
                            on:click=move |_| { act.dispatch(Step::Rejoin(call, notify)); }
                        >
                            "Rejoin"
                        </button>
                        <button on:click=move |_| ui.last.set(None)>"Dismiss"</button>
                    }.into_any())
                } else {
                    None
                }
            }}
            {move || match (session.with(Option::is_some), media.health().get()) {
                (true, AudioHealth::Unreachable { server }) => Some(view! {
                    <p class="no-audio" role="alert" data-testid="no-audio">
                        "No audio: this network does not let the call's audio through. Ask your IT team to allow "
                        {server}
                        " from this computer (and the replies back), then leave and rejoin."
                    </p>
                }),
                _ => None,
            }}
            <span class="error" role="alert">{move || error.get()}</span>
        </section>
    }
}
