//! Who may use what: every HTTP endpoint and every live request, with the
//! users each admits. The server gates on it before any rule runs (deny by
//! default); the protocol's documentation and the server's authorization
//! matrix test are generated from it, so nothing new goes unlisted.

use std::fmt;

use serde::de::value::MapDeserializer;
use serde::Deserialize;

use crate::directory::{MonitoringAccess, Role};
use crate::live::Request;

/// The users an endpoint or a request admits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not (public data, signing in, the caller's phone).
    Anyone,
    /// Any signed-in user.
    SignedIn,
    /// Admins and supervisors with Live Monitoring access: the dashboard
    /// and coaching.
    Monitors,
    /// Monitors, and an agent for records of their own calls.
    MonitorsAndOwnCalls,
    /// Agents: their own call.
    Agents,
    /// Admins only.
    Admins,
    /// The anonymous caller's phone (`/api/caller`).
    Callers,
    /// Agents, and the anonymous caller's phone.
    AgentsAndCallers,
}

/// Who asks: an anonymous caller (`None`) or a signed-in user.
pub type Asker = Option<(Role, MonitoringAccess)>;

impl Access {
    pub fn admits(self, asker: Asker) -> bool {
        let monitor = matches!(asker, Some((Role::Admin | Role::Supervisor, access)) if access != MonitoringAccess::None);
        let agent = matches!(asker, Some((Role::Agent, _)));
        match self {
            Access::Anyone => true,
            Access::SignedIn => asker.is_some(),
            Access::Monitors => monitor,
            Access::MonitorsAndOwnCalls => monitor || agent,
            Access::Agents => agent,
            Access::Admins => matches!(asker, Some((Role::Admin, _))),
            Access::Callers => asker.is_none(),
            Access::AgentsAndCallers => agent || asker.is_none(),
        }
    }

    /// Who, in words, for the documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Anyone => "anyone",
            Access::SignedIn => "signed in",
            Access::Monitors => "monitors (admins and supervisors with Live Monitoring)",
            Access::MonitorsAndOwnCalls => "monitors; agents for their own calls",
            Access::Agents => "agents",
            Access::Admins => "admins",
            Access::Callers => "callers (`/api/caller`)",
            Access::AgentsAndCallers => "agents; callers (`/api/caller`)",
        }
    }
}

impl Request {
    /// Every request's `type`, as the enum's own `Deserialize` knows them:
    /// a new request is listed here without anyone remembering to.
    pub fn types() -> &'static [&'static str] {
        // Deserialising an unknown type makes serde name the known ones.
        let unknown = MapDeserializer::<_, KnownTypes>::new(std::iter::once(("type", "")));
        match Request::deserialize(unknown) {
            Err(KnownTypes(Some(types))) => types,
            // An empty type can never be a request's.
            _ => unreachable!("serde names the variants of an unknown type"),
        }
    }

    /// Who may send this request.
    pub fn access(&self) -> Access {
        match self {
            Request::Subscribe
            | Request::StartCoaching { .. }
            | Request::SetWhisper { .. }
            | Request::LeaveCoaching
            | Request::ReconnectCoaching { .. }
            | Request::CheckAudioPath { .. } => Access::Monitors,
            // Closes what only a monitor could open; harmless for anyone else.
            Request::EndAudioCheck => Access::SignedIn,
            Request::WatchMyCall
            | Request::JoinMyCall { .. }
            | Request::Hold { .. }
            | Request::Tag { .. }
            | Request::Comment { .. }
            | Request::Transfer { .. }
            | Request::TransferOutside { .. }
            | Request::RaiseHand { .. }
            | Request::LowerHand
            | Request::SetPresence { .. } => Access::Agents,
            Request::Dial { .. } => Access::Callers,
            Request::HangUp => Access::AgentsAndCallers,
        }
    }
}

/// One HTTP endpoint of the API.
#[derive(Clone, Copy, Debug)]
pub struct Endpoint {
    pub method: &'static str,
    /// With `{id}` where an id goes.
    pub path: &'static str,
    pub access: Access,
    /// The request body's type, if any.
    pub body: Option<&'static str>,
    pub answer: &'static str,
}

