//! What the admins' pages share: the word on their last change, and the
//! boxes that choose some of a list (a person's numbers, a number's people).

use leptos::prelude::*;

/// What the last change did (a status) or why it was refused (an alert).
#[component]
pub fn Said(said: RwSignal<Option<Result<String, String>>>, testid: &'static str) -> impl IntoView {
    move || {
        said.get().map(|said| match said {
            Ok(message) => view! { <p class="notice" role="status" data-testid=testid>{message}</p> }.into_any(),
            Err(message) => view! { <p class="error" role="alert" data-testid=testid>{message}</p> }.into_any(),
        })
    }
}

/// A box labelled `label`, with the id `field`, ticked while `chosen`
/// holds `id`; ticking adds it, unticking takes it out.
pub fn choice_box<T: Copy + PartialEq + Send + Sync + 'static>(field: String, label: String, id: T, chosen: RwSignal<Vec<T>>) -> impl IntoView {
    let toggle = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        chosen.update(|ids| {
            ids.retain(|n| *n != id);
            if on {
                ids.push(id);
            }
        });
    };
    let label_for = field.clone();
    view! {
        <label class="check" for=label_for>
            <input type="checkbox" id=field prop:checked=move || chosen.with(|ids| ids.contains(&id)) on:change=toggle />
            {label}
        </label>
    }
}
