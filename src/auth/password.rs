//! Changing one's own password, from the header: the current one, then the
//! new one twice. The server says why a new one is refused.

use earshot_protocol::{ChangePassword, ErrorCode};
use leptos::prelude::*;

use crate::modal::Modal;

/// The header's "Change password" button and the dialog it opens.
#[component]
pub fn ChangePasswordButton() -> impl IntoView {
    let open = RwSignal::new(false);
    let done = RwSignal::new(false);
    view! {
        <button data-testid="change-password" on:click=move |_| { done.set(false); open.set(true); }>"Change password"</button>
        <Show when=move || open.get()>
            <ChangePasswordDialog close=move || open.set(false) done />
        </Show>
        <Show when=move || done.get()>
            <span class="toast" role="status" data-testid="password-changed">"Your password is changed."</span>
        </Show>
    }
}

#[component]
fn ChangePasswordDialog(close: impl Fn() + Copy + Send + Sync + 'static, done: RwSignal<bool>) -> impl IntoView {
    let (current, new, again) = (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let mismatch = RwSignal::new(false);
    let change = Action::new_local(move |form: &ChangePassword| {
        let form = form.clone();
        async move {
            let result = super::change_password(&form).await;
            if result.is_ok() {
                done.set(true);
                close();
            }
            result
        }
    });
    let error = move || {
        if mismatch.get() {
            return Some("The new password and its repetition differ.".to_owned());
        }
        match change.value().get() {
            Some(Err(e)) if e.code == ErrorCode::InvalidCredentials => Some("Your current password is not that.".to_owned()),
            Some(Err(e)) => Some(e.message),
            _ => None,
        }
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        mismatch.set(new.get_untracked() != again.get_untracked());
        if !mismatch.get_untracked() {
            change.dispatch(ChangePassword { current: current.get_untracked(), new: new.get_untracked() });
        }
    };
    view! {
        <Modal title="Change your password".into() testid="password-dialog" close>
            <form class="stacked" on:submit=on_submit>
                <label for="current-password">"Current password"</label>
                <input id="current-password" type="password" autocomplete="current-password" required bind:value=current />
                <label for="new-password">"New password"</label>
                <input id="new-password" type="password" autocomplete="new-password" required aria-describedby="new-password-hint" bind:value=new />
                <p class="muted" id="new-password-hint">"At least 12 characters, and not a common or easily guessed one: a few unrelated words work well."</p>
                <label for="new-password-again">"New password again"</label>
                <input id="new-password-again" type="password" autocomplete="new-password" required bind:value=again />
                <p class="error" role="alert" data-testid="password-error">{error}</p>
                <div class="actions">
                    <button type="button" on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" class="primary" data-testid="save-password" disabled=move || change.pending().get()>
                        {move || if change.pending().get() { "Saving…" } else { "Change password" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
