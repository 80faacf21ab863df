//! `/numbers`: the company's numbers, for admins — add, rename or remove
//! one, and set its call distribution: the agents who take its calls and
//! the supervisors assigned to it. Live on every dashboard once saved.
//! Below them, the phone line its calls come in on over SIP.

mod form;
mod phone_line;

use earshot_protocol::{Account, CompanyNumber, Role};
use leptos::prelude::*;

use crate::forms::Said;

use crate::auth::AdminsOnly;
use form::NumberDialog;
use phone_line::PhoneLinePanel;

#[derive(Clone, Debug, PartialEq)]
enum Editing {
    New,
    Number(CompanyNumber),
}

#[component]
pub fn NumbersPage() -> impl IntoView {
    if crate::auth::me().role != Role::Admin {
        return view! { <AdminsOnly testid="numbers-refused" title="The company's numbers are for admins" hint="Ask an admin to add a number or change who takes its calls." /> }.into_any();
    }
    let version = RwSignal::new(0u32);
    let numbers = LocalResource::new(move || {
        version.track();
        async { crate::api::get_fresh::<Vec<CompanyNumber>>("/api/numbers").await.map_err(|e| e.message) }
    });
    let people = LocalResource::new(move || {
        version.track();
        async { crate::api::get_fresh::<Vec<Account>>("/api/admin/users").await.unwrap_or_default() }
    });
    let people_now = Signal::derive(move || people.get().unwrap_or_default());
    let editing = RwSignal::new(None::<Editing>);
    let said = RwSignal::new(None::<Result<String, String>>);
    let changed = move |message: Result<String, String>| {
        said.set(Some(message));
        version.update(|v| *v += 1);
    };
    let remove = Action::new_local(move |number: &CompanyNumber| {
        let number = number.clone();
        async move {
            changed(match crate::api::delete(&format!("/api/admin/numbers/{}", number.id.0)).await {
                Ok(()) => Ok(format!("{} is removed: no call comes in on it now.", number.name)),
                Err(e) => Err(e.message),
            });
        }
    });
    let saved = move |number: CompanyNumber| {
        editing.set(None);
        changed(Ok(format!("{} is saved.", number.name)));
    };
    view! {
        <main class="page" data-testid="numbers">
            <div class="page-head">
                <h1>"Numbers"</h1>
                <button class="primary" data-testid="add-number" on:click=move |_| editing.set(Some(Editing::New))>"Add a number"</button>
            </div>
            <p class="muted">"The numbers customers call, and who takes each one's calls. A caller is put through to an available agent of the number they called first."</p>
            <Said said testid="numbers-said" />
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading the numbers…"</p> }>
                {move || numbers.get().map(|found| match found {
                    Ok(numbers) if numbers.is_empty() => view! { <p class="muted" data-testid="no-numbers">"No numbers yet: add the first one customers will call."</p> }.into_any(),
                    Ok(numbers) => {
                        let rows = numbers.into_iter().map(|number| {
                            let (edit, gone) = (number.clone(), number.clone());
                            let id = number.id;
                            let taking = move |role: fn(Role) -> bool| {
                                let names: Vec<String> = people_now.get().into_iter().filter(|p| p.active && role(p.role) && p.numbers.contains(&id)).map(|p| p.name).collect();
                                if names.is_empty() { "—".to_owned() } else { names.join(", ") }
                            };
                            view! {
                                <tr data-testid="number">
                                    <th scope="row">{number.name.clone()}</th>
                                    <td>{number.e164.clone()}</td>
                                    <td>{move || taking(|r| r == Role::Agent)}</td>
                                    <td>{move || taking(|r| r != Role::Agent)}</td>
                                    <td class="actions">
                                        <button aria-label=format!("Edit {}", number.name) on:click=move |_| editing.set(Some(Editing::Number(edit.clone())))>"Edit"</button>
                                        <button aria-label=format!("Remove {}", number.name) on:click=move |_| { remove.dispatch(gone.clone()); }>"Remove"</button>
                                    </td>
                                </tr>
                            }
                        }).collect_view();
                        view! {
                            <table class="grid people">
                                <thead><tr><th scope="col">"Name"</th><th scope="col">"Number"</th><th scope="col">"Agents taking its calls"</th><th scope="col">"Supervisors assigned"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        }.into_any()
                    }
                    Err(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
                })}
            </Suspense>
            {move || editing.get().map(|which| {
                let number = match which {
                    Editing::New => None,
                    Editing::Number(number) => Some(number),
                };
                view! { <NumberDialog number people=people_now close=move || editing.set(None) saved /> }
            })}
            <PhoneLinePanel />
        </main>
    }
    .into_any()
}
