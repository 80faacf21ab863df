//! The coaching audit log: appended by the writer, read by admins.

use earshot_protocol::{AuditAction, AuditEntry, AuditQuery, CallId, NumberId, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::calls::millis;
use crate::text::{from_text, to_text};
use crate::{Error, Store};

const COLUMNS: &str = "at, action, coach_id, coach_name, call_id, agent_id, agent_name, number_id, notified_agent, detail, address";

pub(crate) async fn insert_audit(db: &mut AnyConnection, id: i64, entry: &AuditEntry) -> Result<(), Error> {
    sqlx::query(&format!("INSERT INTO coaching_audit (id, {COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"))
        .bind(id)
        .bind(entry.at.0 as i64)
        .bind(to_text(&entry.action))
        .bind(i64::from(entry.coach.0))
        .bind(&entry.coach_name)
        .bind(entry.call.map(|c| c.0 as i64))
        .bind(entry.agent.map(|a| i64::from(a.0)))
        .bind(entry.agent_name.clone())
        .bind(entry.number.map(|n| i64::from(n.0)))
        .bind(entry.notified_agent.map(i64::from))
        .bind(&entry.detail)
        .bind(entry.from.clone())
        .execute(&mut *db)
        .await?;
    Ok(())
}

/// The newest entry's id (the writer numbers on from it).
pub(crate) async fn last_audit_id(db: &mut AnyConnection) -> Result<i64, Error> {
    sqlx::query("SELECT COALESCE(MAX(id), 0) FROM coaching_audit").fetch_one(&mut *db).await?.try_get(0)
}

/// The coaching session still open on `call`, as an `Ended` entry to close
/// it with, if its last entry is not an end.
pub(crate) async fn open_session_on(db: &mut AnyConnection, call: CallId) -> Result<Option<AuditEntry>, Error> {
    let last = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM coaching_audit WHERE call_id = $1 AND action <> $2 ORDER BY id DESC LIMIT 1"
    ))
    .bind(call.0 as i64)
    .bind(to_text(&AuditAction::Refused))
    .fetch_optional(&mut *db)
    .await?;
    let Some(last) = last.as_ref().map(entry_from).transpose()? else { return Ok(None) };
    let open = !matches!(last.action, AuditAction::Left | AuditAction::Ended);
    Ok(open.then_some(AuditEntry { action: AuditAction::Ended, notified_agent: None, from: None, ..last }))
}

/// Where a page of the audit log ended: the next page starts after it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuditCursor {
    at: i64,
    id: i64,
}

impl AuditCursor {
    pub(crate) fn at(self) -> i64 {
        self.at
    }

    pub(crate) fn id(self) -> i64 {
        self.id
    }

    /// Where a page of `rows` (with `at` and `id`) ends, when it is full
    /// and so may not be the last.
    pub(crate) fn after_page(rows: &[AnyRow], limit: usize) -> Result<Option<Self>, Error> {
        match rows.last() {
            Some(last) if rows.len() == limit => Ok(Some(AuditCursor { at: last.try_get("at")?, id: last.try_get("id")? })),
            _ => Ok(None),
        }
    }
}

impl Store {
    /// The entries `query` picks, newest first, at most `limit`.
    pub async fn audit(&self, query: &AuditQuery, limit: usize) -> Result<Vec<AuditEntry>, Error> {
        Ok(self.audit_page(query, None, limit).await?.0)
    }

    /// The next `limit` entries `query` picks after `after` (from the
    /// newest when `None`), and where they end when there may be more.
    /// Read by (time, id), so pages neither skip nor repeat an entry while
    /// new ones are appended.
    pub async fn audit_page(&self, query: &AuditQuery, after: Option<AuditCursor>, limit: usize) -> Result<(Vec<AuditEntry>, Option<AuditCursor>), Error> {
        let id = |user: Option<UserId>| user.map(|u| i64::from(u.0));
        let rows = sqlx::query(&format!(
            "SELECT id, {COLUMNS} FROM coaching_audit
             WHERE ($1 IS NULL OR coach_id = $1) AND ($2 IS NULL OR agent_id = $2) AND ($3 IS NULL OR number_id = $3)
               AND ($4 IS NULL OR at >= $4) AND ($5 IS NULL OR at < $5)
               AND ($6 IS NULL OR at < $6 OR (at = $6 AND id < $7))
             ORDER BY at DESC, id DESC LIMIT $8"
        ))
        .bind(id(query.coach))
        .bind(id(query.agent))
        .bind(query.number.map(|n: NumberId| i64::from(n.0)))
        .bind(query.from.map(|t| t.0 as i64))
        .bind(query.to.map(|t| t.0 as i64))
        .bind(after.map(|c| c.at))
        .bind(after.map_or(0, |c| c.id))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let next = AuditCursor::after_page(&rows, limit)?;
        Ok((rows.iter().map(entry_from).collect::<Result<_, _>>()?, next))
    }
}

fn entry_from(row: &AnyRow) -> Result<AuditEntry, Error> {
    Ok(AuditEntry {
        at: millis(row, "at")?,
        action: from_text(row.try_get("action")?)?,
        coach: UserId(crate::company::id(row, "coach_id")?),
        coach_name: row.try_get("coach_name")?,
        call: row.try_get::<Option<i64>, _>("call_id")?.map(|c| CallId(c as u64)),
        agent: row.try_get::<Option<i64>, _>("agent_id")?.map(|a| UserId(a as u32)),
        agent_name: row.try_get("agent_name")?,
        number: row.try_get::<Option<i64>, _>("number_id")?.map(|n| NumberId(n as u32)),
        notified_agent: row.try_get::<Option<i64>, _>("notified_agent")?.map(|n| n != 0),
        detail: row.try_get("detail")?,
        from: row.try_get("address")?,
    })
}
