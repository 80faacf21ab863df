//! The first-use setup, shown as a step list with a progress bar: install
//! the audio processing (downloaded, checked by SHA-256 against the server's
//! manifest, stored in Cache Storage), allow the microphone and hear a test
//! sound, and connect to the media server. It runs whenever the cache does
//! not hold the running server's processing intact — on first use, after
//! the site's data was cleared, for a new server version — and from the
//! dashboard's "Set up audio". Each step says what it found, or what to do.

mod microphone;
pub mod model;
mod path;

use leptos::prelude::*;

use self::microphone::MicrophoneStep;
use self::model::{kilobytes, Status, Steps};
use super::{CoachMedia, CoachingUi, Intent};
use crate::audio::{self, Installation, Readiness};

/// The setup dialog, while `CoachingUi::setup` asks for it.
#[component]
pub fn AudioSetup() -> impl IntoView {
    let ui = CoachingUi::expect();
    move || ui.setup.get().map(|then| view! { <SetupDialog then /> })
}

#[component]
fn SetupDialog(
    /// What to do when the setup is complete (nothing: opened from the dashboard).
    then: Option<Intent>,
) -> impl IntoView {
    let ui = CoachingUi::expect();
    let media = CoachMedia::expect();
    let install = RwSignal::new(Status::Waiting);
    let installed = RwSignal::new((0, 0));
    let microphone = RwSignal::new(Status::Waiting);
    let path = RwSignal::new(Status::Waiting);
    let installation = RwSignal::new_local(None::<Installation>);
    let error = RwSignal::new(None::<String>);

    let run_install = Action::new_local(move |_: &()| async move {
        install.set(Status::Working("Checking what this browser has installed…".into()));
        let source = media.source();
        let manifest = match audio::readiness(&source).await {
            Ok(Readiness::Ready(ready)) => {
                installation.set(Some(ready));
                return install.set(Status::Done("Already installed, and verified against the server's manifest.".into()));
            }
            Ok(Readiness::Setup { manifest, .. }) => manifest,
            Err(e) => return install.set(Status::Failed(e)),
        };
        let bytes = manifest.files.iter().map(|f| f.bytes).sum();
        let files = manifest.files.len();
        install.set(Status::Working(format!("Downloading {files} files ({})…", kilobytes(bytes))));
        match audio::install(&source, &manifest, move |done, total| installed.set((done, total))).await {
            Ok(ready) => {
                installation.set(Some(ready));
                install.set(Status::Done(format!("Installed {files} files ({}), each checked by its SHA-256 against the server's manifest.", kilobytes(bytes))));
            }
            Err(e) => install.set(Status::Failed(e)),
        }
    });
    run_install.dispatch(());
    let run_path = Action::new_local(move |_: &()| async move {
        path.set(Status::Working("Connecting to the media server…".into()));
        path.set(match path::check(media.live()).await {
            Ok(report) => Status::Done(report.describe()),
            Err(e) => Status::Failed(e),
        });
    });
    // The connection is tested once the microphone step is done.
    Effect::new(move |_| {
        if microphone.with(Status::is_done) && path.with_untracked(|p| *p == Status::Waiting) {
            run_path.dispatch(());
        }
    });
    let steps = Memo::new(move |_| Steps { install: install.get(), installed: installed.get(), microphone: microphone.get(), path: path.get() });
    let finish = Action::new_local(move |_: &()| async move {
        let Some(intent) = then else { return ui.setup.set(None) };
        match ui.start(media, intent).await {
            Ok(page) => {
                ui.setup.set(None);
                if let Some(page) = page {
                    crate::routes::navigate(&page);
                }
            }
            Err(why) => error.set(Some(why)),
        }
    });
    let close = move || ui.setup.set(None);
    // Keyboard and screen-reader users start inside the dialog.
    let dialog = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(dialog) = dialog.get() {
            let _ = dialog.focus();
        }
    });

    view! {
        <div class="backdrop"></div>
        <div
            node_ref=dialog
            tabindex="-1"
            class="dialog setup"
            role="dialog"
            aria-modal="true"
            aria-labelledby="setup-title"
            data-testid="audio-setup"
            on:keydown=move |ev| if ev.key() == "Escape" { close() }
        >
            <h2 id="setup-title">"Set up coaching audio"</h2>
            <p class="muted">"Once per browser: Earshot installs its audio processing, checks your microphone and speakers, and tests the connection to the media server."</p>
            <div
                class="progress"
                role="progressbar"
                aria-label="Setup progress"
                aria-valuemin="0"
                aria-valuemax="100"
                aria-valuenow=move || steps.get().percent()
                data-testid="setup-progress"
            >
                <div class="bar" style:width=move || format!("{}%", steps.get().percent())></div>
            </div>
            <ol class="steps">
                <Step number=1 title="Install the audio processing" status=install>
                    <Show when=move || matches!(install.get(), Status::Failed(_))>
                        <button data-testid="setup-retry-install" on:click=move |_| { run_install.dispatch(()); }>"Retry"</button>
                    </Show>
                </Step>
                <Step number=2 title="Microphone and speakers" status=microphone>
                    {move || installation.get().map(|installation| view! { <MicrophoneStep installation status=microphone /> })}
                </Step>
                <Step number=3 title="Connection to the media server" status=path>
                    <Show when=move || matches!(path.get(), Status::Failed(_))>
                        <button data-testid="setup-retry-path" on:click=move |_| { run_path.dispatch(()); }>"Retry"</button>
                    </Show>
                </Step>
            </ol>
            <p class="error" role="alert">{move || error.get()}</p>
            <div class="actions">
                <button data-testid="setup-cancel" on:click=move |_| close()>"Cancel"</button>
                <button
                    class="primary"
                    data-testid="setup-finish"
                    disabled=move || !steps.get().is_complete() || finish.pending().get()
                    on:click=move |_| { error.set(None); finish.dispatch(()); }
                >
                    {if then.is_some() { "Join and listen" } else { "Done" }}
                </button>
            </div>
        </div>
    }
}

/// One step of the list: its number, title, status and what it found.
#[component]
fn Step(
    /// Its place in the list.
    number: u32,
    title: &'static str,
    status: RwSignal<Status>,
    children: Children,
) -> impl IntoView {
    view! {
        <li class=move || status.with(Status::class) data-testid=format!("setup-step-{number}")>
            <h3>
                <span class="step-number" aria-hidden="true">{number}</span>
                {title}
                <span class="step-status">{move || status.with(Status::label)}</span>
            </h3>
            <p class="step-detail" role="status">{move || status.with(|s| s.detail().map(str::to_owned))}</p>
            {children()}
        </li>
    }
}
