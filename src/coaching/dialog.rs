use earshot_protocol::CallId;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::model::may_open_conversation;
use super::{CoachMedia, CoachingUi, Intent};
use crate::live::Live;

/// The dialog between clicking Coach and joining: notify the agent, and
/// (only on the coach's own numbers) open the targeted conversation.
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
    let notify = RwSignal::new(true);
    let open_conversation = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let media = CoachMedia::expect();
    let navigate = StoredValue::new_local(use_navigate());
    let join = Action::new_local(move |&(notify, open_conversation): &(bool, bool)| async move {
        match ui.start(media, Intent::Join { call, notify, open_conversation }).await {
            Ok(Some(page)) => navigate.with_value(|navigate| navigate(&page, Default::default())),
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
            Some((agent, customer, s.number_name(c.number), assigned))
        })
    });
    let close = move || ui.dialog.set(None);
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
                Some((agent, customer, line, assigned)) => view! {
                    <h2 id="coach-dialog-title">{format!("Coach {agent}")}</h2>
                    <p class="muted">{format!("With {customer} on {line}")}</p>
                    <label class="toggle">
                        <input type="checkbox" data-testid="notify-agent" bind:checked=notify autofocus />
                        "Notify the agent when I join"
                    </label>
                    {if assigned {
                        view! {
                            <label class="toggle">
                                <input type="checkbox" data-testid="open-conversation" bind:checked=open_conversation />
                                "Open the targeted conversation"
                            </label>
                        }.into_any()
                    } else {
                        view! {
                            <p class="hint" data-testid="conversation-hint">
                                {format!("“Open the targeted conversation” is offered only on numbers you are assigned to; you are not assigned to {line}.")}
                            </p>
                        }.into_any()
                    }}
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
