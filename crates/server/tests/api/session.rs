use earshot_protocol::{ApiError, ErrorCode, Me};

use earshot_domain::seed::DEMO_PASSWORD as PASSWORD;

use std::time::Duration;

use earshot_server::throttle::Backoff;

use crate::helpers::{spawn_app, spawn_app_with, SAM as EMAIL};

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
    assert_eq!(app.sign_in(" Sam@Earshot.DEMO", PASSWORD).await.status(), 200, "an email in any case, spaces around");
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

/// This process's resident memory, in MiB (Linux).
fn resident_mib() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).expect("statm's second field");
    pages * 4096 / (1024 * 1024)
}

#[tokio::test]
async fn signin_memory_bounded() {
    let app = spawn_app_with(|config| config.sign_in_backoff = Backoff { free: 1_000, ..Backoff::default() }).await;
    let before = resident_mib();

    // 200 wrong passwords at once: each check would take ~19 MiB.
    let attempts = (0..200).map(|i| {
        let app = &app;
        async move { app.sign_in(if i % 2 == 0 { EMAIL } else { "nobody@earshot.demo" }, "wrong").await }
    });
    let responses = futures_util::future::join_all(attempts).await;

    let grew = resident_mib().saturating_sub(before);
    eprintln!("200 concurrent sign-ins: the server grew by {grew} MiB");
    assert!(grew < 150, "a flood of sign-ins grew the server by {grew} MiB");
    let mut busy = 0;
    for response in responses {
        match response.status().as_u16() {
            401 => {}
            503 => {
                assert_eq!(response.headers()["retry-after"], "1");
                busy += 1;
            }
            other => panic!("a sign-in answered {other}"),
        }
    }
    assert!(busy > 0, "beyond the queue, the server says it is busy");
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 200, "and signs in once the flood is over");
}

#[tokio::test]
async fn an_unknown_email_is_refused_as_slowly_as_a_wrong_password() {
    let app = spawn_app_with(|config| config.sign_in_backoff = Backoff { free: 1_000, ..Backoff::default() }).await;
    let time = |email: &'static str| {
        let app = &app;
        async move {
            let started = std::time::Instant::now();
            assert_eq!(app.sign_in(email, "wrong").await.status(), 401);
            started.elapsed()
        }
    };
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..7 {
        known.push(time(EMAIL).await);
        unknown.push(time("nobody@earshot.demo").await);
    }
    known.sort();
    unknown.sort();
    eprintln!("refusal medians: unknown email {:?}, wrong password {:?}", unknown[3], known[3]);
    // Without the dummy hash an unknown email answered ~17x faster.
    assert!(unknown[3] * 2 > known[3], "unknown {:?} against known {:?} (medians)", unknown[3], known[3]);
}

#[tokio::test]
async fn guessing_backs_off_with_a_clear_error_and_no_lock_lasts() {
    let backoff = Backoff { free: 2, first: Duration::from_millis(300), cap: Duration::from_secs(1) };
    let app = spawn_app_with(|config| config.sign_in_backoff = backoff).await;

    let statuses: Vec<u16> = {
        let mut statuses = Vec::new();
        for _ in 0..4 {
            statuses.push(app.sign_in(EMAIL, "guess").await.status().as_u16());
        }
        statuses
    };
    let throttled = app.sign_in(EMAIL, PASSWORD).await;

    assert_eq!(statuses, [401, 401, 429, 429], "two free failures, then a wait (a refused try is not counted)");
    assert_eq!(throttled.status(), 429, "while it waits, even the right password waits");
    assert_eq!(throttled.headers()["retry-after"], "1");
    let error: ApiError = throttled.json().await.unwrap();
    assert_eq!((error.code, error.message.as_str()), (ErrorCode::RateLimited, "too many failed sign-ins: try again in 1 s"));
    tokio::time::sleep(Duration::from_millis(350)).await; // the wait runs out
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 200, "no lock is permanent");
}

