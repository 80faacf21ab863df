//! A socket never waits without a bound: a peer that stops reading, or a
//! database that stops answering, does not keep a socket open past the
//! heartbeat, the session's expiry or sign-out.

use std::time::{Duration, Instant};

use earshot_domain::seed::SALES;
use earshot_domain::{CallEvent, NewCall, Origin};
use earshot_protocol::{CallKind, Direction, Outcome, Request};
use sqlx::Connection;

use crate::helpers::{spawn_app_with, SAM};

#[tokio::test]
async fn a_coach_who_stops_reading_is_dropped_and_leaves_after_the_grace() {
    let app = spawn_app_with(|config| {
        config.heartbeat = Duration::from_millis(100);
        config.grace = Duration::from_millis(200);
    })
    .await;
    let call = app.answered_call(SALES).await;
    // A busy centre: every snapshot is large.
    for _ in 0..3000 {
        let new = NewCall { origin: Origin::Caller, number: SALES, customer_phone: "+447700900100".into(), direction: Direction::Inbound, kind: CallKind::Regular };
        app.live.start_call(new).await.unwrap();
    }
    let cookie = app.session_cookie(SAM).await;
    let mut sam = app.live_client_small_buffer(&cookie).await;
    sam.request(Request::Subscribe).await;
    let (started, _) = sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;
    assert_eq!(started, Outcome::Ok);
    // Sam stops reading; the server has ever more to send (snapshots, and
    // the deltas of a call put on hold and off again).
    for _ in 0..20 {
        sam.send(Request::Subscribe).await;
    }
    let flood = {
        let live = app.live.clone();
        tokio::spawn(async move {
            for on in (0..400).map(|n| n % 2 == 0) {
                let _ = live.call_event(CallEvent::Hold { call, on }).await;
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let snapshot = app.snapshot().await;
        if snapshot.calls.iter().find(|c| c.id == call).is_some_and(|c| c.coaching.is_none()) {
            break;
        }
        assert!(Instant::now() < deadline, "a coach who takes nothing the server sends is dropped, and leaves after the grace");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    flood.abort();
}

#[tokio::test]
async fn a_session_expires_on_time_while_its_request_waits_on_a_stalled_database() {
    let dir = std::env::temp_dir().join(format!("earshot-stalled-{}", std::process::id()));
    let app = spawn_app_with(|config| {
        config.database = earshot_server::Database::Dir(dir.clone());
        config.session_ttl = Duration::from_secs(2);
    })
    .await;
    let mut sam = app.live_client(SAM).await;
    let opened = Instant::now();
    let file = dir.join(earshot_store::SQLITE_FILE);
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display())).await.unwrap();
    sqlx::query("BEGIN EXCLUSIVE").execute(&mut holder).await.unwrap();
    // A refused attempt is audited, so answered once kept: not while the
    // database is held.
    sam.send(Request::StartCoaching { call: earshot_protocol::CallId(999), notify_agent: false, offer: None }).await;
    let (code, reason) = sam.closed().await;
    assert_eq!((code, reason.as_str()), (1008, "your session has expired: sign in again"));
    assert!(opened.elapsed() < Duration::from_secs(4), "closed at its expiry, not when the database came back: {:?}", opened.elapsed());
    sqlx::query("ROLLBACK").execute(&mut holder).await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
