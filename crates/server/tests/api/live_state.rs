//! The dashboard's live state and coaching over the real WebSocket.

use earshot_domain::seed::{SALES, SUPPORT};
use earshot_domain::CallEvent;
use earshot_protocol::{Change, ErrorCode, Outcome, RaisedHand, Request, ServerMsg, UserStatus};

use crate::helpers::{spawn_app, spawn_app_with, ALEX, NINA, OMAR, SAM};

fn refusal(outcome: Outcome) -> (ErrorCode, String) {
    match outcome {
        Outcome::Refused { error } => (error.code, error.message),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn subscribing_gives_a_snapshot_then_numbered_deltas() {
    let app = spawn_app().await;
    let mut sam = app.live_client(SAM).await;

    let (outcome, before) = sam.request(Request::Subscribe).await;
    assert_eq!(outcome, Outcome::Ok);
    let [ServerMsg::Snapshot(snapshot)] = before.as_slice() else { panic!("a snapshot first: {before:?}") };
    assert!(snapshot.calls.is_empty());
    assert_eq!(snapshot.users.len(), 18);

    let call = app.answered_call(SALES).await;

    let mut seqs = Vec::new();
    let mut seen_answered = false;
    while !seen_answered {
        let ServerMsg::Delta { seq, change } = sam.recv().await else { panic!("deltas only") };
        seqs.push(seq);
        seen_answered = matches!(change, Change::CallUpdated { call: ref c } if c.id == call && c.agent.is_some());
    }
    assert_eq!(seqs, (snapshot.seq + 1..=snapshot.seq + seqs.len() as u64).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_coach_joins_whispers_and_leaves_and_every_dashboard_sees_it() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let mut sam = app.live_client(SAM).await;
    let mut omar = app.live_client(OMAR).await;
    omar.request(Request::Subscribe).await;

    let (joined, _) = sam.request(Request::StartCoaching { call, notify_agent: true, offer: None }).await;
    let (whisper, _) = sam.request(Request::SetWhisper { on: true }).await;

    assert_eq!(joined, Outcome::Ok);
    assert_eq!(whisper, Outcome::Ok);
    let mut coach_status = None;
    let mut whispering = false;
    while coach_status != Some(UserStatus::Coaching) || !whispering {
        match omar.recv().await {
            ServerMsg::Delta { change: Change::UserUpdated { user }, .. } if user.name == "Sam Rivera" => coach_status = Some(user.status),
            ServerMsg::Delta { change: Change::CallUpdated { call: c }, .. } => {
                whispering = c.coaching.as_ref().is_some_and(|s| s.whisper && s.coach_name == "Sam Rivera" && s.notified_agent)
            }
            _ => {}
        }
    }
    let (left, _) = sam.request(Request::LeaveCoaching).await;
    assert_eq!(left, Outcome::Ok);
}

#[tokio::test]
async fn a_second_coach_is_refused_and_told_who_is_coaching() {
    let app = spawn_app().await;
    let call = app.answered_call(SUPPORT).await;
    let mut sam = app.live_client(SAM).await;
    let mut omar = app.live_client(OMAR).await;

    sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;
    let (outcome, _) = omar.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;

    assert_eq!(refusal(outcome), (ErrorCode::AlreadyCoached, "Sam Rivera is already coaching this call".to_owned()));
}

#[tokio::test]
async fn two_supervisors_racing_over_the_network_exactly_one_wins() {
    let app = spawn_app().await;
    let call = app.answered_call(SUPPORT).await;
    let mut sam = app.live_client(SAM).await;
    let mut omar = app.live_client(OMAR).await;

    let start = Request::StartCoaching { call, notify_agent: false, offer: None };
    let ((a, _), (b, _)) = tokio::join!(sam.request(start.clone()), omar.request(start));

    let wins = [&a, &b].iter().filter(|o| ***o == Outcome::Ok).count();
    assert_eq!(wins, 1, "{a:?} / {b:?}");
}

#[tokio::test]
async fn calls_transferred_externally_are_refused_with_their_reason() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    app.live.call_event(CallEvent::TransferredExternal { call }).await.unwrap().unwrap();
    let mut sam = app.live_client(SAM).await;

    let (outcome, _) = sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;

    assert_eq!(refusal(outcome).0, ErrorCode::TransferredExternal);
}

#[tokio::test]
async fn users_without_live_monitoring_and_agents_get_no_dashboard_and_cannot_coach() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;

    for (email, code) in [(NINA, ErrorCode::NoMonitoringAccess), (ALEX, ErrorCode::AgentsCannotCoach)] {
        let mut client = app.live_client(email).await;
        let (subscribed, before) = client.request(Request::Subscribe).await;
        let (coached, _) = client.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;

        assert_eq!(refusal(subscribed).0, code, "{email}");
        assert!(before.is_empty(), "{email} got no snapshot");
        assert_eq!(refusal(coached).0, code, "{email}");
    }
}

#[tokio::test]
async fn malformed_and_oversized_messages_get_an_error_and_the_connection_carries_on() {
    let app = spawn_app().await;
    let mut sam = app.live_client(SAM).await;

    sam.send_text("{not json".into()).await;
    let malformed = sam.recv().await;
    sam.send_text(r#"{"id":1,"request":{"type":"launch_rockets"}}"#.into()).await;
    let unknown = sam.recv().await;
    sam.send_text(format!(r#"{{"id":2,"request":{{"type":"subscribe","pad":"{}"}}}}"#, "x".repeat(20_000))).await;
    let oversized = sam.recv().await;
    let (still_works, _) = sam.request(Request::Subscribe).await;

    assert!(matches!(malformed, ServerMsg::Error { error } if error.code == ErrorCode::MalformedRequest));
    assert!(matches!(unknown, ServerMsg::Error { error } if error.code == ErrorCode::MalformedRequest));
    assert!(matches!(oversized, ServerMsg::Error { error } if error.code == ErrorCode::MessageTooLarge));
    assert_eq!(still_works, Outcome::Ok);
}

#[tokio::test]
async fn an_agent_asks_for_help_every_dashboard_sees_it_and_a_coach_joining_answers_it() {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let mut alex = app.live_client(ALEX).await;
    let mut omar = app.live_client(OMAR).await;
    omar.request(Request::Subscribe).await;
    let hand_on_omars_dashboard = |msg: &ServerMsg| match msg {
        ServerMsg::Delta { change: Change::CallUpdated { call: c }, .. } if c.id == call => Some(c.hand.clone()),
        _ => None,
    };

    let long = "x".repeat(RaisedHand::MAX_REASON + 1);
    let (too_long, _) = alex.request(Request::RaiseHand { reason: long }).await;
    assert_eq!(refusal(too_long).0, ErrorCode::MalformedRequest);
    let (raised, _) = alex.request(Request::RaiseHand { reason: "  refund over my limit ".into() }).await;
    assert_eq!(raised, Outcome::Ok);
    let hand = loop {
        if let Some(Some(hand)) = hand_on_omars_dashboard(&omar.recv().await) {
            break hand;
        }
    };
    assert_eq!(hand.reason, "refund over my limit");

    let (supervisor_raises, _) = omar.request(Request::RaiseHand { reason: String::new() }).await;
    assert_eq!(refusal(supervisor_raises).0, ErrorCode::NoCall, "only agents ask for help");

    let mut sam = app.live_client(SAM).await;
    let (joined, _) = sam.request(Request::StartCoaching { call, notify_agent: true, offer: None }).await;
    assert_eq!(joined, Outcome::Ok);
    while hand_on_omars_dashboard(&omar.recv().await) != Some(None) {}

    let (lowered, _) = alex.request(Request::LowerHand).await;
    assert_eq!(lowered, Outcome::Ok, "nothing to lower is no error");
}

#[tokio::test]
async fn a_hold_that_lasts_reaches_every_dashboard_as_a_signal() {
    let app = spawn_app_with(|config| config.attention.long_hold_ms = 300).await;
    let call = app.answered_call(SALES).await;
    let mut omar = app.live_client(OMAR).await;
    omar.request(Request::Subscribe).await;

    app.live.call_event(CallEvent::Hold { call, on: true }).await.unwrap().unwrap();
    let signal = loop {
        if let ServerMsg::Delta { change: Change::CallUpdated { call: c }, .. } = omar.recv().await {
            if let Some(signal) = c.signals.first() {
                break *signal;
            }
        }
    };
    assert_eq!(signal.kind, earshot_protocol::SignalKind::LongHold);
}
