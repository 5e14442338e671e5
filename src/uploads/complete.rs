//! Completing an upload: the object must really be in the store with the declared size
//! and type before the media is recorded and its transcode queued.

use serde::Deserialize;
use utoipa::ToSchema;

use super::state::UploadState;
use super::store::{self, UploadRow};
use super::UploadError;
use crate::media::MediaStatus;
use crate::state::AppState;
use crate::storage::{keys, PartInfo};

/// A part the client uploaded, as the store acknowledged it.
#[derive(Deserialize, ToSchema)]
pub struct CompletedPartInput {
    pub number: i32,
    pub etag: String,
}

/// Verifies the object, then records the media; returns its status.
pub async fn complete(
    state: &AppState,
    upload: &UploadRow,
    parts: Option<Vec<CompletedPartInput>>,
) -> Result<MediaStatus, UploadError> {
    match upload.state {
        UploadState::Pending => {}
        // A retry after a lost response is answered like the first call.
        UploadState::Completed => return current_status(state, upload).await,
        other => return Err(UploadError::NotPending(other)),
    }
    if let (Some(s3_id), Some(part_size)) = (&upload.s3_upload_id, upload.part_size) {
        if state.store.head(&upload.object_key).await?.is_none() {
            join_parts(state, upload, s3_id, part_size as u64, parts).await?;
        }
    }
    let declared = upload.size_bytes as u64;
    let object = state
        .store
        .head(&upload.object_key)
        .await?
        .ok_or(UploadError::ObjectMissing)?;
    if object.size != declared {
        return Err(UploadError::SizeMismatch {
            declared,
            actual: object.size,
        });
    }
    // A single PUT's URL works until it expires, so the bytes checked here move to a key
    // it cannot write. Multipart part URLs name an upload id that dies when the parts are
    // joined, and no URL was ever signed for the joined object's own key.
    let single_put = upload.s3_upload_id.is_none();
    let media_key = if single_put {
        seal(state, upload, declared).await?
    } else {
        upload.object_key.clone()
    };
    if !store::complete(&state.db, upload, &media_key, single_put).await? {
        // Another request completed or expired it meanwhile: answer with what it is now.
        let now = store::find_for_user(&state.db, &upload.id, &upload.user_id)
            .await?
            .ok_or(UploadError::NotFound)?;
        return match now.state {
            UploadState::Completed => current_status(state, &now).await,
            other => Err(UploadError::NotPending(other)),
        };
    }
    if single_put {
        // What is left under the URL's key is no longer anyone's; the sweeper clears the
        // key again after the URL expires, in case it is used once more.
        if let Err(e) = state.store.delete(&upload.object_key).await {
            tracing::warn!(upload = %upload.id, error = %e, "could not remove a sealed upload's first copy");
        }
    }
    metrics::counter!("imshare_uploads_completed_total").increment(1);
    Ok(MediaStatus::Processing)
}

/// Copies a single PUT's bytes to their verified key and checks the copy; returns the key.
async fn seal(state: &AppState, upload: &UploadRow, declared: u64) -> Result<String, UploadError> {
    let verified = keys::verified(&upload.user_id, &upload.id);
    state.store.copy(&upload.object_key, &verified).await?;
    let copied = state
        .store
        .head(&verified)
        .await?
        .ok_or(UploadError::ObjectMissing)?;
    if copied.size != declared {
        return Err(UploadError::SizeMismatch {
            declared,
            actual: copied.size,
        });
    }
    Ok(verified)
}

async fn current_status(state: &AppState, upload: &UploadRow) -> Result<MediaStatus, UploadError> {
    Ok(store::media_status(&state.db, &upload.media_id)
        .await?
        .unwrap_or(MediaStatus::Processing))
}

/// Checks the parts the store holds against the declared size and joins them.
async fn join_parts(
    state: &AppState,
    upload: &UploadRow,
    s3_id: &str,
    part_size: u64,
    claimed: Option<Vec<CompletedPartInput>>,
) -> Result<(), UploadError> {
    let held = state.store.list_parts(&upload.object_key, s3_id).await?;
    if held.is_empty() {
        return Err(UploadError::ObjectMissing);
    }
    let declared = upload.size_bytes as u64;
    let expected_parts = declared.div_ceil(part_size) as usize;
    check_parts(&held, declared, part_size, expected_parts)?;
    if let Some(claimed) = claimed {
        let matches = claimed.len() == held.len()
            && claimed.iter().zip(&held).all(|(c, h)| {
                c.number == h.number && c.etag.trim_matches('"') == h.etag.trim_matches('"')
            });
        if !matches {
            return Err(UploadError::PartsMismatch(
                "the part numbers or ETags sent do not match the parts the store holds; \
                 GET the upload to see them"
                    .into(),
            ));
        }
    }
    let list: Vec<(i32, String)> = held.into_iter().map(|p| (p.number, p.etag)).collect();
    state
        .store
        .complete_multipart(&upload.object_key, s3_id, &list)
        .await?;
    Ok(())
}

fn check_parts(
    held: &[PartInfo],
    declared: u64,
    part_size: u64,
    expected: usize,
) -> Result<(), UploadError> {
    let received: u64 = held.iter().map(|p| p.size).sum();
    if held.len() < expected || received < declared {
        return Err(UploadError::PartsMismatch(format!(
            "{} of {expected} parts ({received} of {declared} bytes) are in the store; upload the rest first",
            held.len()
        )));
    }
    let numbered_in_order = held
        .iter()
        .enumerate()
        .all(|(i, p)| p.number == i as i32 + 1);
    let sized_right = held[..held.len() - 1].iter().all(|p| p.size == part_size);
    if !numbered_in_order || !sized_right || received != declared {
        return Err(UploadError::SizeMismatch {
            declared,
            actual: received,
        });
    }
    Ok(())
}
