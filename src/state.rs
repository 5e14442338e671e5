//! What every handler can reach: settings, database, store, token keys, delivery.

use std::sync::Arc;

use crate::auth::{SignInGuard, TokenKeys};
use crate::config::Settings;
use crate::db::Db;
use crate::delivery::Delivery;
use crate::storage::{ObjectStore, StoreHealth};
use crate::transcode::WorkerState;

/// Shared application state, handed to handlers as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub store: ObjectStore,
    pub store_health: Arc<StoreHealth>,
    pub tokens: Arc<TokenKeys>,
    /// Sign-in throttling and the password hashing pool.
    pub sign_in: Arc<SignInGuard>,
    /// Who is online where, and getting frames to them, on this node and across nodes.
    pub delivery: Delivery,
}

impl AppState {
    /// What an in-process transcode worker runs on: the same database, store and settings.
    pub fn worker_state(&self) -> WorkerState {
        WorkerState {
            settings: self.settings.clone(),
            db: self.db.clone(),
            store: self.store.clone(),
            store_health: self.store_health.clone(),
        }
    }
}
