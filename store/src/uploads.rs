//! Listing multipart state: the parts of one upload, and the uploads in progress in a bucket.

use std::io::ErrorKind;

use s3s::dto::*;
use s3s::{s3_error, S3Result};
use tokio::fs;

use super::backend::{internal, stat_object, Backend};
use super::multipart::{parse_part_name, part_name, UploadInfo, INFO_FILE, MAX_LISTED};
use super::objfile;

impl Backend {
    pub(crate) async fn parts(&self, input: ListPartsInput) -> S3Result<ListPartsOutput> {
        let (dir, _) = self
            .load_upload(&input.bucket, &input.upload_id, &input.key)
            .await?;
        let marker = input.part_number_marker.unwrap_or(0);
        let max_parts = input.max_parts.unwrap_or(MAX_LISTED).clamp(1, MAX_LISTED);
        let mut numbers = Vec::new();
        let mut entries = match fs::read_dir(&dir).await {
            Ok(entries) => entries,
            // Aborted or completed since it was loaded.
            Err(e) if e.kind() == ErrorKind::NotFound => return Err(s3_error!(NoSuchUpload)),
            Err(e) => return Err(internal(e)),
        };
        while let Some(entry) = entries.next_entry().await.map_err(internal)? {
            if let Some(n) = entry.file_name().to_str().and_then(parse_part_name) {
                if n > marker {
                    numbers.push(n);
                }
            }
        }
        numbers.sort_unstable();
        let limit = usize::try_from(max_parts).unwrap_or(1);
        let is_truncated = numbers.len() > limit;
        numbers.truncate(limit);
        let mut parts = Vec::with_capacity(numbers.len());
        for n in &numbers {
            let Some(meta) = stat_object(&dir.join(part_name(*n))).await? else {
                continue;
            };
            parts.push(Part {
                part_number: Some(*n),
                size: i64::try_from(meta.size).ok(),
                last_modified: Some(meta.last_modified()),
                e_tag: Some(ETag::Strong(meta.etag)),
                ..Default::default()
            });
        }
        Ok(ListPartsOutput {
            bucket: Some(input.bucket),
            key: Some(input.key),
            upload_id: Some(input.upload_id),
            part_number_marker: input.part_number_marker,
            next_part_number_marker: if is_truncated {
                numbers.last().copied()
            } else {
                None
            },
            max_parts: Some(max_parts),
            is_truncated: Some(is_truncated),
            parts: Some(parts),
            ..Default::default()
        })
    }

    pub(crate) async fn uploads(
        &self,
        input: ListMultipartUploadsInput,
    ) -> S3Result<ListMultipartUploadsOutput> {
        self.require_bucket(&input.bucket).await?;
        let dir = self.layout.bucket_uploads_dir(&input.bucket)?;
        let prefix = input.prefix.as_deref().unwrap_or("");
        let mut found: Vec<(String, String, u64)> = Vec::new();
        match fs::read_dir(&dir).await {
            Ok(mut entries) => {
                while let Some(entry) = entries.next_entry().await.map_err(internal)? {
                    let Ok(id) = entry.file_name().into_string() else {
                        continue;
                    };
                    let Ok(raw) = fs::read(entry.path().join(INFO_FILE)).await else {
                        continue;
                    };
                    let Ok(info) = serde_json::from_slice::<UploadInfo>(&raw) else {
                        continue;
                    };
                    if info.key.starts_with(prefix) {
                        found.push((info.key, id, info.initiated_ms));
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(internal(e)),
        }
        found.sort();
        let key_marker = input.key_marker.clone().unwrap_or_default();
        let id_marker = input.upload_id_marker.clone().unwrap_or_default();
        found.retain(|(k, id, _)| {
            *k > key_marker || (*k == key_marker && !id_marker.is_empty() && *id > id_marker)
        });
        let max = input.max_uploads.unwrap_or(MAX_LISTED).clamp(1, MAX_LISTED);
        let limit = usize::try_from(max).unwrap_or(1);
        let is_truncated = found.len() > limit;
        found.truncate(limit);
        let (next_key, next_id) = match found.last() {
            Some((k, id, _)) if is_truncated => (Some(k.clone()), Some(id.clone())),
            _ => (None, None),
        };
        let uploads = found
            .into_iter()
            .map(|(key, id, ms)| MultipartUpload {
                key: Some(key),
                upload_id: Some(id),
                initiated: Some(objfile::timestamp(ms)),
                ..Default::default()
            })
            .collect();
        Ok(ListMultipartUploadsOutput {
            bucket: Some(input.bucket),
            prefix: input.prefix,
            key_marker: input.key_marker,
            upload_id_marker: input.upload_id_marker,
            next_key_marker: next_key,
            next_upload_id_marker: next_id,
            max_uploads: Some(max),
            is_truncated: Some(is_truncated),
            uploads: Some(uploads),
            ..Default::default()
        })
    }
}
