//! Whether the agent takes calls: Available, or Not ready and why. They
//! come in Not ready; only Available agents are offered callers and
//! transfers. The server says what they are, and since when.

use earshot_protocol::{Request, UserStatus, UserView};
use leptos::prelude::*;

use crate::live::{format_duration, Live};

/// The reasons offered for not being ready.
const REASONS: [&str; 5] = ["Break", "Lunch", "Meeting", "Training", "After-call work"];

#[component]
pub fn PresenceControl(
    /// The agent's own row, as the server last said.
    me: Signal<Option<UserView>>,
) -> impl IntoView {
    let live = Live::expect();
    let reason = RwSignal::new(REASONS[0].to_owned());
    let set = Action::new_local(move |(available, reason): &(bool, String)| {
        let request = Request::SetPresence { available: *available, reason: reason.clone() };
        async move { live.act(request).await }
    });
    let status = move || me.with(|m| m.as_ref().map(|m| m.status));
    let said = move || {
        me.with(|m| {
            m.as_ref().map(|m| match (m.status, &m.reason) {
                (UserStatus::Available, _) => "Available: callers are put through to you".to_owned(),
                (UserStatus::NotReady, Some(reason)) => format!("Not ready ({reason}): no calls come to you"),
                (UserStatus::NotReady, None) => "Not ready: no calls come to you".to_owned(),
                (UserStatus::OnCall, _) => "On a call".to_owned(),
                (UserStatus::Coaching, _) => "Coaching".to_owned(),
                (UserStatus::Offline, _) => "Offline".to_owned(),
            })
        })
    };
    let since = move || me.with(|m| m.as_ref().map(|m| m.since)).filter(|since| since.0 > 0);
    let error = move || set.value().get().and_then(Result::err);
    view! {
        <section class="presence" aria-label="Taking calls" data-testid="presence">
            <p role="status">
                <span class=move || format!("status {}", if status() == Some(UserStatus::Available) { "available" } else { "not-ready" }) data-testid="presence-status">{said}</span>
                {move || since().map(|since| view! { <span class="muted">{format!(" for {}", format_duration(live.server_now().0.saturating_sub(since.0)))}</span> })}
            </p>
            <div class="presence-actions">
                <button class="primary" data-testid="go-available" disabled=move || status() == Some(UserStatus::Available) on:click=move |_| { set.dispatch((true, String::new())); }>
                    "Go available"
                </button>
                <label for="not-ready-reason">"Not ready, for"</label>
                <select id="not-ready-reason" on:change=move |ev| reason.set(event_target_value(&ev))>
                    {REASONS.iter().map(|r| view! { <option value=*r>{*r}</option> }).collect_view()}
                </select>
                <button data-testid="go-not-ready" on:click=move |_| { set.dispatch((false, reason.get_untracked())); }>"Not ready"</button>
            </div>
            <p class="error" role="alert">{error}</p>
        </section>
    }
}
