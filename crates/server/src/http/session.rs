//! `/api/session`: sign in, who am I, sign out; and the extractor that
//! turns the session cookie into the signed-in user.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use earshot_domain::Command;
use earshot_protocol::{Access, ChangePassword, ErrorCode, Me, SignIn, SESSION_COOKIE};

use super::client::ClientAddr;
use super::{AppError, AppState};
use crate::auth::{hash_password, weak_password, Token};
use crate::live::Actor;
use crate::now;
use crate::password_checks::Busy;
use crate::throttle::{locked, try_again, whole_seconds};

/// Admins only (as the protocol's `ENDPOINTS` say); else 403 with `refusal`.
pub fn admins_only(me: &Me, refusal: &str) -> Result<(), AppError> {
    if Access::Admins.admits(Some((me.role, me.access))) {
        Ok(())
    } else {
        Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::NoMonitoringAccess, refusal))
    }
}

/// The signed-in user of a request; refuses with 401 when there is none.
pub struct CurrentUser(pub Me);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let signed_out = || AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::NotSignedIn, "sign in first");
        let token = session_token(&parts.headers).ok_or_else(signed_out)?;
        let (me, _) = state.auth.session(&token, now()).await.map_err(unavailable)?.ok_or_else(signed_out)?;
        Ok(CurrentUser(me))
    }
}

/// The store failed: nothing was decided, so the client may try again.
pub fn unavailable(e: earshot_store::Error) -> AppError {
    tracing::error!("the store failed: {e}");
    AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Internal, "the database is unavailable: try again shortly")
}

pub async fn sign_in(
    State(state): State<AppState>,
    Extension(ClientAddr(address)): Extension<ClientAddr>,
    headers: HeaderMap,
    body: Result<Json<SignIn>, JsonRejection>,
) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let Json(SignIn { email, password }) = body.map_err(|e| {
        AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, format!("bad sign-in request: {}", e.body_text()))
    })?;
    let me = match throttled_check(&state, address, &email, password, ("too many failed sign-ins", "too many sign-ins at once")).await {
        Ok(Some(me)) => me,
        Ok(None) => return Err(AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "wrong email or password")),
        Err(refused) => return Ok(refused),
    };
    signed_in(&state, &headers, me).await
}

/// `me` in a new session: answered with who they are and its cookie.
pub(super) async fn signed_in(state: &AppState, headers: &HeaderMap, me: Me) -> Result<Response, AppError> {
    let token = state.auth.open_session(me.id, now()).await.map_err(unavailable)?;
    let cookie = format!(
        "{SESSION_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        token.as_str(),
        state.auth.ttl().as_secs(),
        secure(headers)
    );
    Ok(with_cookie(Json(me).into_response(), &cookie))
}

/// `password` checked for `email`: whose it is, `None` when wrong, or the
/// refusal to answer with — a wait, or too many checks at once, said with
/// `why` (too many failures, too many at once). Counted by the sign-in
/// throttle before the check, so guesses sent together cannot all slip
/// through one backoff window while the first ones are being hashed;
/// forgotten on success.
async fn throttled_check(state: &AppState, address: IpAddr, email: &str, password: String, why: (&str, &str)) -> Result<Option<Me>, Response> {
    if let Err(wait) = locked(&state.sign_in_throttle).attempt(address, email, Instant::now()) {
        return Err(try_later(StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited, why.0, wait));
    }
    match state.passwords.check(email.to_owned(), password).await {
        Ok(Some(me)) => {
            locked(&state.sign_in_throttle).succeeded(address, email);
            Ok(Some(me))
        }
        Ok(None) => Ok(None),
        Err(Busy) => Err(try_later(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Busy, why.1, Duration::from_secs(1))),
    }
}

/// The signed-in user's own password, changed: the current one checked (and
/// throttled as a sign-in is, so a left-open session cannot be used to
/// guess it), the new one strong enough. Their other sessions end: a
/// password changed because it leaked shuts out whoever used it.
pub async fn change_password(
    State(state): State<AppState>,
    Extension(ClientAddr(address)): Extension<ClientAddr>,
    headers: HeaderMap,
    CurrentUser(me): CurrentUser,
    body: Result<Json<ChangePassword>, JsonRejection>,
) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let Json(ChangePassword { current, new }) = body.map_err(|e| {
        AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, format!("bad password change: {}", e.body_text()))
    })?;
    let email = state.auth.email_of(me.id).ok_or_else(|| AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "this account has no password to change"))?;
    match throttled_check(&state, address, &email, current.clone(), ("too many wrong passwords", "too many password checks at once")).await {
        Ok(Some(checked)) if checked.id == me.id => {}
        Ok(_) => return Err(AppError::new(StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials, "your current password is not that")),
        Err(refused) => return Ok(refused),
    }
    let why = if new == current { Some("that is the password you have".to_owned()) } else { weak_password(&new) };
    if let Some(why) = why {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::WeakPassword, format!("{why}: your password is unchanged")));
    }
    let hash = hashed(new).await?;
    state.auth.set_password(me.id, hash).await.map_err(unavailable)?;
    state.auth.end_sessions(me.id, session_token(&headers).as_ref()).await.map_err(unavailable)?;
    tracing::info!(user = me.id.0, "changed their password");
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `password`'s hash, made off the request threads (slow by design).
pub(super) async fn hashed(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| AppError::new(StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal, "the password could not be hashed"))
}

/// Refused for now: `status`, why, and when to try again (whole seconds,
/// rounded up, in the message and in `Retry-After`).
fn try_later(status: StatusCode, code: ErrorCode, why: &str, wait: Duration) -> Response {
    let mut response = AppError::new(status, code, try_again(why, wait)).into_response();
    response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(whole_seconds(wait)));
    response
}

/// `null` when not signed in: asking is not an error (and must not log one
/// in the browser's console on every visit to the sign-in page).
pub async fn who_am_i(user: Result<CurrentUser, AppError>) -> Json<Option<Me>> {
    Json(user.ok().map(|CurrentUser(me)| me))
}

/// Ends the session: its sockets close, and with the user's last session
/// their coaching seat ends at once (no grace: they left on purpose).
pub async fn sign_out(State(state): State<AppState>, ClientAddr(from): ClientAddr, headers: HeaderMap) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let Some(token) = session_token(&headers) else { return Ok(signed_out(&headers)) };
    if let Some(user) = state.auth.close_session(&token).await.map_err(unavailable)? {
        if !state.auth.has_session(user, now()).await.map_err(unavailable)? {
            // Refused when not coaching, which is fine; a stopped core too.
            let _ = state.live.command(Actor { user, from }, Command::LeaveCoaching).await;
        }
    }
    Ok(signed_out(&headers))
}

/// 204, and the cookie cleared.
fn signed_out(headers: &HeaderMap) -> Response {
    let cookie = format!("{SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}", secure(headers));
    with_cookie(StatusCode::NO_CONTENT.into_response(), &cookie)
}

/// `; Secure` when the page is served over TLS (its origin is https, as
/// behind a TLS-terminating proxy): the cookie then never travels in clear.
fn secure(headers: &HeaderMap) -> &'static str {
    let https = headers.get(header::ORIGIN).is_some_and(|origin| origin.as_bytes().starts_with(b"https://"));
    if https {
        "; Secure"
    } else {
        ""
    }
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    // Built from a hex token and ASCII literals.
    response.headers_mut().insert(header::SET_COOKIE, HeaderValue::from_str(cookie).expect("ASCII cookie"));
    response
}

pub(super) fn session_token(headers: &HeaderMap) -> Option<Token> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .and_then(|(_, value)| Token::parse(value))
}
