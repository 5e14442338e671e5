//! A cached view of the store's health and free space, refreshed in the background so
//! that granting an upload never waits on a store that is down.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::storage::ObjectStore;
use crate::time_util::now_ms;

/// The longest a probe may take before the store counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_millis(800);

/// How the store's room is measured.
#[derive(Debug, Clone)]
pub enum CapacityRule {
    /// Embedded store: free space of the disk under `dir`, less `reserve` bytes.
    FreeDisk { dir: PathBuf, reserve: u64 },
    /// External store: a configured capacity, less what imshare has stored.
    Fixed { capacity: u64 },
}

/// The last probe's verdict, shared between the prober and request handlers.
#[derive(Debug)]
pub struct StoreHealth {
    store: ObjectStore,
    rule: CapacityRule,
    interval: Duration,
    up: AtomicBool,
    checked_at_ms: AtomicI64,
    free_disk: AtomicU64,
}

impl StoreHealth {
    /// A health view that has not probed yet (counts as down until the first probe).
    pub fn new(store: ObjectStore, rule: CapacityRule, interval: Duration) -> Arc<StoreHealth> {
        Arc::new(StoreHealth {
            store,
            rule,
            interval,
            up: AtomicBool::new(false),
            checked_at_ms: AtomicI64::new(0),
            free_disk: AtomicU64::new(0),
        })
    }

    /// Probes now and records the result.
    pub async fn refresh(&self) -> bool {
        let up = matches!(
            tokio::time::timeout(PROBE_TIMEOUT, self.store.probe()).await,
            Ok(Ok(()))
        );
        if let CapacityRule::FreeDisk { dir, .. } = &self.rule {
            if let Some(free) = free_disk_bytes(dir) {
                self.free_disk.store(free, Ordering::Relaxed);
            }
        }
        self.up.store(up, Ordering::Relaxed);
        self.checked_at_ms.store(now_ms(), Ordering::Relaxed);
        metrics::gauge!("imshare_store_up").set(if up { 1.0 } else { 0.0 });
        up
    }

    /// Whether the store is up, from a verdict at most a few intervals old.
    pub async fn is_up(&self) -> bool {
        let age_ms = now_ms() - self.checked_at_ms.load(Ordering::Relaxed);
        // The background prober keeps this fresh; if it has stalled, probe inline (bounded by PROBE_TIMEOUT).
        if age_ms > 3 * self.interval.as_millis() as i64 {
            return self.refresh().await;
        }
        self.up.load(Ordering::Relaxed)
    }

    /// Marks the store down after a failed call, until the next probe says otherwise.
    pub fn mark_down(&self) {
        self.up.store(false, Ordering::Relaxed);
    }

    /// The store's room before reservations, and whether bytes imshare already stored
    /// count against it (a fixed capacity) or are already gone from it (free disk).
    pub fn room(&self) -> (u64, bool) {
        match &self.rule {
            CapacityRule::FreeDisk { reserve, .. } => (
                self.free_disk
                    .load(Ordering::Relaxed)
                    .saturating_sub(*reserve),
                false,
            ),
            CapacityRule::Fixed { capacity } => (*capacity, true),
        }
    }

    /// Probes every interval, forever.
    pub async fn run_prober(self: Arc<Self>) {
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut was_up = None;
        loop {
            ticker.tick().await;
            let up = self.refresh().await;
            if was_up != Some(up) {
                if up {
                    tracing::info!("object store is reachable");
                } else {
                    tracing::warn!(
                        "object store is unreachable; uploads are refused until it is back"
                    );
                }
                was_up = Some(up);
            }
        }
    }
}

fn free_disk_bytes(dir: &std::path::Path) -> Option<u64> {
    let stat = rustix::fs::statvfs(dir).ok()?;
    Some(stat.f_bavail.saturating_mul(stat.f_frsize))
}
