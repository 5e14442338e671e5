//! The real-time gateway: `GET /v1/ws`. It reads client frames and turns them into domain
//! calls (group messages, region sync, app messages, event acks), and on connect sends
//! the user's owed events and presence. Getting frames to users, on this node or another, is
//! [`crate::delivery`]'s.
//!
//! A group message is stored (and committed) before it is acked and fanned out, so an
//! acked message survives a crash and a member who missed it replays it with `group.sync`.

mod connection;
mod frames;
mod handler;
mod routes;
mod sync;

pub use routes::{configure, Gateway};

use std::time::Instant;

/// A token bucket: `per_sec` frames a second on average, bursts of up to `burst`.
struct RateLimit {
    tokens: f64,
    per_sec: f64,
    burst: f64,
    last: Instant,
}

impl RateLimit {
    fn new(per_sec: u32, burst: u32) -> RateLimit {
        let burst = f64::from(burst.max(1));
        RateLimit {
            tokens: burst,
            per_sec: f64::from(per_sec),
            burst,
            last: Instant::now(),
        }
    }

    /// Takes a token if there is one.
    fn allow(&mut self) -> bool {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.last).as_secs_f64() * self.per_sec)
            .min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}
