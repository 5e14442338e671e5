//! HTTP routes for apps: registration (admins) and pushes (the app itself).

use actix_web::{post, web, HttpRequest, HttpResponse};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{store, target, AppError, PUSH_TTL_MS};
use crate::auth::{bearer_token, AuthUser};
use crate::events::{self, EventKind};
use crate::ids::{AppId, GroupId, UserId};
use crate::state::AppState;

/// Largest push payload (serialized JSON).
const MAX_PAYLOAD_BYTES: usize = 16 * 1024;
/// Most users plus groups one push may name.
const MAX_TARGETS: usize = 1000;

/// Registers the app routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_app).service(push);
}

/// A new app.
#[derive(Deserialize, ToSchema)]
pub struct NewApp {
    name: String,
    /// Where messages from users are POSTed: https, to a public address (plain http and
    /// inside addresses only for hosts the operator lists in `apps.webhook_allow`).
    webhook_url: Option<String>,
}

/// A registered app and its secret (shown once).
#[derive(Serialize, ToSchema)]
pub struct CreatedApp {
    app_id: AppId,
    secret: String,
}

/// Register an app (administrators only).
#[utoipa::path(tag = "apps", request_body = NewApp,
    responses((status = 201, body = CreatedApp), (status = 403),
    (status = 422, description = "invalid_input, or webhook_url_forbidden: the webhook URL is not https or reaches a loopback, private, link-local or metadata address")),
    security(("bearer" = [])))]
#[post("/v1/apps")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn create_app(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<NewApp>,
) -> Result<HttpResponse, AppError> {
    if !store::is_admin(&state.db, &user.id).await? {
        return Err(AppError::NotAdmin);
    }
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::InvalidInput(
            "name must be 1 to 100 characters".into(),
        ));
    }
    let webhook = body
        .webhook_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty());
    let webhook = match webhook {
        Some(url) => Some(
            target::check_new(url, &state.settings.apps.webhook_allow)
                .await
                .map_err(AppError::WebhookForbidden)?
                .to_string(),
        ),
        None => None,
    };
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let app_id = AppId::generate();
    store::insert_app(
        &state.db,
        &app_id,
        name,
        webhook.as_deref(),
        &secret,
        &user.id,
    )
    .await?;
    Ok(HttpResponse::Created().json(CreatedApp { app_id, secret }))
}

/// Whom to push to, and what.
#[derive(Deserialize, ToSchema)]
pub struct Push {
    #[serde(default)]
    users: Vec<UserId>,
    #[serde(default)]
    groups: Vec<GroupId>,
    payload: serde_json::Value,
}

/// How a push went.
#[derive(Serialize, ToSchema)]
pub struct PushResult {
    /// Users who had a connection and got it at once.
    delivered_online: usize,
    /// Users who get it when they next connect.
    queued_offline: usize,
}

/// Push `app.message` to users and group members (authenticated by the app's secret).
#[utoipa::path(tag = "apps", request_body = Push, params(("app_id" = String, Path)),
    responses((status = 202, body = PushResult), (status = 401), (status = 413), (status = 422)))]
#[post("/v1/apps/{app_id}/push")]
#[tracing::instrument(skip_all, fields(app = %path))]
async fn push(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<AppId>,
    body: web::Json<Push>,
) -> Result<HttpResponse, AppError> {
    let app = store::find_app(&state.db, &path)
        .await?
        .ok_or(AppError::BadSecret)?;
    let presented = bearer_token(&req).ok_or(AppError::BadSecret)?;
    if !bool::from(app.secret.as_bytes().ct_eq(presented.as_bytes())) {
        return Err(AppError::BadSecret);
    }
    if body.users.len() + body.groups.len() > MAX_TARGETS {
        return Err(AppError::InvalidInput(format!(
            "name at most {MAX_TARGETS} users and groups per push"
        )));
    }
    let payload_text = body.payload.to_string();
    if payload_text.len() > MAX_PAYLOAD_BYTES {
        return Err(AppError::TooLarge(MAX_PAYLOAD_BYTES));
    }
    let event = serde_json::json!({"app_id": app.id, "payload": body.payload});
    let mut result = PushResult {
        delivered_online: 0,
        queued_offline: 0,
    };
    for user_id in store::recipients(&state.db, &body.users, &body.groups).await? {
        let (db, delivery) = (&state.db, &state.delivery);
        let kind = EventKind::AppMessage;
        if events::send(db, delivery, &user_id, kind, &event, Some(PUSH_TTL_MS)).await? {
            result.delivered_online += 1;
        } else {
            result.queued_offline += 1;
        }
    }
    Ok(HttpResponse::Accepted().json(result))
}
