//! The coaching audit log: who listened to which call, when, and what they
//! did there — refusals included. Admins read it (`/api/audit`).

use serde::{Deserialize, Serialize};

use crate::calls::{CallId, Millis};
use crate::directory::{CompanyNumber, NumberId, Role, UserId};

/// What a coach did (or was refused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// Started coaching the call.
    Started,
    /// Started coaching a call they had coached before.
    Rejoined,
    WhisperOn,
    WhisperOff,
    /// The coach's audio connected again (a reload, another window).
    Reconnected,
    /// The coach left.
    Left,
    /// The coaching ended without the coach leaving: the call ended or
    /// moved, or the coach stayed away past the grace (`detail` says which).
    Ended,
    /// The request was refused (`detail` says why).
    Refused,
}

impl AuditAction {
    /// How the audit page and its CSV name the action.
    pub fn label(self) -> &'static str {
        match self {
            AuditAction::Started => "Started coaching",
            AuditAction::Rejoined => "Rejoined",
            AuditAction::WhisperOn => "Whisper on",
            AuditAction::WhisperOff => "Whisper off",
            AuditAction::Reconnected => "Audio reconnected",
            AuditAction::Left => "Left",
            AuditAction::Ended => "Coaching ended",
            AuditAction::Refused => "Refused",
        }
    }
}

/// One entry of the audit log. Names are kept as they were at the time.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: Millis,
    pub action: AuditAction,
    /// Who coached (or tried to).
    pub coach: UserId,
    pub coach_name: String,
    /// The call, when the request named one.
    pub call: Option<CallId>,
    pub agent: Option<UserId>,
    pub agent_name: Option<String>,
    /// The company number the call came in on.
    pub number: Option<NumberId>,
    /// On a start or rejoin: whether the agent was told.
    pub notified_agent: Option<bool>,
    /// Why it was refused, or why the coaching ended.
    pub detail: String,
    /// The address the coach's request came from (behind a trusted proxy,
    /// the client it forwarded for); none for what the server did itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// `GET /api/audit`'s query: every field narrows; none given is everything.
/// Times are milliseconds since 1970, `from` inclusive, `to` exclusive.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coach: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<NumberId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Millis>,
}

impl AuditQuery {
    /// The query string (`coach=2&from=…`), empty when nothing narrows.
    pub fn to_query_string(&self) -> String {
        query_string(&[
            ("coach", self.coach.map(|u| u64::from(u.0))),
            ("agent", self.agent.map(|u| u64::from(u.0))),
            ("number", self.number.map(|n| u64::from(n.0))),
            ("from", self.from.map(|t| t.0)),
            ("to", self.to.map(|t| t.0)),
        ])
    }
}

/// `name=value&…` of the fields that have a value.
pub(crate) fn query_string(fields: &[(&str, Option<u64>)]) -> String {
    fields.iter().filter_map(|(name, value)| value.map(|v| format!("{name}={v}"))).collect::<Vec<_>>().join("&")
}

/// Someone the audit page can filter by.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Person {
    pub id: UserId,
    pub name: String,
    pub role: Role,
}

/// `GET /api/audit`: the newest entries first, at most [`AuditLog::PAGE`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditLog {
    pub entries: Vec<AuditEntry>,
    /// More entries match than were sent (the CSV export has them all).
    pub more: bool,
    /// Everyone and every number, for the filters.
    pub people: Vec<Person>,
    pub numbers: Vec<CompanyNumber>,
}

impl AuditLog {
    pub const PAGE: usize = 500;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_names_only_what_narrows() {
        assert_eq!(AuditQuery::default().to_query_string(), "");
        let query = AuditQuery { coach: Some(UserId(2)), to: Some(Millis(99)), ..AuditQuery::default() };
        assert_eq!(query.to_query_string(), "coach=2&to=99");
    }
}
