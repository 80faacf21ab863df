//! Calls that need a coach now: an agent's raised hand, then a call's
//! signals (dead air, talking over each other, a raised voice, a long hold).
//! They go first in the Calls tab, count on the tab and are read out; a
//! raised hand also rings once.

use earshot_protocol::{CallId, CallView};
use leptos::prelude::*;

use crate::live::{format_duration, Live};

/// The calls that need a coach, in the order they are shown.
pub fn needing_attention(live: Live) -> Memo<Vec<CallId>> {
    Memo::new(move |_| live.state().with(|s| s.needing_attention()))
}

/// Why a call needs a coach, in a sentence: "Alex Chen asks for help:
/// “refund over my limit”", or "Long hold, raised voice".
pub fn why_flagged(agent: &str, call: &CallView) -> Option<String> {
    if call.needs_help() {
        let reason = call.hand.as_ref().map(|hand| hand.reason.as_str()).unwrap_or_default();
        return Some(match reason {
            "" => format!("{agent} asks for help"),
            reason => format!("{agent} asks for help: “{reason}”"),
        });
    }
    call.needs_attention().then(|| signal_labels(call).join(", "))
}

/// The call's signals, newest first.
fn signal_labels(call: &CallView) -> Vec<&'static str> {
    let mut signals = call.signals.clone();
    signals.sort_by_key(|s| std::cmp::Reverse(s.since));
    signals.into_iter().map(|s| s.kind.label()).collect()
}

/// A row's Attention cell: the raised hand or the newest signal, for how
/// long; below, the reason or the other signals.
#[component]
pub fn AttentionCell(
    /// The row's call.
    call: CallView,
) -> impl IntoView {
    let live = Live::expect();
    let (headline, since, detail) = match &call.hand {
        Some(hand) if call.needs_help() => ("Help", Some(hand.since), (!hand.reason.is_empty()).then(|| format!("“{}”", hand.reason))),
        _ if call.needs_attention() => {
            let labels = signal_labels(&call);
            let newest = call.signals.iter().map(|s| s.since).max();
            (labels[0], newest, (labels.len() > 1).then(|| labels[1..].join(", ")))
        }
        _ => ("", None, None),
    };
    let shown = since.map(|since| {
        let lasted = move || format_duration(live.server_now().0.saturating_sub(since.0));
        view! {
            <span class="flag" data-testid="flag" title=detail.clone()>{headline} " · " {lasted}</span>
            {detail.map(|detail| view! { <span class="flag-detail" data-testid="flag-detail">{detail}</span> })}
        }
    });
    view! { <td class="attention">{shown}</td> }
}

/// The Calls tab's count of calls that need a coach.
#[component]
pub fn AttentionBadge() -> impl IntoView {
    let flagged = needing_attention(Live::expect());
    move || {
        let count = flagged.with(Vec::len);
        (count > 0).then(|| {
            view! {
                <span class="badge" data-testid="attention-count">
                    {count}<span class="visually-hidden">{if count == 1 { " needs a coach" } else { " need a coach" }}</span>
                </span>
            }
        })
    }
}

/// Reads out each call that comes to need a coach (not those that did when
/// the dashboard opened: they are on screen, at the top); a raised hand
/// rings as well, and is said at once.
#[component]
pub fn AttentionAlerts() -> impl IntoView {
    let live = Live::expect();
    let flagged = needing_attention(live);
    let (hands, signals) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let loaded = Memo::new(move |_| live.state().with(|s| s.seq.is_some()));
    Effect::new(move |before: Option<Option<Vec<CallId>>>| {
        let now = flagged.get();
        if let Some(Some(before)) = before {
            let (mut asking, mut signalled) = (Vec::new(), Vec::new());
            for id in now.iter().filter(|call| !before.contains(call)) {
                live.state().with_untracked(|s| {
                    let Some(call) = s.calls.get(id) else { return };
                    let agent = call.agent.map(|a| s.user_name(a)).unwrap_or_default();
                    match why_flagged(&agent, call) {
                        Some(why) if call.needs_help() => asking.push(why),
                        Some(why) => signalled.push(format!("{why} on {agent}’s call")),
                        None => {}
                    }
                });
            }
            if !asking.is_empty() {
                crate::media::chime();
                hands.set(asking.join(". "));
            }
            if !signalled.is_empty() {
                signals.set(signalled.join(". "));
            }
        }
        // The first snapshot's calls are the baseline.
        loaded.get().then_some(now)
    });
    view! {
        <p class="visually-hidden" role="alert" data-testid="help-alert">{hands}</p>
        <p class="visually-hidden" role="status" data-testid="signal-alert">{signals}</p>
    }
}
