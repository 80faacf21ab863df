//! `/caller`: a simulated customer phone for demos and tests. No sign-in:
//! pick your number and one of the company's, call, talk, hang up.

use earshot_protocol::{CallState, CompanyNumber, NumberId, Request};
use leptos::prelude::*;

use crate::live::{format_duration, provide_live, Endpoint};
use crate::media::{Line, Peer};

#[component]
pub fn CallerPage() -> impl IntoView {
    let live = provide_live(Endpoint::Caller);
    let peer: StoredValue<Option<Peer>, LocalStorage> = StoredValue::new_local(None);
    on_cleanup(move || peer.try_update_value(|p| drop(p.take())).unwrap_or_default());
    let numbers = LocalResource::new(|| crate::api::get::<Vec<CompanyNumber>>("/api/numbers"));
    // A number that is nobody's in the demo: the dashboard shows the call as yours.
    let phone = RwSignal::new(earshot_protocol::CALLER_PAGE_PHONE.to_owned());
    let number = RwSignal::new(None::<NumberId>);
    let call = Memo::new(move |_| live.state().with(|s| s.customer_call.clone().flatten()));
    let in_call = RwSignal::new(false);

    let dial = Action::new_local(move |&(number, ref phone): &(NumberId, String)| {
        let phone = phone.clone();
        async move {
            let (opened, _) = Peer::connect(&["agent"], Line::Microphone, |offer| live.request(Request::Dial { number, phone, offer })).await?;
            peer.set_value(Some(opened));
            in_call.set(true);
            Ok::<(), String>(())
        }
    });
    let hang_up = Action::new_local(move |_: &()| async move {
        peer.update_value(|p| drop(p.take()));
        in_call.set(false);
        let _ = live.request(Request::HangUp).await; // already over is fine
    });
    // The other side hung up: put the phone down too.
    Effect::new(move || {
        if call.with(Option::is_none) && live.state().with(|s| s.customer_call.is_some()) {
            peer.update_value(|p| drop(p.take()));
        }
    });

    let status = move || match (in_call.get(), call.get()) {
        (false, _) => None,
        (true, None) => Some("Call ended.".to_owned()),
        (true, Some(c)) if c.state == CallState::Waiting => Some("Waiting for an agent…".to_owned()),
        (true, Some(c)) if c.state == CallState::OnHold => Some("On hold…".to_owned()),
        (true, Some(c)) => Some(format!("Talking to an agent · {}", format_duration(live.server_now().0.saturating_sub(c.started_at.0)))),
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = number.get_untracked().or_else(|| numbers.get().and_then(|r| r.ok()).and_then(|n| n.first().map(|n| n.id)));
        if let Some(chosen) = chosen {
            dial.dispatch((chosen, phone.get_untracked()));
        }
    };
    view! {
        <main class="page caller" data-testid="caller">
            <h1>"Call the company"</h1>
            <p class="muted">"A simulated customer phone: your microphone is the customer's voice."</p>
            <form on:submit=on_submit>
                <label for="phone">"Your number"</label>
                <input id="phone" type="tel" bind:value=phone required />
                <label for="number">"Number to call"</label>
                <select id="number" data-testid="dial-number" on:change=move |ev| number.set(event_target_value(&ev).parse().ok().map(NumberId))>
                    <Suspense fallback=|| view! { <option>"Loading…"</option> }>
                        {move || numbers.get().and_then(|r| r.ok()).map(|list| list.into_iter().map(|n| view! {
                            <option value=n.id.0.to_string()>{format!("{} ({})", n.name, n.e164)}</option>
                        }).collect_view())}
                    </Suspense>
                </select>
                <div class="actions">
                    <button type="submit" class="primary" data-testid="dial" disabled=move || in_call.get() && call.with(Option::is_some)>"Call"</button>
                    <button type="button" class="danger" data-testid="caller-hang-up" disabled=move || !in_call.get() on:click=move |_| { hang_up.dispatch(()); }>
                        "Hang up"
                    </button>
                </div>
            </form>
            <p role="status" data-testid="caller-status">{status}</p>
            <p class="error" role="alert">{move || dial.value().get().and_then(Result::err)}</p>
        </main>
    }
}
