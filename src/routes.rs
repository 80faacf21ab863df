//! The pages behind sign-in, by address: the path is a signal, [`Link`]s and
//! [`navigate`] push a history entry, Back and Forward follow `popstate`.
//! Six fixed addresses need no router crate (`leptos_router` was an eighth
//! of the app's bundle: docs/benchmarks.md).

use earshot_protocol::{CallId, ContactId};
use leptos::ev::MouseEvent;
use leptos::prelude::*;
use wasm_bindgen::JsValue;

/// A page of the signed-in app, from its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Calls,
    Users,
    Call(CallId),
    Contact(ContactId),
    Audit,
    Settings,
    People,
    Numbers,
    /// The address book (admins); a contact's own page is `Contact`.
    Contacts,
    /// A one-time link (its token in the fragment), signed in or not.
    Welcome,
    Unknown,
}

impl Page {
    pub fn of(path: &str) -> Self {
        let id = |prefix| path.strip_prefix(prefix).map(|id: &str| id.trim_end_matches('/'));
        match path.trim_end_matches('/') {
            "" => Self::Calls,
            "/users" => Self::Users,
            "/audit" => Self::Audit,
            "/settings" => Self::Settings,
            "/people" => Self::People,
            "/numbers" => Self::Numbers,
            "/contacts" => Self::Contacts,
            "/welcome" => Self::Welcome,
            _ => {
                if let Some(call) = id("/calls/").and_then(|id| id.parse().ok()) {
                    Self::Call(CallId(call))
                } else if let Some(contact) = id("/contacts/").and_then(|id| id.parse().ok()) {
                    Self::Contact(ContactId(contact))
                } else {
                    Self::Unknown
                }
            }
        }
    }
}

/// The address bar's path, as a signal.
#[derive(Clone, Copy)]
pub struct Address(RwSignal<String>);

impl Address {
    /// Follows the address bar from now on, for everything below.
    pub fn provide() -> Self {
        let address = Self(RwSignal::new(current_path()));
        let back_or_forward = window_event_listener(leptos::ev::popstate, move |_| address.0.set(current_path()));
        on_cleanup(move || back_or_forward.remove());
        provide_context(address);
        address
    }

    pub fn expect() -> Self {
        expect_context()
    }

    /// The page shown now (tracked).
    pub fn page(self) -> Page {
        self.0.with(|path| Page::of(path))
    }

    /// Shows `path` in place of the page shown, with no history entry.
    pub fn replace(self, path: &str) {
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(path)); // same origin: never refused
        }
        self.0.set(path.to_owned());
    }

    /// Shows `path`, with a history entry for Back.
    pub fn go(self, path: &str) {
        if let Ok(history) = window().history() {
            let _ = history.push_state_with_url(&JsValue::NULL, "", Some(path)); // same origin: never refused
        }
        window().scroll_to_with_x_and_y(0.0, 0.0);
        self.0.set(path.to_owned());
    }
}

/// Shows `path` in this app (see [`Address::go`]).
pub fn navigate(path: &str) {
    Address::expect().go(path);
}

/// A link within the app: followed without a page load; a new tab or
/// window (a modifier key, the middle button) is left to the browser.
#[component]
pub fn Link(#[prop(into)] href: String, children: Children) -> impl IntoView {
    let address = Address::expect();
    let current = {
        let href = href.clone();
        move || address.0.with(|path| *path == href).then_some("page")
    };
    let target = href.clone();
    let follow = move |ev: MouseEvent| {
        let elsewhere = ev.button() != 0 || ev.ctrl_key() || ev.meta_key() || ev.shift_key() || ev.alt_key();
        if !elsewhere && !ev.default_prevented() {
            ev.prevent_default();
            address.go(&target);
        }
    };
    view! { <a href=href aria-current=current on:click=follow>{children()}</a> }
}

fn current_path() -> String {
    window().location().pathname().unwrap_or_else(|_| "/".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_address_has_its_page() {
        assert_eq!(Page::of("/"), Page::Calls);
        assert_eq!(Page::of(""), Page::Calls);
        assert_eq!(Page::of("/users"), Page::Users);
        assert_eq!(Page::of("/users/"), Page::Users);
        assert_eq!(Page::of("/calls/42"), Page::Call(CallId(42)));
        assert_eq!(Page::of("/contacts/7/"), Page::Contact(ContactId(7)));
        assert_eq!(Page::of("/audit"), Page::Audit);
        assert_eq!(Page::of("/settings"), Page::Settings);
        assert_eq!(Page::of("/people"), Page::People);
        assert_eq!(Page::of("/numbers"), Page::Numbers);
        assert_eq!(Page::of("/contacts"), Page::Contacts);
        assert_eq!(Page::of("/welcome"), Page::Welcome);
        for unknown in ["/calls/", "/calls/x", "/calls/1/2", "/userss", "/caller", "/contacts/99999999999"] {
            assert_eq!(Page::of(unknown), Page::Unknown, "{unknown}");
        }
    }
}