/// Every endpoint under `/api`.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint { method: "POST", path: "/api/session", access: Access::Anyone, body: Some("SignIn"), answer: "`Me`, and the session cookie (HttpOnly, SameSite=Strict)" },
    Endpoint { method: "GET", path: "/api/session", access: Access::Anyone, body: None, answer: "`Me`, or `null` when not signed in" },
    Endpoint { method: "DELETE", path: "/api/session", access: Access::Anyone, body: None, answer: "204; the cookie is cleared" },
    Endpoint { method: "PUT", path: "/api/session/password", access: Access::SignedIn, body: Some("ChangePassword"), answer: "204: the new password is kept and the old one no longer signs in; 401 `invalid_credentials` when `current` is wrong (counted like a failed sign-in), 422 `weak_password` with why" },
    Endpoint { method: "GET", path: "/api/calls/{id}", access: Access::MonitorsAndOwnCalls, body: None, answer: "`CallDetail` (the conversation view)" },
    Endpoint { method: "GET", path: "/api/contacts/{id}", access: Access::Monitors, body: None, answer: "`ContactDetail`" },
    Endpoint { method: "GET", path: "/api/agents/available", access: Access::Agents, body: None, answer: "agents free to take a transfer, `[UserView]`" },
    Endpoint { method: "GET", path: "/api/numbers", access: Access::Anyone, body: None, answer: "the company's numbers, `[CompanyNumber]` (for the caller view)" },
    Endpoint { method: "GET", path: "/api/live", access: Access::SignedIn, body: None, answer: "WebSocket upgrade (same-origin); `?window=N` names the app window it serves (a random id per page load: see `audio_window`). Each request admits whom its own access says" },
    Endpoint { method: "GET", path: "/api/caller", access: Access::Anyone, body: None, answer: "WebSocket upgrade for the caller view (same-origin): `dial` and `hang_up` only" },
    Endpoint { method: "GET", path: "/api/audit", access: Access::Admins, body: None, answer: "`AuditLog`: the coaching audit log, newest first; `?coach=&agent=&number=&from=&to=` (`AuditQuery`) narrow it" },
    Endpoint { method: "GET", path: "/api/audit.csv", access: Access::Admins, body: None, answer: "the same entries as CSV, all of them (a download)" },
    Endpoint { method: "GET", path: "/api/settings/attention", access: Access::Admins, body: None, answer: "`AttentionSettings`: what makes a call need a coach (the server's defaults until an admin saves)" },
    Endpoint { method: "PUT", path: "/api/settings/attention", access: Access::Admins, body: Some("AttentionSettings"), answer: "the `AttentionSettings` kept (phrases trimmed, in lower case, once each), applied to every call at once; 422 `invalid_settings` says what cannot be kept (a value out of range, a word the speech model does not know)" },
    Endpoint { method: "GET", path: "/api/admin/users", access: Access::Admins, body: None, answer: "`[Account]`: everyone, deactivated people too" },
    Endpoint { method: "POST", path: "/api/admin/users", access: Access::Admins, body: Some("PersonForm"), answer: "`AddedPerson`: the account and the one-time `PasswordLink` to pass on (valid 72 h); 422 `invalid_form` says which field cannot be kept (an email taken, an agent with Live Monitoring, an unknown number)" },
    Endpoint { method: "PUT", path: "/api/admin/users/{id}", access: Access::Admins, body: Some("PersonForm"), answer: "the `Account` changed, live at once: a supervisor whose Live Monitoring is removed stops coaching (with the reason) and their dashboard closes; 422 `invalid_form` as above, and for the company's last admin" },
    Endpoint { method: "PUT", path: "/api/admin/users/{id}/active", access: Access::Admins, body: Some("SetActive"), answer: "the `Account`: deactivated, their sessions end at once, a coaching seat ends with the reason, an agent on a call keeps it until it ends and gets no more; reactivated, they sign in again with their password. 422 `invalid_form` for oneself and the last admin" },
    Endpoint { method: "POST", path: "/api/admin/users/{id}/password-link", access: Access::Admins, body: None, answer: "a new `PasswordLink` (valid 72 h); earlier links of the person stop working, their password goes on working until they set the new one" },
    Endpoint { method: "POST", path: "/api/admin/numbers", access: Access::Admins, body: Some("NumberForm"), answer: "the `CompanyNumber` added (E.164 written as such; a removed number with the same E.164 comes back under its old id), on every dashboard and the caller view at once, `people` taking its calls; 422 `invalid_form` says which field (an E.164 no phone can dial, a number the company has already)" },
    Endpoint { method: "PUT", path: "/api/admin/numbers/{id}", access: Access::Admins, body: Some("NumberForm"), answer: "the `CompanyNumber` changed, and exactly `people` take its calls from now on; 422 `invalid_form` as above" },
    Endpoint { method: "DELETE", path: "/api/admin/numbers/{id}", access: Access::Admins, body: None, answer: "204: no call comes in on it and nobody takes its calls (past calls keep its name); 422 `invalid_form` while a call on it is live" },
    Endpoint { method: "GET", path: "/api/admin/contacts", access: Access::Admins, body: None, answer: "`ContactList`: the contacts `?q=` picks (by name, company or phone digits), by name, a page of 100 from `?offset=`" },
    Endpoint { method: "POST", path: "/api/admin/contacts", access: Access::Admins, body: Some("ContactForm"), answer: "the `Contact` added, its phones as E.164 (calls from them show it at once); 422 `invalid_form` says which field (a phone another contact has, one that cannot be dialled)" },
    Endpoint { method: "PUT", path: "/api/admin/contacts/{id}", access: Access::Admins, body: Some("ContactForm"), answer: "the `Contact` changed; 422 `invalid_form` as above" },
    Endpoint { method: "DELETE", path: "/api/admin/contacts/{id}", access: Access::Admins, body: None, answer: "204: deleted; past and live calls from its numbers keep the phone, not the link" },
    Endpoint { method: "POST", path: "/api/admin/contacts/import/preview", access: Access::Admins, body: Some("ContactImport"), answer: "`ImportPreview`: how many lines would become contacts, each bad line's problem (line, column, why) and a sample; nothing is kept" },
    Endpoint { method: "POST", path: "/api/admin/contacts/import", access: Access::Admins, body: Some("ContactImport"), answer: "`Imported`: every good line added in one transaction; with a bad line and no `skip_invalid`, 422 `invalid_form` and nothing added. Files up to 8 MiB" },
    Endpoint { method: "GET", path: "/api/admin/contacts.csv", access: Access::Admins, body: None, answer: "every contact as CSV (`name,phone,company,notes`, phones separated by `;`): the form an import reads" },
    Endpoint { method: "GET", path: "/api/admin/phone-line", access: Access::Admins, body: None, answer: "`PhoneLine`: where the SIP line listens (or that it is off) and who may call in" },
    Endpoint { method: "PUT", path: "/api/admin/phone-line", access: Access::Admins, body: Some("PhoneLineSettings"), answer: "the `PhoneLine` with the rules kept (each address written as a network, once), applied to the next INVITE at once and noted in the company's log; 422 `invalid_form` names what is not an address or a network, or a cap out of range" },
    Endpoint { method: "GET", path: "/api/admin/log", access: Access::Admins, body: None, answer: "`AdminLog`: every change to the company, newest first; `?actor=&from=&to=` (`AdminQuery`) narrow it" },
    Endpoint { method: "GET", path: "/api/admin/log.csv", access: Access::Admins, body: None, answer: "the same entries as CSV, all of them (a download)" },
    Endpoint { method: "POST", path: "/api/links/check", access: Access::Anyone, body: Some("LinkToken"), answer: "`LinkInfo`: what the link is for; 410 `link_expired` when it is unknown, used or expired" },
    Endpoint { method: "POST", path: "/api/links/redeem", access: Access::Anyone, body: Some("RedeemLink"), answer: "`Me`, signed in (the session cookie): the password is set (and, for the setup link, the first admin created); the link is used up. 410 `link_expired`, 422 `weak_password` or `invalid_form` with why" },
    Endpoint { method: "GET", path: "/api/metrics", access: Access::Admins, body: None, answer: "Prometheus text: SFU counters per leg" },
    Endpoint { method: "GET", path: "/api/audio/manifest", access: Access::Anyone, body: None, answer: "`AudioManifest`: the coach's audio processing to install, each file's SHA-256 (`Cache-Control: no-store`)" },
];

