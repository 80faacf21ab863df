use earshot_protocol::{ErrorCode, SignIn};
use leptos::prelude::*;

use super::Session;

/// The sign-in form. On success it fills the [`Session`].
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = Session::expect();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let submit = Action::new_local(move |form: &SignIn| {
        let form = form.clone();
        async move {
            let result = super::sign_in(&form).await;
            if let Ok(me) = &result {
                session.0.set(Some(me.clone()));
            }
            result
        }
    });
    let error = move || match submit.value().get() {
        Some(Err(e)) => Some(match e.code {
            ErrorCode::InvalidCredentials => "Wrong email or password.".to_owned(),
            _ => e.message,
        }),
        _ => None,
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit.dispatch(SignIn { email: email.get_untracked(), password: password.get_untracked() });
    };
    view! {
        <main class="sign-in" data-testid="sign-in">
            <h1>"Sign in to Earshot"</h1>
            <form on:submit=on_submit>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required bind:value=email />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    bind:value=password
                />
                <p class="error" role="alert" data-testid="sign-in-error">{error}</p>
                <button type="submit" disabled=move || submit.pending().get()>
                    {move || if submit.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </form>
        </main>
    }
}
