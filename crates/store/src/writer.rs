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
        let mut wait = Duration::from_millis(100);
        // A failed transaction changed nothing: the same batch is tried
        // again, so nothing is lost or reordered while the database is away.
        loop {
            let mut next = audit_id;
            match commit(&store, &records, &mut next).await {
                Ok(()) => {
                    audit_id = next;
                    break;
                }
                Err(e) => {
                    tracing::error!("the store cannot write {} records (trying again in {wait:?}): {e}", records.len());
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
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

async fn commit(store: &Store, records: &[&Record], audit_id: &mut i64) -> Result<(), Error> {
    if records.is_empty() {
        return Ok(());
    }
    let mut tx = store.pool.begin().await?;
    for record in records {
        calls::write(&mut tx, record, audit_id).await?;
    }
    tx.commit().await
}
