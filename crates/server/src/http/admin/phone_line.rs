//! `/api/admin/phone-line`: who may call in over SIP, and how many at
//! once. Kept in the store, applied to the running line's next INVITE, and
//! noted in the company's log.

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use earshot_protocol::{AdminAction, ErrorCode, PhoneLine, PhoneLineSettings};
use earshot_sip::trunk::Trunks;

use super::{admin_refusal, malformed, Admin};
use crate::http::records::stopped;
use crate::http::session::unavailable;
use crate::http::{AppError, AppState};

pub async fn phone_line(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<PhoneLine>, AppError> {
    Ok(Json(PhoneLine { listening: listening(&state), settings: kept(&state).await? }))
}

/// The rules made plain (each address a network, once), kept, applied.
pub async fn save_phone_line(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<PhoneLineSettings>, JsonRejection>) -> Result<Json<PhoneLine>, AppError> {
    let Json(sent) = body.map_err(malformed)?;
    let invalid = |why: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidForm, why);
    if sent.trunks.len() > PhoneLineSettings::MAX_TRUNKS {
        return Err(invalid(format!("at most {} addresses or networks", PhoneLineSettings::MAX_TRUNKS)));
    }
    let trunks = Trunks::parse(&sent.trunks).map_err(invalid)?;
    let range = PhoneLineSettings::MAX_CALLS;
    if !range.contains(&sent.max_calls) {
        return Err(invalid(format!("calls at once must be between {} and {}", range.start(), range.end())));
    }
    let settings = PhoneLineSettings { trunks: trunks.written(), max_calls: sent.max_calls };
    let _one_at_a_time = state.saving_settings.lock().await;
    let before = kept(&state).await?;
    state.store.save_phone_line_settings(&settings).await.map_err(unavailable)?;
    if let Some((_, rules)) = &state.phone_line {
        rules.set_addresses(trunks, settings.max_calls as usize);
    }
    state.live.note_setting(me, AdminAction::PhoneLineChanged, "The phone line", describe(&before), describe(&settings)).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    tracing::info!(admin = me.user.0, trunks = settings.trunks.len(), max_calls = settings.max_calls, "the phone line's rules changed");
    Ok(Json(PhoneLine { listening: listening(&state), settings }))
}

fn listening(state: &AppState) -> Option<String> {
    state.phone_line.as_ref().map(|(at, _)| at.to_string())
}

/// What an admin saved, else what the flags gave.
async fn kept(state: &AppState) -> Result<PhoneLineSettings, AppError> {
    let saved = state.store.phone_line_settings().await.map_err(unavailable)?;
    Ok(saved.unwrap_or_else(|| PhoneLineSettings::clone(&state.default_phone_line)))
}

/// The rules in words, for the company's log.
fn describe(settings: &PhoneLineSettings) -> String {
    let from = match settings.trunks.as_slice() {
        [] => "nobody".to_owned(),
        trunks => trunks.join(", "),
    };
    format!("calls from {from}, {} at once at most", settings.max_calls)
}
