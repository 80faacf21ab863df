//! Who may sign in, the same on every node: each node keeps the accounts
//! in memory (a sign-in checks them there), so what changes on one — a
//! person saved, a password set, sessions ended — is told on
//! `accounts.<cluster>` and changed on the others as well (their sockets
//! of an ended session close too).

use std::sync::Arc;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::auth::{AccountNews, Auth};

/// A node's news, with the node's name (each hears its own too).
#[derive(Serialize, Deserialize)]
struct Told {
    from: String,
    news: AccountNews,
}

/// Tells the other nodes what changes in `auth` here, and changes here
/// what they tell.
pub async fn share(nats: async_nats::Client, subject: String, node: String, auth: Arc<Auth>) -> Result<(), String> {
    let heard = nats.subscribe(subject.clone()).await.map_err(|e| format!("cannot follow {subject}: {e}"))?;
    crate::supervise::task("accounts told by other nodes", hear(heard, node.clone(), Arc::clone(&auth)));
    crate::supervise::task("accounts told to other nodes", tell(nats, subject, node, auth.tell_others()));
    Ok(())
}

async fn tell(nats: async_nats::Client, subject: String, from: String, mut news: mpsc::UnboundedReceiver<AccountNews>) {
    while let Some(news) = news.recv().await {
        let told = serde_json::to_vec(&Told { from: from.clone(), news }).expect("account news serialises");
        // Queued while NATS is away, sent when it is back.
        if let Err(e) = nats.publish(subject.clone(), told.into()).await {
            tracing::error!("cannot tell the other nodes of an account's change: {e}");
        }
    }
}

async fn hear(mut heard: async_nats::Subscriber, node: String, auth: Arc<Auth>) {
    while let Some(message) = heard.next().await {
        match serde_json::from_slice::<Told>(&message.payload) {
            Ok(told) if told.from == node => {}
            Ok(told) => {
                if let Err(e) = auth.heard(told.news).await {
                    tracing::error!("cannot take in another node's change to an account: {e}");
                }
            }
            Err(e) => tracing::error!("account news on {} does not read: {e}", message.subject),
        }
    }
}
