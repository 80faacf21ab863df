//! Coaching raced as a hostile coach and a busy centre would: start, leave,
//! whisper, reconnect and join over two sockets of one coach and one of
//! another, with transfers, holds, lost connections and calls ending in
//! between, in the order the input says. The live core decides; its outputs
//! reach the SFU through the server's own mapping ([`Effect`]), seats at
//! once and whispers and holds only at a commit, as the live task does; a
//! socket asks to join only once its start was answered (after a commit).
//! After every step the SFU's seats, legs and whisper must agree with the
//! core's sessions: a panic names the step that broke that.

use std::collections::{BTreeSet, VecDeque};
use std::time::Instant;

use earshot_domain::seed::{demo_directory, SALES};
use earshot_domain::{CallEvent, Command, Core, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, CallState, Direction, Millis, UserId};
use earshot_server::media::{user_holder, Effect};
use earshot_sfu::{LegRole, RoomId, Sfu};
use str0m::media::{Direction as MediaDirection, MediaKind};
use str0m::Rtc;

pub const DICTIONARY: &[&[u8]] = &[];

const SAM: UserId = UserId(2);
const OMAR: UserId = UserId(4);
const AGENTS: [UserId; 2] = [UserId(10), UserId(11)];
/// Steps read from one input (the rest is ignored).
const MAX_STEPS: usize = 400;

/// Who each socket belongs to: two of Sam's, one of Omar's.
const SOCKETS: [UserId; 3] = [SAM, SAM, OMAR];

/// One step, read from a byte: what (the byte mod 14) and on which socket.
#[derive(Clone, Copy, Debug)]
enum Step {
    Start,
    Leave,
    Whisper(bool),
    Reconnect,
    /// The socket's oldest answered start asks the SFU to join.
    Join,
    /// The writer commits: whispers and holds reach the SFU.
    Commit,
    Transfer,
    /// The current agent's softphone joins, or (odd sockets) the one before.
    AgentJoins,
    Hold,
    /// The socket's connection drops, or (after a drop) opens again.
    Connection,
    /// The coach's grace runs out.
    GraceOver,
    /// The call ends and another begins.
    NextCall,
    /// A leg drops as a network would, its seat kept.
    LegDrops,
    /// The call goes to an outside number: its agent leaves it, and it can
    /// never be coached again.
    Outside,
}

impl Step {
    fn read(byte: u8) -> (Step, usize) {
        let step = match byte % 14 {
            0 => Step::Start,
            1 => Step::Leave,
            2 => Step::Whisper(true),
            3 => Step::Whisper(false),
            4 => Step::Reconnect,
            5 | 6 => Step::Join,
            7 => Step::Commit,
            8 => Step::Transfer,
            9 => Step::AgentJoins,
            10 => Step::Hold,
            11 => Step::Connection,
            12 => Step::GraceOver,
            _ => Step::NextCall,
        };
        let step = match byte {
            252.. => Step::LegDrops,
            248..=251 => Step::Outside,
            _ => step,
        };
        (step, usize::from(byte / 14) % SOCKETS.len())
    }
}

struct World {
    core: Core,
    sfu: Sfu,
    now: Millis,
    started: Instant,
    call: CallId,
    /// Effects that wait for the next commit, in order.
    uncommitted: Vec<Effect>,
    /// Per socket: the calls of starts it sent, each with the number of
    /// commits made before it (it is answered at the next one).
    starts: [VecDeque<(CallId, usize)>; SOCKETS.len()],
    commits: usize,
    online: [bool; SOCKETS.len()],
    offer: String,
}

pub fn run(input: &[u8]) -> String {
    let mut world = World::new();
    let (mut joins, mut pairs) = (BTreeSet::new(), BTreeSet::new());
    for (i, &byte) in input.iter().take(MAX_STEPS).enumerate() {
        let (step, socket) = Step::read(byte);
        let outcome = world.take(step, socket);
        world.check().unwrap_or_else(|mismatch| panic!("step {i} ({step:?} on socket {socket}: {outcome}): {mismatch}"));
        if matches!(step, Step::Join | Step::AgentJoins) {
            joins.insert(format!("{step:?} {outcome}"));
        }
        pairs.insert(format!("{step:?} {outcome}"));
    }
    // How joins went, and how many kinds of step and answer: a bounded set of outcomes.
    format!("{}; {} kinds of step", joins.into_iter().collect::<Vec<_>>().join(", "), pairs.len())
}

