//! Every coaching rule of SPEC.md, driven through the core with no network.

use earshot_domain::{CallEvent, CoachingError, Command, Core, Directory, EventError, NewCall, Origin, Output, User};
use earshot_protocol::{
    CallId, CallKind, CallState, Change, CompanyNumber, Direction, Millis, MonitoringAccess, NumberId, Role,
    UserId, UserStatus,
};

const T0: Millis = Millis(1_700_000_000_000);
const LINE: NumberId = NumberId(1);
const OTHER_LINE: NumberId = NumberId(2);
const AGENT: UserId = UserId(100);
const SECOND_AGENT: UserId = UserId(101);
const COACH: UserId = UserId(1);
const RIVAL: UserId = UserId(2);

fn person(id: UserId, name: &str, role: Role, access: MonitoringAccess, numbers: &[NumberId]) -> User {
    User { id, name: name.into(), email: format!("{}@test", id.0), role, access, numbers: numbers.to_vec(), active: true }
}

/// A company with one coach under test, a rival supervisor and two agents,
/// everyone available (as the simulator's people are).
fn core_with_coach(role: Role, access: MonitoringAccess) -> Core {
    let mut core = offline_company(role, access);
    for id in [COACH, RIVAL, AGENT, SECOND_AGENT] {
        core.set_presence(T0, id, true, "").unwrap();
    }
    while core.poll_output().is_some() {}
    core
}

/// The same company as everyone starts: offline.
fn offline_company(role: Role, access: MonitoringAccess) -> Core {
    let numbers = [LINE, OTHER_LINE].map(|id| CompanyNumber { id, name: format!("Line {}", id.0), e164: format!("+44{}", id.0) });
    Core::new(Directory::new(
        [
            person(COACH, "Casey", role, access, &[OTHER_LINE]),
            person(RIVAL, "Sam", Role::Supervisor, MonitoringAccess::LiveMonitoring, &[LINE]),
            person(AGENT, "Alex", Role::Agent, MonitoringAccess::None, &[LINE]),
            person(SECOND_AGENT, "Bea", Role::Agent, MonitoringAccess::None, &[LINE]),
        ],
        numbers,
        [],
    ))
}

fn call(core: &mut Core, kind: CallKind, state: CallState) -> CallId {
    let id = core.start_call(T0, NewCall { origin: Origin::Simulated, number: LINE, customer_phone: "+447700900999".into(), direction: Direction::Inbound, kind });
    if state != CallState::Waiting {
        core.apply(T0, CallEvent::Answered { call: id, agent: AGENT }).unwrap();
    }
    if state == CallState::OnHold {
        core.apply(T0, CallEvent::Hold { call: id, on: true }).unwrap();
    }
    id
}

fn start(core: &mut Core, who: UserId, call: CallId) -> Result<(), CoachingError> {
    core.handle(T0, who, Command::StartCoaching { call, notify_agent: true })
}

/// What SPEC.md says should happen, written independently of the core.
fn expected(role: Role, access: MonitoringAccess, kind: CallKind, state: CallState, coached: bool, busy: bool) -> Result<(), &'static str> {
    if role == Role::Agent {
        Err("agents never coach")
    } else if access == MonitoringAccess::None {
        Err("no Live Monitoring access")
    } else if kind != CallKind::Regular {
        Err("never coachable")
    } else if state == CallState::Waiting {
        Err("not a live agent-customer call")
    } else if coached {
        Err("one coach per call")
    } else if busy {
        Err("one call per coach")
    } else {
        Ok(())
    }
}

/// Which rule of SPEC.md a refusal enforces.
fn rule_broken(refusal: &CoachingError) -> &'static str {
    match refusal {
        CoachingError::AgentsCannotCoach => "agents never coach",
        CoachingError::NoMonitoringAccess => "no Live Monitoring access",
        CoachingError::NotCoachable(_) => "never coachable",
        CoachingError::CallNotLive => "not a live agent-customer call",
        CoachingError::AlreadyCoached { .. } => "one coach per call",
        CoachingError::AlreadyCoaching { .. } => "one call per coach",
        other => panic!("unexpected refusal {other:?}"),
    }
}

#[test]
fn coaching_rules_matrix() {
    let roles = [Role::Admin, Role::Supervisor, Role::Agent];
    let accesses = [MonitoringAccess::None, MonitoringAccess::LiveMonitoring, MonitoringAccess::LiveMonitoringPlus];
    let kinds = [CallKind::Regular, CallKind::Emergency, CallKind::Conference, CallKind::TransferredExternal];
    let states = [CallState::Waiting, CallState::Ongoing, CallState::OnHold];
    let mut cases = 0;
    for role in roles {
        for access in accesses {
            for kind in kinds {
                for state in states {
                    for coached in [false, true] {
                        for busy in [false, true] {
                            let mut core = core_with_coach(role, access);
                            let target = call(&mut core, kind, state);
                            if coached {
                                // The rival can only hold a coachable call.
                                if kind != CallKind::Regular || state == CallState::Waiting {
                                    continue;
                                }
                                start(&mut core, RIVAL, target).unwrap();
                            }
                            if busy {
                                if role == Role::Agent || access == MonitoringAccess::None {
                                    continue;
                                }
                                let other = core.start_call(T0, NewCall { origin: Origin::Simulated, number: LINE, customer_phone: "+1".into(), direction: Direction::Outbound, kind: CallKind::Regular });
                                core.apply(T0, CallEvent::Answered { call: other, agent: SECOND_AGENT }).unwrap();
                                start(&mut core, COACH, other).unwrap();
                            }
                            let before = core.snapshot(T0);

                            let outcome = start(&mut core, COACH, target);

                            let want = expected(role, access, kind, state, coached, busy);
                            let case = format!("{role:?} {access:?} {kind:?} {state:?} coached={coached} busy={busy}");
                            assert_eq!(outcome.as_ref().copied().map_err(rule_broken), want, "{case}: got {outcome:?}");
                            match outcome {
                                Ok(()) => {
                                    let coaching = core.call(target).map(|_| core.snapshot(T0)).unwrap();
                                    let row = coaching.calls.iter().find(|c| c.id == target).unwrap();
                                    assert_eq!(row.coaching.as_ref().map(|c| c.coach), Some(COACH), "{case}");
                                    assert_eq!(core.status(COACH), UserStatus::Coaching, "{case}");
                                }
                                Err(refusal) => {
                                    assert_eq!(core.snapshot(T0), before, "{case}: a refusal changes nothing ({refusal})");
                                    if let CoachingError::AlreadyCoached { by } = refusal {
                                        assert_eq!(by, "Sam", "{case}: the refusal names the coach");
                                    }
                                }
                            }
                            cases += 1;
                        }
                    }
                }
            }
        }
    }
    assert_eq!(cases, 182, "every reachable combination runs");
}

