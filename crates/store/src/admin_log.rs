//! The log of changes to the company: appended by the writer, read by admins.

use earshot_protocol::{AdminEntry, AdminQuery, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::AuditCursor;
use crate::calls::millis;
use crate::text::{from_text, to_text};
use crate::{Error, Store};

const COLUMNS: &str = "at, action, actor_id, actor_name, subject, before_text, after_text, address";

pub(crate) async fn insert_admin(db: &mut AnyConnection, entry: &AdminEntry) -> Result<(), Error> {
    // One writer at a time, so the next id cannot be taken meanwhile.
    sqlx::query(&format!("INSERT INTO admin_audit (id, {COLUMNS}) SELECT COALESCE(MAX(id), 0) + 1, $1, $2, $3, $4, $5, $6, $7, $8 FROM admin_audit"))
        .bind(entry.at.0 as i64)
        .bind(to_text(&entry.action))
        .bind(i64::from(entry.actor.0))
        .bind(&entry.actor_name)
        .bind(&entry.subject)
        .bind(&entry.before)
        .bind(&entry.after)
        .bind(entry.from.clone())
        .execute(&mut *db)
        .await?;
    Ok(())
}

impl Store {
    /// The next `limit` entries `query` picks after `after` (from the
    /// newest when `None`), newest first, and where they end when there may
    /// be more: read like the coaching audit log's pages.
    pub async fn admin_page(&self, query: &AdminQuery, after: Option<AuditCursor>, limit: usize) -> Result<(Vec<AdminEntry>, Option<AuditCursor>), Error> {
        let rows = sqlx::query(&format!(
            "SELECT id, {COLUMNS} FROM admin_audit
             WHERE ($1 IS NULL OR actor_id = $1) AND ($2 IS NULL OR at >= $2) AND ($3 IS NULL OR at < $3)
               AND ($4 IS NULL OR at < $4 OR (at = $4 AND id < $5))
             ORDER BY at DESC, id DESC LIMIT $6"
        ))
        .bind(query.actor.map(|u: UserId| i64::from(u.0)))
        .bind(query.from.map(|t| t.0 as i64))
        .bind(query.to.map(|t| t.0 as i64))
        .bind(after.map(AuditCursor::at))
        .bind(after.map_or(0, AuditCursor::id))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let next = AuditCursor::after_page(&rows, limit)?;
        Ok((rows.iter().map(entry_from).collect::<Result<_, _>>()?, next))
    }
}

fn entry_from(row: &AnyRow) -> Result<AdminEntry, Error> {
    Ok(AdminEntry {
        at: millis(row, "at")?,
        action: from_text(row.try_get("action")?)?,
        actor: UserId(crate::company::id(row, "actor_id")?),
        actor_name: row.try_get("actor_name")?,
        subject: row.try_get("subject")?,
        before: row.try_get("before_text")?,
        after: row.try_get("after_text")?,
        from: row.try_get("address")?,
    })
}
