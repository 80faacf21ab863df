//! `/api/admin/…`: the company's people, its numbers and the log of every change to
//! it, for admins. The core decides each change; this shell keeps the
//! accounts (sign-in, sessions, links) in step with it.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Json;
use earshot_domain::{AdminError, User};
use earshot_protocol::{
    Account, AddedPerson, AdminAction, AdminEntry, AdminLog, AdminQuery, CallId, Change, CompanyNumber, ErrorCode, Me, NumberForm, NumberId, PasswordLink, Person,
    PersonForm, SetActive, UserId,
};

use super::csv::{self, utc};
use super::records::stopped;
use super::session::{admins_only, unavailable, CurrentUser};
use super::{AppError, AppState};
use crate::auth::PERSON_LINK_TTL;
use crate::live::{AdminChange, LiveHandle, NumberChange};
use crate::now;

/// An admin's request: signed in as an admin and, for a change, sent by
/// this server's own pages.
pub struct Admin(pub Me);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if parts.method != Method::GET {
            state.origins.check(&parts.headers)?;
        }
        let CurrentUser(me) = CurrentUser::from_request_parts(parts, state).await?;
        admins_only(&me, "only admins administer the company")?;
        Ok(Admin(me))
    }
}

pub async fn users(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<Vec<Account>>, AppError> {
    let directory = state.live.directory().await.map_err(stopped)?;
    Ok(Json(directory.users().map(|u| account(&state, u)).collect()))
}

/// A person added, with the link they set their password through.
pub async fn add_user(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<PersonForm>, JsonRejection>) -> Result<Json<AddedPerson>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    let user = change(&state, AdminChange::SavePerson { actor: me.id, id: None, form }).await?;
    let link = issue_link(&state, user.id).await?;
    tracing::info!(admin = me.id.0, user = user.id.0, "added a person");
    Ok(Json(AddedPerson { account: account(&state, &user), link }))
}

pub async fn edit_user(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<PersonForm>, JsonRejection>) -> Result<Json<Account>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    let user = change(&state, AdminChange::SavePerson { actor: me.id, id: Some(UserId(id)), form }).await?;
    Ok(Json(account(&state, &user)))
}

/// Deactivated, a person's sessions end at once; an agent on a call keeps
/// their softphone until the call ends (the customer is not cut off).
pub async fn set_active(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<SetActive>, JsonRejection>) -> Result<Json<Account>, AppError> {
    let Json(SetActive { active }) = body.map_err(malformed)?;
    let id = UserId(id);
    // Watching before asking: the call's end cannot slip by in between.
    let changes = state.live.watch().await.map_err(stopped)?;
    let user = change(&state, AdminChange::SetActive { actor: me.id, id, active }).await?;
    if !active {
        match state.live.my_call(id).await.map_err(stopped)? {
            Some(call) => end_sessions_after(state.clone(), id, call.id, changes),
            None => state.auth.end_sessions(id, None).await.map_err(unavailable)?,
        }
    }
    tracing::info!(admin = me.id.0, user = id.0, active, "changed whether a person is active");
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
    state.live.note_password(me.id, id, AdminAction::PasswordLinkIssued).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    Ok(Json(link))
}

/// A number added, with its call distribution.
pub async fn add_number(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<NumberForm>, JsonRejection>) -> Result<Json<CompanyNumber>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    saved_number(&state, NumberChange::Save { actor: me.id, id: None, form }).await
}

pub async fn edit_number(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<NumberForm>, JsonRejection>) -> Result<Json<CompanyNumber>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    saved_number(&state, NumberChange::Save { actor: me.id, id: Some(NumberId(id)), form }).await
}

/// A number removed: no call comes in on it any more.
pub async fn remove_number(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>) -> Result<StatusCode, AppError> {
    state.live.number(NumberChange::Remove { actor: me.id, id: NumberId(id) }).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn saved_number(state: &AppState, change: NumberChange) -> Result<Json<CompanyNumber>, AppError> {
    let saved = state.live.number(change).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    // A save always answers the number it kept.
    Ok(Json(saved.expect("a saved number")))
}

pub async fn log(State(state): State<AppState>, Admin(_): Admin, query: Result<Query<AdminQuery>, QueryRejection>) -> Result<Json<AdminLog>, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let (mut entries, _) = state.store.admin_page(&query, None, AdminLog::PAGE + 1).await.map_err(unavailable)?;
    let more = entries.len() > AdminLog::PAGE;
    entries.truncate(AdminLog::PAGE);
    let directory = state.live.directory().await.map_err(stopped)?;
    let people = directory.users().map(|u| Person { id: u.id, name: u.name.clone(), role: u.role }).collect();
    Ok(Json(AdminLog { entries, more, people }))
}

pub async fn log_csv(State(state): State<AppState>, Admin(_): Admin, query: Result<Query<AdminQuery>, QueryRejection>) -> Result<Response, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let first = state.store.admin_page(&query, None, csv::PAGE).await.map_err(unavailable)?;
    let store = state.store.clone();
    let next = move |after| {
        let (store, query) = (store.clone(), query.clone());
        async move { store.admin_page(&query, Some(after), csv::PAGE).await }
    };
    Ok(csv::download("earshot-company-log.csv", "time_utc,action,by,by_id,subject,before,after", first, next, render))
}

fn render(entries: &[AdminEntry]) -> String {
    let row = |e: &AdminEntry| csv::row(&[utc(e.at), e.action.label().to_owned(), e.actor_name.clone(), e.actor.0.to_string(), e.subject.clone(), e.before.clone(), e.after.clone()]);
    entries.iter().map(row).collect()
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

/// The page a link opens, its token in the fragment (never sent to a server).
pub fn welcome_path(token: &str) -> String {
    format!("/welcome#{token}")
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

pub(super) fn admin_refusal(refusal: &AdminError) -> AppError {
    let status = match refusal {
        AdminError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AdminError::NoSuchPerson | AdminError::NoSuchNumber => StatusCode::NOT_FOUND,
        AdminError::NotAnAdmin => StatusCode::FORBIDDEN,
    };
    AppError::new(status, refusal.code(), refusal.to_string())
}

pub(super) fn malformed(e: JsonRejection) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, format!("cannot read this form: {}", e.body_text()))
}

fn bad_query(e: QueryRejection) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, e.body_text())
}
