//! Multipart uploads: `uploads/<bucket>/<id>/upload.json` plus one object-format file per part.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use s3s::crypto::{Checksum as _, Md5};
use s3s::dto::*;
use s3s::{s3_error, S3Request, S3Result};
use serde::{Deserialize, Serialize};
use tokio::fs;
use tracing::{info, warn};
use uuid::Uuid;

use super::backend::{internal, Backend};
use super::body::{self, Declared};
use super::objects::ContentAttrs;
use super::objfile::{self, sync_dir, Commit, ObjectMeta, TempFile};

/// S3's minimum size for every part but the last.
const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
const MAX_PART_NUMBER: i32 = 10_000;
/// Most parts or uploads one listing page returns, as in S3.
pub(crate) const MAX_LISTED: i32 = 1000;
pub(crate) const INFO_FILE: &str = "upload.json";

/// What `CreateMultipartUpload` fixed for the final object.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct UploadInfo {
    pub key: String,
    pub initiated_ms: u64,
    pub meta: ObjectMeta,
}

pub(crate) fn part_name(n: i32) -> String {
    format!("part-{n:05}")
}

pub(crate) fn parse_part_name(name: &str) -> Option<i32> {
    let n: i32 = name.strip_prefix("part-")?.parse().ok()?;
    (part_name(n) == name).then_some(n)
}

impl Backend {
    /// The upload's directory and info; `NoSuchUpload` unless it exists for exactly this key.
    pub(crate) async fn load_upload(
        &self,
        bucket: &str,
        upload_id: &str,
        key: &str,
    ) -> S3Result<(PathBuf, UploadInfo)> {
        let dir = self.layout.upload_dir(bucket, upload_id)?;
        let raw = match fs::read(dir.join(INFO_FILE)).await {
            Ok(raw) => raw,
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(s3_error!(NoSuchUpload)),
            Err(e) => return Err(internal(e)),
        };
        let info: UploadInfo =
            serde_json::from_slice(&raw).map_err(|e| s3_error!(e, InternalError))?;
        if info.key != key {
            return Err(s3_error!(NoSuchUpload));
        }
        Ok((dir, info))
    }

