//! Calls that need a coach now: an agent's raised hand, then a listed phrase
//! the customer said, then a call's signals (dead air, talking over each
//! other, a raised voice, a long hold). They go first in the Calls tab,
//! count on the tab and are read out; a raised hand also rings once.

use earshot_protocol::{CallId, CallView, Flag, Millis};
use leptos::prelude::*;

use crate::live::{format_duration, Live};

/// The calls that need a coach, in the order they are shown.
pub fn needing_attention(live: Live) -> Memo<Vec<CallId>> {
    Memo::new(move |_| live.state().with(|s| s.needing_attention()))
}

/// Why a call needs a coach, in a sentence: "Alex Chen asks for help:
/// “refund over my limit”", "The customer said “cancel my account”", or
/// "Long hold, raised voice".
pub fn why_flagged(agent: &str, call: &CallView) -> Option<String> {
    let (flag, _) = call.flag()?;
    Some(match flag {
        Flag::Help => match call.hand.as_ref().map(|hand| hand.reason.as_str()).unwrap_or_default() {
            "" => format!("{agent} asks for help"),
            reason => format!("{agent} asks for help: “{reason}”"),
        },
        Flag::Phrase => format!("The customer said {}", said(call)),
        Flag::Signal => signal_labels(call).join(", "),
    })
}

/// The phrases the customer said, newest first: "“complaint”, “cancel my account”".
fn said(call: &CallView) -> String {
    call.phrases.iter().rev().map(|p| format!("“{}”", p.phrase)).collect::<Vec<_>>().join(", ")
}

/// The call's signals, newest first.
fn signal_labels(call: &CallView) -> Vec<&'static str> {
    let mut signals = call.signals.clone();
    signals.sort_by_key(|s| std::cmp::Reverse(s.since));
    signals.into_iter().map(|s| s.kind.label()).collect()
}

/// A row's Attention cell: the raised hand, the phrase or the newest
/// signal, and how long ago; below, the reason, what was said (newest
/// first), or the other signals.
#[component]
pub fn AttentionCell(
    /// The row's call.
    call: CallView,
) -> impl IntoView {
    let live = Live::expect();
    let flag = call.flag();
    let (headline, detail) = match flag {
        Some((Flag::Help, _)) => ("Help", call.hand.as_ref().filter(|hand| !hand.reason.is_empty()).map(|hand| format!("“{}”", hand.reason))),
        Some((Flag::Phrase, _)) => ("Said", Some(said(&call))),
        Some((Flag::Signal, _)) => {
            let labels = signal_labels(&call);
            (labels[0], (labels.len() > 1).then(|| labels[1..].join(", ")))
        }
        None => ("", None),
    };
    let shown = flag.map(|(_, since)| {
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
pub fn AttentionBadge(
    /// The calls that need a coach.
    flagged: Memo<Vec<CallId>>,
) -> impl IntoView {
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
/// the dashboard opened: they are on screen, at the top), and each call
/// whose need grows — a new phrase, a hand on a call with signals; a raised
/// hand rings as well, and is said at once.
#[component]
pub fn AttentionAlerts(
    /// The calls that need a coach.
    flagged: Memo<Vec<CallId>>,
) -> impl IntoView {
    let live = Live::expect();
    let (hands, signals) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let loaded = Memo::new(move |_| live.state().with(|s| s.seq.is_some()));
    // What each flagged call needs most, and since when.
    type Flags = Vec<(CallId, (Flag, Millis))>;
    let flags = Memo::new(move |_| {
        live.state().with(|s| flagged.with(|ids| ids.iter().filter_map(|id| Some((*id, s.calls.get(id)?.flag()?))).collect::<Vec<_>>()))
    });
    Effect::new(move |before: Option<Option<Flags>>| {
        let now = flags.get();
        if let Some(Some(before)) = before {
            let (mut asking, mut signalled) = (Vec::new(), Vec::new());
            let told = |id: &CallId, flag: &(Flag, Millis)| before.iter().any(|(was, then)| was == id && (flag.0 == Flag::Signal || then == flag));
            for (id, _) in now.iter().filter(|(id, flag)| !told(id, flag)) {
                live.state().with_untracked(|s| {
                    let Some(call) = s.calls.get(id) else { return };
                    let agent = call.agent.map(|a| s.user_name(a)).unwrap_or_default();
                    match (call.flag(), why_flagged(&agent, call)) {
                        (Some((Flag::Help, _)), Some(why)) => asking.push(why),
                        (Some((Flag::Phrase, _)), Some(why)) => signalled.push(format!("On {agent}’s call: {why}")),
                        (_, Some(why)) => signalled.push(format!("{why} on {agent}’s call")),
                        (_, None) => {}
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
