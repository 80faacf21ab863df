//! The call simulator: a realistic, deterministic flow of demo calls.
//!
//! Sans-IO like the core it drives: [`Simulator::poll_timeout`] says when it
//! next wants to act, [`Simulator::handle_timeout`] acts on the core at that
//! time. The same seed and the same clock give the same calls.

mod rng;

use std::collections::BTreeMap;

use earshot_domain::{seed::UNKNOWN_CALLERS, CallEvent, Core, NewCall, Origin};
use earshot_protocol::{CallId, CallKind, CallState, Direction, Millis, NumberId, Role, UserId, UserStatus};

use rng::Rng;

/// How busy the simulated contact centre is.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub seed: u64,
    /// Average time between new calls.
    pub mean_arrival_ms: u64,
    /// No new calls start while this many are live.
    pub max_live_calls: usize,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self { seed: 7, mean_arrival_ms: 6_000, max_live_calls: 14 }
    }
}

pub struct Simulator {
    config: SimConfig,
    rng: Rng,
    next_arrival: Millis,
    next_break: Millis,
    /// When each simulated call next does something.
    call_due: BTreeMap<CallId, Millis>,
    /// Agents on a break, and when it ends.
    breaks: BTreeMap<UserId, Millis>,
    callers: Vec<String>,
    /// Whether the simulated agents have come in (at the first timeout).
    staffed: bool,
}

impl Simulator {
    pub fn new(config: SimConfig, core: &Core, now: Millis) -> Self {
        let mut rng = Rng::new(config.seed);
        let mut callers: Vec<String> = earshot_domain::seed::contact_phones(core.directory());
        callers.extend(UNKNOWN_CALLERS.iter().map(|p| p.to_string()));
        let next_arrival = Millis(now.0 + rng.below(1_500));
        let next_break = Millis(now.0 + 20_000 + rng.below(20_000));
        Self { config, rng, next_arrival, next_break, call_due: BTreeMap::new(), breaks: BTreeMap::new(), callers, staffed: false }
    }

    /// When the simulator next wants [`Simulator::handle_timeout`].
    pub fn poll_timeout(&self) -> Millis {
        let calls = self.call_due.values().copied();
        let breaks = self.breaks.values().copied();
        calls.chain(breaks).chain([self.next_arrival, self.next_break]).min().unwrap_or(self.next_arrival)
    }

    /// Does everything due at `now`.
    pub fn handle_timeout(&mut self, now: Millis, core: &mut Core) {
        if !std::mem::replace(&mut self.staffed, true) {
            // Every agent nobody signed in as is a simulated person, at work.
            let offline: Vec<UserId> = core.directory().active_users().filter(|u| u.role == Role::Agent && core.status(u.id) == UserStatus::Offline).map(|u| u.id).collect();
            for agent in offline {
                let _ = core.set_presence(now, agent, true, ""); // agents from the directory
            }
        }
        if now >= self.next_arrival {
            if core.live_calls().count() < self.config.max_live_calls {
                self.new_call(now, core);
            }
            let gap = self.rng.exponential(self.config.mean_arrival_ms);
            self.next_arrival = Millis(now.0 + gap.max(300));
        }
        let due: Vec<CallId> = self.call_due.iter().filter(|(_, at)| **at <= now).map(|(id, _)| *id).collect();
        for call in due {
            self.step_call(now, core, call);
        }
        self.breaks_due(now, core);
    }

