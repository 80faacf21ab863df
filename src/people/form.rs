//! The dialog that adds a person or edits one: name, email, role, Live
//! Monitoring access (none for agents) and the numbers whose calls they
//! are in. The server checks it; its refusal says which field and why.

use earshot_protocol::{Account, AddedPerson, CompanyNumber, MonitoringAccess, PasswordLink, PersonForm, Role};
use leptos::prelude::*;

use super::{access_label, role_label};
use crate::forms::choice_box;
use crate::modal::Modal;

const ROLES: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];
const ACCESSES: [MonitoringAccess; 3] = [MonitoringAccess::None, MonitoringAccess::LiveMonitoring, MonitoringAccess::LiveMonitoringPlus];

#[component]
pub fn PersonDialog(
    /// The person edited; `None` adds one.
    person: Option<Account>,
    numbers: Signal<Vec<CompanyNumber>>,
    close: impl Fn() + Copy + Send + Sync + 'static,
    /// Called with the account saved, and for a new person their link.
    saved: impl Fn(Account, Option<PasswordLink>) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let editing = person.as_ref().map(|p| p.id);
    let title = person.as_ref().map_or_else(|| "Add a person".to_owned(), |p| format!("Edit {}", p.name));
    let name = RwSignal::new(person.as_ref().map(|p| p.name.clone()).unwrap_or_default());
    let email = RwSignal::new(person.as_ref().map(|p| p.email.clone()).unwrap_or_default());
    let role = RwSignal::new(person.as_ref().map_or(Role::Agent, |p| p.role));
    let access = RwSignal::new(person.as_ref().map_or(MonitoringAccess::None, |p| p.access));
    let chosen = RwSignal::new(person.as_ref().map(|p| p.numbers.clone()).unwrap_or_default());
    let save = Action::new_local(move |form: &PersonForm| {
        let form = form.clone();
        async move {
            let done = match editing {
                None => crate::api::post::<AddedPerson>("/api/admin/users", &form).await.map(|added| (added.account, Some(added.link))),
                Some(id) => crate::api::put::<Account>(&format!("/api/admin/users/{}", id.0), &form).await.map(|account| (account, None)),
            };
            done.map(|(account, link)| saved(account, link)).map_err(|e| e.message)
        }
    });
    let error = move || save.value().get().and_then(Result::err);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let access = if role.get_untracked() == Role::Agent { MonitoringAccess::None } else { access.get_untracked() };
        save.dispatch(PersonForm { name: name.get_untracked(), email: email.get_untracked(), role: role.get_untracked(), access, numbers: chosen.get_untracked() });
    };
    let agent = move || role.get() == Role::Agent;
    view! {
        <Modal title testid="person-dialog" close>
            <form class="stacked" on:submit=on_submit>
                <label for="person-name">"Name"</label>
                <input id="person-name" required maxlength="100" autocomplete="off" bind:value=name />
                <label for="person-email">"Email"</label>
                <input id="person-email" type="email" required autocomplete="off" bind:value=email />
                <label for="person-role">"Role"</label>
                <select id="person-role" on:change=move |ev| role.set(ROLES[event_target_value(&ev).parse::<usize>().unwrap_or(0).min(2)])>
                    {ROLES.iter().enumerate().map(|(i, r)| view! { <option value=i.to_string() selected=move || role.get() == *r>{role_label(*r)}</option> }).collect_view()}
                </select>
                <label for="person-access">"Live Monitoring"</label>
                <select id="person-access" disabled=agent aria-describedby="person-access-hint" on:change=move |ev| access.set(ACCESSES[event_target_value(&ev).parse::<usize>().unwrap_or(0).min(2)])>
                    {ACCESSES.iter().enumerate().map(|(i, a)| view! {
                        <option value=i.to_string() selected=move || if agent() { *a == MonitoringAccess::None } else { access.get() == *a }>{access_label(*a)}</option>
                    }).collect_view()}
                </select>
                <p class="muted" id="person-access-hint">"Agents are coached and never monitor. Live Monitoring+ adds the figures strip."</p>
                <fieldset class="numbers">
                    <legend>"Numbers whose calls they are in"</legend>
                    {move || numbers.get().into_iter().map(|n| choice_box(format!("person-number-{}", n.id.0), format!("{} ({})", n.name, n.e164), n.id, chosen)).collect_view()}
                </fieldset>
                <p class="error" role="alert" data-testid="person-error">{error}</p>
                <div class="actions">
                    <button type="button" on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" class="primary" data-testid="save-person" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
