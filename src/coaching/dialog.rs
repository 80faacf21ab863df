use earshot_protocol::CallId;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::model::{may_open_conversation, remember_notify, remembered_notify};
use super::{CoachMedia, CoachingUi, Intent};
use crate::live::Live;

/// The dialog between clicking Coach and joining: whether the agent is told
/// (the supervisor's last choice, shown), and (only on the coach's own
/// numbers) opening the call's conversation. The first control takes the
/// focus each time it opens; closing gives it back to the Coach button.
#[component]
pub fn CoachDialog() -> impl IntoView {
    let ui = CoachingUi::expect();
    move || ui.dialog.get().map(|call| view! { <DialogFor call /> })
}

#[component]
fn DialogFor(
    /// The call the dialog is for.
    call: CallId,
) -> impl IntoView {
    let ui = CoachingUi::expect();
    let live = Live::expect();
    let me = crate::auth::me().id;
    let notify = RwSignal::new(remembered_notify());
    let open_conversation = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let media = CoachMedia::expect();
    let join = Action::new_local(move |&(notify, open_conversation): &(bool, bool)| async move {
        remember_notify(notify);
        match ui.start(media, Intent::Join { call, notify, open_conversation }).await {
            Ok(Some(page)) => crate::routes::navigate(&page),
            Ok(None) => {}
            Err(refusal) => error.set(Some(refusal)),
        }
    });
    // A memo, so the dialog re-renders only when its call changes, not on
    // every delta (which would steal keyboard focus).
    let summary = Memo::new(move |_| {
        live.state().with(|s| {
            let c = s.calls.get(&call)?;
            let agent = c.agent.map(|a| s.user_name(a)).unwrap_or_default();
            let customer = c.customer.label().to_owned();
            let assigned = s.users.get(&me).is_some_and(|u| may_open_conversation(u, c));
            // Why the call is at the top of the list.
            let flagged = crate::monitoring::why_flagged(&agent, c);
            Some((agent, customer, s.number_name(c.number), assigned, flagged))
        })
    });
    let close = move || ui.dialog.set(None);
    // The opener (the Coach button) gets the focus back when the dialog goes.
    let opener = StoredValue::new_local(document().active_element());
    on_cleanup(move || {
        if let Some(opener) = opener.try_get_value().flatten().and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = opener.focus();
        }
    });
    // Focus the first control every time (the `autofocus` attribute works
    // only once per page).
    let first = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = first.get() {
            let _ = input.focus();
        }
    });
    view! {
        <div class="backdrop" on:click=move |_| close()></div>
        <div
            class="dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="coach-dialog-title"
            data-testid="coach-dialog"
            on:keydown=move |ev| if ev.key() == "Escape" { close() }
        >
            {move || match summary.get() {
                None => view! {
                    <h2 id="coach-dialog-title">"This call has ended"</h2>
                    <div class="actions"><button on:click=move |_| close()>"Close"</button></div>
                }.into_any(),
                Some((agent, customer, line, assigned, flagged)) => view! {
                    <h2 id="coach-dialog-title">{format!("Coach {agent}")}</h2>
                    <p class="muted">{format!("With {customer} on {line}")}</p>
                    {flagged.map(|why| view! { <p class="flagged" data-testid="dialog-hand">{why}</p> })}
                    <label class="toggle">
                        <input type="checkbox" data-testid="notify-agent" node_ref=first bind:checked=notify />
                        {format!("Tell {agent} I am coaching")}
                    </label>
                    <p class="muted" data-testid="notify-said">
                        {let agent = agent.clone(); move || if notify.get() {
                            format!("{agent} will see your name while you coach.")
                        } else {
                            format!("Silent: {agent} will not know you are listening.")
                        }}
                    </p>
                    {if assigned {
                        view! {
                            <label class="toggle">
                                <input type="checkbox" data-testid="open-conversation" bind:checked=open_conversation />
                                "Also open this call's conversation (contact, timeline, tags and comments)"
                            </label>
                        }.into_any()
                    } else {
                        view! {
                            <p class="hint" data-testid="conversation-hint">
                                {format!("Opening this call's conversation is offered only on numbers you are assigned to; you are not assigned to {line}.")}
                            </p>
                        }.into_any()
                    }}
                    <p data-testid="microphone-closed">"You will listen first: your microphone stays closed until you press Whisper."</p>
                    <p class="error" role="alert" data-testid="coach-error">{move || error.get()}</p>
                    <div class="actions">
                        <button on:click=move |_| close()>"Cancel"</button>
                        <button
                            class="primary"
                            data-testid="join"
                            disabled=move || join.pending().get()
                            on:click=move |_| {
                                error.set(None);
                                join.dispatch((notify.get_untracked(), assigned && open_conversation.get_untracked()));
                            }
                        >
                            "Join and listen"
                        </button>
                    </div>
                }.into_any(),
            }}
        </div>
    }
}
