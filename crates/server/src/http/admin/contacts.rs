//! `/api/admin/contacts…`: the company's address book — search, add,
//! edit, delete, a CSV file previewed then imported whole, and exported.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use earshot_domain::contacts::read_csv;
use earshot_protocol::{Contact, ContactForm, ContactId, ContactImport, ContactList, ContactQuery, ImportPreview, Imported};

use super::{admin_refusal, malformed, Admin};
use crate::http::error::bad_query;
use crate::http::csv;
use crate::http::records::stopped;
use crate::http::{AppError, AppState};
use crate::live::{ContactChange, ContactDone};

/// The largest CSV file an import takes: 50,000 lines of a contact each.
pub const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;

/// The contacts `q` picks (by name, company or phone), a page at a time, by name.
pub async fn contacts(State(state): State<AppState>, Admin(_): Admin, query: Result<Query<ContactQuery>, QueryRejection>) -> Result<Json<ContactList>, AppError> {
    let Query(query) = query.map_err(bad_query)?;
    let directory = state.live.directory().await.map_err(stopped)?;
    let wanted = query.q.as_deref().map(str::trim).unwrap_or_default().to_lowercase();
    let digits: String = wanted.chars().filter(char::is_ascii_digit).collect();
    let matches = |c: &&Contact| {
        wanted.is_empty()
            || c.name.to_lowercase().contains(&wanted)
            || c.company.as_deref().is_some_and(|company| company.to_lowercase().contains(&wanted))
            || (!digits.is_empty() && c.phones.iter().any(|p| p.contains(&digits)))
    };
    let mut found: Vec<&Contact> = directory.contacts().filter(matches).collect();
    found.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.id.cmp(&b.id)));
    let total = found.len();
    let contacts = found.into_iter().skip(query.offset.unwrap_or(0)).take(ContactList::PAGE).cloned().collect();
    Ok(Json(ContactList { contacts, total }))
}

pub async fn add_contact(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<ContactForm>, JsonRejection>) -> Result<Json<Contact>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    saved(&state, ContactChange::Save { actor: me, id: None, form }).await
}

pub async fn edit_contact(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>, body: Result<Json<ContactForm>, JsonRejection>) -> Result<Json<Contact>, AppError> {
    let Json(form) = body.map_err(malformed)?;
    saved(&state, ContactChange::Save { actor: me, id: Some(ContactId(id)), form }).await
}

pub async fn remove_contact(State(state): State<AppState>, Admin(me): Admin, Path(id): Path<u32>) -> Result<StatusCode, AppError> {
    change(&state, ContactChange::Remove { actor: me, id: ContactId(id) }).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What importing the file would do, against the address book as it is:
/// nothing is kept.
pub async fn preview_import(State(state): State<AppState>, Admin(_): Admin, body: Result<Json<ContactImport>, JsonRejection>) -> Result<Json<ImportPreview>, AppError> {
    let Json(import) = body.map_err(malformed)?;
    let directory = state.live.directory().await.map_err(stopped)?;
    // Reading 10,000 lines takes a while: off the request threads.
    let read = tokio::task::spawn_blocking(move || read_csv(&directory, &import.csv, import.region.as_deref()))
        .await
        .map_err(|_| AppError::new(StatusCode::INTERNAL_SERVER_ERROR, earshot_protocol::ErrorCode::Internal, "the file could not be read"))?;
    let sample = read.contacts.iter().take(ImportPreview::SAMPLE).cloned().collect();
    Ok(Json(ImportPreview { valid: read.contacts.len(), problems: read.problems, sample }))
}

/// The file's good lines, all in one transaction.
pub async fn import_contacts(State(state): State<AppState>, Admin(me): Admin, body: Result<Json<ContactImport>, JsonRejection>) -> Result<Json<Imported>, AppError> {
    let Json(import) = body.map_err(malformed)?;
    match change(&state, ContactChange::Import { actor: me, import }).await? {
        ContactDone::Imported { added, skipped } => Ok(Json(Imported { added, skipped })),
        _ => unreachable!("an import answers what it imported"),
    }
}

/// Every contact, in the form an import reads.
pub async fn contacts_csv(State(state): State<AppState>, Admin(_): Admin) -> Result<Response, AppError> {
    let directory = state.live.directory().await.map_err(stopped)?;
    let mut out = String::from("name,phone,company,notes\r\n");
    for c in directory.contacts() {
        out.push_str(&csv::row(&[c.name.clone(), c.phones.join(";"), c.company.clone().unwrap_or_default(), c.notes.clone()]));
    }
    let headers = [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"earshot-contacts.csv\"")];
    Ok((headers, out).into_response())
}

async fn saved(state: &AppState, change: ContactChange) -> Result<Json<Contact>, AppError> {
    match self::change(state, change).await? {
        ContactDone::Saved(contact) => Ok(Json(contact)),
        _ => unreachable!("a save answers the contact it kept"),
    }
}

async fn change(state: &AppState, change: ContactChange) -> Result<ContactDone, AppError> {
    state.live.contacts(change).await.map_err(stopped)?.map_err(|e| admin_refusal(&e))
}
