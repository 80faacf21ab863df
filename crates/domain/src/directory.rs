//! The company: users, numbers and contacts, as admins change them.

use std::collections::BTreeMap;

use earshot_protocol::{CompanyNumber, Contact, ContactId, MonitoringAccess, NumberId, Role, UserId};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub access: MonitoringAccess,
    /// The company numbers whose call distribution this user is in.
    pub numbers: Vec<NumberId>,
    /// Deactivated, they keep their name in the records but cannot sign in,
    /// monitor or take calls.
    pub active: bool,
}

impl User {
    /// Admins and supervisors with Live Monitoring (or +) see the dashboard.
    pub fn can_monitor(&self) -> bool {
        self.active && self.role != Role::Agent && self.access != MonitoringAccess::None
    }

    pub fn is_assigned_to(&self, number: NumberId) -> bool {
        self.numbers.contains(&number)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Directory {
    users: BTreeMap<UserId, User>,
    numbers: BTreeMap<NumberId, CompanyNumber>,
    contacts: BTreeMap<ContactId, Contact>,
}

impl Directory {
    pub fn new(
        users: impl IntoIterator<Item = User>,
        numbers: impl IntoIterator<Item = CompanyNumber>,
        contacts: impl IntoIterator<Item = Contact>,
    ) -> Self {
        Self {
            users: users.into_iter().map(|u| (u.id, u)).collect(),
            numbers: numbers.into_iter().map(|n| (n.id, n)).collect(),
            contacts: contacts.into_iter().map(|c| (c.id, c)).collect(),
        }
    }

    pub fn user(&self, id: UserId) -> Option<&User> {
        self.users.get(&id)
    }

    /// Everyone, deactivated people too.
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }

    /// The people working here now.
    pub fn active_users(&self) -> impl Iterator<Item = &User> {
        self.users.values().filter(|u| u.active)
    }

    /// The user who signs in with `email` (in any case), if any.
    pub fn user_by_email(&self, email: &str) -> Option<&User> {
        self.users.values().find(|u| u.email.eq_ignore_ascii_case(email))
    }

    /// The id the next user added gets: never one used before.
    pub fn next_user_id(&self) -> UserId {
        UserId(self.users.keys().next_back().map_or(1, |last| last.0 + 1))
    }

    /// Adds `user`, or replaces the one with its id.
    pub fn put_user(&mut self, user: User) {
        self.users.insert(user.id, user);
    }

    pub fn number(&self, id: NumberId) -> Option<&CompanyNumber> {
        self.numbers.get(&id)
    }

    pub fn numbers(&self) -> impl Iterator<Item = &CompanyNumber> {
        self.numbers.values()
    }

    pub fn contact(&self, id: ContactId) -> Option<&Contact> {
        self.contacts.get(&id)
    }

    /// The contact whose phone numbers include `phone`, if any.
    pub fn contact_for_phone(&self, phone: &str) -> Option<&Contact> {
        self.contacts.values().find(|c| c.phones.iter().any(|p| p == phone))
    }

    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values()
    }
}
