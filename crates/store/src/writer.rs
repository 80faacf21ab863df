//! The one task that writes the core's records: in the order they were
//! made, as many as are waiting in one transaction, and only then tells
//! whoever waits whether their change is kept. On several nodes, each
//! transaction carries the owner's epoch and the database refuses a stale
//! one ([`Writer::fenced`]).

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use earshot_domain::Record;
use tokio::sync::mpsc;

use crate::{audit, calls, Error, Store};

/// How many waiting jobs go into one transaction at most.
const BATCH: usize = 512;

/// Records waiting to be written beyond which the writer counts as away
/// even while its commits still pass: a database this far behind is not
/// keeping up, and what waits is held in memory.
pub const MAX_WAITING: usize = 50_000;

/// Whether everything written before an [`Writer::after_commit`] is kept.
pub type Kept = Result<(), NotKept>;

/// The database refused a record written before (a broken constraint: a
/// bug; or a stale epoch: another node owns the company now); it is left
/// out, and what waited on it is told so, never "done".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NotKept;

/// The lease's revision when a node took the company: higher for every
/// later owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Epoch(pub u64);

enum Job {
    Write(Record),
    /// Runs once everything written before it is committed or refused.
    Then(Box<dyn FnOnce(Kept) + Send>),
}

/// Hands records to the writer task. Cheap to clone; the task ends when
/// every `Writer` is dropped, after writing what it was given.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::UnboundedSender<Job>,
    health: Arc<Health>,
}

/// What the task tells the writers about the database.
#[derive(Default)]
struct Health {
    /// Records handed over and not yet committed or left out.
    waiting: AtomicUsize,
    /// The last commit failed for a reason that may pass (a lost
    /// connection, a locked file): the task is trying again.
    failing: AtomicBool,
    /// A fenced writer found a newer epoch: it writes nothing more.
    deposed: AtomicBool,
    told_deposed: tokio::sync::Notify,
}

impl Health {
    /// `count` records are committed or left out: the database answers.
    fn written(&self, count: usize) {
        self.failing.store(false, Ordering::Relaxed);
        self.waiting.fetch_sub(count, Ordering::Relaxed);
    }
}

impl Writer {
    /// Starts the writer task on the current tokio runtime.
    pub async fn spawn(store: Store) -> Result<Writer, Error> {
        let (writer, task) = Writer::new(store).await?;
        tokio::spawn(task);
        Ok(writer)
    }

    /// A writer and the task that writes for it, for the caller to run
    /// (a server supervises it).
    pub async fn new(store: Store) -> Result<(Writer, impl Future<Output = ()> + Send), Error> {
        Self::start(store, None).await
    }

    /// A writer for the node that owns the company at `epoch`: it raises the
    /// fence to `epoch` before it reads the next audit id (so no stale owner
    /// writes after that read), and each of its transactions checks the
    /// fence again. Once a newer epoch is found it is [`Writer::deposed`]:
    /// that transaction and every later record are left out, not kept.
    /// `Err(None)`: the fence is already past `epoch`.
    pub async fn fenced(store: Store, epoch: Epoch) -> Result<(Writer, impl Future<Output = ()> + Send), Option<Error>> {
        let mut db = store.pool.acquire().await?;
        if !raise_fence(&mut db, epoch).await? {
            return Err(None);
        }
        drop(db);
        Ok(Self::start(store, Some(epoch)).await?)
    }

    async fn start(store: Store, epoch: Option<Epoch>) -> Result<(Writer, impl Future<Output = ()> + Send), Error> {
        let next_audit = audit::last_audit_id(&mut *store.pool.acquire().await?).await?;
        let (jobs, rx) = mpsc::unbounded_channel();
        let health = Arc::<Health>::default();
        let task = run(Fenced { store, epoch }, rx, next_audit, Arc::clone(&health));
        Ok((Writer { jobs, health }, task))
    }

    pub fn write(&self, record: Record) {
        self.health.waiting.fetch_add(1, Ordering::Relaxed);
        // The task outlives every sender.
        let _ = self.jobs.send(Job::Write(record));
    }

    /// Runs `then` once every record written before this call is committed
    /// (`Ok`) or one of them was refused (`Err`).
    pub fn after_commit(&self, then: impl FnOnce(Kept) + Send + 'static) {
        let _ = self.jobs.send(Job::Then(Box::new(then)));
    }

    /// Resolves once every record written before this call is committed or
    /// refused, saying which.
    pub async fn committed(&self) -> Kept {
        let (done, wait) = tokio::sync::oneshot::channel();
        self.after_commit(move |kept| {
            let _ = done.send(kept);
        });
        wait.await.unwrap_or(Err(NotKept))
    }

    /// The database is not answering (its last commit failed and is being
    /// tried again) or is far behind: new changes should be refused rather
    /// than queued in memory.
    pub fn away(&self) -> bool {
        self.health.failing.load(Ordering::Relaxed) || self.waiting() > MAX_WAITING
    }

    /// Records handed over and not yet committed or left out.
    pub fn waiting(&self) -> usize {
        self.health.waiting.load(Ordering::Relaxed)
    }

    /// A fenced writer met a newer epoch: another node owns the company,
    /// and nothing written here is kept any more.
    pub fn is_deposed(&self) -> bool {
        self.health.deposed.load(Ordering::Relaxed)
    }

