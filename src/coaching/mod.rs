//! Coaching a call: the Coach button, the dialog that joins, and the panel
//! that whispers, leaves and rejoins. The server enforces every rule; these
//! views explain them.

mod dialog;
mod media;
pub mod model;
mod panel;

use earshot_protocol::CallId;
use leptos::prelude::*;

pub use dialog::CoachDialog;
pub use media::{AudioHealth, CoachMedia};
pub use panel::CoachingPanel;

/// The coaching UI's own state, shared by context.
#[derive(Clone, Copy)]
pub struct CoachingUi {
    /// The call whose coach dialog is open.
    pub dialog: RwSignal<Option<CallId>>,
    /// The call last joined, offered for Rejoin after leaving.
    pub last: RwSignal<Option<(CallId, bool)>>,
}

impl CoachingUi {
    pub fn provide() -> Self {
        let ui = Self { dialog: RwSignal::new(None), last: RwSignal::new(None) };
        provide_context(ui);
        ui
    }

    pub fn expect() -> Self {
        expect_context::<CoachingUi>()
    }
}

/// The Coach button of a call's or a user's row.
#[component]
pub fn CoachButton(
    /// The call to coach.
    call: CallId,
    /// Who is on it, for the accessible name.
    agent: String,
) -> impl IntoView {
    let ui = CoachingUi::expect();
    view! {
        <button
            class="coach"
            data-testid=format!("coach-{}", call.0)
            aria-label=format!("Coach {agent}")
            on:click=move |_| ui.dialog.set(Some(call))
        >
            "Coach"
        </button>
    }
}
