//! Sending a phone call to an outside number through the trunk: the agent
//! types the number; it rings there while they stay on the call, and either
//! the call goes (it is no longer the company's) or they are told why not.

use earshot_protocol::{OutsideTransfer, Request};
use leptos::prelude::*;

use crate::live::Live;

/// The number to call and the transfer's progress. Shown only on calls
/// that came on a phone line (the server refuses any other).
#[component]
pub fn TransferOutside(
    /// The call's transfer to an outside number, if one rang.
    outside: Signal<Option<OutsideTransfer>>,
) -> impl IntoView {
    let live = Live::expect();
    let number = RwSignal::new(String::new());
    let send = Action::new_local(move |number: &String| {
        let request = Request::TransferOutside { number: number.clone() };
        async move { live.act(request).await }
    });
    let ringing = move || outside.with(|o| o.as_ref().filter(|o| o.failed.is_none()).map(|o| o.number.clone()));
    view! {
        <form class="inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let typed = number.get_untracked();
            if !typed.trim().is_empty() {
                send.dispatch(typed);
            }
        }>
            <label for="outside-number">"Transfer to a number"</label>
            <input id="outside-number" type="tel" data-testid="outside-number" maxlength="24" placeholder="+44 20 7946 0123" autocomplete="off" bind:value=number />
            <button type="submit" data-testid="transfer-outside" disabled=move || ringing().is_some() || number.with(|n| n.trim().is_empty())>
                "Call and transfer"
            </button>
        </form>
        <p role="status" data-testid="outside-status" class="muted">
            {move || match (ringing(), outside.get()) {
                (Some(number), _) => Some(format!("Calling {number}: the call stays with you until they answer.")),
                (None, Some(OutsideTransfer { number, failed: Some(why) })) => Some(format!("{number} did not take the call: {why}. It is still yours.")),
                _ => None,
            }}
        </p>
        <p class="error" role="alert">{move || send.value().get().and_then(Result::err)}</p>
    }
}
