//! Settings: checked-in defaults, an optional file, then `IMSHARE__SECTION__KEY` variables.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use secrecy::SecretString;
use serde::Deserialize;

use crate::net::NetList;

/// The defaults, compiled in so `imshare serve` needs no file at all.
const DEFAULTS: &str = include_str!("../config/default.toml");

/// Every setting of the service.
#[derive(Debug, Clone, Deserialize)]
pub struct Settings {
    pub data_dir: PathBuf,
    pub server: ServerSettings,
    pub database: DatabaseSettings,
    pub storage: StorageSettings,
    pub auth: AuthSettings,
    pub uploads: UploadSettings,
    pub media: MediaSettings,
    pub blog: BlogSettings,
    pub realtime: RealtimeSettings,
    pub live: LiveSettings,
    pub redis: RedisSettings,
    pub ops: OpsSettings,
    pub apps: AppsSettings,
}

/// The HTTP listener.
#[derive(Debug, Clone, Deserialize)]
pub struct ServerSettings {
    pub listen: String,
    pub public_url: String,
    /// Peers whose `Forwarded`/`X-Forwarded-*` headers are believed (addresses or CIDRs).
    pub trusted_proxies: NetList,
}

/// Which database, and how many connections.
#[derive(Debug, Clone, Deserialize)]
pub struct DatabaseSettings {
    pub url: String,
    pub max_connections: u32,
}

/// Whether the store is embedded or external.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageMode {
    Embedded,
    External,
}

/// The object store.
#[derive(Debug, Clone, Deserialize)]
pub struct StorageSettings {
    pub mode: StorageMode,
    pub store_listen: String,
    pub public_endpoint: String,
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: SecretString,
    pub capacity_bytes: u64,
    pub reserve_bytes: u64,
    pub probe_interval_ms: u64,
}

/// Tokens.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthSettings {
    pub jwt_secret: SecretString,
    pub access_ttl_secs: u64,
    pub refresh_ttl_secs: u64,
    /// Failed sign-ins one account may take per `signin_window_secs` before 429s.
    pub signin_account_failures: u32,
    /// Failed sign-ins, refreshes and blog links one client address may make per window.
    pub signin_ip_failures: u32,
    pub signin_window_secs: u64,
    /// Attempts one client address may have in flight at once.
    pub signin_ip_in_flight: u32,
    /// Password hashes computed at once; 0 means one less than the CPU count (at least 1).
    pub hash_concurrency: usize,
    /// Sign-ins that may wait for a hashing slot; more are answered 503 at once.
    pub hash_queue: usize,
}

/// Limits and timings of direct-to-store uploads.
#[derive(Debug, Clone, Deserialize)]
pub struct UploadSettings {
    pub max_size_bytes: u64,
    pub multipart_threshold_bytes: u64,
    pub part_size_bytes: u64,
    pub url_ttl_secs: u64,
    pub default_quota_bytes: u64,
    pub expire_grace_secs: u64,
    pub sweep_interval_secs: u64,
}

/// The transcoder and playback.
#[derive(Debug, Clone, Deserialize)]
pub struct MediaSettings {
    pub max_duration_secs: u64,
    pub max_width: u32,
    pub max_height: u32,
    pub ladder: String,
    pub segment_secs: f64,
    pub audio_kbps: u32,
    pub concurrency: usize,
    pub lease_secs: u64,
    pub max_attempts: i32,
    pub retry_backoff_secs: u64,
    pub poll_interval_ms: u64,
    pub in_process_worker: bool,
    pub play_url_ttl_secs: u64,
    /// Transcode scratch files; empty means `<data_dir>/scratch`.
    pub scratch_dir: String,
    /// Memory transcodes may use together; 0 derives it from the machine (or cgroup).
    pub memory_budget_bytes: u64,
}

impl MediaSettings {
    /// The ladder's heights, lowest first.
    pub fn ladder_heights(&self) -> anyhow::Result<Vec<u32>> {
        let mut heights = self
            .ladder
            .split(',')
            .map(|h| {
                h.trim()
                    .parse::<u32>()
                    .ok()
                    .filter(|h| (144..=4320).contains(h))
            })
            .collect::<Option<Vec<u32>>>()
            .with_context(|| {
                format!(
                    "media.ladder {:?} must be heights like \"360,720\"",
                    self.ladder
                )
            })?;
        heights.sort_unstable();
        heights.dedup();
        Ok(heights)
    }

    /// How many transcodes may run at once here.
    pub fn effective_concurrency(&self) -> usize {
        if self.concurrency > 0 {
            return self.concurrency;
        }
        std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
    }
}

/// The mobile blog pages.
#[derive(Debug, Clone, Deserialize)]
pub struct BlogSettings {
    pub link_ttl_secs: u64,
    pub session_ttl_secs: u64,
    pub hot_days: u32,
    pub page_cache_secs: u64,
}

