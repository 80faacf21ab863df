//! CSV downloads of the logs: RFC 4180 rows, read and sent a page at a
//! time, so a year's log is never in memory whole.

use std::future::Future;

use axum::body::Body;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use earshot_protocol::Millis;
use earshot_store::AuditCursor;
use futures_util::{future, stream, StreamExt};

/// Entries read and sent at a time.
pub const PAGE: usize = 1_000;

/// A page of entries, and where the next one starts.
pub type Page<T> = (Vec<T>, Option<AuditCursor>);

/// The download `filename`: `columns`, then `first` (read before answering,
/// so a database that is away is a clear 503 rather than a download cut
/// short), then each page `next` reads, each as `render` writes it.
pub fn download<T, Next, Read, Render>(filename: &str, columns: &str, first: Page<T>, next: Next, render: Render) -> Response
where
    T: Send + 'static,
    Next: Fn(AuditCursor) -> Read + Send + 'static,
    Read: Future<Output = Result<Page<T>, earshot_store::Error>> + Send,
    Render: Fn(&[T]) -> String + Send + Sync + 'static,
{
    let (entries, after) = first;
    let head = format!("{columns}\r\n{}", render(&entries));
    let render = std::sync::Arc::new(render);
    let rest = stream::unfold((after, next), move |(after, next)| {
        let render = std::sync::Arc::clone(&render);
        async move {
            match next(after?).await {
                Ok((entries, after)) => Some((Ok(render(&entries)), (after, next))),
                Err(e) => {
                    // The download ends unfinished (no last chunk), not as if complete.
                    tracing::warn!("a CSV download stopped: {e}");
                    Some((Err(e), (None, next)))
                }
            }
        }
    });
    let disposition = format!("attachment; filename=\"{filename}\"");
    let headers = [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)];
    // Fused: the body may be polled again once it has ended.
    let body = stream::once(future::ready(Ok(head))).chain(rest).fuse();
    (headers, Body::from_stream(body)).into_response()
}

/// One row of `fields`, CRLF-ended.
pub fn row(fields: &[String]) -> String {
    let row: Vec<String> = fields.iter().map(|f| field(f)).collect();
    format!("{}\r\n", row.join(","))
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
pub fn utc(at: Millis) -> String {
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
