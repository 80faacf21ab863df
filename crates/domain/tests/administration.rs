//! Admins change the company while it runs: the core's directory, the
//! dashboards, coaching seats and routing follow at once, and the company's
//! log says who changed what, before and after.

use earshot_domain::seed::{demo_directory, SUPPORT};
use earshot_domain::{AdminError, CallEvent, Command, Core, NewCall, Origin, Output, Record};
use earshot_protocol::{AdminAction, CallKind, Change, Direction, Millis, MonitoringAccess, NumberForm, PersonForm, Role, UserId, UserStatus};

const T0: Millis = Millis(1_700_000_000_000);
const ADA: UserId = UserId(1); // admin
const SAM: UserId = UserId(2); // supervisor with Live Monitoring
const ALEX: UserId = UserId(10); // agent on Support

fn drain(core: &mut Core) -> Vec<Output> {
    std::iter::from_fn(|| core.poll_output()).collect()
}

fn form_of(core: &Core, id: UserId) -> PersonForm {
    let user = core.directory().user(id).unwrap();
    PersonForm { name: user.name.clone(), email: user.email.clone(), role: user.role, access: user.access, numbers: user.numbers.clone() }
}

/// Alex on a caller's call on Support, Sam coaching it.
fn coached_call(core: &mut Core) -> earshot_protocol::CallId {
    let call = core.start_call(T0, NewCall { origin: Origin::Simulated, number: SUPPORT, customer_phone: "+447700900999".into(), direction: Direction::Inbound, kind: CallKind::Regular });
    core.apply(T0, CallEvent::Answered { call, agent: ALEX }).unwrap();
    core.handle(T0, SAM, Command::StartCoaching { call, notify_agent: false }).unwrap();
    drain(core);
    call
}

fn admin_entries(outputs: &[Output]) -> Vec<(AdminAction, String, String)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Record(Record::Admin(entry)) => Some((entry.action, entry.before.clone(), entry.after.clone())),
            _ => None,
        })
        .collect()
}

fn audit_details(outputs: &[Output]) -> Vec<String> {
    outputs.iter().filter_map(|o| match o { Output::Record(Record::Audit(entry)) => Some(entry.detail.clone()), _ => None }).collect()
}

#[test]
fn a_person_added_is_on_every_dashboard_at_once_and_in_the_log() {
    let mut core = Core::new(demo_directory());
    let form = PersonForm { name: "Lee Chan".into(), email: "lee@example.com".into(), role: Role::Agent, access: MonitoringAccess::None, numbers: vec![SUPPORT] };
    let lee = core.save_person(T0, ADA, None, &form).unwrap();
    let outputs = drain(&mut core);
    assert!(outputs.iter().any(|o| matches!(o, Output::Record(Record::PersonSaved(u)) if u.id == lee.id)), "kept");
    assert!(outputs.iter().any(|o| matches!(o, Output::Delta { change: Change::UserUpdated { user }, .. } if user.id == lee.id && user.name == "Lee Chan")), "{outputs:?}");
    assert_eq!(admin_entries(&outputs), vec![(AdminAction::PersonAdded, String::new(), "Lee Chan <lee@example.com>, agent, no Live Monitoring, numbers Support, active".into())]);
    assert!(core.snapshot(T0).users.iter().any(|u| u.id == lee.id));
    assert_eq!(core.save_person(T0, ADA, None, &form), Err(AdminError::Invalid("lee@example.com is Lee Chan's email already".into())));
}

#[test]
fn only_an_active_admin_changes_the_company() {
    let mut core = Core::new(demo_directory());
    let form = form_of(&core, ALEX);
    assert_eq!(core.save_person(T0, SAM, Some(ALEX), &form), Err(AdminError::NotAnAdmin));
    assert_eq!(core.set_active(T0, ALEX, ALEX, false), Err(AdminError::NotAnAdmin));
    assert!(drain(&mut core).is_empty(), "a refusal changes nothing");
}

#[test]
fn removing_a_coachs_live_monitoring_ends_their_coaching_with_the_reason() {
    let mut core = Core::new(demo_directory());
    let call = coached_call(&mut core);
    let form = PersonForm { access: MonitoringAccess::None, ..form_of(&core, SAM) };
    core.save_person(T0, ADA, Some(SAM), &form).unwrap();
    let outputs = drain(&mut core);
    assert!(outputs.contains(&Output::CoachLeft { call }), "the seat goes: {outputs:?}");
    assert_eq!(audit_details(&outputs), vec!["the coach's Live Monitoring access was removed"]);
    let entries = admin_entries(&outputs);
    assert_eq!(entries.len(), 1);
    assert!(entries[0].1.contains(", Live Monitoring,") && entries[0].2.contains(", no Live Monitoring,"), "before and after: {entries:?}");
    assert!(core.check_viewer(SAM).is_err(), "no dashboard for them now");
    assert_eq!(core.coaching_of(SAM), None);
}

