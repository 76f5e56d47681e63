//! The database handle: one code path over SQLite and PostgreSQL.
//!
//! Queries are written once, in portable SQL with `$1, $2, …` placeholders,
//! and run on whichever backend the URL chose. The [`on_conn!`] macro expands a
//! query body once per backend with a concrete connection type, so sqlx
//! checks types for both and no `AnyPool` is involved.
//!
//! Writes go through [`Db::write`]: a closure receives a [`WriteTx`], does its
//! reads and writes, and may emit events; the events get their per-topic
//! sequence numbers and are stored in the same transaction, and come back to
//! the caller only after the commit. On SQLite every write goes through one
//! writer task that commits concurrent writes together (group commit); on
//! PostgreSQL each write is its own transaction.

use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sea_query::{PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::migrate::Migrator;
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{ConnectOptions, PgConnection, Postgres, Sqlite};

use domovoy_domain::device::{PushNotice, push_notices};
use domovoy_domain::event::{Event, Topic};

use crate::error::{StoreError, StoreResult};
use crate::events::{self, PendingEvent, StoredEvent};
use crate::idempotency::Answer;
use crate::sqlite_writer::SqliteWriter;

/// What [`Db::inspect_sqlite_backup`] found in a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackupFacts {
    /// `PRAGMA integrity_check` answered "ok".
    pub whole: bool,
    /// The newest migration applied to it.
    pub migration: i64,
    /// The newest migration this build knows.
    pub newest_known: i64,
    pub tickets: i64,
}

static SQLITE_MIGRATIONS: LazyLock<Migrator> =
    LazyLock::new(|| accepting_newer(sqlx::migrate!("../migrations/sqlite")));
static POSTGRES_MIGRATIONS: LazyLock<Migrator> =
    LazyLock::new(|| accepting_newer(sqlx::migrate!("../migrations/postgres")));

/// The embedded migrations, told to accept a database that has applied
/// more than this build knows (sqlx refuses one by default). In a rolling
/// upgrade the node still on the previous release restarts, or the company
/// rolls back, on the schema the new release migrated to; that is safe
/// because a release's migrations only add (ARCHITECTURE.md, «Adding a
/// feature», step 2), so what the older build reads and writes is all
/// still there.
fn accepting_newer(mut migrator: Migrator) -> Migrator {
    migrator.set_ignore_missing(true);
    migrator
}

/// How long a writer waits for a locked SQLite file before failing. Only
/// outside tools (a backup, `sqlite3` in a shell) take locks besides our one
/// writer, and they hold them briefly.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Pool settings shared by both backends.
#[derive(Debug, Clone)]
pub struct DbOptions {
    /// Most connections in the pool (PostgreSQL) or the read pool (SQLite).
    pub max_connections: u32,
    /// How long a request waits for a free connection before it fails with
    /// "unavailable" instead of hanging.
    pub acquire_timeout: Duration,
    /// SQLite: run the writer and its connection's thread on one CPU. The
    /// two hand every statement to each other; across two cores each
    /// hand-off wakes a sleeping core, which cost durable intake two thirds
    /// of its speed on a 2-core VM (BENCHMARKS.md, «One CPU for the SQLite
    /// writer»). Linux only; elsewhere it does nothing.
    pub pin_sqlite_writer: bool,
}

impl Default for DbOptions {
    fn default() -> Self {
        Self { max_connections: 8, acquire_timeout: Duration::from_secs(5), pin_sqlite_writer: true }
    }
}

/// Which backend a [`Db`] runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The database: SQLite (embedded, one file) or PostgreSQL.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Pg(PgDb),
}

/// How long a request waits for a PostgreSQL connection once the last
/// attempt found the server unreachable (at most the pool's own timeout).
/// A server that answers gives one in milliseconds.
const WAIT_WHILE_UNREACHABLE: Duration = Duration::from_secs(1);