/// The WebSocket gateway's limits.
#[derive(Debug, Clone, Deserialize)]
pub struct RealtimeSettings {
    pub queue_frames: usize,
    pub max_frame_bytes: usize,
    pub max_body_bytes: usize,
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    pub ping_secs: u64,
    pub idle_timeout_secs: u64,
    pub presence_ttl_secs: u64,
    /// WebSockets (gateway and live shares) one node keeps open; more are refused (503).
    /// Fitted under the file-descriptor limit, less `reserved_fds`, at start.
    pub max_sockets: usize,
    /// WebSockets one user may hold on a node; more are refused (429).
    pub max_sockets_per_user: usize,
    /// WebSockets one client address (an IPv6 /64) may hold on a node; more are refused (429).
    pub max_sockets_per_ip: usize,
    /// Descriptors kept free of WebSockets for HTTP, the store and files (plus one per
    /// database connection).
    pub reserved_fds: u64,
}

/// A live share's limits (SPEC §5).
#[derive(Debug, Clone, Deserialize)]
pub struct LiveSettings {
    /// Bytes a second a sharer may send; above it the server reads more slowly.
    pub max_bytes_per_sec: u64,
    /// Largest encoded tile.
    pub max_tile_bytes: usize,
    /// Largest WebSocket message from a sharer.
    pub max_frame_bytes: usize,
    /// Most tiles a geometry may have.
    pub max_tiles: u32,
    /// Most bytes the current picture of a share may hold.
    pub max_picture_bytes: usize,
    /// Frames a viewer may have waiting before it starts again from the whole picture.
    pub viewer_queue_frames: usize,
}

/// Browser-based apps (SPEC §3).
#[derive(Debug, Clone, Deserialize)]
pub struct AppsSettings {
    /// Hosts, addresses and CIDRs webhooks may reach although they are not public
    /// (and over plain http).
    pub webhook_allow: NetList,
}

/// The broker that links several nodes; an empty URL means a single node.
#[derive(Debug, Clone, Deserialize)]
pub struct RedisSettings {
    /// May carry a password, so it is kept out of `Debug` output.
    pub url: SecretString,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, Deserialize)]
pub struct OpsSettings {
    /// Bearer token that opens `/metrics` on the public listener; empty keeps it closed there.
    pub metrics_token: SecretString,
    /// Address of an operator listener serving `/metrics` without a token; empty: none.
    pub metrics_listen: String,
}

impl Settings {
    /// Loads defaults, then `file` if given, then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Settings> {
        let mut builder = config::Config::builder()
            .add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(file) = file {
            builder = builder.add_source(config::File::from(file).required(true));
        }
        let settings: Settings = builder
            .add_source(
                config::Environment::with_prefix("IMSHARE")
                    .prefix_separator("__")
                    .separator("__"),
            )
            .build()
            .context("reading settings")?
            .try_deserialize()
            .context("settings are not valid: check the config file and IMSHARE__* variables")?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.listen_addr()?;
        if self.storage.mode == StorageMode::Embedded {
            self.store_listen_addr()?;
        } else if self.storage.endpoint.is_empty() {
            anyhow::bail!("storage.mode is external but storage.endpoint is empty: set IMSHARE__STORAGE__ENDPOINT");
        }
        self.media.ladder_heights()?;
        self.metrics_listen_addr()?;
        if self.auth.signin_account_failures == 0
            || self.auth.signin_ip_failures == 0
            || self.auth.signin_window_secs == 0
            || self.auth.signin_ip_in_flight == 0
        {
            anyhow::bail!("auth.signin_account_failures, auth.signin_ip_failures, auth.signin_window_secs and auth.signin_ip_in_flight must be at least 1");
        }
        if self.uploads.part_size_bytes < 5 * 1024 * 1024 {
            anyhow::bail!(
                "uploads.part_size_bytes must be at least 5 MiB (the S3 minimum part size)"
            );
        }
        Ok(())
    }

    /// The HTTP listen address.
    pub fn listen_addr(&self) -> anyhow::Result<SocketAddr> {
        self.server.listen.parse().with_context(|| {
            format!(
                "server.listen {:?} is not an address like 127.0.0.1:8080",
                self.server.listen
            )
        })
    }

    /// The operator listener for `/metrics`, if one is configured.
    pub fn metrics_listen_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        if self.ops.metrics_listen.is_empty() {
            return Ok(None);
        }
        self.ops.metrics_listen.parse().map(Some).with_context(|| {
            format!(
                "ops.metrics_listen {:?} is not an address like 127.0.0.1:9464",
                self.ops.metrics_listen
            )
        })
    }

    /// The embedded store's listen address.
    pub fn store_listen_addr(&self) -> anyhow::Result<SocketAddr> {
        self.storage.store_listen.parse().with_context(|| {
            format!(
                "storage.store_listen {:?} is not an address like 127.0.0.1:9000",
                self.storage.store_listen
            )
        })
    }

    /// The database URL: the configured one, or SQLite in the data dir.
    pub fn database_url(&self) -> String {
        if self.database.url.is_empty() {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("imshare.db").display()
            )
        } else {
            self.database.url.clone()
        }
    }
}
