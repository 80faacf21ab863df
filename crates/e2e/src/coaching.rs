//! The coach's way into a call, as a person clicks it: Join (or Rejoin,
//! or Listen here), and the audio setup when the browser needs it.

use std::time::Duration;

use serde_json::json;

use crate::{wait_until, Browser};

impl Browser {
    /// Clicks `button` (Join, Rejoin, Listen here) and, when the setup
    /// opens instead (a fresh browser, a cleared cache), completes it;
    /// returns once the coach listens. True when the setup ran.
    pub async fn start_listening(&self, button: &str) -> bool {
        self.click(button).await;
        let setup = wait_until(Duration::from_secs(20), "listening or the audio setup", || async {
            if self.exists("[data-testid=audio-setup]").await {
                Some(true)
            } else {
                // The meters show only while the call plays in this window.
                self.exists("[data-testid=meter-customer]").await.then_some(false)
            }
        })
        .await;
        if setup {
            self.complete_audio_setup().await;
        }
        self.wait_for_text_containing("[data-testid=coaching-panel]", "Listening").await;
        setup
    }

    /// Goes through the open setup as a coach would: waits for the
    /// install, allows the microphone, plays the test sound and hears it,
    /// waits for the connection check, then finishes.
    pub async fn complete_audio_setup(&self) {
        self.wait_for_text_containing("[data-testid=setup-step-1]", "Done").await;
        self.click("[data-testid=setup-allow-microphone]").await;
        self.click("[data-testid=setup-play-test]").await;
        self.click("[data-testid=setup-heard]").await;
        self.wait_for_text_containing("[data-testid=setup-step-3]", "Done").await;
        self.click("[data-testid=setup-finish]").await;
        self.wait_gone("[data-testid=audio-setup]").await;
    }

    /// Runs the setup from the dashboard's "Set up audio", ahead of any call.
    pub async fn set_up_audio(&self) {
        self.click("[data-testid=set-up-audio]").await;
        self.complete_audio_setup().await;
    }

    /// Clears this origin's Cache Storage and service workers, as Chrome's
    /// "Clear site data" does (the session cookie is kept, so the coach
    /// stays signed in).
    pub async fn clear_site_audio(&self, app: &crate::TestApp) {
        let params = json!({ "origin": app.url(""), "storageTypes": "cache_storage,service_workers" });
        self.devtools("Storage.clearDataForOrigin", params).await;
    }

    /// The names of this origin's caches.
    pub async fn cache_names(&self) -> Vec<String> {
        let names = self.execute_async("caches.keys().then(arguments[arguments.length - 1]);", json!([])).await;
        names.as_array().into_iter().flatten().filter_map(|n| n.as_str().map(str::to_owned)).collect()
    }
}
