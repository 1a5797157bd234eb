//! Token-bucket rate limit: a bucket holds at most `capacity` units and refills linearly at
//! `capacity` per `window` seconds. A burst takes at most `capacity`; over any interval of `d`
//! seconds a minter takes at most `capacity + capacity * d / window` (the bucket's contents
//! plus what flowed in), so the long-run rate never exceeds `capacity` per `window`.
//!
//! All arithmetic is u64: `capacity * elapsed / window` is split by quotient and remainder
//! (u128 multiply/divide is not used on-chain). Fractions of a unit are carried in `carry`
//! (in 1/window units) so frequent small mints never lose refill to rounding.
use anchor_lang::prelude::*;

/// Persistent state of one token bucket.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct RateLimit {
    /// Maximum units the bucket holds (the largest single burst).
    pub capacity: u64,
    /// Seconds to refill an empty bucket completely. Never 0 on a configured minter.
    pub window: u32,
    /// Whole units available at `updated_at`.
    pub available: u64,
    /// Fraction of a unit available at `updated_at`, in 1/window units (< window).
    pub carry: u64,
    /// Unix time of the last refill; never moves backwards.
    pub updated_at: i64,
}

/// Why a bucket refused an amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitError {
    /// The amount is larger than what the bucket holds now.
    Exceeded,
}

impl RateLimit {
    /// A full bucket at time `now`.
    pub fn new(capacity: u64, window: u32, now: i64) -> Self {
        Self {
            capacity,
            window,
            available: capacity,
            carry: 0,
            updated_at: now,
        }
    }

    /// The bucket as it stands at `now`. A clock that reads earlier than `updated_at` adds
    /// nothing and does not move `updated_at` back.
    pub fn refilled(&self, now: i64) -> Self {
        let mut next = *self;
        if now <= self.updated_at {
            return next;
        }
        next.updated_at = now;
        // now > updated_at, so the difference is positive; i64 -> u64 cannot fail
        let elapsed = (now as i128 - self.updated_at as i128).min(u64::MAX as i128) as u64;
        let window = u64::from(self.window);
        if window == 0 || elapsed >= window || self.available >= self.capacity {
            // a full window (or more) has passed, or the bucket is already full
            next.available = self.capacity;
            next.carry = 0;
            return next;
        }
        // elapsed < window <= u32::MAX, so every product below fits in u64:
        // capacity * elapsed / window = q * elapsed + (r * elapsed + carry) / window
        let q = self.capacity / window;
        let r = self.capacity % window;
        let fraction = r * elapsed + self.carry.min(window - 1);
        let whole = q * elapsed + fraction / window;
        let available = self.available.saturating_add(whole);
        if available >= self.capacity {
            next.available = self.capacity;
            next.carry = 0;
        } else {
            next.available = available;
            next.carry = fraction % window;
        }
        next
    }

    /// Takes `amount` at `now`; returns the new bucket or refuses without change.
    pub fn consume(&self, amount: u64, now: i64) -> core::result::Result<Self, RateLimitError> {
        let mut next = self.refilled(now);
        if amount > next.available {
            return Err(RateLimitError::Exceeded);
        }
        next.available -= amount;
        Ok(next)
    }

