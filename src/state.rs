//! What every handler can reach: settings, database, store, token keys.

use std::sync::Arc;

use crate::auth::TokenKeys;
use crate::config::Settings;
use crate::db::Db;
use crate::storage::{ObjectStore, StoreHealth};

/// Shared application state, handed to handlers as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub store: ObjectStore,
    pub store_health: Arc<StoreHealth>,
    pub tokens: Arc<TokenKeys>,
}
