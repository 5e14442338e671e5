//! Ends uploads: on the client's request (abort) and, in the background, those whose
//! URLs expired long enough ago that no PUT can still be in flight.

use std::time::Duration;

use super::state::UploadState;
use super::store::{self, UploadRow};
use super::UploadError;
use crate::state::AppState;
use crate::time_util::now_ms;

/// Ends a pending upload as `final_state`, frees its reservation and removes what the
/// store received. Store failures are logged: the reservation matters more than the bytes.
pub async fn end_upload(
    state: &AppState,
    upload: &UploadRow,
    final_state: UploadState,
) -> Result<(), UploadError> {
    if !store::release(&state.db, upload, final_state).await? {
        return Ok(());
    }
    let removed = match &upload.s3_upload_id {
        Some(s3_id) => state.store.abort_multipart(&upload.object_key, s3_id).await,
        None => state.store.delete(&upload.object_key).await,
    };
    if let Err(e) = removed {
        tracing::warn!(upload = %upload.id, error = %e, "could not remove an ended upload's bytes from the store");
    }
    Ok(())
}

/// Expires stale uploads every `sweep_interval_secs`, forever.
pub async fn run(state: AppState) {
    let settings = &state.settings.uploads;
    let mut ticker =
        tokio::time::interval(Duration::from_secs(settings.sweep_interval_secs.max(1)));
    loop {
        ticker.tick().await;
        match sweep_once(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(expired = n, "expired stale uploads"),
            Err(e) => tracing::warn!(error = %e, "upload sweep failed; will retry"),
        }
    }
}

/// Expires up to a batch of stale uploads, and clears the keys of completed ones whose
/// URLs have expired; returns how many uploads expired.
pub async fn sweep_once(state: &AppState) -> Result<usize, UploadError> {
    let cutoff = now_ms() - state.settings.uploads.expire_grace_secs as i64 * 1000;
    let stale = store::stale_pending(&state.db, cutoff, 200).await?;
    for upload in &stale {
        end_upload(state, upload, UploadState::Expired).await?;
    }
    metrics::counter!("imshare_uploads_expired_total").increment(stale.len() as u64);
    // A PUT with a completed upload's URL after it completed wrote to a key nothing reads
    // (the verified copy lives elsewhere); now that no PUT can be in flight, remove it.
    for (id, key) in store::stale_slots(&state.db, cutoff, 200).await? {
        state.store.delete(&key).await?;
        store::slot_cleared(&state.db, &id).await?;
    }
    Ok(stale.len())
}
