//! A thin, typed wrapper over the aws-sdk-s3 calls imshare makes: objects here,
//! multipart uploads and presigned URLs in the submodules.

mod multipart;
mod presign;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_s3::config::{
    BehaviorVersion, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::Client;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

/// A store call that failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or timed out.
    #[error("the object store is unreachable: {0}")]
    Unreachable(String),
    /// The store answered with an error.
    #[error("the object store refused {op}: {code}: {message}")]
    Refused {
        op: &'static str,
        code: String,
        message: String,
    },
}

/// Size and type of a stored object.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub size: u64,
    pub content_type: Option<String>,
}

/// One part of a multipart upload the store already holds.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct PartInfo {
    pub number: i32,
    pub size: u64,
    pub etag: String,
}

/// Where to reach the store and with which key.
pub struct StoreAddress {
    pub endpoint: String,
    pub public_endpoint: String,
    pub region: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
}

/// The bucket imshare keeps its objects in.
#[derive(Clone, Debug)]
pub struct ObjectStore {
    client: Client,
    /// Signs URLs for the address clients use; the host is part of the signature.
    presigner: Client,
    bucket: String,
}

impl ObjectStore {
    /// Builds the clients; no request is made yet.
    pub fn new(address: &StoreAddress) -> ObjectStore {
        ObjectStore {
            client: build_client(address, &address.endpoint),
            presigner: build_client(address, &address.public_endpoint),
            bucket: address.bucket.clone(),
        }
    }

    /// Creates the bucket if it does not exist yet.
    pub async fn ensure_bucket(&self) -> Result<(), StoreError> {
        if self.probe().await.is_ok() {
            return Ok(());
        }
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.code(),
                    Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(store_error("CreateBucket", e)),
        }
    }

    /// One cheap request that proves the bucket is reachable.
    pub async fn probe(&self) -> Result<(), StoreError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("HeadBucket", e))
    }

    /// Size and type of an object, or `None` if it is not there.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, StoreError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(out) => Ok(Some(ObjectInfo {
                size: out.content_length().unwrap_or_default().max(0) as u64,
                content_type: out.content_type().map(str::to_owned),
            })),
            Err(SdkError::ServiceError(e)) if e.raw().status().as_u16() == 404 => Ok(None),
            Err(e) => Err(store_error("HeadObject", e)),
        }
    }

    /// Copies an object to another key of the bucket, on the store's side.
    pub async fn copy(&self, from: &str, to: &str) -> Result<(), StoreError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            // Keys are made of ids, `/` and `-` only, so they need no escaping here.
            .copy_source(format!("{}/{from}", self.bucket))
            .key(to)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("CopyObject", e))
    }

    /// Removes one object; a missing object is not an error.
    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("DeleteObject", e))
    }
    /// Streams an object into a local file.
    pub async fn download_to(&self, key: &str, path: &std::path::Path) -> Result<u64, StoreError> {
        let out = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| store_error("GetObject", e))?;
        let mut file = tokio::fs::File::create(path)
            .await
            .map_err(|e| StoreError::Unreachable(format!("creating {}: {e}", path.display())))?;
        let mut body = out.body.into_async_read();
        let copied = tokio::io::copy(&mut body, &mut file)
            .await
            .map_err(|e| StoreError::Unreachable(format!("GetObject body of {key}: {e}")))?;
        Ok(copied)
    }

    /// Uploads a local file as an object.
    pub async fn upload_file(
        &self,
        key: &str,
        path: &std::path::Path,
        content_type: &str,
    ) -> Result<u64, StoreError> {
        let body = aws_sdk_s3::primitives::ByteStream::from_path(path)
            .await
            .map_err(|e| StoreError::Unreachable(format!("reading {}: {e}", path.display())))?;
        let size = body.size_hint().0 as u64;
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(body)
            .send()
            .await
            .map_err(|e| store_error("PutObject", e))?;
        Ok(size)
    }

    /// Keys under `prefix` (at most the first 1,000).
    pub async fn list_keys(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .send()
            .await
            .map_err(|e| store_error("ListObjectsV2", e))?;
        Ok(page
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect())
    }

    /// Removes every object under `prefix`, a page at a time.
    pub async fn delete_prefix(&self, prefix: &str) -> Result<(), StoreError> {
        loop {
            let keys = self.list_keys(prefix).await?;
            if keys.is_empty() {
                return Ok(());
            }
            for key in &keys {
                self.delete(key).await?;
            }
        }
    }
}

fn build_client(address: &StoreAddress, endpoint: &str) -> Client {
    let credentials = Credentials::new(
        &address.access_key,
        &address.secret_key,
        None,
        None,
        "imshare-settings",
    );
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(address.region.clone()))
        .endpoint_url(endpoint)
        .force_path_style(true)
        .credentials_provider(credentials)
        // Presigned URLs must not demand checksums that a plain HTTP client cannot send.
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_millis(800))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .build();
    Client::from_conf(config)
}

pub(super) fn presigning(ttl: Duration) -> Result<PresigningConfig, StoreError> {
    PresigningConfig::expires_in(ttl).map_err(|e| refused("presign", &e.to_string()))
}

pub(super) fn url_and_headers(request: PresignedRequest) -> (String, BTreeMap<String, String>) {
    let headers = request
        .headers()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    (request.uri().to_owned(), headers)
}

pub(super) fn refused(op: &'static str, message: &str) -> StoreError {
    StoreError::Refused {
        op,
        code: "InvalidResponse".to_owned(),
        message: message.to_owned(),
    }
}

pub(super) fn store_error<
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
>(
    op: &'static str,
    err: SdkError<E, R>,
) -> StoreError {
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            StoreError::Refused {
                op,
                code: e.code().unwrap_or("Unknown").to_owned(),
                message: e.message().unwrap_or_default().to_owned(),
            }
        }
        other => StoreError::Unreachable(format!(
            "{op}: {}",
            aws_sdk_s3::error::DisplayErrorContext(&other)
        )),
    }
}