/// PostgreSQL: the pool, and whether the last request for a connection
/// found the server unreachable.
///
/// sqlx's pool takes a refused connection for a server starting up and
/// tries again until the acquire timeout (5 s by default), so with the
/// server stopped every request would wait that long for its 503. Once one
/// request has waited in vain, the next ones wait `WAIT_WHILE_UNREACHABLE`
/// at most, until one gets a connection again.
#[derive(Clone, Debug)]
pub struct PgDb {
    pool: PgPool,
    unreachable: Arc<AtomicBool>,
}

impl PgDb {
    fn new(pool: PgPool) -> Self {
        Self { pool, unreachable: Arc::default() }
    }

    async fn acquire(&self) -> StoreResult<PoolConnection<Postgres>> {
        self.watched(self.pool.acquire()).await
    }

    async fn begin(&self) -> StoreResult<sqlx::Transaction<'static, Postgres>> {
        self.watched(self.pool.begin()).await
    }

    /// Asks for a connection through `asking`, cut short while the server
    /// was last found unreachable; remembers whether it was reached. A
    /// timeout with every connection of the pool open and lent is a busy
    /// pool, not an unreachable server, and changes nothing.
    async fn watched<T>(&self, asking: impl Future<Output = Result<T, sqlx::Error>>) -> StoreResult<T> {
        let options = self.pool.options();
        let answer = if self.unreachable.load(Ordering::Relaxed) {
            let wait = WAIT_WHILE_UNREACHABLE.min(options.get_acquire_timeout());
            tokio::time::timeout(wait, asking).await.unwrap_or(Err(sqlx::Error::PoolTimedOut))
        } else {
            asking.await
        };
        let answer = answer.map_err(StoreError::from);
        match &answer {
            Ok(_) => self.unreachable.store(false, Ordering::Relaxed),
            Err(error) if error.is_unavailable() && self.pool.size() < options.get_max_connections() => {
                self.unreachable.store(true, Ordering::Relaxed);
            }
            Err(_) => {}
        }
        answer
    }
}

/// SQLite: a pool of read-only connections and the one writer.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    read: SqlitePool,
    writer: SqliteWriter,
    path: Arc<PathBuf>,
}

