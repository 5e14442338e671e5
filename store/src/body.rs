//! Request and response bodies: receiving uploads into temp files, streaming objects out.

use std::io::{self, ErrorKind, SeekFrom};
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::{Checksum as _, Crc32, Crc32c, Crc64Nvme, Md5, Sha1, Sha256};
use s3s::dto::{Checksum, StreamingBlob};
use s3s::{s3_error, S3Error, S3ErrorCode, S3Result, TrailingHeaders};
use tokio::fs::File;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::objfile::TempFile;

/// S3's limit for a single PUT and for one multipart part.
pub(crate) const MAX_UPLOAD_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// A client that sends nothing for this long is holding a temp file for nothing.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
const READ_CHUNK: u64 = 64 * 1024;

/// Integrity values the client declared for a body; all are checked before anything is committed.
pub(crate) struct Declared {
    content_md5: Option<String>,
    given: Checksum,
    hasher: ChecksumHasher,
}

impl Declared {
    /// `algorithm` comes from `x-amz-sdk-checksum-algorithm`, `trailer` from `x-amz-trailer`:
    /// both announce a checksum that only arrives after the body.
    pub(crate) fn new(
        content_md5: Option<String>,
        given: Checksum,
        algorithm: Option<&str>,
        trailer: Option<&str>,
    ) -> Self {
        let mut hasher = ChecksumHasher::default();
        let announced = [
            algorithm,
            trailer.map(|t| t.trim().trim_start_matches("x-amz-checksum-")),
        ];
        let wants = |name: &str, value: &Option<String>| {
            value.is_some()
                || announced
                    .iter()
                    .flatten()
                    .any(|a| a.eq_ignore_ascii_case(name))
        };
        if wants("crc32", &given.checksum_crc32) {
            hasher.crc32 = Some(Crc32::new());
        }
        if wants("crc32c", &given.checksum_crc32c) {
            hasher.crc32c = Some(Crc32c::new());
        }
        if wants("sha1", &given.checksum_sha1) {
            hasher.sha1 = Some(Sha1::new());
        }
        if wants("sha256", &given.checksum_sha256) {
            hasher.sha256 = Some(Sha256::new());
        }
        if wants("crc64nvme", &given.checksum_crc64nvme) {
            hasher.crc64nvme = Some(Crc64Nvme::new());
        }
        Self {
            content_md5,
            given,
            hasher,
        }
    }

    fn update(&mut self, data: &[u8]) {
        self.hasher.update(data);
    }

    /// Compares everything declared (headers and trailers) with what was received.
    pub(crate) fn verify(self, md5: &[u8; 16], trailers: Option<TrailingHeaders>) -> S3Result<()> {
        if let Some(b64) = &self.content_md5 {
            use base64::Engine as _;
            let expected = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|_| s3_error!(InvalidDigest, "Content-MD5 is not valid base64"))?;
            if expected.as_slice() != md5 {
                return Err(s3_error!(BadDigest, "Content-MD5 does not match the body"));
            }
        }
        let mut given = self.given;
        if let Some(map) = trailers.and_then(|t| t.take()) {
            let value = |name: &str| {
                map.get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            given.checksum_crc32 = given
                .checksum_crc32
                .or_else(|| value("x-amz-checksum-crc32"));
            given.checksum_crc32c = given
                .checksum_crc32c
                .or_else(|| value("x-amz-checksum-crc32c"));
            given.checksum_sha1 = given.checksum_sha1.or_else(|| value("x-amz-checksum-sha1"));
            given.checksum_sha256 = given
                .checksum_sha256
                .or_else(|| value("x-amz-checksum-sha256"));
            given.checksum_crc64nvme = given
                .checksum_crc64nvme
                .or_else(|| value("x-amz-checksum-crc64nvme"));
        }
        let computed = self.hasher.finalize();
        let pairs = [
            (&given.checksum_crc32, &computed.checksum_crc32),
            (&given.checksum_crc32c, &computed.checksum_crc32c),
            (&given.checksum_sha1, &computed.checksum_sha1),
            (&given.checksum_sha256, &computed.checksum_sha256),
            (&given.checksum_crc64nvme, &computed.checksum_crc64nvme),
        ];
        for (given, computed) in pairs {
            if let (Some(g), Some(c)) = (given, computed) {
                if g.trim() != c {
                    return Err(s3_error!(BadDigest, "checksum does not match the body"));
                }
            }
        }
        Ok(())
    }
}

/// The declared length of an upload body, which the body must match exactly.
pub(crate) fn expected_length(content_length: Option<i64>) -> S3Result<u64> {
    let len = content_length.ok_or_else(|| s3_error!(MissingContentLength))?;
    let len =
        u64::try_from(len).map_err(|_| s3_error!(InvalidArgument, "negative Content-Length"))?;
    if len > MAX_UPLOAD_SIZE {
        return Err(s3_error!(EntityTooLarge));
    }
    Ok(len)
}

/// Copies the body into `tmp`, returning its MD5; fails unless exactly `expected` bytes arrive.
pub(crate) async fn receive(
    body: Option<StreamingBlob>,
    expected: u64,
    tmp: &mut TempFile,
    declared: &mut Declared,
) -> S3Result<[u8; 16]> {
    let mut md5 = Md5::new();
    let mut received: u64 = 0;
    if let Some(mut body) = body {
        loop {
            let next = tokio::time::timeout(IDLE_TIMEOUT, body.next())
                .await
                .map_err(|_| {
                    s3_error!(
                        RequestTimeout,
                        "no body data received for {}s",
                        IDLE_TIMEOUT.as_secs()
                    )
                })?;
            let Some(chunk) = next else { break };
            let chunk = chunk.map_err(|e| S3Error::with_source(S3ErrorCode::IncompleteBody, e))?;
            received += chunk.len() as u64;
            if received > expected {
                return Err(s3_error!(
                    IncompleteBody,
                    "body is longer than Content-Length"
                ));
            }
            md5.update(&chunk);
            declared.update(&chunk);
            tmp.write(&chunk).await.map_err(S3Error::internal_error)?;
        }
    }
    if received != expected {
        return Err(s3_error!(
            IncompleteBody,
            "received {received} of {expected} bytes"
        ));
    }
    Ok(md5.finalize())
}

/// Streams `len` bytes of `file` starting at `start`, in bounded chunks.
pub(crate) async fn file_stream(mut file: File, start: u64, len: u64) -> io::Result<StreamingBlob> {
    file.seek(SeekFrom::Start(start)).await?;
    let stream = futures::stream::try_unfold((file, len), |(mut file, remaining)| async move {
        if remaining == 0 {
            return Ok(None);
        }
        // Bounded by READ_CHUNK, so the conversion cannot truncate.
        let want = usize::try_from(remaining.min(READ_CHUNK)).unwrap_or(64 * 1024);
        let mut buf = vec![0u8; want];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            return Err(io::Error::new(
                ErrorKind::UnexpectedEof,
                "object file is shorter than its metadata says",
            ));
        }
        buf.truncate(n);
        Ok(Some((Bytes::from(buf), (file, remaining - n as u64))))
    });
    Ok(StreamingBlob::wrap(stream))
}
