//! Multipart uploads: start, presign parts, list what the store holds, join, abort.

use std::time::Duration;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use super::{presigning, refused, store_error, ObjectStore, PartInfo, StoreError};

impl ObjectStore {
    /// Starts a multipart upload and returns the store's upload id.
    pub async fn create_multipart(
        &self,
        key: &str,
        content_type: &str,
    ) -> Result<String, StoreError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| store_error("CreateMultipartUpload", e))?;
        out.upload_id
            .ok_or_else(|| refused("CreateMultipartUpload", "the store returned no upload id"))
    }

    /// A URL for one part, bound to its number and exact length.
    pub async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        number: i32,
        size: u64,
        ttl: Duration,
    ) -> Result<String, StoreError> {
        let request = self
            .presigner
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(size as i64)
            .presigned(presigning(ttl)?)
            .await
            .map_err(|e| store_error("UploadPart presign", e))?;
        Ok(request.uri().to_owned())
    }

    /// The parts the store holds for a multipart upload, in order.
    pub async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Vec<PartInfo>, StoreError> {
        let mut parts = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .client
                .list_parts()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.clone())
                .send()
                .await
                .map_err(|e| store_error("ListParts", e))?;
            parts.extend(out.parts().iter().map(|p| PartInfo {
                number: p.part_number().unwrap_or_default(),
                size: p.size().unwrap_or_default().max(0) as u64,
                etag: p.e_tag().unwrap_or_default().to_owned(),
            }));
            match (out.is_truncated(), out.next_part_number_marker()) {
                (Some(true), Some(next)) => marker = Some(next.to_owned()),
                _ => break,
            }
        }
        parts.sort_by_key(|p| p.number);
        Ok(parts)
    }

    /// Joins the given parts into the final object.
    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[(i32, String)],
    ) -> Result<(), StoreError> {
        let completed = CompletedMultipartUpload::builder()
            .set_parts(Some(
                parts
                    .iter()
                    .map(|(n, etag)| CompletedPart::builder().part_number(*n).e_tag(etag).build())
                    .collect(),
            ))
            .build();
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(completed)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| store_error("CompleteMultipartUpload", e))
    }

    /// Drops a multipart upload and its parts; an unknown upload is not an error.
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StoreError> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some("NoSuchUpload") => Ok(()),
            Err(e) => Err(store_error("AbortMultipartUpload", e)),
        }
    }
}
