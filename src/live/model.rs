//! The dashboard's copy of the live state, and the reducer that keeps it in
//! step with the server. Plain Rust: tested natively.

use std::collections::{BTreeMap, HashMap};

use earshot_protocol::{
    CallId, CallState, CallView, Change, CompanyNumber, CustomerCall, Flag, Millis, MyCall, NumberId, Role, ServerMsg, UserId, UserStatus,
    UserView,
};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveState {
    /// The last applied sequence number; `None` until the first snapshot.
    pub seq: Option<u64>,
    /// Server clock minus local clock, measured at the last snapshot.
    pub clock_offset_ms: i64,
    pub numbers: BTreeMap<NumberId, CompanyNumber>,
    pub users: BTreeMap<UserId, UserView>,
    /// The names of users deactivated while this page was open: a call
    /// they are still on goes on showing who takes it.
    former: BTreeMap<UserId, String>,
    pub calls: BTreeMap<CallId, CallView>,
    /// Agents: their own call, as the server last said.
    pub my_call: Option<MyCall>,
    /// Callers: their own call, once the server said (`Some(None)`: over).
    pub customer_call: Option<Option<CustomerCall>>,
    /// Each agent's call and each coach's, kept with `calls`: a row asks in
    /// O(1), not by a pass over every call.
    people: People,
}

/// Who is on which call: its agent, and its coach; and which agents ask
/// for help.
#[derive(Clone, Debug, Default, PartialEq)]
struct People {
    agents: HashMap<UserId, CallId>,
    coaches: HashMap<UserId, CallId>,
    /// Calls that need a coach: what most, and since when.
    attention: HashMap<CallId, (Flag, Millis)>,
}

impl People {
    /// Notes `call` as its agent's and its coach's.
    fn add(&mut self, call: &CallView) {
        if let Some(agent) = call.agent {
            self.agents.insert(agent, call.id);
        }
        if let Some(coaching) = &call.coaching {
            self.coaches.insert(coaching.coach, call.id);
        }
        match call.flag() {
            Some(flag) => self.attention.insert(call.id, flag),
            None => self.attention.remove(&call.id),
        };
    }

    /// `old` (a call's last view, replaced by `now` or ended) no longer
    /// holds its agent or coach, unless `now` holds them still.
    fn drop_moved(&mut self, old: &CallView, now: Option<&CallView>) {
        if let Some(agent) = old.agent {
            let kept = now.is_some_and(|c| c.agent == Some(agent));
            if !kept && self.agents.get(&agent) == Some(&old.id) {
                self.agents.remove(&agent);
            }
        }
        if let Some(coach) = old.coaching.as_ref().map(|c| c.coach) {
            let kept = now.and_then(|c| c.coaching.as_ref()).is_some_and(|c| c.coach == coach);
            if !kept && self.coaches.get(&coach) == Some(&old.id) {
                self.coaches.remove(&coach);
            }
        }
        if now.is_none() {
            self.attention.remove(&old.id);
        }
    }
}

/// What applying a message did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The state changed.
    Updated,
    /// A delta was missed: subscribe again for a fresh snapshot.
    Gap,
    /// Nothing to do (a duplicate, or not a state message).
    Unchanged,
}

impl LiveState {
    /// Applies one server message received at `local_now`.
    pub fn apply(&mut self, message: ServerMsg, local_now: Millis) -> Applied {
        match message {
            ServerMsg::Snapshot(snapshot) => {
                self.seq = Some(snapshot.seq);
                self.clock_offset_ms = snapshot.now.0 as i64 - local_now.0 as i64;
                self.numbers = snapshot.numbers.into_iter().map(|n| (n.id, n)).collect();
                self.users = snapshot.users.into_iter().map(|u| (u.id, u)).collect();
                self.calls = snapshot.calls.into_iter().map(|c| (c.id, c)).collect();
                self.people = People::default();
                for call in self.calls.values() {
                    self.people.add(call);
                }
                Applied::Updated
            }
            ServerMsg::Delta { seq, change } => match self.seq {
                Some(last) if seq == last + 1 => {
                    self.seq = Some(seq);
                    self.change(change);
                    Applied::Updated
                }
                Some(last) if seq <= last => Applied::Unchanged,
                Some(_) => Applied::Gap,
                None => Applied::Unchanged,
            },
            ServerMsg::MyCall(mine) => {
                self.my_call = Some(mine);
                Applied::Updated
            }
            ServerMsg::CustomerCall { call } => {
                self.customer_call = Some(call);
                Applied::Updated
            }
            _ => Applied::Unchanged,
        }
    }

