//! Embedded object store: an in-process S3 endpoint over a local directory.
//!
//! s3s implements the protocol and SigV4 verification (headers and presigned URLs, including
//! expiry); [`backend::Backend`] stores objects with temp-file + fsync + rename commits so an
//! interrupted or mismatched upload never leaves a partial object visible.
//!
//! A crate of its own because it knows nothing of the service: `imshare serve` starts it,
//! then reaches it, as any S3 store, only through aws-sdk-s3.

mod backend;
mod body;
mod listing;
mod multipart;
mod objects;
mod objfile;
mod paths;
mod server;
#[cfg(test)]
mod tests;
mod uploads;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tracing::info;

/// Credentials the embedded store accepts (one access key).
#[derive(Clone)]
pub struct StoreCredentials {
    /// Access key id clients sign with.
    pub access_key: String,
    /// Secret key for SigV4 signatures; never logged.
    pub secret_key: String,
}

impl fmt::Debug for StoreCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreCredentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// A running embedded store; dropping it does NOT stop it, call `stop`.
#[derive(Debug)]
pub struct EmbeddedStore {
    addr: SocketAddr,
    stop_tx: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl EmbeddedStore {
    /// Serves the S3 protocol on `listener` over the directory `root` (created if missing).
    pub async fn start(
        listener: TcpListener,
        root: PathBuf,
        creds: StoreCredentials,
    ) -> anyhow::Result<EmbeddedStore> {
        if creds.access_key.is_empty() || creds.secret_key.is_empty() {
            anyhow::bail!("embedded store credentials must not be empty");
        }
        let addr = listener
            .local_addr()
            .context("embedded store listener has no local address")?;
        let backend = backend::Backend::open(root.clone())
            .await
            .with_context(|| format!("preparing embedded store directory {}", root.display()))?;

        let mut builder = S3ServiceBuilder::new(backend);
        builder.set_auth(SimpleAuth::from_single(creds.access_key, creds.secret_key));
        let service = builder.build();

        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(server::serve(listener, service, stop_rx));
        info!(%addr, root = %root.display(), "embedded S3 store listening");
        Ok(EmbeddedStore {
            addr,
            stop_tx,
            task,
        })
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes connections (graceful for at most ~1 s) and returns once the listener is closed, so the same port can be bound again.
    pub async fn stop(self) {
        // The server may already have ended (e.g. runtime shutdown); then there is nothing to stop.
        let _ = self.stop_tx.send(());
        if let Err(e) = self.task.await {
            tracing::warn!(error = %e, "embedded store task ended abnormally");
        }
    }
}