#[test]
fn line_membership_does_not_limit_coaching() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    assert!(!core.directory().user(COACH).unwrap().is_assigned_to(LINE));

    assert_eq!(start(&mut core, COACH, target), Ok(()));
}

#[test]
fn two_supervisors_racing_for_one_call_exactly_one_wins_and_the_other_learns_who() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);

    let first = start(&mut core, RIVAL, target);
    let second = start(&mut core, COACH, target);

    assert_eq!(first, Ok(()));
    assert_eq!(second, Err(CoachingError::AlreadyCoached { by: "Sam".into() }));
    assert_eq!(second.unwrap_err().to_string(), "Sam is already coaching this call");
}

#[test]
fn coaching_makes_the_coach_unavailable_and_leaving_restores_their_status() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.set_presence(T0, COACH, false, "Lunch").unwrap();

    start(&mut core, COACH, target).unwrap();
    assert_eq!(core.status(COACH), UserStatus::Coaching);
    core.handle(T0, COACH, Command::LeaveCoaching).unwrap();
    assert_eq!(core.status(COACH), UserStatus::NotReady, "restored to what it was, not to available");

    core.set_presence(T0, COACH, true, "").unwrap();
    start(&mut core, COACH, target).unwrap();
    core.handle(T0, COACH, Command::LeaveCoaching).unwrap();
    assert_eq!(core.status(COACH), UserStatus::Available);
}

#[test]
fn a_coach_can_leave_and_rejoin_the_same_call_again_and_again() {
    let mut core = core_with_coach(Role::Admin, MonitoringAccess::LiveMonitoringPlus);
    let target = call(&mut core, CallKind::Regular, CallState::OnHold);

    for _ in 0..5 {
        assert_eq!(start(&mut core, COACH, target), Ok(()));
        core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
        assert_eq!(core.handle(T0, COACH, Command::LeaveCoaching), Ok(()));
    }
    assert_eq!(core.coaching_of(COACH), None);
}

#[test]
fn whisper_and_leave_without_a_session_are_refused() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);

    assert_eq!(core.handle(T0, COACH, Command::SetWhisper { on: true }), Err(CoachingError::NotCoaching));
    assert_eq!(core.handle(T0, COACH, Command::LeaveCoaching), Err(CoachingError::NotCoaching));
}

#[test]
fn only_the_coach_controls_the_session() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    start(&mut core, COACH, target).unwrap();

    assert_eq!(core.handle(T0, RIVAL, Command::SetWhisper { on: true }), Err(CoachingError::NotCoaching));
    assert_eq!(core.handle(T0, AGENT, Command::LeaveCoaching), Err(CoachingError::AgentsCannotCoach));
    assert_eq!(core.coaching_of(COACH), Some(target));
}

#[test]
fn the_session_ends_and_the_coach_is_restored_when_the_call_ends_or_becomes_uncoachable() {
    for event in [
        |call| CallEvent::Ended { call },
        |call| CallEvent::TransferredExternal { call },
        |call| CallEvent::Conferenced { call },
        |call| CallEvent::TransferredToAgent { call, agent: SECOND_AGENT },
    ] {
        let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
        let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
        start(&mut core, COACH, target).unwrap();

        core.apply(T0, event(target)).unwrap();

        assert_eq!(core.coaching_of(COACH), None);
        assert_eq!(core.status(COACH), UserStatus::Available);
    }
}

#[test]
fn every_change_is_numbered_one_after_another_from_the_snapshot() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let base = core.snapshot(T0).seq;
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    start(&mut core, COACH, target).unwrap();
    core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
    core.apply(T0, CallEvent::Ended { call: target }).unwrap();

    let mut seqs = Vec::new();
    let mut changes = Vec::new();
    let mut media = Vec::new();
    while let Some(output) = core.poll_output() {
        match output {
            Output::Delta { seq, change } => {
                seqs.push(seq);
                changes.push(change);
            }
            Output::Record(_) => {}
            other => media.push(other),
        }
    }

    assert_eq!(seqs, (base + 1..=base + seqs.len() as u64).collect::<Vec<_>>());
    assert_eq!(core.snapshot(T0).seq, *seqs.last().unwrap());
    assert!(changes.iter().any(|c| matches!(c, Change::CallUpdated { call } if call.coaching.as_ref().is_some_and(|s| s.whisper))));
    assert!(matches!(changes.iter().rev().find(|c| matches!(c, Change::CallEnded { .. })), Some(Change::CallEnded { call }) if *call == target));
    assert_eq!(
        media,
        vec![
            Output::CallStarted { call: target },
            Output::AgentAnswered { call: target, agent: AGENT },
            Output::CoachJoined { call: target, agent: AGENT, coach: COACH, session: 1, coach_name: "Casey".into(), notify_agent: true },
            Output::Whisper { call: target, session: 1, on: false },
            Output::Whisper { call: target, session: 1, on: true },
            Output::CoachLeft { call: target },
            Output::CallEnded { call: target },
        ],
        "the media follows: the seats, join, whisper, leave, end"
    );
}

