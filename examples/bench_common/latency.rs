//! Latency recording for the fan-out benchmark: every message carries the phase it was
//! sent in and its send time (µs since the run began, one clock: senders and receivers
//! live in this one process); receivers count it into that phase's histogram.

// Each benchmark uses part of this module; what one leaves unused is not dead.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

/// Phases one run may have (rate steps plus the 80 % run).
pub const PHASES: usize = 16;
/// 10 µs buckets below 100 ms, then 1 ms buckets up to ~10 s.
const FINE: u64 = 10_000;
const BUCKETS: usize = 20_000;

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// µs since the run began.
pub fn now_us() -> u64 {
    epoch().elapsed().as_micros() as u64
}

/// The body of a message sent now in `phase`, padded to about `size` bytes.
pub fn body(phase: usize, size: usize) -> String {
    let mut b = format!("{phase}:{}:", now_us());
    while b.len() < size {
        b.push('x');
    }
    b
}

/// Per-phase delivery counts and latency histograms.
pub struct Recorder {
    buckets: Vec<AtomicU64>,
}

impl Default for Recorder {
    fn default() -> Self {
        Recorder {
            buckets: (0..PHASES * BUCKETS).map(|_| AtomicU64::new(0)).collect(),
        }
    }
}

fn bucket(us: u64) -> usize {
    if us < FINE * 10 {
        (us / 10) as usize
    } else {
        (FINE + (us - FINE * 10) / 1000).min(BUCKETS as u64 - 1) as usize
    }
}

fn bucket_us(i: usize) -> u64 {
    let i = i as u64;
    if i < FINE {
        i * 10 + 5
    } else {
        FINE * 10 + (i - FINE) * 1000 + 500
    }
}

impl Recorder {
    /// Records a received body ("phase:sent_us:..."); anything else is ignored.
    pub fn record(&self, body: &str) {
        let mut parts = body.splitn(3, ':');
        let (Some(Ok(phase)), Some(Ok(sent))) = (
            parts.next().map(str::parse::<usize>),
            parts.next().map(str::parse::<u64>),
        ) else {
            return;
        };
        if phase < PHASES {
            let i = phase * BUCKETS + bucket(now_us().saturating_sub(sent));
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Deliveries recorded so far, all phases together.
    pub fn total(&self) -> u64 {
        self.buckets.iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }

    /// The slowest delivery of `phase` in ms (to the bucket), or 0 if there was none.
    pub fn max_ms(&self, phase: usize) -> f64 {
        let counts = &self.buckets[phase * BUCKETS..(phase + 1) * BUCKETS];
        counts
            .iter()
            .rposition(|c| c.load(Ordering::Relaxed) > 0)
            .map_or(0.0, |i| bucket_us(i) as f64 / 1000.0)
    }

    /// Deliveries of `phase` and their 50th and 99th percentile latencies in ms.
    pub fn summary(&self, phase: usize) -> (u64, f64, f64) {
        let counts: Vec<u64> = self.buckets[phase * BUCKETS..(phase + 1) * BUCKETS]
            .iter()
            .map(|c| c.load(Ordering::Relaxed))
            .collect();
        let total: u64 = counts.iter().sum();
        let pct = |q: f64| {
            let want = (total as f64 * q).ceil() as u64;
            let mut seen = 0;
            for (i, c) in counts.iter().enumerate() {
                seen += c;
                if seen >= want.max(1) {
                    return bucket_us(i) as f64 / 1000.0;
                }
            }
            0.0
        };
        (total, pct(0.50), pct(0.99))
    }
}