    /// Resolves once the writer [`Writer::is_deposed`].
    pub async fn deposed(&self) {
        loop {
            let told = self.health.told_deposed.notified();
            if self.is_deposed() {
                return;
            }
            told.await;
        }
    }
}

/// The store, and the epoch its writes carry when several nodes share it.
struct Fenced {
    store: Store,
    epoch: Option<Epoch>,
}

/// Raises the fence to `epoch`, unless it is higher: whether `epoch` still
/// owns the company. Within a transaction, the row stays locked until it
/// ends, so a newer owner's raise waits for it, and then this one finds
/// the fence past it.
pub(crate) async fn raise_fence(db: &mut sqlx::AnyConnection, epoch: Epoch) -> Result<bool, Error> {
    let raised = sqlx::query("UPDATE fence SET epoch = $1 WHERE id = 1 AND epoch <= $1").bind(epoch.0 as i64).execute(db).await?;
    Ok(raised.rows_affected() == 1)
}

/// What a commit did besides keeping its records.
enum Refused {
    Database(Error),
    /// The fence is past the writer's epoch.
    Stale,
}

impl From<Error> for Refused {
    fn from(e: Error) -> Self {
        Refused::Database(e)
    }
}

async fn run(store: Fenced, mut rx: mpsc::UnboundedReceiver<Job>, mut audit_id: i64, health: Arc<Health>) {
    let mut jobs = Vec::with_capacity(BATCH);
    // A refused record taints the next `Then`, even one in a later batch.
    let mut refused = false;
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        let records: Vec<&Record> = jobs.iter().filter_map(|job| if let Job::Write(r) = job { Some(r) } else { None }).collect();
        let count = records.len();
        if health.deposed.load(Ordering::Relaxed) {
            health.written(count);
            jobs.drain(..).for_each(|job| if let Job::Then(then) = job { then(Err(NotKept)) });
            continue;
        }
        // A failed transaction changed nothing: the same batch is tried
        // again, so nothing is lost or reordered while the database is away.
        // A record the database refuses outright (a broken constraint: a
        // bug) must not hold up all that follows it: after a few tries the
        // batch goes one record per transaction, and what is refused is
        // logged and left out.
        let mut wait = Duration::from_millis(100);
        let mut alone = false;
        for attempt in 1.. {
            match commit(&store, &records, &mut audit_id).await {
                Ok(()) => break,
                Err(Refused::Stale) => {
                    tracing::warn!("another node owns the company now: {count} records of this one left out");
                    health.deposed.store(true, Ordering::Relaxed);
                    health.told_deposed.notify_waiters();
                    refused = true;
                    break;
                }
                Err(Refused::Database(e)) if refuses(&e) && attempt >= 3 => {
                    alone = true;
                    break;
                }
                Err(Refused::Database(e)) => {
                    health.failing.store(true, Ordering::Relaxed);
                    tracing::error!("the store cannot write {count} records (trying again in {wait:?}): {e}");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(MAX_WAIT);
                }
            }
        }
        // Counted as written before anyone waiting is told.
        if !alone {
            health.written(count);
        }
        for job in jobs.drain(..) {
            let deposed = health.deposed.load(Ordering::Relaxed);
            match job {
                Job::Write(record) if alone => {
                    refused |= deposed || !write_alone(&store, &record, &mut audit_id, &health).await;
                    health.written(1);
                }
                Job::Write(_) => {}
                Job::Then(then) => then(if std::mem::take(&mut refused) || deposed { Err(NotKept) } else { Ok(()) }),
            }
        }
    }
}

/// Longest pause between two tries while the database is away.
const MAX_WAIT: Duration = Duration::from_secs(5);

/// Writes one record in a transaction of its own, until it is kept (true)
/// or the database refuses it outright (false).
async fn write_alone(store: &Fenced, record: &Record, audit_id: &mut i64, health: &Health) -> bool {
    let mut wait = Duration::from_millis(100);
    loop {
        match commit(store, &[record], audit_id).await {
            Ok(()) => return true,
            Err(Refused::Stale) => {
                health.deposed.store(true, Ordering::Relaxed);
                health.told_deposed.notify_waiters();
                return false;
            }
            Err(Refused::Database(e)) if refuses(&e) => {
                // Records hold names and numbers: the log says only which.
                tracing::error!("the store refuses {}, left out: {e}", record.summary());
                return false;
            }
            Err(Refused::Database(e)) => {
                health.failing.store(true, Ordering::Relaxed);
                tracing::error!("the store cannot write {} (trying again in {wait:?}): {e}", record.summary());
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

/// Writes `records` in one transaction, behind the fence when there is
/// one; `audit_id` moves on only if it commits.
async fn commit(store: &Fenced, records: &[&Record], audit_id: &mut i64) -> Result<(), Refused> {
    if records.is_empty() {
        return Ok(());
    }
    let mut next = *audit_id;
    let mut tx = store.store.pool.begin().await?;
    if let Some(epoch) = store.epoch {
        if !raise_fence(&mut tx, epoch).await? {
            return Err(Refused::Stale); // rolled back on drop
        }
    }
    for record in records {
        calls::write(&mut tx, record, &mut next).await?;
    }
    tx.commit().await?;
    *audit_id = next;
    Ok(())
}