#[test]
fn callers_go_to_an_online_agent_and_the_simulator_keeps_its_hands_off() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let dial = |core: &mut Core| core.start_call(T0, NewCall { origin: Origin::Caller, number: LINE, customer_phone: "+44".into(), direction: Direction::Inbound, kind: CallKind::Regular });

    let early = dial(&mut core);
    assert_eq!(core.call(early).unwrap().state, CallState::Waiting, "no agent online yet");
    core.connected(T0, SECOND_AGENT);
    assert_eq!(core.call(early).unwrap().agent, Some(SECOND_AGENT), "the waiting caller goes to the agent who came online");
    let second = dial(&mut core);
    assert_eq!(core.call(second).unwrap().state, CallState::Waiting, "the only online agent is busy");
    core.apply(T0, CallEvent::Ended { call: early }).unwrap();
    assert_eq!(core.call(second).unwrap().agent, Some(SECOND_AGENT), "freed, the agent takes the next caller");
    assert!(!core.is_online(AGENT));
}

#[test]
fn an_agent_with_two_tabs_stays_online_until_the_last_one_closes() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    core.connected(T0, SECOND_AGENT);
    core.connected(T0, SECOND_AGENT);
    core.disconnected(T0, SECOND_AGENT);
    assert!(core.is_online(SECOND_AGENT), "one tab is still open");
    core.disconnected(T0, SECOND_AGENT);
    assert!(!core.is_online(SECOND_AGENT));
    core.disconnected(T0, SECOND_AGENT);
    assert!(!core.is_online(SECOND_AGENT), "a stray close changes nothing");
}

#[test]
fn a_coach_who_drops_keeps_the_call_for_the_grace_and_leaves_after_it() {
    let grace = std::time::Duration::from_secs(30);
    let at = |secs: u64| Millis(T0.0 + secs * 1000);
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring).with_grace(grace);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.connected(T0, COACH);
    start(&mut core, COACH, target).unwrap();

    // A reload: the socket drops and comes back within the grace.
    core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
    core.disconnected(at(1), COACH);
    assert!(!core.snapshot(at(1)).calls.iter().any(|c| c.coaching.as_ref().is_some_and(|s| s.whisper)), "nobody is at that microphone: whisper off");
    assert_eq!(core.poll_timeout(), Some(at(31)));
    core.connected(at(3), COACH);
    assert_eq!(core.poll_timeout(), None, "back in time: no deadline");
    core.handle_timeout(at(40));
    assert_eq!(core.coaching_of(COACH), Some(target), "a reload does not end the session");

    // Gone for good: the seat is given up when the grace is over, not before.
    core.disconnected(at(50), COACH);
    core.handle_timeout(at(79));
    assert_eq!(core.coaching_of(COACH), Some(target), "still within the grace");
    core.handle_timeout(at(80));
    assert_eq!(core.coaching_of(COACH), None, "the grace is over");
    assert_eq!(core.status(COACH), UserStatus::Offline, "gone: no longer coaching, and offline");
    assert_eq!(core.poll_timeout(), None);
}

#[test]
fn a_reconnecting_coach_goes_on_listening_and_only_on_their_own_call() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    let other = call(&mut core, CallKind::Regular, CallState::Waiting);
    start(&mut core, COACH, target).unwrap();
    core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
    while core.poll_output().is_some() {}

    assert_eq!(core.handle(T0, COACH, Command::ReconnectCoaching { call: other }), Err(CoachingError::NotCoaching));
    assert_eq!(core.handle(T0, RIVAL, Command::ReconnectCoaching { call: target }), Err(CoachingError::NotCoaching));
    core.handle(T0, COACH, Command::AudioIn { window: 1 }).unwrap();
    core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
    while core.poll_output().is_some() {}

    // The same window after a dropped network: it carries on as it was.
    core.handle(T0, COACH, Command::ReconnectCoaching { call: target }).unwrap();
    core.handle(T0, COACH, Command::AudioIn { window: 1 }).unwrap();
    assert_eq!(live_outputs(&mut core), [], "nothing changed");

    // Another window: it listens, in one change with the move.
    core.handle(T0, COACH, Command::ReconnectCoaching { call: target }).unwrap();
    core.handle(T0, COACH, Command::AudioIn { window: 2 }).unwrap();
    let outputs = live_outputs(&mut core);
    assert_eq!(outputs.len(), 2, "one whisper change and one delta: {outputs:?}");
    assert_eq!(outputs[0], Output::Whisper { call: target, session: 1, on: false }, "the new window listens");
    let Output::Delta { change: Change::CallUpdated { call }, .. } = &outputs[1] else { panic!("a delta: {outputs:?}") };
    let session = call.coaching.as_ref().expect("the session goes on");
    assert_eq!((session.audio_window, session.whisper), (2, false));
    assert_eq!(core.coaching_of(COACH), Some(target));
}

#[test]
fn a_user_whose_every_connection_drops_is_offline_after_the_grace() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    core.connected(T0, SECOND_AGENT);
    core.disconnected(T0, SECOND_AGENT);
    assert_eq!(core.status(SECOND_AGENT), UserStatus::Available, "a reload keeps them as they were");
    let after = Millis(T0.0 + Core::GRACE.as_millis() as u64);
    assert_eq!(core.poll_timeout(), Some(after));
    core.handle_timeout(after);
    assert_eq!(core.status(SECOND_AGENT), UserStatus::Offline);
    assert!(core.available_agents().iter().all(|u| u.id != SECOND_AGENT), "offered nothing");
    assert_eq!(core.poll_timeout(), None);
}

