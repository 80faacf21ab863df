use earshot_protocol::{Role, UserStatus, UserView};
use leptos::prelude::*;

use super::KindBadge;
use crate::coaching::CoachAction;
use crate::live::Live;

/// Every user with their live status where it means something (agents, and
/// whoever is coaching), the call they are on or coaching, and beside an
/// agent on a call what the Calls tab offers for it.
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
                    <th scope="col">"Call"</th>
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
    // Memos: the cells re-render when this user's call changes, not on
    // every delta (which would recreate the button under the keyboard focus).
    let on_call = Memo::new(move |_| live.state().with(|s| s.call_of_agent(user.id).cloned()));
    let coaching = Memo::new(move |_| {
        live.state().with(|s| s.coached_by(user.id).map(|c| (c.agent.map(|a| s.user_name(a)).unwrap_or_default(), c.customer.label().to_owned())))
    });
    let status = user_status(user.role, user.status);
    let name = user.name.clone();
    view! {
        <tr data-testid=format!("user-{}", user.id.0)>
            <td>{user.name.clone()}</td>
            <td>{match user.role { Role::Admin => "Admin", Role::Supervisor => "Supervisor", Role::Agent => "Agent" }}</td>
            <td data-testid="status">
                {status.map(|(label, class)| view! { <span class=format!("status {class}")>{label}</span> })}
            </td>
            <td data-testid="call">
                {move || match (on_call.get(), coaching.get()) {
                    (Some(call), _) => Some(view! { {call.customer.label().to_owned()} <KindBadge kind=call.kind /> }.into_any()),
                    (None, Some((agent, customer))) => Some(view! { {format!("Coaching {agent} with {customer}")} }.into_any()),
                    (None, None) => None,
                }}
            </td>
            <td>{move || on_call.get().map(|call| view! { <CoachAction call agent=name.clone() /> })}</td>
        </tr>
    }
}

/// A user's live status where it means something: an agent's always; a
/// supervisor's or an admin's only while they coach (they take no calls,
/// so "available" would say nothing).
fn user_status(role: Role, status: UserStatus) -> Option<(&'static str, &'static str)> {
    match (role, status) {
        (_, UserStatus::Coaching) => Some(("Coaching", "coaching")),
        (Role::Agent, UserStatus::Available) => Some(("Available", "available")),
        (Role::Agent, UserStatus::Unavailable) => Some(("Unavailable", "unavailable")),
        (Role::Agent, UserStatus::OnCall) => Some(("On a call", "on-call")),
        (_, _) => None,
    }
}
