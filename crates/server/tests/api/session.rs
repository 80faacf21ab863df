use earshot_protocol::{ApiError, ErrorCode, Me};

use earshot_domain::seed::DEMO_PASSWORD as PASSWORD;

use crate::helpers::{spawn_app, SAM as EMAIL};

#[tokio::test]
async fn signing_in_sets_a_strict_http_only_cookie_and_answers_who_you_are() {
    let app = spawn_app().await;

    let response = app.sign_in(EMAIL, PASSWORD).await;

    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("earshot_session="));
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age="));
    let me: Me = response.json().await.unwrap();
    assert_eq!(me.name, "Sam Rivera");
}

#[tokio::test]
async fn the_session_cookie_identifies_the_user_until_sign_out() {
    let app = spawn_app().await;
    let cookie = app.session_cookie(EMAIL).await;

    let me = app.client.get(app.url("/api/session")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(me.status(), 200);
    let out = app
        .client
        .delete(app.url("/api/session"))
        .header("cookie", &cookie)
        .header("origin", app.origin())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 204);
    let after = app.client.get(app.url("/api/session")).header("cookie", &cookie).send().await.unwrap();

    assert_eq!(after.status(), 200);
    assert_eq!(after.json::<Option<Me>>().await.unwrap(), None);
    let records = app.client.get(app.url("/api/contacts/1")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(records.status(), 401);
    assert_eq!(records.json::<ApiError>().await.unwrap().code, ErrorCode::NotSignedIn);
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_a_typed_error() {
    let app = spawn_app().await;

    let response = app.sign_in(EMAIL, "wrong").await;

    assert_eq!(response.status(), 401);
    assert_eq!(response.json::<ApiError>().await.unwrap().code, ErrorCode::InvalidCredentials);
}

#[tokio::test]
async fn a_malformed_sign_in_is_refused_with_a_clear_error() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/session"))
        .header("origin", app.origin())
        .header("content-type", "application/json")
        .body("{\"email\": 3")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<ApiError>().await.unwrap().code, ErrorCode::MalformedRequest);
}

#[tokio::test]
async fn sign_in_from_a_foreign_page_is_refused() {
    let app = spawn_app().await;

    let response = app
        .client
        .post(app.url("/api/session"))
        .header("origin", "http://evil.example")
        .json(&serde_json::json!({ "email": EMAIL, "password": PASSWORD }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    assert_eq!(response.json::<ApiError>().await.unwrap().code, ErrorCode::ForeignOrigin);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;

    let response = app.client.get(app.url("/api/session")).send().await.unwrap();

    let headers = response.headers();
    assert_eq!(headers["permissions-policy"], "microphone=(self), camera=(), geolocation=()");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let csp = headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("'unsafe-eval'"));
}
