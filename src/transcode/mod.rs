//! The transcoder (SPEC §1C): claims jobs, turns originals into streamable renditions
//! with the `media` crate, uploading each HLS segment as soon as it exists so a clip
//! plays before its transcode ends.

mod capacity;
mod outage;
mod pipeline;
mod scratch;
mod store;
mod worker;

pub use worker::{run_workers, WorkerHandle};

use std::sync::Arc;

use crate::config::Settings;
use crate::db::Db;
use crate::state::AppState;
use crate::storage::{ObjectStore, StoreHealth};

/// What a transcode worker runs on, in `serve` or as a standalone `worker`: it reads and
/// writes jobs and media rows, and the store, and talks to no user.
#[derive(Clone)]
pub struct WorkerState {
    pub settings: Arc<Settings>,
    pub db: Db,
    pub store: ObjectStore,
    /// Probed when an attempt fails, to tell an outage from a broken job.
    pub store_health: Arc<StoreHealth>,
}

impl WorkerState {
    /// What an in-process worker of `serve` runs on: the app's database, store and settings.
    pub fn of_app(state: &AppState) -> WorkerState {
        WorkerState {
            settings: state.settings.clone(),
            db: state.db.clone(),
            store: state.store.clone(),
            store_health: state.store_health.clone(),
        }
    }
}
