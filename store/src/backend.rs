//! The `S3` trait implementation: bucket operations here, the rest delegated to sibling modules.

use std::io::{self, ErrorKind};
use std::path::PathBuf;

use s3s::dto::*;
use s3s::{s3_error, S3Error, S3Request, S3Response, S3Result, S3};
use tokio::fs;
use tracing::{error, info};

use super::objfile::{self, sync_dir};
use super::paths::Layout;

/// Filesystem-backed S3 operations over one root directory.
#[derive(Debug)]
pub(crate) struct Backend {
    pub(crate) layout: Layout,
}

/// Logs an unexpected filesystem error and turns it into a 500 without leaking paths to clients.
pub(crate) fn internal(e: io::Error) -> S3Error {
    error!(error = %e, "embedded store I/O error");
    S3Error::internal_error(e)
}

impl Backend {
    /// Prepares the directory tree and drops leftovers of writes interrupted by a crash or stop.
    pub(crate) async fn open(root: PathBuf) -> io::Result<Self> {
        let layout = Layout::new(root);
        fs::create_dir_all(layout.root()).await?;
        for dir in [layout.buckets_dir(), layout.uploads_dir(), layout.tmp_dir()] {
            fs::create_dir_all(&dir).await?;
        }
        let mut removed = 0usize;
        let mut entries = fs::read_dir(layout.tmp_dir()).await?;
        while let Some(entry) = entries.next_entry().await? {
            let path = entry.path();
            if entry.file_type().await?.is_dir() {
                fs::remove_dir_all(&path).await?;
            } else {
                fs::remove_file(&path).await?;
            }
            removed += 1;
        }
        if removed > 0 {
            info!(removed, "removed temp files left by interrupted writes");
            sync_dir(&layout.tmp_dir()).await?;
        }
        sync_dir(layout.root()).await?;
        Ok(Self { layout })
    }

    /// The bucket's directory, or `NoSuchBucket`.
    pub(crate) async fn require_bucket(&self, bucket: &str) -> S3Result<PathBuf> {
        let dir = self.layout.bucket_dir(bucket)?;
        match fs::metadata(&dir).await {
            Ok(m) if m.is_dir() => Ok(dir),
            Ok(_) => Err(s3_error!(NoSuchBucket)),
            Err(e) if e.kind() == ErrorKind::NotFound => Err(s3_error!(NoSuchBucket)),
            Err(e) => Err(internal(e)),
        }
    }

    /// Error for a missing object: a missing bucket takes precedence, as in S3.
    pub(crate) async fn missing_object(&self, bucket: &str) -> S3Error {
        match self.require_bucket(bucket).await {
            Ok(_) => s3_error!(NoSuchKey),
            Err(e) => e,
        }
    }

    /// Removes a bucket directory that holds only empty directories; `false` if anything else
    /// is (or, racing with a write, appears) inside. Never removes a file.
    async fn remove_empty_tree(root: PathBuf) -> io::Result<bool> {
        let mut dirs = vec![root.clone()];
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            let mut entries = fs::read_dir(&dir).await?;
            while let Some(entry) = entries.next_entry().await? {
                if !entry.file_type().await?.is_dir() {
                    return Ok(false);
                }
                stack.push(entry.path());
                dirs.push(entry.path());
            }
        }
        // Children were pushed after their parents, so reverse order removes leaves first.
        for dir in dirs.iter().rev() {
            match fs::remove_dir(dir).await {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::DirectoryNotEmpty => return Ok(false),
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }
}

#[async_trait::async_trait]
impl S3 for Backend {
    async fn create_bucket(
        &self,
        req: S3Request<CreateBucketInput>,
    ) -> S3Result<S3Response<CreateBucketOutput>> {
        let bucket = req.input.bucket;
        let dir = self.layout.bucket_dir(&bucket)?;
        match fs::create_dir(&dir).await {
            Ok(()) => {}
            // Single-tenant store: any existing bucket is the caller's own.
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err(s3_error!(BucketAlreadyOwnedByYou))
            }
            Err(e) => return Err(internal(e)),
        }
        sync_dir(&self.layout.buckets_dir())
            .await
            .map_err(internal)?;
        info!(%bucket, "bucket created");
        let output = CreateBucketOutput {
            location: Some(format!("/{bucket}")),
        };
        Ok(S3Response::new(output))
    }

    async fn head_bucket(
        &self,
        req: S3Request<HeadBucketInput>,
    ) -> S3Result<S3Response<HeadBucketOutput>> {
        self.require_bucket(&req.input.bucket).await?;
        Ok(S3Response::new(HeadBucketOutput::default()))
    }