impl Db {
    /// Connects to `url`: `sqlite://path/to/file.db` (created if missing) or
    /// `postgres://user@host/db`. Does not migrate; call [`Db::migrate`].
    pub async fn connect(url: &str, options: &DbOptions) -> StoreResult<Db> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url)
                .map_err(StoreError::Unavailable)?
                .application_name("domovoy")
                .log_statements(tracing::log::LevelFilter::Trace);
            let pool = PgPoolOptions::new()
                .max_connections(options.max_connections)
                .acquire_timeout(options.acquire_timeout)
                .connect_with(connect)
                .await?;
            Ok(Db::Pg(PgDb::new(pool)))
        } else if url.starts_with("sqlite:") {
            Self::connect_sqlite(url, options).await
        } else {
            Err(StoreError::Unavailable(sqlx::Error::Configuration(
                format!("unsupported database URL scheme in {:?}; use sqlite:// or postgres://", scheme(url)).into(),
            )))
        }
    }

    async fn connect_sqlite(url: &str, options: &DbOptions) -> StoreResult<Db> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(StoreError::Unavailable)?
            .foreign_keys(true)
            .busy_timeout(SQLITE_BUSY_TIMEOUT)
            .log_statements(tracing::log::LevelFilter::Trace);
        let path = Arc::new(base.get_filename().to_path_buf());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        }
        // The writer creates the file and switches it to WAL (a persistent
        // setting), so readers can open it read-only afterwards.
        // `synchronous=FULL`: an acknowledged ticket survives a power cut.
        let write_options = base
            .clone()
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full);
        let writer = SqliteWriter::start(write_options, options.pin_sqlite_writer).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_with(base.read_only(true))
            .await?;
        Ok(Db::Sqlite(SqliteDb { read, writer, path }))
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// The SQLite database file, for backup instructions and the demo.
    pub fn sqlite_path(&self) -> Option<&std::path::Path> {
        match self {
            Db::Sqlite(db) => Some(db.path.as_path()),
            Db::Pg(_) => None,
        }
    }

    /// Applies pending migrations. Safe to run on every start and from
    /// several nodes at once (PostgreSQL takes an advisory lock).
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            Db::Pg(pg) => POSTGRES_MIGRATIONS.run(&pg.pool).await?,
            Db::Sqlite(db) => {
                db.writer
                    .exclusive(|conn| {
                        Box::pin(async move {
                            // `run_direct` is sqlx's documented way around
                            // `Acquire` not being general enough for a borrowed
                            // connection; it takes the same lock as `run`.
                            SQLITE_MIGRATIONS.run_direct(None, conn, false).await.map_err(StoreError::from)
                        })
                    })
                    .await?;
            }
        }
        let (applied, known) = (self.newest_migration_applied().await?, self.newest_migration_known());
        if applied > known {
            tracing::warn!(
                applied,
                known,
                "the database has migrations newer than this build knows: it runs beside a newer release \
                 (a rolling upgrade under way, or a rollback); upgrade this node"
            );
        }
        Ok(())
    }

    /// The newest migration this build embeds.
    fn newest_migration_known(&self) -> i64 {
        match self {
            Db::Sqlite(_) => SQLITE_MIGRATIONS.iter().map(|m| m.version).max(),
            Db::Pg(_) => POSTGRES_MIGRATIONS.iter().map(|m| m.version).max(),
        }
        .unwrap_or(0)
    }

    /// Whether every embedded migration has been applied (readiness).
    pub async fn migrations_current(&self) -> StoreResult<bool> {
        Ok(self.newest_migration_applied().await? >= self.newest_migration_known())
    }

    /// The newest migration applied to the database (0 before the first).
    async fn newest_migration_applied(&self) -> StoreResult<i64> {
        let applied: Option<i64> = on_conn!(self, c => {
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&mut *c)
                .await
                .or_else(|e| match e {
                    // No migrations table yet: nothing applied.
                    sqlx::Error::Database(_) => Ok(None),
                    other => Err(other),
                })?
        });
        Ok(applied.unwrap_or(0))
    }

    /// A cheap round trip to the database (readiness).
    pub async fn ping(&self) -> StoreResult<()> {
        on_conn!(self, c => sqlx::query("SELECT 1").execute(&mut *c).await?
        .rows_affected());
        Ok(())
    }

    /// Brings the query planner's statistics of `tables` up to date after a
    /// bulk change (an import of many clients). PostgreSQL otherwise plans
    /// over 100,000 new rows with the estimates of the empty tables until
    /// autovacuum comes round: the search's p99 was 74 ms right after an
    /// import and 37 ms after `ANALYZE`. SQLite picks these plans from its
    /// indexes without statistics, so nothing is run there.
    pub async fn refresh_statistics(&self, tables: &[&'static str]) -> StoreResult<()> {
        if let Db::Pg(pg) = self {
            let sql = format!("ANALYZE {}", tables.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&pg.pool).await?;
        }
        Ok(())
    }

    /// Runs `work` in one transaction and commits it. Events the work emits
    /// are stored in the same transaction and returned after the commit;
    /// nothing is returned before the data is durable.
    ///
    /// Invariant: `work` does only database work through its [`WriteTx`]. On
    /// SQLite it runs inside the shared writer, where waiting on anything
    /// else would stall every other write.
    pub async fn write<T, E, F>(&self, work: F) -> Result<Committed<T>, E>
    where
        F: for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        match self {
            Db::Sqlite(db) => db.writer.write(work).await,
            Db::Pg(pg) => {
                let tx = pg.begin().await?;
                let mut wtx = WriteTx::new(Conn::Pg(tx));
                // A panicking write is rolled back and reported, as on
                // SQLite, instead of unwinding through the caller.
                let value = AssertUnwindSafe(work(&mut wtx)).catch_unwind().await.map_err(|_| {
                    tracing::error!("a database write panicked; its changes were rolled back");
                    StoreError::Panicked
                })??;
                let events = wtx.flush_events().await?;
                match wtx.into_conn() {
                    Conn::Pg(tx) => tx.commit().await.map_err(StoreError::from)?,
                    // Built three lines up from a PostgreSQL transaction.
                    Conn::Sqlite(_) => unreachable!("a PostgreSQL write holds a PostgreSQL transaction"),
                }
                Ok(Committed { value, events })
            }
        }
    }

    /// Writes a consistent copy of a SQLite database to `target` while the
    /// product keeps running (`VACUUM INTO`). Refuses to overwrite a file.
    /// PostgreSQL is backed up with its own tools (`pg_dump`).
    pub async fn backup_sqlite(&self, target: &std::path::Path) -> StoreResult<()> {
        let Db::Sqlite(db) = self else {
            return Err(StoreError::Unavailable(sqlx::Error::Configuration(
                "backups of PostgreSQL are made with pg_dump".into(),
            )));
        };
        if target.exists() {
            return Err(StoreError::invalid("target", domovoy_domain::FieldError::Taken));
        }
        let target = target.to_string_lossy().into_owned();
        let mut conn = db.read.acquire().await?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&mut *conn).await?;
        Ok(())
    }

    /// Reads a SQLite backup without changing it: whether it is whole
    /// (`PRAGMA integrity_check`), which migration it has reached against
    /// the newest this build knows, and how many tickets it holds.
    pub async fn inspect_sqlite_backup(path: &std::path::Path) -> StoreResult<BackupFacts> {
        let options = SqliteConnectOptions::new().filename(path).read_only(true).create_if_missing(false);
        let mut conn = options.connect().await?;
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut conn).await?;
        let migration: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(&mut conn).await?;
        let tickets: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tickets").fetch_one(&mut conn).await?;
        sqlx::Connection::close(conn).await?;
        Ok(BackupFacts {
            whole: integrity == "ok",
            migration: migration.unwrap_or(0),
            newest_known: SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0),
            tickets,
        })
    }

    /// Whether the PostgreSQL server runs without autovacuum (`false` on
    /// SQLite). Without it nothing refreshes the planner's statistics: a
    /// statement planned while a table was small keeps its plan (a
    /// sequential scan) in every pooled connection as the table grows, and
    /// writes slow down with the table's size.
    pub async fn autovacuum_off(&self) -> StoreResult<bool> {
        match self {
            Db::Sqlite(_) => Ok(false),
            Db::Pg(pg) => {
                let setting: String =
                    sqlx::query_scalar("SELECT current_setting('autovacuum')").fetch_one(&pg.pool).await?;
                Ok(setting == "off")
            }
        }
    }

    /// Stops the writer after the writes in flight, then closes the pools.
    ///
    /// The writes come first: they are durable before anything can hold the
    /// close up. A pool's close waits for every borrowed connection, so it
    /// waits [`CLOSE_GRACE`] at most: a reader that never gives its
    /// connection back must not keep a stopping process alive.
    pub async fn close(&self) {
        let closed = match self {
            Db::Sqlite(db) => {
                db.writer.stop().await;
                tokio::time::timeout(CLOSE_GRACE, db.read.close()).await
            }
            Db::Pg(pg) => tokio::time::timeout(CLOSE_GRACE, pg.pool.close()).await,
        };
        if closed.is_err() {
            tracing::warn!(
                grace_secs = CLOSE_GRACE.as_secs(),
                "database connections still borrowed at close; leaving them to the exit"
            );
        }
    }
}

