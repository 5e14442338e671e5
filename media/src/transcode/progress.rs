//! Progress as whole percents of the input decoded.

use super::Event;

/// Turns decoded time into whole percents, reporting each increase once.
pub(super) struct Progress {
    duration_secs: f64,
    reported: Option<u8>,
}

impl Progress {
    /// Progress through a clip of this length.
    pub fn new(duration_ms: i64) -> Self {
        Self {
            duration_secs: duration_ms as f64 / 1000.0,
            reported: None,
        }
    }

    /// Reports up to 99: 100 is kept for "every output is finished".
    pub fn report(&mut self, decoded_secs: f64, on_event: &mut dyn FnMut(Event)) {
        if self.duration_secs <= 0.0 {
            return;
        }
        let percent = (decoded_secs / self.duration_secs * 100.0).clamp(0.0, 99.0) as u8;
        if self.reported.is_none_or(|last| percent > last) {
            self.reported = Some(percent);
            on_event(Event::Progress { percent });
        }
    }
}