#[test]
fn an_agent_signs_in_not_ready_and_takes_callers_only_once_available() {
    let mut core = offline_company(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let caller = core.dial(T0, NewCall { origin: Origin::Caller, number: LINE, customer_phone: "+447700900998".into(), direction: Direction::Inbound, kind: CallKind::Regular }).unwrap();
    assert_eq!(core.status(AGENT), UserStatus::Offline, "nobody is in yet");
    core.connected(T0, AGENT);
    assert_eq!(core.status(AGENT), UserStatus::NotReady, "in, and not ready until they say");
    assert_eq!(core.call(caller).unwrap().agent, None, "a Not ready agent is offered no call");
    core.set_presence(T0, AGENT, false, "Lunch").unwrap();
    let row = core.snapshot(T0).users.into_iter().find(|u| u.id == AGENT).unwrap();
    assert_eq!((row.status, row.reason.as_deref()), (UserStatus::NotReady, Some("Lunch")), "the Users tab says why");
    let later = Millis(T0.0 + 5_000);
    core.set_presence(later, AGENT, true, "").unwrap();
    assert_eq!(core.call(caller).unwrap().agent, Some(AGENT), "available: the waiting caller is theirs");
    let row = core.snapshot(later).users.into_iter().find(|u| u.id == AGENT).unwrap();
    assert_eq!((row.status, row.since), (UserStatus::OnCall, later), "and since when");
    assert_eq!(core.apply(T0, CallEvent::TransferredToAgent { call: caller, agent: SECOND_AGENT }), Err(EventError::AgentBusy(SECOND_AGENT)), "an offline colleague takes no transfer of a caller");
}

#[test]
fn an_agent_lost_past_the_grace_is_offline_and_their_caller_waits_for_another() {
    let mut core = offline_company(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    for agent in [AGENT, SECOND_AGENT] {
        core.connected(T0, agent);
    }
    core.set_presence(T0, AGENT, true, "").unwrap();
    let caller = core.dial(T0, NewCall { origin: Origin::Caller, number: LINE, customer_phone: "+447700900998".into(), direction: Direction::Inbound, kind: CallKind::Regular }).unwrap();
    assert_eq!(core.call(caller).unwrap().agent, Some(AGENT));
    core.disconnected(T0, AGENT);
    while core.poll_output().is_some() {}
    let after = Millis(T0.0 + Core::GRACE.as_millis() as u64);
    core.handle_timeout(after);
    assert_eq!(core.status(AGENT), UserStatus::Offline);
    let waiting = core.call(caller).unwrap();
    assert_eq!((waiting.agent, waiting.state), (None, CallState::Waiting), "back in the queue");
    assert!(waiting.timeline.last().unwrap().entry.what.ends_with("connection was lost: the call waits for another agent"));
    assert!(live_outputs(&mut core).contains(&Output::AgentLeft { call: caller }), "the customer hears the ringback, not silence");
    core.set_presence(after, SECOND_AGENT, true, "").unwrap();
    assert_eq!(core.call(caller).unwrap().agent, Some(SECOND_AGENT), "offered again");
}

#[test]
fn calls_go_only_to_available_agents() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);

    let to_supervisor = core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: RIVAL });
    let to_busy = core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: AGENT });

    assert_eq!(to_supervisor, Err(earshot_domain::EventError::NotAnAgent(RIVAL)));
    assert_eq!(to_busy, Err(earshot_domain::EventError::AgentBusy(AGENT)));
    assert_eq!(core.available_agents().iter().map(|u| u.id).collect::<Vec<_>>(), vec![SECOND_AGENT]);
}

#[test]
fn an_agent_is_on_a_call_from_the_answer_until_it_moves_or_ends() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    assert_eq!((core.status(AGENT), core.status(SECOND_AGENT)), (UserStatus::OnCall, UserStatus::Available));

    core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: SECOND_AGENT }).unwrap();
    assert_eq!((core.status(AGENT), core.status(SECOND_AGENT)), (UserStatus::Available, UserStatus::OnCall));
    let snapshot = core.snapshot(T0);
    let second = snapshot.users.iter().find(|u| u.id == SECOND_AGENT).unwrap();
    assert_eq!(second.status, UserStatus::OnCall, "the snapshot says the same");

    core.apply(T0, CallEvent::Ended { call: target }).unwrap();
    assert_eq!((core.status(AGENT), core.status(SECOND_AGENT)), (UserStatus::Available, UserStatus::Available));
    assert_eq!(core.available_agents().len(), 2);
}

#[test]
fn the_media_follows_the_hold_including_a_transfer_that_takes_the_call_off_hold() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    let waiting = call(&mut core, CallKind::Regular, CallState::Waiting);
    while core.poll_output().is_some() {}

    core.apply(T0, CallEvent::Hold { call: target, on: true }).unwrap();
    core.apply(T0, CallEvent::Hold { call: target, on: true }).unwrap();
    core.apply(T0, CallEvent::Hold { call: waiting, on: true }).unwrap();
    core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: SECOND_AGENT }).unwrap();

    let media: Vec<Output> = std::iter::from_fn(|| core.poll_output()).filter(|o| matches!(o, Output::Hold { .. })).collect();
    assert_eq!(
        media,
        vec![Output::Hold { call: target, on: true }, Output::Hold { call: target, on: false }],
        "once on, nothing for a repeat or a waiting call, off with the transfer"
    );
}

#[test]
fn a_transfer_cuts_the_old_agents_audio_at_once_and_ends_the_coaching() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.handle(T0, COACH, Command::StartCoaching { call: target, notify_agent: true }).unwrap();
    while core.poll_output().is_some() {}

    core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: SECOND_AGENT }).unwrap();

    let media: Vec<Output> = std::iter::from_fn(|| core.poll_output()).filter(|o| !matches!(o, Output::Delta { .. })).collect();
    assert!(media.contains(&Output::AgentLeft { call: target }), "the old agent's leg goes: {media:?}");
    assert!(media.contains(&Output::CoachLeft { call: target }), "the coach leaves with the old conversation: {media:?}");
    let answered = call(&mut core, CallKind::Regular, CallState::Ongoing);
    assert!(
        std::iter::from_fn(|| core.poll_output()).all(|o| !matches!(o, Output::AgentLeft { .. })),
        "a first answer cuts nobody: {answered:?}"
    );
}

#[test]
fn ids_start_where_they_are_told_so_a_restart_never_reuses_one() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring).with_first_id(1_764_000_000_000_000);
    let first = call(&mut core, CallKind::Regular, CallState::Waiting);
    let second = call(&mut core, CallKind::Regular, CallState::Waiting);
    assert_eq!((first, second), (CallId(1_764_000_000_000_000), CallId(1_764_000_000_000_001)));
    let Some(seq) = live_outputs(&mut core).into_iter().find_map(|o| match o { Output::Delta { seq, .. } => Some(seq), _ => None }) else { panic!("a delta") };
    assert!(seq > 1_764_000_000_000_000, "changes are numbered from there too: {seq}");
}

