//! The dialog that adds a number or edits one: its name, its E.164 number
//! and who takes its calls. The server writes the number as E.164 and
//! says why one cannot be dialled.

use earshot_protocol::{Account, CompanyNumber, NumberForm, Role, UserId};
use leptos::prelude::*;

use crate::forms::choice_box;
use crate::modal::Modal;

#[component]
pub fn NumberDialog(
    /// The number edited; `None` adds one.
    number: Option<CompanyNumber>,
    people: Signal<Vec<Account>>,
    close: impl Fn() + Copy + Send + Sync + 'static,
    saved: impl Fn(CompanyNumber) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let editing = number.as_ref().map(|n| n.id);
    let title = number.as_ref().map_or_else(|| "Add a number".to_owned(), |n| format!("Edit {}", n.name));
    let name = RwSignal::new(number.as_ref().map(|n| n.name.clone()).unwrap_or_default());
    let e164 = RwSignal::new(number.as_ref().map(|n| n.e164.clone()).unwrap_or_default());
    let chosen = RwSignal::new(match editing {
        Some(id) => people.get_untracked().iter().filter(|p| p.numbers.contains(&id)).map(|p| p.id).collect(),
        None => Vec::<UserId>::new(),
    });
    let save = Action::new_local(move |form: &NumberForm| {
        let form = form.clone();
        async move {
            let done = match editing {
                None => crate::api::post::<CompanyNumber>("/api/admin/numbers", &form).await,
                Some(id) => crate::api::put::<CompanyNumber>(&format!("/api/admin/numbers/{}", id.0), &form).await,
            };
            done.map(saved).map_err(|e| e.message)
        }
    });
    let error = move || save.value().get().and_then(Result::err);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(NumberForm { name: name.get_untracked(), e164: e164.get_untracked(), people: chosen.get_untracked() });
    };
    let group = move |agents: bool| {
        people
            .get()
            .into_iter()
            .filter(move |p| p.active && (p.role == Role::Agent) == agents)
            .map(|p| choice_box(format!("number-person-{}", p.id.0), p.name, p.id, chosen))
            .collect_view()
    };
    view! {
        <Modal title testid="number-dialog" close>
            <form class="stacked" on:submit=on_submit>
                <label for="number-name">"Name"</label>
                <input id="number-name" required maxlength="60" autocomplete="off" bind:value=name />
                <label for="number-e164">"Number"</label>
                <input id="number-e164" type="tel" required autocomplete="off" placeholder="+44 20 7946 0958" aria-describedby="number-e164-hint" bind:value=e164 />
                <p class="muted" id="number-e164-hint">"With its country code; it is kept as E.164."</p>
                <fieldset class="numbers">
                    <legend>"Agents who take its calls"</legend>
                    {move || group(true)}
                </fieldset>
                <fieldset class="numbers">
                    <legend>"Supervisors assigned to it"</legend>
                    {move || group(false)}
                </fieldset>
                <p class="error" role="alert" data-testid="number-error">{error}</p>
                <div class="actions">
                    <button type="button" on:click=move |_| close()>"Cancel"</button>
                    <button type="submit" class="primary" data-testid="save-number" disabled=move || save.pending().get()>
                        {move || if save.pending().get() { "Saving…" } else { "Save" }}
                    </button>
                </div>
            </form>
        </Modal>
    }
}