    fn new_call(&mut self, now: Millis, core: &mut Core) {
        let numbers: Vec<NumberId> = core.directory().numbers().map(|n| n.id).collect();
        let Some(&number) = self.rng.pick(&numbers) else { return };
        // Mostly known contacts; about one caller in four has no record. A
        // caller is on one call at a time.
        let busy: Vec<&str> = core.live_calls().map(|c| c.customer_phone.as_str()).collect();
        let free: Vec<String> = self.callers.iter().filter(|p| !busy.contains(&p.as_str())).cloned().collect();
        let Some(caller) = self.rng.pick(&free).cloned() else { return };
        let direction = if self.rng.chance(80) { Direction::Inbound } else { Direction::Outbound };
        let kind = if self.rng.chance(5) { CallKind::Emergency } else { CallKind::Regular };
        let id = core.start_call(now, NewCall { origin: Origin::Simulated, number, customer_phone: caller, direction, kind });
        self.call_due.insert(id, Millis(now.0 + 1_000 + self.rng.below(6_000)));
    }

    /// One call's next move: answered, held, tagged, transferred or ended.
    fn step_call(&mut self, now: Millis, core: &mut Core, id: CallId) {
        let Some(call) = core.call(id).cloned() else {
            // Ended by someone else (a script or a test): forget it.
            self.call_due.remove(&id);
            return;
        };
        let age = now.0.saturating_sub(call.started_at.0);
        let event = match call.state {
            CallState::Waiting => match self.free_agent(core, call.number) {
                Some(agent) => Some(CallEvent::Answered { call: id, agent }),
                None if age > 90_000 => Some(CallEvent::Ended { call: id }), // the caller gives up
                None => None,
            },
            CallState::OnHold => Some(CallEvent::Hold { call: id, on: false }),
            CallState::Ongoing if age > 40_000 + self.rng.below(140_000) => Some(CallEvent::Ended { call: id }),
            // Gone to an outside number: not the company's call any more.
            CallState::Ongoing if call.kind == CallKind::TransferredExternal => return self.reschedule(now, id),
            CallState::Ongoing => Some(match self.rng.below(100) {
                0..=14 => CallEvent::Hold { call: id, on: true },
                15..=29 => CallEvent::Tagged { call: id, tag: self.rng.pick(&TAGS).copied().unwrap_or("follow-up").to_owned() },
                30..=37 => CallEvent::Commented { call: id, text: self.rng.pick(&COMMENTS).copied().unwrap_or("").to_owned() },
                38..=42 => match self.free_agent(core, call.number) {
                    Some(agent) => CallEvent::TransferredToAgent { call: id, agent },
                    None => CallEvent::Hold { call: id, on: true },
                },
                43 if call.kind == CallKind::Regular => CallEvent::TransferredExternal { call: id },
                44 if call.kind == CallKind::Regular => CallEvent::Conferenced { call: id },
                // Most of the time the call just goes on.
                _ => return self.reschedule(now, id),
            }),
        };
        let ended = matches!(event, Some(CallEvent::Ended { .. }));
        if let Some(event) = event {
            // Events are built from the core's current state, so they fit it.
            let _ = core.apply(now, event);
        }
        if ended {
            self.call_due.remove(&id);
        } else {
            self.reschedule(now, id);
        }
    }

    fn reschedule(&mut self, now: Millis, id: CallId) {
        self.call_due.insert(id, Millis(now.0 + 2_000 + self.rng.below(10_000)));
    }

    fn free_agent(&mut self, core: &Core, number: NumberId) -> Option<UserId> {
        let free: Vec<UserId> = core
            .directory()
            .users()
            .filter(|u| core.is_available_agent(u) && u.is_assigned_to(number))
            // Agents with the agent view open take real callers only.
            .filter(|u| !core.is_online(u.id))
            .map(|u| u.id)
            .collect();
        self.rng.pick(&free).copied()
    }

    /// Now and then an idle agent takes a break; breaks end on time.
    fn breaks_due(&mut self, now: Millis, core: &mut Core) {
        let over: Vec<UserId> = self.breaks.iter().filter(|(_, end)| **end <= now).map(|(u, _)| *u).collect();
        for agent in over {
            self.breaks.remove(&agent);
            let _ = core.set_presence(now, agent, true, ""); // agents come from the directory
        }
        if now >= self.next_break {
            let idle: Vec<UserId> = core
                .directory()
                .users()
                .filter(|u| core.is_available_agent(u) && !core.is_online(u.id))
                .map(|u| u.id)
                .collect();
            if let Some(&agent) = self.rng.pick(&idle) {
                let _ = core.set_presence(now, agent, false, "Break"); // taken from the directory above
                self.breaks.insert(agent, Millis(now.0 + 20_000 + self.rng.below(40_000)));
            }
            self.next_break = Millis(now.0 + 25_000 + self.rng.below(30_000));
        }
    }
}