    /// Moves an upload out of sight first, so no part can be committed into a half-deleted one.
    async fn discard_upload(&self, bucket: &str, dir: &Path) -> S3Result<()> {
        let doomed = self.layout.new_tmp_path("aborted");
        match fs::rename(dir, &doomed).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(internal(e)),
        }
        sync_dir(&self.layout.bucket_uploads_dir(bucket)?)
            .await
            .map_err(internal)?;
        fs::remove_dir_all(&doomed).await.map_err(internal)
    }

    pub(crate) async fn create_upload(
        &self,
        input: CreateMultipartUploadInput,
    ) -> S3Result<CreateMultipartUploadOutput> {
        self.layout.object_path(&input.bucket, &input.key)?;
        self.require_bucket(&input.bucket).await?;
        let attrs = ContentAttrs {
            content_type: input.content_type,
            content_encoding: input.content_encoding,
            content_disposition: input.content_disposition,
            cache_control: input.cache_control,
            metadata: input.metadata,
        };
        let info = UploadInfo {
            key: input.key.clone(),
            initiated_ms: objfile::now_ms(),
            meta: attrs.into_meta()?,
        };
        let json = serde_json::to_vec(&info).map_err(|e| s3_error!(e, InternalError))?;

        let uploads = self.layout.bucket_uploads_dir(&input.bucket)?;
        match fs::create_dir(&uploads).await {
            Ok(()) => sync_dir(&self.layout.uploads_dir())
                .await
                .map_err(internal)?,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
            Err(e) => return Err(internal(e)),
        }
        // Built in tmp/ and renamed, so an upload id never exists without its info file.
        let upload_id = Uuid::new_v4().simple().to_string();
        let staging = self.layout.new_tmp_path("upload");
        let result = async {
            fs::create_dir(&staging).await?;
            let mut file = fs::File::create(staging.join(INFO_FILE)).await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &json).await?;
            file.sync_all().await?;
            sync_dir(&staging).await?;
            fs::rename(&staging, uploads.join(&upload_id)).await?;
            sync_dir(&uploads).await
        }
        .await;
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&staging).await;
            return Err(internal(e));
        }
        info!(bucket = %input.bucket, key = %input.key, %upload_id, "multipart upload created");
        Ok(CreateMultipartUploadOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(upload_id),
            ..Default::default()
        })
    }

    pub(crate) async fn put_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<UploadPartOutput> {
        let trailer = req
            .headers
            .get("x-amz-trailer")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let input = req.input;
        if !(1..=MAX_PART_NUMBER).contains(&input.part_number) {
            return Err(s3_error!(
                InvalidArgument,
                "part number must be between 1 and {MAX_PART_NUMBER}"
            ));
        }
        let (dir, _) = self
            .load_upload(&input.bucket, &input.upload_id, &input.key)
            .await?;
        let expected = body::expected_length(input.content_length)?;
        let given = Checksum {
            checksum_crc32: input.checksum_crc32,
            checksum_crc32c: input.checksum_crc32c,
            checksum_sha1: input.checksum_sha1,
            checksum_sha256: input.checksum_sha256,
            checksum_crc64nvme: input.checksum_crc64nvme,
            checksum_type: None,
        };
        let algorithm = input
            .checksum_algorithm
            .as_ref()
            .map(ChecksumAlgorithm::as_str);
        let mut declared = Declared::new(input.content_md5, given, algorithm, trailer.as_deref());

        let mut tmp = TempFile::create(&self.layout).await.map_err(internal)?;
        let md5 = body::receive(input.body, expected, &mut tmp, &mut declared).await?;
        declared.verify(&md5, req.trailing_headers)?;
        let meta = ObjectMeta {
            size: expected,
            etag: hex::encode(md5),
            last_modified_ms: objfile::now_ms(),
            ..Default::default()
        };
        tmp.finish(&meta).await.map_err(internal)?;
        match tmp
            .commit(
                &dir,
                &dir.join(part_name(input.part_number)),
                Commit::Replace,
            )
            .await
        {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(s3_error!(NoSuchUpload)),
            Err(e) => return Err(internal(e)),
        }
        Ok(UploadPartOutput {
            e_tag: Some(ETag::Strong(meta.etag)),
            ..Default::default()
        })
    }

    pub(crate) async fn complete_upload(
        &self,
        input: CompleteMultipartUploadInput,
    ) -> S3Result<CompleteMultipartUploadOutput> {
        let (dir, info) = self
            .load_upload(&input.bucket, &input.upload_id, &input.key)
            .await?;
        let object_path = self.layout.object_path(&input.bucket, &input.key)?;
        let bucket_dir = self.require_bucket(&input.bucket).await?;
        let listed = input
            .multipart_upload
            .and_then(|m| m.parts)
            .unwrap_or_default();
        if listed.is_empty() {
            return Err(s3_error!(MalformedXML, "the part list is empty"));
        }

        // Each part is opened once: validation and copying then see the same file even if the
        // client re-uploads a part meanwhile.
        let mut opened = Vec::with_capacity(listed.len());
        let mut previous = 0;
        for (i, part) in listed.iter().enumerate() {
            let n = part
                .part_number
                .ok_or_else(|| s3_error!(InvalidPart, "part number missing"))?;
            if n <= previous {
                return Err(s3_error!(InvalidPartOrder));
            }
            previous = n;
            let (file, meta) = match objfile::open_object(&dir.join(part_name(n))).await {
                Ok(found) => found,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(s3_error!(InvalidPart, "part {n} was not uploaded"))
                }
                Err(e) => return Err(internal(e)),
            };
            let given = part.e_tag.as_ref().map(|e| e.value().trim_matches('"'));
            if given != Some(meta.etag.as_str()) {
                return Err(s3_error!(InvalidPart, "ETag of part {n} does not match"));
            }
            if i + 1 < listed.len() && meta.size < MIN_PART_SIZE {
                return Err(s3_error!(EntityTooSmall, "part {n} is smaller than 5 MiB"));
            }
            opened.push((file, meta));
        }
        let total: u64 = opened.iter().map(|(_, m)| m.size).sum();
        if let Some(declared) = input.mpu_object_size {
            if u64::try_from(declared).ok() != Some(total) {
                return Err(s3_error!(
                    InvalidArgument,
                    "x-amz-mp-object-size does not match the parts"
                ));
            }
        }

        let mut tmp = TempFile::create(&self.layout).await.map_err(internal)?;
        let mut md5_of_md5s = Md5::new();
        for (file, meta) in &mut opened {
            let digest = hex::decode(&meta.etag).map_err(|e| s3_error!(e, InternalError))?;
            md5_of_md5s.update(&digest);
            tmp.append_from(file, meta.size).await.map_err(internal)?;
        }
        let mut meta = info.meta;
        meta.size = total;
        meta.etag = format!("{}-{}", hex::encode(md5_of_md5s.finalize()), opened.len());
        meta.last_modified_ms = objfile::now_ms();
        tmp.finish(&meta).await.map_err(internal)?;
        match tmp.commit(&bucket_dir, &object_path, Commit::Replace).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(s3_error!(NoSuchBucket)),
            Err(e) => return Err(internal(e)),
        }
        // The object is committed: failing the request now would make the client retry a
        // completion that already happened. Leftovers go with the bucket or the next abort.
        if let Err(e) = self.discard_upload(&input.bucket, &dir).await {
            warn!(upload_id = %input.upload_id, error = %e, "completed upload not cleaned up");
        }
        info!(bucket = %input.bucket, key = %input.key, size = total, parts = opened.len(), "multipart upload completed");
        Ok(CompleteMultipartUploadOutput {
            location: Some(format!("/{}/{}", input.bucket, input.key)),
            bucket: Some(input.bucket),
            key: Some(input.key),
            e_tag: Some(ETag::Strong(meta.etag)),
            ..Default::default()
        })
    }

    pub(crate) async fn abort_upload(
        &self,
        input: AbortMultipartUploadInput,
    ) -> S3Result<AbortMultipartUploadOutput> {
        let (dir, _) = self
            .load_upload(&input.bucket, &input.upload_id, &input.key)
            .await?;
        self.discard_upload(&input.bucket, &dir).await?;
        info!(bucket = %input.bucket, key = %input.key, upload_id = %input.upload_id, "multipart upload aborted");
        Ok(AbortMultipartUploadOutput::default())
    }
}
