//! The company's log on the People page: every change an admin (or a
//! person's link) made, newest first, before and after; the CSV has all.

use earshot_protocol::{AdminLog, AdminQuery, Person, UserId};
use leptos::prelude::*;

use crate::audit::{days, local_time};

#[component]
pub fn CompanyLog(
    /// Read again whenever it changes (a change was just made).
    version: RwSignal<u32>,
) -> impl IntoView {
    let (by, from, to) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let query = Memo::new(move |_| days(&from.get(), &to.get()).map(|(from, to)| AdminQuery { actor: by.get().parse().ok().map(UserId), from, to }));
    let people = RwSignal::new(Vec::<Person>::new());
    let log = LocalResource::new(move || {
        version.track();
        let query = query.get();
        async move {
            let log = crate::api::get_fresh::<AdminLog>(&format!("/api/admin/log?{}", query?.to_query_string())).await.map_err(|e| e.message)?;
            // Set only when it changed: drawn anew, the list would lose its choice.
            if people.with_untracked(|known| *known != log.people) {
                people.set(log.people.clone());
            }
            Ok::<_, String>(log)
        }
    });
    let csv = move || match query.get() {
        Ok(query) => format!("/api/admin/log.csv?{}", query.to_query_string()),
        Err(_) => "/api/admin/log.csv".to_owned(),
    };
    view! {
        <section class="company-log" aria-labelledby="company-log-title" data-testid="company-log">
            <div class="page-head">
                <h2 id="company-log-title">"Changes to the company"</h2>
                <a href=csv download>"Download CSV"</a>
            </div>
            <div class="filters" role="search" aria-label="Filter the company's log">
                <label>
                    "By"
                    <select data-testid="company-log-by" on:change=move |ev| by.set(event_target_value(&ev))>
                        <option value="">"Anyone"</option>
                        {move || people.get().into_iter().map(|p| view! { <option value=p.id.0.to_string()>{p.name}</option> }).collect_view()}
                    </select>
                </label>
                <label>"From"<input type="date" on:change=move |ev| from.set(event_target_value(&ev)) /></label>
                <label>"To (inclusive)"<input type="date" on:change=move |ev| to.set(event_target_value(&ev)) /></label>
            </div>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the log…"</p> }>
                {move || log.get().map(|found| match found {
                    Ok(log) if log.entries.is_empty() => view! { <p class="muted">"No changes yet."</p> }.into_any(),
                    Ok(log) => view! {
                        <table class="grid">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"By"</th><th scope="col">"Who"</th><th scope="col">"Before"</th><th scope="col">"After"</th><th scope="col">"From"</th></tr></thead>
                            <tbody>
                                {log.entries.into_iter().map(|e| view! {
                                    <tr data-testid="company-change">
                                        <td>{local_time(e.at)}</td>
                                        <td>{e.action.label()}</td>
                                        <td>{e.actor_name}</td>
                                        <td>{e.subject}</td>
                                        <td>{e.before}</td>
                                        <td>{e.after}</td>
                                        <td>{e.from}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {log.more.then(|| view! { <p class="muted">"Older changes are in the CSV."</p> })}
                    }.into_any(),
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
