//! `docs/protocol.md`, generated from these types so it cannot drift.
//!
//! Every variant gets a description and a JSON example through exhaustive
//! matches: a new message or error fails to compile until documented. The
//! test compares the file with the generated text; `EARSHOT_WRITE_DOCS=1
//! cargo test -p earshot-protocol` rewrites it.

use std::fmt::Write;

use serde::Serialize;

use crate::audio::{AUDIO_PATH, DSP_FILE, PROCESSOR_FILE};
use crate::*;

fn json<T: Serialize>(value: &T) -> String {
    // Protocol types always serialise.
    serde_json::to_string_pretty(value).expect("protocol types serialise")
}

fn sam() -> UserView {
    UserView { id: UserId(2), name: "Sam Rivera".into(), role: Role::Supervisor, status: UserStatus::Coaching, since: Millis(1_764_000_030_000), reason: None, numbers: vec![NumberId(1)] }
}

fn call() -> CallView {
    CallView {
        id: CallId(42),
        number: NumberId(1),
        agent: Some(UserId(10)),
        customer: Customer {
            phone: "+447700900100".into(),
            contact: Some(ContactRef { id: ContactId(1), name: "Maria Garcia".into() }),
        },
        direction: Direction::Inbound,
        kind: CallKind::Regular,
        state: CallState::Ongoing,
        started_at: Millis(1_764_000_000_000),
        coaching: Some(CoachingView {
            coach: UserId(2),
            coach_name: "Sam Rivera".into(),
            whisper: false,
            notified_agent: true,
            since: Millis(1_764_000_030_000),
            audio_window: 7_031_942_205,
        }),
        notes: 2,
        hand: Some(RaisedHand { since: Millis(1_700_000_050_000), reason: "Customer wants a refund over the limit".into(), answered: false }),
        signals: vec![CallSignal { kind: SignalKind::RaisedVoice, since: Millis(1_700_000_055_000) }],
        phrases: vec![SpottedPhrase { phrase: "speak to a manager".into(), at: Millis(1_700_000_058_000) }],
        phone_line: true,
        outside: Some(OutsideTransfer { number: "+442079460123".into(), failed: None }),
    }
}

fn requests() -> Vec<Request> {
    vec![
        Request::Subscribe,
        Request::StartCoaching { call: CallId(42), notify_agent: true, offer: Some("v=0\r\n…".into()) },
        Request::SetWhisper { on: true },
        Request::LeaveCoaching,
        Request::ReconnectCoaching { call: CallId(42), offer: "v=0\r\n…".into() },
        Request::CheckAudioPath { offer: "v=0\r\n…".into() },
        Request::EndAudioCheck,
        Request::WatchMyCall,
        Request::JoinMyCall { offer: "v=0\r\n…".into() },
        Request::Dial { number: NumberId(1), phone: "+447700900100".into(), offer: "v=0\r\n…".into() },
        Request::HangUp,
        Request::Hold { on: true },
        Request::Tag { tag: "billing".into() },
        Request::Comment { text: "Wants a refund.".into() },
        Request::Transfer { to: UserId(11) },
        Request::TransferOutside { number: "+442079460123".into() },
        Request::RaiseHand { reason: "Customer wants a refund over the limit".into() },
        Request::LowerHand,
        Request::SetPresence { available: false, reason: "Lunch".into() },
    ]
}

