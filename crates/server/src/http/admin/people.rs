//! `/api/admin/users…`: the company's people. The core decides each
//! change; this shell keeps the accounts (sign-in, sessions, links) in
//! step with it.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::Json;
use earshot_domain::{AdminError, User};
use earshot_protocol::{Account, AddedPerson, AdminAction, CallId, Change, PasswordLink, PersonForm, SetActive, UserId};

use super::{admin_refusal, malformed, welcome_path, Admin};
use crate::auth::PERSON_LINK_TTL;
use crate::http::records::stopped;
use crate::http::session::unavailable;
use crate::http::{AppError, AppState};
use crate::live::{AdminChange, LiveHandle};
use crate::now;

pub async fn users(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<Vec<Account>>, AppError> {
    let directory = state.live.directory().await.map_err(stopped)?;
    Ok(Json(directory.users().map(|u| account(&state, u)).collect()))
}

/// A person added, with the link they set their password through.
pub async fn add_user(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<PersonForm>, JsonRejection>) -> Result<Json<AddedPerson>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    let user = change(&state, AdminChange::SavePerson { actor: me, id: None, form }).await?;
    let link = issue_link(&state, user.id).await?;
    tracing::info!(admin = me.user.0, user = user.id.0, "added a person");
    Ok(Json(AddedPerson { account: account(&state, &user), link }))
}

pub async fn edit_user(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<PersonForm>, JsonRejection>) -> Result<Json<Account>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    let user = change(&state, AdminChange::SavePerson { actor: me, id: Some(UserId(id)), form }).await?;
    Ok(Json(account(&state, &user)))
}

/// Deactivated, a person's sessions end at once; an agent on a call keeps
/// their softphone until the call ends (the customer is not cut off).
pub async fn set_active(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<SetActive>, JsonRejection>) -> Result<Json<Account>, AppError> {
    let Json(SetActive { active }) = body.map_err(malformed)?;
    let id = UserId(id);
    // Watching before asking: the call's end cannot slip by in between.
    let changes = state.live.watch().await.map_err(stopped)?;
    let user = change(&state, AdminChange::SetActive { actor: me, id, active }).await?;
    if !active {
        match state.live.my_call(id).await.map_err(stopped)? {
            Some(call) => end_sessions_after(state.clone(), id, call.id, changes),
            None => state.auth.end_sessions(id, None).await.map_err(unavailable)?,
        }
    }
    tracing::info!(admin = me.user.0, user = id.0, active, "changed whether a person is active");
    Ok(Json(account(&state, &user)))
}

/// A new link for a person to set their password with; earlier ones stop working.
pub async fn password_link(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>) -> Result<Json<PasswordLink>, AppError> {
    let id = UserId(id);
    let directory = state.live.directory().await.map_err(stopped)?;
    match directory.user(id) {
        None => return Err(admin_refusal(&AdminError::NoSuchPerson)),
        Some(user) if !user.active => return Err(admin_refusal(&AdminError::Invalid(format!("{} is deactivated: reactivate them first", user.name)))),
        Some(_) => {}
    }
    let link = issue_link(&state, id).await?;
    state.live.note_password(me, id, AdminAction::PasswordLinkIssued).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    Ok(Json(link))
}

/// Runs `change` through the core; the accounts follow what it kept.
async fn change(state: &AppState, change: AdminChange) -> Result<User, AppError> {
    let user = state.live.admin(change).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    state.auth.put_user(&user);
    Ok(user)
}

async fn issue_link(state: &AppState, user: UserId) -> Result<PasswordLink, AppError> {
    let (token, expires) = state.auth.issue_link(Some(user), PERSON_LINK_TTL, now()).await.map_err(unavailable)?;
    Ok(PasswordLink { path: welcome_path(token.as_str()), expires })
}

/// A deactivated agent's sessions end once the call they are on does.
fn end_sessions_after(state: AppState, agent: UserId, call: CallId, mut changes: tokio::sync::broadcast::Receiver<crate::live::Batch>) {
    tokio::spawn(async move {
        loop {
            let ended = match changes.recv().await {
                Ok(batch) => batch.iter().any(|d| d.change == Change::CallEnded { call }),
                // Fell behind: ask the core instead.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => !on_call(&state.live, agent, call).await,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            if ended {
                if let Err(e) = state.auth.end_sessions(agent, None).await {
                    tracing::error!(user = agent.0, "a deactivated agent's sessions could not be ended: {e}");
                }
                return;
            }
        }
    });
}

async fn on_call(live: &LiveHandle, agent: UserId, call: CallId) -> bool {
    matches!(live.my_call(agent).await, Ok(Some(now)) if now.id == call)
}

fn account(state: &AppState, user: &User) -> Account {
    Account {
        id: user.id,
        name: user.name.clone(),
        email: user.email.clone(),
        role: user.role,
        access: user.access,
        numbers: user.numbers.clone(),
        active: user.active,
        has_password: state.auth.has_password(user.id),
    }
}
