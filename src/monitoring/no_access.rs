use earshot_protocol::{Me, Role};
use leptos::prelude::*;

/// What a signed-in user without the dashboard sees, and why.
#[component]
pub fn NoDashboard(
    /// The signed-in user.
    me: Me,
) -> impl IntoView {
    let why = match me.role {
        Role::Agent => "Agents take calls and are coached; the Live Monitoring dashboard is for supervisors and admins.",
        _ => "Your account has no Live Monitoring access, so the dashboard and coaching are not available to you. Ask an admin to give you Live Monitoring or Live Monitoring+ access.",
    };
    view! {
        <main class="page no-access" data-testid="no-access" role="alert">
            <h1>"No access to Live Monitoring"</h1>
            <p>{why}</p>
        </main>
    }
}