fn describe_request(request: &Request) -> &'static str {
    match request {
        Request::Subscribe => "Asks for a snapshot of the live state, then every change after it. Sent again after a gap in `seq`.",
        Request::StartCoaching { .. } => "Joins a call as its coach, listening; `notify_agent` tells the agent who is coaching them.",
        Request::SetWhisper { .. } => "Turns the coach's microphone toward the agent on or off. The customer never hears the coach.",
        Request::LeaveCoaching => "Leaves the call being coached; the coach's previous status is restored.",
        Request::ReconnectCoaching { .. } => "Connects the audio of the call being coached again, in this window (after a reload or a network change; the session itself survives a dropped socket for 30 s). The offer is the one `start_coaching` sends; the old audio connection is replaced and whisper is turned off. The reply is an `answer`; `not_coaching` when `call` is not the caller's session.",
        Request::CheckAudioPath { .. } => "Dashboards (after `subscribe`): the coaching setup's audio path check. The offer has one receive line and one send line with no track; the media server answers (`path_check`) and the browser times ICE and DTLS to it. Nothing is forwarded on this connection; a new check replaces the user's previous one.",
        Request::EndAudioCheck => "Closes the audio path check's connection (also closed when the socket closes).",
        Request::WatchMyCall => "Agents: follow my own call; `my_call` arrives now and on every change.",
        Request::JoinMyCall { .. } => "Agents: connect the softphone to my current call. The offer has a send line (the microphone) and receive lines for the customer, then the coach. The reply is an `answer`.",
        Request::Dial { .. } => "Callers (on `/api/caller`, no sign-in): dial a company number. The offer has a send line and one receive line (the agent). The reply is an `answer` with the new call's id; the call goes to an available agent who has the agent view open.",
        Request::HangUp => "Agents and callers: end my call.",
        Request::Hold { .. } => "Agents: put my call on hold (`on: true`) or take it off; the call's state follows. On hold the customer neither hears nor is heard (the SFU forwards nothing to or from them); agent and coach go on.",
        Request::Tag { .. } => "Agents: tag my call (1 to 40 characters); it shows in the conversation view.",
        Request::Comment { .. } => "Agents: comment on my call (1 to 1000 characters); it shows in the conversation view.",
        Request::Transfer { .. } => "Agents: transfer my call to an available colleague (from `GET /api/agents/available`); refused with `agent_unavailable` when they no longer are. A coach's session ends with the transfer.",
        Request::TransferOutside { .. } => "Agents: send my call, which came on a phone line, to an outside number through the trunk (refused with `no_outside_line` otherwise). The reply comes at once; the call's `outside` shows the number ringing, then why it failed (the call stays with me), or the call goes: transferred to an external number, no longer coachable.",
        Request::RaiseHand { .. } => "Agents: ask for help on my call (\"raise hand\"), with an optional reason of up to 80 characters. The call's `hand` shows it to every monitor until a coach joins telling the agent, the agent lowers it, or the call moves to another agent or ends; a coach who joins without telling the agent marks it `answered` (the agent still sees it up). Asking again changes the reason, keeps `since` and needs a coach again.",
        Request::LowerHand => "Agents: take my request for help back (nothing changes when there is none).",
        Request::SetPresence { .. } => "Agents: ready to take calls (`available: true`), or not ready with a `reason` of up to 40 characters. An agent is `offline` until their agent view is open, `not_ready` when it opens, and `offline` again once their every connection has been gone 30 s (a call waiting on them goes back to the queue). Only available agents are offered calls and transfers.",
    }
}

fn server_messages() -> Vec<ServerMsg> {
    vec![
        ServerMsg::Snapshot(Snapshot {
            seq: 17,
            now: Millis(1_764_000_060_000),
            numbers: vec![CompanyNumber { id: NumberId(1), name: "Sales".into(), e164: "+441615550100".into() }],
            users: vec![sam()],
            calls: vec![call()],
        }),
        ServerMsg::Delta { seq: 18, change: Change::CallUpdated { call: call() } },
        ServerMsg::Reply { id: 7, outcome: Outcome::Ok },
        ServerMsg::Reply { id: 9, outcome: Outcome::Answer { call: CallId(42), sdp: "v=0\r\n…".into() } },
        ServerMsg::Reply { id: 10, outcome: Outcome::PathCheck { sdp: "v=0\r\n…".into() } },
        ServerMsg::MyCall(MyCall {
            me: Some(UserView { id: UserId(10), name: "Alex Morgan".into(), role: Role::Agent, status: UserStatus::OnCall, since: Millis(1_764_000_000_000), reason: None, numbers: vec![NumberId(1)] }),
            call: Some(call()), agent_name: Some("Alex Morgan".into()),
            coached_by: Some("Sam Rivera".into()),
        }),
        ServerMsg::CustomerCall { call: Some(CustomerCall { state: CallState::Ongoing, started_at: Millis(1_764_000_000_000) }) },
        ServerMsg::Error { error: ApiError::new(ErrorCode::MalformedRequest, "cannot read this message: expected value at line 1 column 1") },
    ]
}

