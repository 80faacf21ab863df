use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Error;

use crate::helpers::{spawn_app, TestApp, SAM};

async fn upgrade_status(app: &TestApp, origin: Option<&str>, cookie: Option<&str>) -> u16 {
    let mut request = format!("ws://{}/api/live", app.addr).into_client_request().unwrap();
    if let Some(origin) = origin {
        request.headers_mut().insert("origin", origin.parse().unwrap());
    }
    if let Some(cookie) = cookie {
        request.headers_mut().insert("cookie", cookie.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok((_, response)) => response.status().as_u16(),
        Err(Error::Http(response)) => response.status().as_u16(),
        Err(e) => panic!("unexpected WebSocket failure: {e}"),
    }
}

#[tokio::test]
async fn websocket_from_a_foreign_origin_is_refused_even_when_signed_in() {
    let app = spawn_app().await;
    let cookie = app.session_cookie(SAM).await;

    assert_eq!(upgrade_status(&app, Some("http://evil.example"), Some(&cookie)).await, 403);
    assert_eq!(upgrade_status(&app, None, Some(&cookie)).await, 403);
}

#[tokio::test]
async fn websocket_without_a_session_is_refused() {
    let app = spawn_app().await;

    assert_eq!(upgrade_status(&app, Some(&app.origin()), None).await, 401);
}

#[tokio::test]
async fn websocket_from_the_app_origin_with_a_session_upgrades() {
    let app = spawn_app().await;
    let cookie = app.session_cookie(SAM).await;

    assert_eq!(upgrade_status(&app, Some(&app.origin()), Some(&cookie)).await, 101);
}

#[tokio::test]
async fn a_frozen_coach_is_noticed_and_their_seat_freed_after_the_grace() {
    use std::time::{Duration, Instant};

    use earshot_domain::seed::SALES;
    use earshot_protocol::{ErrorCode, Outcome, Request};

    use crate::helpers::{spawn_app_with, OMAR};

    let app = spawn_app_with(|config| {
        config.heartbeat = Duration::from_millis(100);
        config.grace = Duration::from_millis(200);
        // Omar asks again and again while he waits: refusals he may make.
        config.insider_rate.burst = 1_000;
    })
    .await;
    let call = app.answered_call(SALES).await;
    let mut sam = app.live_client(SAM).await;
    assert_eq!(sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await.0, Outcome::Ok);
    let frozen = Instant::now();
    // Sam's browser freezes: the socket stays open, nothing is read or answered.

    let mut omar = app.live_client(OMAR).await;
    let freed = loop {
        match omar.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await.0 {
            Outcome::Ok => break frozen.elapsed(),
            Outcome::Refused { error } if error.code == ErrorCode::AlreadyCoached => {}
            other => panic!("{other:?}"),
        }
        assert!(frozen.elapsed() < Duration::from_secs(5), "a frozen coach held the call for 5 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Three silent pings (300 ms), then the grace (200 ms).
    assert!(freed >= Duration::from_millis(400), "freed only after silence and grace: {freed:?}");
    drop(sam);
}

#[tokio::test]
async fn signing_out_closes_the_sessions_sockets_and_ends_its_coaching_seat_at_once() {
    use earshot_domain::seed::SALES;
    use earshot_protocol::{Outcome, Request};

    use crate::helpers::OMAR;

    let app = spawn_app().await;
    let call = app.answered_call(SALES).await;
    let cookie = app.session_cookie(SAM).await;
    let mut sam = app.live_client_with(&cookie).await;
    sam.request(Request::Subscribe).await;
    assert_eq!(sam.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await.0, Outcome::Ok);

    let signed_out = app.client.delete(app.url("/api/session")).header("origin", app.origin()).header("cookie", &cookie).send().await.unwrap();

    assert_eq!(signed_out.status(), 204);
    assert_eq!(sam.closed().await, (1008, "you signed out".to_owned()));
    let mut omar = app.live_client(OMAR).await;
    let (taken, _) = omar.request(Request::StartCoaching { call, notify_agent: false, offer: None }).await;
    assert_eq!(taken, Outcome::Ok, "the seat ended with the session, no grace");
    assert_eq!(upgrade_status(&app, Some(&app.origin()), Some(&cookie)).await, 401, "the old cookie opens nothing");
}

#[tokio::test]
async fn an_expired_session_closes_its_socket() {
    let app = crate::helpers::spawn_app_with(|config| config.session_ttl = std::time::Duration::from_millis(300)).await;
    let mut sam = app.live_client(SAM).await;

    assert_eq!(sam.closed().await, (1008, "your session has expired: sign in again".to_owned()));
}

#[tokio::test]
async fn frames_the_socket_cannot_take_end_with_the_close_code_that_says_why() {
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    use tokio_tungstenite::tungstenite::protocol::frame::Frame;
    use tokio_tungstenite::tungstenite::Message;

    let app = spawn_app().await;
    let mut too_big = app.live_client(SAM).await;
    let mut not_utf8 = app.live_client(SAM).await;

    too_big.send_message(Message::text("x".repeat(1536 * 1024))).await;
    not_utf8.send_message(Message::Frame(Frame::message(vec![0xC3, 0x28], OpCode::Data(Data::Text), true))).await;

    assert_eq!(too_big.closed().await.0, 1009, "message too big");
    assert_eq!(not_utf8.closed().await.0, 1007, "invalid frame payload");
}

#[tokio::test]
async fn a_stopping_server_says_goodbye_to_every_socket_with_1001() {
    let (app, stop) = crate::helpers::spawn_app_stoppable().await;
    let mut dashboard = app.live_client(SAM).await;
    let mut phone = app.caller_client().await;

    stop.send(()).unwrap();

    assert_eq!(dashboard.closed().await, (1001, "the server is restarting: reconnecting".to_owned()));
    assert_eq!(phone.closed().await.0, 1001);
}
