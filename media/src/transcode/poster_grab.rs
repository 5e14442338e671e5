//! Taking the poster from the frames a transcode already has, instead of decoding twice.

use std::path::PathBuf;

use ffmpeg_next::frame;

use crate::{poster, MediaError};

/// Where and when to take the poster from the largest rung's frames.
pub(super) struct PosterGrab {
    path: PathBuf,
    at_secs: f64,
    written: bool,
    /// The latest frame before `at_secs`, in case the clip ends before it.
    fallback: Option<frame::Video>,
}

impl PosterGrab {
    /// A poster to write to `path` from the first frame at or after `at_secs`.
    pub fn new(path: PathBuf, at_secs: f64) -> Self {
        Self {
            path,
            at_secs,
            written: false,
            fallback: None,
        }
    }

    /// Looks at a frame shown at `secs`: the first one at or after the moment becomes the poster.
    pub fn offer(&mut self, frame: &frame::Video, secs: f64) -> Result<(), MediaError> {
        if self.written {
            return Ok(());
        }
        if secs + 1e-6 >= self.at_secs {
            poster::write_jpeg(frame, &self.path)?;
            self.written = true;
            self.fallback = None;
        } else {
            self.fallback = Some(frame.clone());
        }
        Ok(())
    }

    /// Writes the last frame seen if the clip ended before the moment; returns the poster.
    pub fn finish(&mut self) -> Result<Option<PathBuf>, MediaError> {
        if let Some(frame) = self.fallback.take() {
            poster::write_jpeg(&frame, &self.path)?;
            self.written = true;
        }
        Ok(self.written.then(|| self.path.clone()))
    }
}