#[test]
fn a_deactivated_coach_loses_the_seat_and_a_deactivated_agent_keeps_their_call_only() {
    let mut core = Core::new(demo_directory());
    let call = coached_call(&mut core);
    core.set_active(T0, ADA, SAM, false).unwrap();
    let outputs = drain(&mut core);
    assert!(outputs.contains(&Output::CoachLeft { call }));
    assert_eq!(audit_details(&outputs), vec!["the coach's account was deactivated"]);
    assert!(outputs.iter().any(|o| matches!(o, Output::Delta { change: Change::UserRemoved { user: SAM }, .. })), "off every dashboard");
    assert!(!core.snapshot(T0).users.iter().any(|u| u.id == SAM));

    core.set_presence(T0, ALEX, true, "").unwrap(); // he said he takes calls
    core.set_active(T0, ADA, ALEX, false).unwrap();
    assert_eq!(core.call(call).unwrap().agent, Some(ALEX), "the customer is not cut off");
    assert_eq!(core.status(ALEX), UserStatus::OnCall);
    core.apply(T0, CallEvent::Ended { call }).unwrap();
    let next = core.start_call(T0, NewCall { origin: Origin::Simulated, number: SUPPORT, customer_phone: "+447700900998".into(), direction: Direction::Inbound, kind: CallKind::Regular });
    assert!(core.apply(T0, CallEvent::Answered { call: next, agent: ALEX }).is_err(), "no more calls for them");
    assert!(!core.available_agents().iter().any(|u| u.id == ALEX));

    core.set_active(T0, ADA, ALEX, true).unwrap();
    assert!(core.available_agents().iter().any(|u| u.id == ALEX), "back");
}

#[test]
fn the_first_admin_comes_only_to_a_company_without_one() {
    let mut core = Core::new(earshot_domain::Directory::default());
    let form = PersonForm { name: "Pat Boss".into(), email: "pat@example.com".into(), role: Role::Agent, access: MonitoringAccess::LiveMonitoringPlus, numbers: vec![] };
    let pat = core.add_first_admin(T0, &form).unwrap();
    assert_eq!((pat.id, pat.role), (UserId(1), Role::Admin), "an admin, whatever the form said");
    let entries = admin_entries(&drain(&mut core));
    assert_eq!(entries[0].0, AdminAction::PersonAdded);
    let again = PersonForm { email: "eve@example.com".into(), ..form };
    assert!(core.add_first_admin(T0, &again).is_err(), "a second setup makes no second admin");
}

#[test]
fn a_number_added_takes_calls_to_the_people_it_names_and_is_on_every_dashboard() {
    let mut core = Core::new(demo_directory());
    let form = NumberForm { name: "Billing".into(), e164: "+44 20 7946 0958".into(), people: vec![ALEX, SAM] };
    let billing = core.save_number(T0, ADA, None, &form).unwrap();
    assert_eq!(billing.e164, "+442079460958", "kept as E.164");
    let outputs = drain(&mut core);
    assert!(outputs.iter().any(|o| matches!(o, Output::Delta { change: Change::NumberUpdated { number }, .. } if *number == billing)));
    assert!(core.directory().user(ALEX).unwrap().is_assigned_to(billing.id) && core.directory().user(SAM).unwrap().is_assigned_to(billing.id));
    let entries = admin_entries(&outputs);
    assert_eq!(entries, vec![(AdminAction::NumberAdded, String::new(), "Billing +442079460958, taken by Sam Rivera, Alex Morgan".into())]);

    let fewer = NumberForm { people: vec![SAM], ..form.clone() };
    core.save_number(T0, ADA, Some(billing.id), &fewer).unwrap();
    assert!(!core.directory().user(ALEX).unwrap().is_assigned_to(billing.id), "exactly the people named");
    let twin = NumberForm { name: "Twin".into(), ..form };
    assert_eq!(core.save_number(T0, ADA, None, &twin), Err(AdminError::Invalid("+442079460958 is Billing already".into())));
    let bad = NumberForm { e164: "+44 12".into(), name: "Bad".into(), people: vec![] };
    assert!(matches!(core.save_number(T0, ADA, None, &bad), Err(AdminError::Invalid(why)) if why.contains("not a number that can be dialled")));
}

#[test]
fn a_number_is_removed_only_once_its_calls_end_and_comes_back_under_its_id() {
    let mut core = Core::new(demo_directory());
    let call = coached_call(&mut core);
    assert!(matches!(core.remove_number(T0, ADA, SUPPORT), Err(AdminError::Invalid(why)) if why.starts_with("a call on Support is live")));
    core.apply(T0, CallEvent::Ended { call }).unwrap();
    let support = core.directory().number(SUPPORT).unwrap().clone();
    core.remove_number(T0, ADA, SUPPORT).unwrap();
    assert!(!core.snapshot(T0).numbers.iter().any(|n| n.id == SUPPORT), "off the dashboards");
    assert!(!core.directory().user(ALEX).unwrap().is_assigned_to(SUPPORT), "nobody takes it");
    let dialled = core.dial(T0, NewCall { origin: Origin::Caller, number: SUPPORT, customer_phone: "+447700900998".into(), direction: Direction::Inbound, kind: CallKind::Regular });
    assert_eq!(dialled, Err(earshot_domain::EventError::UnknownNumber(SUPPORT)), "no call comes in on it");
    let again = core.save_number(T0, ADA, None, &NumberForm { name: "Support".into(), e164: support.e164.clone(), people: vec![ALEX] }).unwrap();
    assert_eq!(again.id, SUPPORT, "the same number, the same id: its past calls are its own");
}
