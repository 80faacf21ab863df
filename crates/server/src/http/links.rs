//! `/api/links/…`: one-time links, opened by people who cannot sign in
//! yet — the setup link that creates a company's first admin, and each
//! person's link to set their password. Used, a link signs them in.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use earshot_protocol::{AdminAction, ErrorCode, LinkInfo, LinkToken, MonitoringAccess, PersonForm, RedeemLink, Role};

use super::admin::{admin_refusal, malformed};
use super::client::ClientAddr;
use super::records::stopped;
use super::session::{hashed, signed_in, unavailable};
use super::{AppError, AppState};
use crate::auth::{weak_password, Token};
use crate::live::{Actor, AdminChange};
use crate::now;

pub async fn check(State(state): State<AppState>, headers: HeaderMap, body: Result<Json<LinkToken>, JsonRejection>) -> Result<Json<LinkInfo>, AppError> {
    state.origins.check(&headers)?;
    let Json(LinkToken { token }) = body.map_err(malformed)?;
    let token = Token::parse(&token).ok_or_else(expired)?;
    match state.auth.link(&token, now()).await.map_err(unavailable)?.ok_or_else(expired)? {
        None => Ok(Json(LinkInfo::FirstAdmin)),
        Some(user) => {
            let directory = state.live.directory().await.map_err(stopped)?;
            let user = directory.user(user).filter(|u| u.active).ok_or_else(expired)?;
            Ok(Json(LinkInfo::SetPassword { name: user.name.clone(), email: user.email.clone() }))
        }
    }
}

/// The link used: the password set (the first admin made, for the setup
/// link), and a session opened. Nothing is used up by a refusal.
pub async fn redeem(State(state): State<AppState>, ClientAddr(from): ClientAddr, headers: HeaderMap, body: Result<Json<RedeemLink>, JsonRejection>) -> Result<Response, AppError> {
    state.origins.check(&headers)?;
    let Json(RedeemLink { token, name, email, password }) = body.map_err(malformed)?;
    let token = Token::parse(&token).ok_or_else(expired)?;
    let person = state.auth.link(&token, now()).await.map_err(unavailable)?.ok_or_else(expired)?;
    if let Some(why) = weak_password(&password) {
        return Err(AppError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::WeakPassword, format!("{why}: nothing was changed")));
    }
    let hash = hashed(password).await?;
    let user = match person {
        // The core makes one first admin at most, however many use the link at once.
        None => {
            let form = PersonForm { name: name.unwrap_or_default(), email: email.unwrap_or_default(), role: Role::Admin, access: MonitoringAccess::LiveMonitoringPlus, numbers: Vec::new() };
            let admin = state.live.admin(AdminChange::FirstAdmin { form, from }).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
            state.auth.put_user(&admin);
            state.auth.use_link(&token, now()).await.map_err(unavailable)?;
            tracing::info!(user = admin.id.0, "the company's first admin was created through the setup link");
            admin.id
        }
        Some(user) => {
            state.auth.me(user).ok_or_else(expired)?; // deactivated since
            state.auth.use_link(&token, now()).await.map_err(unavailable)?.ok_or_else(expired)?;
            state.live.note_password(Actor { user, from }, user, AdminAction::PasswordSet).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
            user
        }
    };
    state.auth.set_password(user, hash).await.map_err(unavailable)?;
    let me = state.auth.me(user).ok_or_else(expired)?;
    signed_in(&state, &headers, me).await
}

fn expired() -> AppError {
    AppError::new(StatusCode::GONE, ErrorCode::LinkExpired, "this link is used, expired or unknown: ask an admin for a new one")
}
