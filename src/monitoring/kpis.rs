use leptos::prelude::*;

use crate::live::{format_duration, Live};

/// Live Monitoring+ only: the centre at a glance.
#[component]
pub fn KpiStrip() -> impl IntoView {
    let live = Live::expect();
    let kpis = move || {
        let now = live.server_now();
        live.state().with(|s| s.kpis(now))
    };
    let tile = move |label: &'static str, id: &'static str, value: Box<dyn Fn() -> String + Send + Sync>| {
        view! {
            <div class="kpi" data-testid=id>
                <span class="kpi-value">{value}</span>
                <span class="kpi-label">{label}</span>
            </div>
        }
    };
    view! {
        <section class="kpis" aria-label="Key figures">
            {tile("calls in progress", "kpi-in-progress", Box::new(move || kpis().in_progress.to_string()))}
            {tile("callers waiting", "kpi-waiting", Box::new(move || kpis().waiting.to_string()))}
            {tile("longest wait", "kpi-longest-wait", Box::new(move || format_duration(kpis().longest_wait_ms)))}
            {tile("agents available", "kpi-available", Box::new(move || kpis().agents_available.to_string()))}
            {tile("agents on a call", "kpi-on-call", Box::new(move || kpis().agents_on_call.to_string()))}
            {tile("agents not ready", "kpi-not-ready", Box::new(move || kpis().agents_not_ready.to_string()))}
        </section>
    }
}
