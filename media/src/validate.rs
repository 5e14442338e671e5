//! The service's limits on what it accepts, checked against a probe.

use crate::{MediaError, Probe};

/// The longest and largest clip the service accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest clip, in milliseconds.
    pub max_duration_ms: i64,
    /// Widest picture, in pixels (the long side when the clip is portrait).
    pub max_width: u32,
    /// Tallest picture, in pixels (the short side when the clip is portrait).
    pub max_height: u32,
}

/// Accepts a probed file or says, in words, which limit it breaks.
///
/// Size limits are orientation-free: a 1080×1920 portrait clip passes a 1920×1080 limit.
pub fn validate(probe: &Probe, limits: &Limits) -> Result<(), MediaError> {
    // ffmpeg reads pictures through "image2" and the "*_pipe" demuxers.
    if probe.container == "image2" || probe.container.ends_with("_pipe") {
        return Err(MediaError::Unsupported(
            "a still image is not an audio or video clip".into(),
        ));
    }
    if probe.duration_ms <= 0 {
        return Err(MediaError::Unsupported(
            "the file has no playing time (a still image?)".into(),
        ));
    }
    if probe.duration_ms > limits.max_duration_ms {
        return Err(MediaError::TooLong {
            duration_ms: probe.duration_ms,
            max_ms: limits.max_duration_ms,
        });
    }
    if let Some(video) = &probe.video {
        let (width, height) = video.display_size();
        limits.check_size(width, height)?;
    }
    Ok(())
}

impl Default for Limits {
    /// Ten minutes at up to 4K, the service's shipped defaults.
    fn default() -> Self {
        Self {
            max_duration_ms: 600_000,
            max_width: 3840,
            max_height: 2160,
        }
    }
}

impl Limits {
    /// The most pixels one picture may have: what a decoder may allocate per frame.
    pub fn pixel_budget(&self) -> u64 {
        u64::from(self.max_width) * u64::from(self.max_height)
    }

    /// Accepts a picture of `width`×`height` in either orientation, or says it is too large.
    pub fn check_size(&self, width: u32, height: u32) -> Result<(), MediaError> {
        let (long, short) = (width.max(height), width.min(height));
        let max_long = self.max_width.max(self.max_height);
        let max_short = self.max_width.min(self.max_height);
        let pixels = u64::from(width) * u64::from(height);
        if long > max_long || short > max_short || pixels > self.pixel_budget() {
            let (max_width, max_height) = if width >= height {
                (max_long, max_short)
            } else {
                (max_short, max_long)
            };
            return Err(MediaError::TooLarge {
                width,
                height,
                max_width,
                max_height,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VideoStream;

    fn clip(duration_ms: i64, width: u32, height: u32, rotation: i32) -> Probe {
        Probe {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration_ms,
            video: Some(VideoStream {
                codec: "h264".into(),
                width,
                height,
                rotation,
                fps: 30.0,
            }),
            audio: None,
        }
    }

    const LIMITS: Limits = Limits {
        max_duration_ms: 60_000,
        max_width: 1920,
        max_height: 1080,
    };

    #[test]
    fn accepts_clips_inside_the_limits_in_either_orientation() {
        assert!(validate(&clip(59_000, 1920, 1080, 0), &LIMITS).is_ok());
        assert!(validate(&clip(10_000, 1920, 1080, 90), &LIMITS).is_ok());
        assert!(validate(&clip(10_000, 1080, 1920, 0), &LIMITS).is_ok());
    }

    #[test]
    fn says_which_limit_a_clip_breaks() {
        let long = validate(&clip(61_000, 1280, 720, 0), &LIMITS).unwrap_err();
        assert_eq!(
            long.to_string(),
            "the clip is 1 min 1 s long; the limit is 1 min"
        );
        let big = validate(&clip(5_000, 3840, 2160, 90), &LIMITS).unwrap_err();
        assert_eq!(
            big.to_string(),
            "the video is 2160×3840 pixels; the limit is 1080×1920"
        );
        let still = validate(&clip(0, 640, 480, 0), &LIMITS).unwrap_err();
        assert!(still.to_string().contains("no playing time"), "{still}");
    }
}
