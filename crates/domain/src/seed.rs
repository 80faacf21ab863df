//! The demo company that `cargo xtask run` starts with.

use earshot_protocol::{CompanyNumber, Contact, ContactId, MonitoringAccess, NumberId, Role, UserId};

use crate::directory::{Directory, User};

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "earshot-demo";

/// Where every demo account's email ends.
pub const DEMO_EMAIL_DOMAIN: &str = "@earshot.demo";

pub const SALES: NumberId = NumberId(1);
pub const SUPPORT: NumberId = NumberId(2);
pub const BILLING: NumberId = NumberId(3);
const ALL: [NumberId; 3] = [SALES, SUPPORT, BILLING];

/// The caller page's number: its contact, "You (caller page)", marks your
/// own test calls on the dashboard. The simulator never calls from it.
pub const YOUR_PHONE: &str = earshot_protocol::CALLER_PAGE_PHONE;

/// Phone numbers that call in without a contact record.
pub const UNKNOWN_CALLERS: [&str; 6] =
    ["+447700900901", "+447700900902", "+447700900903", "+447700900904", "+447700900905", "+447700900906"];

pub fn demo_directory() -> Directory {
    Directory::new(demo_users(), demo_numbers(), demo_contacts())
}

/// The demo company grown to a centre of `agents` more agents ("Agent 1",
/// "agent1@earshot.demo", …, ids from 1000), spread over the numbers: the
/// load for the scale benchmarks.
pub fn centre_directory(agents: usize) -> Directory {
    let mut users = demo_users();
    users.extend((1..=agents).map(|i| User {
        id: UserId(1000 + i as u32),
        name: format!("Agent {i}"),
        email: format!("agent{i}{DEMO_EMAIL_DOMAIN}"),
        role: Role::Agent,
        access: MonitoringAccess::None,
        numbers: vec![ALL[i % ALL.len()]],
        active: true,
    }));
    Directory::new(users, demo_numbers(), demo_contacts())
}

fn user(id: u32, name: &str, role: Role, access: MonitoringAccess, numbers: &[NumberId]) -> User {
    let email = format!("{}{DEMO_EMAIL_DOMAIN}", name.split(' ').next().unwrap_or(name).to_lowercase());
    User { id: UserId(id), name: name.to_owned(), email, role, access, numbers: numbers.to_vec(), active: true }
}

pub fn demo_users() -> Vec<User> {
    use MonitoringAccess::{LiveMonitoring, LiveMonitoringPlus, None as NoAccess};
    let mut users = vec![
        user(1, "Ada Lovelace", Role::Admin, LiveMonitoringPlus, &ALL),
        user(2, "Sam Rivera", Role::Supervisor, LiveMonitoring, &ALL),
        user(3, "Priya Shah", Role::Supervisor, LiveMonitoringPlus, &ALL),
        user(4, "Omar Haddad", Role::Supervisor, LiveMonitoring, &[SUPPORT]),
        user(5, "Nina Berg", Role::Supervisor, NoAccess, &ALL),
        user(6, "Grace Hopper", Role::Admin, NoAccess, &ALL),
    ];
    let agents: [(&str, &[NumberId]); 12] = [
        ("Alex Morgan", &[SALES]),
        ("Bea Santos", &[SALES]),
        ("Chen Wei", &[SALES, SUPPORT]),
        ("Dara Okafor", &[SUPPORT]),
        ("Eli Cohen", &[SUPPORT]),
        ("Fatima Noor", &[SUPPORT, BILLING]),
        ("Gus Lindqvist", &[BILLING]),
        ("Hana Sato", &[BILLING]),
        ("Ivan Petrov", &[SALES, BILLING]),
        ("Jade Laurent", &[SUPPORT]),
        ("Kofi Mensah", &[SALES]),
        ("Lucia Romero", &[SALES, SUPPORT, BILLING]),
    ];
    users.extend(
        agents.iter().enumerate().map(|(i, (name, numbers))| user(10 + i as u32, name, Role::Agent, MonitoringAccess::None, numbers)),
    );
    users
}

fn demo_numbers() -> Vec<CompanyNumber> {
    [(SALES, "Sales", "+441615550100"), (SUPPORT, "Support", "+441615550200"), (BILLING, "Billing", "+441615550300")]
        .into_iter()
        .map(|(id, name, e164)| CompanyNumber { id, name: name.into(), e164: e164.into() })
        .collect()
}

fn demo_contacts() -> Vec<Contact> {
    let people: [(&str, Option<&str>, &str); 14] = [
        ("Maria Garcia", Some("Garcia Bakeries"), "Prefers morning calls."),
        ("John Smith", Some("Smith & Sons Plumbing"), "Account since 2019."),
        ("Aisha Khan", None, "Asked about the premium plan."),
        ("Tom Becker", Some("Becker Logistics"), "Fleet of 40 vans."),
        ("Yuki Tanaka", Some("Tanaka Design"), ""),
        ("Olga Ivanova", None, "Billing dispute in March, resolved."),
        ("Peter Novak", Some("Novak Dental"), "Two clinics."),
        ("Lena Fischer", None, ""),
        ("Samuel Adeyemi", Some("Adeyemi Legal"), "Needs invoices in PDF."),
        ("Chloe Martin", Some("Martin Florists"), "Busy around holidays."),
        ("Rafael Costa", None, "Speaks Portuguese and English."),
        ("Ingrid Olsen", Some("Olsen Outdoor"), ""),
        ("Kwame Boateng", Some("Boateng Imports"), "Large order pending."),
        ("Emily Clarke", None, "Moved from the basic plan."),
    ];
    let mut contacts: Vec<Contact> = people
        .iter()
        .enumerate()
        .map(|(i, (name, company, notes))| Contact {
            id: ContactId(i as u32 + 1),
            name: (*name).into(),
            phones: vec![format!("+4477009001{i:02}")],
            company: company.map(Into::into),
            notes: (*notes).into(),
        })
        .collect();
    contacts.push(Contact {
        id: ContactId(contacts.len() as u32 + 1),
        name: "You (caller page)".into(),
        phones: vec![YOUR_PHONE.into()],
        company: None,
        notes: "The caller page's own number: calls from it are yours.".into(),
    });
    contacts
}

/// The phone of every contact but yours, for the simulator's callers.
pub fn contact_phones(directory: &Directory) -> Vec<String> {
    directory.contacts().flat_map(|c| c.phones.iter().cloned()).filter(|p| p != YOUR_PHONE).collect()
}
