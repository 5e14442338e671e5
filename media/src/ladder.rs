//! The bitrate ladder: which renditions a clip gets, and each one's frame size.

use crate::geometry::even_floor;
use crate::Probe;

/// One video rendition to produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rung {
    /// Its name in storage and playlists, e.g. "360p".
    pub name: String,
    /// Lines on the short side of the upright picture: 360 gives 640×360, or 360×640 for
    /// a portrait clip.
    pub height: u32,
    /// Target video bitrate in kbit/s (peaks are capped at 1.25×).
    pub video_kbps: u32,
}

impl Rung {
    /// A rung named after its height, with the default bitrate for that size.
    pub fn new(height: u32) -> Self {
        Self {
            name: format!("{height}p"),
            height,
            video_kbps: default_kbps(height),
        }
    }

    /// The encoder's peak bitrate (VBV maxrate) in kbit/s.
    pub(crate) fn max_kbps(&self) -> u32 {
        self.video_kbps.saturating_mul(5) / 4
    }

    /// The encoder's VBV buffer in kbit: two seconds at the target rate.
    pub(crate) fn buffer_kbits(&self) -> u32 {
        self.video_kbps.saturating_mul(2)
    }
}

/// The rungs for a clip: every requested height the source can fill, lowest first, never
/// upscaled; a source smaller than every requested height gets one rung at its own size.
/// Audio-only clips get none.
pub fn ladder_for(probe: &Probe, heights: &[u32]) -> Vec<Rung> {
    let Some(video) = &probe.video else {
        return Vec::new();
    };
    let short = video.width.min(video.height);
    let mut fitting: Vec<u32> = heights
        .iter()
        .map(|&h| even_floor(h))
        .filter(|&h| h >= 2 && h <= short)
        .collect();
    fitting.sort_unstable();
    fitting.dedup();
    if fitting.is_empty() {
        fitting.push(even_floor(short).max(2));
    }
    fitting.into_iter().map(Rung::new).collect()
}

/// A bitrate that looks good at this height on a phone, interpolated between known sizes.
fn default_kbps(height: u32) -> u32 {
    const POINTS: [(u32, u32); 8] = [
        (144, 200),
        (240, 400),
        (360, 800),
        (480, 1200),
        (720, 2400),
        (1080, 4500),
        (1440, 8000),
        (2160, 14000),
    ];
    let kbps = match POINTS.iter().position(|&(h, _)| h >= height) {
        Some(0) => POINTS[0].1,
        Some(i) => {
            let ((h0, k0), (h1, k1)) = (POINTS[i - 1], POINTS[i]);
            k0 + (k1 - k0) * (height - h0) / (h1 - h0)
        }
        None => POINTS[POINTS.len() - 1].1,
    };
    kbps.div_ceil(50) * 50
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::VideoStream;

    fn source(width: u32, height: u32, rotation: i32) -> Probe {
        Probe {
            container: "mov,mp4,m4a,3gp,3g2,mj2".into(),
            duration_ms: 10_000,
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

    fn names(rungs: &[Rung]) -> Vec<&str> {
        rungs.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn never_upscales() {
        let rungs = ladder_for(&source(1280, 720, 0), &[1080, 360, 720]);
        assert_eq!(names(&rungs), ["360p", "720p"]);
        assert_eq!(rungs[0].video_kbps, 800);
        assert_eq!(rungs[1].video_kbps, 2400);
        let portrait = ladder_for(&source(1920, 1080, 90), &[360, 720]);
        assert_eq!(names(&portrait), ["360p", "720p"]);
    }

    #[test]
    fn a_small_source_gets_one_rung_at_its_own_size() {
        let rungs = ladder_for(&source(320, 240, 0), &[360, 720]);
        assert_eq!(names(&rungs), ["240p"]);
        let odd = ladder_for(&source(321, 179, 0), &[360]);
        assert_eq!(odd[0].height, 178);
    }

    #[test]
    fn audio_gets_no_rungs() {
        let mut probe = source(640, 360, 0);
        probe.video = None;
        assert!(ladder_for(&probe, &[360]).is_empty());
    }

    #[test]
    fn bitrates_interpolate_between_known_sizes() {
        assert_eq!(default_kbps(100), 200);
        assert_eq!(default_kbps(540), 1500);
        assert_eq!(default_kbps(4320), 14000);
    }
}
