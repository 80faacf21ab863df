//! `/api/audit` and `/api/audit.csv`: the coaching audit log, for admins.

use std::fmt::Write;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use earshot_protocol::{AuditEntry, AuditLog, AuditQuery, CompanyNumber, ErrorCode, Me, Millis, Person};
use futures_util::{future, stream, StreamExt};

use super::session::{admins_only, unavailable, CurrentUser};
use super::{AppError, AppState};

/// The CSV export is read and sent this many entries at a time: a year's
/// log is never in memory whole.
const CSV_PAGE: usize = 1_000;

pub async fn log(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Json<AuditLog>, AppError> {
    let query = admitted(&me, query)?;
    let mut entries = state.store.audit(&query, AuditLog::PAGE + 1).await.map_err(unavailable)?;
    let more = entries.len() > AuditLog::PAGE;
    entries.truncate(AuditLog::PAGE);
    let people = state.directory.users().map(|u| Person { id: u.id, name: u.name.clone(), role: u.role }).collect();
    Ok(Json(AuditLog { entries, more, people, numbers: state.numbers.to_vec() }))
}

pub async fn csv(
    State(state): State<AppState>,
    CurrentUser(me): CurrentUser,
    query: Result<Query<AuditQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let query = admitted(&me, query)?;
    // The first page is read before answering, so a database that is away
    // is a clear 503 rather than a download cut short.
    let (first, next) = state.store.audit_page(&query, None, CSV_PAGE).await.map_err(unavailable)?;
    let head = format!("{COLUMNS}\r\n{}", render(&first, &state.numbers));
    let (store, numbers) = (state.store.clone(), Arc::clone(&state.numbers));
    let rest = stream::unfold(next, move |after| {
        let (store, query, numbers) = (store.clone(), query.clone(), Arc::clone(&numbers));
        async move {
            match store.audit_page(&query, Some(after?), CSV_PAGE).await {
                Ok((entries, next)) => Some((Ok(render(&entries, &numbers)), next)),
                Err(e) => {
                    // The download ends unfinished (no last chunk), not as if complete.
                    tracing::warn!("the audit CSV stopped: {e}");
                    Some((Err(e), None))
                }
            }
        }
    });
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"earshot-coaching-audit.csv\""),
    ];
    // Fused: the body may be polled again once it has ended.
    let body = stream::once(future::ready(Ok(head))).chain(rest).fuse();
    Ok((headers, Body::from_stream(body)).into_response())
}

/// Admins only (the protocol's `ENDPOINTS` say so), and a readable query.
fn admitted(me: &Me, query: Result<Query<AuditQuery>, QueryRejection>) -> Result<AuditQuery, AppError> {
    admins_only(me, "the audit log is for admins")?;
    let Query(query) = query.map_err(|e| AppError::new(StatusCode::BAD_REQUEST, ErrorCode::MalformedRequest, e.body_text()))?;
    Ok(query)
}

const COLUMNS: &str = "time_utc,action,coach,coach_id,agent,agent_id,call_id,number,agent_notified,detail";

/// The entries as CSV rows (RFC 4180, CRLF), in the order given.
fn render(entries: &[AuditEntry], numbers: &[CompanyNumber]) -> String {
    let mut out = String::new();
    for e in entries {
        let number = e.number.and_then(|n| numbers.iter().find(|known| known.id == n)).map(|n| format!("{} {}", n.name, n.e164));
        let fields = [
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
        ];
        let row: Vec<String> = fields.iter().map(|f| field(f)).collect();
        let _ = write!(out, "{}\r\n", row.join(",")); // writing to a String cannot fail
    }
    out
}

/// One CSV field: quoted when it must be, and never read as a formula by
/// a spreadsheet (a name typed as `=HYPERLINK(…)` stays text).
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// `2026-12-02 03:04:05.678` (UTC) from milliseconds since 1970.
fn utc(at: Millis) -> String {
    let (days, ms) = ((at.0 / 86_400_000) as i64, at.0 % 86_400_000);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{year:04}-{month:02}-{day:02} {h:02}:{m:02}:{s:02}.{milli:03}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_calendar_dates() {
        assert_eq!(utc(Millis(0)), "1970-01-01 00:00:00.000");
        assert_eq!(utc(Millis(951_782_400_000)), "2000-02-29 00:00:00.000", "a leap day");
        assert_eq!(utc(Millis(1_764_644_645_678)), "2025-12-02 03:04:05.678");
    }

    #[test]
    fn fields_are_quoted_and_never_formulas() {
        assert_eq!(field("Sam Rivera"), "Sam Rivera");
        assert_eq!(field("Smith, \"Jr\""), "\"Smith, \"\"Jr\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }
}