    /// Changes capacity and window at `now`: refills at the old rate first, then keeps what is
    /// available (capped at the new capacity). Raising the capacity does not grant a burst.
    pub fn reconfigured(&self, capacity: u64, window: u32, now: i64) -> Self {
        let current = self.refilled(now);
        Self {
            capacity,
            window,
            available: current.available.min(capacity),
            carry: 0,
            updated_at: current.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn full_bucket_allows_exactly_capacity() {
        let b = RateLimit::new(100, 60, 1_000);
        let b = b.consume(100, 1_000).unwrap();
        assert_eq!(b.available, 0);
        assert_eq!(b.consume(1, 1_000), Err(RateLimitError::Exceeded));
    }

    #[test]
    fn refills_linearly_and_caps_at_capacity() {
        let b = RateLimit::new(100, 100, 0).consume(100, 0).unwrap();
        assert_eq!(b.refilled(10).available, 10);
        assert_eq!(b.refilled(99).available, 99);
        assert_eq!(b.refilled(100).available, 100);
        assert_eq!(b.refilled(1_000_000).available, 100);
    }

    #[test]
    fn fractions_are_carried_not_lost() {
        // 1 unit per 3 seconds: three 1-second steps must yield exactly 1 unit
        let mut b = RateLimit::new(10, 30, 0).consume(10, 0).unwrap();
        for t in 1..=3 {
            b = b.refilled(t);
        }
        assert_eq!(b.available, 1);
        assert_eq!(b.carry, 0);
    }

    #[test]
    fn clock_going_backwards_adds_nothing() {
        let b = RateLimit::new(100, 100, 500).consume(60, 500).unwrap();
        let back = b.refilled(400);
        assert_eq!(back.available, 40);
        assert_eq!(back.updated_at, 500);
        // and the refill resumes from the later time, not from the earlier reading
        assert_eq!(back.refilled(510).available, 50);
        assert_eq!(b.consume(41, i64::MIN), Err(RateLimitError::Exceeded));
    }

    #[test]
    fn window_of_one_second_refills_fully_each_second() {
        let b = RateLimit::new(7, 1, 0).consume(7, 0).unwrap();
        assert_eq!(b.refilled(0).available, 0);
        assert_eq!(b.refilled(1).available, 7);
    }

    #[test]
    fn window_of_zero_never_limits_below_capacity() {
        // configure refuses window 0; the function still stays total and never panics
        let b = RateLimit::new(5, 0, 0).consume(5, 0).unwrap();
        assert_eq!(b.refilled(1).available, 5);
        assert_eq!(b.refilled(0).available, 0);
    }

    #[test]
    fn u64_edges_do_not_overflow() {
        let b = RateLimit::new(u64::MAX, u32::MAX, 0)
            .consume(u64::MAX, 0)
            .unwrap();
        let half = b.refilled(i64::from(u32::MAX / 2));
        assert!(half.available > u64::MAX / 2 - u64::MAX / u64::from(u32::MAX) - 1);
        assert!(half.available < u64::MAX / 2 + 1);
        assert_eq!(b.refilled(i64::from(u32::MAX)).available, u64::MAX);
        assert_eq!(b.refilled(i64::MAX).available, u64::MAX);
        let from_min = RateLimit::new(10, 10, i64::MIN)
            .consume(10, i64::MIN)
            .unwrap();
        assert_eq!(from_min.refilled(i64::MAX).available, 10);
        // capacity smaller than window: only the remainder path contributes
        let small = RateLimit::new(3, u32::MAX, 0).consume(3, 0).unwrap();
        assert_eq!(small.refilled(i64::from(u32::MAX) - 1).available, 2);
    }

    #[test]
    fn reconfigure_keeps_available_capped_at_new_capacity() {
        let b = RateLimit::new(100, 100, 0).consume(30, 0).unwrap();
        let lower = b.reconfigured(50, 100, 0);
        assert_eq!((lower.capacity, lower.available), (50, 50));
        let higher = b.reconfigured(1_000, 10, 0);
        assert_eq!((higher.capacity, higher.available), (1_000, 70));
    }

    proptest! {
        /// Over any interval [t_i, t_j] the accepted mints never exceed the bucket's envelope
        /// capacity + capacity * (t_j - t_i) / window; at one instant, never above capacity.
        #[test]
        fn no_sequence_of_mints_exceeds_the_bucket(
            capacity in 1u64..=u64::MAX,
            window in 1u32..=86_400,
            steps in proptest::collection::vec((0i64..=172_800, any::<u64>()), 1..60),
        ) {
            let mut bucket = RateLimit::new(capacity, window, 0);
            let mut now = 0i64;
            let mut taken: Vec<(i64, u64)> = Vec::new();
            for (dt, raw) in steps {
                now += dt % (2 * i64::from(window) + 1);
                // amounts around what is available, so both outcomes happen
                let amount = raw % capacity.saturating_add(capacity / 4).max(1) + 1;
                if let Ok(next) = bucket.consume(amount, now) {
                    bucket = next;
                    taken.push((now, amount));
                }
                prop_assert!(bucket.available <= capacity);
            }
            for i in 0..taken.len() {
                let mut sum: u128 = 0;
                for j in i..taken.len() {
                    sum += u128::from(taken[j].1);
                    let d = (taken[j].0 - taken[i].0) as u128;
                    let envelope = u128::from(capacity) + u128::from(capacity) * d / u128::from(window);
                    prop_assert!(sum <= envelope, "took {} in {}s, envelope {}", sum, d, envelope);
                }
            }
        }

        /// Refill never decreases the bucket and agrees with exact u128 arithmetic.
        #[test]
        fn refill_matches_exact_arithmetic(
            capacity in 1u64..=u64::MAX,
            window in 1u32..=u32::MAX,
            used in any::<u64>(),
            elapsed in 0u32..=u32::MAX,
        ) {
            let used = used % capacity;
            let b = RateLimit::new(capacity, window, 0).consume(used, 0).unwrap();
            let r = b.refilled(i64::from(elapsed));
            let exact = (u128::from(capacity - used)
                + u128::from(capacity) * u128::from(elapsed) / u128::from(window))
                .min(u128::from(capacity));
            prop_assert_eq!(u128::from(r.available), exact);
        }
    }
}
