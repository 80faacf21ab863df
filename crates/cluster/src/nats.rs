//! The lease's shell over NATS JetStream: its bucket is a KV store whose
//! `max_age` is the lease's expiry, each company's lease one key in it.

use std::time::Duration;

use async_nats::jetstream::kv::{self, CreateErrorKind, UpdateErrorKind};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::lease::{Answer, Ask, Lease, Output, Timing};

/// The bucket the companies' leases are kept in.
pub const LEASES: &str = "earshot-leases";

/// The leases' bucket, made if it is not there yet (one copy of each key,
/// forgotten `timing.expires` after its last update).
pub async fn leases(jetstream: &async_nats::jetstream::Context, timing: Timing) -> Result<kv::Store, async_nats::Error> {
    let config = kv::Config { bucket: LEASES.to_owned(), history: 1, max_age: timing.expires, ..Default::default() };
    Ok(jetstream.create_key_value(config).await?)
}

/// Holds `key` for `node` while it runs: the epoch this node owns it at
/// (`None` while it does not) is sent on `epoch` each time it changes.
pub async fn hold(bucket: kv::Store, key: String, node: String, timing: Timing, epoch: watch::Sender<Option<u64>>) {
    let mut lease = Lease::new(Instant::now().into_std(), timing);
    loop {
        lease.handle_timeout(Instant::now().into_std());
        while let Some(output) = lease.poll_output() {
            match output {
                Output::Ask(ask) => {
                    let answer = tokio::time::timeout(timing.renew, asked(&bucket, &key, &node, ask)).await.unwrap_or(Answer::Failed);
                    lease.handle_answer(Instant::now().into_std(), answer);
                }
                Output::Acquired { epoch: now } => {
                    tracing::info!(key, epoch = now, "this node owns the company now");
                    epoch.send_replace(Some(now));
                }
                Output::Lost { epoch: was } => {
                    tracing::info!(key, epoch = was, "this node no longer owns the company");
                    epoch.send_replace(None);
                }
            }
        }
        tokio::time::sleep_until(lease.poll_timeout().into()).await;
    }
}

/// What the bucket says to `ask`.
async fn asked(bucket: &kv::Store, key: &str, node: &str, ask: Ask) -> Answer {
    let value = bytes::Bytes::copy_from_slice(node.as_bytes());
    let written = match ask {
        Ask::Create => bucket.create(key, value).await.map_err(|e| e.kind() == CreateErrorKind::AlreadyExists),
        Ask::Update { revision } => bucket.update(key, value, revision).await.map_err(|e| e.kind() == UpdateErrorKind::WrongLastRevision),
    };
    match written {
        Ok(revision) => Answer::Written { revision },
        Err(true) => Answer::Refused,
        Err(false) => Answer::Failed,
    }
}

/// How long after its lease expired another node can have taken it, at
/// most: the expiry, then one attempt's wait.
pub fn takeover_within(timing: Timing) -> Duration {
    timing.expires + timing.renew * 2
}
