//! A live socket's text frame as the server reads it — UTF-8, within the
//! protocol's size, a `ClientMsg` — then the protocol's gate and the domain
//! core, as each kind of user (the caller included). Checks that every
//! message read writes back the same, and that the core's state still
//! serialises and reads back.

use earshot_domain::seed::{demo_directory, SALES};
use earshot_domain::{CallEvent, Command, Core, NewCall, Origin};
use earshot_protocol::{Asker, CallKind, ClientMsg, Direction, Millis, MonitoringAccess, Request, Role, Snapshot, UserId, MAX_CLIENT_MESSAGE_BYTES};

use super::kind_of;

pub const DICTIONARY: &[&[u8]] = &[
    br#"{"id":1,"request":{"type":""#,
    br#""}}"#,
    br#""type""#,
    br#""request""#,
    br#""id""#,
    br#""call""#,
    br#""offer""#,
    br#""on""#,
    br#""notify_agent""#,
    br#""number""#,
    br#""phone""#,
    br#""tag""#,
    br#""text""#,
    br#""to""#,
    b"subscribe",
    b"start_coaching",
    b"set_whisper",
    b"leave_coaching",
    b"reconnect_coaching",
    b"check_audio_path",
    b"end_audio_check",
    b"watch_my_call",
    b"join_my_call",
    b"dial",
    b"hang_up",
    b"hold",
    b"transfer",
    b"true",
    b"false",
    b"null",
    b"\\u0000",
    b"\\ud800",
    b"[",
    b"{",
];

/// Who may send a frame: Ada (admin), Sam (supervisor), Nina (supervisor
/// without Live Monitoring), Alex (agent), and the anonymous caller.
const ASKERS: [(Option<UserId>, Asker); 5] = [
    (Some(UserId(1)), Some((Role::Admin, MonitoringAccess::LiveMonitoringPlus))),
    (Some(UserId(2)), Some((Role::Supervisor, MonitoringAccess::LiveMonitoring))),
    (Some(UserId(5)), Some((Role::Supervisor, MonitoringAccess::None))),
    (Some(UserId(10)), Some((Role::Agent, MonitoringAccess::None))),
    (None, None),
];

const NOW: Millis = Millis(1_000_000);

pub fn run(input: &[u8]) -> String {
    let Ok(text) = std::str::from_utf8(input) else { return "not UTF-8 (the socket closes with 1007)".into() };
    if text.len() > MAX_CLIENT_MESSAGE_BYTES {
        return "too large".into();
    }
    let message: ClientMsg = match serde_json::from_str(text) {
        Ok(message) => message,
        Err(e) => return format!("unreadable: {}", kind_of(&e.to_string())),
    };
    let written = serde_json::to_string(&message).expect("a message read writes");
    let again: ClientMsg = serde_json::from_str(&written).expect("a message written reads");
    assert_eq!(again, message, "a message reads back as itself");

    let (user, asker) = ASKERS[input.len() % ASKERS.len()];
    let kind = serde_json::to_value(&message.request).expect("a request is JSON")["type"].as_str().unwrap_or_default().to_owned();
    if !message.request.access().admits(asker) {
        return format!("{kind}: refused at the gate");
    }
    let mut core = a_coached_call(message.id % 2 == 0);
    let outcome = match user {
        Some(user) => as_user(&mut core, user, message.request),
        None => as_caller(&mut core, message.request),
    };
    while core.poll_output().is_some() {}
    let snapshot = core.snapshot(NOW);
    let json = serde_json::to_string(&snapshot).expect("a snapshot writes");
    assert_eq!(serde_json::from_str::<Snapshot>(&json).expect("a snapshot reads"), snapshot);
    format!("{kind}: {}", kind_of(&outcome))
}

/// The demo company with one Sales call answered by Alex; Sam coaching it
/// when `coached`.
fn a_coached_call(coached: bool) -> Core {
    let mut core = Core::new(demo_directory());
    // Alex's softphone is open and he is available: the caller goes to him.
    core.connected(NOW, UserId(10));
    core.set_presence(NOW, UserId(10), true, "").expect("Alex is an agent");
    let new = NewCall { origin: Origin::Caller, number: SALES, customer_phone: "+447700900123".into(), direction: Direction::Inbound, kind: CallKind::Regular };
    let call = core.start_call(NOW, new);
    assert_eq!(core.call(call).and_then(|c| c.agent), Some(UserId(10)), "put through to Alex");
    if coached {
        core.handle(NOW, UserId(2), Command::StartCoaching { call, notify_agent: false }).expect("Sam may coach");
    }
    core
}

fn as_user(core: &mut Core, user: UserId, request: Request) -> String {
    let request = match Command::try_from(request) {
        Ok(command) => return format!("{:?}", core.handle(NOW, user, command)),
        Err(request) => request,
    };
    let Some(call) = core.live_calls().find(|c| c.agent == Some(user)).map(|c| c.id) else {
        return format!("{:?}", core.check_viewer(user));
    };
    let event = match request {
        Request::HangUp => CallEvent::Ended { call },
        Request::Hold { on } => CallEvent::Hold { call, on },
        Request::Tag { tag } => CallEvent::Tagged { call, tag },
        Request::Comment { text } => CallEvent::Commented { call, text },
        Request::Transfer { to } => CallEvent::TransferredToAgent { call, agent: to },
        other => return format!("no rule to run for {other:?}"),
    };
    format!("{:?}", core.apply(NOW, event))
}

fn as_caller(core: &mut Core, request: Request) -> String {
    match request {
        Request::Dial { number, phone, .. } => {
            let new = NewCall { origin: Origin::Caller, number, customer_phone: phone, direction: Direction::Inbound, kind: CallKind::Regular };
            format!("{:?}", core.dial(NOW, new).map(|_| "dialled"))
        }
        other => format!("no rule to run for {other:?}"),
    }
}
