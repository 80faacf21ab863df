//! `/agent`: the agent's softphone. Their call arrives by itself (callers
//! are routed to agents with this view open); its audio connects at once —
//! customer and coach in, microphone out — closes when the call ends, and
//! connects again by itself when the connection is lost (a network change).

mod actions;
mod help;
mod outside;
mod presence;

use earshot_protocol::{CallId, CallState, Request};
use leptos::prelude::*;

use actions::CallActions;
use help::AskForHelp;
use outside::TransferOutside;
use presence::PresenceControl;

use crate::contacts::ContactName;
use crate::live::{format_duration, provide_live, Connection, Endpoint};
use crate::media::{chime, went_down, Line, Peer};

/// How long "… stopped coaching" shows after a notified coach leaves.
const STOPPED_SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(6);

#[component]
pub fn AgentView() -> impl IntoView {
    let live = provide_live(Endpoint::Agent);
    let peer: StoredValue<Option<(CallId, Peer)>, LocalStorage> = StoredValue::new_local(None);
    // Counts connections made and dropped, so a watcher knows when its own
    // is no longer the current one.
    let generation = StoredValue::new(0u32);
    let hang_up_audio = move || {
        // Also on cleanup, when the view may already be gone.
        let _ = peer.try_update_value(|p| drop(p.take()));
        let _ = generation.try_update_value(|g| *g += 1);
    };
    on_cleanup(hang_up_audio);
    let mine = Memo::new(move |_| live.state().with(|s| s.my_call.clone()));
    let call = Memo::new(move |_| mine.with(|m| m.as_ref().and_then(|m| m.call.clone())));
    let me = Signal::derive(move || mine.with(|m| m.as_ref().and_then(|m| m.me.clone())));
    let call_id = Memo::new(move |_| call.with(|c| c.as_ref().map(|c| c.id)));
    let coached_by = Memo::new(move |_| mine.with(|m| m.as_ref().and_then(|m| m.coached_by.clone())));
    // Whether the coach who told the agent is talking to them now.
    let talking = Memo::new(move |_| call.with(|c| c.as_ref().and_then(|c| c.coaching.as_ref()).is_some_and(|s| s.whisper)));
    // The coach who just left, said for a few seconds.
    let stopped = RwSignal::new(None::<String>);
    let muted = RwSignal::new(false);

    let connect = Action::new_local(move |&call: &CallId| async move {
        let (opened, _) = Peer::connect(&["customer", "coach"], Line::Microphone, |offer| live.request(Request::JoinMyCall { offer })).await?;
        // A new connection keeps the agent's mute.
        opened.set_muted(muted.get_untracked());
        peer.set_value(Some((call, opened)));
        generation.update_value(|g| *g += 1);
        Ok::<(), String>(())
    });
    // A lost connection (a network change) is replaced by a new one.
    Effect::new(move || {
        if !connect.value().with(|v| matches!(v, Some(Ok(())))) {
            return;
        }
        let Some(call) = peer.with_value(|p| p.as_ref().map(|(id, _)| *id)) else { return };
        let current = generation.get_value();
        leptos::task::spawn_local(async move {
            let down = move || peer.try_with_value(|p| p.as_ref().map(|(_, p)| p.is_down())).flatten();
            if went_down(down, move || generation.try_get_value() == Some(current)).await {
                hang_up_audio();
                connect.dispatch(call);
            }
        });
    });
    let state = Signal::derive(move || call.with(|c| c.as_ref().map(|c| c.state)));
    let hand = Signal::derive(move || call.with(|c| c.as_ref().and_then(|c| c.hand.clone())));
    let outside = Signal::derive(move || call.with(|c| c.as_ref().and_then(|c| c.outside.clone())));
    let hang_up = Action::new_local(move |_: &()| async move { live.act(Request::HangUp).await });
    // The audio follows the call: a new call connects, no call hangs up.
    Effect::new(move || {
        let wanted = call_id.get();
        let current = peer.with_value(|p| p.as_ref().map(|(id, _)| *id));
        if wanted != current {
            hang_up_audio();
            if let Some(call) = wanted {
                connect.dispatch(call);
            }
        }
    });
    // The notification sound, once per coach who chose to notify; a word
    // when they leave.
    Effect::new(move |before: Option<Option<String>>| {
        let now = coached_by.get();
        match (before.flatten(), &now) {
            (None, Some(_)) => {
                chime();
                stopped.set(None);
            }
            (Some(coach), None) => {
                stopped.set(Some(coach));
                set_timeout(move || stopped.set(None), STOPPED_SHOWN_FOR);
            }
            _ => {}
        }
        now
    });
    Effect::new(move || {
        let muted = muted.get();
        peer.with_value(|p| if let Some((_, peer)) = p { peer.set_muted(muted) });
    });
    let on_hold = move || state.get() == Some(CallState::OnHold);
    let hold = Action::new_local(move |&on: &bool| async move { live.act(Request::Hold { on }).await });
    let error = move || {
        let failed = |v: Option<Result<(), String>>| v.and_then(Result::err);
        failed(connect.value().get()).or_else(|| failed(hang_up.value().get())).or_else(|| failed(hold.value().get()))
    };

    view! {
        <main class="page agent" data-testid="agent-view">
            <h1>"Softphone"</h1>
            <Show when=move || live.status().get() == Connection::Reconnecting>
                <p class="connection" role="status">"Connection to the server lost; reconnecting…"</p>
            </Show>
            <PresenceControl me />
            // Rebuilt per call, not per change, so typing is never lost.
            {move || match call_id.get().and_then(|_| call.get_untracked()) {
                None => view! {
                    <p role="status" data-testid="agent-idle">"No call right now. Callers to your numbers are put through here."</p>
                }.into_any(),
                Some(c) => {
                    let started = c.started_at;
                    let id = c.id;
                    view! {
                        <section class="on-call" aria-label="Current call" data-testid="agent-call">
                            <p class="big">"On a call with " <ContactName customer=c.customer.clone() /></p>
                            <p class="muted">{move || format_duration(live.server_now().0.saturating_sub(started.0))}</p>
                            <Show when=move || connect.pending().get()>
                                <p class="muted" role="status" data-testid="audio-connecting">"Connecting the call's audio…"</p>
                            </Show>
                            {move || coached_by.get().map(|coach| if talking.get() {
                                view! { <p class="coached talking" role="status" data-testid="coached-by">{format!("{coach} is talking to you")}</p> }
                            } else {
                                view! { <p class="coached" role="status" data-testid="coached-by">{format!("{coach} is coaching you (listening)")}</p> }
                            })}
                            {move || stopped.get().map(|coach| view! {
                                <p class="coached ended" role="status" data-testid="coach-stopped">{format!("{coach} stopped coaching")}</p>
                            })}
                            // One group, as on a phone; each state shows on its button.
                            <div class="call-controls" role="group" aria-label="Call controls">
                                <button aria-pressed=move || muted.get().to_string() data-testid="mute" on:click=move |_| muted.update(|m| *m = !*m)>
                                    {move || if muted.get() { "Unmute (muted)" } else { "Mute" }}
                                </button>
                                <button data-testid="hold" aria-pressed=move || on_hold().to_string() on:click=move |_| { hold.dispatch(!on_hold()); }>
                                    {move || if on_hold() { "Resume (on hold)" } else { "Hold" }}
                                </button>
                                <button class="danger" data-testid="hang-up" on:click=move |_| { hang_up.dispatch(()); }>"Hang up"</button>
                            </div>
                            <Show when=on_hold>
                                <p class="muted" role="status" data-testid="hold-note">"On hold: you and the caller cannot hear each other."</p>
                            </Show>
                            <AskForHelp hand />
                            <CallActions call=id state />
                            {c.phone_line.then(|| view! { <TransferOutside outside /> })}
                        </section>
                    }.into_any()
                }
            }}
            <p class="error" role="alert">{error}</p>
        </main>
    }
}
