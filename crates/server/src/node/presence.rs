//! Who is connected through which node, as the owner heard it. Each node
//! says it is alive on `alive.<cluster>` every [`BEAT`]; one silent for
//! [`SILENT_AFTER`] (killed, cut off) takes its users' connections with
//! it, as if each had closed: its agents are offline after the usual grace
//! instead of offered calls for ever.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use earshot_protocol::UserId;
use futures_util::StreamExt;

use crate::live::LiveHandle;

/// How often a node says it is alive.
pub const BEAT: Duration = Duration::from_secs(2);

/// How long the owner waits for a node that stopped saying so.
pub const SILENT_AFTER: Duration = Duration::from_secs(6);

/// Each node's connections and when it was last heard of.
#[derive(Default)]
pub struct Presence {
    nodes: Mutex<HashMap<String, Node>>,
}

struct Node {
    heard: Instant,
    users: HashMap<UserId, usize>,
}

impl Presence {
    fn nodes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Node>> {
        self.nodes.lock().expect("the presence's lock")
    }

    fn node<'a>(nodes: &'a mut HashMap<String, Node>, node: &str, now: Instant) -> &'a mut Node {
        let node = nodes.entry(node.to_owned()).or_insert_with(|| Node { heard: now, users: HashMap::new() });
        node.heard = now;
        node
    }

    pub fn connected(&self, node: &str, user: UserId, now: Instant) {
        *Self::node(&mut self.nodes(), node, now).users.entry(user).or_default() += 1;
    }

    pub fn disconnected(&self, node: &str, user: UserId, now: Instant) {
        let mut nodes = self.nodes();
        let users = &mut Self::node(&mut nodes, node, now).users;
        if let Some(count) = users.get_mut(&user) {
            *count -= 1;
            if *count == 0 {
                users.remove(&user);
            }
        }
    }

    pub fn heard(&self, node: &str, now: Instant) {
        Self::node(&mut self.nodes(), node, now);
    }

    /// The nodes silent since `now - SILENT_AFTER`, taken out, each with
    /// its users' connections (a user once per connection).
    pub fn silent(&self, now: Instant) -> Vec<(String, Vec<UserId>)> {
        let mut nodes = self.nodes();
        let gone: Vec<String> = nodes.iter().filter(|(_, node)| now.duration_since(node.heard) >= SILENT_AFTER).map(|(name, _)| name.clone()).collect();
        gone.into_iter()
            .filter_map(|name| {
                let node = nodes.remove(&name)?;
                Some((name, node.users.into_iter().flat_map(|(user, count)| std::iter::repeat_n(user, count)).collect()))
            })
            .collect()
    }
}

/// On every node: says `instance` is alive on `subject`, every [`BEAT`].
pub async fn beat(nats: async_nats::Client, subject: String, instance: String) {
    let mut every = tokio::time::interval(BEAT);
    loop {
        every.tick().await;
        // A beat lost while NATS is away is the silence it should be.
        let _ = nats.publish(subject.clone(), instance.clone().into()).await;
    }
}

/// On the owner: hears the nodes' beats and, for each node gone silent,
/// tells `core` its connections closed.
pub async fn watch(mut beats: async_nats::Subscriber, presence: Arc<Presence>, core: LiveHandle) {
    let mut sweep = tokio::time::interval(BEAT / 2);
    loop {
        tokio::select! {
            beat = beats.next() => match beat {
                Some(beat) => presence.heard(&String::from_utf8_lossy(&beat.payload), Instant::now()),
                None => return,
            },
            _ = sweep.tick() => {
                for (node, users) in presence.silent(Instant::now()) {
                    tracing::warn!(node, connections = users.len(), "a node fell silent: its connections are closed");
                    for user in users {
                        core.disconnected(user).await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_node_takes_its_open_connections_and_a_heard_one_keeps_them() {
        let (presence, t0) = (Presence::default(), Instant::now());
        let (alex, sam) = (UserId(10), UserId(2));
        presence.connected("b#1", alex, t0);
        presence.connected("b#1", alex, t0);
        presence.connected("b#1", sam, t0);
        presence.disconnected("b#1", sam, t0);
        presence.connected("c#1", sam, t0);
        presence.heard("c#1", t0 + SILENT_AFTER - Duration::from_millis(1));
        assert!(presence.silent(t0 + SILENT_AFTER - Duration::from_millis(1)).is_empty(), "not yet");
        assert_eq!(presence.silent(t0 + SILENT_AFTER), [("b#1".to_owned(), vec![alex, alex])], "B's two, and only B's");
        assert!(presence.silent(t0 + SILENT_AFTER * 2).iter().all(|(node, _)| node == "c#1"), "B's are taken out once");
    }
}