    fn change(&mut self, change: Change) {
        match change {
            Change::CallUpdated { call } => {
                self.people.add(&call);
                let id = call.id;
                if let Some(old) = self.calls.insert(id, call) {
                    self.people.drop_moved(&old, self.calls.get(&id));
                }
            }
            Change::CallEnded { call } => {
                if let Some(old) = self.calls.remove(&call) {
                    self.people.drop_moved(&old, None);
                }
            }
            Change::UserUpdated { user } => {
                self.former.remove(&user.id);
                self.users.insert(user.id, user);
            }
            Change::UserRemoved { user } => {
                if let Some(gone) = self.users.remove(&user) {
                    self.former.insert(user, gone.name);
                }
            }
            Change::NumberUpdated { number } => {
                self.numbers.insert(number.id, number);
            }
            Change::NumberRemoved { number } => {
                self.numbers.remove(&number);
            }
            // A change this build does not know: the next snapshot has it.
            _ => {}
        }
    }

    /// The server's clock now, from the local one.
    pub fn server_now(&self, local_now: Millis) -> Millis {
        Millis((local_now.0 as i64 + self.clock_offset_ms).max(0) as u64)
    }

    pub fn user_name(&self, id: UserId) -> String {
        match (self.users.get(&id), self.former.get(&id)) {
            (Some(user), _) => user.name.clone(),
            (None, Some(name)) => name.clone(),
            (None, None) => format!("User {}", id.0),
        }
    }

    pub fn number_name(&self, id: NumberId) -> String {
        self.numbers.get(&id).map_or_else(|| format!("Line {}", id.0), |n| n.name.clone())
    }

    /// The call `coach` is coaching, if any.
    pub fn coached_by(&self, coach: UserId) -> Option<&CallView> {
        self.people.coaches.get(&coach).and_then(|id| self.calls.get(id))
    }

    /// The calls that need a coach: those whose agent asks for help
    /// first, then those with signals; the newest first in each.
    pub fn needing_attention(&self) -> Vec<CallId> {
        let mut calls: Vec<(Flag, Millis, CallId)> = self.people.attention.iter().map(|(&call, &(flag, since))| (flag, since, call)).collect();
        calls.sort_unstable_by(|a, b| b.cmp(a));
        calls.into_iter().map(|(_, _, call)| call).collect()
    }

    /// The live call `agent` is on, if any.
    pub fn call_of_agent(&self, agent: UserId) -> Option<&CallView> {
        self.people.agents.get(&agent).and_then(|id| self.calls.get(id))
    }

    pub fn kpis(&self, server_now: Millis) -> Kpis {
        let waiting = self.calls.values().filter(|c| c.state == CallState::Waiting);
        let agents = || self.users.values().filter(|u| u.role == Role::Agent);
        let count = |status| agents().filter(|u| u.status == status).count();
        Kpis {
            in_progress: self.calls.values().filter(|c| c.state != CallState::Waiting).count(),
            waiting: waiting.clone().count(),
            longest_wait_ms: waiting.map(|c| server_now.0.saturating_sub(c.started_at.0)).max().unwrap_or(0),
            agents_available: count(UserStatus::Available),
            agents_on_call: count(UserStatus::OnCall),
            agents_not_ready: count(UserStatus::NotReady),
        }
    }
}

/// The Live Monitoring+ strip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kpis {
    pub in_progress: usize,
    pub waiting: usize,
    pub longest_wait_ms: u64,
    pub agents_available: usize,
    pub agents_on_call: usize,
    pub agents_not_ready: usize,
}