fn describe_server_message(message: &ServerMsg) -> &'static str {
    match message {
        ServerMsg::Snapshot(_) => "The whole live state at `seq`: company numbers, users with their status, live calls with their coaching session.",
        ServerMsg::Delta { .. } => "One change. Its `seq` is exactly one more than the previous message's; on a gap, send `subscribe` again.",
        ServerMsg::Reply { .. } => "The outcome of the request with the same `id`: `ok`, `answer` (an SDP answer to the offer sent, and the call it joined), `path_check` (the answer to an audio path check), or `refused` with an error below.",
        ServerMsg::Error { .. } => "A frame that could not be read at all (not JSON, unknown type, too large). The connection stays open.",
        ServerMsg::MyCall(_) => "Agents: their own row (`me`: their status, since when and why) and their own call, after `watch_my_call` and on every change of either. A coach who did not tell them is not in it.",
        ServerMsg::CustomerCall { .. } => "Callers: their own call's state, after `dial` and whenever that state changes (`null`: it is over). Nothing else of the call ever reaches a caller.",
    }
}

fn changes() -> Vec<Change> {
    vec![
        Change::CallUpdated { call: call() },
        Change::CallEnded { call: CallId(42) },
        Change::UserUpdated { user: sam() },
        Change::UserRemoved { user: UserId(2) },
        Change::NumberUpdated { number: CompanyNumber { id: NumberId(3), name: "Billing".into(), e164: "+442079460958".into() } },
        Change::NumberRemoved { number: NumberId(3) },
    ]
}

fn describe_change(change: &Change) -> &'static str {
    match change {
        Change::CallUpdated { .. } => "A call started or changed (answered, held, transferred, coached, whisper …): the whole row.",
        Change::CallEnded { .. } => "A call ended and leaves the dashboard.",
        Change::UserUpdated { .. } => "A user was added, or their status or details changed: the whole row.",
        Change::UserRemoved { .. } => "A user was deactivated and leaves the dashboard.",
        Change::NumberUpdated { .. } => "A company number was added or changed (its people follow as `user_updated`).",
        Change::NumberRemoved { .. } => "A company number was removed: no call comes in on it any more.",
    }
}

/// Every code, in the table's order (`describe_error` matches exhaustively,
/// so a new code cannot go undescribed; list it here too).
const ERROR_CODES: [ErrorCode; 28] = [
    ErrorCode::MalformedRequest,
    ErrorCode::InvalidCredentials,
    ErrorCode::NotSignedIn,
    ErrorCode::ForeignOrigin,
    ErrorCode::MessageTooLarge,
    ErrorCode::NoMonitoringAccess,
    ErrorCode::AgentsCannotCoach,
    ErrorCode::NotFound,
    ErrorCode::CallNotLive,
    ErrorCode::EmergencyCall,
    ErrorCode::ConferenceCall,
    ErrorCode::TransferredExternal,
    ErrorCode::AlreadyCoached,
    ErrorCode::AlreadyCoaching,
    ErrorCode::NotCoaching,
    ErrorCode::NoCall,
    ErrorCode::MediaRefused,
    ErrorCode::AgentUnavailable,
    ErrorCode::NoOutsideLine,
    ErrorCode::TransferUnderWay,
    ErrorCode::Busy,
    ErrorCode::RateLimited,
    ErrorCode::WeakPassword,
    ErrorCode::InvalidSettings,
    ErrorCode::InvalidForm,
    ErrorCode::LinkExpired,
    ErrorCode::Unavailable,
    ErrorCode::Internal,
];

