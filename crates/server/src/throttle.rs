//! Backing off repeated attempts: failed sign-ins (per client address and
//! per account) and anonymous callers' dials (per address). A few attempts
//! are free; then each further one must wait twice as long as the last, up
//! to a cap — so guessing and flooding are slow, and no lock is permanent
//! (an attacker cannot keep a real user out for longer than the cap). A
//! success or a quiet spell forgets. Actions that are fine in moderation
//! (an agent's tags and comments) get a steady rate instead: a burst, then
//! one per period ([`RateLimit`]). Sans-IO: time is an argument.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How hard attempts back off.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    /// Attempts allowed before any wait.
    pub free: u32,
    /// The first wait; each attempt after it doubles.
    pub first: Duration,
    /// The longest wait.
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { free: 5, first: Duration::from_secs(1), cap: Duration::from_secs(60) }
    }
}

/// Attempts are forgotten after this long without one.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Keys tracked at most: a flood of addresses cannot grow memory without end
/// (the oldest are forgotten first).
const MAX_KEYS: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
    wait_until: Instant,
}

/// Attempts per key.
#[derive(Debug)]
pub struct Throttle<K> {
    backoff: Backoff,
    keys: HashMap<K, Failures>,
}

impl<K: Hash + Eq + Clone> Throttle<K> {
    pub fn new(backoff: Backoff) -> Self {
        Self { backoff, keys: HashMap::new() }
    }

    /// How long `key` must still wait, if at all.
    pub fn wait(&self, key: &K, now: Instant) -> Option<Duration> {
        let failures = self.keys.get(key)?;
        (failures.wait_until > now).then(|| failures.wait_until - now)
    }

    /// An attempt that counts when it may go ahead (a dial): `Err` with the
    /// wait when it may not (and then it is not counted).
    pub fn attempt(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        match self.wait(&key, now) {
            Some(wait) => Err(wait),
            None => {
                self.count(key, now);
                Ok(())
            }
        }
    }

    /// Counts an attempt (a failed sign-in, a dial).
    pub fn count(&mut self, key: K, now: Instant) {
        if self.keys.len() >= MAX_KEYS && !self.keys.contains_key(&key) {
            self.forget_oldest(now);
        }
        let failures = self.keys.entry(key).or_insert(Failures { count: 0, last: now, wait_until: now });
        if now.duration_since(failures.last) > FORGET_AFTER {
            failures.count = 0;
        }
        failures.count += 1;
        failures.last = now;
        if let Some(over) = failures.count.checked_sub(self.backoff.free) {
            let wait = self.backoff.first.saturating_mul(1 << over.min(16)).min(self.backoff.cap);
            failures.wait_until = now + wait;
        }
    }

    /// Forgets `key`'s attempts (a successful sign-in).
    pub fn forget(&mut self, key: &K) {
        self.keys.remove(key);
    }

    fn forget_oldest(&mut self, now: Instant) {
        self.keys.retain(|_, f| now.duration_since(f.last) <= FORGET_AFTER);
        if self.keys.len() >= MAX_KEYS {
            if let Some(oldest) = self.keys.iter().min_by_key(|(_, f)| f.last).map(|(k, _)| k.clone()) {
                self.keys.remove(&oldest);
            }
        }
    }
}

/// Sign-ins back off per client address and per account, whichever waits longer.
#[derive(Debug)]
pub struct SignInThrottle {
    by_address: Throttle<IpAddr>,
    by_account: Throttle<String>,
}

impl SignInThrottle {
    pub fn new(backoff: Backoff) -> Self {
        // An address may mistype a few accounts' passwords: twice the slack.
        let per_address = Backoff { free: backoff.free * 2, ..backoff };
        Self { by_address: Throttle::new(per_address), by_account: Throttle::new(backoff) }
    }

