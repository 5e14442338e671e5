//! HTTP routes for accounts and sessions.

use actix_web::{get, post, put, web, HttpResponse};
use base64::Engine;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use super::domain::{parse_display_name, Password, Username};
use super::sign_in::check_credentials;
use super::Presence;
use super::{store, AccountError};
use crate::auth::AuthUser;
use crate::db::is_unique_violation;
use crate::error::CommonError;
use crate::ids::UserId;
use crate::net::ClientIp;
use crate::state::AppState;

/// Registers the account routes.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_account)
        .service(create_session)
        .service(refresh_session)
        .service(me)
        .service(set_presence)
        .service(super::page::login_form)
        .service(super::page::login)
        .service(super::page::logout);
}

/// Sign-up input.
#[derive(Deserialize, ToSchema)]
pub struct NewAccount {
    username: String,
    password: String,
    display_name: Option<String>,
}

/// A public view of an account.
#[derive(Serialize, ToSchema)]
pub struct Account {
    id: UserId,
    username: String,
    display_name: String,
}

/// Create an account.
#[utoipa::path(tag = "accounts", request_body = NewAccount,
    responses((status = 201, body = Account), (status = 409, description = "username_taken"), (status = 422),
    (status = 503, description = "busy: too many passwords being hashed; see Retry-After")))]
#[post("/v1/accounts")]
#[tracing::instrument(skip_all, fields(username = %body.username))]
async fn create_account(
    state: web::Data<AppState>,
    body: web::Json<NewAccount>,
) -> Result<HttpResponse, AccountError> {
    let body = body.into_inner();
    let username = Username::parse(&body.username)?;
    let password = Password::parse(body.password)?;
    let display_name = parse_display_name(body.display_name.as_deref(), &username)?;
    let hash = state.sign_in.hashing.hash(password.into_inner()).await?;
    let id = UserId::generate();
    let quota = state.settings.uploads.default_quota_bytes;
    match store::insert_user(
        &state.db,
        &id,
        username.as_str(),
        &display_name,
        &hash,
        quota,
    )
    .await
    {
        Ok(()) => Ok(HttpResponse::Created().json(Account {
            id,
            username: username.as_str().to_owned(),
            display_name,
        })),
        Err(e) if is_unique_violation(&e) => Err(AccountError::UsernameTaken),
        Err(e) => Err(e.into()),
    }
}

/// Sign-in input.
#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    username: String,
    password: String,
}

/// Tokens for a session.
#[derive(Serialize, ToSchema)]
pub struct SessionTokens {
    access_token: String,
    token_type: &'static str,
    expires_in: u64,
    refresh_token: String,
}

/// Sign in with a username and password.
#[utoipa::path(tag = "accounts", request_body = Credentials,
    responses((status = 200, body = SessionTokens), (status = 401, description = "invalid_credentials"),
    (status = 429, description = "too_many_attempts: too many failures for this account or client address; see Retry-After"),
    (status = 503, description = "busy: too many passwords being checked; see Retry-After")))]
#[post("/v1/sessions")]
#[tracing::instrument(skip_all)]
async fn create_session(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<Credentials>,
) -> Result<HttpResponse, AccountError> {
    let body = body.into_inner();
    let id = check_credentials(&state, client, &body.username, body.password).await?;
    Ok(HttpResponse::Ok().json(issue_tokens(&state, &id).await?))
}

/// Refresh input.
#[derive(Deserialize, ToSchema)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Trade a refresh token for new tokens; the old refresh token stops working.
#[utoipa::path(tag = "accounts", request_body = RefreshRequest,
    responses((status = 200, body = SessionTokens), (status = 401, description = "invalid_refresh_token"),
    (status = 429, description = "too_many_attempts: too many bad refresh tokens from this client address; see Retry-After")))]
#[post("/v1/sessions/refresh")]
#[tracing::instrument(skip_all)]
async fn refresh_session(
    state: web::Data<AppState>,
    client: ClientIp,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, AccountError> {
    let attempt = state.sign_in.admit(None, client)?;
    let Some(user_id) = store::consume_refresh_token(&state.db, &body.refresh_token).await? else {
        attempt.failed();
        return Err(AccountError::InvalidRefreshToken);
    };
    Ok(HttpResponse::Ok().json(issue_tokens(&state, &user_id).await?))
}

async fn issue_tokens(state: &AppState, user_id: &UserId) -> Result<SessionTokens, AccountError> {
    let (access_token, expires_in) = state.tokens.issue(user_id)?;
    let mut raw = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let refresh_token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    store::insert_refresh_token(
        &state.db,
        &refresh_token,
        user_id,
        state.settings.auth.refresh_ttl_secs,
    )
    .await?;
    Ok(SessionTokens {
        access_token,
        token_type: "Bearer",
        expires_in,
        refresh_token,
    })
}

/// Bytes used and allowed.
#[derive(Serialize, ToSchema)]
pub struct Quota {
    used_bytes: i64,
    reserved_bytes: i64,
    limit_bytes: i64,
}

/// The caller's own profile.
#[derive(Serialize, ToSchema)]
pub struct Me {
    id: UserId,
    username: String,
    display_name: String,
    presence: Presence,
    presence_note: Option<String>,
    quota: Quota,
}

/// The caller's profile, presence and quota.
#[utoipa::path(tag = "accounts", responses((status = 200, body = Me), (status = 401)), security(("bearer" = [])))]
#[get("/v1/me")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn me(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse, CommonError> {
    let row = store::find_user_by_id(&state.db, &user.id)
        .await?
        .ok_or(CommonError::InvalidToken)?;
    Ok(HttpResponse::Ok().json(Me {
        id: row.id,
        username: row.username,
        display_name: row.display_name,
        presence: Presence::from_stored(&row.presence),
        presence_note: row.presence_note,
        quota: Quota {
            used_bytes: row.used_bytes,
            reserved_bytes: row.reserved_bytes,
            limit_bytes: row.quota_bytes,
        },
    }))
}

/// Presence input.
#[derive(Deserialize, ToSchema)]
pub struct PresenceUpdate {
    status: Presence,
    note: Option<String>,
}

/// Set the status the caller shows to friends.
#[utoipa::path(tag = "accounts", request_body = PresenceUpdate,
    responses((status = 204), (status = 401), (status = 422)), security(("bearer" = [])))]
#[put("/v1/me/presence")]
#[tracing::instrument(skip_all, fields(user = %user.id))]
async fn set_presence(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<PresenceUpdate>,
) -> Result<HttpResponse, AccountError> {
    if body.status == Presence::Offline {
        return Err(AccountError::InvalidInput(
            "status must be online, busy, away or invisible (offline follows from having no connection)".into(),
        ));
    }
    let note = body
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if note.is_some_and(|n| n.chars().count() > 140) {
        return Err(AccountError::InvalidInput(
            "note must be at most 140 characters".into(),
        ));
    }
    store::set_presence(&state.db, &user.id, body.status.as_str(), note).await?;
    super::presence::status_chosen(&state, &user.id, body.status).await;
    Ok(HttpResponse::NoContent().finish())
}
