//! `/audit`: the coaching audit log, for admins — who listened to which
//! call, when, whether the agent was told, each whisper, each refusal —
//! filtered by coach, agent, number and dates, and downloadable as CSV.

mod filters;

use earshot_protocol::{AuditEntry, AuditLog, CompanyNumber, Millis, MonitoringAccess, Person, Role};
use leptos::prelude::*;
use crate::auth::AdminsOnly;
use crate::routes::Link;

pub use filters::{days, local_midnight, Filters};

#[component]
pub fn AuditPage() -> impl IntoView {
    let me = crate::auth::me();
    if me.role != Role::Admin {
        return view! { <AdminsOnly testid="audit-refused" title="The coaching audit log is for admins" hint="Ask an admin for what you need from it." /> }
            .into_any();
    }
    let can_open_calls = me.access != MonitoringAccess::None;
    let filters = RwSignal::new(Filters::default());
    // Who and which numbers may be picked: from the first answer on.
    let choices = RwSignal::new((Vec::<Person>::new(), Vec::<CompanyNumber>::new()));
    let log = LocalResource::new(move || {
        let query = filters.get().query();
        async move {
            let query = query?;
            let log = crate::api::get_fresh::<AuditLog>(&format!("/api/audit?{}", query.to_query_string())).await.map_err(|e| e.message)?;
            if choices.with_untracked(|(people, _)| people.is_empty()) {
                choices.set((log.people.clone(), log.numbers.clone()));
            }
            Ok::<_, String>(log)
        }
    });
    let csv = move || filters.get().query().map(|q| format!("/api/audit.csv?{}", q.to_query_string())).ok();
    view! {
        <main class="page wide" data-testid="audit">
            <h1>"Coaching audit log"</h1>
            <p class="muted">
                "Every coaching session: who started it and whether the agent was told, each whisper, "
                "who left, and every attempt that was refused. Newest first."
            </p>
            <FilterBar filters choices />
            <p>
                {move || match csv() {
                    Some(href) => view! { <a class="button" href=href download="earshot-coaching-audit.csv" data-testid="audit-csv">"Download CSV"</a> }.into_any(),
                    None => view! { <span class="muted">"Fix the dates to download."</span> }.into_any(),
                }}
            </p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the audit log…"</p> }>
                {move || log.get().map(|result| match result {
                    Ok(log) => view! { <Entries log can_open_calls /> }.into_any(),
                    Err(message) => view! { <p class="error" role="alert" data-testid="audit-error">{message}</p> }.into_any(),
                })}
            </Suspense>
        </main>
    }
    .into_any()
}

#[component]
fn FilterBar(filters: RwSignal<Filters>, choices: RwSignal<(Vec<Person>, Vec<CompanyNumber>)>) -> impl IntoView {
    let people = move |agents: bool| {
        choices.with(|(people, _)| {
            people.iter().filter(|p| (p.role == Role::Agent) == agents).map(|p| (p.id.0.to_string(), p.name.clone())).collect::<Vec<_>>()
        })
    };
    let numbers = move || choices.with(|(_, numbers)| numbers.iter().map(|n| (n.id.0.to_string(), n.name.clone())).collect::<Vec<_>>());
    let options = |all: &'static str, choices: Vec<(String, String)>| {
        view! {
            <option value="">{all}</option>
            {choices.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
        }
    };
    view! {
        <div class="filters" role="search" aria-label="Filter the audit log">
            <label>
                "Coach"
                <select data-testid="audit-coach" on:change=move |ev| filters.update(|f| f.coach = event_target_value(&ev))>
                    {move || options("Any coach", people(false))}
                </select>
            </label>
            <label>
                "Agent"
                <select data-testid="audit-agent" on:change=move |ev| filters.update(|f| f.agent = event_target_value(&ev))>
                    {move || options("Any agent", people(true))}
                </select>
            </label>
            <label>
                "Number"
                <select data-testid="audit-number" on:change=move |ev| filters.update(|f| f.number = event_target_value(&ev))>
                    {move || options("Any number", numbers())}
                </select>
            </label>
            <label>
                "From"
                <input type="date" data-testid="audit-from" on:change=move |ev| filters.update(|f| f.from = event_target_value(&ev)) />
            </label>
            <label>
                "To (inclusive)"
                <input type="date" data-testid="audit-to" on:change=move |ev| filters.update(|f| f.to = event_target_value(&ev)) />
            </label>
        </div>
    }
}

#[component]
fn Entries(log: AuditLog, can_open_calls: bool) -> impl IntoView {
    if log.entries.is_empty() {
        return view! { <p class="empty" role="status" data-testid="audit-empty">"No coaching matches these filters."</p> }.into_any();
    }
    let count = match (log.more, log.entries.len()) {
        (true, n) => format!("The newest {n} entries; the CSV holds all of them."),
        (false, 1) => "1 entry.".to_owned(),
        (false, n) => format!("{n} entries."),
    };
    let numbers = log.numbers;
    view! {
        <p role="status" data-testid="audit-count">{count}</p>
        <table class="grid audit" data-testid="audit-entries">
            <caption class="visually-hidden">"Coaching audit log, newest first"</caption>
            <thead>
                <tr>
                    <th scope="col">"Time"</th>
                    <th scope="col">"Action"</th>
                    <th scope="col">"Coach"</th>
                    <th scope="col">"Agent"</th>
                    <th scope="col">"Agent told"</th>
                    <th scope="col">"Number"</th>
                    <th scope="col">"Call"</th>
                    <th scope="col">"Detail"</th>
                    <th scope="col">"From"</th>
                </tr>
            </thead>
            <tbody>
                {log.entries.into_iter().map(|entry| view! { <Entry entry numbers=numbers.clone() can_open_calls /> }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn Entry(entry: AuditEntry, numbers: Vec<CompanyNumber>, can_open_calls: bool) -> impl IntoView {
    let number = entry.number.and_then(|n| numbers.into_iter().find(|known| known.id == n)).map(|n| n.name);
    let told = match entry.notified_agent {
        Some(true) => "Yes",
        Some(false) => "No: silent",
        None => "",
    };
    // Call ids are long numbers: the CSV has them; here, a link will do.
    let call = entry.call.filter(|_| can_open_calls).map(|call| {
        let label = format!("Open the conversation of call {}", call.0);
        view! { <Link href=format!("/calls/{}", call.0) attr:aria-label=label>"Conversation"</Link> }
    });
    let refused = entry.action == earshot_protocol::AuditAction::Refused;
    view! {
        <tr class:refused=refused>
            <td>{local_time(entry.at)}</td>
            <td>{entry.action.label()}</td>
            <td>{entry.coach_name}</td>
            <td>{entry.agent_name.unwrap_or_default()}</td>
            <td>{told}</td>
            <td>{number.unwrap_or_default()}</td>
            <td>{call}</td>
            <td>{entry.detail}</td>
            <td>{entry.from}</td>
        </tr>
    }
}

/// `at` in the browser's time zone and locale.
pub(crate) fn local_time(at: Millis) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at.0 as f64));
    String::from(date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED))
}
