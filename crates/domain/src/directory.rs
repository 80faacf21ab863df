//! The company: users, numbers and contacts, as admins change them.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use earshot_protocol::{CompanyNumber, Contact, ContactId, MonitoringAccess, NumberId, Role, UserId};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Directory {
    users: BTreeMap<UserId, User>,
    numbers: BTreeMap<NumberId, CompanyNumber>,
    /// Numbers an admin removed: kept for the names in past calls' records.
    removed_numbers: BTreeSet<NumberId>,
    contacts: BTreeMap<ContactId, Contact>,
    /// Whose each phone number is: a call finds its contact at once, among
    /// tens of thousands.
    phones: HashMap<String, ContactId>,
}

impl Directory {
    pub fn new(
        users: impl IntoIterator<Item = User>,
        numbers: impl IntoIterator<Item = CompanyNumber>,
        contacts: impl IntoIterator<Item = Contact>,
    ) -> Self {
        let mut directory = Self {
            users: users.into_iter().map(|u| (u.id, u)).collect(),
            numbers: numbers.into_iter().map(|n| (n.id, n)).collect(),
            removed_numbers: BTreeSet::new(),
            contacts: BTreeMap::new(),
            phones: HashMap::new(),
        };
        for contact in contacts {
            directory.put_contact(contact);
        }
        directory
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

    /// These numbers were removed (as the store keeps them).
    pub fn with_removed_numbers(mut self, removed: impl IntoIterator<Item = NumberId>) -> Self {
        self.removed_numbers.extend(removed);
        self
    }

    /// A number of the company's, removed or not (for records' names).
    pub fn number(&self, id: NumberId) -> Option<&CompanyNumber> {
        self.numbers.get(&id)
    }

    /// A number calls come in on now.
    pub fn live_number(&self, id: NumberId) -> Option<&CompanyNumber> {
        self.numbers.get(&id).filter(|n| !self.removed_numbers.contains(&n.id))
    }

    /// The numbers calls come in on now.
    pub fn numbers(&self) -> impl Iterator<Item = &CompanyNumber> {
        self.numbers.values().filter(|n| !self.removed_numbers.contains(&n.id))
    }

    /// The removed number with `e164`, if one was (adding it again brings it back).
    pub fn removed_number_with(&self, e164: &str) -> Option<&CompanyNumber> {
        self.removed_numbers.iter().filter_map(|id| self.numbers.get(id)).find(|n| n.e164 == e164)
    }

    /// The id the next number added gets: never one used before.
    pub fn next_number_id(&self) -> NumberId {
        NumberId(self.numbers.keys().next_back().map_or(1, |last| last.0 + 1))
    }

    /// Adds `number`, or replaces the one with its id; either way it is live.
    pub fn put_number(&mut self, number: CompanyNumber) {
        self.removed_numbers.remove(&number.id);
        self.numbers.insert(number.id, number);
    }

    pub fn remove_number(&mut self, id: NumberId) {
        self.removed_numbers.insert(id);
    }

    pub fn contact(&self, id: ContactId) -> Option<&Contact> {
        self.contacts.get(&id)
    }

    /// The contact whose phone numbers include `phone`, if any.
    pub fn contact_for_phone(&self, phone: &str) -> Option<&Contact> {
        self.phones.get(phone).and_then(|id| self.contacts.get(id))
    }

    /// The id the next contact added gets: never one used before.
    pub fn next_contact_id(&self) -> ContactId {
        ContactId(self.contacts.keys().next_back().map_or(1, |last| last.0 + 1))
    }

    /// Adds `contact`, or replaces the one with its id.
    pub fn put_contact(&mut self, contact: Contact) {
        self.remove_contact(contact.id);
        for phone in &contact.phones {
            self.phones.insert(phone.clone(), contact.id);
        }
        self.contacts.insert(contact.id, contact);
    }

    pub fn remove_contact(&mut self, id: ContactId) -> Option<Contact> {
        let old = self.contacts.remove(&id)?;
        for phone in &old.phones {
            self.phones.remove(phone);
        }
        Some(old)
    }

    pub fn contacts(&self) -> impl Iterator<Item = &Contact> {
        self.contacts.values()
    }
}
