//! `/api/admin/phone-line`: who may call in over SIP — trunk addresses,
//! and the digest account a trunk from elsewhere signs with — how many at
//! once, and where calls out go. Kept in the store, applied to the running
//! line's next INVITE, and noted in the company's log (never the password).

use axum::extract::rejection::JsonRejection;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use earshot_protocol::{AdminAction, ErrorCode, PhoneLine, PhoneLineSettings};
use earshot_sip::line::Rules;
use earshot_sip::trunk::Trunks;

use super::{admin_refusal, malformed, Admin};
use crate::http::records::stopped;
use crate::http::session::unavailable;
use crate::http::{AppError, AppState};

/// The shortest password a trunk's account may have.
const MIN_PASSWORD: usize = 12;

pub async fn phone_line(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<PhoneLine>, AppError> {
    Ok(Json(shown(&state, kept(&state).await?)))
}

/// The rules made plain (each address a network, once), kept, applied.
pub async fn save_phone_line(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<PhoneLineSettings>, JsonRejection>) -> Result<Json<PhoneLine>, AppError> {
    let Json(sent) = body.map_err(malformed)?;
    let invalid = |why: String| AppError::new(StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::InvalidForm, why);
    if sent.trunks.len() > PhoneLineSettings::MAX_TRUNKS {
        return Err(invalid(format!("at most {} addresses or networks", PhoneLineSettings::MAX_TRUNKS)));
    }
    let addresses = Trunks::parse(&sent.trunks).map_err(invalid)?;
    let range = PhoneLineSettings::MAX_CALLS;
    if !range.contains(&sent.max_calls) {
        return Err(invalid(format!("calls at once must be between {} and {}", range.start(), range.end())));
    }
    let _one_at_a_time = state.saving_settings.lock().await;
    let before = kept(&state).await?;
    let account = sent.account.map(|a| a.trim().to_owned()).filter(|a| !a.is_empty());
    if let Some(name) = &account {
        if name.chars().count() > 64 || name.chars().any(|c| c.is_whitespace() || matches!(c, '"' | '\\' | ':' | '@')) {
            return Err(invalid(format!("“{name}” cannot be an account: at most 64 characters, no spaces, quotes, colons or @")));
        }
    }
    let password = match (&account, sent.password.filter(|p| !p.is_empty())) {
        (None, _) => None,
        (Some(_), Some(new)) if new.chars().count() < MIN_PASSWORD => return Err(invalid(format!("the account's password needs at least {MIN_PASSWORD} characters"))),
        (Some(_), Some(new)) => Some(new),
        // The same account keeps its password; a new one needs its own.
        (Some(name), None) => match (&before.account, &before.password) {
            (Some(was), Some(password)) if was == name => Some(password.clone()),
            _ => return Err(invalid(format!("give {name}'s password: a new account needs one"))),
        },
    };
    let password_changed = account.is_some() && password != before.password;
    let outbound = sent.outbound.as_deref().map(str::trim).filter(|o| !o.is_empty()).map(earshot_sip::trunk::outbound).transpose().map_err(invalid)?;
    let settings = PhoneLineSettings { trunks: addresses.written(), max_calls: sent.max_calls, account, password, outbound: outbound.map(|at| at.to_string()) };
    state.store.save_phone_line_settings(&settings).await.map_err(unavailable)?;
    if let Some((_, rules)) = &state.phone_line {
        // The addresses as parsed above, with the account as kept.
        let trunks = addresses.signed(settings.account.clone(), settings.password.clone());
        rules.set(Rules { trunks, max_calls: settings.max_calls as usize, outbound });
    }
    let after = describe(&settings, password_changed);
    state.live.note_setting(me, AdminAction::PhoneLineChanged, "The phone line", describe(&before, false), after).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))?;
    tracing::info!(admin = me.user.0, trunks = settings.trunks.len(), account = settings.account.is_some(), max_calls = settings.max_calls, "the phone line's rules changed");
    Ok(Json(shown(&state, settings)))
}

/// What a page is told: everything but the password.
fn shown(state: &AppState, settings: PhoneLineSettings) -> PhoneLine {
    let listening = state.phone_line.as_ref().map(|(at, _)| at.to_string());
    PhoneLine { listening, has_password: settings.password.is_some(), settings: PhoneLineSettings { password: None, ..settings } }
}

/// What an admin saved, else what the flags gave.
async fn kept(state: &AppState) -> Result<PhoneLineSettings, AppError> {
    let saved = state.store.phone_line_settings().await.map_err(unavailable)?;
    Ok(saved.unwrap_or_else(|| PhoneLineSettings::clone(&state.default_phone_line)))
}

/// The rules in words, for the company's log (saying so when the
/// account's password is new, never what it is).
fn describe(settings: &PhoneLineSettings, new_password: bool) -> String {
    let from = match settings.trunks.as_slice() {
        [] => "nobody by address".to_owned(),
        trunks => trunks.join(", "),
    };
    let new = if new_password { " (a new password)" } else { "" };
    let signed = settings.account.as_ref().map(|a| format!(", or signed as {a}{new}")).unwrap_or_default();
    let out = settings.outbound.as_ref().map_or_else(|| "back to the trunk that called".to_owned(), |at| format!("to {at}"));
    format!("calls from {from}{signed}, {} at once at most; calls out {out}", settings.max_calls)
}
