//! Read-only records: a call's conversation view and a contact's page.
//! A live call is read from the core; an ended one, and a contact's past
//! calls, from the store.

use std::cmp::Reverse;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use earshot_domain::{call_detail, call_view, CoachingError, Reader, User};
use earshot_protocol::{CallDetail, CallId, CompanyNumber, ContactDetail, ContactId, ErrorCode, Role, UserView};

use super::live::refused;
use super::session::{unavailable, CurrentUser};
use super::{AppError, AppState};
use crate::live::Unavailable;

/// A contact page shows this many past calls at most.
const CONTACT_HISTORY: usize = 100;

pub async fn call(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<u64>,
) -> Result<Json<CallDetail>, AppError> {
    let id = CallId(id);
    if let Some(live) = state.live.call_detail(me.id, id).await.map_err(stopped)?.map_err(|e| forbidden(&e))? {
        return Ok(Json(live));
    }
    let directory = state.live.directory().await.map_err(stopped)?;
    let Some(kept) = state.store.call(id).await.map_err(unavailable)? else {
        // An agent learns nothing of calls not theirs, not even whether they exist.
        let monitor = directory.user(me.id).is_some_and(User::can_monitor);
        return Err(if monitor { not_found("no such call") } else { forbidden(&CoachingError::NoMonitoringAccess) });
    };
    let reader = Reader::of(&directory, me.id, &kept).map_err(|e| forbidden(&e))?;
    Ok(Json(call_detail(&directory, reader, &kept, None, false)))
}

/// A contact and their calls, live and past, newest first.
pub async fn contact(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<u32>,
) -> Result<Json<ContactDetail>, AppError> {
    let mut calls = state.live.contact_calls(me.id, ContactId(id)).await.map_err(stopped)?.map_err(|e| forbidden(&e))?;
    let directory = state.live.directory().await.map_err(stopped)?;
    let contact = directory.contact(ContactId(id)).cloned().ok_or_else(|| not_found("no such contact"))?;
    let past = state.store.ended_calls_of(contact.id, CONTACT_HISTORY).await.map_err(unavailable)?;
    // A call that ended between the two reads is in both.
    let past: Vec<_> = past.iter().filter(|ended| !calls.iter().any(|live| live.id == ended.id)).collect();
    calls.extend(past.into_iter().map(|ended| call_view(&directory, ended, None)));
    calls.sort_by_key(|call| Reverse(call.started_at));
    Ok(Json(ContactDetail { contact, calls }))
}

/// Agents free to take a transfer, for a signed-in agent.
pub async fn available_agents(State(state): State<AppState>, CurrentUser(me): CurrentUser) -> Result<Json<Vec<UserView>>, AppError> {
    if me.role != Role::Agent {
        return Err(AppError::new(StatusCode::FORBIDDEN, ErrorCode::NoCall, "only agents transfer calls"));
    }
    let mut agents = state.live.available_agents().await.map_err(stopped)?;
    agents.retain(|agent| agent.id != me.id);
    Ok(Json(agents))
}

/// The company's numbers, for the caller view (no sign-in: they are public).
pub async fn numbers(State(state): State<AppState>) -> Result<Json<Vec<CompanyNumber>>, AppError> {
    Ok(Json(state.live.directory().await.map_err(stopped)?.numbers().cloned().collect()))
}

fn forbidden(refusal: &earshot_domain::CoachingError) -> AppError {
    let error = refused(refusal);
    AppError::new(StatusCode::FORBIDDEN, error.code, error.message)
}

fn not_found(message: &str) -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
}

pub(super) fn stopped(why: Unavailable) -> AppError {
    let error = super::live::not_answered(why);
    AppError::new(StatusCode::SERVICE_UNAVAILABLE, error.code, error.message)
}
