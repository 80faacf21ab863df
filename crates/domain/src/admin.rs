//! What an admin may make of a person: every form checked against the
//! company as it is, by pure functions the core runs before it changes.

use std::fmt;

use earshot_protocol::{CompanyNumber, ErrorCode, MonitoringAccess, NumberForm, NumberId, PersonForm, Role, UserId};

use crate::directory::{Directory, User};

/// Why an admin's change was refused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum AdminError {
    /// The form cannot be kept; the words say which field and why.
    Invalid(String),
    NoSuchPerson,
    NoSuchNumber,
    NoSuchContact,
    /// Only an active admin changes the company.
    NotAnAdmin,
}

impl AdminError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AdminError::Invalid(_) => ErrorCode::InvalidForm,
            AdminError::NoSuchPerson | AdminError::NoSuchNumber | AdminError::NoSuchContact => ErrorCode::NotFound,
            AdminError::NotAnAdmin => ErrorCode::NoMonitoringAccess,
        }
    }
}

impl fmt::Display for AdminError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdminError::Invalid(why) => f.write_str(why),
            AdminError::NoSuchPerson => f.write_str("there is no such person"),
            AdminError::NoSuchNumber => f.write_str("the company has no such number"),
            AdminError::NoSuchContact => f.write_str("there is no such contact"),
            AdminError::NotAnAdmin => f.write_str("only admins change the company"),
        }
    }
}

fn invalid(why: impl Into<String>) -> AdminError {
    AdminError::Invalid(why.into())
}

/// The longest name a person may have, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// The person `form` describes, as user `id` (a new one when `None`), if
/// the company can take them: a name, an email of their own, an access
/// their role can have, numbers the company has, and an admin left.
pub fn check_person(directory: &Directory, id: Option<UserId>, form: &PersonForm) -> Result<User, AdminError> {
    let existing = match id {
        Some(id) => Some(directory.user(id).ok_or(AdminError::NoSuchPerson)?),
        None => None,
    };
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(format!("a name needs 1 to {MAX_NAME_CHARS} characters, on one line")));
    }
    let email = form.email.trim().to_lowercase();
    if !plausible_email(&email) {
        return Err(invalid("that is not an email address (name@company.example)"));
    }
    if let Some(other) = directory.user_by_email(&email).filter(|other| Some(other.id) != id) {
        return Err(invalid(format!("{email} is {}'s email already", other.name)));
    }
    if form.role == Role::Agent && form.access != MonitoringAccess::None {
        return Err(invalid("agents have no Live Monitoring access: choose none"));
    }
    let mut numbers = form.numbers.clone();
    numbers.sort();
    numbers.dedup();
    if let Some(unknown) = numbers.iter().find(|n| directory.live_number(**n).is_none()) {
        return Err(invalid(format!("the company has no number {}", unknown.0)));
    }
    let user = User {
        id: id.unwrap_or_else(|| directory.next_user_id()),
        name: name.to_owned(),
        email,
        role: form.role,
        access: form.access,
        numbers,
        active: existing.is_none_or(|u| u.active),
    };
    if let Some(before) = existing {
        keeps_an_admin(directory, before, &user)?;
    }
    Ok(user)
}

/// User `id` deactivated (`active: false`) or back, by `actor`.
pub fn check_active(directory: &Directory, actor: UserId, id: UserId, active: bool) -> Result<User, AdminError> {
    let before = directory.user(id).ok_or(AdminError::NoSuchPerson)?;
    if actor == id && !active {
        return Err(invalid("you cannot deactivate yourself: ask another admin"));
    }
    let user = User { active, ..before.clone() };
    keeps_an_admin(directory, before, &user)?;
    Ok(user)
}

/// Refuses a change that leaves the company with no active admin (nobody
/// could administer it again but from the command line).
fn keeps_an_admin(directory: &Directory, before: &User, after: &User) -> Result<(), AdminError> {
    let was_admin = before.active && before.role == Role::Admin;
    let stays_admin = after.active && after.role == Role::Admin;
    let others = directory.active_users().filter(|u| u.role == Role::Admin && u.id != before.id).count();
    if was_admin && !stays_admin && others == 0 {
        return Err(invalid(format!("{} is the company's last admin: make someone else an admin first", before.name)));
    }
    Ok(())
}

/// The longest name a number may have, in characters.
pub const MAX_NUMBER_NAME_CHARS: usize = 60;

/// The number `form` describes, as number `id` (a new one when `None`;
/// a removed one with the same E.164 comes back), and its people, if the
/// company can take it: a name, a dialable E.164 number no other number
/// has, and people who work here.
pub fn check_number(directory: &Directory, id: Option<NumberId>, form: &NumberForm) -> Result<(CompanyNumber, Vec<UserId>), AdminError> {
    if let Some(id) = id {
        directory.live_number(id).ok_or(AdminError::NoSuchNumber)?;
    }
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NUMBER_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(invalid(format!("a number's name needs 1 to {MAX_NUMBER_NAME_CHARS} characters, on one line")));
    }
    let e164 = crate::phone::e164(&form.e164, None).map_err(AdminError::Invalid)?;
    if let Some(other) = directory.numbers().find(|n| n.e164 == e164 && Some(n.id) != id) {
        return Err(invalid(format!("{e164} is {} already", other.name)));
    }
    let mut people = form.people.clone();
    people.sort();
    people.dedup();
    if let Some(unknown) = people.iter().find(|p| directory.user(**p).is_none_or(|u| !u.active)) {
        return Err(invalid(format!("nobody active here is user {}", unknown.0)));
    }
    let id = id.or_else(|| directory.removed_number_with(&e164).map(|n| n.id)).unwrap_or_else(|| directory.next_number_id());
    Ok((CompanyNumber { id, name: name.to_owned(), e164 }, people))
}

