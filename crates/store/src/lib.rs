//! Earshot's durable state: the company, sessions, every call's record and
//! the coaching audit log, in SQLite (the embedded default) or PostgreSQL,
//! through one code path (sqlx's `Any`) and one set of migrations.
//!
//! The core never waits for it: it emits [`earshot_domain::Record`]s, which
//! a [`Writer`] writes in order, many to a transaction. Pages read here.

mod admin_log;
mod audit;
mod calls;
mod company;
mod links;
mod sessions;
mod settings;
mod text;
mod writer;

use std::path::Path;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions};

pub use audit::AuditCursor;
pub use company::Company;
pub use links::LinkFor;
pub use writer::{Epoch, Kept, NotKept, Writer, MAX_WAITING};

/// What went wrong with the database.
pub type Error = sqlx::Error;

/// The database file's name in a data directory.
pub const SQLITE_FILE: &str = "earshot.db";

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// A connection pool to a migrated database.
#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
}

impl Store {
    /// The SQLite database in `dir`, both created if missing.
    pub async fn open_dir(dir: &Path) -> Result<Store, Error> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(SQLITE_FILE);
        let path = path.to_str().ok_or_else(|| Error::Configuration("the data directory's path is not UTF-8".into()))?;
        Self::open(&format!("sqlite://{path}?mode=rwc")).await
    }

    /// The database at `url` (`sqlite://…` or `postgres://…`), brought up
    /// to the newest migration.
    pub async fn open(url: &str) -> Result<Store, Error> {
        let sqlite = url.starts_with("sqlite:");
        // SQLite has one writer at a time (the `Writer`) and readers beside it.
        let pool = connect(url, if sqlite { 4 } else { 8 }).await?;
        if sqlite {
            // Readers go on while the writer commits; kept in the file.
            sqlx::query("PRAGMA journal_mode = WAL").execute(&pool).await?;
        }
        MIGRATIONS.run(&pool).await?;
        Ok(Store { pool })
    }

    /// Creates an empty database `name` (letters, digits and `_`) on the
    /// PostgreSQL server whose database `server` names, dropping one left
    /// from before; returns its URL. For tests and benchmarks.
    pub async fn create_database(server: &str, name: &str) -> Result<String, Error> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(Error::Configuration(format!("{name:?} is not a database name: letters, digits and _ only").into()));
        }
        let (base, _) = server.rsplit_once('/').ok_or_else(|| Error::Configuration("a server URL ends in /database".into()))?;
        let admin = connect(server, 1).await?;
        // Quoted, so the database is named exactly as its URL says (unquoted, PostgreSQL folds case).
        sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\"")).execute(&admin).await?;
        sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&admin).await?;
        admin.close().await;
        Ok(format!("{base}/{name}"))
    }

    /// Closes every connection (tests that reopen the same file).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// A pool of at most `connections` to `url`.
async fn connect(url: &str, connections: u32) -> Result<AnyPool, Error> {
    sqlx::any::install_default_drivers();
    let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
    AnyPoolOptions::new().max_connections(connections).connect_with(options).await
}
