//! `/welcome#<token>`: a one-time link opened. The setup link of a company
//! with no admin asks the first admin's name and email too; a person's
//! link asks only for their new password. Used, it signs them in.

use earshot_protocol::{ErrorCode, LinkInfo, LinkToken, Me, RedeemLink};
use leptos::prelude::*;

use super::Session;
use crate::routes::Address;

#[component]
pub fn WelcomePage() -> impl IntoView {
    // The token rides in the fragment: no server log ever holds it.
    let token = window().location().hash().unwrap_or_default().trim_start_matches('#').to_owned();
    let link = {
        let token = token.clone();
        LocalResource::new(move || {
            let token = LinkToken { token: token.clone() };
            async move { crate::api::post::<LinkInfo>("/api/links/check", &token).await }
        })
    };
    view! {
        <main class="sign-in" data-testid="welcome">
            <Suspense fallback=|| view! { <p class="loading" role="status">"Opening your link…"</p> }>
                {move || link.get().map(|found| match found {
                    Ok(info) => view! { <SetPassword info token=token.clone() /> }.into_any(),
                    Err(e) => view! {
                        <h1>"This link does not work"</h1>
                        <p class="error" role="alert" data-testid="welcome-error">{if e.code == ErrorCode::LinkExpired { "It is used, expired or unknown: ask an admin for a new one.".to_owned() } else { e.message }}</p>
                        <p><a href="/">"Sign in"</a></p>
                    }.into_any(),
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn SetPassword(info: LinkInfo, token: String) -> impl IntoView {
    let session = Session::expect();
    let address = Address::expect();
    let first_admin = info == LinkInfo::FirstAdmin;
    let (name, email) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let (password, again) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let mismatch = RwSignal::new(false);
    let redeem = Action::new_local(move |form: &RedeemLink| {
        let form = form.clone();
        async move {
            let me = crate::api::post::<Me>("/api/links/redeem", &form).await?;
            // The used link leaves the address bar and the history.
            address.replace("/");
            session.0.set(Some(me));
            Ok::<(), earshot_protocol::ApiError>(())
        }
    });
    let error = move || match (mismatch.get(), redeem.value().get()) {
        (true, _) => Some("The password and its repetition differ.".to_owned()),
        (false, Some(Err(e))) => Some(e.message),
        _ => None,
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        mismatch.set(password.get_untracked() != again.get_untracked());
        if !mismatch.get_untracked() {
            let given = |field: RwSignal<String>| first_admin.then(|| field.get_untracked());
            redeem.dispatch(RedeemLink { token: token.clone(), name: given(name), email: given(email), password: password.get_untracked() });
        }
    };
    let (title, intro) = match &info {
        LinkInfo::FirstAdmin => ("Set up Earshot".to_owned(), "You are the company's first admin: say who you are and choose your password. This link works once.".to_owned()),
        LinkInfo::SetPassword { name, email } => (format!("Welcome, {name}"), format!("Choose the password you will sign in with, as {email}.")),
    };
    view! {
        <h1>{title}</h1>
        <p>{intro}</p>
        <form on:submit=on_submit>
            <Show when=move || first_admin>
                <label for="welcome-name">"Your name"</label>
                <input id="welcome-name" required maxlength="100" autocomplete="name" bind:value=name />
                <label for="welcome-email">"Your email"</label>
                <input id="welcome-email" type="email" required autocomplete="username" bind:value=email />
            </Show>
            <label for="welcome-password">"Password"</label>
            <input id="welcome-password" type="password" required autocomplete="new-password" aria-describedby="welcome-password-hint" bind:value=password />
            <p class="muted" id="welcome-password-hint">"At least 12 characters, and not a common or easily guessed one: a few unrelated words work well."</p>
            <label for="welcome-password-again">"Password again"</label>
            <input id="welcome-password-again" type="password" required autocomplete="new-password" bind:value=again />
            <p class="error" role="alert" data-testid="welcome-error">{error}</p>
            <button type="submit" data-testid="welcome-submit" disabled=move || redeem.pending().get()>
                {move || if redeem.pending().get() { "Saving…" } else if first_admin { "Create my account" } else { "Set my password" }}
            </button>
        </form>
    }
}