impl World {
    fn new() -> World {
        str0m::crypto::from_feature_flags().install_process_default();
        let mut core = Core::new(demo_directory());
        for agent in AGENTS {
            core.connected(Millis(0), agent);
            let _ = core.set_presence(Millis(0), agent, true, "");
        }
        SOCKETS.iter().for_each(|&coach| core.connected(Millis(0), coach));
        let mut world = World {
            core,
            sfu: Sfu::new("127.0.0.1:5004".parse().expect("an address")),
            now: Millis(1_000),
            started: Instant::now(),
            call: CallId(0),
            uncommitted: Vec::new(),
            starts: Default::default(),
            commits: 0,
            online: [true; SOCKETS.len()],
            offer: browser_offer(),
        };
        world.next_call();
        world
    }

    /// A caller's call, put through to a free agent.
    fn next_call(&mut self) {
        let new = NewCall { origin: Origin::Caller, number: SALES, customer_phone: "+447700900123".into(), direction: Direction::Inbound, kind: CallKind::Regular };
        self.call = self.core.start_call(self.now, new);
        assert!(self.core.call(self.call).is_some_and(|c| c.agent.is_some()), "a free agent takes the call");
        self.drain();
    }

    fn take(&mut self, step: Step, socket: usize) -> String {
        self.now = Millis(self.now.0 + 7);
        let user = SOCKETS[socket];
        let outcome = match step {
            Step::Start => {
                let result = self.core.handle(self.now, user, Command::StartCoaching { call: self.call, notify_agent: socket == 0 });
                if result.is_ok() {
                    self.starts[socket].push_back((self.call, self.commits));
                }
                said(result)
            }
            Step::Leave => said(self.core.handle(self.now, user, Command::LeaveCoaching)),
            Step::Whisper(on) => said(self.core.handle(self.now, user, Command::SetWhisper { on })),
            Step::Reconnect => {
                let reconnected = self.core.handle(self.now, user, Command::ReconnectCoaching { call: self.call });
                let result = reconnected.and_then(|()| self.core.handle(self.now, user, Command::AudioIn { window: socket as u64 + 1 }));
                if result.is_ok() {
                    self.starts[socket].push_back((self.call, self.commits));
                }
                said(result)
            }
            Step::Join => match self.starts[socket].front() {
                Some(&(_, before)) if before == self.commits => "not answered yet".into(),
                Some(&(call, _)) => {
                    self.starts[socket].pop_front();
                    self.join(RoomId(call.0), LegRole::Coach, user_holder(user))
                }
                None => "nothing to join".into(),
            },
            Step::Commit => {
                self.uncommitted.drain(..).for_each(|effect| effect.apply(&mut self.sfu));
                self.commits += 1;
                "kept".into()
            }
            Step::Transfer => {
                let current = self.core.call(self.call).and_then(|c| c.agent);
                let other = AGENTS.into_iter().find(|&a| Some(a) != current).expect("two agents");
                said(self.core.apply(self.now, CallEvent::TransferredToAgent { call: self.call, agent: other }))
            }
            Step::AgentJoins => {
                // Gone outside, the call has no agent of ours: any who tries is refused.
                let current = self.core.call(self.call).and_then(|c| c.agent).unwrap_or(AGENTS[socket % 2]);
                let agent = if socket % 2 == 0 { current } else { AGENTS.into_iter().find(|&a| a != current).expect("two agents") };
                self.join(RoomId(self.call.0), LegRole::Agent, user_holder(agent))
            }
            Step::Outside => said(self.core.apply(self.now, CallEvent::TransferredExternal { call: self.call })),
            Step::Hold => {
                let held = self.core.call(self.call).is_some_and(|c| c.state == CallState::OnHold);
                said(self.core.apply(self.now, CallEvent::Hold { call: self.call, on: !held }))
            }
            Step::Connection => {
                self.online[socket] = !self.online[socket];
                if self.online[socket] {
                    self.core.connected(self.now, user);
                    "opened".into()
                } else {
                    self.core.disconnected(self.now, user);
                    "dropped".into()
                }
            }
            Step::GraceOver => {
                self.now = Millis(self.now.0 + Core::GRACE.as_millis() as u64 + 1);
                self.core.handle_timeout(self.now);
                "time passed".into()
            }
            Step::NextCall => {
                self.core.apply(self.now, CallEvent::Ended { call: self.call }).expect("the live call ends");
                self.drain();
                self.next_call();
                "a new call".into()
            }
            Step::LegDrops => {
                let role = [LegRole::Customer, LegRole::Agent, LegRole::Coach][socket];
                self.sfu.leave_role(RoomId(self.call.0), role);
                "dropped".into()
            }
        };
        self.drain();
        outcome
    }

