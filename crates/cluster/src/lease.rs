//! One owner per company's core: a lease held in a revisioned key-value
//! bucket (NATS JetStream KV) by renewing it. Sans-IO: the lease says what
//! to ask the bucket ([`Output::Ask`]) and the shell tells it what came
//! back ([`Lease::handle_answer`]) and when time passed.
//!
//! The key is created by whoever takes the lease; the revision of that
//! create is the company's **epoch**. Revisions only grow, so a later
//! owner's epoch is always higher, and every write an owner makes carries
//! its epoch so that the database can refuse a stale one (the fence).
//! The bucket forgets a key [`Timing::expires`] after its last update;
//! the owner renews it every [`Timing::renew`] and stops acting as owner
//! once [`Timing::step_down`] passed without a renewal confirmed — before
//! the key can expire and another node take it.

use std::time::{Duration, Instant};

/// The lease's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timing {
    /// How often the owner renews, and a seeker tries to take the lease.
    pub renew: Duration,
    /// How long after its last renewal an owner stops acting as one.
    pub step_down: Duration,
    /// How long the bucket keeps a key after its last update (its
    /// `max_age`): longer than `step_down`.
    pub expires: Duration,
}

impl Default for Timing {
    /// Renewed every 2 s, lost after 6 s; the owner steps down at 5 s.
    fn default() -> Self {
        Timing { renew: Duration::from_secs(2), step_down: Duration::from_secs(5), expires: Duration::from_secs(6) }
    }
}

/// A request to the bucket, for the lease's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Create the key: refused if it exists (someone holds the lease).
    Create,
    /// Update the key, refused unless its revision is still `revision`.
    Update { revision: u64 },
}

/// What the bucket answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The key was written; it is now at `revision`.
    Written { revision: u64 },
    /// Refused: the key exists (a create) or moved on (an update).
    Refused,
    /// No answer, or an error: nothing is known.
    Failed,
}

/// What the lease tells the shell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output {
    Ask(Ask),
    /// The lease is ours, at `epoch`: act as the company's owner.
    Acquired { epoch: u64 },
    /// It is not (any more): stop acting as owner at once.
    Lost { epoch: u64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Not ours: try to take it at `next`.
    Seeking { next: Instant },
    /// Ours at `epoch`, the key at `revision`, last confirmed at
    /// `confirmed`; the next renewal is due at `next`.
    Holding { epoch: u64, revision: u64, confirmed: Instant, next: Instant },
}

/// One node's hold on one company's lease.
#[derive(Debug)]
pub struct Lease {
    timing: Timing,
    state: State,
    /// An ask is out: no other until it is answered.
    asking: bool,
    outputs: std::collections::VecDeque<Output>,
}

impl Lease {
    /// A lease not held yet, tried for at once.
    pub fn new(now: Instant, timing: Timing) -> Lease {
        debug_assert!(timing.renew < timing.step_down && timing.step_down < timing.expires, "an owner steps down before its key can expire");
        Lease { timing, state: State::Seeking { next: now }, asking: false, outputs: Default::default() }
    }

    /// The epoch this node owns the company at, if it does.
    pub fn epoch(&self) -> Option<u64> {
        match self.state {
            State::Holding { epoch, .. } => Some(epoch),
            State::Seeking { .. } => None,
        }
    }