fn describe_error(code: ErrorCode) -> (&'static str, &'static str) {
    match code {
        ErrorCode::MalformedRequest => ("a request or frame could not be read", "cannot read this message: …"),
        ErrorCode::InvalidCredentials => ("sign-in with a wrong email or password", "wrong email or password"),
        ErrorCode::NotSignedIn => ("no valid session cookie", "sign in first"),
        ErrorCode::ForeignOrigin => ("a POST or WebSocket upgrade from another site's page", "requests from https://evil.example are not allowed"),
        ErrorCode::MessageTooLarge => ("a live message over 16 KiB", "messages are limited to 16384 bytes"),
        ErrorCode::NoMonitoringAccess => ("the account has no Live Monitoring access (or is an agent asking for the dashboard)", "your account has no Live Monitoring access"),
        ErrorCode::AgentsCannotCoach => ("an agent asked to coach", "agents cannot coach calls"),
        ErrorCode::NotFound => ("no such call or contact (a call may have just ended)", "this call has ended"),
        ErrorCode::CallNotLive => ("the call is still waiting in the queue", "only a live call between an agent and a customer can be coached"),
        ErrorCode::EmergencyCall => ("emergency calls are never coachable", "emergency calls cannot be coached"),
        ErrorCode::ConferenceCall => ("conference calls are never coachable", "conference calls cannot be coached"),
        ErrorCode::TransferredExternal => ("calls transferred outside are never coachable", "calls transferred to an external number cannot be coached"),
        ErrorCode::AlreadyCoached => ("someone else coaches the call; the message names them", "Sam Rivera is already coaching this call"),
        ErrorCode::AlreadyCoaching => ("the coach already coaches a call", "you are already coaching a call: leave it first"),
        ErrorCode::NotCoaching => ("whisper or leave without a coaching session", "you are not coaching a call"),
        ErrorCode::NoCall => ("an agent without a call, or a caller who has not dialled, asked for call media or a hang-up", "you have no call"),
        ErrorCode::AgentUnavailable => ("a transfer to a colleague who is no longer available", "Bea Santos is no longer available"),
        ErrorCode::NoOutsideLine => ("a transfer to an outside number of a call that came on no phone line", "only a call from a phone line can go to an outside number"),
        ErrorCode::TransferUnderWay => ("a second transfer to an outside number while one rings", "the call is being transferred to +442079460123 already"),
        ErrorCode::MediaRefused => ("the SDP offer could not be used", "the SDP offer was refused: …"),
        ErrorCode::Busy => ("more sign-ins at once than the server checks (HTTP 503 with `Retry-After`)", "too many sign-ins at once: try again in 1 s"),
        ErrorCode::RateLimited => ("too many failed sign-ins from this address or for this account (HTTP 429 with `Retry-After`)", "too many failed sign-ins: try again in 4 s"),
        ErrorCode::WeakPassword => ("a new password that may not be one (HTTP 422)", "a password needs at least 12 characters: your password is unchanged"),
        ErrorCode::InvalidSettings => ("settings an admin saved that cannot be kept (HTTP 422)", "“cancel my zorp”: “zorp” is not a word the speech model knows"),
        ErrorCode::InvalidForm => ("a person an admin saved who cannot be kept (HTTP 422)", "sam@earshot.demo is Sam Rivera's email already"),
        ErrorCode::LinkExpired => ("a link to set a password that is unknown, used or expired (HTTP 410)", "this link is used, expired or unknown: ask an admin for a new one"),
        ErrorCode::Unavailable => ("a change while the database is not answering: refused unmade, not queued (HTTP 503)", "the server cannot save changes right now (its database is not answering): nothing was changed, try again shortly"),
        ErrorCode::Internal => ("the server failed or is stopping; the cause is in its log", "internal error"),
    }
}

