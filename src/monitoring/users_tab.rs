use earshot_protocol::{Role, UserStatus, UserView};
use leptos::prelude::*;

use crate::coaching::model::{coach_offer, CoachOffer};
use crate::coaching::CoachButton;
use crate::live::Live;

/// Every user with their live status; a Coach button beside agents on a
/// coachable call.
#[component]
pub fn UsersTab() -> impl IntoView {
    let live = Live::expect();
    let users = Memo::new(move |_| live.state().with(|s| s.users.values().cloned().collect::<Vec<_>>()));
    view! {
        <table class="grid" data-testid="users">
            <caption class="visually-hidden">"Users"</caption>
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"On a call with"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                <For each=move || users.get() key=|user| user.clone() let:user>
                    <UserRow user />
                </For>
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(
    /// The user shown by this row.
    user: UserView,
) -> impl IntoView {
    let live = Live::expect();
    let me = crate::auth::me().id;
    let (status, class) = status_label(user.status);
    // A memo: the cells re-render when this user's call changes, not on
    // every delta (which would recreate the button under the keyboard focus).
    let call = Memo::new(move |_| live.state().with(|s| s.call_of_agent(user.id).cloned()));
    let name = user.name.clone();
    view! {
        <tr data-testid=format!("user-{}", user.id.0)>
            <td>{user.name.clone()}</td>
            <td>{match user.role { Role::Admin => "Admin", Role::Supervisor => "Supervisor", Role::Agent => "Agent" }}</td>
            <td><span class=format!("status {class}") data-testid="status">{status}</span></td>
            <td>{move || call.get().map(|c| c.customer.label().to_owned())}</td>
            <td>
                {move || call.get().and_then(|c| match coach_offer(&c, me) {
                    CoachOffer::Coach | CoachOffer::CoachedBy(_) => Some(view! { <CoachButton call=c.id agent=name.clone() /> }.into_any()),
                    CoachOffer::You => Some(view! { <span class="you">"You are coaching"</span> }.into_any()),
                    CoachOffer::Never(_) => None,
                })}
            </td>
        </tr>
    }
}

fn status_label(status: UserStatus) -> (&'static str, &'static str) {
    match status {
        UserStatus::Available => ("Available", "available"),
        UserStatus::Unavailable => ("Unavailable", "unavailable"),
        UserStatus::OnCall => ("On a call", "on-call"),
        UserStatus::Coaching => ("Coaching", "coaching"),
    }
}