    /// When [`Lease::handle_timeout`] is next due.
    pub fn poll_timeout(&self) -> Instant {
        match self.state {
            State::Seeking { next } => next,
            State::Holding { confirmed, next, .. } => next.min(confirmed + self.timing.step_down),
        }
    }

    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// Time passed: an owner whose renewals went unconfirmed too long steps
    /// down (first, even if the process was stopped and wakes late); a
    /// renewal or an attempt to take the lease that is due is asked for.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let State::Holding { epoch, confirmed, .. } = self.state {
            if now >= confirmed + self.timing.step_down {
                self.lose(now, epoch);
            }
        }
        if self.asking {
            return;
        }
        match &mut self.state {
            State::Seeking { next } if now >= *next => {
                *next = now + self.timing.renew;
                self.ask(Ask::Create);
            }
            State::Holding { revision, next, .. } if now >= *next => {
                *next = now + self.timing.renew;
                let revision = *revision;
                self.ask(Ask::Update { revision });
            }
            _ => {}
        }
    }

    /// The bucket answered the ask that was out.
    pub fn handle_answer(&mut self, now: Instant, answer: Answer) {
        if !std::mem::take(&mut self.asking) {
            return; // not asked: nothing to learn
        }
        match (self.state, answer) {
            (State::Seeking { .. }, Answer::Written { revision }) => {
                self.state = State::Holding { epoch: revision, revision, confirmed: now, next: now + self.timing.renew };
                self.outputs.push_back(Output::Acquired { epoch: revision });
            }
            (State::Holding { epoch, confirmed, .. }, Answer::Written { revision }) => {
                // Confirmed only if it still counts: a stepped-down owner is lost already.
                if now < confirmed + self.timing.step_down {
                    self.state = State::Holding { epoch, revision, confirmed: now, next: now + self.timing.renew };
                } else {
                    self.lose(now, epoch);
                }
            }
            // The key moved on: another node holds it now.
            (State::Holding { epoch, .. }, Answer::Refused) => self.lose(now, epoch),
            (State::Seeking { .. } | State::Holding { .. }, Answer::Refused | Answer::Failed) => {}
        }
    }

    fn ask(&mut self, ask: Ask) {
        self.asking = true;
        self.outputs.push_back(Output::Ask(ask));
    }

    fn lose(&mut self, now: Instant, epoch: u64) {
        self.state = State::Seeking { next: now + self.timing.renew };
        self.outputs.push_back(Output::Lost { epoch });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(lease: &mut Lease) -> Vec<Output> {
        std::iter::from_fn(|| lease.poll_output()).collect()
    }

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    /// A lease taken at `t0` with a create at `revision`, its outputs read.
    fn held(t0: Instant, revision: u64) -> Lease {
        let mut lease = Lease::new(t0, Timing::default());
        lease.handle_timeout(t0);
        lease.handle_answer(t0, Answer::Written { revision });
        drain(&mut lease);
        lease
    }

    #[test]
    fn a_free_lease_is_taken_at_the_revision_of_its_create_and_renewed_every_two_seconds() {
        let t0 = Instant::now();
        let mut lease = Lease::new(t0, Timing::default());
        lease.handle_timeout(t0);
        assert_eq!(drain(&mut lease), [Output::Ask(Ask::Create)]);
        lease.handle_answer(t0, Answer::Written { revision: 41 });
        assert_eq!((drain(&mut lease), lease.epoch()), (vec![Output::Acquired { epoch: 41 }], Some(41)));
        assert_eq!(lease.poll_timeout(), t0 + secs(2.0));
        lease.handle_timeout(t0 + secs(2.0));
        assert_eq!(drain(&mut lease), [Output::Ask(Ask::Update { revision: 41 })]);
        lease.handle_answer(t0 + secs(2.0), Answer::Written { revision: 44 });
        lease.handle_timeout(t0 + secs(4.0));
        assert_eq!(drain(&mut lease), [Output::Ask(Ask::Update { revision: 44 })], "each renewal names the key's latest revision");
        assert_eq!(lease.epoch(), Some(41), "the epoch is the take's, whatever the renewals");
    }

    #[test]
    fn a_held_lease_is_tried_for_again_and_again_but_never_taken_while_refused() {
        let t0 = Instant::now();
        let mut lease = Lease::new(t0, Timing::default());
        for step in 0..5 {
            let now = t0 + secs(2.0 * f64::from(step));
            lease.handle_timeout(now);
            assert_eq!(drain(&mut lease), [Output::Ask(Ask::Create)]);
            lease.handle_answer(now, if step % 2 == 0 { Answer::Refused } else { Answer::Failed });
            assert_eq!(lease.epoch(), None);
        }
    }

    #[test]
    fn an_owner_whose_renewals_go_unanswered_steps_down_before_its_key_can_expire() {
        let t0 = Instant::now();
        let mut lease = held(t0, 7);
        lease.handle_timeout(t0 + secs(2.0));
        lease.handle_answer(t0 + secs(2.0), Answer::Failed);
        lease.handle_timeout(t0 + secs(4.0));
        lease.handle_answer(t0 + secs(4.0), Answer::Failed);
        assert_eq!(lease.poll_timeout(), t0 + secs(5.0), "the step-down is due before the next renewal");
        lease.handle_timeout(t0 + secs(5.0));
        assert_eq!(drain(&mut lease), [Output::Ask(Ask::Update { revision: 7 }), Output::Ask(Ask::Update { revision: 7 }), Output::Lost { epoch: 7 }]);
        assert!(Timing::default().step_down < Timing::default().expires);
    }

    #[test]
    fn an_owner_stopped_past_its_lease_steps_down_the_moment_it_wakes_before_asking_anything() {
        let t0 = Instant::now();
        let mut lease = held(t0, 7);
        // SIGSTOP for 30 s: the first thing it does on waking is let go.
        lease.handle_timeout(t0 + secs(30.0));
        assert_eq!((drain(&mut lease), lease.epoch()), (vec![Output::Lost { epoch: 7 }], None), "no renewal asked for a lease it no longer holds");
        lease.handle_timeout(t0 + secs(32.0));
        assert_eq!(drain(&mut lease), [Output::Ask(Ask::Create)], "it seeks the lease again, a renewal later");
        lease.handle_answer(t0 + secs(32.0), Answer::Refused);
        assert_eq!(lease.epoch(), None, "another node holds it now");
    }

    #[test]
    fn a_renewal_confirmed_too_late_or_refused_loses_the_lease() {
        let t0 = Instant::now();
        let mut lease = held(t0, 7);
        lease.handle_timeout(t0 + secs(2.0));
        drain(&mut lease);
        // The answer to the renewal asked at 2 s comes back at 5.5 s.
        lease.handle_answer(t0 + secs(5.5), Answer::Written { revision: 9 });
        assert_eq!((drain(&mut lease), lease.epoch()), (vec![Output::Lost { epoch: 7 }], None));

        let mut other = held(t0, 12);
        other.handle_timeout(t0 + secs(2.0));
        drain(&mut other);
        other.handle_answer(t0 + secs(2.0), Answer::Refused);
        assert_eq!(drain(&mut other), [Output::Lost { epoch: 12 }], "the key moved on: someone else's now");
    }

    #[test]
    fn one_ask_at_a_time_and_an_answer_nobody_asked_for_changes_nothing() {
        let t0 = Instant::now();
        let mut lease = Lease::new(t0, Timing::default());
        lease.handle_answer(t0, Answer::Written { revision: 3 });
        assert_eq!(lease.epoch(), None, "not asked");
        lease.handle_timeout(t0);
        lease.handle_timeout(t0 + secs(2.0));
        assert_eq!(drain(&mut lease), [Output::Ask(Ask::Create)], "the first still out");
    }
}
