//! The company's log on the People page: every change an admin (or a
//! person's link) made, newest first, before and after; the CSV has all.

use earshot_protocol::AdminLog;
use leptos::prelude::*;

use crate::audit::local_time;

#[component]
pub fn CompanyLog(
    /// Read again whenever it changes (a change was just made).
    version: RwSignal<u32>,
) -> impl IntoView {
    let log = LocalResource::new(move || {
        version.track();
        async { crate::api::get_fresh::<AdminLog>("/api/admin/log").await.map_err(|e| e.message) }
    });
    view! {
        <section class="company-log" aria-labelledby="company-log-title" data-testid="company-log">
            <div class="page-head">
                <h2 id="company-log-title">"Changes to the company"</h2>
                <a href="/api/admin/log.csv" download>"Download CSV"</a>
            </div>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the log…"</p> }>
                {move || log.get().map(|found| match found {
                    Ok(log) if log.entries.is_empty() => view! { <p class="muted">"No changes yet."</p> }.into_any(),
                    Ok(log) => view! {
                        <table class="grid">
                            <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"By"</th><th scope="col">"Who"</th><th scope="col">"Before"</th><th scope="col">"After"</th></tr></thead>
                            <tbody>
                                {log.entries.into_iter().map(|e| view! {
                                    <tr data-testid="company-change">
                                        <td>{local_time(e.at)}</td>
                                        <td>{e.action.label()}</td>
                                        <td>{e.actor_name}</td>
                                        <td>{e.subject}</td>
                                        <td>{e.before}</td>
                                        <td>{e.after}</td>
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