/// How long [`Db::close`] waits for borrowed connections to come back.
pub const CLOSE_GRACE: Duration = Duration::from_secs(10);

fn scheme(url: &str) -> &str {
    url.split_once(':').map_or(url, |(scheme, _)| scheme)
}

/// The result of a committed write and the events it produced, in commit
/// order, ready to be published.
#[derive(Debug)]
pub struct Committed<T> {
    pub value: T,
    pub events: Vec<StoredEvent>,
}

impl<T> Committed<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Committed<U> {
        Committed { value: f(self.value), events: self.events }
    }
}

/// An open write transaction, handed to the closure of [`Db::write`].
///
/// It owns its connection (the SQLite writer lends its connection for a
/// batch and takes it back), so closures see a single lifetime: the borrow
/// of the `WriteTx` itself.
#[derive(Debug)]
pub struct WriteTx {
    conn: Conn,
    pending: Vec<PendingEvent>,
    /// Pushes the events call for, put into the outbox with them.
    pushes: Vec<PushNotice>,
    /// The idempotency key's answer, stored with the events.
    answer: Option<Answer>,
    now: DateTime<Utc>,
}

#[derive(Debug)]
pub(crate) enum Conn {
    /// The writer's connection, inside a transaction the writer opened.
    Sqlite(SqliteConnection),
    Pg(sqlx::Transaction<'static, Postgres>),
}

impl WriteTx {
    pub(crate) fn new(conn: Conn) -> Self {
        Self { conn, pending: Vec::new(), pushes: Vec::new(), answer: None, now: stored_now() }
    }

