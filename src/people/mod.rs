//! `/people`: the company's people, for admins — add someone (they get a
//! one-time link to set their password, shown here to pass on), change
//! their role, access and numbers, deactivate or bring them back, or give
//! them a new link. The server checks every change and applies it live.

mod form;
mod log;

use earshot_protocol::{Account, CompanyNumber, MonitoringAccess, PasswordLink, Role, SetActive};
use leptos::prelude::*;

use crate::forms::Said;

use crate::auth::AdminsOnly;
use form::PersonDialog;
use log::CompanyLog;

/// Who the dialog is open for: someone new, or a person to edit.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    New,
    Person(Account),
}

/// A link to pass on, and whose it is.
#[derive(Clone, Debug, PartialEq)]
struct Handed {
    name: String,
    link: PasswordLink,
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    if crate::auth::me().role != Role::Admin {
        return view! { <AdminsOnly testid="people-refused" title="The company's people are for admins" hint="Ask an admin to add someone or change their access." /> }.into_any();
    }
    let version = RwSignal::new(0u32);
    let people = LocalResource::new(move || {
        version.track();
        async { crate::api::get_fresh::<Vec<Account>>("/api/admin/users").await.map_err(|e| e.message) }
    });
    let numbers = LocalResource::new(|| async { crate::api::get::<Vec<CompanyNumber>>("/api/numbers").await.unwrap_or_default() });
    let editing = RwSignal::new(None::<Editing>);
    let handed = RwSignal::new(None::<Handed>);
    let said = RwSignal::new(None::<Result<String, String>>);
    let changed = move |message: Result<String, String>| {
        said.set(Some(message));
        version.update(|v| *v += 1);
    };
    let numbers_now = Signal::derive(move || numbers.get().unwrap_or_default());
    let saved = move |account: Account, link: Option<PasswordLink>| {
        editing.set(None);
        handed.set(link.map(|link| Handed { name: account.name.clone(), link }));
        changed(Ok(format!("{} is saved.", account.name)));
    };
    view! {
        <main class="page people-page" data-testid="people">
            <div class="page-head">
                <h1>"People"</h1>
                <button class="primary" data-testid="add-person" on:click=move |_| editing.set(Some(Editing::New))>"Add a person"</button>
            </div>
            <p class="muted">"Everyone who signs in to Earshot. A change applies at once: a person deactivated is signed out everywhere, and whoever loses Live Monitoring stops coaching."</p>
            {move || handed.get().map(|handed| view! { <LinkNotice handed /> })}
            <Said said testid="people-said" />
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the people…"</p> }>
                {move || people.get().map(|found| match found {
                    Ok(people) => view! { <PeopleTable people numbers=numbers_now editing handed changed /> }.into_any(),
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
            <CompanyLog version />
            {move || editing.get().map(|who| {
                let person = match who {
                    Editing::New => None,
                    Editing::Person(account) => Some(account),
                };
                view! { <PersonDialog person numbers=numbers_now close=move || editing.set(None) saved /> }
            })}
        </main>
    }
    .into_any()
}

#[component]
fn PeopleTable(
    people: Vec<Account>,
    numbers: Signal<Vec<CompanyNumber>>,
    editing: RwSignal<Option<Editing>>,
    handed: RwSignal<Option<Handed>>,
    changed: impl Fn(Result<String, String>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let me = crate::auth::me().id;
    let set_active = Action::new_local(move |(account, active): &(Account, bool)| {
        let (id, name, active) = (account.id, account.name.clone(), *active);
        async move {
            let done = crate::api::put::<Account>(&format!("/api/admin/users/{}/active", id.0), &SetActive { active }).await;
            changed(match done {
                Ok(_) if active => Ok(format!("{name} is active again and signs in with the password they had.")),
                Ok(_) => Ok(format!("{name} is deactivated: signed out everywhere.")),
                Err(e) => Err(e.message),
            });
        }
    });
    let new_link = Action::new_local(move |account: &Account| {
        let (id, name) = (account.id, account.name.clone());
        async move {
            match crate::api::post::<PasswordLink>(&format!("/api/admin/users/{}/password-link", id.0), &()).await {
                Ok(link) => {
                    changed(Ok(format!("A new password link for {name}: earlier ones no longer work.")));
                    handed.set(Some(Handed { name, link }));
                }
                Err(e) => changed(Err(e.message)),
            }
        }
    });
    let rows = people
        .into_iter()
        .map(|person| {
            let ids = person.numbers.clone();
            let number_names = move || match person_numbers(&numbers.get(), &ids) {
                names if names.is_empty() => "—".to_owned(),
                names => names.join(", "),
            };
            let state = match (person.active, person.has_password) {
                (false, _) => "Deactivated",
                (true, false) => "Waiting for their password",
                (true, true) => "Active",
            };
            let (edit, toggle, link) = (person.clone(), person.clone(), person.clone());
            let name = person.name.clone();
            let own = person.id == me;
            view! {
                <tr data-testid="person" class:inactive=!person.active>
                    <th scope="row">{person.name.clone()}</th>
                    <td>{person.email.clone()}</td>
                    <td>{role_label(person.role)}</td>
                    <td>{access_label(person.access)}</td>
                    <td>{number_names}</td>
                    <td data-testid="person-state">{state}</td>
                    <td class="actions">
                        <button aria-label=format!("Edit {name}") on:click=move |_| editing.set(Some(Editing::Person(edit.clone())))>"Edit"</button>
                        {(!own).then(|| {
                            let active = toggle.active;
                            let label = if active { "Deactivate" } else { "Reactivate" };
                            view! { <button aria-label=format!("{label} {}", toggle.name) on:click=move |_| { set_active.dispatch((toggle.clone(), !active)); }>{label}</button> }
                        })}
                        {link.active.then(|| view! {
                            <button aria-label=format!("New password link for {}", link.name) on:click=move |_| { new_link.dispatch(link.clone()); }>"New password link"</button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table class="grid people">
            <thead>
                <tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th><th scope="col">"Live Monitoring"</th><th scope="col">"Numbers"</th><th scope="col">"State"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

/// A one-time link to pass on, with its whole address to copy.
#[component]
fn LinkNotice(handed: Handed) -> impl IntoView {
    let origin = window().location().origin().unwrap_or_default();
    let url = format!("{origin}{}", handed.link.path);
    let copied = RwSignal::new(false);
    let copy = {
        let url = url.clone();
        move |_| {
            let _ = window().navigator().clipboard().write_text(&url); // a refusal leaves the field to copy by hand
            copied.set(true);
        }
    };
    view! {
        <section class="link-notice" role="status" data-testid="person-link">
            <p>{format!("Pass this link on to {}: it lets them set their password, once, within 72 hours.", handed.name)}</p>
            <div class="copy-row">
                <label class="visually-hidden" for="person-link-url">"Their link"</label>
                <input id="person-link-url" readonly value=url data-testid="person-link-url" on:focus=|ev| { let _ = event_target::<web_sys::HtmlInputElement>(&ev).select(); } />
                <button on:click=copy>{move || if copied.get() { "Copied" } else { "Copy" }}</button>
            </div>
        </section>
    }
}

fn person_numbers(numbers: &[CompanyNumber], ids: &[earshot_protocol::NumberId]) -> Vec<String> {
    ids.iter().map(|id| numbers.iter().find(|n| n.id == *id).map_or_else(|| format!("Line {}", id.0), |n| n.name.clone())).collect()
}

pub(crate) fn role_label(role: Role) -> &'static str {
    match role {
        Role::Admin => "Admin",
        Role::Supervisor => "Supervisor",
        Role::Agent => "Agent",
    }
}

pub(crate) fn access_label(access: MonitoringAccess) -> &'static str {
    match access {
        MonitoringAccess::None => "None",
        MonitoringAccess::LiveMonitoring => "Live Monitoring",
        MonitoringAccess::LiveMonitoringPlus => "Live Monitoring+",
    }
}
