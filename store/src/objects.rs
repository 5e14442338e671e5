//! Single-object operations: PUT, GET (with ranges), HEAD, COPY and DELETE.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::Path;

use s3s::dto::*;
use s3s::{s3_error, S3Request, S3Result};
use tokio::fs;
use tracing::{debug, info};

use super::backend::{internal, Backend};
use super::body::{self, Declared};
use super::objfile::{self, prune_empty_dirs, sync_dir, Commit, ObjectMeta, TempFile};

/// S3 limits user metadata to 2 KB; anything near our trailer limit is refused early.
const MAX_USER_METADATA: usize = 2048;

/// Content attributes a client sets at upload time and gets back on GET/HEAD.
pub(crate) struct ContentAttrs {
    pub content_type: Option<String>,
    pub content_encoding: Option<String>,
    pub content_disposition: Option<String>,
    pub cache_control: Option<String>,
    pub metadata: Option<Metadata>,
}

impl ContentAttrs {
    /// Starts object metadata from these attributes, checking the user-metadata size limit.
    pub(crate) fn into_meta(self) -> S3Result<ObjectMeta> {
        let user_metadata: BTreeMap<String, String> =
            self.metadata.unwrap_or_default().into_iter().collect();
        let total: usize = user_metadata.iter().map(|(k, v)| k.len() + v.len()).sum();
        if total > MAX_USER_METADATA {
            return Err(s3_error!(MetadataTooLarge));
        }
        Ok(ObjectMeta {
            content_type: self.content_type,
            content_encoding: self.content_encoding,
            content_disposition: self.content_disposition,
            cache_control: self.cache_control,
            user_metadata,
            ..ObjectMeta::default()
        })
    }
}

fn user_metadata(meta: &ObjectMeta) -> Option<Metadata> {
    (!meta.user_metadata.is_empty()).then(|| meta.user_metadata.clone().into_iter().collect())
}

