//! A governor keyed rate limiter that can also be asked whether a key is over its limit
//! without spending a cell. Sign-in counts failures only, but must refuse a throttled
//! client *before* it spends argon2 time on the guess, and governor 0.10 has no such
//! "peek" (boinkor-net/governor#146, #211 are open). So the limiter runs on a state store
//! of its own: the same DashMap of GCRA states governor's keyed limiters use, where a
//! probe that must not be charged writes the old state back, and a cell spent by an
//! attempt that turned out fine can be given back.

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::keyed::{DashMapStateStore, ShrinkableKeyedStateStore};
use governor::state::{NotKeyed, StateStore};
use governor::{Quota, RateLimiter};

/// A key, and whether this check spends a cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Probe<K> {
    key: K,
    charge: bool,
}

/// governor's DashMap state store, with checks that need not spend.
pub struct PeekableStore<K: Hash + Eq + Clone> {
    inner: Arc<DashMapStateStore<K>>,
}

impl<K: Hash + Eq + Clone> StateStore for PeekableStore<K> {
    type Key = Probe<K>;

    fn measure_and_replace<T, F, E>(&self, probe: &Probe<K>, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        if probe.charge {
            return self.inner.measure_and_replace(&probe.key, f);
        }
        match self.inner.get(&probe.key) {
            // A key never charged is fresh; asking about it must not create it.
            None => f(None).map(|(decision, _)| decision),
            Some(state) => state.measure_and_replace(&NotKeyed::NonKey, |old| {
                f(old).map(|(decision, _)| (decision, old.unwrap_or_default()))
            }),
        }
    }
}

impl<K: Hash + Eq + Clone> ShrinkableKeyedStateStore<Probe<K>> for PeekableStore<K> {
    fn retain_recent(&self, drop_below: Nanos) {
        self.inner.retain_recent(drop_below);
    }

    fn shrink_to_fit(&self) {
        ShrinkableKeyedStateStore::shrink_to_fit(&*self.inner);
    }

    fn len(&self) -> usize {
        ShrinkableKeyedStateStore::len(&*self.inner)
    }

    fn is_empty(&self) -> bool {
        ShrinkableKeyedStateStore::is_empty(&*self.inner)
    }
}

/// Keys that may each spend `limit` cells per `window`, one coming back every
/// `window / limit`.
pub struct Limiter<K: Hash + Eq + Clone> {
    limiter: RateLimiter<Probe<K>, PeekableStore<K>, DefaultClock>,
    /// The limiter's own states, for [`Limiter::refund`].
    states: Arc<DashMapStateStore<K>>,
    /// How long one cell takes to come back.
    period: Duration,
}

impl<K: Hash + Eq + Clone> Limiter<K> {
    /// A limiter of `limit` cells per `window` (both at least 1).
    pub fn new(limit: u32, window: Duration) -> Limiter<K> {
        let limit = std::num::NonZeroU32::new(limit).unwrap_or(std::num::NonZeroU32::MIN);
        let period = (window / limit.get()).max(Duration::from_millis(1));
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(limit))
            .allow_burst(limit);
        let states = Arc::new(DashMapStateStore::default());
        let store = PeekableStore {
            inner: states.clone(),
        };
        Limiter {
            limiter: RateLimiter::new(quota, store, DefaultClock::default()),
            states,
            period: quota.replenish_interval(),
        }
    }

    /// `Err(wait)` if `key` has no cell left now; spends nothing.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.test(key, false)
    }

    /// Spends a cell of `key`; `Err(wait)` if it had none left.
    pub fn spend(&self, key: &K) -> Result<(), Duration> {
        self.test(key, true)
    }

    /// Gives back one cell [`Limiter::spend`] took from `key`.
    pub fn refund(&self, key: &K) {
        let Some(state) = self.states.get(key) else {
            return;
        };
        let period = Nanos::from(self.period);
        // GCRA keeps one "theoretical arrival time" per key; a spend moved it one period
        // on, so moving it one period back undoes that spend.
        let _ = state.measure_and_replace(&NotKeyed::NonKey, |tat| {
            Ok::<_, ()>(((), tat.unwrap_or_default().saturating_sub(period)))
        });
    }

    /// Forgets keys whose cells have all come back, so the map holds only keys that
    /// failed recently.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
        self.limiter.shrink_to_fit();
    }

    /// Keys currently remembered.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    fn test(&self, key: &K, charge: bool) -> Result<(), Duration> {
        let probe = Probe {
            key: key.clone(),
            charge,
        };
        self.limiter
            .check_key(&probe)
            .map_err(|not_until| not_until.wait_time_from(self.limiter.clock().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checking_spends_nothing_and_spending_runs_out() {
        let limiter = Limiter::new(3, Duration::from_secs(60));
        let key = "alice".to_owned();
        for _ in 0..10 {
            assert!(limiter.check(&key).is_ok());
        }
        assert_eq!(limiter.len(), 0, "a check alone remembers nothing");
        for _ in 0..3 {
            assert!(limiter.spend(&key).is_ok());
        }
        let wait = limiter.check(&key).expect_err("three spent");
        assert!(wait > Duration::from_secs(15) && wait <= Duration::from_secs(20));
        assert!(limiter.spend(&key).is_err());
        assert!(limiter.check(&"bob".to_owned()).is_ok(), "keys are apart");
    }

    #[test]
    fn a_refund_gives_a_spent_cell_back() {
        let limiter = Limiter::new(2, Duration::from_secs(60));
        let key = "alice".to_owned();
        limiter.spend(&key).unwrap();
        limiter.spend(&key).unwrap();
        assert!(limiter.check(&key).is_err());
        limiter.refund(&key);
        assert!(
            limiter.spend(&key).is_ok(),
            "the refunded cell is there again"
        );
        assert!(limiter.spend(&key).is_err(), "and only the one");
        limiter.refund(&"never-spent".to_owned());
        assert_eq!(limiter.len(), 1, "refunding an unknown key creates nothing");
    }

    #[test]
    fn idle_keys_are_forgotten() {
        let limiter = Limiter::new(2, Duration::from_millis(20));
        limiter.spend(&1u32).unwrap();
        assert_eq!(limiter.len(), 1);
        std::thread::sleep(Duration::from_millis(40));
        limiter.forget_idle();
        assert_eq!(limiter.len(), 0);
        assert!(limiter.check(&1u32).is_ok());
    }
}