#[test]
fn a_calls_tags_and_comments_are_capped_and_a_repeated_tag_changes_nothing() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.apply(T0, CallEvent::Tagged { call: target, tag: "refund".into() }).unwrap();
    while core.poll_output().is_some() {}

    core.apply(T0, CallEvent::Tagged { call: target, tag: "refund".into() }).unwrap();
    assert_eq!(core.poll_output(), None, "a repeated tag: no change, no delta");
    for i in 1..Core::MAX_TAGS {
        core.apply(T0, CallEvent::Tagged { call: target, tag: format!("tag {i}") }).unwrap();
    }
    for i in 0..Core::MAX_COMMENTS {
        core.apply(T0, CallEvent::Commented { call: target, text: format!("note {i}") }).unwrap();
    }
    let before = core.call_detail(target);
    assert_eq!(core.apply(T0, CallEvent::Tagged { call: target, tag: "one more".into() }), Err(EventError::TooManyTags));
    assert_eq!(core.apply(T0, CallEvent::Commented { call: target, text: "one more".into() }), Err(EventError::TooManyComments));
    assert_eq!(core.call_detail(target), before, "a refusal changes nothing");
}

#[test]
fn each_note_is_one_delta_and_an_event_that_shows_nothing_new_sends_none() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.apply(T0, CallEvent::Hold { call: target, on: true }).unwrap();
    while core.poll_output().is_some() {}

    core.apply(T0, CallEvent::Hold { call: target, on: true }).unwrap();
    assert_eq!(core.poll_output(), None, "on hold already: no delta");
    core.apply(T0, CallEvent::Commented { call: target, text: "Wants a refund.".into() }).unwrap();
    core.apply(T0, CallEvent::Tagged { call: target, tag: "refund".into() }).unwrap();

    let notes: Vec<u32> = std::iter::from_fn(|| core.poll_output())
        .filter_map(|output| match output {
            Output::Delta { change: Change::CallUpdated { call }, .. } => Some(call.notes),
            _ => None,
        })
        .collect();
    assert_eq!(notes, [1, 2], "one delta per note, counting them, so an open conversation view reads them again");
}

#[test]
fn callers_beyond_the_queue_hear_the_lines_are_busy() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let dial = || NewCall { origin: Origin::Caller, number: LINE, customer_phone: "+447700900999".into(), direction: Direction::Inbound, kind: CallKind::Regular };
    for _ in 0..Core::MAX_WAITING_CALLERS {
        core.dial(T0, dial()).unwrap();
    }
    while core.poll_output().is_some() {}

    assert_eq!(core.dial(T0, dial()), Err(EventError::LinesBusy));
    assert_eq!(core.poll_output(), None, "a refusal changes nothing, and no dashboard hears of it");
}

#[test]
fn an_agent_who_signs_in_leaves_the_simulators_call_and_keeps_a_callers() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let simulated = call(&mut core, CallKind::Regular, CallState::OnHold);

    core.connected(T0, AGENT);

    assert!(core.call(simulated).is_none(), "a simulated call never lands on a signed-in agent's softphone");
    assert_eq!(core.status(AGENT), UserStatus::Available);
    let real = core.dial(T0, NewCall { origin: Origin::Caller, number: LINE, customer_phone: "+447700900998".into(), direction: Direction::Inbound, kind: CallKind::Regular }).unwrap();
    assert_eq!(core.call(real).and_then(|c| c.agent), Some(AGENT), "a real caller goes to them");
    core.disconnected(T0, AGENT);
    core.connected(T0, AGENT);
    assert_eq!(core.call(real).and_then(|c| c.agent), Some(AGENT), "and stays with them across a reconnect");
}

/// The outputs but the records for the store.
fn live_outputs(core: &mut Core) -> Vec<Output> {
    std::iter::from_fn(|| core.poll_output()).filter(|o| !matches!(o, Output::Record(_))).collect()
}

/// Replays the records as a store would keep them.
#[derive(Default)]
struct Kept {
    calls: std::collections::BTreeMap<CallId, earshot_domain::Call>,
    ended: Vec<CallId>,
    audit: Vec<earshot_protocol::AuditEntry>,
}

impl Kept {
    fn take(&mut self, core: &mut Core) {
        use earshot_domain::Record;
        while let Some(output) = core.poll_output() {
            let Output::Record(record) = output else { continue };
            match record {
                Record::CallStarted(call) => {
                    self.calls.insert(call.id, call);
                }
                Record::CallChanged { call, agent, kind, state } => {
                    let call = self.calls.get_mut(&call).unwrap();
                    (call.agent, call.kind, call.state) = (agent, kind, state);
                }
                Record::Logged { call, position, entry } => {
                    let timeline = &mut self.calls.get_mut(&call).unwrap().timeline;
                    assert_eq!(timeline.len(), position, "entries come in order");
                    timeline.push(entry);
                }
                Record::Tagged { call, position, tag } => {
                    let tags = &mut self.calls.get_mut(&call).unwrap().tags;
                    assert_eq!(tags.len(), position);
                    tags.push(tag);
                }
                Record::Commented { call, position, text } => {
                    let comments = &mut self.calls.get_mut(&call).unwrap().comments;
                    assert_eq!(comments.len(), position);
                    comments.push(text);
                }
                Record::CallEnded { call, .. } => self.ended.push(call),
                Record::Audit(entry) => self.audit.push(entry),
                other => panic!("a record this replay does not know: {other:?}"),
            }
        }
    }
}

#[test]
fn the_records_rebuild_every_call_exactly_as_the_core_had_it() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let mut kept = Kept::default();
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    start(&mut core, COACH, target).unwrap();
    core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
    core.apply(T0, CallEvent::Hold { call: target, on: true }).unwrap();
    core.apply(T0, CallEvent::Tagged { call: target, tag: "refund".into() }).unwrap();
    core.apply(T0, CallEvent::Commented { call: target, text: "Wants a refund.".into() }).unwrap();
    core.apply(T0, CallEvent::Hold { call: target, on: false }).unwrap();
    core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: SECOND_AGENT }).unwrap();
    kept.take(&mut core);
    assert_eq!(kept.calls.get(&target), core.call(target), "a live call, whole in the store");

    let before_end = core.call(target).unwrap().clone();
    core.apply(Millis(T0.0 + 9), CallEvent::Ended { call: target }).unwrap();
    kept.take(&mut core);
    let stored = &kept.calls[&target];
    assert_eq!(kept.ended, [target]);
    assert_eq!(stored.timeline[..before_end.timeline.len()], before_end.timeline[..]);
    assert_eq!(stored.timeline.last().unwrap().entry.what, "Call ended");
    let coaching: Vec<&str> = stored.timeline.iter().filter(|l| l.about_coaching).map(|l| l.entry.what.as_str()).collect();
    assert_eq!(
        coaching,
        ["Casey started coaching (agent notified)", "Casey started whispering to the agent", "Coaching ended: the call moved to another agent"],
        "the conversation view tells who coached, whispered and left"
    );
}

