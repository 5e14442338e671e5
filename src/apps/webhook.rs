//! Delivers messages from users to apps: a background loop POSTs each outbox row to the
//! app's webhook, signed with the app secret, and retries with exponential backoff. The
//! gateway only inserts into the outbox, so a slow or dead webhook never holds it up.
//! Every call is held to the webhook address rules of [`super::target`]; a redirect
//! answer is a failed call.
//!
//! Signature: `X-Imshare-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<body>")>`
//! with `X-Imshare-Timestamp: <unix seconds>`; binding the timestamp lets the app refuse
//! replays of old calls.

use std::sync::Arc;
use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::store::{self, OutboxRow};
use super::target::{check_url, GuardedResolver};
use crate::net::NetList;
use crate::state::AppState;
use crate::time_util::now_ms;

/// Attempts before a call is given up (the last waits about an hour).
const MAX_ATTEMPTS: i32 = 12;
/// How long a claimed call is left alone while this node sends it.
const LEASE_MS: i64 = 60_000;

/// `sha256=<hex>` over `"<timestamp>.<body>"`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Sends due webhook calls until the task is aborted.
pub async fn run(state: AppState) {
    let allow = state.settings.apps.webhook_allow.clone();
    let client = match client(allow) {
        Ok(c) => c,
        Err(e) => {
            return tracing::error!(error = %e, "cannot build the webhook HTTP client; webhooks are off")
        }
    };
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        let due = match store::due_webhooks(&state.db, 50).await {
            Ok(rows) => rows,
            Err(e) => {
                tracing::warn!(error = %e, "reading the webhook outbox failed; retrying");
                continue;
            }
        };
        for row in due {
            if let Err(e) = attempt(&state, &client, row).await {
                tracing::warn!(error = %e, "webhook outbox update failed");
            }
        }
    }
}

/// The webhook HTTP client: TLS, no redirects, no proxy, and a resolver that only hands
/// out addresses a webhook may reach.
fn client(allow: NetList) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        // A 3xx is a failed call: following it would go wherever the receiver says.
        .redirect(reqwest::redirect::Policy::none())
        // A proxy would resolve the name itself, past the resolver's check.
        .no_proxy()
        .dns_resolver(Arc::new(GuardedResolver::new(allow)))
        .build()
}

#[tracing::instrument(skip_all, fields(app = %row.app_id, attempt = row.attempts + 1))]
async fn attempt(
    state: &AppState,
    client: &reqwest::Client,
    row: OutboxRow,
) -> Result<(), sqlx::Error> {
    if !store::claim_webhook(&state.db, &row, now_ms() + LEASE_MS).await? {
        return Ok(());
    }
    let Some(url_and_secret) = store::find_app(&state.db, &row.app_id)
        .await?
        .and_then(|app| app.webhook_url.map(|url| (url, app.secret)))
    else {
        return store::delete_webhook(&state.db, &row.id).await;
    };
    let (url, secret) = url_and_secret;
    // Apps registered before the check existed, or since the allow-list shrank, are held to
    // it here; names are checked again by the resolver as the connection is made.
    let checked = url::Url::parse(&url)
        .map_err(|e| e.to_string())
        .and_then(|u| check_url(&u, &state.settings.apps.webhook_allow).map(|()| u));
    let url = match checked {
        Ok(url) => url,
        Err(why) => return failed(state, &row, &why).await,
    };
    let timestamp = now_ms() / 1000;
    let sent = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("X-Imshare-Timestamp", timestamp.to_string())
        .header(
            "X-Imshare-Signature",
            signature(&secret, timestamp, &row.body),
        )
        .body(row.body.clone())
        .send()
        .await;
    match sent {
        Ok(res) if res.status().is_success() => store::delete_webhook(&state.db, &row.id).await,
        outcome => {
            let why = outcome.map_or_else(
                |e| format!("{:#}", anyhow::Error::new(e)),
                |res| format!("status {}", res.status()),
            );
            failed(state, &row, &why).await
        }
    }
}

/// Schedules the next attempt of a failed call, or gives it up after the last.
async fn failed(state: &AppState, row: &OutboxRow, why: &str) -> Result<(), sqlx::Error> {
    if row.attempts + 1 >= MAX_ATTEMPTS {
        tracing::warn!(why, "webhook call given up after {MAX_ATTEMPTS} attempts");
        return store::delete_webhook(&state.db, &row.id).await;
    }
    tracing::info!(why, "webhook call failed; retrying later");
    let backoff_ms = 1000i64 << row.attempts.clamp(0, 12);
    store::retry_webhook_at(&state.db, &row.id, now_ms() + backoff_ms).await
}
