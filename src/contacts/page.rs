use earshot_protocol::{ContactDetail, ContactId, Direction};
use leptos::prelude::*;
use crate::routes::Link;

use crate::live::format_duration;
use crate::live::Live;

/// `/contacts/:id`: the contact record and its recent calls.
#[component]
pub fn ContactPage(contact: ContactId) -> impl IntoView {
    let detail = LocalResource::new(move || async move {
        crate::api::get::<ContactDetail>(&format!("/api/contacts/{}", contact.0)).await.map_err(|e| e.message)
    });
    view! {
        <main class="page" data-testid="contact-page">
            <p><Link href="/">"← Live Monitoring"</Link></p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading contact…"</p> }>
                {move || detail.get().map(|result| match result {
                    Ok(detail) => view! { <ContactDetailView detail /> }.into_any(),
                    Err(message) => view! { <h1>"Contact not found"</h1><p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn ContactDetailView(
    /// The contact and their calls.
    detail: ContactDetail,
) -> impl IntoView {
    let live = Live::expect();
    let ContactDetail { contact, calls } = detail;
    view! {
        <h1>{contact.name}</h1>
        <dl class="facts">
            <dt>"Company"</dt><dd>{contact.company.unwrap_or_else(|| "—".into())}</dd>
            <dt>"Phone"</dt><dd>{contact.phones.join(", ")}</dd>
            <dt>"Notes"</dt><dd>{if contact.notes.is_empty() { "—".to_owned() } else { contact.notes }}</dd>
        </dl>
        <h2>"Recent calls"</h2>
        {if calls.is_empty() {
            view! { <p class="empty">"No calls yet."</p> }.into_any()
        } else {
            view! {
                <ul class="calls">
                    {calls.into_iter().map(|call| {
                        let line = live.state().with_untracked(|s| s.number_name(call.number));
                        let direction = match call.direction { Direction::Inbound => "Inbound", Direction::Outbound => "Outbound" };
                        let started = call.started_at;
                        view! {
                            <li>
                                <Link href=format!("/calls/{}", call.id.0)>{format!("{direction} call on {line}")}</Link>
                                <span class="muted">{move || format!(" · started {} ago", format_duration(live.server_now().0.saturating_sub(started.0)))}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
    }
}