#[test]
fn the_audit_log_has_every_start_whisper_leave_and_refusal() {
    use earshot_protocol::AuditAction::*;
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let mut kept = Kept::default();
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.handle(T0, COACH, Command::StartCoaching { call: target, notify_agent: false }).unwrap();
    core.handle(T0, COACH, Command::SetWhisper { on: true }).unwrap();
    core.handle(T0, COACH, Command::SetWhisper { on: false }).unwrap();
    assert!(start(&mut core, RIVAL, target).is_err(), "one coach per call");
    assert!(core.handle(T0, AGENT, Command::StartCoaching { call: target, notify_agent: true }).is_err());
    core.handle(T0, COACH, Command::LeaveCoaching).unwrap();
    core.handle(T0, COACH, Command::StartCoaching { call: target, notify_agent: true }).unwrap();
    core.refused(T0, AGENT, &Command::SetWhisper { on: true }, "refused at the gate");
    core.handle(T0, COACH, Command::LeaveCoaching).unwrap();
    assert!(core.handle(T0, COACH, Command::LeaveCoaching).is_err(), "leaving twice is not an attempt to listen");
    kept.take(&mut core);

    let actions: Vec<_> = kept.audit.iter().map(|e| (e.coach, e.action, e.notified_agent)).collect();
    assert_eq!(
        actions,
        [
            (COACH, Started, Some(false)),
            (COACH, WhisperOn, None),
            (COACH, WhisperOff, None),
            (RIVAL, Refused, None),
            (AGENT, Refused, None),
            (COACH, Left, None),
            (COACH, Rejoined, Some(true)),
            (AGENT, Refused, None),
            (COACH, Left, None),
        ]
    );
    let rival = &kept.audit[3];
    assert_eq!((rival.call, rival.agent, rival.number), (Some(target), Some(AGENT), Some(LINE)), "who was refused what");
    assert_eq!(rival.detail, "Casey is already coaching this call");
    assert_eq!(kept.audit[4].detail, "agents cannot coach calls");
    assert_eq!(kept.audit[7].detail, "refused at the gate");
}

fn hand(core: &Core, call: CallId) -> Option<earshot_protocol::RaisedHand> {
    core.snapshot_call(call).and_then(|view| view.hand)
}

#[test]
fn an_agents_raised_hand_shows_on_the_call_until_a_coach_joins() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    while core.poll_output().is_some() {}

    core.apply(T0, CallEvent::HandRaised { call: target, reason: "refund over my limit".into() }).unwrap();
    let raised = hand(&core, target).expect("the hand shows on the call");
    assert_eq!((raised.since, raised.reason.as_str()), (T0, "refund over my limit"));
    let told: Vec<Change> = live_outputs(&mut core).into_iter().filter_map(|o| match o { Output::Delta { change, .. } => Some(change), _ => None }).collect();
    assert!(matches!(&told[..], [Change::CallUpdated { call }] if call.hand.is_some()), "every dashboard is told: {told:?}");

    let later = Millis(T0.0 + 5_000);
    core.apply(later, CallEvent::HandRaised { call: target, reason: "".into() }).unwrap();
    assert_eq!(hand(&core, target).map(|h| (h.since, h.reason)), Some((T0, String::new())), "asked again: new reason, same place");

    start(&mut core, COACH, target).unwrap(); // telling the agent
    assert_eq!(hand(&core, target), None, "a coach on the call answers it");
    let timeline = core.call_detail(target).unwrap().timeline;
    assert!(timeline.iter().any(|e| e.what == "Alex asked for help: “refund over my limit”"), "{timeline:?}");
}

#[test]
fn a_hand_goes_down_when_the_agent_lowers_it_or_the_call_moves_or_ends() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    let raise = |core: &mut Core| core.apply(T0, CallEvent::HandRaised { call: target, reason: String::new() }).unwrap();

    raise(&mut core);
    core.apply(T0, CallEvent::HandLowered { call: target }).unwrap();
    assert_eq!(hand(&core, target), None, "lowered");
    core.apply(T0, CallEvent::HandLowered { call: target }).unwrap(); // nothing to lower: nothing changes

    raise(&mut core);
    core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: SECOND_AGENT }).unwrap();
    assert_eq!(hand(&core, target), None, "the new agent has not asked");

    raise(&mut core);
    core.apply(T0, CallEvent::Ended { call: target }).unwrap();
    assert_eq!(hand(&core, target), None);

    let waiting = call(&mut core, CallKind::Regular, CallState::Waiting);
    assert_eq!(core.apply(T0, CallEvent::HandRaised { call: waiting, reason: String::new() }), Err(EventError::NoAgent));
}

#[test]
fn a_silent_coach_answers_a_hand_the_agent_still_sees_up() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    core.apply(T0, CallEvent::HandRaised { call: target, reason: "angry caller".into() }).unwrap();

    core.handle(T0, COACH, Command::StartCoaching { call: target, notify_agent: false }).unwrap();

    assert!(hand(&core, target).is_some_and(|h| h.answered), "monitors: answered, needs nobody");
    let seen = earshot_domain::as_seen_by_agent(core.snapshot_call(target).unwrap());
    let seen = seen.hand.expect("the agent still sees their hand");
    assert_eq!((seen.reason.as_str(), seen.answered), ("angry caller", false), "nothing tells of the silent coach");
    core.handle(T0, COACH, Command::LeaveCoaching).unwrap();
    core.apply(T0, CallEvent::HandRaised { call: target, reason: "still angry".into() }).unwrap();
    assert!(hand(&core, target).is_some_and(|h| !h.answered), "asked again: needs a coach again");
}

