//! Refusals the backend sends, typed so the app can explain each one.

use serde::{Deserialize, Serialize};

/// Why a request was refused. The app maps each code to its own explanation;
/// `message` is a human-readable fallback written by the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

/// Every refusal the backend can give.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The request body could not be parsed as the expected message.
    MalformedRequest,
    /// The email and password do not match an account.
    InvalidCredentials,
    /// No valid session: sign in first.
    NotSignedIn,
    /// The request came from a page of another origin.
    ForeignOrigin,
    /// A live message was larger than the protocol allows.
    MessageTooLarge,
    /// The account has no Live Monitoring access.
    NoMonitoringAccess,
    /// Only admins and supervisors coach; agents never do.
    AgentsCannotCoach,
    /// No such call, contact or page (or it is not visible to this user).
    NotFound,
    /// The call is not a live call between an agent and a customer
    /// (for example, still waiting in the queue).
    CallNotLive,
    /// Emergency calls can never be coached.
    EmergencyCall,
    /// Conference calls can never be coached.
    ConferenceCall,
    /// Calls transferred to an external number can never be coached.
    TransferredExternal,
    /// Someone else is already coaching this call; the message names them.
    AlreadyCoached,
    /// The coach is already coaching another call.
    AlreadyCoaching,
    /// Whisper or leave without a coaching session.
    NotCoaching,
    /// No call to join or hang up (an agent without a call, a caller who
    /// has not dialled).
    NoCall,
    /// The SDP offer could not be used.
    MediaRefused,
    /// A transfer to a colleague who is not available (any more).
    AgentUnavailable,
    /// A transfer to an outside number of a call that did not come on a
    /// phone line (only the trunk can reach outside numbers).
    NoOutsideLine,
    /// A transfer of this call to an outside number is under way already.
    TransferUnderWay,
    /// Too many requests of this kind at once (sign-ins): try again after
    /// the `Retry-After` seconds.
    Busy,
    /// Too many failed sign-ins from this address or for this account:
    /// wait the `Retry-After` seconds (the wait doubles with each failure,
    /// up to a minute; a success resets it).
    RateLimited,
    /// A new password that may not be one: too short, common or easily
    /// guessed, or the demo's; the message says why.
    WeakPassword,
    /// Settings an admin sent that cannot be kept (out of range, a phrase
    /// the speech model cannot hear); the message says which.
    InvalidSettings,
    /// A form an admin sent that cannot be kept (a name missing, an email
    /// taken, the company's last admin demoted); the message says which.
    InvalidForm,
    /// A link to set a password that is unknown, used already or expired.
    LinkExpired,
    /// The server cannot save changes now (its database is not
    /// answering): nothing was changed; try again shortly.
    Unavailable,
    /// The server failed; the cause is in its log.
    Internal,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_travel_as_snake_case() {
        let json = serde_json::to_string(&ApiError::new(ErrorCode::InvalidCredentials, "no")).unwrap();
        assert_eq!(json, r#"{"code":"invalid_credentials","message":"no"}"#);
    }
}
