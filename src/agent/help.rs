//! "Ask for help": the agent raises a hand on their call, with a reason if
//! they like. Every supervisor's dashboard puts the call first until a
//! coach joins telling the agent, or the agent lowers the hand.

use earshot_protocol::{RaisedHand, Request};
use leptos::prelude::*;

use crate::live::Live;

#[component]
pub fn AskForHelp(
    /// The agent's hand on their current call, as the server says.
    hand: Signal<Option<RaisedHand>>,
) -> impl IntoView {
    let live = Live::expect();
    let reason = RwSignal::new(String::new());
    let act = Action::new_local(move |request: &Request| {
        let request = request.clone();
        async move { live.act(request).await }
    });
    let raise = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        act.dispatch(Request::RaiseHand { reason: reason.get_untracked() });
    };
    view! {
        <section class="help" aria-label="Help from a supervisor" data-testid="help">
            {move || match hand.get() {
                None => view! {
                    <form class="inline" on:submit=raise>
                        <label for="help-reason">"Reason (optional)"</label>
                        <input id="help-reason" data-testid="help-reason" maxlength=RaisedHand::MAX_REASON bind:value=reason />
                        <button type="submit" data-testid="raise-hand">"Ask for help"</button>
                    </form>
                }.into_any(),
                Some(hand) => view! {
                    <p class="hand-raised" role="status" data-testid="hand-raised">
                        {match hand.reason.as_str() {
                            "" => "You asked for help. A supervisor will join.".to_owned(),
                            why => format!("You asked for help: “{why}”. A supervisor will join."),
                        }}
                    </p>
                    <button data-testid="lower-hand" on:click=move |_| { act.dispatch(Request::LowerHand); }>"Lower hand"</button>
                }.into_any(),
            }}
            <p class="error" role="alert">{move || act.value().get().and_then(Result::err)}</p>
        </section>
    }
}
