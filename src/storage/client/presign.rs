//! Presigned URLs: what clients and players use to reach the store directly.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{presigning, store_error, url_and_headers, ObjectStore, StoreError};

impl ObjectStore {
    /// A URL for one PUT bound to the key, the exact length and the content type.
    pub async fn presign_put(
        &self,
        key: &str,
        size: u64,
        content_type: &str,
        ttl: Duration,
    ) -> Result<(String, BTreeMap<String, String>), StoreError> {
        let request = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_length(size as i64)
            .content_type(content_type)
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| store_error("PutObject presign", e))?;
        Ok(url_and_headers(request))
    }

    /// A URL that GETs one object (Range works on it) until `ttl` has passed.
    pub async fn presign_get(&self, key: &str, ttl: Duration) -> Result<String, StoreError> {
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| store_error("GetObject presign", e))?;
        Ok(request.uri().to_owned())
    }
}
