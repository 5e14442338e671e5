//! Why a media operation failed, worded for the person who uploaded the file.

use std::path::PathBuf;

use ffmpeg_next as ffmpeg;

/// Everything that can go wrong while probing, transcoding or taking a poster.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The upload has no bytes at all.
    #[error("the file is empty")]
    Empty,
    /// No container ffmpeg knows, or a container with neither audio nor video in it.
    #[error("not an audio or video file")]
    NotMedia,
    /// A recognised container whose data ends early or does not decode.
    #[error("the file is truncated or corrupt: {0}")]
    Corrupt(String),
    /// Readable media that this service cannot handle (a codec with no decoder, ...).
    #[error("unsupported media: {0}")]
    Unsupported(String),
    /// The clip is longer than the service accepts.
    #[error("the clip is {} long; the limit is {}", secs(*.duration_ms), secs(*.max_ms))]
    TooLong {
        /// Length of the clip.
        duration_ms: i64,
        /// Longest clip accepted.
        max_ms: i64,
    },
    /// Decoding went on past the longest clip accepted, whatever the header claimed.
    #[error("the clip runs past the {} limit", limit_words(*.max_ms))]
    RunsPastLimit {
        /// Longest clip accepted.
        max_ms: i64,
    },
    /// The picture is larger than the service accepts.
    #[error("the video is {width}×{height} pixels; the limit is {max_width}×{max_height}")]
    TooLarge {
        /// Width of the clip as shown.
        width: u32,
        /// Height of the clip as shown.
        height: u32,
        /// Largest width accepted (either orientation).
        max_width: u32,
        /// Largest height accepted (either orientation).
        max_height: u32,
    },
    /// The caller asked for something impossible (no rungs, a zero segment length, ...).
    #[error("invalid request: {0}")]
    InvalidJob(String),
    /// Reading the input or writing an output file failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. "cannot write".
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// ffmpeg failed for a reason that is not the file's fault (an encoder, a muxer, ...).
    #[error("ffmpeg failed while {context}: {source}")]
    Ffmpeg {
        /// What was being done.
        context: String,
        /// ffmpeg's error.
        #[source]
        source: ffmpeg::Error,
    },
}

impl MediaError {
    /// True when the file itself is at fault, so retrying the same file cannot help.
    pub fn is_input_error(&self) -> bool {
        matches!(
            self,
            Self::Empty
                | Self::NotMedia
                | Self::Corrupt(_)
                | Self::Unsupported(_)
                | Self::TooLong { .. }
                | Self::RunsPastLimit { .. }
                | Self::TooLarge { .. }
        )
    }

    /// A stable machine-readable code for API responses and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "empty_file",
            Self::NotMedia => "not_media",
            Self::Corrupt(_) => "corrupt_media",
            Self::Unsupported(_) => "unsupported_media",
            Self::TooLong { .. } | Self::RunsPastLimit { .. } => "media_too_long",
            Self::TooLarge { .. } => "media_too_large",
            Self::InvalidJob(_) => "invalid_job",
            Self::Io { .. } => "io_error",
            Self::Ffmpeg { .. } => "ffmpeg_error",
        }
    }

    /// Wraps an ffmpeg error that is not the input's fault.
    pub(crate) fn ffmpeg(context: impl Into<String>, source: ffmpeg::Error) -> Self {
        Self::Ffmpeg {
            context: context.into(),
            source,
        }
    }

    /// Wraps a failure to write an output file.
    pub(crate) fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action: "cannot write",
            path: path.into(),
            source,
        }
    }
}

/// "1 min 5 s", "42.5 s": durations as a person reads them.
fn secs(ms: i64) -> String {
    if ms < 60_000 {
        return format!("{:.1} s", ms as f64 / 1000.0);
    }
    let whole = (ms + 500) / 1000;
    match whole % 60 {
        0 => format!("{} min", whole / 60),
        rest => format!("{} min {rest} s", whole / 60),
    }
}

/// "10-minute", "90-second", "2.5-second": a limit as an adjective.
fn limit_words(ms: i64) -> String {
    if ms >= 60_000 && ms % 60_000 == 0 {
        format!("{}-minute", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}-second", ms / 1000)
    } else {
        format!("{:.1}-second", ms as f64 / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_like_sentences() {
        let long = MediaError::TooLong {
            duration_ms: 95_000,
            max_ms: 60_000,
        };
        assert_eq!(
            long.to_string(),
            "the clip is 1 min 35 s long; the limit is 1 min"
        );
        assert!(long.is_input_error());
        let short = MediaError::TooLong {
            duration_ms: 12_345,
            max_ms: 10_000,
        };
        assert_eq!(
            short.to_string(),
            "the clip is 12.3 s long; the limit is 10.0 s"
        );
        assert_eq!(MediaError::NotMedia.code(), "not_media");
        let past = MediaError::RunsPastLimit { max_ms: 600_000 };
        assert_eq!(past.to_string(), "the clip runs past the 10-minute limit");
        assert_eq!(past.code(), "media_too_long");
        assert!(past.is_input_error());
        let past = MediaError::RunsPastLimit { max_ms: 90_000 };
        assert_eq!(past.to_string(), "the clip runs past the 90-second limit");
        assert!(!MediaError::InvalidJob("no rungs".into()).is_input_error());
    }
}