const TAGS: [&str; 6] = ["billing", "upgrade", "complaint", "new customer", "follow-up", "urgent"];
const COMMENTS: [&str; 4] = [
    "Customer asked for a callback tomorrow.",
    "Promised a discount on the next invoice.",
    "Escalate if not resolved by Friday.",
    "Very happy with the service.",
];

#[cfg(test)]
mod tests {
    use super::*;
    use earshot_domain::{seed::demo_directory, Output};

    /// Runs the simulator for `minutes` of virtual time; returns every change.
    fn run(seed: u64, minutes: u64) -> (Core, Vec<Output>) {
        let mut core = Core::new(demo_directory());
        let start = Millis(1_700_000_000_000);
        let mut sim = Simulator::new(SimConfig { seed, ..SimConfig::default() }, &core, start);
        let mut outputs = Vec::new();
        loop {
            let now = sim.poll_timeout();
            if now.0 > start.0 + minutes * 60_000 {
                break;
            }
            sim.handle_timeout(now, &mut core);
            outputs.extend(std::iter::from_fn(|| core.poll_output()));
        }
        (core, outputs)
    }

    #[test]
    fn the_same_seed_gives_the_same_calls() {
        assert_eq!(run(42, 10).1, run(42, 10).1);
        assert_ne!(run(42, 10).1, run(43, 10).1);
    }

    #[test]
    fn calls_start_get_answered_held_transferred_and_end() {
        let (core, outputs) = run(7, 30);
        let changes: Vec<_> = outputs
            .into_iter()
            .filter_map(|output| match output {
                Output::Delta { change, .. } => Some(change),
                _ => None,
            })
            .collect();
        let updated = |pred: &dyn Fn(&earshot_protocol::CallView) -> bool| {
            changes.iter().any(|c| matches!(c, earshot_protocol::Change::CallUpdated { call } if pred(call)))
        };
        assert!(updated(&|c| c.state == CallState::OnHold));
        assert!(updated(&|c| c.kind == CallKind::Emergency));
        assert!(updated(&|c| c.kind == CallKind::TransferredExternal));
        assert!(updated(&|c| c.customer.contact.is_none()), "some callers have no contact record");
        assert!(updated(&|c| c.customer.contact.is_some()));
        assert!(changes.iter().any(|c| matches!(c, earshot_protocol::Change::CallEnded { .. })));
        let live = core.live_calls().count();
        assert!((1..=14).contains(&live), "{live} live calls");
    }

    #[test]
    fn a_caller_is_on_one_call_at_a_time_and_never_calls_from_yours() {
        let mut core = Core::new(demo_directory());
        let start = Millis(1_700_000_000_000);
        let mut sim = Simulator::new(SimConfig { seed: 11, max_live_calls: 40, ..SimConfig::default() }, &core, start);
        let mut most = 0;
        while sim.poll_timeout().0 < start.0 + 60 * 60_000 {
            sim.handle_timeout(sim.poll_timeout(), &mut core);
            let mut phones: Vec<&str> = core.live_calls().map(|c| c.customer_phone.as_str()).collect();
            most = most.max(phones.len());
            assert!(!phones.contains(&earshot_domain::seed::YOUR_PHONE), "the caller page's number is yours");
            phones.sort_unstable();
            let before = phones.len();
            phones.dedup();
            assert_eq!(phones.len(), before, "a caller on two calls at once");
        }
        assert!(most > 10, "busy enough to matter: {most} calls at once");
    }
}
