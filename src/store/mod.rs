//! Persistence: the two database handles (accounts, ops), sea-orm entities and repositories,
//! migrations, and the optional Redis connection. Only this module imports sea-orm and redis.

pub mod app_access;
pub mod apps;
pub mod authorization;
pub mod client_assertions;
pub mod encrypted_access_tokens;
mod entities;
pub mod grants;
pub mod issued_tokens;
pub mod meta;
pub mod migrate;
pub mod operators;
pub mod organizations;
pub mod pending_logins;
pub mod redis;
pub mod resources;
pub mod revoked_tokens;
pub mod sessions;
pub mod setup_tokens;
pub mod signing_keys;
pub mod totp_factors;
pub mod user_rows;
pub mod users;

use std::time::Duration;

use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, SqlErr};

/// An opaque database handle, passed around by domain code.
pub type Db = DatabaseConnection;

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("a record with this {0} already exists")]
    Duplicate(&'static str),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

impl StoreError {
    fn from_insert(err: DbErr, what: &'static str) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Self::Duplicate(what),
            _ => Self::Db(err),
        }
    }
}

/// The accounts and ops databases (DESIGN.md "Storage"). They may be the same database.
#[derive(Debug, Clone)]
pub struct Databases {
    pub accounts: Db,
    pub ops: Db,
}

impl Databases {
    /// Connects to both databases. SQLite files (and their folder) are created when missing.
    pub async fn connect(ops_url: &str, accounts_url: &str) -> Result<Self, StoreError> {
        let ops = connect(ops_url).await?;
        let accounts = if accounts_url == ops_url {
            ops.clone()
        } else {
            connect(accounts_url).await?
        };
        Ok(Self { accounts, ops })
    }

    /// Checks that both databases answer.
    pub async fn ping(&self) -> (Result<(), StoreError>, Result<(), StoreError>) {
        (
            self.accounts.ping().await.map_err(StoreError::from),
            self.ops.ping().await.map_err(StoreError::from),
        )
    }

    pub async fn close(self) {
        let _ = self.accounts.close().await;
        let _ = self.ops.close().await;
    }
}

async fn connect(url: &str) -> Result<Db, StoreError> {
    let io = |path: &std::path::Path, e: std::io::Error| {
        StoreError::Db(DbErr::Custom(format!("{}: {e}", path.display())))
    };
    let sqlite = sqlite_path(url).map(std::path::Path::new);
    if let Some(path) = sqlite {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir).map_err(|e| io(dir, e))?;
        }
        // SQLite gives its -wal and -shm files the database file's mode: create it owner-only.
        create_private_file(path).map_err(|e| io(path, e))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if sqlite.is_some() {
        // One writer at a time is SQLite's model; a small pool avoids lock contention.
        // The pragmas go through the connect options so every pooled connection has them.
        options
            .max_connections(4)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|o| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .foreign_keys(true)
            });
    } else {
        options.max_connections(20).min_connections(1);
    }
    Ok(Database::connect(options).await?)
}

/// Creates an empty file readable by the owner only, unless it exists.
fn create_private_file(path: &std::path::Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Creates a folder (and its parents) readable by the owner only: it holds keys and databases.
pub fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The file path of a `sqlite:` URL (none for in-memory databases).
fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then_some(path)
}
