//! `/api/admin/numbers…`: the company's numbers and who takes their calls.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use earshot_protocol::{CompanyNumber, NumberForm, NumberId};

use super::{admin_refusal, malformed, Admin};
use crate::http::records::stopped;
use crate::http::{AppError, AppState};
use crate::live::NumberChange;

/// A number added, with its call distribution.
pub async fn add_number(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<NumberForm>, JsonRejection>) -> Result<Json<CompanyNumber>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    saved_number(&state, NumberChange::Save { actor: me, id: None, form }).await
}

pub async fn edit_number(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<NumberForm>, JsonRejection>) -> Result<Json<CompanyNumber>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    saved_number(&state, NumberChange::Save { actor: me, id: Some(NumberId(id)), form }).await
}

/// A number removed: no call comes in on it any more.
pub async fn remove_number(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>) -> Result<StatusCode, AppError> {
    state.live.number(NumberChange::Remove { actor: me, id: NumberId(id) }).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    Ok(StatusCode::NO_CONTENT)
}

async fn saved_number(state: &AppState, change: NumberChange) -> Result<Json<CompanyNumber>, AppError> {
    let saved = state.live.number(change).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    // A save always answers the number it kept.
    Ok(Json(saved.expect("a saved number")))
}