    pub fn wait(&self, address: IpAddr, account: &str, now: Instant) -> Option<Duration> {
        let account = normalise(account);
        match (self.by_address.wait(&address, now), self.by_account.wait(&account, now)) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Reserves a sign-in attempt before its password is checked, counted
    /// as failed until it succeeds: guesses sent at once each take a place,
    /// so no more of them reach the (slow) check than the backoff lets
    /// through. `Err` with the wait when it may not go ahead (not counted).
    pub fn attempt(&mut self, address: IpAddr, account: &str, now: Instant) -> Result<(), Duration> {
        if let Some(wait) = self.wait(address, account, now) {
            return Err(wait);
        }
        self.by_address.count(address, now);
        self.by_account.count(normalise(account), now);
        Ok(())
    }

    pub fn succeeded(&mut self, address: IpAddr, account: &str) {
        self.by_address.forget(&address);
        self.by_account.forget(&normalise(account));
    }
}

/// A steady rate: `burst` actions at once, then one more each `every`.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

/// What an insider may do only at a steady rate, each kind on its own
/// bucket: each costs every dashboard or the store something (a delta, a
/// row, a snapshot built on the core's thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Flood {
    /// Tags, comments, raised hands, presence, calls out.
    Notes,
    Holds,
    /// Dashboard snapshots asked for.
    Subscribes,
    /// Refused attempts to listen or to speak (each an audit row).
    RefusedCoaching,
}

impl Flood {
    /// Why the user is told to wait.
    pub fn too_fast(self) -> &'static str {
        match self {
            Flood::Notes => "you are making changes too fast",
            Flood::Holds => "you are putting the call on hold and off too fast",
            Flood::Subscribes => "the dashboard is being reloaded too often",
            Flood::RefusedCoaching => "too many refused attempts to coach",
        }
    }
}

/// A token bucket per key.
#[derive(Debug)]
pub struct RateLimit<K> {
    rate: Rate,
    /// When each key's bucket is full again; a key absent is full.
    full_at: HashMap<K, Instant>,
}

impl<K: Hash + Eq + Clone> RateLimit<K> {
    pub fn new(rate: Rate) -> Self {
        Self { rate, full_at: HashMap::new() }
    }

    /// Takes one action for `key`, or says how long until it may.
    pub fn take(&mut self, key: K, now: Instant) -> Result<(), Duration> {
        if self.full_at.len() >= MAX_KEYS {
            self.full_at.retain(|_, full| *full > now);
        }
        let next = self.after_one_more(&key, now)?;
        self.full_at.insert(key, next);
        Ok(())
    }

    /// Whether `key` may take one action now, taking none.
    pub fn wait(&self, key: &K, now: Instant) -> Result<(), Duration> {
        self.after_one_more(key, now).map(drop)
    }

    /// When `key`'s bucket would be full again after one more action, or
    /// how long until it may take one.
    fn after_one_more(&self, key: &K, now: Instant) -> Result<Instant, Duration> {
        let window = self.rate.every.saturating_mul(self.rate.burst);
        // The bucket as a time: full at `full_at`, each action pushes it on by `every`.
        let full_at = self.full_at.get(key).copied().filter(|full| *full > now).unwrap_or(now);
        let next = full_at + self.rate.every;
        if next > now + window {
            return Err(next - (now + window));
        }
        Ok(next)
    }
}

/// A wait in whole seconds, rounded up: what `Retry-After` and the words
/// "try again in N s" say.
pub fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// "`why`: try again in N s", for a refusal that passes with time.
pub fn try_again(why: &str, wait: Duration) -> String {
    format!("{why}: try again in {} s", whole_seconds(wait))
}

/// A throttle the requests share, for one check or count at a time (never
/// held across an await).
pub fn locked<T>(shared: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while it was held could only have skipped a count.
    shared.lock().unwrap_or_else(PoisonError::into_inner)
}

