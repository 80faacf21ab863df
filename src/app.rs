use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use crate::auth::{SignInPage, Session};
use crate::platform::{assess, detect, Unsupported, Verdict};

/// The root: the browser gate, then the signed-in app or the sign-in page.
#[component]
pub fn App() -> impl IntoView {
    match assess(&detect()) {
        Verdict::Supported => view! { <Shell /> }.into_any(),
        refused => view! { <Unsupported verdict=refused /> }.into_any(),
    }
}

#[component]
fn Shell() -> impl IntoView {
    let session = Session(RwSignal::new(None));
    provide_context(session);
    // A page reload keeps the session: ask the server who the cookie is
    // before offering the sign-in form.
    let restore = Action::new_local(move |_: &()| async move {
        if let Some(me) = crate::auth::current_user().await {
            session.0.set(Some(me));
        }
    });
    restore.dispatch(());
    let restored = move || restore.version().get() > 0;
    view! {
        <Router>
            <Show when=restored fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            <Show when=move || session.0.with(Option::is_some) fallback=SignInPage>
                <Header />
                <Routes fallback=|| view! { <p>"This page does not exist."</p> }>
                    <Route path=path!("/") view=|| () />
                </Routes>
            </Show>
            </Show>
        </Router>
    }
}

/// The signed-in user and sign-out.
#[component]
fn Header() -> impl IntoView {
    let session = Session::expect();
    let name = move || session.0.with(|me| me.as_ref().map(|me| me.name.clone()));
    let sign_out = Action::new_local(move |_: &()| async move {
        if crate::auth::sign_out().await.is_ok() {
            session.0.set(None);
        }
    });
    view! {
        <header class="top">
            <span class="brand">"Earshot"</span>
            <span class="who" data-testid="signed-in-as">{name}</span>
            <button on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
        </header>
    }
}
