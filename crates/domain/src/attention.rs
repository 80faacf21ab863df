//! What makes a live call need a coach: its agent's raised hand, a listed
//! phrase the customer said, and its signals — from its audio (told by the
//! shell that listens), or a hold that lasts. Live only: none of it is kept
//! in a call's record (the core logs a phrase in the call's timeline).

use std::collections::BTreeMap;
use std::time::Duration;

use earshot_protocol::{CallId, CallSignal, Millis, RaisedHand, SignalKind, SpottedPhrase};

#[derive(Debug)]
pub struct Attention {
    hands: BTreeMap<CallId, RaisedHand>,
    /// Since a coach last joined, oldest first.
    phrases: BTreeMap<CallId, Vec<SpottedPhrase>>,
    signals: BTreeMap<CallId, BTreeMap<SignalKind, Millis>>,
    /// When each call on hold went on hold.
    held: BTreeMap<CallId, Millis>,
    long_hold: Duration,
}

impl Attention {
    /// A hold this long is a signal, unless the company says otherwise.
    pub const LONG_HOLD: Duration = Duration::from_secs(120);

    pub fn new(long_hold: Duration) -> Self {
        Self { hands: BTreeMap::new(), phrases: BTreeMap::new(), signals: BTreeMap::new(), held: BTreeMap::new(), long_hold }
    }

    pub fn set_long_hold(&mut self, long_hold: Duration) {
        self.long_hold = long_hold;
    }

    pub fn hand(&self, call: CallId) -> Option<RaisedHand> {
        self.hands.get(&call).cloned()
    }

    pub fn phrases(&self, call: CallId) -> Vec<SpottedPhrase> {
        self.phrases.get(&call).cloned().unwrap_or_default()
    }

    /// The customer said a listed phrase; the oldest beyond
    /// [`SpottedPhrase::KEPT`] goes.
    pub fn phrase(&mut self, call: CallId, phrase: String, at: Millis) {
        let heard = self.phrases.entry(call).or_default();
        heard.push(SpottedPhrase { phrase, at });
        if heard.len() > SpottedPhrase::KEPT {
            heard.remove(0);
        }
    }

    pub fn signals(&self, call: CallId) -> Vec<CallSignal> {
        let on = self.signals.get(&call).into_iter().flatten();
        on.map(|(&kind, &since)| CallSignal { kind, since }).collect()
    }

    /// The agent asks (again): a new reason keeps the hand's place, and
    /// needs a coach again. Whether anything changed.
    pub fn raise(&mut self, call: CallId, now: Millis, reason: String) -> bool {
        let since = self.hands.get(&call).map_or(now, |hand| hand.since);
        let hand = RaisedHand { since, reason, answered: false };
        self.hands.insert(call, hand.clone()) != Some(hand)
    }

    /// Whether there was a hand to lower.
    pub fn lower(&mut self, call: CallId) -> bool {
        self.hands.remove(&call).is_some()
    }

    /// A coach joined: the phrases are theirs now. Telling the agent, the
    /// hand goes down; silently, it stays up for the agent, answered for
    /// everyone else.
    pub fn coach_joined(&mut self, call: CallId, told_agent: bool) {
        self.phrases.remove(&call);
        if told_agent {
            self.hands.remove(&call);
        } else if let Some(hand) = self.hands.get_mut(&call) {
            hand.answered = true;
        }
    }

    /// A new agent, a new conversation: nothing of the last one holds.
    pub fn new_conversation(&mut self, call: CallId) {
        self.hands.remove(&call);
        self.phrases.remove(&call);
        self.signals.remove(&call);
    }

    pub fn ended(&mut self, call: CallId) {
        self.new_conversation(call);
        self.held.remove(&call);
    }

    /// A signal from the call's audio started (`since`) or ended (`None`).
    /// Whether anything changed.
    pub fn signal(&mut self, call: CallId, kind: SignalKind, since: Option<Millis>) -> bool {
        let on = self.signals.entry(call).or_default();
        let changed = match since {
            Some(since) => on.insert(kind, since) != Some(since),
            None => on.remove(&kind).is_some(),
        };
        if on.is_empty() {
            self.signals.remove(&call);
        }
        changed
    }

    /// The call went on hold at `now`, or came off it (and its long hold
    /// with it). Whether its signals changed.
    pub fn hold(&mut self, call: CallId, on: bool, now: Millis) -> bool {
        if on {
            self.held.entry(call).or_insert(now);
            false
        } else {
            self.held.remove(&call);
            self.signal(call, SignalKind::LongHold, None)
        }
    }

    /// When the next hold becomes a long one.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let pending = self.held.iter().filter(|(call, _)| !self.has(**call, SignalKind::LongHold));
        pending.map(|(_, since)| self.long_hold_at(*since)).min()
    }

    /// Holds that became long by `now`: the calls whose signals changed.
    pub fn handle_timeout(&mut self, now: Millis) -> Vec<CallId> {
        let due: Vec<(CallId, Millis)> = self
            .held
            .iter()
            .filter(|(call, since)| self.long_hold_at(**since) <= now && !self.has(**call, SignalKind::LongHold))
            .map(|(&call, &since)| (call, since))
            .collect();
        for &(call, since) in &due {
            self.signal(call, SignalKind::LongHold, Some(since));
        }
        due.into_iter().map(|(call, _)| call).collect()
    }

    fn has(&self, call: CallId, kind: SignalKind) -> bool {
        self.signals.get(&call).is_some_and(|on| on.contains_key(&kind))
    }

    fn long_hold_at(&self, since: Millis) -> Millis {
        Millis(since.0 + self.long_hold.as_millis() as u64)
    }
}