    /// Starts the next write of a batch on the same connection: a fresh
    /// "now", no pending events and no answer.
    pub(crate) fn reset(&mut self) {
        self.pending.clear();
        self.pushes.clear();
        self.answer = None;
        self.now = stored_now();
    }

    /// The SQLite connection, for the writer's own statements.
    pub(crate) fn sqlite(&mut self) -> Option<&mut SqliteConnection> {
        match &mut self.conn {
            Conn::Sqlite(conn) => Some(conn),
            Conn::Pg(_) => None,
        }
    }

    /// Gives the connection back (the SQLite writer, after a batch).
    pub(crate) fn into_conn(self) -> Conn {
        self.conn
    }

    /// The time this transaction started: one "now" for every row it
    /// writes, in microseconds (what PostgreSQL keeps), so that what a
    /// write returns equals what a later read finds on either backend.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Pg(_) => Backend::Postgres,
        }
    }

    /// Records an event on every one of its topics, to be stored with this
    /// transaction. Sequence numbers are assigned when the transaction's
    /// work is done, topics in a fixed order, so concurrent writers never
    /// deadlock on topic locks.
    pub fn emit(&mut self, event: &Event) {
        let payload = event.payload();
        for topic in event.topics() {
            self.pending.push(PendingEvent { topic, kind: event.kind().code(), payload: payload.clone() });
        }
        self.pushes.extend(push_notices(event));
    }

    /// Tells a person on their phones and in their in-app list, with this
    /// transaction (what no event of theirs says: a survey opened to them).
    pub fn notify(&mut self, notice: PushNotice) {
        self.pushes.push(notice);
    }

    /// Records an event on one given topic only (tests of the log itself,
    /// and an event whose topics are not its usual ones).
    pub fn emit_to(&mut self, topic: Topic, event: &Event) {
        self.pending.push(PendingEvent { topic, kind: event.kind().code(), payload: event.payload() });
    }

    /// Records the idempotency key's answer (see [`crate::idempotency::finish`]).
    pub(crate) fn answer(&mut self, answer: Answer) {
        self.answer = Some(answer);
    }

    /// Stores what waits for the end of the write: the pending events with
    /// their sequence numbers, and the key's answer.
    pub(crate) async fn flush_events(&mut self) -> StoreResult<Vec<StoredEvent>> {
        let pending = std::mem::take(&mut self.pending);
        let answer = self.answer.take();
        let stored = events::store_pending(self, pending, answer).await?;
        let pushes = std::mem::take(&mut self.pushes);
        crate::devices::enqueue_pushes(self, &pushes).await?;
        Ok(stored)
    }
}

/// A connection to run one query body on, whichever backend it is.
/// Public only because [`Source`] names it; nothing outside this crate can
/// use it.
#[doc(hidden)]
#[derive(Debug)]
pub enum Held<'a> {
    SqlitePooled(PoolConnection<Sqlite>),
    PgPooled(PoolConnection<Postgres>),
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

