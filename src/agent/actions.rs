//! What an agent can do with their call while on it (coached or not):
//! hold, tag, comment, transfer. Mute and hang-up sit beside the call.

use earshot_protocol::{CallDetail, CallId, CallState, Request, UserId, UserView};
use leptos::prelude::*;

use crate::live::Live;

/// Hold, tag, comment and transfer; with the call's tags and comments so far.
#[component]
pub fn CallActions(
    /// The agent's current call.
    call: CallId,
    /// Its state, for the hold button.
    state: Signal<Option<CallState>>,
) -> impl IntoView {
    let live = Live::expect();
    let tag = RwSignal::new(String::new());
    let comment = RwSignal::new(String::new());
    let act = Action::new_local(move |request: &Request| {
        let request = request.clone();
        async move { live.act(request).await }
    });
    // Re-read tags and comments after each action and each change of state.
    let detail = LocalResource::new(move || {
        act.version().track();
        state.track();
        let url = format!("/api/calls/{}", call.0);
        async move { crate::api::get::<CallDetail>(&url).await }
    });
    let colleagues = LocalResource::new(move || {
        act.version().track();
        crate::api::get::<Vec<UserView>>("/api/agents/available")
    });
    let transfer_to = RwSignal::new(None::<UserId>);
    let submit = move |field: RwSignal<String>, request: fn(String) -> Request| {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = field.get_untracked();
            if !text.trim().is_empty() {
                act.dispatch(request(text));
                field.set(String::new());
            }
        }
    };
    view! {
        <form class="inline" on:submit=submit(tag, |tag| Request::Tag { tag })>
            <label for="tag">"Tag"</label>
            <input id="tag" data-testid="tag-input" maxlength="40" bind:value=tag />
            <button type="submit" data-testid="add-tag">"Add tag"</button>
        </form>
        <form class="inline" on:submit=submit(comment, |text| Request::Comment { text })>
            <label for="comment">"Comment"</label>
            <input id="comment" data-testid="comment-input" maxlength="1000" bind:value=comment />
            <button type="submit" data-testid="add-comment">"Add comment"</button>
        </form>
        <form class="inline" on:submit=move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if let Some(to) = transfer_to.get_untracked() {
                act.dispatch(Request::Transfer { to });
            }
        }>
            <label for="transfer">"Transfer to"</label>
            // Who is available changes by the minute: asked again on opening.
            <select id="transfer" data-testid="transfer-to" on:focus=move |_| colleagues.refetch() on:change=move |ev| transfer_to.set(event_target_value(&ev).parse().ok().map(UserId))>
                <option value="">"Choose a colleague"</option>
                <Suspense fallback=|| ()>
                    {move || colleagues.get().and_then(Result::ok).map(|list| list.into_iter().map(|agent| view! {
                        <option value=agent.id.0.to_string()>{agent.name}</option>
                    }).collect_view())}
                </Suspense>
            </select>
            <button
                type="submit"
                data-testid="transfer"
                disabled=move || transfer_to.get().is_none()
                title=move || transfer_to.get().is_none().then_some("Choose a colleague first")
                aria-describedby="transfer-why"
            >
                "Transfer"
            </button>
            <span id="transfer-why" class="muted" data-testid="transfer-why">
                {move || transfer_to.get().is_none().then_some("Choose a colleague to transfer to.")}
            </span>
        </form>
        <p class="error" role="alert">{move || act.value().get().and_then(Result::err)}</p>
        <Suspense fallback=|| ()>
            {move || detail.get().and_then(Result::ok).map(|d| view! {
                <ul class="tags" aria-label="Tags" data-testid="agent-tags">
                    {d.tags.into_iter().map(|t| view! { <li class="tag">{t}</li> }).collect_view()}
                </ul>
                <ul class="comments" aria-label="Comments" data-testid="agent-comments">
                    {d.comments.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                </ul>
            })}
        </Suspense>
    }
}