#[tokio::test]
async fn the_cookie_is_secure_whenever_the_page_comes_over_tls() {
    let app = spawn_app_with(|config| config.extra_origins.push("https://earshot.example.com".into())).await;
    let sign_in = |origin: String| {
        let app = &app;
        async move {
            let response = app
                .client
                .post(app.url("/api/session"))
                .header("origin", origin)
                .json(&serde_json::json!({ "email": EMAIL, "password": PASSWORD }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.headers()["set-cookie"].to_str().unwrap().to_owned()
        }
    };

    let over_tls = sign_in("https://earshot.example.com".into()).await;
    let in_clear = sign_in(app.origin()).await;

    assert!(over_tls.ends_with("; Secure"), "{over_tls}");
    assert!(!in_clear.contains("Secure"), "plain http on this machine cannot use a Secure cookie: {in_clear}");
}

#[tokio::test]
async fn guesses_sent_at_once_each_take_a_place_before_their_password_is_checked() {
    let backoff = Backoff { free: 3, first: Duration::from_secs(30), cap: Duration::from_secs(30) };
    let app = spawn_app_with(|config| config.sign_in_backoff = backoff).await;

    // Forty guesses at once: the password checks are slow, so all of them
    // ask before the first is answered.
    let guesses = (0..40).map(|i| app.sign_in(EMAIL, if i % 2 == 0 { "guess" } else { "another guess" }));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses).await.iter().map(|r| r.status().as_u16()).collect();

    let checked = statuses.iter().filter(|&&s| s == 401).count();
    assert_eq!(checked, 3, "only the free attempts reach the password check: {statuses:?}");
    assert!(statuses.iter().all(|&s| s == 401 || s == 429 || s == 503), "{statuses:?}");
}

/// A sign-in through a proxy that says it forwards for `client`; its status.
async fn sign_in_from(site: &crate::helpers::Site, client: &str, email: &str, password: &str) -> u16 {
    let request = site.client.post(site.url("/api/session")).header("origin", site.origin()).header("x-forwarded-for", client);
    request.json(&serde_json::json!({ "email": email, "password": password })).send().await.unwrap().status().as_u16()
}

/// Five wrong guesses from `client`, each at another account: only the
/// address backs off (after twice the free attempts of an account).
async fn guesses_from(site: &crate::helpers::Site, client: &str) -> Vec<u16> {
    let mut statuses = Vec::new();
    for i in 0..5 {
        statuses.push(sign_in_from(site, client, &format!("nobody{i}@example.com"), "guess").await);
    }
    statuses
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_backs_off_alone_and_nobody_else_names_a_client() {
    let backoff = Backoff { free: 2, first: Duration::from_secs(30), cap: Duration::from_secs(30) };

    // Nobody trusted: the header names nobody, every guess is 127.0.0.1's.
    let direct = spawn_app_with(|config| config.sign_in_backoff = backoff).await;
    assert_eq!(guesses_from(&direct, "203.0.113.5").await, [401, 401, 401, 401, 429]);
    assert_eq!(sign_in_from(&direct, "203.0.113.6", EMAIL, PASSWORD).await, 429, "a header cannot make another client");

    // Behind a trusted proxy on 127.0.0.1: each forwarded client backs off alone.
    let proxied = spawn_app_with(|config| {
        config.sign_in_backoff = backoff;
        config.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    assert_eq!(guesses_from(&proxied, "203.0.113.5").await, [401, 401, 401, 401, 429]);
    assert_eq!(sign_in_from(&proxied, "203.0.113.6", EMAIL, PASSWORD).await, 200, "another client is not locked out");
    assert_eq!(sign_in_from(&proxied, "198.51.100.1, 203.0.113.5", EMAIL, PASSWORD).await, 429, "the address the proxy heard, not the one the client claimed");
}

#[tokio::test]
async fn everyone_changes_their_own_password_knowing_the_current_one_and_never_to_a_weak_one() {
    let app = spawn_app().await;
    let cookie = app.session_cookie(EMAIL).await;
    let new = "ledger-violet-harbour-9";
    let change = |current: &str, new: &str| app.put_json("/api/session/password", &cookie, serde_json::json!({ "current": current, "new": new }));
    let refused = |(status, body): (u16, serde_json::Value)| (status, body["code"].as_str().unwrap_or_default().to_owned(), body["message"].as_str().unwrap_or_default().to_owned());

    assert_eq!(refused(change("not it", new).await), (401, "invalid_credentials".into(), "your current password is not that".into()));
    assert_eq!(refused(change(PASSWORD, "short").await), (422, "weak_password".into(), "a password needs at least 12 characters: your password is unchanged".into()));
    assert_eq!(refused(change(PASSWORD, "password1234").await).0, 422, "a common one");
    assert_eq!(refused(change(PASSWORD, PASSWORD).await).2, "that is the password you have: your password is unchanged");
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 200, "unchanged so far");

    assert_eq!(change(PASSWORD, new).await.0, 204);
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 401, "the old one no longer signs in");
    assert_eq!(app.sign_in(EMAIL, new).await.status(), 200, "the new one does");

    let body = serde_json::json!({ "current": new, "new": "another-long-phrase-42" });
    let signed_out = app.client.put(app.url("/api/session/password")).header("origin", app.origin()).json(&body).send().await.unwrap();
    assert_eq!(signed_out.status(), 401);
    let foreign = app.client.put(app.url("/api/session/password")).header("origin", "https://elsewhere.example").header("cookie", &cookie).json(&body).send().await.unwrap();
    assert_eq!(foreign.status(), 403, "never from another site's page");
}