fn signals(core: &Core, call: CallId) -> Vec<(earshot_protocol::SignalKind, Millis)> {
    core.snapshot_call(call).map(|view| view.signals.iter().map(|s| (s.kind, s.since)).collect()).unwrap_or_default()
}

#[test]
fn a_hold_that_lasts_becomes_a_signal_dated_from_the_hold() {
    use earshot_protocol::SignalKind::LongHold;
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring).with_long_hold(std::time::Duration::from_secs(60));
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    assert_eq!(core.poll_timeout(), None);

    core.apply(T0, CallEvent::Hold { call: target, on: true }).unwrap();
    let due = Millis(T0.0 + 60_000);
    assert_eq!(core.poll_timeout(), Some(due));
    core.handle_timeout(Millis(due.0 - 1));
    assert!(signals(&core, target).is_empty(), "not yet");
    while core.poll_output().is_some() {}
    core.handle_timeout(due);
    assert_eq!(signals(&core, target), vec![(LongHold, T0)]);
    assert!(live_outputs(&mut core).iter().any(|o| matches!(o, Output::Delta { change: Change::CallUpdated { call }, .. } if !call.signals.is_empty())), "dashboards are told");
    assert_eq!(core.poll_timeout(), None, "once");

    core.apply(due, CallEvent::Hold { call: target, on: false }).unwrap();
    assert!(signals(&core, target).is_empty(), "off hold: gone");
}

#[test]
fn the_audios_signals_come_and_go_and_a_new_agent_starts_afresh() {
    use earshot_protocol::SignalKind::{DeadAir, RaisedVoice};
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);

    core.apply(T0, CallEvent::Signal { call: target, kind: RaisedVoice, since: Some(T0) }).unwrap();
    core.apply(T0, CallEvent::Signal { call: target, kind: DeadAir, since: Some(T0) }).unwrap();
    assert_eq!(signals(&core, target), vec![(DeadAir, T0), (RaisedVoice, T0)], "in one order, whatever came first");
    core.apply(T0, CallEvent::Signal { call: target, kind: DeadAir, since: None }).unwrap();
    assert_eq!(signals(&core, target), vec![(RaisedVoice, T0)]);

    core.apply(T0, CallEvent::TransferredToAgent { call: target, agent: SECOND_AGENT }).unwrap();
    assert!(signals(&core, target).is_empty(), "the new conversation has none yet");
}

fn phrases(core: &Core, call: CallId) -> Vec<(String, Millis)> {
    core.snapshot_call(call).map(|view| view.phrases.iter().map(|p| (p.phrase.clone(), p.at)).collect()).unwrap_or_default()
}

#[test]
fn what_the_customer_said_flags_the_call_for_monitors_until_a_coach_joins_and_never_reaches_the_agent() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    let said = |core: &mut Core, phrase: &str, at: u64| core.apply(T0, CallEvent::Phrase { call: target, phrase: phrase.into(), at: Millis(at) });

    said(&mut core, "cancel my account", T0.0 - 300).unwrap();
    let view = core.snapshot_call(target).unwrap();
    assert_eq!(view.flag(), Some((earshot_protocol::Flag::Phrase, Millis(T0.0 - 300))), "dated to when it was said");
    assert!(earshot_domain::as_seen_by_agent(view).phrases.is_empty(), "the agent's own view never carries it");
    let timeline = core.call_detail(target).unwrap().timeline;
    assert!(timeline.iter().any(|e| e.what == "The customer said “cancel my account”"), "{timeline:?}");

    for (i, phrase) in ["complaint", "speak to a manager", "complaint"].into_iter().enumerate() {
        said(&mut core, phrase, T0.0 + i as u64).unwrap();
    }
    let kept: Vec<String> = phrases(&core, target).into_iter().map(|(phrase, _)| phrase).collect();
    assert_eq!(kept, ["complaint", "speak to a manager", "complaint"], "the newest three");

    // A silent coach's joining clears them too: the agent could not tell.
    core.handle(T0, COACH, Command::StartCoaching { call: target, notify_agent: false }).unwrap();
    assert!(phrases(&core, target).is_empty(), "the coach has them");

    let waiting = call(&mut core, CallKind::Regular, CallState::Waiting);
    assert_eq!(core.apply(T0, CallEvent::Phrase { call: waiting, phrase: "complaint".into(), at: T0 }), Err(EventError::NoAgent), "nobody to coach yet");
}

#[test]
fn a_call_held_and_resumed_again_and_again_keeps_a_bounded_timeline_and_its_end() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let id = call(&mut core, CallKind::Regular, CallState::Ongoing);
    for n in 0..5_000 {
        core.apply(T0, CallEvent::Hold { call: id, on: n % 2 == 0 }).unwrap();
    }
    let timeline = &core.call(id).unwrap().timeline;
    assert_eq!(timeline.len(), Core::MAX_TIMELINE + 1, "the cap and one notice");
    assert_eq!(timeline.last().unwrap().entry.what, "The timeline is full: later entries are left out");
    let logged = std::iter::from_fn(|| core.poll_output()).filter(|o| matches!(o, Output::Record(earshot_domain::Record::Logged { .. }))).count();
    assert_eq!(logged, Core::MAX_TIMELINE + 1, "no more is written to the store either");
    core.apply(T0, CallEvent::Ended { call: id }).unwrap();
    let ended = std::iter::from_fn(|| core.poll_output()).any(|o| matches!(&o, Output::Record(earshot_domain::Record::Logged { entry, .. }) if entry.entry.what == "Call ended"));
    assert!(ended, "the call's end is always kept");
}

