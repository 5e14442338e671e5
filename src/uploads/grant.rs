//! Issuing an upload grant: admission checks, reservation, presigned URLs.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use utoipa::ToSchema;

use super::domain::ValidUpload;
use super::state::UploadState;
use super::store::UploadRow;
use super::GrantWriter;
use super::UploadError;
use crate::ids::{MediaId, UploadId, UserId};
use crate::quota::{Refusal, StoreRoom};
use crate::state::AppState;
use crate::storage::keys;
use crate::time_util::{now_ms, rfc3339};

/// S3 allows at most this many parts in one multipart upload.
const MAX_PARTS: u64 = 10_000;

/// One presigned part URL.
#[derive(Serialize, ToSchema)]
pub struct PartUrl {
    pub number: i32,
    /// Exactly this many bytes must be sent to `url`.
    pub size: u64,
    pub url: String,
}

/// What the client needs to upload straight to the store.
#[derive(Serialize, ToSchema)]
pub struct UploadGrant {
    pub upload_id: UploadId,
    pub media_id: MediaId,
    pub expires_at: String,
    /// `put` (one request) or `multipart` (one request per part, then complete).
    pub method: &'static str,
    /// For `put`: the URL to PUT the file to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Headers the PUT must carry exactly (they are part of the signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub headers: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part_size: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parts: Option<Vec<PartUrl>>,
}

/// Checks the store and quotas, reserves the bytes and presigns the URLs.
pub async fn grant(
    state: &AppState,
    writer: &GrantWriter,
    user_id: &UserId,
    upload: ValidUpload,
) -> Result<UploadGrant, UploadError> {
    if !state.store_health.is_up().await {
        return Err(UploadError::StoreUnavailable);
    }
    let settings = &state.settings.uploads;
    let upload_id = UploadId::generate();
    let object_key = keys::original(user_id, &upload_id);
    let ttl = Duration::from_secs(settings.url_ttl_secs);
    let now = now_ms();
    let multipart = upload.size > settings.multipart_threshold_bytes;
    let part_size = settings
        .part_size_bytes
        .max(upload.size.div_ceil(MAX_PARTS));
    let s3_upload_id = if multipart {
        Some(
            state
                .store
                .create_multipart(&object_key, upload.content_type.as_str())
                .await
                .inspect_err(|_| {
                    state.store_health.mark_down();
                })?,
        )
    } else {
        None
    };
    let row = UploadRow {
        id: upload_id,
        user_id: user_id.clone(),
        media_id: MediaId::generate(),
        object_key,
        size_bytes: upload.size as i64,
        content_type: upload.content_type.as_str().to_owned(),
        title: upload.title,
        description: upload.description,
        visibility: upload.visibility.as_str().to_owned(),
        method: if multipart { "multipart" } else { "put" }.to_owned(),
        s3_upload_id,
        part_size: multipart.then_some(part_size as i64),
        state: UploadState::Pending,
        expires_at: now + ttl.as_millis() as i64,
        created_at: now,
    };
    let (limit, stored_counts) = state.store_health.room();
    let reserved = writer
        .reserve(
            row.clone(),
            StoreRoom {
                limit,
                stored_counts,
            },
        )
        .await;
    let refusal = match reserved {
        Ok(Ok(())) => None,
        Ok(Err(Refusal::StoreFull)) => Some(UploadError::StoreFull),
        Ok(Err(Refusal::QuotaExceeded { used, limit })) => {
            Some(UploadError::QuotaExceeded { used, limit })
        }
        Err(e) => Some(e.into()),
    };
    if let Some(err) = refusal {
        if let Some(id) = &row.s3_upload_id {
            if let Err(e) = state.store.abort_multipart(&row.object_key, id).await {
                tracing::warn!(error = %e, "could not abort an unused multipart upload; the store's lifecycle rules must clean it");
            }
        }
        return Err(err);
    }
    metrics::counter!("imshare_upload_grants_total", "method" => row.method.clone()).increment(1);
    presign(state, row, ttl).await
}

async fn presign(
    state: &AppState,
    row: UploadRow,
    ttl: Duration,
) -> Result<UploadGrant, UploadError> {
    let size = row.size_bytes as u64;
    let mut grant = UploadGrant {
        upload_id: row.id,
        media_id: row.media_id,
        expires_at: rfc3339(row.expires_at),
        method: "put",
        url: None,
        headers: None,
        part_size: None,
        parts: None,
    };
    match (&row.s3_upload_id, row.part_size) {
        (Some(s3_id), Some(part_size)) => {
            let part_size = part_size as u64;
            let mut parts = Vec::new();
            for (index, start) in (0..size).step_by(part_size as usize).enumerate() {
                let number = index as i32 + 1;
                let part_len = part_size.min(size - start);
                let url = state
                    .store
                    .presign_part(&row.object_key, s3_id, number, part_len, ttl)
                    .await?;
                parts.push(PartUrl {
                    number,
                    size: part_len,
                    url,
                });
            }
            grant.method = "multipart";
            grant.part_size = Some(part_size);
            grant.parts = Some(parts);
        }
        _ => {
            let (url, headers) = state
                .store
                .presign_put(&row.object_key, size, &row.content_type, ttl)
                .await?;
            grant.url = Some(url);
            grant.headers = Some(headers);
        }
    }
    Ok(grant)
}