/// A number in words, for the log's before and after.
pub fn describe_number(directory: &Directory, number: &CompanyNumber, people: &[UserId]) -> String {
    let names: Vec<&str> = people.iter().filter_map(|p| directory.user(*p)).map(|u| u.name.as_str()).collect();
    let people = if names.is_empty() { "nobody".to_owned() } else { names.join(", ") };
    format!("{} {}, taken by {people}", number.name, number.e164)
}

/// An address with one `@`, something before it, a dotted domain after
/// it, no spaces, at most 254 characters: enough to catch a slip, without
/// pretending to know which addresses a mail server takes.
fn plausible_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    email.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// A person in words, for the log's before and after.
pub fn describe(directory: &Directory, user: &User) -> String {
    let role = match user.role {
        Role::Admin => "admin",
        Role::Supervisor => "supervisor",
        Role::Agent => "agent",
    };
    let access = match user.access {
        MonitoringAccess::None => "no Live Monitoring",
        MonitoringAccess::LiveMonitoring => "Live Monitoring",
        MonitoringAccess::LiveMonitoringPlus => "Live Monitoring+",
    };
    let number = |n: &NumberId| directory.number(*n).map_or_else(|| format!("number {}", n.0), |n| n.name.clone());
    let numbers = match user.numbers.as_slice() {
        [] => "no numbers".to_owned(),
        some => format!("numbers {}", some.iter().map(number).collect::<Vec<_>>().join(", ")),
    };
    let state = if user.active { "active" } else { "deactivated" };
    format!("{} <{}>, {role}, {access}, {numbers}, {state}", user.name, user.email)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::{demo_directory, SALES, SUPPORT};

    fn form(name: &str, email: &str, role: Role, access: MonitoringAccess) -> PersonForm {
        PersonForm { name: name.into(), email: email.into(), role, access, numbers: vec![SUPPORT, SALES, SUPPORT] }
    }

    #[test]
    fn a_new_person_gets_the_next_id_a_clean_email_and_sorted_numbers() {
        let directory = demo_directory();
        let next = directory.next_user_id();
        let user = check_person(&directory, None, &form("  Lee Chan ", " Lee@Example.COM", Role::Agent, MonitoringAccess::None)).unwrap();
        assert_eq!((user.id, user.name.as_str(), user.email.as_str()), (next, "Lee Chan", "lee@example.com"));
        assert_eq!(user.numbers, vec![SALES, SUPPORT], "once each, in order");
        assert!(user.active);
    }

    #[test]
    fn a_form_that_cannot_be_kept_says_why() {
        let directory = demo_directory();
        let why = |f: PersonForm| check_person(&directory, None, &f).unwrap_err().to_string();
        assert!(why(form("", "a@b.example", Role::Agent, MonitoringAccess::None)).starts_with("a name needs"));
        assert!(why(form("Lee", "lee", Role::Agent, MonitoringAccess::None)).starts_with("that is not an email"));
        assert!(why(form("Lee", "lee@localhost", Role::Agent, MonitoringAccess::None)).starts_with("that is not an email"));
        assert_eq!(why(form("Lee", "SAM@earshot.demo", Role::Agent, MonitoringAccess::None)), "sam@earshot.demo is Sam Rivera's email already");
        assert_eq!(why(form("Lee", "lee@b.example", Role::Agent, MonitoringAccess::LiveMonitoring)), "agents have no Live Monitoring access: choose none");
        let unknown = PersonForm { numbers: vec![NumberId(99)], ..form("Lee", "lee@b.example", Role::Agent, MonitoringAccess::None) };
        assert_eq!(why(unknown), "the company has no number 99");
    }

    #[test]
    fn the_company_always_keeps_an_active_admin() {
        let mut directory = demo_directory();
        let admins: Vec<UserId> = directory.active_users().filter(|u| u.role == Role::Admin).map(|u| u.id).collect();
        let (first, rest) = admins.split_first().unwrap();
        for other in rest {
            let user = check_active(&directory, *first, *other, false).unwrap();
            directory.put_user(user);
        }
        let last = directory.user(*first).unwrap().clone();
        let demoted = PersonForm { role: Role::Supervisor, ..form(&last.name, &last.email, Role::Admin, last.access) };
        assert!(check_person(&directory, Some(*first), &demoted).unwrap_err().to_string().ends_with("is the company's last admin: make someone else an admin first"));
        assert_eq!(check_active(&directory, *first, *first, false).unwrap_err().to_string(), "you cannot deactivate yourself: ask another admin");
        let back = check_active(&directory, *first, rest[0], true).unwrap();
        assert!(back.active, "reactivated");
    }
}
