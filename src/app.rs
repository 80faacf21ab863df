use earshot_protocol::{Me, MonitoringAccess, Role};
use leptos::prelude::*;

use crate::agent::AgentView;
use crate::audit::AuditPage;
use crate::auth::{SignInPage, Session, SignedIn, WelcomePage};
use crate::caller::CallerPage;
use crate::coaching::{AudioSetup, CoachDialog, CoachMedia, CoachingPanel, CoachingUi};
use crate::contacts::{ContactPage, ContactsPage};
use crate::conversation::ConversationPage;
use crate::live::{provide_live, Connection, Endpoint};
use crate::monitoring::{Dashboard, NoDashboard, Tab};
use crate::numbers::NumbersPage;
use crate::people::PeoplePage;
use crate::platform::{assess, detect, Unsupported, Verdict};
use crate::routes::{Address, Link, Page};
use crate::settings::SettingsPage;

/// The root: the browser gate, then the signed-in app or the sign-in page.
#[component]
pub fn App() -> impl IntoView {
    let caller = web_sys::window().and_then(|w| w.location().pathname().ok()).is_some_and(|p| p.starts_with("/caller"));
    match assess(&detect()) {
        // The caller view is a phone, not an account: no sign-in.
        Verdict::Supported if caller => view! { <CallerPage /> }.into_any(),
        Verdict::Supported => view! { <Shell /> }.into_any(),
        refused => view! { <Unsupported verdict=refused /> }.into_any(),
    }
}

#[component]
fn Shell() -> impl IntoView {
    let session = Session(RwSignal::new(None));
    provide_context(session);
    Address::provide();
    // A page reload keeps the session: ask the server who the cookie is
    // before offering the sign-in form.
    let restore = Action::new_local(move |_: &()| async move {
        if let Some(me) = crate::auth::current_user().await {
            session.0.set(Some(me));
        }
    });
    restore.dispatch(());
    let restored = move || restore.version().get() > 0;
    let address = Address::expect();
    let welcome = Memo::new(move |_| address.page() == Page::Welcome);
    view! {
        <Show when=restored fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || match (welcome.get(), session.0.get()) {
                (true, _) => view! { <WelcomePage /> }.into_any(),
                (false, None) => view! { <SignInPage /> }.into_any(),
                (false, Some(me)) => view! { <SignedInApp me /> }.into_any(),
            }}
        </Show>
    }
}

/// Everything behind sign-in; the dashboard only for those allowed it.
#[component]
fn SignedInApp(
    /// The signed-in user.
    me: Me,
) -> impl IntoView {
    provide_context(SignedIn(me.clone()));
    let monitors = me.role != Role::Agent && me.access != MonitoringAccess::None;
    view! {
        <Header />
        {if me.role == Role::Agent {
            view! { <AgentView /> }.into_any()
        } else if monitors {
            view! { <Monitoring /> }.into_any()
        } else {
            // An admin without Live Monitoring still reads the audit log
            // and sets what needs a coach.
            let address = Address::expect();
            let page = Memo::new(move |_| address.page());
            (move || match page.get() {
                Page::Audit => view! { <AuditPage /> }.into_any(),
                Page::Settings => view! { <SettingsPage /> }.into_any(),
                Page::People => view! { <PeoplePage /> }.into_any(),
                Page::Numbers => view! { <NumbersPage /> }.into_any(),
                Page::Contacts => view! { <ContactsPage /> }.into_any(),
                _ => view! { <NoDashboard /> }.into_any(),
            })
            .into_any()
        }}
    }
}

/// The live connection, the monitoring routes and the coaching overlay.
#[component]
fn Monitoring() -> impl IntoView {
    let live = provide_live(Endpoint::Dashboard);
    CoachingUi::provide();
    CoachMedia::provide(live);
    let address = Address::expect();
    let page = Memo::new(move |_| address.page());
    view! {
        <Show when=move || live.status().get() == Connection::Reconnecting>
            <p class="connection" role="status">"Connection to the server lost; reconnecting…"</p>
        </Show>
        {move || match page.get() {
            Page::Calls => view! { <Dashboard tab=Tab::Calls /> }.into_any(),
            Page::Users => view! { <Dashboard tab=Tab::Users /> }.into_any(),
            Page::Call(call) => view! { <ConversationPage call /> }.into_any(),
            Page::Contact(contact) => view! { <ContactPage contact /> }.into_any(),
            Page::Audit => view! { <AuditPage /> }.into_any(),
            Page::Settings => view! { <SettingsPage /> }.into_any(),
            Page::People => view! { <PeoplePage /> }.into_any(),
            Page::Numbers => view! { <NumbersPage /> }.into_any(),
            Page::Contacts => view! { <ContactsPage /> }.into_any(),
            Page::Welcome | Page::Unknown => view! { <main class="page"><h1>"This page does not exist"</h1></main> }.into_any(),
        }}
        <CoachDialog />
        <AudioSetup />
        <CoachingPanel />
    }
}

/// The signed-in user and sign-out.
#[component]
fn Header() -> impl IntoView {
    let session = Session::expect();
    let me = crate::auth::me();
    let sign_out = Action::new_local(move |_: &()| async move {
        if crate::auth::sign_out().await.is_ok() {
            session.end();
        }
    });
    let role = match (me.role, me.access) {
        (Role::Agent, _) => "Agent",
        (Role::Admin, _) => "Admin",
        (Role::Supervisor, _) => "Supervisor",
    };
    let monitors = me.role != Role::Agent && me.access != MonitoringAccess::None;
    let admin = me.role == Role::Admin;
    view! {
        <header class="top">
            <span class="brand">"Earshot"</span>
            <nav aria-label="Pages" class="pages">
                <Show when=move || monitors><Link href="/">"Live Monitoring"</Link></Show>
                <Show when=move || admin><Link href="/people">"People"</Link></Show>
                <Show when=move || admin><Link href="/numbers">"Numbers"</Link></Show>
                <Show when=move || admin><Link href="/contacts">"Contacts"</Link></Show>
                <Show when=move || admin><Link href="/audit">"Coaching audit"</Link></Show>
                <Show when=move || admin><Link href="/settings">"Attention settings"</Link></Show>
            </nav>
            <span class="who" data-testid="signed-in-as">{me.name}</span>
            <span class="muted-inverse">{role}</span>
            <crate::auth::ChangePasswordButton />
            <button on:click=move |_| { sign_out.dispatch(()); }>"Sign out"</button>
        </header>
    }
}
