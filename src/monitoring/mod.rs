//! The Live Monitoring dashboard: the Calls and Users tabs and the KPI strip.

mod attention;
mod calls_tab;
pub mod filter;
mod kpis;
mod no_access;
mod users_tab;
mod virtual_rows;
pub mod window;

use earshot_protocol::MonitoringAccess;
use leptos::prelude::*;
use crate::routes::Link;

use crate::coaching::CoachingUi;
use crate::live::{Connection, Live};

pub use attention::why_flagged;
pub use calls_tab::CallsTab;
pub use no_access::NoDashboard;
pub use users_tab::UsersTab;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Calls,
    Users,
}

/// The dashboard page with one of its tabs.
#[component]
pub fn Dashboard(
    /// Which tab is shown.
    tab: Tab,
) -> impl IntoView {
    let live = Live::expect();
    let plus = crate::auth::me().access == MonitoringAccess::LiveMonitoringPlus;
    let loaded = move || live.state().with(|s| s.seq.is_some());
    // Once for the tab, its count and what is read out.
    let flagged = attention::needing_attention(live);
    view! {
        <main class="dashboard">
            <h1 class="visually-hidden">"Live Monitoring"</h1>
            <attention::AttentionAlerts flagged />
            {plus.then(|| view! { <kpis::KpiStrip /> })}
            <div class="tab-row">
                <nav class="tabs" aria-label="Dashboard">
                    <Link href="/">"Calls" <attention::AttentionBadge flagged /></Link>
                    <Link href="/users">"Users"</Link>
                </nav>
                <SetUpAudio />
            </div>
            <Show
                when=loaded
                fallback=move || view! {
                    <p class="loading" role="status">
                        {move || match live.status().get() {
                            Connection::Reconnecting => "Connection lost; reconnecting…",
                            _ => "Loading live calls…",
                        }}
                    </p>
                }
            >
                {match tab {
                    Tab::Calls => view! { <CallsTab flagged /> }.into_any(),
                    Tab::Users => view! { <UsersTab /> }.into_any(),
                }}
            </Show>
        </main>
    }
}

/// Runs the coaching audio setup ahead of any call (it also runs by itself
/// on the first Join).
#[component]
fn SetUpAudio() -> impl IntoView {
    let ui = CoachingUi::expect();
    view! {
        <button class="set-up-audio" data-testid="set-up-audio" on:click=move |_| ui.setup.set(Some(None))>
            "Set up audio"
        </button>
    }
}

/// A call's kind, when it is not a regular call: marked on its row, since
/// such calls are never coached.
pub fn kind_label(kind: earshot_protocol::CallKind) -> Option<&'static str> {
    match kind {
        earshot_protocol::CallKind::Regular => None,
        earshot_protocol::CallKind::Emergency => Some("Emergency"),
        earshot_protocol::CallKind::Conference => Some("Conference"),
        earshot_protocol::CallKind::TransferredExternal => Some("External transfer"),
    }
}

/// The kind marker of a call's row, if it has one.
#[component]
pub fn KindBadge(kind: earshot_protocol::CallKind) -> impl IntoView {
    kind_label(kind).map(|label| view! { <span class="kind" data-testid="kind">{label}</span> })
}

/// Labels shared by both tabs.
pub fn state_label(state: earshot_protocol::CallState) -> &'static str {
    match state {
        earshot_protocol::CallState::Waiting => "Waiting",
        earshot_protocol::CallState::Ongoing => "Ongoing",
        earshot_protocol::CallState::OnHold => "On hold",
    }
}