    /// The core's outputs, as the live task sends them to the shard.
    fn drain(&mut self) {
        while let Some(output) = self.core.poll_output() {
            match Effect::of(&output) {
                Some(effect) if effect.waits_for_commit() => self.uncommitted.push(effect),
                Some(effect) => effect.apply(&mut self.sfu),
                None => {} // deltas and records: no audio
            }
        }
    }

    fn join(&mut self, room: RoomId, role: LegRole, holder: u64) -> String {
        let at = self.started + std::time::Duration::from_millis(self.now.0);
        match self.sfu.join_sdp(at, room, role, holder, &self.offer) {
            Ok(_) => "joined".into(),
            Err(e) => format!("refused: {}", super::kind_of(&e.to_string())),
        }
    }

    /// The SFU as the core's sessions say it must be.
    fn check(&self) -> Result<(), String> {
        let room = RoomId(self.call.0);
        let call = self.core.call(self.call).ok_or("the live call is gone")?;
        let coaching = self.core.snapshot_call(self.call).and_then(|view| view.coaching);
        let legs = |role: LegRole| self.sfu.stats(room).iter().filter(|(r, ..)| *r == role).count();

        let seat = self.sfu.seat(room, LegRole::Coach).map(|seat| seat.holder);
        if seat != coaching.as_ref().map(|c| user_holder(c.coach)) {
            return Err(format!("the coach's seat is {seat:?}, the core's coach {:?}", coaching.map(|c| c.coach)));
        }
        if legs(LegRole::Coach) > usize::from(coaching.is_some()) {
            return Err(format!("{} coach legs for {} session", legs(LegRole::Coach), usize::from(coaching.is_some())));
        }
        let agent_seat = self.sfu.seat(room, LegRole::Agent).map(|seat| seat.holder);
        if agent_seat != call.agent.map(user_holder) {
            return Err(format!("the agent's seat is {agent_seat:?}, the call's agent {:?}", call.agent));
        }
        if legs(LegRole::Agent) > 1 {
            return Err("two agent legs".into());
        }
        let audio = self.sfu.audio(room).ok_or("the live call has no room")?;
        if audio.whisper && coaching.is_none() {
            return Err("the coach reaches the agent with no session".into());
        }
        if self.uncommitted.is_empty() {
            let (whisper, hold) = (coaching.as_ref().is_some_and(|c| c.whisper), call.state == CallState::OnHold);
            if (audio.whisper, audio.hold) != (whisper, hold) {
                return Err(format!("all kept, the SFU's whisper/hold are {:?}, the core's ({whisper}, {hold})", (audio.whisper, audio.hold)));
            }
        }
        match self.sfu.rooms().find(|&other| other != room) {
            Some(stale) => Err(format!("room {} outlived its call", stale.0)),
            None => Ok(()),
        }
    }
}

fn said<E: std::fmt::Debug>(result: Result<(), E>) -> String {
    match result {
        Ok(()) => "ok".into(),
        Err(e) => format!("refused: {}", super::kind_of(&format!("{e:?}"))),
    }
}

/// A browser's offer, as coach or agent: one line to send, two to receive.
fn browser_offer() -> String {
    let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).build(Instant::now());
    let mut change = rtc.sdp_api();
    change.add_media(MediaKind::Audio, MediaDirection::SendOnly, None, None, None);
    for _ in 0..earshot_sfu::receive_layout(LegRole::Coach).len() {
        change.add_media(MediaKind::Audio, MediaDirection::RecvOnly, None, None, None);
    }
    change.apply().expect("an offer").0.to_sdp_string()
}
