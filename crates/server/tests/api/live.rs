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
