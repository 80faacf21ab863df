//! Password checks, bounded. Each argon2 check takes ~19 MiB and tens of
//! milliseconds, so a flood of sign-ins must neither hash all at once (the
//! memory) nor queue without end: a fixed pool of threads checks, a bounded
//! queue waits, and beyond it the server is busy (503, Retry-After).

use std::sync::{Arc, Mutex};

use earshot_protocol::Me;
use tokio::sync::{mpsc, oneshot};

use crate::auth::{Auth, HashMemory};
use crate::supervise;

/// Checks at once: each a thread of its own, whose memory is reused.
pub const THREADS: usize = 2;
/// Sign-ins waiting for a thread; more are turned away.
pub const QUEUE: usize = 32;

struct Job {
    email: String,
    password: String,
    reply: oneshot::Sender<Option<Me>>,
}

/// Too many sign-ins at once: try again shortly.
#[derive(Debug)]
pub struct Busy;

pub struct PasswordChecks {
    jobs: mpsc::Sender<Job>,
}

impl PasswordChecks {
    /// Starts the checking threads; they end with the last handle.
    pub fn start(auth: Arc<Auth>) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..THREADS {
            let (queue, auth) = (Arc::clone(&queue), Arc::clone(&auth));
            supervise::thread(format!("password-check-{i}"), move || {
                let mut memory = HashMemory::default();
                loop {
                    // The lock only hands out the next job; a poisoned one
                    // means a sibling panicked: the process is stopping.
                    let Some(job) = queue.lock().ok().and_then(|mut q| q.blocking_recv()) else { return };
                    let _ = job.reply.send(auth.verify(&job.email, &job.password, &mut memory)); // the asker may have gone
                }
            })?;
        }
        Ok(Self { jobs })
    }

    /// The account the email and password sign in to, if any.
    pub async fn check(&self, email: String, password: String) -> Result<Option<Me>, Busy> {
        let (reply, answer) = oneshot::channel();
        self.jobs.try_send(Job { email, password, reply }).map_err(|_| Busy)?;
        answer.await.map_err(|_| Busy)
    }
}