pub fn generate() -> String {
    let mut out = String::new();
    let w = &mut out;
    // Writing to a String cannot fail.
    let _ = writeln!(w, "# The Earshot protocol\n\n<!-- Generated from crates/protocol (src/doc.rs). Do not edit: run\n     `EARSHOT_WRITE_DOCS=1 cargo test -p earshot-protocol`. -->\n");
    let _ = writeln!(w, "Every message between the app and the server is a type in `crates/protocol`; this page shows each one as JSON.\n");
    let _ = writeln!(w, "## HTTP\n\n| request | body | answer | who |\n|---|---|---|---|");
    for e in ENDPOINTS {
        let _ = writeln!(w, "| `{} {}` | {} | {} | {} |", e.method, e.path, e.body.map_or("—".into(), |b| format!("`{b}`")), e.answer, e.access.describe());
    }
    let _ = writeln!(w, "| `GET {AUDIO_PATH}<name>` | — | a file of the audio processing: `{PROCESSOR_FILE}`, `{DSP_FILE}` | anyone |\n");
    let _ = writeln!(w, "Refusals answer with an HTTP status and an `ApiError`:\n\n```json\n{}\n```\n", json(&ApiError::new(ErrorCode::NotSignedIn, "sign in first")));
    let _ = writeln!(w, "`SignIn`:\n\n```json\n{}\n```\n", json(&SignIn { email: "sam@earshot.demo".into(), password: "…".into() }));
    let _ = writeln!(w, "`ChangePassword`:\n\n```json\n{}\n```\n", json(&ChangePassword { current: "…".into(), new: "…".into() }));
    let form = PersonForm { name: "Lee Chan".into(), email: "lee@example.com".into(), role: Role::Agent, access: MonitoringAccess::None, numbers: vec![NumberId(2)] };
    let account = Account { id: UserId(12), name: form.name.clone(), email: form.email.clone(), role: form.role, access: form.access, numbers: form.numbers.clone(), active: true, has_password: false };
    let link = PasswordLink { path: "/welcome#5f0c…".into(), expires: Millis(1_764_259_200_000) };
    let _ = writeln!(w, "`PersonForm`:\n\n```json\n{}\n```\n", json(&form));
    let _ = writeln!(w, "`AddedPerson` (an `Account` and a `PasswordLink`):\n\n```json\n{}\n```\n", json(&AddedPerson { account, link }));
    let number = NumberForm { name: "Billing".into(), e164: "+44 20 7946 0958".into(), people: vec![UserId(10), UserId(2)] };
    let _ = writeln!(w, "`NumberForm` (`people`: the agents who take its calls and the supervisors assigned to it):\n\n```json\n{}\n```\n", json(&number));
    let contact_form = ContactForm { name: "Lee Chan".into(), phones: vec!["020 7946 0958".into()], company: Some("Chan Ltd".into()), notes: String::new(), region: Some("GB".into()) };
    let _ = writeln!(w, "`ContactForm` (`region`: the country of numbers typed without `+`):\n\n```json\n{}\n```\n", json(&contact_form));
    let lee = Contact { id: ContactId(15), name: "Lee Chan".into(), phones: vec!["+442079460958".into()], company: Some("Chan Ltd".into()), notes: String::new() };
    let _ = writeln!(w, "`ContactList`:\n\n```json\n{}\n```\n", json(&ContactList { contacts: vec![lee.clone()], total: 1 }));
    let import = ContactImport { csv: "name,phone,company,notes\r\nLee Chan,020 7946 0958,Chan Ltd,\r\n".into(), region: Some("GB".into()), skip_invalid: true };
    let _ = writeln!(w, "`ContactImport`:\n\n```json\n{}\n```\n", json(&import));
    let problem = ImportProblem { line: 7, column: "phone".into(), why: "+447700900100 is Maria Garcia's already".into() };
    let _ = writeln!(w, "`ImportPreview`:\n\n```json\n{}\n```\n", json(&ImportPreview { valid: 9_997, problems: vec![problem], sample: vec![lee] }));
    let _ = writeln!(w, "`Imported`:\n\n```json\n{}\n```\n", json(&Imported { added: 9_997, skipped: 3 }));
    let _ = writeln!(w, "`SetActive`:\n\n```json\n{}\n```\n", json(&SetActive { active: false }));
    let entry = AdminEntry { at: Millis(1_764_000_000_000), action: AdminAction::PersonChanged, actor: UserId(1), actor_name: "Ada Lovelace".into(), subject: "Sam Rivera".into(), before: "Sam Rivera <sam@earshot.demo>, supervisor, Live Monitoring, numbers Sales, active".into(), after: "Sam Rivera <sam@earshot.demo>, supervisor, no Live Monitoring, numbers Sales, active".into(), from: Some("203.0.113.7".into()) };
    let _ = writeln!(w, "`AdminLog`:\n\n```json\n{}\n```\n", json(&AdminLog { entries: vec![entry], more: false, people: vec![Person { id: UserId(1), name: "Ada Lovelace".into(), role: Role::Admin }] }));
    let _ = writeln!(w, "`LinkToken`:\n\n```json\n{}\n```\n", json(&LinkToken { token: "5f0c…".into() }));
    let _ = writeln!(w, "`LinkInfo`, for the setup link and for a person's:\n\n```json\n{}\n```\n\n```json\n{}\n```\n", json(&LinkInfo::FirstAdmin), json(&LinkInfo::SetPassword { name: "Lee Chan".into(), email: "lee@example.com".into() }));
    let _ = writeln!(w, "`RedeemLink` (`name` and `email` for the setup link only):\n\n```json\n{}\n```\n", json(&RedeemLink { token: "5f0c…".into(), name: Some("Pat Boss".into()), email: Some("pat@example.com".into()), password: "…".into() }));
    let _ = writeln!(w, "`AttentionSettings`:\n\n```json\n{}\n```\n", json(&AttentionSettings::default()));
    let _ = writeln!(w, "`Me`:\n\n```json\n{}\n```\n", json(&Me { id: UserId(2), name: "Sam Rivera".into(), role: Role::Supervisor, access: MonitoringAccess::LiveMonitoring }));
    let manifest = AudioManifest {
        version: "3f2a9c0d41b7e655".into(),
        files: vec![AudioFile { name: PROCESSOR_FILE.into(), sha256: "9b1c…".into(), bytes: 2_871 }, AudioFile { name: DSP_FILE.into(), sha256: "e0d4…".into(), bytes: 7_331 }],
    };
    let _ = writeln!(w, "`AudioManifest`:\n\n```json\n{}\n```\n", json(&manifest));
    let contact = Contact { id: ContactId(1), name: "Maria Garcia".into(), phones: vec!["+447700900100".into()], company: Some("Garcia Bakeries".into()), notes: "Prefers morning calls.".into() };
    let _ = writeln!(w, "`ContactDetail`:\n\n```json\n{}\n```\n", json(&ContactDetail { contact, calls: vec![call()] }));
    let detail = CallDetail { call: call(), live: true, timeline: vec![TimelineEntry { at: Millis(1_764_000_000_000), what: "Call started".into() }], tags: vec!["billing".into()], comments: vec!["Customer asked for a callback tomorrow.".into()] };
    let _ = writeln!(w, "`CallDetail`:\n\n```json\n{}\n```\n", json(&detail));
    let _ = writeln!(w, "## Live WebSocket (`/api/live`)\n\nOne JSON message per text frame. Client frames are at most {MAX_CLIENT_MESSAGE_BYTES} bytes.\n\n### Client → server\n\nEach request is wrapped with an `id` that the reply echoes.\n");
    for request in requests() {
        let who = request.access().describe();
        let _ = writeln!(w, "{} *Who:* {who}.\n\n```json\n{}\n```\n", describe_request(&request), json(&ClientMsg { id: 7, request }));
    }
    let _ = writeln!(w, "### Server → client\n");
    for message in server_messages() {
        let _ = writeln!(w, "{}\n\n```json\n{}\n```\n", describe_server_message(&message), json(&message));
    }
    let _ = writeln!(w, "A refused request:\n\n```json\n{}\n```\n", json(&ServerMsg::Reply { id: 8, outcome: Outcome::refused(ApiError::new(ErrorCode::AlreadyCoached, "Sam Rivera is already coaching this call")) }));
    let _ = writeln!(w, "### Changes carried by `delta`\n");
    for change in changes() {
        let _ = writeln!(w, "{}\n\n```json\n{}\n```\n", describe_change(&change), json(&change));
    }
    let _ = writeln!(w, "## Error codes\n\n| code | when | example message |\n|---|---|---|");
    for code in ERROR_CODES {
        let (when, example) = describe_error(code);
        let _ = writeln!(w, "| `{}` | {when} | {example} |", json(&code).trim_matches('"'));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    #[test]
    fn every_request_is_documented() {
        let documented: Vec<serde_json::Value> = super::requests().iter().map(|r| serde_json::to_value(r).unwrap()).collect();
        for kind in crate::Request::types() {
            assert!(documented.iter().any(|r| r["type"] == *kind), "request `{kind}` has no example in doc.rs `requests()`");
        }
    }

    #[test]
    fn docs_protocol_md_matches_the_protocol_crate() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
        let generated = super::generate();
        if std::env::var_os("EARSHOT_WRITE_DOCS").is_some() {
            std::fs::write(&path, &generated).expect("docs/protocol.md is writable");
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == generated,
            "docs/protocol.md is out of date: run `EARSHOT_WRITE_DOCS=1 cargo test -p earshot-protocol`"
        );
    }
}
