//! `/api/audit` and `/api/audit.csv`: the coaching audit log, for admins.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use earshot_protocol::{AuditEntry, AuditLog, AuditQuery, CompanyNumber, Me, Person};

use super::csv::{self, utc};
use super::records::stopped;
use super::session::{admins_only, unavailable, CurrentUser};
use super::{AppError, AppState};

pub async fn log(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditLog>, AppError> {
    let query = admitted(&me, query)?;
    let mut entries = state.store.audit(&query, AuditLog::PAGE + 1).await.map_err(unavailable)?;
    let more = entries.len() > AuditLog::PAGE;
    entries.truncate(AuditLog::PAGE);
    let directory = state.live.directory().await.map_err(stopped)?;
    let people = directory.users().map(|u| Person { id: u.id, name: u.name.clone(), role: u.role }).collect();
    Ok(Json(AuditLog { entries, more, people, numbers: directory.numbers().cloned().collect() }))
}

pub async fn csv(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let query = admitted(&me, query)?;
    let first = state.store.audit_page(&query, None, csv::PAGE).await.map_err(unavailable)?;
    let store = state.store.clone();
    let numbers = state.live.directory().await.map_err(stopped)?.numbers().cloned().collect::<Vec<_>>();
    let next = move |after| {
        let (store, query) = (store.clone(), query.clone());
        async move { store.audit_page(&query, Some(after), csv::PAGE).await }
    };
    Ok(csv::download("earshot-coaching-audit.csv", COLUMNS, first, next, move |entries| render(entries, &numbers)))
}

/// Admins only (the protocol's `ENDPOINTS` say so), and a readable query.
fn admitted(me: &Me, query: Result<Query<AuditQuery>, QueryRejection>) -> Result<AuditQuery, AppError> {
    admins_only(me, "the audit log is for admins")?;
    let Query(query) = query.map_err(super::error::bad_query)?;
    Ok(query)
}

const COLUMNS: &str = "time_utc,action,coach,coach_id,agent,agent_id,call_id,number,agent_notified,detail,from_address";

/// The entries as CSV rows (RFC 4180, CRLF), in the order given.
fn render(entries: &[AuditEntry], numbers: &[CompanyNumber]) -> String {
    entries
        .iter()
        .map(|e| {
            let number = e.number.and_then(|n| numbers.iter().find(|known| known.id == n)).map(|n| format!("{} {}", n.name, n.e164));
            csv::row(&[
            utc(e.at),
            e.action.label().to_owned(),
            e.coach_name.clone(),
            e.coach.0.to_string(),
            e.agent_name.clone().unwrap_or_default(),
            e.agent.map(|a| a.0.to_string()).unwrap_or_default(),
            e.call.map(|c| c.0.to_string()).unwrap_or_default(),
            number.unwrap_or_default(),
            e.notified_agent.map(|told| if told { "yes" } else { "no" }.to_owned()).unwrap_or_default(),
            e.detail.clone(),
            e.from.clone().unwrap_or_default(),
            ])
        })
        .collect()
}
