//! `/settings`: what makes a call need a coach, for admins — how long a
//! hold, dead air or talking over each other lasts before it counts, how
//! much louder a customer gets, and the phrases to listen for. Saved on the
//! server, which checks them and applies them to every call at once.

use earshot_protocol::{AttentionSettings, Role};
use leptos::prelude::*;

use crate::auth::AdminsOnly;

#[component]
pub fn SettingsPage() -> impl IntoView {
    if crate::auth::me().role != Role::Admin {
        let hint = "Ask an admin to change what makes a call need a coach.";
        return view! { <AdminsOnly testid="settings-refused" title="The company's settings are for admins" hint /> }.into_any();
    }
    let saved = LocalResource::new(|| async { crate::api::get_fresh::<AttentionSettings>("/api/settings/attention").await.map_err(|e| e.message) });
    view! {
        <main class="page" data-testid="settings">
            <h1>"What makes a call need a coach"</h1>
            <p class="muted">
                "A call with one of these signals, or where the customer says one of these phrases, goes to the top "
                "of the Calls tab, after calls whose agent asks for help. "
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
#[derive(Clone, Copy)]
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
        let empty = || RwSignal::new(String::new());
        let fields = Self { long_hold: empty(), dead_air: empty(), overtalk: empty(), raised_voice: empty(), agent_talk: empty(), phrases: empty() };
        fields.set(settings);
        fields
    }

    /// Shows `settings` (as the server kept them, after a save).
    fn set(&self, settings: &AttentionSettings) {
        let secs = |ms: u64| (ms / 1000).to_string();
        self.long_hold.set(secs(settings.long_hold_ms));
        self.dead_air.set(secs(settings.dead_air_ms));
        self.overtalk.set(secs(settings.overtalk_ms));
        self.raised_voice.set(settings.raised_voice_db.to_string());
        self.agent_talk.set(settings.agent_talk_percent.to_string());
        self.phrases.set(settings.phrases.join("\n"));
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
    let save = Action::new_local(move |_: &()| async move {
        let sent = fields.settings()?;
        let kept = crate::api::put::<AttentionSettings>("/api/settings/attention", &sent).await.map_err(|e| e.message)?;
        fields.set(&kept);
        Ok::<(), String>(())
    });
    // A number, its unit and its bounds (the server checks them all).
    let number = |label: &'static str, unit: &'static str, (min, max): (&'static str, Option<&'static str>), help: &'static str, testid: &'static str, field: RwSignal<String>| {
        view! {
            <label>
                {label}
                <span class="field">
                    <input type="number" min=min max=max inputmode="numeric" data-testid=testid bind:value=field />
                    {unit}
                </span>
                <span class="hint">{help}</span>
            </label>
        }
    };
    let seconds = " seconds";
    view! {
        <form class="settings" on:submit=move |ev| {
            ev.prevent_default();
            save.dispatch(());
        }>
            <fieldset class="numbers">
                <legend>"Signals from the call"</legend>
                {number("Long hold", seconds, ("1", None), "A customer on hold this long (10 seconds to an hour).", "setting-long-hold", fields.long_hold)}
                {number("Dead air", seconds, ("1", None), "Nobody talking this long, off hold (3 to 300 seconds).", "setting-dead-air", fields.dead_air)}
                {number("Talking over each other", seconds, ("1", None), "Customer and agent at once this long (1 to 60 seconds).", "setting-overtalk", fields.overtalk)}
                {number("Raised voice", " dB louder", ("3", Some("30")), "The customer this much louder than earlier in the call (3 to 30 dB).", "setting-raised-voice", fields.raised_voice)}
                {number(
                    "Agent talks most",
                    " % of the talking",
                    ("50", Some("95")),
                    "The agent's share of all the talking, once the call has had half a minute of it (50 to 95 %).",
                    "setting-agent-talk",
                    fields.agent_talk,
                )}
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
            // The last save's outcome, once it is in.
            {move || save.value().get().filter(|_| !save.pending().get()).map(|done| match done {
                Ok(()) => view! { <p class="saved" role="status" data-testid="settings-saved">"Saved: every call is judged by these from now on."</p> }.into_any(),
                Err(why) => view! { <p class="error" role="alert" data-testid="settings-error">{why}</p> }.into_any(),
            })}
        </form>
    }
}