#[test]
fn a_key_the_phone_customer_presses_is_in_the_timeline_the_agent_reads_too() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let target = call(&mut core, CallKind::Regular, CallState::Ongoing);
    for key in ['4', '2', '#'] {
        core.apply(T0, CallEvent::Keypress { call: target, key }).unwrap();
    }
    let timeline = core.call_detail(target).unwrap().timeline;
    let pressed: Vec<&str> = timeline.iter().map(|e| e.what.as_str()).filter(|w| w.starts_with("The customer pressed")).collect();
    assert_eq!(pressed, ["The customer pressed 4", "The customer pressed 2", "The customer pressed #"]);
    let agent = core.snapshot_call(target).unwrap().agent.unwrap();
    let theirs = core.call_detail_for(agent, target).unwrap().unwrap().timeline;
    assert!(theirs.iter().any(|e| e.what == "The customer pressed #"), "not about coaching: the agent reads it: {theirs:?}");
    assert_eq!(core.apply(T0, CallEvent::Keypress { call: CallId(999_999), key: '1' }), Err(EventError::UnknownCall(CallId(999_999))));
}

/// A phone-line call Alex (AGENT) took, coached by Casey.
fn coached_phone_call(core: &mut Core) -> CallId {
    core.connected(T0, AGENT);
    core.set_presence(T0, AGENT, true, "").unwrap();
    let call = core.dial(T0, NewCall { origin: Origin::Phone, number: LINE, customer_phone: "+447700900997".into(), direction: Direction::Inbound, kind: CallKind::Regular }).unwrap();
    assert_eq!(core.call(call).unwrap().agent, Some(AGENT), "routed like a caller's");
    start(core, COACH, call).unwrap();
    while core.poll_output().is_some() {}
    call
}

#[test]
fn only_a_phone_call_goes_to_an_outside_number_and_it_stays_with_its_agent_until_the_number_answers() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let phone = coached_phone_call(&mut core);
    let browser = core.dial(T0, NewCall { origin: Origin::Caller, number: LINE, customer_phone: "+447700900998".into(), direction: Direction::Inbound, kind: CallKind::Regular }).unwrap();
    let ask = |call, number: &str| CallEvent::TransferOutsideAsked { call, number: number.into() };
    assert_eq!(core.apply(T0, ask(browser, "+442079460123")), Err(EventError::NoOutsideLine), "a browser's call has no trunk to go out by");
    assert!(core.snapshot(T0).calls.iter().any(|c| c.id == phone && c.phone_line), "the agent is told it came on a phone line");
    assert_eq!(core.apply(T0, ask(phone, "020 7946 0123")), Err(EventError::BadPhone), "E.164 only");

    core.apply(T0, ask(phone, "+442079460123")).unwrap();
    assert_eq!(core.apply(T0, ask(phone, "+442079460124")), Err(EventError::TransferUnderWay));
    let ringing = core.call(phone).unwrap();
    assert_eq!((ringing.agent, ringing.kind, core.coaching_of(COACH)), (Some(AGENT), CallKind::Regular, Some(phone)), "ringing: still Alex's, still coached");
    let outputs: Vec<Output> = std::iter::from_fn(|| core.poll_output()).collect();
    assert!(!outputs.iter().any(|o| matches!(o, Output::AgentLeft { .. })), "nobody's audio changes while it rings");

    core.apply(T0, CallEvent::TransferOutsideFailed { call: phone, why: "busy (486)".into() }).unwrap();
    let failed = core.snapshot(T0).calls.into_iter().find(|c| c.id == phone).unwrap();
    assert_eq!(failed.outside.and_then(|o| o.failed).as_deref(), Some("busy (486)"), "the agent is told why");
    assert_eq!(failed.agent, Some(AGENT));
    core.apply(T0, ask(phone, "+442079460124")).unwrap();
    while core.poll_output().is_some() {}

    core.apply(T0, CallEvent::TransferredExternal { call: phone }).unwrap();
    let gone = core.call(phone).unwrap();
    assert_eq!((gone.agent, gone.kind), (None, CallKind::TransferredExternal), "the number has it now");
    assert_eq!(core.coaching_of(COACH), None, "the coach is out, told why");
    assert_eq!(core.call(browser).unwrap().agent, Some(AGENT), "Alex is free: the caller waiting is put through to them");
    let outputs: Vec<Output> = std::iter::from_fn(|| core.poll_output()).collect();
    let left = outputs.iter().position(|o| matches!(o, Output::AgentLeft { call } if *call == phone));
    let seat = outputs.iter().position(|o| matches!(o, Output::OutsideAnswered { call } if *call == phone));
    assert!(left.zip(seat).is_some_and(|(left, seat)| left < seat), "Alex's audio goes, then the number takes the seat: {outputs:?}");
    let said: Vec<String> = core.call_detail(phone).unwrap().timeline.into_iter().map(|e| e.what).collect();
    assert!(said.contains(&"Transferred to an external number, +442079460124".to_owned()), "{said:?}");
    assert!(said.contains(&"Coaching ended: the call was transferred to an external number, which cannot be coached".to_owned()), "the coach is told why: {said:?}");
    assert_eq!(start(&mut core, COACH, phone), Err(CoachingError::NotCoachable(CallKind::TransferredExternal)));
    assert_eq!(core.apply(T0, ask(phone, "+442079460125")), Err(EventError::NoAgent), "nobody of ours is on it to send it anywhere");
}

#[test]
fn a_call_that_goes_to_a_colleague_while_an_outside_number_rings_gives_that_number_up() {
    let mut core = core_with_coach(Role::Supervisor, MonitoringAccess::LiveMonitoring);
    let phone = coached_phone_call(&mut core);
    core.apply(T0, CallEvent::TransferOutsideAsked { call: phone, number: "+442079460123".into() }).unwrap();
    core.connected(T0, SECOND_AGENT);
    core.apply(T0, CallEvent::TransferredToAgent { call: phone, agent: SECOND_AGENT }).unwrap();
    let moved = core.snapshot(T0).calls.into_iter().find(|c| c.id == phone).unwrap();
    assert_eq!((moved.agent, moved.outside), (Some(SECOND_AGENT), None), "Bea's call, no number ringing for her");
    core.apply(T0, CallEvent::TransferOutsideFailed { call: phone, why: "given up while it rang".into() }).unwrap();
    assert_eq!(core.snapshot(T0).calls.into_iter().find(|c| c.id == phone).unwrap().outside, None, "the call out's end tells her nothing");
}
