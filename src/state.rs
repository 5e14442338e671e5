//! What every handler can reach: settings, database, store, token keys, delivery.

use std::sync::Arc;

use crate::auth::{SignInGuard, TokenKeys};
use crate::config::Settings;
use crate::db::Db;
use crate::delivery::Delivery;
use crate::storage::{ObjectStore, StoreHealth};

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
