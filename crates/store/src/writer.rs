//! The one task that writes the core's records: in the order they were
//! made, as many as are waiting in one transaction, and only then tells
//! whoever waits that their change is kept.

use std::time::Duration;

use earshot_domain::Record;
use tokio::sync::mpsc;

use crate::{audit, calls, Error, Store};

/// How many waiting jobs go into one transaction at most.
const BATCH: usize = 512;

enum Job {
    Write(Record),
    /// Runs once everything written before it is committed.
    Then(Box<dyn FnOnce() + Send>),
}

/// Hands records to the writer task. Cheap to clone; the task ends when
/// every `Writer` is dropped, after writing what it was given.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
}

impl Writer {
    /// Starts the writer task on the current tokio runtime.
    pub async fn spawn(store: Store) -> Result<Writer, Error> {
        let next_audit = audit::last_audit_id(&mut *store.pool.acquire().await?).await?;
        let (jobs, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, rx, next_audit));
        Ok(Writer { jobs })
    }

    pub fn write(&self, record: Record) {
        // The task outlives every sender.
        let _ = self.jobs.send(Job::Write(record));
    }

    /// Runs `then` once every record written before this call is committed.
    pub fn after_commit(&self, then: impl FnOnce() + Send + 'static) {
        let _ = self.jobs.send(Job::Then(Box::new(then)));
    }

    /// Resolves once every record written before this call is committed.
    pub async fn committed(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.after_commit(move || {
            let _ = done.send(());
        });
        let _ = wait.await;
    }
}

async fn run(store: Store, mut rx: mpsc::UnboundedReceiver<Job>, mut audit_id: i64) {
    let mut jobs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        let records: Vec<&Record> = jobs.iter().filter_map(|job| if let Job::Write(r) = job { Some(r) } else { None }).collect();
        // A failed transaction changed nothing: the same batch is tried
        // again, so nothing is lost or reordered while the database is away.
        // A record the database refuses outright (a broken constraint: a
        // bug) must not hold up all that follows it: after a few tries the
        // batch goes one record per transaction, and what is refused is
        // logged and left out.
        let mut wait = Duration::from_millis(100);
        for attempt in 1.. {
            match commit(&store, &records, &mut audit_id).await {
                Ok(()) => break,
                Err(e) if refuses(&e) && attempt >= 3 => {
                    for record in &records {
                        write_alone(&store, record, &mut audit_id).await;
                    }
                    break;
                }
                Err(e) => {
                    tracing::error!("the store cannot write {} records (trying again in {wait:?}): {e}", records.len());
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_WAIT);
                }
            }
        }
        for job in jobs.drain(..) {
            if let Job::Then(then) = job {
                then();
            }
        }
    }
}

/// Longest pause between two tries while the database is away.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Writes one record in a transaction of its own, until it is kept or the
/// database refuses it outright.
async fn write_alone(store: &Store, record: &Record, audit_id: &mut i64) {
    let mut wait = Duration::from_millis(100);
    loop {
        match commit(store, &[record], audit_id).await {
            Ok(()) => return,
            Err(e) if refuses(&e) => {
                tracing::error!("the store refuses a record, left out: {e}: {record:?}");
                return;
            }
            Err(e) => {
                tracing::error!("the store cannot write a record (trying again in {wait:?}): {e}");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(MAX_WAIT);
            }
        }
    }
}

/// The database refused the data itself (a broken constraint), which no
/// retry mends; anything else (a lost connection, a full pool, a server
/// restarting) may pass.
fn refuses(e: &Error) -> bool {
    matches!(e, Error::Database(db) if db.kind() != sqlx::error::ErrorKind::Other)
}

/// Writes `records` in one transaction; `audit_id` moves on only if it commits.
async fn commit(store: &Store, records: &[&Record], audit_id: &mut i64) -> Result<(), Error> {
    if records.is_empty() {
        return Ok(());
    }
    let mut next = *audit_id;
    let mut tx = store.pool.begin().await?;
    for record in records {
        calls::write(&mut tx, record, &mut next).await?;
    }
    tx.commit().await?;
    *audit_id = next;
    Ok(())
}
