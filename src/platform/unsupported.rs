use leptos::prelude::*;

use super::Verdict;

/// The page shown instead of the app when the browser gate says no.
#[component]
pub fn Unsupported(
    /// Why the browser was refused.
    verdict: Verdict,
) -> impl IntoView {
    let detail = match verdict {
        Verdict::Missing(features) => view! {
            <p>"This copy of Chrome lacks:"</p>
            <ul>{features.into_iter().map(|f| view! { <li>{f.describe()}</li> }).collect_view()}</ul>
            <p>"Update Chrome to its latest version, and open Earshot over https or on this computer's own address."</p>
        }
        .into_any(),
        _ => view! {
            <p>
                "Live coaching listens to calls and whispers to agents with audio features that Earshot "
                "supports in Google Chrome only: AudioWorklet audio processing, WebRTC call audio and "
                "Cache Storage for the installed audio processing."
            </p>
            <p>"Open this page in Google Chrome on a computer to continue."</p>
        }
        .into_any(),
    };
    view! {
        <main class="unsupported" data-testid="unsupported" role="alert">
            <h1>"Earshot needs Google Chrome"</h1>
            {detail}
        </main>
    }
}
