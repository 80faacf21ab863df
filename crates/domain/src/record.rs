//! What must outlive the process: the core emits these as outputs, in the
//! order it made them, and the server's store writes them through.
//!
//! Live calls stay in the core's memory; each change to one is recorded as
//! it happens, so an ended call (or one cut short by a crash) is whole in
//! the store.

use std::net::IpAddr;

use earshot_protocol::{AdminEntry, AuditEntry, CallId, CallKind, CallState, CompanyNumber, Contact, ContactId, Millis, NumberId, UserId};

use crate::core::{Call, Logged};
use crate::directory::User;

#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Record {
    /// A call arrived. Its timeline, tags and comments follow one by one.
    CallStarted(Call),
    /// Its agent, kind or state changed (an answer, a transfer, a hold).
    CallChanged { call: CallId, agent: Option<UserId>, kind: CallKind, state: CallState },
    /// The timeline's entry number `position` (from 0).
    Logged { call: CallId, position: usize, entry: Logged },
    Tagged { call: CallId, position: usize, tag: String },
    Commented { call: CallId, position: usize, text: String },
    CallEnded { call: CallId, at: Millis },
    /// An entry of the coaching audit log.
    Audit(AuditEntry),
    /// A person added or changed by an admin: kept whole (their password
    /// is not the core's and is kept apart).
    PersonSaved(User),
    /// A number added or changed (live again, if it was removed).
    NumberSaved(CompanyNumber),
    /// A number removed: its row stays for past calls, nobody takes it.
    NumberRemoved(NumberId),
    /// Contacts added or changed, all in one transaction (an import's).
    ContactsSaved(Vec<Contact>),
    /// A contact deleted: past calls keep the customer's phone, not the link.
    ContactRemoved(ContactId),
    /// An entry of the log of changes to the company.
    Admin(AdminEntry),
}

impl Record {
    /// What the record is and which call it belongs to, for logs: never
    /// its content (names, phone numbers, notes).
    pub fn summary(&self) -> String {
        let (what, call) = match self {
            Record::CallStarted(call) => ("a call's start", Some(call.id)),
            Record::CallChanged { call, .. } => ("a call's change", Some(*call)),
            Record::Logged { call, .. } => ("a timeline entry", Some(*call)),
            Record::Tagged { call, .. } => ("a tag", Some(*call)),
            Record::Commented { call, .. } => ("a comment", Some(*call)),
            Record::CallEnded { call, .. } => ("a call's end", Some(*call)),
            Record::Audit(entry) => ("an audit entry", entry.call),
            Record::PersonSaved(_) => ("a person", None),
            Record::NumberSaved(_) => ("a number", None),
            Record::NumberRemoved(_) => ("a number's removal", None),
            Record::ContactsSaved(_) => ("contacts", None),
            Record::ContactRemoved(_) => ("a contact's removal", None),
            Record::Admin(_) => ("an entry of the company's log", None),
        };
        match call {
            Some(call) => format!("{what} (call {})", call.0),
            None => what.to_owned(),
        }
    }

    /// Notes on an audit or company-log entry of `user`'s own act the
    /// address their request came from: the shell knows it, the core does
    /// not. Entries about others the act touched (a deactivated coach's
    /// seat ending) are left without one.
    pub fn came_from(&mut self, user: UserId, address: IpAddr) {
        match self {
            Record::Audit(entry) if entry.coach == user => entry.from = Some(address.to_string()),
            Record::Admin(entry) if entry.actor == user => entry.from = Some(address.to_string()),
            _ => {}
        }
    }
}
