//! `/settings`: what makes a call need a coach, for admins — how long a
//! hold, dead air or talking over each other lasts before it counts, how
//! much louder a customer gets, and the phrases to listen for. Saved on the
//! server, which checks them and applies them to every call at once.

use earshot_protocol::{AttentionSettings, Role};
use leptos::prelude::*;

#[component]
pub fn SettingsPage() -> impl IntoView {
    if crate::auth::me().role != Role::Admin {
        return view! {
            <main class="page" data-testid="settings-refused" role="alert">
                <h1>"The company's settings are for admins"</h1>
                <p>"Ask an admin to change what makes a call need a coach."</p>
            </main>
        }
        .into_any();
    }
    let saved = LocalResource::new(|| async { crate::api::get_fresh::<AttentionSettings>("/api/settings/attention").await.map_err(|e| e.message) });
    view! {
        <main class="page" data-testid="settings">
            <h1>"What makes a call need a coach"</h1>
            <p class="muted">
                "Calls with these signals go to the top of the Calls tab, after calls whose agent asks for help. "
                "Changes apply to every call as soon as they are saved."
            </p>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the settings…"</p> }>
                {move || saved.get().map(|result| match result {
                    Ok(settings) => view! { <SettingsForm settings /> }.into_any(),
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
        </main>
    }
    .into_any()
}

/// What the form holds: what an admin types, read when they save.
#[derive(Clone)]
struct Fields {
    long_hold: RwSignal<String>,
    dead_air: RwSignal<String>,
    overtalk: RwSignal<String>,
    raised_voice: RwSignal<String>,
    agent_talk: RwSignal<String>,
    phrases: RwSignal<String>,
}

impl Fields {
    fn of(settings: &AttentionSettings) -> Self {
        let secs = |ms: u64| RwSignal::new((ms / 1000).to_string());
        Self {
            long_hold: secs(settings.long_hold_ms),
            dead_air: secs(settings.dead_air_ms),
            overtalk: secs(settings.overtalk_ms),
            raised_voice: RwSignal::new(settings.raised_voice_db.to_string()),
            agent_talk: RwSignal::new(settings.agent_talk_percent.to_string()),
            phrases: RwSignal::new(settings.phrases.join("\n")),
        }
    }

    fn set(&self, settings: &AttentionSettings) {
        let Self { long_hold, dead_air, overtalk, raised_voice, agent_talk, phrases } = Self::of(settings);
        self.long_hold.set(long_hold.get_untracked());
        self.dead_air.set(dead_air.get_untracked());
        self.overtalk.set(overtalk.get_untracked());
        self.raised_voice.set(raised_voice.get_untracked());
        self.agent_talk.set(agent_talk.get_untracked());
        self.phrases.set(phrases.get_untracked());
    }

    /// The settings typed, or which number is not one.
    fn settings(&self) -> Result<AttentionSettings, String> {
        let number = |field: RwSignal<String>, what: &str| {
            field.get_untracked().trim().parse::<u64>().map_err(|_| format!("{what}: a whole number, please"))
        };
        Ok(AttentionSettings {
            long_hold_ms: number(self.long_hold, "Long hold")? * 1000,
            dead_air_ms: number(self.dead_air, "Dead air")? * 1000,
            overtalk_ms: number(self.overtalk, "Talking over each other")? * 1000,
            raised_voice_db: number(self.raised_voice, "Raised voice")?.try_into().unwrap_or(u32::MAX),
            agent_talk_percent: number(self.agent_talk, "Agent talks most")?.try_into().unwrap_or(u32::MAX),
            phrases: self.phrases.get_untracked().lines().map(str::to_owned).collect(),
        })
    }
}

#[component]
fn SettingsForm(settings: AttentionSettings) -> impl IntoView {
    let fields = Fields::of(&settings);
    let outcome = RwSignal::new(None::<Result<(), String>>);
    let save = Action::new_local({
        let fields = fields.clone();
        move |_: &()| {
            let fields = fields.clone();
            async move {
                let sent = fields.settings()?;
                let kept = crate::api::put::<AttentionSettings>("/api/settings/attention", &sent).await.map_err(|e| e.message)?;
                fields.set(&kept);
                Ok(())
            }
        }
    });
    Effect::new(move |_| {
        if let Some(done) = save.value().get() {
            outcome.set(Some(done));
        }
    });
    let seconds = |label: &'static str, help: &'static str, testid: &'static str, field: RwSignal<String>| {
        view! {
            <label>
                {label}
                <span class="field">
                    <input type="number" min="1" inputmode="numeric" data-testid=testid bind:value=field />
                    " seconds"
                </span>
                <span class="hint">{help}</span>
            </label>
        }
    };
    view! {
        <form class="settings" on:submit=move |ev| {
            ev.prevent_default();
            outcome.set(None);
            save.dispatch(());
        }>
            <fieldset>
                <legend>"Signals from the call"</legend>
                {seconds("Long hold", "A customer on hold this long (10 seconds to an hour).", "setting-long-hold", fields.long_hold)}
                {seconds("Dead air", "Nobody talking this long, off hold (3 to 300 seconds).", "setting-dead-air", fields.dead_air)}
                {seconds("Talking over each other", "Customer and agent at once this long (1 to 60 seconds).", "setting-overtalk", fields.overtalk)}
                <label>
                    "Raised voice"
                    <span class="field">
                        <input type="number" min="3" max="30" inputmode="numeric" data-testid="setting-raised-voice" bind:value=fields.raised_voice />
                        " dB louder"
                    </span>
                    <span class="hint">"The customer this much louder than earlier in the call (3 to 30 dB; 6 dB is twice as loud)."</span>
                </label>
                <label>
                    "Agent talks most"
                    <span class="field">
                        <input type="number" min="50" max="95" inputmode="numeric" data-testid="setting-agent-talk" bind:value=fields.agent_talk />
                        " % of the talking"
                    </span>
                    <span class="hint">"The agent's share of all the talking, once the call has had half a minute of it (50 to 95 %)."</span>
                </label>
            </fieldset>
            <fieldset>
                <legend>"Phrases"</legend>
                <label>
                    "Listen for what customers say"
                    <textarea rows="6" data-testid="setting-phrases" aria-describedby="phrases-help" bind:value=fields.phrases></textarea>
                </label>
                <p class="hint" id="phrases-help">
                    "One phrase a line, in English words (up to 20 phrases of up to 6 words). A call where the customer "
                    "says one is flagged with the words and the time. Heard on the server: no audio leaves it."
                </p>
            </fieldset>
            <p>
                <button type="submit" class="primary" data-testid="settings-save" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
            </p>
            {move || outcome.get().map(|done| match done {
                Ok(()) => view! { <p class="saved" role="status" data-testid="settings-saved">"Saved: every call is judged by these from now on."</p> }.into_any(),
                Err(why) => view! { <p class="error" role="alert" data-testid="settings-error">{why}</p> }.into_any(),
            })}
        </form>
    }
}
