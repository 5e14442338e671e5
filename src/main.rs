//! The `imshare` binary: one program, several roles.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use imshare::config::Settings;
use imshare::db::Db;
use imshare::startup::{Application, Listeners};

/// Share audio/video between mobile IM users, mobile blog pages and web groups.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    /// A TOML file overriding the defaults (environment variables IMSHARE__SECTION__KEY override both).
    #[arg(long, global = true, env = "IMSHARE_CONFIG")]
    config: Option<PathBuf>,
    /// Where SQLite, the embedded store's objects and generated keys live.
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service: HTTP API, pages, and on embedded defaults the object store too.
    Serve {
        /// HTTP listen address.
        #[arg(long)]
        listen: Option<String>,
        /// Embedded object store listen address (presigned URLs point here).
        #[arg(long)]
        store_listen: Option<String>,
    },
    /// Run transcode workers against the configured database and store.
    Worker {
        /// Jobs at once (default: CPU count less one).
        #[arg(long)]
        concurrency: Option<usize>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Upload a clip as a mobile client would, then follow it until it is ready.
    Upload(imshare_client::UploadArgs),
    /// Share a region live: replay image files or a video, sending only the changed tiles.
    LiveShare(imshare_client::LiveShareArgs),
    /// Make an existing user an administrator (may register browser-based apps).
    GrantAdmin {
        /// The user's username.
        username: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    imshare::telemetry::init();
    let cli = Cli::parse();
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(dir) = cli.data_dir {
        settings.data_dir = dir;
    }
    match cli.command {
        Command::Serve {
            listen,
            store_listen,
        } => {
            if let Some(listen) = listen {
                settings.server.listen = listen;
            }
            if let Some(store_listen) = store_listen {
                settings.storage.store_listen = store_listen;
            }
            let app = Application::build(settings, Listeners::default()).await?;
            app.run_until_stopped().await
        }
        Command::Worker { concurrency } => {
            let state = imshare::startup::worker_state(settings).await?;
            let concurrency =
                concurrency.unwrap_or_else(|| state.settings.media.effective_concurrency());
            let workers = imshare::transcode::run_workers(state, concurrency);
            imshare::startup::stop_signal().await;
            tracing::info!("stopping: finishing running jobs for up to 30 s");
            workers.stop(std::time::Duration::from_secs(30)).await;
            Ok(())
        }
        Command::Upload(args) => imshare_client::run(args).await,
        Command::LiveShare(args) => imshare_client::live_share::run(args).await,
        Command::GrantAdmin { username } => {
            let db = imshare::startup::connect_database(&settings).await?;
            if !imshare::apps::grant_admin(&db, &username).await? {
                anyhow::bail!("no user named {username:?}; sign up first");
            }
            tracing::info!(%username, "granted admin");
            Ok(())
        }
        Command::Migrate => {
            std::fs::create_dir_all(&settings.data_dir)
                .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
            let db = Db::connect(&settings.database_url(), 2).await?;
            db.migrate().await?;
            tracing::info!(database = db.engine(), "migrations applied");
            Ok(())
        }
    }
}
