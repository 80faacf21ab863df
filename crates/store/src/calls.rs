//! Every call's record: written through from the core's records as they
//! happen, read back for the conversation view and contact pages.

use std::collections::BTreeMap;

use earshot_domain::{Call, Logged, Origin, Record};
use earshot_protocol::{CallId, ContactId, Millis, TimelineEntry, UserId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::audit::insert_audit;
use crate::text::{from_text, to_text};
use crate::writer::raise_fence;
use crate::{Epoch, Error, Store};

const CALL_COLUMNS: &str = "id, origin, number_id, agent_id, customer_phone, contact_id, direction, kind, state, started_at";

/// Writes one record, inside the writer's transaction.
pub(crate) async fn write(db: &mut AnyConnection, record: &Record, audit_id: &mut i64) -> Result<(), Error> {
    match record {
        Record::CallStarted(call) => {
            sqlx::query(
                "INSERT INTO calls (id, origin, number_id, agent_id, customer_phone, contact_id, direction, kind, state, started_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(call_id(call.id))
            .bind(origin_text(call.origin))
            .bind(i64::from(call.number.0))
            .bind(call.agent.map(|a| i64::from(a.0)))
            .bind(&call.customer_phone)
            .bind(call.contact.map(|c| i64::from(c.0)))
            .bind(to_text(&call.direction))
            .bind(to_text(&call.kind))
            .bind(to_text(&call.state))
            .bind(call.started_at.0 as i64)
            .execute(&mut *db)
            .await?;
        }
        Record::CallChanged { call, agent, kind, state } => {
            sqlx::query("UPDATE calls SET agent_id = $2, kind = $3, state = $4 WHERE id = $1")
                .bind(call_id(*call))
                .bind(agent.map(|a| i64::from(a.0)))
                .bind(to_text(kind))
                .bind(to_text(state))
                .execute(&mut *db)
                .await?;
        }
        Record::Logged { call, position, entry } => insert_entry(db, *call, *position, entry).await?,
        Record::Tagged { call, position, tag } => {
            insert_note(db, "INSERT INTO call_tags (call_id, position, tag) VALUES ($1, $2, $3)", *call, *position, tag).await?;
        }
        Record::Commented { call, position, text } => {
            insert_note(db, "INSERT INTO call_comments (call_id, position, text) VALUES ($1, $2, $3)", *call, *position, text).await?;
        }
        Record::CallEnded { call, at } => end_call(db, *call, *at).await?,
        Record::Audit(entry) => {
            *audit_id += 1;
            insert_audit(db, *audit_id, entry).await?;
        }
        Record::PersonSaved(user) => crate::company::save_person(db, user).await?,
        Record::NumberSaved(number) => crate::company::save_number(db, number).await?,
        Record::NumberRemoved(number) => crate::company::remove_number(db, *number).await?,
        Record::ContactsSaved(contacts) => crate::company::save_contacts(db, contacts).await?,
        Record::ContactRemoved(contact) => crate::company::remove_contact(db, *contact).await?,
        Record::Admin(entry) => crate::admin_log::insert_admin(db, entry).await?,
        other => unreachable!("a record the store does not know: {other:?}"),
    }
    Ok(())
}

/// A tag or a comment: `statement` inserts (call, position, text).
async fn insert_note(db: &mut AnyConnection, statement: &'static str, call: CallId, position: usize, text: &str) -> Result<(), Error> {
    sqlx::query(statement).bind(call_id(call)).bind(position as i64).bind(text).execute(&mut *db).await?;
    Ok(())
}

async fn end_call(db: &mut AnyConnection, call: CallId, at: Millis) -> Result<(), Error> {
    sqlx::query("UPDATE calls SET ended_at = $2 WHERE id = $1").bind(call_id(call)).bind(at.0 as i64).execute(&mut *db).await?;
    Ok(())
}

async fn insert_entry(db: &mut AnyConnection, call: CallId, position: usize, entry: &Logged) -> Result<(), Error> {
    sqlx::query("INSERT INTO call_timeline (call_id, position, at, what, about_coaching) VALUES ($1, $2, $3, $4, $5)")
        .bind(call_id(call))
        .bind(position as i64)
        .bind(entry.entry.at.0 as i64)
        .bind(&entry.entry.what)
        .bind(i64::from(entry.about_coaching))
        .execute(&mut *db)
        .await?;
    Ok(())
}

impl Store {
    /// The highest call id kept (0 when none): new ids start above it.
    pub async fn last_call_id(&self) -> Result<u64, Error> {
        let last: i64 = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM calls").fetch_one(&self.pool).await?.try_get(0)?;
        Ok(last as u64)
    }

    /// A call's whole record, live or ended.
    pub async fn call(&self, id: CallId) -> Result<Option<Call>, Error> {
        let row = sqlx::query(&format!("SELECT {CALL_COLUMNS} FROM calls WHERE id = $1"))
            .bind(call_id(id))
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let mut call = call_from(&row)?;
        let timeline = sqlx::query("SELECT at, what, about_coaching FROM call_timeline WHERE call_id = $1 ORDER BY position")
            .bind(call_id(id))
            .fetch_all(&self.pool)
            .await?;
        for row in timeline {
            call.timeline.push(Logged {
                entry: TimelineEntry { at: millis(&row, "at")?, what: row.try_get("what")? },
                about_coaching: row.try_get::<i64, _>("about_coaching")? != 0,
            });
        }
        let mut notes = self.notes("call_id = $1", call_id(id)).await?;
        (call.tags, call.comments) = notes.remove(&id).unwrap_or_default();
        Ok(Some(call))
    }

    /// A contact's ended calls, newest first, at most `limit` (with their
    /// tags and comments; the timeline is read with [`Store::call`]).
    pub async fn ended_calls_of(&self, contact: ContactId, limit: usize) -> Result<Vec<Call>, Error> {
        let rows = sqlx::query(&format!(
            "SELECT {CALL_COLUMNS} FROM calls WHERE contact_id = $1 AND ended_at IS NOT NULL ORDER BY started_at DESC, id DESC LIMIT $2"
        ))
        .bind(i64::from(contact.0))
        .bind(limit as i64)
        .fetch_all(&self.pool)
        .await?;
        let mut calls = rows.iter().map(call_from).collect::<Result<Vec<_>, Error>>()?;
        let mut notes = self.notes("call_id IN (SELECT id FROM calls WHERE contact_id = $1)", i64::from(contact.0)).await?;
        for call in &mut calls {
            (call.tags, call.comments) = notes.remove(&call.id).unwrap_or_default();
        }
        Ok(calls)
    }

    /// Tags and comments of the calls that `filter` (a condition on
    /// `call_id`, with `$1`) picks for `value`.
    async fn notes(&self, filter: &'static str, value: i64) -> Result<BTreeMap<CallId, (Vec<String>, Vec<String>)>, Error> {
        let mut notes: BTreeMap<CallId, (Vec<String>, Vec<String>)> = BTreeMap::new();
        let tags = sqlx::query(&format!("SELECT call_id, tag FROM call_tags WHERE {filter} ORDER BY call_id, position"))
            .bind(value)
            .fetch_all(&self.pool)
            .await?;
        for row in tags {
            notes.entry(call_of(&row)?).or_default().0.push(row.try_get("tag")?);
        }
        let comments = sqlx::query(&format!("SELECT call_id, text FROM call_comments WHERE {filter} ORDER BY call_id, position"))
            .bind(value)
            .fetch_all(&self.pool)
            .await?;
        for row in comments {
            notes.entry(call_of(&row)?).or_default().1.push(row.try_get("text")?);
        }
        Ok(notes)
    }

    /// Ends every call a stopped server left open (it crashed, or was
    /// killed): each gets a last timeline entry at its last known time, and
    /// a coaching session still open on it ends in the audit log. Returns
    /// how many calls were closed; with a `fence`, behind it (`None`: a
    /// newer owner raised it past that epoch, and nothing was closed). Run
    /// it before the writer starts: it takes audit ids.
    pub async fn close_cut_off_calls(&self, why: &str, fence: Option<Epoch>) -> Result<Option<usize>, Error> {
        let open = sqlx::query(
            "SELECT c.id, c.started_at, (SELECT COUNT(*) FROM call_timeline t WHERE t.call_id = c.id) AS entries,
                    (SELECT MAX(t.at) FROM call_timeline t WHERE t.call_id = c.id) AS last_at
             FROM calls c WHERE c.ended_at IS NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut tx = self.pool.begin().await?;
        if let Some(epoch) = fence {
            if !raise_fence(&mut tx, epoch).await? {
                return Ok(None); // rolled back on drop
            }
        }
        let mut audit_id = crate::audit::last_audit_id(&mut tx).await?;
        for row in &open {
            let call = call_of_column(row, "id")?;
            let at = row.try_get::<Option<i64>, _>("last_at")?.map_or(millis(row, "started_at"), |at| Ok(Millis(at as u64)))?;
            let entries: i64 = row.try_get("entries")?;
            let entry = Logged { entry: TimelineEntry { at, what: format!("Call cut off: {why}") }, about_coaching: false };
            insert_entry(&mut tx, call, entries as usize, &entry).await?;
            end_call(&mut tx, call, at).await?;
            if let Some(mut open_session) = crate::audit::open_session_on(&mut tx, call).await? {
                open_session.at = at;
                open_session.detail = format!("the call was cut off: {why}");
                audit_id += 1;
                insert_audit(&mut tx, audit_id, &open_session).await?;
            }
        }
        tx.commit().await?;
        Ok(Some(open.len()))
    }
}

fn call_from(row: &AnyRow) -> Result<Call, Error> {
    Ok(Call {
        id: call_of_column(row, "id")?,
        origin: match row.try_get::<String, _>("origin")?.as_str() {
            "caller" => Origin::Caller,
            "phone" => Origin::Phone,
            _ => Origin::Simulated,
        },
        number: earshot_protocol::NumberId(crate::company::id(row, "number_id")?),
        agent: row.try_get::<Option<i64>, _>("agent_id")?.map(|a| UserId(a as u32)),
        customer_phone: row.try_get("customer_phone")?,
        contact: row.try_get::<Option<i64>, _>("contact_id")?.map(|c| ContactId(c as u32)),
        direction: from_text(row.try_get("direction")?)?,
        kind: from_text(row.try_get("kind")?)?,
        state: from_text(row.try_get("state")?)?,
        started_at: millis(row, "started_at")?,
        tags: Vec::new(),
        comments: Vec::new(),
        timeline: Vec::new(),
        outside: None,
    })
}

fn origin_text(origin: Origin) -> &'static str {
    match origin {
        Origin::Simulated => "simulated",
        Origin::Caller => "caller",
        Origin::Phone => "phone",
    }
}

fn call_id(id: CallId) -> i64 {
    // Call ids start at a time in µs: far below 2^63.
    id.0 as i64
}

fn call_of(row: &AnyRow) -> Result<CallId, Error> {
    call_of_column(row, "call_id")
}

fn call_of_column(row: &AnyRow, column: &str) -> Result<CallId, Error> {
    Ok(CallId(row.try_get::<i64, _>(column)? as u64))
}

pub(crate) fn millis(row: &AnyRow, column: &str) -> Result<Millis, Error> {
    Ok(Millis(row.try_get::<i64, _>(column)? as u64))
}
