//! `/contacts`: the company's address book, for admins — search it, add,
//! edit or delete a contact, import a CSV file (previewed first: which
//! lines cannot be contacts, and why) and export it.

use earshot_protocol::{Contact, ContactForm, ContactList, Role};
use leptos::prelude::*;

use crate::forms::Said;

use super::import::ImportSection;
use crate::auth::AdminsOnly;
use crate::modal::Modal;

/// Numbers typed without `+` are read as this country's, unless told.
pub(super) const DEFAULT_REGION: &str = "GB";

#[component]
pub fn ContactsPage() -> impl IntoView {
    if crate::auth::me().role != Role::Admin {
        return view! { <AdminsOnly testid="contacts-refused" title="The address book is for admins" hint="Ask an admin to add or change a contact." /> }.into_any();
    }
    let (query, version) = (RwSignal::new(String::new()), RwSignal::new(0u32));
    let list = LocalResource::new(move || {
        version.track();
        let url = format!("/api/admin/contacts?q={}", String::from(js_sys::encode_uri_component(&query.get())));
        async move { crate::api::get_fresh::<ContactList>(&url).await.map_err(|e| e.message) }
    });
    let editing = RwSignal::new(None::<Option<Contact>>);
    let said = RwSignal::new(None::<Result<String, String>>);
    let changed = move |message: Result<String, String>| {
        said.set(Some(message));
        version.update(|v| *v += 1);
    };
    let delete = Action::new_local(move |contact: &Contact| {
        let contact = contact.clone();
        async move {
            changed(match crate::api::delete(&format!("/api/admin/contacts/{}", contact.id.0)).await {
                Ok(()) => Ok(format!("{} is deleted.", contact.name)),
                Err(e) => Err(e.message),
            });
        }
    });
    let saved = move |contact: Contact| {
        editing.set(None);
        changed(Ok(format!("{} is saved.", contact.name)));
    };
    view! {
        <main class="page people-page" data-testid="contacts">
            <div class="page-head">
                <h1>"Contacts"</h1>
                <div class="actions">
                    <a href="/api/admin/contacts.csv" download>"Export CSV"</a>
                    <button class="primary" data-testid="add-contact" on:click=move |_| editing.set(Some(None))>"Add a contact"</button>
                </div>
            </div>
            <ImportSection imported=move |message| changed(Ok(message)) />
            <Said said testid="contacts-said" />
            <label for="contact-search">"Search by name, company or phone"</label>
            <input id="contact-search" type="search" class="search" autocomplete="off" bind:value=query />
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the contacts…"</p> }>
                {move || list.get().map(|found| match found {
                    Ok(list) => {
                        let shown = list.contacts.len();
                        let rows = list.contacts.into_iter().map(|contact| {
                            let (edit, gone) = (contact.clone(), contact.clone());
                            view! {
                                <tr data-testid="contact-row">
                                    <th scope="row">{contact.name.clone()}</th>
                                    <td>{contact.phones.join(", ")}</td>
                                    <td>{contact.company.clone().unwrap_or_default()}</td>
                                    <td class="actions">
                                        <button aria-label=format!("Edit {}", contact.name) on:click=move |_| editing.set(Some(Some(edit.clone())))>"Edit"</button>
                                        <button aria-label=format!("Delete {}", contact.name) on:click=move |_| { delete.dispatch(gone.clone()); }>"Delete"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view();
                        let count = match (shown, list.total) {
                            (_, 0) => "No contacts match.".to_owned(),
                            (_, 1) => "1 contact.".to_owned(),
                            (shown, total) if shown < total => format!("{total} contacts; the first {shown} are shown: narrow the search."),
                            (_, total) => format!("{total} contacts."),
                        };
                        view! {
                            <p class="muted" role="status" data-testid="contact-count">{count}</p>
                            <table class="grid people">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Phones"</th><th scope="col">"Company"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
            {move || editing.get().map(|contact| view! { <ContactDialog contact close=move || editing.set(None) saved /> })}
        </main>
    }
    .into_any()
}

#[component]
fn ContactDialog(
    /// The contact edited; `None` adds one.
    contact: Option<Contact>,
    close: impl Fn() + Copy + Send + Sync + 'static,
    saved: impl Fn(Contact) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let editing = contact.as_ref().map(|c| c.id);
    let title = contact.as_ref().map_or_else(|| "Add a contact".to_owned(), |c| format!("Edit {}", c.name));
    let name = RwSignal::new(contact.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let phones = RwSignal::new(contact.as_ref().map(|c| c.phones.join("\n")).unwrap_or_default());
    let company = RwSignal::new(contact.as_ref().and_then(|c| c.company.clone()).unwrap_or_default());
    let notes = RwSignal::new(contact.as_ref().map(|c| c.notes.clone()).unwrap_or_default());
    let save = Action::new_local(move |form: &ContactForm| {
        let form = form.clone();
        async move {
            let done = match editing {
                None => crate::api::post::<Contact>("/api/admin/contacts", &form).await,
                Some(id) => crate::api::put::<Contact>(&format!("/api/admin/contacts/{}", id.0), &form).await,
            };
            done.map(saved).map_err(|e| e.message)
        }
    });
    let error = move || save.value().get().and_then(Result::err);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let phones = phones.get_untracked().split(['\n', ',', ';']).map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect();
        let company = Some(company.get_untracked()).filter(|c| !c.trim().is_empty());
        save.dispatch(ContactForm { name: name.get_untracked(), phones, company, notes: notes.get_untracked(), region: Some(DEFAULT_REGION.into()) });
    };
    view! {
        <Modal title testid="contact-dialog" close>
            <form class="stacked" on:submit=on_submit>
                <label for="contact-name">"Name"</label>
                <input id="contact-name" required maxlength="100" autocomplete="off" bind:value=name />
                <label for="contact-phones">"Phone numbers, one a line"</label>
                <textarea id="contact-phones" rows="3" required aria-describedby="contact-phones-hint" bind:value=phones></textarea>
                <p class="muted" id="contact-phones-hint">{format!("Kept as E.164; a number without + is read as a {DEFAULT_REGION} number.")}</p>
                <label for="contact-company">"Company"</label>
                <input id="contact-company" maxlength="100" autocomplete="off" bind:value=company />
                <label for="contact-notes">"Notes"</label>
                <textarea id="contact-notes" rows="3" maxlength="2000" bind:value=notes></textarea>
                <p class="error" role="alert" data-testid="contact-error">{error}</p>
                <div class="actions">
                    <button type="button" on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" class="primary" data-testid="save-contact" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
