//! Bringing the store up from settings: the embedded endpoint, or an external one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use imshare_store::{EmbeddedStore, StoreCredentials};
use rand::RngCore;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};

use super::client::StoreAddress;
use super::health::{CapacityRule, StoreHealth};
use super::ObjectStore;
use crate::config::{Settings, StorageMode};

/// The store as the service uses it.
pub struct Storage {
    pub store: ObjectStore,
    pub health: std::sync::Arc<StoreHealth>,
    /// Present when the store runs in this process.
    pub embedded: Option<EmbeddedStore>,
}

/// Where the embedded store keeps objects.
pub fn embedded_root(settings: &Settings) -> PathBuf {
    settings.data_dir.join("objects")
}

/// Starts the embedded store (on `listener`, or on `storage.store_listen`) or connects
/// to the external one, and makes sure the bucket exists.
pub async fn start(
    settings: &Settings,
    listener: Option<tokio::net::TcpListener>,
) -> anyhow::Result<Storage> {
    let (address, embedded) = match settings.storage.mode {
        StorageMode::Embedded => {
            let listener = match listener {
                Some(l) => l,
                None => {
                    let addr = settings.store_listen_addr()?;
                    tokio::net::TcpListener::bind(addr).await.with_context(|| {
                        format!("binding the embedded store to {addr}; is the port free?")
                    })?
                }
            };
            let creds = embedded_credentials(settings)?;
            let store =
                EmbeddedStore::start(listener, embedded_root(settings), creds.clone()).await?;
            let endpoint = format!("http://{}", store.local_addr());
            (embedded_address(settings, endpoint, creds), Some(store))
        }
        StorageMode::External => (external_address(settings), None),
    };
    let store = ObjectStore::new(&address);
    store.ensure_bucket().await.with_context(|| {
        format!(
            "reaching bucket {:?} at {}",
            address.bucket, address.endpoint
        )
    })?;
    let health = probed_health(settings, &store).await;
    Ok(Storage {
        store,
        health,
        embedded,
    })
}

/// Reaches the store from a process that does not host it (a separate `worker`): the
/// external store, or the embedded one served by `serve` at `storage.store_listen`.
pub async fn connect(settings: &Settings) -> anyhow::Result<Storage> {
    let address = match settings.storage.mode {
        StorageMode::Embedded => {
            let endpoint = format!("http://{}", settings.store_listen_addr()?);
            embedded_address(settings, endpoint, embedded_credentials(settings)?)
        }
        StorageMode::External => external_address(settings),
    };
    let store = ObjectStore::new(&address);
    store.probe().await.with_context(|| {
        format!(
            "reaching bucket {:?} at {}; is `imshare serve` or the store running?",
            address.bucket, address.endpoint
        )
    })?;
    let health = probed_health(settings, &store).await;
    Ok(Storage {
        store,
        health,
        embedded: None,
    })
}

/// The health view of `store`, probed once: free disk less a reserve for the embedded
/// store, the configured capacity for an external one.
async fn probed_health(settings: &Settings, store: &ObjectStore) -> std::sync::Arc<StoreHealth> {
    let s = &settings.storage;
    let rule = match s.mode {
        StorageMode::Embedded => CapacityRule::FreeDisk {
            dir: embedded_root(settings),
            reserve: s.reserve_bytes,
        },
        StorageMode::External => CapacityRule::Fixed {
            capacity: s.capacity_bytes,
        },
    };
    let interval = Duration::from_millis(s.probe_interval_ms.max(100));
    let health = StoreHealth::new(store.clone(), rule, interval);
    health.refresh().await;
    health
}

/// The embedded store at `endpoint`, with its key pair.
fn embedded_address(
    settings: &Settings,
    endpoint: String,
    creds: StoreCredentials,
) -> StoreAddress {
    let s = &settings.storage;
    StoreAddress {
        public_endpoint: if s.public_endpoint.is_empty() {
            endpoint.clone()
        } else {
            s.public_endpoint.clone()
        },
        endpoint,
        region: s.region.clone(),
        bucket: s.bucket.clone(),
        access_key: creds.access_key,
        secret_key: creds.secret_key,
    }
}

/// The external S3 store named in the settings.
fn external_address(settings: &Settings) -> StoreAddress {
    let s = &settings.storage;
    StoreAddress {
        endpoint: s.endpoint.clone(),
        public_endpoint: if s.public_endpoint.is_empty() {
            s.endpoint.clone()
        } else {
            s.public_endpoint.clone()
        },
        region: s.region.clone(),
        bucket: s.bucket.clone(),
        access_key: s.access_key.clone(),
        secret_key: s.secret_key.expose_secret().to_owned(),
    }
}

#[derive(Serialize, Deserialize)]
struct SavedCredentials {
    access_key: String,
    secret_key: String,
}

/// The configured key pair, or one generated on first start and kept in the data dir.
pub fn embedded_credentials(settings: &Settings) -> anyhow::Result<StoreCredentials> {
    let s = &settings.storage;
    if !s.access_key.is_empty() {
        return Ok(StoreCredentials {
            access_key: s.access_key.clone(),
            secret_key: s.secret_key.expose_secret().to_owned(),
        });
    }
    let path = settings.data_dir.join("store-credentials.json");
    let saved = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not valid JSON", path.display()))?,
        Err(_) => create_credentials(&path)?,
    };
    Ok(StoreCredentials {
        access_key: saved.access_key,
        secret_key: saved.secret_key,
    })
}

fn create_credentials(path: &Path) -> anyhow::Result<SavedCredentials> {
    let mut raw = [0u8; 30];
    rand::rngs::OsRng.fill_bytes(&mut raw);
    let creds = SavedCredentials {
        access_key: format!("IMSHARE{}", hex::encode_upper(&raw[..6])),
        secret_key: base64::engine::general_purpose::STANDARD_NO_PAD.encode(&raw[6..]),
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    crate::fs_util::write_private(path, &serde_json::to_vec_pretty(&creds)?)?;
    Ok(creds)
}
