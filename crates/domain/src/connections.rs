//! Who has Earshot open: connections per user, and how long a coach whose
//! every connection dropped keeps their seat on the call (a reload or a
//! network change must not end a coaching session; a closed laptop must).

use std::collections::BTreeMap;
use std::time::Duration;

use earshot_protocol::{Millis, UserId};

#[derive(Debug, Default)]
pub(crate) struct Connections {
    open: BTreeMap<UserId, u32>,
    /// Coaches with no open connection, and when their seat is given up.
    orphans: BTreeMap<UserId, Millis>,
}

/// What a connection change means for the user's presence.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Edge {
    /// The first connection opened: the user came online.
    Online,
    /// The last connection closed: the user went offline.
    Offline,
    /// One more or one fewer, but no change of presence.
    None,
}

impl Connections {
    pub fn open(&mut self, user: UserId) -> Edge {
        self.orphans.remove(&user);
        let count = self.open.entry(user).or_default();
        *count += 1;
        if *count == 1 { Edge::Online } else { Edge::None }
    }

    pub fn close(&mut self, user: UserId) -> Edge {
        let Some(count) = self.open.get_mut(&user) else { return Edge::None };
        *count -= 1;
        if *count > 0 {
            return Edge::None;
        }
        self.open.remove(&user);
        Edge::Offline
    }

    pub fn is_open(&self, user: UserId) -> bool {
        self.open.contains_key(&user)
    }

    /// Starts the clock on an offline coach's seat.
    pub fn orphan(&mut self, now: Millis, user: UserId, grace: Duration) {
        self.orphans.insert(user, Millis(now.0.saturating_add(grace.as_millis() as u64)));
    }

    pub fn next_expiry(&self) -> Option<Millis> {
        self.orphans.values().copied().min()
    }

    /// The orphans whose grace is over, forgotten as they are returned.
    pub fn expire(&mut self, now: Millis) -> Vec<UserId> {
        let expired: Vec<UserId> = self.orphans.iter().filter(|(_, at)| **at <= now).map(|(user, _)| *user).collect();
        for user in &expired {
            self.orphans.remove(user);
        }
        expired
    }
}