/// The "error" that catches serde's list of the variants it expected.
#[derive(Debug)]
struct KnownTypes(Option<&'static [&'static str]>);

impl fmt::Display for KnownTypes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "known types: {:?}", self.0)
    }
}

impl std::error::Error for KnownTypes {}

impl serde::de::Error for KnownTypes {
    fn custom<T: fmt::Display>(_: T) -> Self {
        KnownTypes(None)
    }

    fn unknown_variant(_: &str, expected: &'static [&'static str]) -> Self {
        KnownTypes(Some(expected))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_names_every_request_type() {
        let types = Request::types();
        assert!(types.contains(&"subscribe") && types.contains(&"dial") && types.contains(&"transfer") && types.contains(&"raise_hand"), "{types:?}");
        assert_eq!(types.len(), 19);
    }

    #[test]
    fn monitoring_needs_the_access_and_agents_never_monitor() {
        let supervisor = |access| Some((Role::Supervisor, access));
        assert!(Access::Monitors.admits(supervisor(MonitoringAccess::LiveMonitoring)));
        assert!(!Access::Monitors.admits(supervisor(MonitoringAccess::None)));
        assert!(!Access::Monitors.admits(Some((Role::Agent, MonitoringAccess::LiveMonitoringPlus))));
        assert!(!Access::Monitors.admits(None));
        assert!(Access::AgentsAndCallers.admits(None) && !Access::Callers.admits(Some((Role::Admin, MonitoringAccess::LiveMonitoringPlus))));
    }
}
