//! Coaching a call: the Coach button, the dialog that joins, and the panel
//! that whispers, leaves and rejoins. The server enforces every rule; these
//! views explain them.

mod devices;
mod dialog;
pub mod media;
mod meter;
mod mixer;
pub mod model;
mod panel;
pub mod setup;
mod talk;

use earshot_protocol::{CallId, CallView, UserId};
use leptos::prelude::*;

pub use dialog::CoachDialog;
pub use media::{AudioHealth, CoachMedia, ConnectError, Talk};
pub use panel::CoachingPanel;
pub use setup::AudioSetup;

/// What the coach asked for, to be done at once or after the setup.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Join `call` listening (also Rejoin).
    Join { call: CallId, notify: bool, open_conversation: bool },
    /// Bring the audio of the session the coach has to this window.
    ListenHere(CallId),
}

/// The call last joined, and who its agent was then: another agent now
/// means the session ended because the call was transferred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastJoined {
    pub call: CallId,
    pub notify: bool,
    pub agent: Option<UserId>,
}

/// The coaching UI's own state, shared by context.
#[derive(Clone, Copy)]
pub struct CoachingUi {
    /// The call whose coach dialog is open.
    pub dialog: RwSignal<Option<CallId>>,
    /// The call last joined, offered for Rejoin after leaving.
    pub last: RwSignal<Option<LastJoined>>,
    /// The setup is open, with what to do once it is complete.
    pub setup: RwSignal<Option<Option<Intent>>>,
}

impl CoachingUi {
    pub fn provide() -> Self {
        let ui = Self { dialog: RwSignal::new(None), last: RwSignal::new(None), setup: RwSignal::new(None) };
        provide_context(ui);
        ui
    }

    pub fn expect() -> Self {
        expect_context::<CoachingUi>()
    }

    /// Does what the coach asked; when the audio processing is not
    /// installed, opens the setup instead, which does it once complete.
    /// Returns the page to open (the targeted conversation), or the
    /// refusal to show.
    pub async fn start(self, media: CoachMedia, intent: Intent) -> Result<Option<String>, String> {
        let connected = match intent {
            Intent::Join { call, notify, .. } => media.join(call, notify).await,
            Intent::ListenHere(call) => media.reconnect(call).await,
        };
        match connected {
            Ok(()) => {
                self.dialog.set(None);
                let Intent::Join { call, notify, open_conversation } = intent else { return Ok(None) };
                let agent = media.live().state().with_untracked(|s| s.calls.get(&call).and_then(|c| c.agent));
                self.last.set(Some(LastJoined { call, notify, agent }));
                Ok(open_conversation.then(|| format!("/calls/{}", call.0)))
            }
            Err(ConnectError::NeedsSetup) => {
                self.dialog.set(None);
                self.setup.set(Some(Some(intent)));
                Ok(None)
            }
            Err(ConnectError::Failed(why)) => Err(why),
        }
    }
}

/// What a call's or an agent's row offers for coaching the call, the same
/// on every tab: the Coach button; "You are coaching"; or, for a call that
/// cannot be coached (its kind, or still in the queue), a disabled Coach
/// button that says why (its description, and its tooltip).
#[component]
pub fn CoachAction(
    /// The call of the row.
    call: CallView,
    /// Who is on it, for the accessible name.
    agent: String,
) -> impl IntoView {
    let me = crate::auth::me().id;
    match model::coach_offer(&call, me) {
        model::CoachOffer::Coach | model::CoachOffer::CoachedBy(_) => view! { <CoachButton call=call.id agent /> }.into_any(),
        model::CoachOffer::You => view! { <span class="you">"You are coaching"</span> }.into_any(),
        model::CoachOffer::Never(reason) => {
            let why = format!("why-not-{}", call.id.0);
            let reason = model::sentence(reason);
            view! {
                <button class="coach" disabled title=reason.clone() aria-describedby=why.clone() data-testid=format!("cannot-coach-{}", call.id.0)>
                    "Coach"
                </button>
                <span class="visually-hidden" id=why>{reason}</span>
            }
            .into_any()
        }
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
