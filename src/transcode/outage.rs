//! Telling a failed attempt caused by an outage of the store or the database apart from
//! one the job itself caused, and waiting for the outage to end.

use std::time::Duration;

use super::WorkerState;

/// First wait after an outage is seen; each further check waits twice as long, up to
/// [`MAX_BACKOFF`], so a long outage costs a probe every half minute.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// A database that does not answer this fast counts as down.
const DB_PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Probes both now: true if the store and the database both answer.
pub async fn dependencies_up(state: &WorkerState) -> bool {
    let store_up = state.store_health.refresh().await;
    let db_up = matches!(
        tokio::time::timeout(DB_PING_TIMEOUT, state.db.ping()).await,
        Ok(Ok(()))
    );
    if !(store_up && db_up) {
        tracing::debug!(store_up, db_up, "a transcode dependency is down");
    }
    store_up && db_up
}

/// Returns once the store and the database both answer, probing with capped backoff.
pub async fn wait_until_up(state: &WorkerState) {
    let mut backoff = FIRST_BACKOFF;
    loop {
        tokio::time::sleep(backoff).await;
        if dependencies_up(state).await {
            return;
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}
