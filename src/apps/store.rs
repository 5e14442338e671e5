//! SQL for apps and the webhook outbox (pushes are events: `crate::events`).

use crate::db::Db;
use crate::ids::{AppId, GroupId, UserId, WebhookCallId};
use crate::on_pool;
use crate::time_util::now_ms;

/// A registered app.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppRow {
    pub id: AppId,
    pub webhook_url: Option<String>,
    pub secret: String,
}

/// A webhook call to make.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: WebhookCallId,
    pub app_id: AppId,
    pub body: String,
    pub attempts: i32,
    pub next_attempt_at: i64,
}

/// Whether the user is an administrator.
pub async fn is_admin(db: &Db, user_id: &UserId) -> Result<bool, sqlx::Error> {
    let sql = "SELECT is_admin FROM users WHERE id = $1";
    let row: Option<(bool,)> =
        on_pool!(db.read(), p => sqlx::query_as(sql).bind(user_id).fetch_optional(p).await)?;
    Ok(row.is_some_and(|(admin,)| admin))
}

/// Makes `username` an administrator; false if there is no such user.
pub async fn grant_admin(db: &Db, username: &str) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE users SET is_admin = TRUE WHERE username = $1";
    on_pool!(db.write(), p => sqlx::query(sql).bind(username).execute(p).await.map(|r| r.rows_affected() > 0))
}

/// Registers an app.
pub async fn insert_app(
    db: &Db,
    id: &AppId,
    name: &str,
    webhook_url: Option<&str>,
    secret: &str,
    created_by: &UserId,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO apps (id, name, webhook_url, secret, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)";
    on_pool!(db.write(), p => sqlx::query(sql).bind(id).bind(name).bind(webhook_url).bind(secret).bind(created_by)
        .bind(now_ms()).execute(p).await.map(|_| ()))
}

/// An app by id.
pub async fn find_app(db: &Db, id: &AppId) -> Result<Option<AppRow>, sqlx::Error> {
    let sql = "SELECT id, webhook_url, secret FROM apps WHERE id = $1";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(id).fetch_optional(p).await)
}

/// Of `ids`, those that are users, plus the members of the groups `groups`.
pub async fn recipients(
    db: &Db,
    ids: &[UserId],
    groups: &[GroupId],
) -> Result<Vec<UserId>, sqlx::Error> {
    let user = "SELECT id FROM users WHERE id = $1";
    let members = "SELECT user_id FROM group_members WHERE group_id = $1";
    let mut out = std::collections::BTreeSet::new();
    on_pool!(db.read(), p => {
        for id in ids {
            let row: Option<(UserId,)> = sqlx::query_as(user).bind(id).fetch_optional(p).await?;
            out.extend(row.map(|(id,)| id));
        }
        for g in groups {
            let rows: Vec<(UserId,)> = sqlx::query_as(members).bind(g).fetch_all(p).await?;
            out.extend(rows.into_iter().map(|(id,)| id));
        }
    });
    Ok(out.into_iter().collect())
}

/// Queues a webhook call.
pub async fn queue_webhook(db: &Db, app_id: &AppId, body: &str) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO webhook_outbox (id, app_id, body, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $4)";
    on_pool!(db.write(), p => sqlx::query(sql).bind(WebhookCallId::generate()).bind(app_id).bind(body)
        .bind(now_ms()).execute(p).await.map(|_| ()))
}

/// Webhook calls that are due.
pub async fn due_webhooks(db: &Db, limit: i64) -> Result<Vec<OutboxRow>, sqlx::Error> {
    let sql = "SELECT id, app_id, body, attempts, next_attempt_at FROM webhook_outbox \
               WHERE next_attempt_at <= $1 ORDER BY next_attempt_at LIMIT $2";
    on_pool!(db.read(), p => sqlx::query_as(sql).bind(now_ms()).bind(limit).fetch_all(p).await)
}

/// Claims a due call by moving its next attempt to `until`; false if another node did.
pub async fn claim_webhook(db: &Db, row: &OutboxRow, until: i64) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE webhook_outbox SET next_attempt_at = $1, attempts = attempts + 1 \
               WHERE id = $2 AND next_attempt_at = $3";
    on_pool!(db.write(), p => sqlx::query(sql).bind(until).bind(&row.id).bind(row.next_attempt_at).execute(p).await
        .map(|r| r.rows_affected() > 0))
}

/// Removes a delivered (or abandoned) call.
pub async fn delete_webhook(db: &Db, id: &WebhookCallId) -> Result<(), sqlx::Error> {
    let sql = "DELETE FROM webhook_outbox WHERE id = $1";
    on_pool!(db.write(), p => sqlx::query(sql).bind(id).execute(p).await.map(|_| ()))
}

/// Schedules the next attempt of a failed call.
pub async fn retry_webhook_at(db: &Db, id: &WebhookCallId, at: i64) -> Result<(), sqlx::Error> {
    let sql = "UPDATE webhook_outbox SET next_attempt_at = $1 WHERE id = $2";
    on_pool!(db.write(), p => sqlx::query(sql).bind(at).bind(id).execute(p).await.map(|_| ()))
}
