//! Calls that need a coach now: an agent's raised hand puts their call at
//! the top of the Calls tab, counts on the tab, rings once on arrival and is
//! read out to screen readers.

use earshot_protocol::{CallId, CallView};
use leptos::prelude::*;

use crate::live::{format_duration, Live};

/// The calls that need a coach, the newest request first.
pub fn asking(live: Live) -> Memo<Vec<CallId>> {
    Memo::new(move |_| live.state().with(|s| s.asking_for_help()))
}

/// "Alex Chen asks for help: “refund over my limit”".
pub fn asks_for_help(agent: &str, call: &CallView) -> String {
    match call.hand.as_ref().map(|hand| hand.reason.as_str()) {
        None | Some("") => format!("{agent} asks for help"),
        Some(reason) => format!("{agent} asks for help: “{reason}”"),
    }
}

/// A row's Attention cell: the raised hand, why, and for how long.
#[component]
pub fn AttentionCell(
    /// The row's call.
    call: CallView,
) -> impl IntoView {
    let live = Live::expect();
    let needs_help = call.needs_help();
    let hand = call.hand.filter(|_| needs_help).map(|hand| {
        let since = hand.since;
        let waited = move || format_duration(live.server_now().0.saturating_sub(since.0));
        let reason = (!hand.reason.is_empty()).then(|| format!("“{}”", hand.reason));
        view! {
            <span class="hand" data-testid="hand" title=reason.clone()>"Help · " {waited}</span>
            {reason.map(|reason| view! { <span class="reason" data-testid="hand-reason">{reason}</span> })}
        }
    });
    view! { <td class="attention">{hand}</td> }
}

/// The Calls tab's count of calls that need a coach.
#[component]
pub fn AttentionBadge() -> impl IntoView {
    let asking = asking(Live::expect());
    move || {
        let count = asking.with(Vec::len);
        (count > 0).then(|| {
            view! {
                <span class="badge" data-testid="attention-count">
                    {count}<span class="visually-hidden">{if count == 1 { " needs a coach" } else { " need a coach" }}</span>
                </span>
            }
        })
    }
}

/// Rings and reads out each new request for help (not the ones already
/// up when the dashboard opened: those are on screen, at the top).
#[component]
pub fn HelpAlerts() -> impl IntoView {
    let live = Live::expect();
    let asking = asking(live);
    let said = RwSignal::new(String::new());
    let loaded = Memo::new(move |_| live.state().with(|s| s.seq.is_some()));
    Effect::new(move |before: Option<Option<Vec<CallId>>>| {
        let now = asking.get();
        if let Some(Some(before)) = before {
            let news: Vec<String> = now
                .iter()
                .filter(|call| !before.contains(call))
                .filter_map(|id| {
                    live.state().with_untracked(|s| {
                        let call = s.calls.get(id)?;
                        Some(asks_for_help(&call.agent.map(|a| s.user_name(a)).unwrap_or_default(), call))
                    })
                })
                .collect();
            if !news.is_empty() {
                crate::media::chime();
                said.set(news.join(". "));
            }
        }
        // The first snapshot's hands are the baseline.
        loaded.get().then_some(now)
    });
    view! { <p class="visually-hidden" role="alert" data-testid="help-alert">{said}</p> }
}
