//! The database layer: the only place with SQL. One set of queries serves SQLite and PostgreSQL through
//! sqlx's `Any` driver; placeholders are `$n` (both backends accept them), timestamps are epoch milliseconds,
//! flags and ids are BIGINT, so the values decode the same on both.
pub mod batch;
pub mod deflection;
pub mod events;
pub mod feedback;
pub mod insights;
pub mod kb;
pub mod kb_changes;
pub mod kb_gaps;
pub mod kb_images;
pub mod kb_search;
pub mod magic_links;
pub mod outbox;
pub mod photos;
pub mod preferences;
pub mod requests;
pub mod scheduler;
pub mod sessions;
pub mod settings;
pub mod users;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, Connection, Executor};

pub type DbResult<T> = Result<T, sqlx::Error>;
pub type Conn = AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    /// The backend a connection talks to.
    pub fn of(conn: &Conn) -> Self {
        if conn.backend_name().eq_ignore_ascii_case("sqlite") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// The connection pool and which backend it talks to. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: String,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// SQLite settings applied to every connection: write-ahead log, enforced foreign keys, waiting (not failing)
/// on a locked database, and `synchronous=FULL` so a committed request survives a power cut.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = FULL;";

impl Db {
    /// Connects lazily-failing: the pool is built even when the database is down, so the process starts,
    /// `/readyz` reports the outage and requests recover by themselves once it is back.
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)
            .ok_or_else(|| sqlx::Error::Configuration(format!("unsupported database URL scheme: {url}").into()))?;
        if backend == Backend::Sqlite {
            create_sqlite_parent_dir(url);
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .acquire_timeout(Duration::from_secs(5))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_lazy_with(options);
        Ok(Self { pool, backend, url: url.to_owned() })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Applies the backend's migrations (`migrations/sqlite` or `migrations/postgres`).
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await,
        }
    }

    /// A round trip to the database, for `/readyz`.
    pub async fn ping(&self) -> DbResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }

    pub async fn acquire(&self) -> DbResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        self.pool.acquire().await
    }

    /// A transaction for writing. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a deferred
    /// transaction that reads and then writes can fail with SQLITE_BUSY_SNAPSHOT under WAL, which
    /// `busy_timeout` does not retry.
    pub async fn begin(&self) -> DbResult<sqlx::Transaction<'static, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// [`begin`](Self::begin) on a connection the caller holds.
    pub async fn begin_on<'c>(&self, conn: &'c mut Conn) -> DbResult<sqlx::Transaction<'c, sqlx::Any>> {
        match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => conn.begin().await,
        }
    }

    pub async fn close(&self) {
        self.pool.close().await
    }

    /// Every table and its columns (name, nullable), sorted: used to prove both migration sets agree.
    /// Full-text indexes are left out, being per backend by nature: SQLite's FTS5 virtual table and its shadow
    /// tables, PostgreSQL's tsvector columns.
    pub async fn schema(&self) -> DbResult<Vec<(String, String, bool)>> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT m.name, p.name, CASE WHEN p.\"notnull\" = 0 AND p.pk = 0 THEN 1 ELSE 0 END \
                 FROM pragma_table_list m JOIN pragma_table_info(m.name) p \
                 WHERE m.schema = 'main' AND m.type = 'table' AND m.name NOT LIKE 'sqlite_%' \
                 AND m.name NOT LIKE '_sqlx%' \
                 ORDER BY m.name, p.name"
            }
            Backend::Postgres => {
                "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), \
                 CAST(CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS BIGINT) \
                 FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' AND data_type <> 'tsvector' \
                 ORDER BY table_name, column_name"
            }
        };
        let rows: Vec<(String, String, i64)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(rows.into_iter().map(|(t, c, n)| (t, c, n == 1)).collect())
    }
}

fn create_sqlite_parent_dir(url: &str) {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    let path = path.split('?').next().unwrap_or_default();
    if let Some(parent) = std::path::Path::new(path).parent() {
        if !parent.as_os_str().is_empty() {
            let _ = std::fs::create_dir_all(parent);
        }
    }
}

/// Application-level locks for rules that span rows (PostgreSQL advisory locks, held until the transaction
/// ends). SQLite needs none: its write transactions already run one at a time.
#[derive(Debug, Clone, Copy)]
pub enum Lock {
    /// Event-writing transactions commit in id order, so readers can follow the log by id without gaps.
    Events = 1,
    /// "At least one active admin" is checked and changed by one transaction at a time.
    Accounts = 2,
}

pub async fn lock(conn: &mut Conn, backend: Backend, lock: Lock) -> DbResult<()> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(lock as i64).execute(conn).await?;
    }
    Ok(())
}

/// True when the error is a unique-constraint violation (e.g. an email already taken), on either backend.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|e| e.is_unique_violation())
}

/// True when the connection itself failed (closed, reset, or ended by the server), as opposed to the database
/// being busy or refusing a statement. PostgreSQL: connection exceptions (08), shutdown and cannot-connect-now
/// (57P0x).
pub fn is_connection_lost(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_) | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_) => true,
        sqlx::Error::Database(e) => {
            let code = e.code().unwrap_or_default();
            code.starts_with("08") || code.starts_with("57P0")
        }
        _ => false,
    }
}

/// True when the error means the database cannot be reached (as opposed to a bad query): a lost connection,
/// no connection to be had from the pool, or a database that cannot take the work now (PostgreSQL: out of
/// resources, 53; SQLite: busy 5, locked 6, cannot open 14).
pub fn is_unavailable(error: &sqlx::Error) -> bool {
    is_connection_lost(error)
        || matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed)
        || error
            .as_database_error()
            .and_then(|e| e.code())
            .is_some_and(|code| code.starts_with("53") || matches!(&*code, "5" | "6" | "14"))
}

/// `%text%` for `LIKE … ESCAPE '\'`, with LIKE's own wildcards in `text` taken literally. Fold case in SQL
/// with `LOWER(column) LIKE LOWER(pattern)`, so pattern and column are folded alike on each backend.
pub fn like_contains(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}