fn normalise(account: &str) -> String {
    account.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BACKOFF: Backoff = Backoff { free: 2, first: Duration::from_secs(1), cap: Duration::from_secs(8) };

    #[test]
    fn a_few_failures_are_free_then_each_waits_twice_as_long_up_to_the_cap() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(BACKOFF);
        let mut waits = Vec::new();
        for i in 0..8 {
            let now = t0 + Duration::from_secs(100 * i);
            throttle.count("sam", now);
            waits.push(throttle.wait(&"sam", now).map_or(0, |w| w.as_secs()));
        }
        assert_eq!(waits, [0, 1, 2, 4, 8, 8, 8, 8], "two free, then the third waits");
    }

    #[test]
    fn an_attempt_counts_only_when_it_may_go_ahead() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(BACKOFF);
        assert_eq!((throttle.attempt("caller", t0), throttle.attempt("caller", t0)), (Ok(()), Ok(())));
        assert_eq!(throttle.attempt("caller", t0), Err(Duration::from_secs(1)));
        assert_eq!(throttle.attempt("caller", t0), Err(Duration::from_secs(1)), "a refused attempt is not counted");
        assert_eq!(whole_seconds(Duration::from_millis(1_001)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(1)), 1);
    }

    #[test]
    fn the_wait_runs_out_and_success_or_quiet_forgets() {
        let t0 = Instant::now();
        let mut throttle = Throttle::new(BACKOFF);
        for _ in 0..4 {
            throttle.count("sam", t0);
        }
        assert_eq!(throttle.wait(&"sam", t0), Some(Duration::from_secs(4)));
        assert_eq!(throttle.wait(&"sam", t0 + Duration::from_secs(4)), None, "no lock is permanent");
        throttle.forget(&"sam");
        assert_eq!(throttle.wait(&"sam", t0), None, "a success forgets");
        let later = t0 + FORGET_AFTER + Duration::from_secs(1);
        throttle.count("sam", t0);
        throttle.count("sam", later);
        assert_eq!(throttle.wait(&"sam", later), None, "a quiet spell forgets");
    }

    #[test]
    fn a_rate_allows_a_burst_then_one_per_period_and_refills_when_quiet() {
        let t0 = Instant::now();
        let mut rate = RateLimit::new(Rate { burst: 3, every: Duration::from_secs(2) });
        let burst: Vec<_> = (0..4).map(|_| rate.take("alex", t0)).collect();
        assert_eq!(burst, [Ok(()), Ok(()), Ok(()), Err(Duration::from_secs(2))]);
        assert_eq!(rate.take("bea", t0), Ok(()), "each key has its own bucket");
        assert_eq!(rate.take("alex", t0 + Duration::from_secs(2)), Ok(()), "one more each period");
        assert_eq!(rate.take("alex", t0 + Duration::from_secs(3)), Err(Duration::from_secs(1)));
        let quiet = t0 + Duration::from_secs(60);
        assert!((0..3).all(|_| rate.take("alex", quiet).is_ok()), "a quiet spell refills the whole burst");
    }

    #[test]
    fn an_address_and_an_account_back_off_apart_and_the_longer_wait_wins() {
        let t0 = Instant::now();
        let mut throttle = SignInThrottle::new(BACKOFF);
        let (home, office) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for _ in 0..2 {
            throttle.attempt(home, "Sam@Example.com ", t0).unwrap();
        }
        assert_eq!(throttle.wait(office, "sam@example.com", t0), Some(Duration::from_secs(1)), "the account, from anywhere");
        assert_eq!(throttle.wait(home, "ada@example.com", t0), None, "the address still has slack for another account");
        for account in ["a", "b"] {
            throttle.attempt(home, account, t0).unwrap();
        }
        let refused = throttle.attempt(home, "c", t0);
        assert_eq!(refused, Err(Duration::from_secs(1)), "four attempts from one address, four free: then a wait, and a refused try is not counted");
        let later = t0 + Duration::from_secs(1);
        throttle.attempt(home, "c", later).unwrap();
        assert_eq!(throttle.wait(home, "ada@example.com", later), Some(Duration::from_secs(2)), "the next waits twice as long");
    }
}
