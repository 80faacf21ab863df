//! What the live core's outputs do to a call's audio. One mapping, used by
//! the live task (which sends each effect to the room's shard) and by the
//! fuzz target that checks a shard's seats against the core's sessions.

use earshot_domain::Output;
use earshot_sfu::{LegRole, RoomId, Seat, Sfu};

use super::{customer_seat, outside_holder, user_seat};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// `seat`'s holder may join `room` as `role`.
    Grant { room: RoomId, role: LegRole, seat: Seat },
    /// Nobody plays `role` in `room` from now: its leg goes (a coach's
    /// whisper with it), and a join on its way is refused.
    Revoke { room: RoomId, role: LegRole },
    /// The call moved to another agent: the old one is cut off at once.
    Transfer { room: RoomId },
    /// Coaching session `session`'s whisper; a session revoked meanwhile
    /// changes nothing.
    Whisper { room: RoomId, session: u64, on: bool },
    Hold { room: RoomId, on: bool },
    Close { room: RoomId },
}

impl Effect {
    /// The effect of one of the core's outputs, if it has one.
    pub fn of(output: &Output) -> Option<Effect> {
        let room = |call: &earshot_protocol::CallId| RoomId(call.0);
        Some(match output {
            Output::CallStarted { call } => Effect::Grant { room: room(call), role: LegRole::Customer, seat: customer_seat(*call) },
            Output::AgentAnswered { call, agent } => Effect::Grant { room: room(call), role: LegRole::Agent, seat: user_seat(*agent, 0) },
            Output::CoachJoined { call, coach, session, .. } => Effect::Grant { room: room(call), role: LegRole::Coach, seat: user_seat(*coach, *session) },
            Output::CoachLeft { call } => Effect::Revoke { room: room(call), role: LegRole::Coach },
            Output::AgentLeft { call } => Effect::Transfer { room: room(call) },
            Output::OutsideAnswered { call } => Effect::Grant { room: room(call), role: LegRole::Agent, seat: Seat { holder: outside_holder(*call), session: 0 } },
            Output::Whisper { call, session, on } => Effect::Whisper { room: room(call), session: *session, on: *on },
            Output::Hold { call, on } => Effect::Hold { room: room(call), on: *on },
            Output::CallEnded { call } => Effect::Close { room: room(call) },
            _ => return None, // deltas and records: no audio
        })
    }

    /// Whether it waits until the records made with it are kept: what the
    /// audit log and the timeline tell of (a whisper, a hold) is heard only
    /// once it is on record. Seats go at once, so that a join asked for once
    /// its change is kept finds its seat, and nothing outlives a session a
    /// dashboard already shows ended.
    pub fn waits_for_commit(&self) -> bool {
        matches!(self, Effect::Whisper { .. } | Effect::Hold { .. })
    }

    pub fn room(&self) -> RoomId {
        match *self {
            Effect::Grant { room, .. }
            | Effect::Revoke { room, .. }
            | Effect::Transfer { room }
            | Effect::Whisper { room, .. }
            | Effect::Hold { room, .. }
            | Effect::Close { room } => room,
        }
    }

    /// What it does to the SFU that carries its room.
    pub fn apply(self, sfu: &mut Sfu) {
        match self {
            Effect::Grant { room, role, seat } => sfu.grant(room, role, seat),
            Effect::Revoke { room, role } => sfu.revoke(room, role),
            Effect::Transfer { room } => sfu.revoke(room, LegRole::Agent),
            Effect::Whisper { room, session, on } => sfu.set_whisper(room, session, on),
            Effect::Hold { room, on } => sfu.set_hold(room, on),
            Effect::Close { room } => sfu.close_room(room),
        }
    }
}