impl Backend {
    pub(crate) async fn put(&self, req: S3Request<PutObjectInput>) -> S3Result<PutObjectOutput> {
        let trailer = req
            .headers
            .get("x-amz-trailer")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let input = req.input;
        let path = self.layout.object_path(&input.bucket, &input.key)?;
        // Checked before reading the body so a bad request fails fast; commit re-checks.
        let bucket_dir = self.require_bucket(&input.bucket).await?;
        let expected = body::expected_length(input.content_length)?;
        let mode = match &input.if_none_match {
            Some(cond) if cond.is_any() => Commit::CreateNew,
            Some(_) => {
                return Err(s3_error!(
                    NotImplemented,
                    "only If-None-Match: * is supported"
                ))
            }
            None => Commit::Replace,
        };
        if input.if_match.is_some() {
            return Err(s3_error!(
                NotImplemented,
                "If-Match on PUT is not supported"
            ));
        }
        let mut meta = ContentAttrs {
            content_type: input.content_type,
            content_encoding: input.content_encoding,
            content_disposition: input.content_disposition,
            cache_control: input.cache_control,
            metadata: input.metadata,
        }
        .into_meta()?;
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
        let md5 = match body::receive(input.body, expected, &mut tmp, &mut declared).await {
            Ok(md5) => md5,
            Err(e) => {
                info!(bucket = %input.bucket, key = %input.key, error = %e, "upload rejected, nothing stored");
                return Err(e);
            }
        };
        declared.verify(&md5, req.trailing_headers)?;

        meta.size = expected;
        meta.etag = hex::encode(md5);
        meta.last_modified_ms = objfile::now_ms();
        tmp.finish(&meta).await.map_err(internal)?;
        match tmp.commit(&bucket_dir, &path, mode).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(s3_error!(NoSuchBucket)),
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(s3_error!(PreconditionFailed))
            }
            Err(e) => return Err(internal(e)),
        }
        info!(bucket = %input.bucket, key = %input.key, size = meta.size, "object stored");
        Ok(PutObjectOutput {
            e_tag: Some(ETag::Strong(meta.etag)),
            size: i64::try_from(meta.size).ok(),
            ..Default::default()
        })
    }

    async fn open_for_read(&self, bucket: &str, key: &str) -> S3Result<(fs::File, ObjectMeta)> {
        let path = self.layout.object_path(bucket, key)?;
        match objfile::open_object(&path).await {
            Ok(found) => Ok(found),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(self.missing_object(bucket).await),
            Err(e) => Err(internal(e)),
        }
    }

    pub(crate) async fn get(&self, input: GetObjectInput) -> S3Result<GetObjectOutput> {
        if input.part_number.is_some() {
            return Err(s3_error!(
                NotImplemented,
                "GET by part number is not supported"
            ));
        }
        let (file, meta) = self.open_for_read(&input.bucket, &input.key).await?;
        let (start, len, content_range) = match input.range {
            None => (0, meta.size, None),
            Some(range) => {
                let r = range
                    .check(meta.size)
                    .map_err(|_| s3_error!(InvalidRange))?;
                let range_header = format!("bytes {}-{}/{}", r.start, r.end - 1, meta.size);
                (r.start, r.end - r.start, Some(range_header))
            }
        };
        let body = body::file_stream(file, start, len)
            .await
            .map_err(internal)?;
        debug!(bucket = %input.bucket, key = %input.key, start, len, "serving object");
        Ok(GetObjectOutput {
            body: Some(body),
            accept_ranges: Some("bytes".to_owned()),
            content_length: Some(i64::try_from(len).map_err(|_| s3_error!(InternalError))?),
            content_range,
            metadata: user_metadata(&meta),
            last_modified: Some(meta.last_modified()),
            e_tag: Some(ETag::Strong(meta.etag)),
            content_type: meta.content_type,
            content_encoding: meta.content_encoding,
            content_disposition: meta.content_disposition,
            cache_control: meta.cache_control,
            ..Default::default()
        })
    }

    pub(crate) async fn head(&self, input: HeadObjectInput) -> S3Result<HeadObjectOutput> {
        let (_, meta) = self.open_for_read(&input.bucket, &input.key).await?;
        Ok(HeadObjectOutput {
            accept_ranges: Some("bytes".to_owned()),
            content_length: Some(i64::try_from(meta.size).map_err(|_| s3_error!(InternalError))?),
            metadata: user_metadata(&meta),
            last_modified: Some(meta.last_modified()),
            e_tag: Some(ETag::Strong(meta.etag)),
            content_type: meta.content_type,
            content_encoding: meta.content_encoding,
            content_disposition: meta.content_disposition,
            cache_control: meta.cache_control,
            ..Default::default()
        })
    }

    /// Copies an object within the store, content and metadata, as one durable write.
    pub(crate) async fn copy(&self, input: CopyObjectInput) -> S3Result<CopyObjectOutput> {
        let CopySource::Bucket {
            bucket: src_bucket,
            key: src_key,
            version_id: None,
        } = &input.copy_source
        else {
            return Err(s3_error!(
                NotImplemented,
                "only copies from a bucket and key, without versions, are supported"
            ));
        };
        let conditional = input.copy_source_if_match.is_some()
            || input.copy_source_if_none_match.is_some()
            || input.copy_source_if_modified_since.is_some()
            || input.copy_source_if_unmodified_since.is_some();
        let replaces_metadata = input
            .metadata_directive
            .as_ref()
            .is_some_and(|d| d.as_str() == MetadataDirective::REPLACE);
        if conditional || replaces_metadata {
            return Err(s3_error!(
                NotImplemented,
                "copy conditions and replacing metadata are not supported"
            ));
        }
        let (mut src, mut meta) = self.open_for_read(src_bucket, src_key).await?;
        let path = self.layout.object_path(&input.bucket, &input.key)?;
        let bucket_dir = self.require_bucket(&input.bucket).await?;
        let mut tmp = TempFile::create(&self.layout).await.map_err(internal)?;
        tmp.append_from(&mut src, meta.size)
            .await
            .map_err(internal)?;
        meta.last_modified_ms = objfile::now_ms();
        tmp.finish(&meta).await.map_err(internal)?;
        match tmp.commit(&bucket_dir, &path, Commit::Replace).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(s3_error!(NoSuchBucket)),
            Err(e) => return Err(internal(e)),
        }
        info!(bucket = %input.bucket, key = %input.key, from = %src_key, size = meta.size, "object copied");
        Ok(CopyObjectOutput {
            copy_object_result: Some(CopyObjectResult {
                e_tag: Some(ETag::Strong(meta.etag.clone())),
                last_modified: Some(meta.last_modified()),
                ..Default::default()
            }),
            ..Default::default()
        })
    }

    /// Deletes one object; deleting a missing key succeeds, as in S3.
    pub(crate) async fn delete_one(
        &self,
        bucket_dir: &Path,
        bucket: &str,
        key: &str,
    ) -> S3Result<()> {
        let path = self.layout.object_path(bucket, key)?;
        match fs::remove_file(&path).await {
            Ok(()) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(internal(e)),
        }
        if let Some(parent) = path.parent() {
            sync_dir(parent).await.map_err(internal)?;
            prune_empty_dirs(bucket_dir, parent).await;
        }
        info!(%bucket, %key, "object deleted");
        Ok(())
    }

    pub(crate) async fn delete_many(
        &self,
        input: DeleteObjectsInput,
    ) -> S3Result<DeleteObjectsOutput> {
        let dir = self.require_bucket(&input.bucket).await?;
        let quiet = input.delete.quiet.unwrap_or(false);
        let mut deleted = Vec::new();
        let mut errors = Vec::new();
        for object in input.delete.objects {
            match self.delete_one(&dir, &input.bucket, &object.key).await {
                Ok(()) if quiet => {}
                Ok(()) => deleted.push(DeletedObject {
                    key: Some(object.key),
                    ..Default::default()
                }),
                Err(e) => errors.push(Error {
                    code: Some(e.code().as_str().to_owned()),
                    message: e.message().map(str::to_owned),
                    key: Some(object.key),
                    version_id: None,
                }),
            }
        }
        Ok(DeleteObjectsOutput {
            deleted: Some(deleted),
            errors: Some(errors),
            ..Default::default()
        })
    }
}
