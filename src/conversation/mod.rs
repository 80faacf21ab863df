//! `/calls/:id`: a call's conversation view — contact, timeline, tags and
//! comments — refreshed whenever the live call changes.

use earshot_protocol::{CallDetail, CallId};
use leptos::prelude::*;
use crate::routes::Link;

use crate::contacts::ContactName;
use crate::live::{format_duration, Live};
use crate::monitoring::state_label;

#[component]
pub fn ConversationPage(call: CallId) -> impl IntoView {
    let live = Live::expect();
    // Read again when the live row changes (a new tag or comment counts in
    // its `notes`, a hold, an end).
    let row = Memo::new(move |_| live.state().with(|s| s.calls.get(&call).cloned()));
    let detail = LocalResource::new(move || {
        row.track();
        async move { crate::api::get::<CallDetail>(&format!("/api/calls/{}", call.0)).await.map_err(|e| e.message) }
    });
    view! {
        <main class="page" data-testid="conversation">
            <p><Link href="/">"← Live Monitoring"</Link></p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading conversation…"</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(detail) => view! { <Conversation detail /> }.into_any(),
                    Err(message) => view! { <h1>"Conversation not found"</h1><p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Conversation(
    /// The call, its timeline, tags and comments.
    detail: CallDetail,
) -> impl IntoView {
    let live = Live::expect();
    let CallDetail { call, live: ongoing, timeline, tags, comments } = detail;
    let (agent, line) = live.state().with_untracked(|s| (call.agent.map(|a| s.user_name(a)), s.number_name(call.number)));
    view! {
        <h1>"Conversation with " <ContactName customer=call.customer.clone() /></h1>
        <dl class="facts">
            <dt>"Number"</dt><dd>{line}</dd>
            <dt>"Agent"</dt><dd>{agent.unwrap_or_else(|| "—".into())}</dd>
            <dt>"State"</dt><dd data-testid="conversation-state">{if ongoing { state_label(call.state) } else { "Ended" }}</dd>
            <dt>"Coach"</dt><dd>{call.coaching.map_or_else(|| "—".to_owned(), |c| c.coach_name)}</dd>
        </dl>
        <h2>"Timeline"</h2>
        <ol class="timeline" data-testid="timeline">
            {timeline.into_iter().map(|entry| {
                let at = entry.at;
                view! {
                    <li>
                        <span class="muted">{format_duration(at.0.saturating_sub(call.started_at.0))}</span>
                        " "
                        {entry.what}
                    </li>
                }
            }).collect_view()}
        </ol>
        <h2>"Tags"</h2>
        {if tags.is_empty() { view! { <p class="empty">"No tags."</p> }.into_any() } else {
            view! { <ul class="tags">{tags.into_iter().map(|t| view! { <li class="tag">{t}</li> }).collect_view()}</ul> }.into_any()
        }}
        <h2>"Comments"</h2>
        {if comments.is_empty() { view! { <p class="empty">"No comments."</p> }.into_any() } else {
            view! { <ul class="comments">{comments.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}</ul> }.into_any()
        }}
    }
}
