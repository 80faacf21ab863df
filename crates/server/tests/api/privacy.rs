//! What an agent may never learn: that a coach who chose not to tell them
//! is listening — not from the feed, the call's record, its timeline, or
//! the timing of messages.

use earshot_domain::seed::SALES;
use earshot_protocol::{CallDetail, CallId, CallState, Outcome, Request, ServerMsg};

use crate::helpers::{spawn_app, LiveClient, TestApp, ALEX, SAM};

async fn record(app: &TestApp, cookie: &str, call: CallId) -> CallDetail {
    let response = app.client.get(app.url(&format!("/api/calls/{}", call.0))).header("cookie", cookie).send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn tells_of_coaching(detail: &CallDetail) -> bool {
    detail.call.coaching.is_some() || detail.timeline.iter().any(|e| e.what.to_lowercase().contains("coach"))
}

/// Every message up to and including the `MyCall` that shows the call on
/// hold: a change the agent made themselves, after everything else.
async fn messages_until_on_hold(alex: &mut LiveClient) -> Vec<ServerMsg> {
    let (outcome, mut seen) = alex.request(Request::Hold { on: true }).await;
    assert_eq!(outcome, Outcome::Ok);
    loop {
        let message = alex.recv().await;
        let on_hold = matches!(&message, ServerMsg::MyCall(mine) if mine.call.as_ref().is_some_and(|c| c.state == CallState::OnHold));
        seen.push(message);
        if on_hold {
            return seen;
        }
    }
}

/// Alex on a Sales call, watching it; Sam on the dashboard socket.
async fn a_watched_call() -> (TestApp, CallId, LiveClient, LiveClient) {
    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let mut alex = app.live_client(ALEX).await;
    alex.request(Request::WatchMyCall).await;
    let sam = app.live_client(SAM).await;
    (app, call, alex, sam)
}

#[tokio::test]
async fn silent_coaching_invisible_to_agent() {
    let (app, call, mut alex, mut sam) = a_watched_call().await;
    let alex_cookie = app.session_cookie(ALEX).await;

    // A silent coach joins, whispers, stops.
    for request in [Request::StartCoaching { call, notify_agent: false, offer: None }, Request::SetWhisper { on: true }, Request::SetWhisper { on: false }] {
        assert_eq!(sam.request(request).await.0, Outcome::Ok);
    }

    // The feed: the next thing Alex hears of is his own hold, and only that.
    let seen = messages_until_on_hold(&mut alex).await;
    assert_eq!(seen.len(), 1, "nothing but the hold reached the agent: {seen:?}");
    let ServerMsg::MyCall(mine) = &seen[0] else { unreachable!("checked above") };
    assert!(mine.coached_by.is_none() && mine.call.as_ref().is_some_and(|c| c.coaching.is_none()), "{mine:?}");

    // The record, live and after the call: no coach, no word of coaching.
    assert!(!tells_of_coaching(&record(&app, &alex_cookie, call).await));
    assert_eq!(sam.request(Request::LeaveCoaching).await.0, Outcome::Ok);
    assert_eq!(alex.request(Request::HangUp).await.0, Outcome::Ok);
    let after = record(&app, &alex_cookie, call).await;
    assert!(!after.live && !tells_of_coaching(&after), "{after:?}");

    // Those who may see coaching still do.
    let sam_cookie = app.session_cookie(SAM).await;
    let theirs = record(&app, &sam_cookie, call).await;
    assert!(theirs.timeline.iter().any(|e| e.what == "Sam Rivera started coaching"), "{theirs:?}");
}

#[tokio::test]
async fn a_notified_agent_is_told_who_coaches_them_and_sees_no_timeline_of_it() {
    let (app, call, mut alex, mut sam) = a_watched_call().await;

    sam.request(Request::StartCoaching { call, notify_agent: true, offer: None }).await;

    let told = loop {
        if let ServerMsg::MyCall(mine) = alex.recv().await {
            break mine;
        }
    };
    assert_eq!(told.coached_by.as_deref(), Some("Sam Rivera"));
    let detail = record(&app, &app.session_cookie(ALEX).await, call).await;
    assert!(detail.call.coaching.is_some(), "the agent knows: the record may say so");
    assert!(detail.timeline.iter().all(|e| !e.what.contains("coaching")), "the timeline of coaching is for those who may see coaching");
}

/// What happens on a caller's call while they listen: every step but the
/// customer's own runs only when `watched` (a coach, a hand, a phrase, a
/// signal).
async fn frames_a_caller_receives(watched: bool) -> Vec<serde_json::Value> {
    use earshot_domain::CallEvent;
    use earshot_protocol::{Millis, SignalKind};

    let app = spawn_app().await;
    let mut alex = app.live_client(ALEX).await; // online and available: the call comes to him
    alex.request(Request::WatchMyCall).await;
    alex.go_available().await;
    let mut sam = app.live_client(SAM).await;
    let mut phone = app.caller_client().await;
    // Maria Garcia's number: the company has a contact for it.
    let dial = Request::Dial { number: SALES, phone: "+447700900100".into(), offer: crate::media::coach_offer() };
    let (dialled, mut seen) = phone.request(dial).await;
    let Outcome::Answer { call, .. } = dialled else { panic!("the call is put through: {dialled:?}") };
    let now = || Millis(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64);

    if watched {
        assert_eq!(alex.request(Request::RaiseHand { reason: "Refund over my limit".into() }).await.0, Outcome::Ok);
        app.live.call_event(CallEvent::Phrase { call, phrase: "cancel my account".into(), at: now() }).await.unwrap().unwrap();
        app.live.call_event(CallEvent::Signal { call, kind: SignalKind::RaisedVoice, since: Some(now()) }).await.unwrap().unwrap();
        for request in [Request::StartCoaching { call, notify_agent: false, offer: None }, Request::SetWhisper { on: true }] {
            assert_eq!(sam.request(request).await.0, Outcome::Ok);
        }
    }
    assert_eq!(alex.request(Request::Hold { on: true }).await.0, Outcome::Ok);
    if watched {
        app.live.call_event(CallEvent::Signal { call, kind: SignalKind::RaisedVoice, since: None }).await.unwrap().unwrap();
        for request in [Request::SetWhisper { on: false }, Request::LeaveCoaching, Request::StartCoaching { call, notify_agent: true, offer: None }] {
            assert_eq!(sam.request(request).await.0, Outcome::Ok);
        }
        assert_eq!(alex.request(Request::LowerHand).await.0, Outcome::Ok);
    }
    assert_eq!(alex.request(Request::Hold { on: false }).await.0, Outcome::Ok);
    assert_eq!(alex.request(Request::HangUp).await.0, Outcome::Ok);

    while let Some(message) = phone.recv_within(std::time::Duration::from_millis(300)).await {
        seen.push(message);
    }
    // The one thing two calls differ in: when each began.
    seen.iter()
        .map(|message| {
            let mut frame = serde_json::to_value(message).unwrap();
            if let Some(started) = frame.pointer_mut("/call/started_at") {
                *started = 0.into();
            }
            frame
        })
        .collect()
}

#[tokio::test]
async fn a_caller_learns_nothing_of_coaching_help_phrases_signals_or_contacts() {
    let watched = frames_a_caller_receives(true).await;
    let plain = frames_a_caller_receives(false).await;

    assert_eq!(watched, plain, "every frame the caller received is one they would have had with nobody watching");
    let text = serde_json::to_string(&watched).unwrap();
    assert!(!text.contains("Maria") && !text.contains("contact"), "the contact's name never reaches the caller: {text}");
    let states: Vec<_> = watched.iter().map(|f| f.pointer("/call/state").and_then(|s| s.as_str()).unwrap_or("over")).collect();
    assert_eq!(states, ["waiting", "ongoing", "on_hold", "ongoing", "over"], "the caller hears of their own call's state: {watched:?}");
}
