//! A call as the wire shows it, and as each reader may read its record:
//! the same for a live call (from the core) and an ended one (from the store).

use earshot_protocol::{CallDetail, CallView, CoachingView, ContactRef, Customer, CustomerCall, UserId};

use crate::coaching::{as_seen_by_agent, CoachingError};
use crate::core::{Call, Origin};
use crate::directory::Directory;

/// `call` with its coaching session, if live and coached.
pub fn call_view(directory: &Directory, call: &Call, coaching: Option<CoachingView>) -> CallView {
    let contact = call.contact.and_then(|id| directory.contact(id)).map(|c| ContactRef { id: c.id, name: c.name.clone() });
    CallView {
        id: call.id,
        number: call.number,
        agent: call.agent,
        customer: Customer { phone: call.customer_phone.clone(), contact },
        direction: call.direction,
        kind: call.kind,
        state: call.state,
        started_at: call.started_at,
        coaching,
        notes: (call.tags.len() + call.comments.len()) as u32,
        // Live only: the core adds a raised hand; a record has none.
        hand: None,
        signals: Vec::new(),
        phrases: Vec::new(),
        phone_line: call.origin == Origin::Phone,
        outside: call.outside.clone(),
    }
}

/// A call as its customer may see it: each field named here, nothing by
/// default. A field added to [`CallView`] reaches no customer until it is
/// listed here; the coach, the agent's help, what the customer was heard
/// saying, the signals and the contact's name never are.
pub fn as_seen_by_customer(call: &CallView) -> CustomerCall {
    CustomerCall { state: call.state, started_at: call.started_at }
}

/// Who reads a call's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// Sees everything, coaching included.
    Monitor,
    /// The call's (last) agent: no word of coaching in the timeline, and
    /// no silent coach on the call.
    Agent,
}

impl Reader {
    /// How `user` may read `call`: monitors read every call; an agent only
    /// the calls they are or were last on.
    pub fn of(directory: &Directory, user: UserId, call: &Call) -> Result<Reader, CoachingError> {
        match directory.user(user) {
            Some(u) if u.can_monitor() => Ok(Reader::Monitor),
            Some(_) if call.agent == Some(user) => Ok(Reader::Agent),
            _ => Err(CoachingError::NoMonitoringAccess),
        }
    }
}

/// `call`'s record as `reader` may read it.
pub fn call_detail(directory: &Directory, reader: Reader, call: &Call, coaching: Option<CoachingView>, live: bool) -> CallDetail {
    let monitor = reader == Reader::Monitor;
    let view = call_view(directory, call, coaching);
    CallDetail {
        call: if monitor { view } else { as_seen_by_agent(view) },
        live,
        timeline: call.timeline.iter().filter(|l| monitor || !l.about_coaching).map(|l| l.entry.clone()).collect(),
        tags: call.tags.clone(),
        comments: call.comments.clone(),
    }
}
