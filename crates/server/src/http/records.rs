//! Read-only records: a call's conversation view and a contact's page.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use earshot_protocol::{CallDetail, CallId, CompanyNumber, ContactDetail, ContactId, ErrorCode, Role, UserView};

use super::live::refused;
use super::session::CurrentUser;
use super::{AppError, AppState};
use crate::live::Stopped;

pub async fn call(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<u64>,
) -> Result<Json<CallDetail>, AppError> {
    let detail = state.live.call_detail(me.id, CallId(id)).await.map_err(stopped)?.map_err(|e| forbidden(&e))?;
    detail.map(Json).ok_or_else(|| not_found("no such call"))
}

pub async fn contact(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    Path(id): Path<u32>,
) -> Result<Json<ContactDetail>, AppError> {
    let found = state.live.contact(me.id, ContactId(id)).await.map_err(stopped)?.map_err(|e| forbidden(&e))?;
    let (contact, calls) = found.ok_or_else(|| not_found("no such contact"))?;
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
pub async fn numbers(State(state): State<AppState>) -> Json<Vec<CompanyNumber>> {
    Json(state.numbers.as_ref().clone())
}

fn forbidden(refusal: &earshot_domain::CoachingError) -> AppError {
    let error = refused(refusal);
    AppError::new(StatusCode::FORBIDDEN, error.code, error.message)
}

fn not_found(message: &str) -> AppError {
    AppError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, message)
}

fn stopped(_: Stopped) -> AppError {
    AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Internal, "the server is shutting down")
}
