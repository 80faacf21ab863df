//! `/api/admin/…`, for admins: the company's people, numbers and contacts
//! (one module each), and the log of every change to them.

mod contacts;
mod numbers;
mod people;
mod phone_line;

pub use contacts::{add_contact, contacts, contacts_csv, edit_contact, import_contacts, preview_import, remove_contact, MAX_IMPORT_BYTES};
pub use numbers::{add_number, edit_number, remove_number};
pub use people::{add_user, edit_user, password_link, set_active, users};
pub use phone_line::{phone_line, save_phone_line};

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::Response;
use axum::Json;
use earshot_domain::AdminError;
use earshot_protocol::{AdminEntry, AdminLog, AdminQuery, ErrorCode, Person};

use crate::live::Actor;

use super::client::ClientAddr;
use super::csv::{self, utc};
use super::records::stopped;
use super::session::{admins_only, unavailable, CurrentUser};
use super::error::bad_query;
use super::{AppError, AppState};

/// An admin's request: signed in as an admin and, for a change, sent by
/// this server's own pages; from the client's address (the logs note it).
pub struct Admin(pub Actor);

impl FromRequestParts<AppState> for Admin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if parts.method != Method::GET {
            state.origins.check(&parts.headers)?;
        }
        let CurrentUser(me) = CurrentUser::from_request_parts(parts, state).await?;
        admins_only(&me, "only admins administer the company")?;
        let ClientAddr(from) = ClientAddr::from_request_parts(parts, state).await?;
        Ok(Admin(Actor { user: me.id, from }))
    }
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
    Ok(csv::download("earshot-company-log.csv", "time_utc,action,by,by_id,subject,before,after,from_address", first, next, render))
}

fn render(entries: &[AdminEntry]) -> String {
    let row = |e: &AdminEntry| csv::row(&[utc(e.at), e.action.label().to_owned(), e.actor_name.clone(), e.actor.0.to_string(), e.subject.clone(), e.before.clone(), e.after.clone(), e.from.clone().unwrap_or_default()]);
    entries.iter().map(row).collect()
}

/// The page a link opens, its token in the fragment (never sent to a server).
pub fn welcome_path(token: &str) -> String {
    format!("/welcome#{token}")
}

pub(super) fn admin_refusal(refusal: &AdminError) -> AppError {
    let status = match refusal {
        AdminError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AdminError::NoSuchPerson | AdminError::NoSuchNumber | AdminError::NoSuchContact => StatusCode::NOT_FOUND,
        AdminError::NotAnAdmin => StatusCode::FORBIDDEN,
    };
    AppError::new(status, refusal.code(), refusal.to_string())
}

pub(super) fn malformed(e: JsonRejection) -> AppError {
    AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, format!("cannot read this form: {}", e.body_text()))
}
