//! `/api/settings/attention`: what makes a call need a coach, as the
//! company's admins set it. Saved, then applied to every call from then on.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use earshot_protocol::{AttentionSettings, ErrorCode};

use super::session::{admins_only, unavailable, CurrentUser};
use super::{AppError, AppState};
use crate::listen;

const REFUSAL: &str = "the company's settings are for admins";

pub async fn attention(State(state): State<AppState>, CurrentUser(me): CurrentUser) -> Result<Json<AttentionSettings>, AppError> {
    admins_only(&me, REFUSAL)?;
    let saved = state.store.attention_settings().await.map_err(unavailable)?;
    Ok(Json(saved.unwrap_or_else(|| AttentionSettings::clone(&state.default_attention))))
}

/// Answers with the settings as kept (phrases made plain), once they apply.
pub async fn save_attention(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    headers: HeaderMap,
    body: Result<Json<AttentionSettings>, JsonRejection>,
) -> Result<Json<AttentionSettings>, AppError> {
    state.origins.check(&headers)?;
    admins_only(&me, REFUSAL)?;
    let Json(sent) = body.map_err(|e| AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, e.body_text()))?;
    let invalid = |why: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidSettings, why);
    let settings = sent.normalised().map_err(invalid)?;
    let phrases = listen::listen_for(state.speech.as_deref(), &settings.phrases).map_err(invalid)?;
    let _one_at_a_time = state.saving_settings.lock().await;
    state.store.save_attention_settings(&settings).await.map_err(unavailable)?;
    state.live.settings(settings.clone(), phrases).await.map_err(|_| AppError::new(StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Internal, "the server is stopping"))?;
    Ok(Json(settings))
}
