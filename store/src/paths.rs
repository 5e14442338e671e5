//! Mapping of buckets, keys and multipart uploads onto the store's directory tree.
//!
//! Layout under the root:
//! - `buckets/<bucket>/<seg>/<seg>/<last>~obj`: committed objects (data plus trailer, see `objfile`).
//! - `uploads/<bucket>/<upload-id>/`: multipart uploads in progress (`upload.json`, `part-NNNNN`).
//! - `tmp/`: files being written; everything in it is garbage after a restart.
//!
//! Key segments are percent-encoded to a small alphabet, so a name can never be `..`, contain a
//! separator, or end in the object suffix; that keeps keys `a` and `a/b` from colliding (the file
//! `a~obj` and the directory `a` are different names).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use s3s::{s3_error, S3Result};
use uuid::Uuid;

/// Suffix of committed object files; `~` is always escaped in encoded segments.
pub(crate) const OBJECT_SUFFIX: &str = "~obj";

/// Longest file name most Linux filesystems accept.
const NAME_MAX: usize = 255;

/// Paths of the store's directory tree.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
}

impl Layout {
    pub(crate) fn new(root: PathBuf) -> Self {
        Self { root }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn buckets_dir(&self) -> PathBuf {
        self.root.join("buckets")
    }

    pub(crate) fn uploads_dir(&self) -> PathBuf {
        self.root.join("uploads")
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh, unique path in the temp directory (same filesystem as the data, so rename is atomic).
    pub(crate) fn new_tmp_path(&self, what: &str) -> PathBuf {
        self.tmp_dir()
            .join(format!("{}.{what}", Uuid::new_v4().simple()))
    }

    pub(crate) fn bucket_dir(&self, bucket: &str) -> S3Result<PathBuf> {
        check_bucket_name(bucket)?;
        Ok(self.buckets_dir().join(bucket))
    }

    pub(crate) fn bucket_uploads_dir(&self, bucket: &str) -> S3Result<PathBuf> {
        check_bucket_name(bucket)?;
        Ok(self.uploads_dir().join(bucket))
    }

    /// Path of the object file for `key`, after checking that the key maps safely.
    pub(crate) fn object_path(&self, bucket: &str, key: &str) -> S3Result<PathBuf> {
        let mut path = self.bucket_dir(bucket)?;
        let segments = key_segments(key)?;
        let (last, dirs) = segments
            .split_last()
            .ok_or_else(|| s3_error!(InvalidArgument, "empty object key"))?;
        for seg in dirs {
            path.push(encode_checked(seg)?);
        }
        let mut name = encode_segment(last);
        name.push_str(OBJECT_SUFFIX);
        if name.len() > NAME_MAX {
            return Err(s3_error!(
                KeyTooLongError,
                "a segment of the object key is too long"
            ));
        }
        path.push(name);
        Ok(path)
    }

    /// Directory of a multipart upload; the id must be one we issued (a simple UUID).
    pub(crate) fn upload_dir(&self, bucket: &str, upload_id: &str) -> S3Result<PathBuf> {
        let valid = upload_id.len() == 32 && upload_id.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid {
            return Err(s3_error!(NoSuchUpload));
        }
        Ok(self.bucket_uploads_dir(bucket)?.join(upload_id))
    }
}

/// s3s already enforces AWS bucket naming, checked again here because the name becomes a path.
fn check_bucket_name(bucket: &str) -> S3Result<()> {
    let valid = !bucket.is_empty()
        && bucket.len() <= 63
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && bucket
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        Err(s3_error!(InvalidBucketName))
    }
}

/// Splits a key into path segments, refusing anything that could escape or alias a directory.
pub(crate) fn key_segments(key: &str) -> S3Result<Vec<&str>> {
    if key.is_empty() {
        return Err(s3_error!(InvalidArgument, "empty object key"));
    }
    if key.len() > 1024 {
        return Err(s3_error!(KeyTooLongError));
    }
    let segments: Vec<&str> = key.split('/').collect();
    for seg in &segments {
        if seg.is_empty() || *seg == "." || *seg == ".." {
            return Err(s3_error!(
                InvalidArgument,
                "unsupported object key: empty, '.' or '..' path segments are not allowed"
            ));
        }
    }
    Ok(segments)
}

fn encode_checked(seg: &str) -> S3Result<String> {
    let name = encode_segment(seg);
    if name.len() > NAME_MAX {
        return Err(s3_error!(
            KeyTooLongError,
            "a segment of the object key is too long"
        ));
    }
    Ok(name)
}

fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')
}

/// Percent-encodes every byte outside `[A-Za-z0-9._-]`.
pub(crate) fn encode_segment(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    for &b in seg.as_bytes() {
        if is_plain(b) {
            out.push(char::from(b));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Inverse of [`encode_segment`]; `None` for names the store did not produce.
pub(crate) fn decode_segment(name: &str) -> Option<String> {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = name.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    let decoded = String::from_utf8(out).ok()?;
    // Only canonical encodings are ours: this rejects stray files and `.`/`..`.
    let canonical = !decoded.is_empty()
        && decoded != "."
        && decoded != ".."
        && encode_segment(&decoded) == name;
    canonical.then_some(decoded)
}

/// The key encoded by an object file name, or `None` if the name is not an object file.
pub(crate) fn decode_object_name(name: &str) -> Option<String> {
    decode_segment(name.strip_suffix(OBJECT_SUFFIX)?)
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn keys_map_inside_bucket() {
        let layout = Layout::new(PathBuf::from("/r"));
        let p = layout
            .object_path("media", "m/abc/hls/720p/seg_00001.ts")
            .unwrap();
        assert_eq!(
            p,
            PathBuf::from("/r/buckets/media/m/abc/hls/720p/seg_00001.ts~obj")
        );
        let p = layout.object_path("media", "u/x y/~obj").unwrap();
        assert_eq!(p, PathBuf::from("/r/buckets/media/u/x%20y/%7Eobj~obj"));
    }

    #[test]
    fn unsafe_keys_are_rejected() {
        let layout = Layout::new(PathBuf::from("/r"));
        for key in ["", "/abs", "a/../b", "..", "a//b", "a/", "./a"] {
            assert!(layout.object_path("media", key).is_err(), "{key:?}");
        }
        assert!(layout.object_path("../x", "a").is_err());
        assert!(layout.upload_dir("media", "../../etc").is_err());
    }

    #[test]
    fn names_round_trip() {
        for seg in ["plain", "with space", "ünï", "%41", "a~b", "..."] {
            assert_eq!(decode_segment(&encode_segment(seg)).as_deref(), Some(seg));
        }
        assert_eq!(decode_segment("%41"), None);
        assert_eq!(decode_segment(".."), None);
        assert_eq!(decode_object_name("x~obj").as_deref(), Some("x"));
        assert_eq!(decode_object_name("x"), None);
    }
}