    async fn delete_bucket(
        &self,
        req: S3Request<DeleteBucketInput>,
    ) -> S3Result<S3Response<DeleteBucketOutput>> {
        let bucket = req.input.bucket;
        let dir = self.require_bucket(&bucket).await?;
        // Empty directories may remain from deletes that crashed before pruning.
        if !Self::remove_empty_tree(dir).await.map_err(internal)? {
            return Err(s3_error!(BucketNotEmpty));
        }
        sync_dir(&self.layout.buckets_dir())
            .await
            .map_err(internal)?;
        let uploads = self.layout.bucket_uploads_dir(&bucket)?;
        match fs::remove_dir_all(&uploads).await {
            Ok(()) => sync_dir(&self.layout.uploads_dir())
                .await
                .map_err(internal)?,
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(internal(e)),
        }
        info!(%bucket, "bucket deleted");
        Ok(S3Response::new(DeleteBucketOutput::default()))
    }

    async fn list_buckets(
        &self,
        _req: S3Request<ListBucketsInput>,
    ) -> S3Result<S3Response<ListBucketsOutput>> {
        let mut buckets = Vec::new();
        let mut entries = fs::read_dir(self.layout.buckets_dir())
            .await
            .map_err(internal)?;
        while let Some(entry) = entries.next_entry().await.map_err(internal)? {
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Ok(meta) = entry.metadata().await else {
                continue;
            };
            if !meta.is_dir() || self.layout.bucket_dir(&name).is_err() {
                continue;
            }
            let created = meta
                .created()
                .or_else(|_| meta.modified())
                .ok()
                .map(Timestamp::from);
            buckets.push(Bucket {
                name: Some(name),
                creation_date: created,
                bucket_region: None,
            });
        }
        buckets.sort_by(|a, b| a.name.cmp(&b.name));
        let output = ListBucketsOutput {
            buckets: Some(buckets),
            ..Default::default()
        };
        Ok(S3Response::new(output))
    }

    async fn put_object(
        &self,
        req: S3Request<PutObjectInput>,
    ) -> S3Result<S3Response<PutObjectOutput>> {
        self.put(req).await.map(S3Response::new)
    }

    async fn get_object(
        &self,
        req: S3Request<GetObjectInput>,
    ) -> S3Result<S3Response<GetObjectOutput>> {
        self.get(req.input).await.map(S3Response::new)
    }

    async fn head_object(
        &self,
        req: S3Request<HeadObjectInput>,
    ) -> S3Result<S3Response<HeadObjectOutput>> {
        self.head(req.input).await.map(S3Response::new)
    }

    async fn copy_object(
        &self,
        req: S3Request<CopyObjectInput>,
    ) -> S3Result<S3Response<CopyObjectOutput>> {
        self.copy(req.input).await.map(S3Response::new)
    }

    async fn delete_object(
        &self,
        req: S3Request<DeleteObjectInput>,
    ) -> S3Result<S3Response<DeleteObjectOutput>> {
        let input = req.input;
        let dir = self.require_bucket(&input.bucket).await?;
        self.delete_one(&dir, &input.bucket, &input.key).await?;
        Ok(S3Response::new(DeleteObjectOutput::default()))
    }

    async fn delete_objects(
        &self,
        req: S3Request<DeleteObjectsInput>,
    ) -> S3Result<S3Response<DeleteObjectsOutput>> {
        self.delete_many(req.input).await.map(S3Response::new)
    }

    async fn list_objects_v2(
        &self,
        req: S3Request<ListObjectsV2Input>,
    ) -> S3Result<S3Response<ListObjectsV2Output>> {
        self.list_v2(req.input).await.map(S3Response::new)
    }

    async fn create_multipart_upload(
        &self,
        req: S3Request<CreateMultipartUploadInput>,
    ) -> S3Result<S3Response<CreateMultipartUploadOutput>> {
        self.create_upload(req.input).await.map(S3Response::new)
    }

    async fn upload_part(
        &self,
        req: S3Request<UploadPartInput>,
    ) -> S3Result<S3Response<UploadPartOutput>> {
        self.put_part(req).await.map(S3Response::new)
    }

    async fn list_parts(
        &self,
        req: S3Request<ListPartsInput>,
    ) -> S3Result<S3Response<ListPartsOutput>> {
        self.parts(req.input).await.map(S3Response::new)
    }

    async fn complete_multipart_upload(
        &self,
        req: S3Request<CompleteMultipartUploadInput>,
    ) -> S3Result<S3Response<CompleteMultipartUploadOutput>> {
        self.complete_upload(req.input).await.map(S3Response::new)
    }

    async fn abort_multipart_upload(
        &self,
        req: S3Request<AbortMultipartUploadInput>,
    ) -> S3Result<S3Response<AbortMultipartUploadOutput>> {
        self.abort_upload(req.input).await.map(S3Response::new)
    }

    async fn list_multipart_uploads(
        &self,
        req: S3Request<ListMultipartUploadsInput>,
    ) -> S3Result<S3Response<ListMultipartUploadsOutput>> {
        self.uploads(req.input).await.map(S3Response::new)
    }
}

/// Shared by object and part listings: metadata of a committed file, if it is still there.
pub(crate) async fn stat_object(path: &std::path::Path) -> S3Result<Option<objfile::ObjectMeta>> {
    match objfile::open_object(path).await {
        Ok((_, meta)) => Ok(Some(meta)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(internal(e)),
    }
}
