//! Importing a CSV file of contacts: read in the browser, previewed by the
//! server (how many lines become contacts; each bad line's line, column
//! and why), and imported only once confirmed — its good lines all at once.

use earshot_protocol::{ContactImport, ImportPreview, Imported};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::book::DEFAULT_REGION;

#[component]
pub fn ImportSection(
    /// Told what an import did.
    imported: impl Fn(String) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let file = RwSignal::new(None::<(String, String)>); // name, text
    let region = RwSignal::new(DEFAULT_REGION.to_owned());
    let preview = Action::new_local(move |import: &ContactImport| {
        let import = import.clone();
        async move { crate::api::post::<ImportPreview>("/api/admin/contacts/import/preview", &import).await.map_err(|e| e.message) }
    });
    let import = Action::new_local(move |import: &ContactImport| {
        let import = import.clone();
        async move {
            let done = crate::api::post::<Imported>("/api/admin/contacts/import", &import).await;
            if let Ok(done) = &done {
                imported(format!("{} contacts imported; {} lines left out.", done.added, done.skipped));
            }
            done.map_err(|e| e.message)
        }
    });
    let request = move |skip_invalid: bool| {
        let (_, csv) = file.get_untracked()?;
        let region = Some(region.get_untracked().trim().to_uppercase()).filter(|r| !r.is_empty());
        Some(ContactImport { csv, region, skip_invalid })
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(chosen) = input.files().and_then(|files| files.get(0)) else { return };
        let name = chosen.name();
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(chosen.text()).await {
                file.set(Some((name, text.as_string().unwrap_or_default())));
                if let Some(request) = request(false) {
                    preview.dispatch(request);
                }
            }
        });
    };
    let confirm = move |_| {
        if let Some(request) = request(true) {
            import.dispatch(request);
        }
    };
    view! {
        <details class="import" data-testid="contact-import">
            <summary>"Import contacts from a CSV file"</summary>
            <p class="muted">"A header line with name and phone columns (company and notes if you have them), then a contact a line; several numbers in one field are separated by ;. You see what the file holds before anything is imported."</p>
            <div class="import-row">
                <label for="import-file">"CSV file"</label>
                <input id="import-file" type="file" accept=".csv,text/csv" data-testid="import-file" on:change=on_file />
                <label for="import-region">"Country of numbers without +"</label>
                <input id="import-region" class="region" maxlength="2" autocomplete="off" bind:value=region />
            </div>
            {move || preview.value().get().map(|previewed| match previewed {
                Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                Ok(previewed) => view! { <Preview previewed import confirm /> }.into_any(),
            })}
        </details>
    }
}

#[component]
fn Preview(
    previewed: ImportPreview,
    import: Action<ContactImport, Result<Imported, String>>,
    confirm: impl Fn(leptos::ev::MouseEvent) + Send + Sync + 'static,
) -> impl IntoView {
    let bad = previewed.problems.len();
    let summary = format!("{} lines will become contacts; {bad} cannot be imported and will be left out.", previewed.valid);
    let problems = previewed
        .problems
        .into_iter()
        .map(|p| view! { <tr data-testid="import-problem"><td>{p.line}</td><td>{p.column}</td><td>{p.why}</td></tr> })
        .collect_view();
    let done = move || import.value().get().is_some_and(|done| done.is_ok());
    view! {
        <section class="import-preview" data-testid="import-preview" aria-label="What the file holds">
            <p role="status" data-testid="import-summary">{summary}</p>
            {(bad > 0).then(|| view! {
                <table class="grid">
                    <thead><tr><th scope="col">"Line"</th><th scope="col">"Column"</th><th scope="col">"Why"</th></tr></thead>
                    <tbody>{problems}</tbody>
                </table>
            })}
            {move || import.value().get().and_then(Result::err).map(|message| view! { <p class="error" role="alert">{message}</p> })}
            <button class="primary" data-testid="import-confirm" disabled=move || previewed.valid == 0 || import.pending().get() || done() on:click=confirm>
                {move || if import.pending().get() { "Importing…".to_owned() } else { format!("Import {} contacts", previewed.valid) }}
            </button>
        </section>
    }
}
