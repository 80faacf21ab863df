use leptos::prelude::*;

use crate::audio::Level;

/// A level meter: an HTML `<meter>` in dB, -60 (silence) to 0 (full scale).
#[component]
pub fn LevelMeter(
    /// Whose level, for the label and the accessible name.
    label: &'static str,
    /// The level, updated ~30 times a second.
    #[prop(into)]
    level: Signal<Level>,
    /// For tests.
    testid: &'static str,
) -> impl IntoView {
    let db = move || level.get().rms_db();
    view! {
        <label class="level">
            <span class="level-label">{label}</span>
            <meter min="-60" max="0" low="-40" high="-6" optimum="-20" data-testid=testid value=move || format!("{:.0}", db())>
                {move || format!("{:.0} dB", db())}
            </meter>
        </label>
    }
}
