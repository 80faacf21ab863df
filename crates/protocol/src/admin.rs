//! Administration: the people of the company, the links that let them set
//! a password, and the log of every change an admin made (`/api/admin/…`,
//! `/api/links/…`).

use serde::{Deserialize, Serialize};

use crate::audit::{query_string, Person};
use crate::calls::Millis;
use crate::directory::{MonitoringAccess, NumberId, Role, UserId};

/// A person as an admin adds or edits them (`POST /api/admin/users`,
/// `PUT /api/admin/users/{id}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonForm {
    pub name: String,
    pub email: String,
    pub role: Role,
    /// Agents have none.
    pub access: MonitoringAccess,
    /// The company numbers whose call distribution they are in.
    pub numbers: Vec<NumberId>,
}

/// A company number as an admin adds or edits it (`POST
/// /api/admin/numbers`, `PUT /api/admin/numbers/{id}`): its name, its
/// E.164 number, and its call distribution — the agents who take its calls
/// and the supervisors assigned to it (whose "Open the targeted
/// conversation" it drives).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberForm {
    pub name: String,
    /// E.164 (`+441615550100`); spaces and dashes are fine.
    pub e164: String,
    pub people: Vec<UserId>,
}

/// A person as the People page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub access: MonitoringAccess,
    pub numbers: Vec<NumberId>,
    /// A deactivated person cannot sign in and takes no calls.
    pub active: bool,
    /// They have set a password (through their link, or one they changed).
    pub has_password: bool,
}

/// `PUT /api/admin/users/{id}/active`: deactivate (`false`) or reactivate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetActive {
    pub active: bool,
}

/// A one-time link to set a password, for the admin to pass on (no mail
/// server is assumed). The token rides in the fragment, so it never
/// reaches a log on the way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLink {
    /// `/welcome#<token>`, to put after the server's address.
    pub path: String,
    pub expires: Millis,
}

/// `POST /api/admin/users`: who was added, and their link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedPerson {
    pub account: Account,
    pub link: PasswordLink,
}

/// `POST /api/links/check` and the token part of `RedeemLink`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkToken {
    pub token: String,
}

/// What a live link is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkInfo {
    /// The setup link of a company with no admin: it creates the first.
    FirstAdmin,
    /// A person's link to set their password.
    SetPassword { name: String, email: String },
}

/// `POST /api/links/redeem`: the link used. The first admin gives their
/// name and email too; a person's link needs only the password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemLink {
    pub token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub password: String,
}

/// What an admin (or a link) changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdminAction {
    PersonAdded,
    PersonChanged,
    PersonDeactivated,
    PersonReactivated,
    /// A new link to set a password (a reset).
    PasswordLinkIssued,
    /// A person set their password through their link.
    PasswordSet,
    NumberAdded,
    NumberChanged,
    NumberRemoved,
    ContactAdded,
    ContactChanged,
    ContactRemoved,
    ContactsImported,
    /// Who may call in over SIP, and how many at once.
    PhoneLineChanged,
}

impl AdminAction {
    /// How the log and its CSV name the action.
    pub fn label(self) -> &'static str {
        match self {
            AdminAction::PersonAdded => "Person added",
            AdminAction::PersonChanged => "Person changed",
            AdminAction::PersonDeactivated => "Person deactivated",
            AdminAction::PersonReactivated => "Person reactivated",
            AdminAction::PasswordLinkIssued => "Password link issued",
            AdminAction::PasswordSet => "Password set",
            AdminAction::NumberAdded => "Number added",
            AdminAction::NumberChanged => "Number changed",
            AdminAction::NumberRemoved => "Number removed",
            AdminAction::ContactAdded => "Contact added",
            AdminAction::ContactChanged => "Contact changed",
            AdminAction::ContactRemoved => "Contact removed",
            AdminAction::ContactsImported => "Contacts imported",
            AdminAction::PhoneLineChanged => "Phone line changed",
        }
    }
}

/// One change to the company. Names are kept as they were at the time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AdminEntry {
    pub at: Millis,
    pub action: AdminAction,
    /// Who changed it: an admin, or the person themselves through a link.
    pub actor: UserId,
    pub actor_name: String,
    /// Whom or what it changed ("Sam Rivera").
    pub subject: String,
    /// What it was, in words (empty for an addition).
    pub before: String,
    /// What it became.
    pub after: String,
    /// The address the change came from (behind a trusted proxy, the client
    /// it forwarded for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// `GET /api/admin/log`'s query; like [`crate::AuditQuery`], each field narrows.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Millis>,
}

impl AdminQuery {
    /// The query string (`actor=1&from=…`), empty when nothing narrows.
    pub fn to_query_string(&self) -> String {
        query_string(&[("actor", self.actor.map(|u| u64::from(u.0))), ("from", self.from.map(|t| t.0)), ("to", self.to.map(|t| t.0))])
    }
}

/// `GET /api/admin/log`: the newest entries first, at most [`AdminLog::PAGE`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLog {
    pub entries: Vec<AdminEntry>,
    /// More entries match than were sent (the CSV has them all).
    pub more: bool,
    /// Everyone, for the filter.
    pub people: Vec<Person>,
}

impl AdminLog {
    pub const PAGE: usize = 500;
}

/// A contact as an admin adds or edits it (`POST /api/admin/contacts`,
/// `PUT /api/admin/contacts/{id}`). Phone numbers without a country code
/// are read as numbers of `region`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactForm {
    pub name: String,
    pub phones: Vec<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// A country code (`GB`) for numbers typed without `+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// `GET /api/admin/contacts`'s query: `q` narrows by name, company or
/// phone; a page starts at `offset`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
}

/// `GET /api/admin/contacts`: a page of the contacts `q` picks, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactList {
    pub contacts: Vec<crate::directory::Contact>,
    /// How many `q` picks in all.
    pub total: usize,
}

impl ContactList {
    pub const PAGE: usize = 100;
}

/// A CSV file of contacts (`POST /api/admin/contacts/import/preview` and
/// `…/import`): a header line naming `name` and `phone` (and, if wanted,
/// `company` and `notes`), then a contact a line; several phone numbers
/// in one field are separated by `;`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactImport {
    pub csv: String,
    /// A country code (`GB`) for numbers written without `+`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Import the good lines and leave out those the preview named; without
    /// it, a file with a bad line imports nothing.
    #[serde(default)]
    pub skip_invalid: bool,
}

/// Why a line of an import cannot be a contact.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImportProblem {
    /// The file's line, from 1 (the header).
    pub line: usize,
    /// The column's name, or empty for the whole line.
    pub column: String,
    pub why: String,
}

/// What an import would do: nothing is kept by a preview.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPreview {
    /// Lines that would become contacts.
    pub valid: usize,
    pub problems: Vec<ImportProblem>,
    /// The first few contacts it would add, as they would be kept.
    pub sample: Vec<crate::directory::Contact>,
}

impl ImportPreview {
    pub const SAMPLE: usize = 5;
}

/// `POST /api/admin/contacts/import`: how many contacts were added (all in
/// one transaction: a failure adds none).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    pub added: usize,
    /// Lines left out (named by the preview).
    pub skipped: usize,
}
