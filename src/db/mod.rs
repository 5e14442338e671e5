//! The two databases behind one schema: SQLite (embedded default) and PostgreSQL.
//!
//! Queries are written once with `$1…` placeholders, numbered in order of first use
//! (SQLite numbers `$N` parameters by first appearance), and run on either typed pool
//! through [`on_pool!`]. SQLite gets one writer connection and several readers, which
//! is how SQLite wants concurrent writers; PostgreSQL uses one pool for both.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgConnection, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

/// A connected database.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite: a single writer and a pool of readers on one file.
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
    },
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A borrowed pool of either backend, for [`on_pool!`].
pub enum Pool<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// Runs the same code against whichever typed pool `$pool` is.
#[macro_export]
macro_rules! on_pool {
    ($pool:expr, $p:ident => $body:expr) => {
        match $pool {
            $crate::db::Pool::Sqlite($p) => $body,
            $crate::db::Pool::Postgres($p) => $body,
        }
    };
}

/// A borrowed connection of either backend, usually the caller's open transaction
/// (`&mut *tx`), for statements that must commit together with the caller's; see [`on_conn!`].
pub enum Conn<'c> {
    Sqlite(&'c mut SqliteConnection),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c mut SqliteConnection> for Conn<'c> {
    fn from(c: &'c mut SqliteConnection) -> Self {
        Conn::Sqlite(c)
    }
}

impl<'c> From<&'c mut PgConnection> for Conn<'c> {
    fn from(c: &'c mut PgConnection) -> Self {
        Conn::Postgres(c)
    }
}

/// Runs the same code against whichever typed connection `$conn` (a [`Conn`]) is.
#[macro_export]
macro_rules! on_conn {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::db::Conn::Sqlite($c) => $body,
            $crate::db::Conn::Postgres($c) => $body,
        }
    };
}

impl Db {
    /// Connects by URL scheme: `sqlite://…` or `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let pool = PgPoolOptions::new()
                .max_connections(max_connections)
                // A failed connection surfaces on use anyway; a ping per acquire costs a round trip per query.
                .test_before_acquire(false)
                .acquire_timeout(Duration::from_secs(5))
                .connect(url)
                .await
                .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
            return Ok(Db::Postgres(pool));
        }
        let options = SqliteConnectOptions::from_str(url)
            .with_context(|| format!("{url} is not a sqlite:// or postgres:// URL"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // WAL with NORMAL survives a crash of the process; only an OS crash may lose the last commits.
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await
            .with_context(|| format!("opening SQLite database {url}"))?;
        let readers = SqlitePoolOptions::new()
            .max_connections(max_connections.max(2))
            .test_before_acquire(false)
            .connect_with(options.read_only(true))
            .await
            .with_context(|| format!("opening SQLite database {url} for reading"))?;
        Ok(Db::Sqlite { writer, readers })
    }

    /// Applies the migrations of this backend (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite { writer, .. } => sqlx::migrate!("./migrations/sqlite").run(writer).await,
            Db::Postgres(pool) => sqlx::migrate!("./migrations/postgres").run(pool).await,
        }
        .context("applying database migrations")
    }

    /// The pool for statements that write.
    pub fn write(&self) -> Pool<'_> {
        match self {
            Db::Sqlite { writer, .. } => Pool::Sqlite(writer),
            Db::Postgres(pool) => Pool::Postgres(pool),
        }
    }

    /// The pool for statements that only read.
    pub fn read(&self) -> Pool<'_> {
        match self {
            Db::Sqlite { readers, .. } => Pool::Sqlite(readers),
            Db::Postgres(pool) => Pool::Postgres(pool),
        }
    }

    /// Which engine this is, for logs and metrics.
    pub fn engine(&self) -> &'static str {
        match self {
            Db::Sqlite { .. } => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    /// A trivial query, for readiness checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_pool!(self.read(), p => sqlx::query("SELECT 1").execute(p).await.map(|_| ()))
    }

    /// Commits one small write, for readiness checks: the database is reachable but
    /// cannot write when its disk is full, its file or server is read-only, or another
    /// process holds the write lock.
    pub async fn probe_write(&self) -> Result<(), sqlx::Error> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let sql = "INSERT INTO readiness_probe (id, checked_at) VALUES ('readyz', $1) \
                   ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at";
        on_pool!(self.write(), p => sqlx::query(sql).bind(now).execute(p).await.map(|_| ()))
    }
}

/// True for a unique-key violation, which callers turn into a 409.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://…@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}
