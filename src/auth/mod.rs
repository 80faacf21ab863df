//! Signing in and out, who is signed in, and their own password.

mod api;
mod password;
mod sign_in;
mod welcome;

use earshot_protocol::Me;
use leptos::prelude::*;

pub use api::{change_password, current_user, sign_in, sign_out};
pub use password::ChangePasswordButton;
pub use sign_in::SignInPage;
pub use welcome::WelcomePage;

/// The signed-in user, shared by context; `None` until signed in.
#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Me>>);

impl Session {
    pub fn expect() -> Self {
        expect_context::<Session>()
    }

    /// Back to the sign-in page, once: a sign-out and the server closing the
    /// live socket for it may both say so, and a second redraw of the form
    /// would lose what is being typed into it.
    pub fn end(self) {
        if self.0.with_untracked(Option::is_some) {
            self.0.set(None);
        }
    }
}

/// The signed-in user, provided to everything shown only when signed in.
#[derive(Clone)]
pub struct SignedIn(pub Me);

/// The signed-in user (inside the signed-in part of the app).
pub fn me() -> Me {
    expect_context::<SignedIn>().0
}

/// What a page for admins shows anyone else (the server refuses them too).
#[component]
pub fn AdminsOnly(
    /// Names the refusal for tests: `{testid}`.
    testid: &'static str,
    /// What is for admins, as a heading.
    title: &'static str,
    /// What to do instead.
    hint: &'static str,
) -> impl IntoView {
    view! {
        <main class="page" data-testid=testid role="alert">
            <h1>{title}</h1>
            <p>{hint}</p>
        </main>
    }
}
