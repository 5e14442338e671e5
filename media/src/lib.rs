//! The only code in imshare that touches ffmpeg; filled by the transcoder issue.
