//! The audit page's filters as typed, and the query they make.

use earshot_protocol::{AuditQuery, Millis, NumberId, UserId};

/// What the filter controls hold: ids as the `<select>`s give them, dates
/// as `<input type=date>` does (`2026-12-02`, or empty).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filters {
    pub coach: String,
    pub agent: String,
    pub number: String,
    pub from: String,
    pub to: String,
}

impl Filters {
    /// The query: the `from` day's start up to the end of the `to` day,
    /// in the browser's time zone. An error says what to fix.
    pub fn query(&self) -> Result<AuditQuery, String> {
        let (from, to) = days(&self.from, &self.to)?;
        Ok(AuditQuery {
            coach: self.coach.parse().ok().map(UserId),
            agent: self.agent.parse().ok().map(UserId),
            number: self.number.parse().ok().map(NumberId),
            from,
            to,
        })
    }
}

/// The `from` day's start and the end of the `to` day (each `None` when
/// empty), in the browser's time zone; an error says what to fix.
pub fn days(from: &str, to: &str) -> Result<(Option<Millis>, Option<Millis>), String> {
    let (from, to) = (day(from, 0)?, day(to, 1)?);
    if let (Some(from), Some(to)) = (from, to) {
        if from >= to {
            return Err("The From date is after the To date.".to_owned());
        }
    }
    Ok((from, to))
}

/// Local midnight at the start of `date` plus `days`; `None` when empty.
fn day(date: &str, days: u32) -> Result<Option<Millis>, String> {
    if date.is_empty() {
        return Ok(None);
    }
    let mut parts = date.splitn(3, '-').map(str::parse::<u32>);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(Ok(year)), Some(Ok(month)), Some(Ok(day))) if (1..=12).contains(&month) && (1..=31).contains(&day) => {
            Ok(Some(local_midnight(year, month, day + days)))
        }
        _ => Err(format!("“{date}” is not a date.")),
    }
}

/// Midnight starting `day` of `month` (1-based; an overflowing day rolls
/// into the next month) in the browser's time zone.
pub fn local_midnight(year: u32, month: u32, day: u32) -> Millis {
    let date = js_sys::Date::new_with_year_month_day(year, month as i32 - 1, day as i32);
    Millis(date.get_time() as u64)
}
