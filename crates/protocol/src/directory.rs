//! Who is who: users, roles, company numbers and contacts.

use serde::{Deserialize, Serialize};

use crate::calls::CallView;

macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub $inner);
    };
}

id!(/// A user of Earshot (admin, supervisor or agent).
    UserId(u32));
id!(/// A company phone number (a "line") that calls come in on.
    NumberId(u32));
id!(/// A contact record in the company's address book.
    ContactId(u32));

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
}

/// The number the caller page dials from unless told otherwise. The demo
/// company has a contact for it ("You (caller page)"), so calls placed from
/// the caller page are recognisable as yours on the dashboard.
pub const CALLER_PAGE_PHONE: &str = "+447700900800";

/// A supervisor's or admin's access to the Live Monitoring dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MonitoringAccess {
    None,
    LiveMonitoring,
    /// Live Monitoring plus the KPI strip.
    LiveMonitoringPlus,
}

/// A user's live status as the dashboard shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    /// Signed out, or their every connection dropped past the grace: an
    /// agent takes no call.
    Offline,
    /// Ready to take calls.
    Available,
    /// Signed in but not taking calls (`UserView::reason` says why).
    NotReady,
    /// Talking to a customer.
    OnCall,
    /// Coaching a call (and so unavailable for calls).
    Coaching,
}

/// A company number and its name ("Sales", "Support" …).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CompanyNumber {
    pub id: NumberId,
    pub name: String,
    /// E.164, e.g. "+442071234000".
    pub e164: String,
}

/// A user as every dashboard viewer sees them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct UserView {
    pub id: UserId,
    pub name: String,
    pub role: Role,
    pub status: UserStatus,
    /// Since when the status is what it is.
    pub since: crate::calls::Millis,
    /// Why an agent is not ready ("Break", "Lunch" …), when they said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The company numbers whose calls this user is assigned to.
    pub numbers: Vec<NumberId>,
}

impl UserView {
    /// The longest reason for not being ready, in characters.
    pub const MAX_REASON: usize = 40;
}

/// The short form of a contact, carried on calls.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContactRef {
    pub id: ContactId,
    pub name: String,
}

/// A contact record, as `GET /api/contacts/{id}` answers it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub phones: Vec<String>,
    pub company: Option<String>,
    pub notes: String,
}

/// A contact's detail page (`GET /api/contacts/{id}`): the record and its
/// recent calls, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContactDetail {
    pub contact: Contact,
    pub calls: Vec<CallView>,
}
