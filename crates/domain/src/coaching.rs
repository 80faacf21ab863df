//! The coaching rules of SPEC.md, as one pure function per decision.

use std::fmt;

use earshot_protocol::{CallId, CallKind, CallState, CallView, ErrorCode, Role};

use crate::core::Call;
use crate::directory::User;

/// Why a coaching request was refused.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum CoachingError {
    /// The account has no Live Monitoring access.
    NoMonitoringAccess,
    /// Agents are coached; they never coach.
    AgentsCannotCoach,
    /// No such call (it may have just ended).
    CallNotFound,
    /// Not a live call between an agent and a customer (e.g. still queued).
    CallNotLive,
    /// Emergency, conference or externally transferred: never coachable.
    NotCoachable(CallKind),
    /// Someone is already coaching the call.
    AlreadyCoached { by: String },
    /// The coach already coaches a call (maybe this one).
    AlreadyCoaching { call: CallId },
    /// Whisper or leave without a coaching session.
    NotCoaching,
}

impl CoachingError {
    /// The wire code the app explains this refusal by.
    pub fn code(&self) -> ErrorCode {
        match self {
            CoachingError::NoMonitoringAccess => ErrorCode::NoMonitoringAccess,
            CoachingError::AgentsCannotCoach => ErrorCode::AgentsCannotCoach,
            CoachingError::CallNotFound => ErrorCode::NotFound,
            CoachingError::CallNotLive => ErrorCode::CallNotLive,
            CoachingError::NotCoachable(CallKind::Emergency) => ErrorCode::EmergencyCall,
            CoachingError::NotCoachable(CallKind::Conference) => ErrorCode::ConferenceCall,
            CoachingError::NotCoachable(_) => ErrorCode::TransferredExternal,
            CoachingError::AlreadyCoached { .. } => ErrorCode::AlreadyCoached,
            CoachingError::AlreadyCoaching { .. } => ErrorCode::AlreadyCoaching,
            CoachingError::NotCoaching => ErrorCode::NotCoaching,
        }
    }
}

impl fmt::Display for CoachingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoachingError::NoMonitoringAccess => f.write_str("your account has no Live Monitoring access"),
            CoachingError::AgentsCannotCoach => f.write_str("agents cannot coach calls"),
            CoachingError::CallNotFound => f.write_str("this call has ended"),
            CoachingError::CallNotLive => f.write_str("only a live call between an agent and a customer can be coached"),
            CoachingError::NotCoachable(kind) => f.write_str(kind.why_not_coachable().unwrap_or("this call cannot be coached")),
            CoachingError::AlreadyCoached { by } => write!(f, "{by} is already coaching this call"),
            CoachingError::AlreadyCoaching { .. } => f.write_str("you are already coaching a call: leave it first"),
            CoachingError::NotCoaching => f.write_str("you are not coaching a call"),
        }
    }
}

/// May `coach` start coaching `call`? `current` is the call's coach, if
/// any; `coaching` is the call `coach` already coaches, if any.
///
/// Line membership does not matter: any admin or supervisor with Live
/// Monitoring access may coach any live, regular call.
pub fn check_start(
    coach: &User,
    call: Option<&Call>,
    current: Option<&User>,
    coaching: Option<CallId>,
) -> Result<(), CoachingError> {
    if coach.role == Role::Agent {
        return Err(CoachingError::AgentsCannotCoach);
    }
    if !coach.can_monitor() {
        return Err(CoachingError::NoMonitoringAccess);
    }
    let call = call.ok_or(CoachingError::CallNotFound)?;
    if call.kind != CallKind::Regular {
        return Err(CoachingError::NotCoachable(call.kind));
    }
    if call.agent.is_none() || call.state == CallState::Waiting {
        return Err(CoachingError::CallNotLive);
    }
    if let Some(current) = current {
        return Err(CoachingError::AlreadyCoached { by: current.name.clone() });
    }
    if let Some(call) = coaching {
        return Err(CoachingError::AlreadyCoaching { call });
    }
    Ok(())
}

/// A call as its agent may see it: a coach who joined without notifying the
/// agent is not there. (The timeline's coaching entries are left out too:
/// see `Core::call_detail_for`.)
pub fn as_seen_by_agent(mut call: CallView) -> CallView {
    if call.coaching.as_ref().is_some_and(|session| !session.notified_agent) {
        call.coaching = None;
    }
    if let Some(session) = &mut call.coaching {
        // Which of the coach's windows plays the audio is the coach's business.
        session.audio_window = 0;
    }
    if let Some(hand) = &mut call.hand {
        // Only a silent coach answers a hand that stays up.
        hand.answered = false;
    }
    // What the customer said is for the coaches: it goes when one joins,
    // which must not tell the agent of a silent coach.
    call.phrases.clear();
    call
}
