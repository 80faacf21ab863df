use earshot_protocol::Role;
use leptos::prelude::*;
use crate::routes::Link;

/// What a supervisor or admin without Live Monitoring access sees, and why.
#[component]
pub fn NoDashboard() -> impl IntoView {
    view! {
        <main class="page no-access" data-testid="no-access" role="alert">
            <h1>"No access to Live Monitoring"</h1>
            <p>
                "Your account has no Live Monitoring access, so the dashboard and coaching are not available "
                "to you. Ask an admin to give you Live Monitoring or Live Monitoring+ access."
            </p>
            <Show when=|| crate::auth::me().role == Role::Admin>
                <p>"As an admin you can still read the " <Link href="/audit">"coaching audit log"</Link> "."</p>
            </Show>
        </main>
    }
}
