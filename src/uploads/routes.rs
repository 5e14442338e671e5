//! HTTP routes for uploads.

use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::complete::{self, CompletedPartInput};
use super::domain::UploadRequest;
use super::grant::{self, UploadGrant};
use super::state::UploadState;
use super::store::{self, UploadRow};
use super::{GrantWriter, UploadError};
use crate::auth::AuthUser;
use crate::ids::{MediaId, UploadId};
use crate::media::MediaStatus;
use crate::state::AppState;
use crate::storage::PartInfo;
use crate::time_util::rfc3339;

/// Registers the upload routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_upload)
        .service(get_upload)
        .service(complete_upload)
        .service(abort_upload);
}

/// Ask for a key to upload a clip straight to the store.
#[utoipa::path(tag = "uploads", request_body = UploadRequest,
    responses((status = 201, body = UploadGrant),
        (status = 413, description = "quota_exceeded or too_large"), (status = 415, description = "unsupported_media_type"),
        (status = 503, description = "store_unavailable"), (status = 507, description = "store_full")),
    security(("bearer" = [])))]
#[post("/v1/uploads")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn create_upload(
    state: web::Data<AppState>,
    writer: web::Data<GrantWriter>,
    user: AuthUser,
    body: web::Json<UploadRequest>,
) -> Result<HttpResponse, UploadError> {
    let upload = body
        .into_inner()
        .validate(state.settings.uploads.max_size_bytes)?;
    let grant = grant::grant(&state, &writer, &user.id, upload).await?;
    Ok(HttpResponse::Created().json(grant))
}

/// An upload's state and, while pending, what the store already received.
#[derive(Serialize, ToSchema)]
pub struct UploadStatus {
    upload_id: UploadId,
    media_id: MediaId,
    /// `pending`, `completed`, `aborted` or `expired`.
    state: UploadState,
    method: String,
    size: i64,
    content_type: String,
    expires_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    received_bytes: Option<u64>,
    /// Multipart: the parts the store holds, to resume after a broken connection.
    #[serde(skip_serializing_if = "Option::is_none")]
    parts: Option<Vec<PartInfo>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    part_size: Option<i64>,
}

/// An upload's state; for a multipart upload, the parts already received.
#[utoipa::path(tag = "uploads", params(("id" = String, Path)),
    responses((status = 200, body = UploadStatus), (status = 404)), security(("bearer" = [])))]
#[get("/v1/uploads/{id}")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn get_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UploadId>,
) -> Result<HttpResponse, UploadError> {
    let upload = owned_upload(&state, &user, &path).await?;
    let (mut received_bytes, mut parts) = (None, None);
    if upload.state == UploadState::Pending {
        match &upload.s3_upload_id {
            Some(s3_id) => {
                let held = state.store.list_parts(&upload.object_key, s3_id).await?;
                received_bytes = Some(held.iter().map(|p| p.size).sum());
                parts = Some(held);
            }
            None => {
                received_bytes = Some(
                    state
                        .store
                        .head(&upload.object_key)
                        .await?
                        .map_or(0, |o| o.size),
                )
            }
        }
    }
    Ok(HttpResponse::Ok().json(UploadStatus {
        upload_id: upload.id,
        media_id: upload.media_id,
        state: upload.state,
        method: upload.method,
        size: upload.size_bytes,
        content_type: upload.content_type,
        expires_at: rfc3339(upload.expires_at),
        received_bytes,
        parts,
        part_size: upload.part_size,
    }))
}

/// Optional part list for multipart completion.
#[derive(Deserialize, ToSchema, Default)]
pub struct CompleteRequest {
    parts: Option<Vec<CompletedPartInput>>,
}

/// The media created by a completed upload.
#[derive(Serialize, ToSchema)]
pub struct CompletedUpload {
    media_id: MediaId,
    status: MediaStatus,
}

/// Tell the service the bytes are in the store; it checks them and starts processing.
#[utoipa::path(tag = "uploads", params(("id" = String, Path)), request_body(content = CompleteRequest, description = "optional"),
    responses((status = 200, body = CompletedUpload),
        (status = 409, description = "object_missing, size_mismatch, parts_mismatch or upload_not_pending"),
        (status = 404)),
    security(("bearer" = [])))]
#[post("/v1/uploads/{id}/complete")]
#[tracing::instrument(skip_all, fields(user = %user.id, upload = %path))]
async fn complete_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UploadId>,
    body: Option<web::Json<CompleteRequest>>,
) -> Result<HttpResponse, UploadError> {
    let upload = owned_upload(&state, &user, &path).await?;
    let parts = body.map(|b| b.into_inner()).unwrap_or_default().parts;
    let status = complete::complete(&state, &upload, parts).await?;
    Ok(HttpResponse::Ok().json(CompletedUpload {
        media_id: upload.media_id,
        status,
    }))
}

/// Abort a pending upload and free its reservation.
#[utoipa::path(tag = "uploads", params(("id" = String, Path)),
    responses((status = 204), (status = 404), (status = 409, description = "upload_completed")), security(("bearer" = [])))]
#[delete("/v1/uploads/{id}")]
#[tracing::instrument(skip_all, fields(user = %user.id, upload = %path))]
async fn abort_upload(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<UploadId>,
) -> Result<HttpResponse, UploadError> {
    let upload = owned_upload(&state, &user, &path).await?;
    match upload.state {
        UploadState::Completed => return Err(UploadError::AlreadyCompleted),
        UploadState::Pending => {
            super::sweeper::end_upload(&state, &upload, UploadState::Aborted).await?
        }
        UploadState::Aborted | UploadState::Expired => {}
    }
    Ok(HttpResponse::NoContent().finish())
}

async fn owned_upload(
    state: &AppState,
    user: &AuthUser,
    id: &UploadId,
) -> Result<UploadRow, UploadError> {
    store::find_for_user(&state.db, id, &user.id)
        .await?
        .ok_or(UploadError::NotFound)
}
