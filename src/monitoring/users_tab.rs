use earshot_protocol::{Role, UserId, UserStatus, UserView};
use leptos::prelude::*;

use super::virtual_rows::{RowWindow, Spacer};
use super::window::ROW_PX;
use super::KindBadge;
use crate::coaching::CoachAction;
use crate::live::{format_duration, Live};

/// Every user with their live status where it means something (agents, and
/// whoever is coaching), the call they are on or coaching, and beside an
/// agent on a call what the Calls tab offers for it. Only the rows in view
/// are in the DOM, as on the Calls tab.
#[component]
pub fn UsersTab() -> impl IntoView {
    let live = Live::expect();
    let ids = Memo::new(move |_| live.state().with(|s| s.users.keys().copied().collect::<Vec<UserId>>()));
    let rows = RowWindow::new(move || ids.with(Vec::len));
    let shown = rows.shown(ids, move |id| live.state().with(|s| s.users.get(id).cloned()));
    let row_index = move |id: UserId| rows.row_index(shown, |u: &UserView| u.id == id);
    view! {
        <table class="grid users" data-testid="users" aria-rowcount=move || ids.with(Vec::len) + 1>
            <caption class="visually-hidden">"Users"</caption>
            <thead>
                <tr aria-rowindex="1">
                    <th scope="col">"Name"</th>
                    <th scope="col">"Role"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"For"</th>
                    <th scope="col">"Call"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody node_ref=rows.body on:keydown=move |ev| rows.arrow_keys(&ev)>
                <Spacer height=move || rows.before() columns=6 />
                <For each=move || shown.get() key=|user| user.clone() let:user>
                    <UserRow row_index=Signal::derive({ let id = user.id; move || row_index(id) }) user />
                </For>
                <Spacer height=move || rows.after() columns=6 />
            </tbody>
        </table>
    }
}

#[component]
fn UserRow(
    /// The user shown by this row.
    user: UserView,
    /// Its place in the whole table, for assistive technology.
    row_index: Signal<Option<usize>>,
) -> impl IntoView {
    let live = Live::expect();
    // Memos: the cells re-render when this user's call changes, not on
    // every delta (which would recreate the button under the keyboard focus).
    let on_call = Memo::new(move |_| live.state().with(|s| s.call_of_agent(user.id).cloned()));
    let coaching = Memo::new(move |_| {
        live.state().with(|s| s.coached_by(user.id).map(|c| (c.agent.map(|a| s.user_name(a)).unwrap_or_default(), c.customer.label().to_owned())))
    });
    let status = user_status(user.role, user.status);
    let since = user.since;
    let name = user.name.clone();
    view! {
        <tr data-testid=format!("user-{}", user.id.0) aria-rowindex=move || row_index.get() style:height=format!("{ROW_PX}px")>
            <td>{user.name.clone()}</td>
            <td>{match user.role { Role::Admin => "Admin", Role::Supervisor => "Supervisor", Role::Agent => "Agent" }}</td>
            <td data-testid="status">
                {status.map(|(label, class)| view! { <span class=format!("status {class}")>{label}</span> })}
                {user.reason.clone().map(|reason| view! { <span class="reason">{format!(" · {reason}")}</span> })}
            </td>
            <td class="duration" data-testid="status-for">
                {move || (status.is_some() && since.0 > 0).then(|| format_duration(live.server_now().0.saturating_sub(since.0)))}
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
        (Role::Agent, UserStatus::NotReady) => Some(("Not ready", "not-ready")),
        (Role::Agent, UserStatus::Offline) => Some(("Offline", "offline")),
        (Role::Agent, UserStatus::OnCall) => Some(("On a call", "on-call")),
        (_, _) => None,
    }
}