/// "4:05" or "1:02:03".
pub fn format_duration(ms: u64) -> String {
    let secs = ms / 1000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use earshot_protocol::{CallKind, CallSignal, CoachingView, Customer, Direction, RaisedHand, SignalKind, Snapshot, SpottedPhrase};

    pub fn call(id: u64, state: CallState, agent: Option<u32>) -> CallView {
        CallView {
            id: CallId(id),
            number: NumberId(1),
            agent: agent.map(UserId),
            customer: Customer { phone: format!("+4477009009{id:02}"), contact: None },
            direction: Direction::Inbound,
            kind: CallKind::Regular,
            state,
            started_at: Millis(1_000),
            coaching: None,
            notes: 0,
            hand: None,
            signals: Vec::new(),
            phrases: Vec::new(),
            phone_line: false,
            outside: None,
        }
    }

    pub fn user(id: u32, role: Role, status: UserStatus) -> UserView {
        UserView { id: UserId(id), name: format!("User {id}"), role, status, since: Millis(0), reason: None, numbers: vec![NumberId(1)] }
    }

    pub fn snapshot(seq: u64) -> ServerMsg {
        ServerMsg::Snapshot(Snapshot {
            seq,
            now: Millis(10_000),
            numbers: vec![CompanyNumber { id: NumberId(1), name: "Sales".into(), e164: "+44".into() }],
            users: vec![user(1, Role::Supervisor, UserStatus::Available), user(10, Role::Agent, UserStatus::OnCall)],
            calls: vec![call(1, CallState::Ongoing, Some(10)), call(2, CallState::Waiting, None)],
        })
    }

    fn delta(seq: u64, change: Change) -> ServerMsg {
        ServerMsg::Delta { seq, change }
    }

    #[test]
    fn a_deactivated_user_leaves_the_users_and_keeps_their_name_on_their_call() {
        let mut state = LiveState::default();
        state.apply(snapshot(5), Millis(9_000));
        let renamed = UserView { name: "Alex Morgan".into(), ..user(10, Role::Agent, UserStatus::OnCall) };
        state.apply(delta(6, Change::UserUpdated { user: renamed }), Millis(0));
        state.apply(delta(7, Change::UserRemoved { user: UserId(10) }), Millis(0));
        assert!(!state.users.contains_key(&UserId(10)));
        assert_eq!(state.user_name(UserId(10)), "Alex Morgan", "call 1 is still theirs");
    }

    #[test]
    fn a_snapshot_replaces_everything_and_sets_the_clock_offset() {
        let mut state = LiveState::default();
        state.calls.insert(CallId(99), call(99, CallState::Ongoing, None));

        assert_eq!(state.apply(snapshot(5), Millis(9_000)), Applied::Updated);

        assert_eq!(state.seq, Some(5));
        assert_eq!(state.calls.keys().copied().collect::<Vec<_>>(), vec![CallId(1), CallId(2)]);
        assert_eq!(state.server_now(Millis(9_500)), Millis(10_500));
    }

    #[test]
    fn deltas_apply_in_order_and_duplicates_are_ignored() {
        let mut state = LiveState::default();
        state.apply(snapshot(5), Millis(0));

        let ended = state.apply(delta(6, Change::CallEnded { call: CallId(2) }), Millis(0));
        let again = state.apply(delta(6, Change::CallEnded { call: CallId(2) }), Millis(0));
        let mut coached = call(1, CallState::OnHold, Some(10));
        coached.coaching = Some(CoachingView { coach: UserId(1), coach_name: "User 1".into(), whisper: false, notified_agent: false, since: Millis(0), audio_window: 0 });
        let updated = state.apply(delta(7, Change::CallUpdated { call: coached }), Millis(0));

        assert_eq!((ended, again, updated), (Applied::Updated, Applied::Unchanged, Applied::Updated));
        assert_eq!(state.seq, Some(7));
        assert!(!state.calls.contains_key(&CallId(2)));
        assert_eq!(state.coached_by(UserId(1)).map(|c| c.id), Some(CallId(1)));
    }

    #[test]
    fn a_missing_delta_is_a_gap_and_changes_nothing() {
        let mut state = LiveState::default();
        state.apply(snapshot(5), Millis(0));
        let before = state.clone();

        assert_eq!(state.apply(delta(8, Change::CallEnded { call: CallId(1) }), Millis(0)), Applied::Gap);
        assert_eq!(state, before);
    }

    #[test]
    fn deltas_before_the_first_snapshot_are_ignored() {
        let mut state = LiveState::default();
        assert_eq!(state.apply(delta(1, Change::CallEnded { call: CallId(1) }), Millis(0)), Applied::Unchanged);
    }

    #[test]
    fn an_agents_and_a_coachs_call_follow_the_deltas() {
        let mut state = LiveState::default();
        state.apply(snapshot(1), Millis(0));
        assert_eq!(state.call_of_agent(UserId(10)).map(|c| c.id), Some(CallId(1)));

        // Call 2 is answered by agent 10 and coached by user 1; call 1 ends.
        let mut answered = call(2, CallState::Ongoing, Some(10));
        answered.coaching = Some(CoachingView { coach: UserId(1), coach_name: "User 1".into(), whisper: false, notified_agent: false, since: Millis(0), audio_window: 0 });
        state.apply(delta(2, Change::CallUpdated { call: answered }), Millis(0));
        state.apply(delta(3, Change::CallEnded { call: CallId(1) }), Millis(0));
        assert_eq!(state.call_of_agent(UserId(10)).map(|c| c.id), Some(CallId(2)), "the old call's end does not unseat the agent");
        assert_eq!(state.coached_by(UserId(1)).map(|c| c.id), Some(CallId(2)));

        // The coach leaves; then the call ends.
        state.apply(delta(4, Change::CallUpdated { call: call(2, CallState::Ongoing, Some(10)) }), Millis(0));
        assert_eq!(state.coached_by(UserId(1)), None);
        state.apply(delta(5, Change::CallEnded { call: CallId(2) }), Millis(0));
        assert_eq!(state.call_of_agent(UserId(10)), None);
    }

    #[test]
    fn calls_with_signals_come_after_those_asking_for_help() {
        let mut state = LiveState::default();
        state.apply(snapshot(1), Millis(0));
        let signalled = |id, since| {
            let mut c = call(id, CallState::OnHold, Some(id as u32 + 10));
            c.signals = vec![CallSignal { kind: SignalKind::LongHold, since: Millis(since) }];
            c
        };
        let mut asking = call(4, CallState::Ongoing, Some(14));
        asking.hand = Some(RaisedHand { since: Millis(10), reason: String::new(), answered: false });
        let mut coached = signalled(5, 900);
        coached.coaching = Some(CoachingView { coach: UserId(1), coach_name: "User 1".into(), whisper: false, notified_agent: true, since: Millis(0), audio_window: 0 });
        for (seq, call) in [(2, signalled(2, 500)), (3, signalled(3, 700)), (4, asking), (5, coached)] {
            state.apply(delta(seq, Change::CallUpdated { call }), Millis(0));
        }
        assert_eq!(state.needing_attention(), vec![CallId(4), CallId(3), CallId(2)], "a hand first, then signals newest first; a coached call needs nobody");

        let mut said = signalled(6, 100);
        said.phrases = vec![SpottedPhrase { phrase: "complaint".into(), at: Millis(100) }];
        state.apply(delta(6, Change::CallUpdated { call: said }), Millis(0));
        assert_eq!(state.needing_attention(), vec![CallId(4), CallId(6), CallId(3), CallId(2)], "what a customer said comes before signals, however old");
    }

    #[test]
    fn calls_asking_for_help_are_listed_newest_first_until_answered() {
        let mut state = LiveState::default();
        state.apply(snapshot(1), Millis(0));
        let asking = |id, since, answered| {
            let mut c = call(id, CallState::Ongoing, Some(id as u32 + 10));
            c.hand = Some(RaisedHand { since: Millis(since), reason: String::new(), answered });
            c
        };
        state.apply(delta(2, Change::CallUpdated { call: asking(2, 100, false) }), Millis(0));
        state.apply(delta(3, Change::CallUpdated { call: asking(3, 200, false) }), Millis(0));
        state.apply(delta(4, Change::CallUpdated { call: asking(4, 300, true) }), Millis(0));
        assert_eq!(state.needing_attention(), vec![CallId(3), CallId(2)], "newest first; an answered hand needs nobody");

        state.apply(delta(5, Change::CallUpdated { call: call(3, CallState::Ongoing, Some(13)) }), Millis(0));
        state.apply(delta(6, Change::CallEnded { call: CallId(2) }), Millis(0));
        assert_eq!(state.needing_attention(), Vec::<CallId>::new(), "lowered, ended");
    }

    #[test]
    fn kpis_count_calls_waits_and_agents() {
        let mut state = LiveState::default();
        state.apply(snapshot(1), Millis(10_000));
        let mut away = user(11, Role::Agent, UserStatus::NotReady);
        away.name = "Away".into();
        state.users.insert(away.id, away);

        let kpis = state.kpis(Millis(61_000));

        assert_eq!(kpis, Kpis { in_progress: 1, waiting: 1, longest_wait_ms: 60_000, agents_available: 0, agents_on_call: 1, agents_not_ready: 1 });
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(format_duration(65_000), "1:05");
        assert_eq!(format_duration(3_723_000), "1:02:03");
        assert_eq!(format_duration(0), "0:00");
    }
}
