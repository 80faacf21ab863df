//! How long a packet spends inside a shard: from reading a datagram to
//! having sent every datagram it caused (the forwards). A log-linear
//! histogram: exact below 16 µs, then eight steps per doubling (≤ 12.5 %).
//! Beside it, the time the shard spent inside its SFU core (str0m and the
//! routing), so that a thread's CPU splits into the core and its shell
//! (sockets, runtime).

use std::time::Duration;

const EXACT: usize = 16;
const STEPS: usize = 8;
/// Up to 2^31 µs (36 min): far beyond any hop.
const BUCKETS: usize = EXACT + (31 - 4) * STEPS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hops {
    counts: Vec<u64>,
    /// Time spent inside the SFU core.
    pub core: Duration,
}

impl Default for Hops {
    fn default() -> Self {
        Self { counts: vec![0; BUCKETS], core: Duration::ZERO }
    }
}

impl Hops {
    pub fn record(&mut self, hop: Duration) {
        let bucket = bucket(hop.as_micros().min(u128::from(u32::MAX >> 1)) as u64);
        self.counts[bucket] += 1;
    }

    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Adds `other`'s hops (another shard's).
    pub fn merge(&mut self, other: &Hops) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
        self.core += other.core;
    }

    /// The hops recorded since `earlier` (a copy taken then).
    pub fn since(&self, earlier: &Hops) -> Hops {
        Hops {
            counts: self.counts.iter().zip(&earlier.counts).map(|(now, then)| now - then).collect(),
            core: self.core.saturating_sub(earlier.core),
        }
    }

    /// The hop that `fraction` of hops took at most (its bucket's upper end).
    pub fn percentile(&self, fraction: f64) -> Duration {
        let wanted = (self.count() as f64 * fraction).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, count) in self.counts.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return Duration::from_micros(upper(bucket));
            }
        }
        Duration::ZERO
    }
}

fn bucket(us: u64) -> usize {
    if us < EXACT as u64 {
        return us as usize;
    }
    let exponent = 63 - us.leading_zeros() as usize; // ≥ 4
    let step = ((us >> (exponent - 3)) & 7) as usize;
    EXACT + (exponent - 4) * STEPS + step
}

/// The largest value in `bucket`, in µs.
fn upper(bucket: usize) -> u64 {
    if bucket < EXACT {
        return bucket as u64;
    }
    let (exponent, step) = ((bucket - EXACT) / STEPS + 4, ((bucket - EXACT) % STEPS) as u64);
    ((8 + step + 1) << (exponent - 3)) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_their_values() {
        for us in [0, 1, 15, 16, 17, 31, 32, 100, 999, 1_000, 65_535, 1 << 30] {
            let b = bucket(us);
            assert!(upper(b) >= us, "{us} µs in bucket {b} (≤ {})", upper(b));
            assert!(b == 0 || upper(b - 1) < us, "{us} µs belongs to no earlier bucket");
            assert!(upper(b) - us <= us / 8, "within 12.5 %: {us} → {}", upper(b));
        }
    }

    #[test]
    fn percentiles_and_differences() {
        let mut hops = Hops::default();
        for us in 1..=100 {
            hops.record(Duration::from_micros(us));
        }
        let earlier = hops.clone();
        hops.record(Duration::from_millis(5));
        assert_eq!(hops.percentile(0.5), Duration::from_micros(51), "bucket 48–51");
        assert_eq!(hops.since(&earlier).count(), 1);
        assert!(hops.since(&earlier).percentile(0.99) >= Duration::from_millis(5));
    }
}
