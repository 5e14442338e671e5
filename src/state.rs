//! What every handler can reach: settings, database, store, token keys, real-time hub.

use std::sync::Arc;

use crate::auth::{SignInGuard, TokenKeys};
use crate::config::Settings;
use crate::db::Db;
use crate::live::Relays;
use crate::realtime::{Cluster, Hub};
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
    /// This node's online connections, groups and presence.
    pub hub: Arc<Hub>,
    /// The live shares this node relays.
    pub live: Arc<Relays>,
    /// The link to other nodes, when `redis.url` is set.
    pub cluster: Option<Arc<Cluster>>,
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