/// A borrowed connection of one backend, for the arms of `on_conn!`.
#[doc(hidden)]
#[derive(Debug)]
pub enum ConnMut<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

impl Held<'_> {
    #[doc(hidden)]
    pub fn as_mut(&mut self) -> ConnMut<'_> {
        match self {
            Held::SqlitePooled(c) => ConnMut::Sqlite(c),
            Held::PgPooled(c) => ConnMut::Pg(c),
            Held::Sqlite(c) => ConnMut::Sqlite(c),
            Held::Pg(c) => ConnMut::Pg(c),
        }
    }
}

/// Where a query runs: the database (reads, from the pool) or an open write
/// transaction (reads and writes). Repository functions that work in both
/// take `impl Into<Source>`; pass `&db` or `&mut *tx`.
///
/// A concrete enum rather than a trait: generic async code over a trait
/// with an `async fn` trips rustc's higher-ranked `Send` checks
/// (rust-lang/rust#100013) inside `Db::write` closures.
#[derive(Debug)]
pub enum Source<'a> {
    Db(&'a Db),
    Tx(&'a mut WriteTx),
}

impl Source<'_> {
    /// A second, shorter borrow, for several queries in a row.
    pub fn reborrow(&mut self) -> Source<'_> {
        match self {
            Source::Db(db) => Source::Db(db),
            Source::Tx(tx) => Source::Tx(tx),
        }
    }
}

impl<'a> From<&'a Db> for Source<'a> {
    fn from(db: &'a Db) -> Self {
        Source::Db(db)
    }
}

impl<'a> From<&'a mut WriteTx> for Source<'a> {
    fn from(tx: &'a mut WriteTx) -> Self {
        Source::Tx(tx)
    }
}

impl<'a> Source<'a> {
    #[doc(hidden)]
    pub async fn hold(self) -> StoreResult<Held<'a>> {
        Ok(match self {
            Source::Db(Db::Sqlite(db)) => Held::SqlitePooled(db.read.acquire().await?),
            Source::Db(Db::Pg(pg)) => Held::PgPooled(pg.acquire().await?),
            Source::Tx(tx) => match &mut tx.conn {
                Conn::Sqlite(c) => Held::Sqlite(c),
                Conn::Pg(c) => Held::Pg(c),
            },
        })
    }
}

/// Runs a sea-query SELECT, rendered for the backend of `source`.
pub(crate) async fn fetch_all_built<'a, R>(
    source: impl Into<Source<'a>>,
    select: &SelectStatement,
) -> StoreResult<Vec<R>>
where
    R: Send + Unpin + for<'r> sqlx::FromRow<'r, SqliteRow> + for<'r> sqlx::FromRow<'r, PgRow>,
{
    let mut held = source.into().hold().await?;
    Ok(match held.as_mut() {
        ConnMut::Sqlite(c) => {
            let (sql, values) = select.build_sqlx(SqliteQueryBuilder);
            sqlx::query_as_with(built_sql(sql), values).fetch_all(&mut *c).await?
        }
        ConnMut::Pg(c) => {
            let (sql, values) = select.build_sqlx(PostgresQueryBuilder);
            sqlx::query_as_with(built_sql(sql), values).fetch_all(&mut *c).await?
        }
    })
}

/// A query string built at run time (sea-query output), which sqlx requires
/// to be marked as audited. Only statements assembled by sea-query from
/// bound values pass through here; user input never becomes SQL text.
fn built_sql(sql: String) -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(sql)
}

/// The current time at the precision both backends store.
pub fn stored_now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// The backend of a connection inside [`on_conn!`], for the few queries
/// whose text differs between dialects (both texts sit side by side there).
pub(crate) trait Dialect {
    const BACKEND: Backend;
}

impl Dialect for SqliteConnection {
    const BACKEND: Backend = Backend::Sqlite;
}

impl Dialect for PgConnection {
    const BACKEND: Backend = Backend::Postgres;
}

pub(crate) fn dialect<C: Dialect>(_conn: &C) -> Backend {
    C::BACKEND
}
