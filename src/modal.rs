//! A modal dialog: a backdrop that closes it, Escape too, its title for
//! screen readers, and the focus on its first field when it opens.

use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[component]
pub fn Modal(
    /// Its heading, and its accessible name.
    title: String,
    /// Names it for tests, `data-testid`, and its title's id.
    testid: &'static str,
    /// Extra classes beside `dialog`.
    #[prop(optional)]
    class: &'static str,
    close: impl Fn() + Copy + Send + Sync + 'static,
    children: Children,
) -> impl IntoView {
    let title_id = format!("{testid}-title");
    let labelled_by = title_id.clone();
    let dialog = NodeRef::<Div>::new();
    Effect::new(move |_| {
        let first = dialog.get().and_then(|d| d.query_selector("input, select, textarea, button.primary").ok().flatten());
        if let Some(first) = first.and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = first.focus();
        }
    });
    view! {
        <div class="backdrop" on:click=move |_| close()></div>
        <div
            class=format!("dialog {class}")
            role="dialog"
            aria-modal="true"
            aria-labelledby=labelled_by
            data-testid=testid
            node_ref=dialog
            on:keydown=move |ev| if ev.key() == "Escape" { close() }
        >
            <h2 id=title_id>{title}</h2>
            {children()}
        </div>
    }
}
