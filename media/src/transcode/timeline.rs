//! How far into the clip decoding has got, measured so that neither the header nor the
//! timestamps can hide a clip's length: the limit holds on what is decoded.

use crate::MediaError;

/// The decoded length so far, checked against the longest clip accepted.
pub(super) struct Timeline {
    max_ms: i64,
    /// The latest frame start seen, by timestamps (jumps forward count in full).
    latest_secs: f64,
    /// Sound decoded so far, by sample count (timestamps cannot shrink it).
    audio_secs: f64,
    /// Pictures decoded so far, and the highest rate they can plausibly come at.
    video_frames: u64,
    video_fps_ceiling: f64,
}

impl Timeline {
    /// A timeline for a clip whose pictures come at most `fps_ceiling` a second.
    pub fn new(max_ms: i64, fps_ceiling: f64) -> Self {
        Self {
            max_ms,
            latest_secs: 0.0,
            audio_secs: 0.0,
            video_frames: 0,
            video_fps_ceiling: fps_ceiling.max(1.0),
        }
    }

    /// Counts a picture starting at `start_secs` by its timestamp.
    pub fn picture(&mut self, start_secs: Option<f64>) -> Result<(), MediaError> {
        if let Some(start) = start_secs {
            self.latest_secs = self.latest_secs.max(start);
        }
        let counted = self.video_frames as f64 / self.video_fps_ceiling;
        self.video_frames += 1;
        self.check(counted)
    }

    /// Counts `samples` of sound at `rate` that start at `start_secs` by their timestamp.
    pub fn sound(
        &mut self,
        start_secs: Option<f64>,
        samples: usize,
        rate: u32,
    ) -> Result<(), MediaError> {
        if let Some(start) = start_secs {
            self.latest_secs = self.latest_secs.max(start);
        }
        let counted = self.audio_secs;
        if rate > 0 {
            self.audio_secs += samples as f64 / f64::from(rate);
        }
        self.check(counted)
    }

    /// The decoded length so far, in seconds.
    pub fn secs(&self) -> f64 {
        let pictures = self.video_frames as f64 / self.video_fps_ceiling;
        self.latest_secs.max(self.audio_secs).max(pictures)
    }

    /// Fails once a frame starts past the limit; `counted` is the content before it.
    fn check(&self, counted: f64) -> Result<(), MediaError> {
        let start = self.latest_secs.max(counted);
        if start * 1000.0 > self.max_ms as f64 {
            return Err(MediaError::RunsPastLimit {
                max_ms: self.max_ms,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clip_inside_the_limit_passes_and_one_frame_past_it_fails() {
        let mut timeline = Timeline::new(10_000, 30.0);
        for i in 0..300 {
            timeline.picture(Some(f64::from(i) / 30.0)).unwrap();
        }
        assert!((timeline.secs() - 10.0).abs() < 0.05, "{}", timeline.secs());
        let past = timeline.picture(Some(10.04)).unwrap_err();
        assert_eq!(past.to_string(), "the clip runs past the 10-second limit");
    }

    #[test]
    fn sound_counts_by_samples_when_timestamps_stand_still() {
        let mut timeline = Timeline::new(2_000, 30.0);
        let mut result = Ok(());
        for _ in 0..100 {
            result = timeline.sound(Some(0.0), 1152, 22_050);
            if result.is_err() {
                break;
            }
        }
        assert!(
            result.is_err(),
            "{} s of sound passed a 2 s limit",
            timeline.secs()
        );
    }

    #[test]
    fn pictures_without_timestamps_count_at_the_ceiling_rate() {
        let mut timeline = Timeline::new(1_000, 30.0);
        let passed = (0..100)
            .take_while(|_| timeline.picture(None).is_ok())
            .count();
        assert_eq!(
            passed, 31,
            "a second at 30 frames/s, then one frame past it"
        );
    }

    #[test]
    fn a_timestamp_jump_counts_in_full() {
        let mut timeline = Timeline::new(60_000, 30.0);
        timeline.picture(Some(0.0)).unwrap();
        assert!(timeline.picture(Some(7_200.0)).is_err());
    }
}
