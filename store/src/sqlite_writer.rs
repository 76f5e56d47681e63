//! The one SQLite writer, with group commit.
//!
//! SQLite allows one writer at a time, and with `synchronous=FULL` every
//! commit waits for an fsync. Committing each ticket alone would cap durable
//! intake at the disk's fsync rate. Instead every write is sent to this task,
//! which takes whatever writes are waiting (up to [`MAX_BATCH`]), runs each
//! inside its own savepoint of one transaction, and commits them together:
//! one fsync acknowledges the whole batch. A write that fails rolls back to
//! its savepoint and does not disturb the others; a write that panics is
//! rolled back the same way. Callers hear back only after the commit.
//!
//! The writer runs on a thread of its own ("sqlite-writer", with a
//! single-threaded runtime), not among the actors: sqlx runs each SQLite
//! connection on a thread of its own too, and every statement is a hand-off
//! between the two. Both threads are kept on one CPU (unless the settings
//! say otherwise): the connection's thread is started by the writer's and
//! inherits its CPU. On two cores a hand-off that wakes the other core cost
//! two thirds of durable intake (BENCHMARKS.md, «One CPU for the SQLite
//! writer»); on one core the sleeping side simply runs next.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::ConnectOptions as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use tokio::sync::{Mutex, Notify, mpsc, oneshot};

use crate::db::{Committed, Conn, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::events::StoredEvent;

/// Most writes committed together. Bounds the time a batch holds the write
/// lock and the memory of one batch; far above what intake needs to reach
/// thousands of tickets per second at one fsync every few milliseconds.
const MAX_BATCH: usize = 512;

/// Writes waiting for the writer before senders wait. Gives backpressure
/// instead of unbounded memory when the disk cannot keep up.
const QUEUE_DEPTH: usize = 4096;

/// A type-erased value crossing the channel; the sender knows its type.
type AnyBox = Box<dyn Any + Send>;

type TxWork = Box<dyn for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, Result<AnyBox, AnyBox>> + Send>;
type ExclusiveWork = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, ()> + Send>;

/// What the writer tells the caller of a write.
enum TxReply {
    /// Committed: the work's value and the events it stored.
    Committed(AnyBox, Vec<StoredEvent>),
    /// The work returned its own error; its savepoint was rolled back.
    Refused(AnyBox),
    /// The store failed (begin, events, commit) or the work panicked.
    Failed(StoreError),
}

struct TxJob {
    work: TxWork,
    reply: oneshot::Sender<TxReply>,
}

enum Job {
    /// A write that joins a batch.
    Tx(TxJob),
    /// Work that needs the connection alone, outside any transaction
    /// (migrations manage their own transactions).
    Exclusive(ExclusiveWork),
}

/// The handle to the writer thread. Cloning is cheap.
///
/// The writer runs until [`SqliteWriter::stop`] is called or every handle
/// is dropped; it finishes the writes already queued before it exits, so an
/// accepted write is never abandoned half-way.
#[derive(Clone)]
pub(crate) struct SqliteWriter {
    jobs: mpsc::Sender<Job>,
    stop: Arc<Notify>,
    /// Answered when the writer's thread has closed the connection.
    finished: Arc<Mutex<Option<oneshot::Receiver<()>>>>,
}

impl std::fmt::Debug for SqliteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteWriter").field("queued", &(QUEUE_DEPTH - self.jobs.capacity())).finish()
    }
}

impl SqliteWriter {
    /// Starts the writer's thread, which opens the connection with
    /// `options` (on one CPU when `pin`); returns once it is open.
    pub(crate) async fn start(options: SqliteConnectOptions, pin: bool) -> StoreResult<Self> {
        let (jobs, rx) = mpsc::channel(QUEUE_DEPTH);
        let stop = Arc::new(Notify::new());
        let (opened, open) = oneshot::channel::<Result<(), sqlx::Error>>();
        let (finish, finished) = oneshot::channel();
        let writer_stop = stop.clone();
        std::thread::Builder::new()
            .name("sqlite-writer".to_owned())
            .spawn(move || {
                if pin {
                    cpu::stay_on_one();
                }
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        let _ = opened.send(Err(sqlx::Error::Io(error)));
                        return;
                    }
                };
                runtime.block_on(async move {
                    // The connection's own thread starts here, on this CPU.
                    match options.connect().await {
                        Ok(conn) => {
                            let _ = opened.send(Ok(()));
                            run(conn, rx, writer_stop).await;
                        }
                        Err(error) => {
                            let _ = opened.send(Err(error));
                        }
                    }
                });
                let _ = finish.send(());
            })
            .map_err(|e| StoreError::Unavailable(sqlx::Error::Io(e)))?;
        open.await.map_err(|_| StoreError::WriterStopped)??;
        Ok(Self { jobs, stop, finished: Arc::new(Mutex::new(Some(finished))) })
    }

    /// Runs `work` in the next batch and returns after its commit.
    pub(crate) async fn write<T, E, F>(&self, work: F) -> Result<Committed<T>, E>
    where
        F: for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let work: TxWork = Box::new(move |tx| {
            Box::pin(async move {
                match work(tx).await {
                    Ok(value) => Ok(Box::new(value) as AnyBox),
                    Err(error) => Err(Box::new(error) as AnyBox),
                }
            })
        });
        self.jobs.send(Job::Tx(TxJob { work, reply })).await.map_err(|_| StoreError::WriterStopped)?;
        // The writer always replies; a dropped reply means it stopped.
        match answer.await.map_err(|_| StoreError::WriterStopped)? {
            TxReply::Committed(value, events) => match value.downcast::<T>() {
                Ok(value) => Ok(Committed { value: *value, events }),
                Err(_) => Err(mismatch().into()),
            },
            TxReply::Refused(error) => match error.downcast::<E>() {
                Ok(error) => Err(*error),
                Err(_) => Err(mismatch().into()),
            },
            TxReply::Failed(error) => Err(error.into()),
        }
    }

    /// Runs `work` with the connection alone, outside any transaction.
    pub(crate) async fn exclusive<T, F>(&self, work: F) -> StoreResult<T>
    where
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> BoxFuture<'c, StoreResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: ExclusiveWork = Box::new(move |conn| {
            Box::pin(async move {
                let _ = reply.send(work(conn).await);
            })
        });
        self.jobs.send(Job::Exclusive(job)).await.map_err(|_| StoreError::WriterStopped)?;
        // A dropped reply means the work panicked.
        answer.await.unwrap_or(Err(StoreError::Panicked))
    }

    /// Stops taking writes, finishes the ones already queued and closes the
    /// connection.
    pub(crate) async fn stop(&self) {
        self.stop.notify_one();
        let finished = self.finished.lock().await.take();
        if let Some(finished) = finished
            && finished.await.is_err()
        {
            tracing::error!("the SQLite writer's thread ended without closing its connection");
        }
    }
}

/// The writer sends back exactly the types `write` boxed; a mismatch is a
/// bug in this module, reported as corruption rather than a panic.
fn mismatch() -> StoreError {
    StoreError::Corrupt("the SQLite writer returned a value of another type".to_owned())
}

async fn run(conn: SqliteConnection, mut rx: mpsc::Receiver<Job>, stop: Arc<Notify>) {
    let mut conn = conn;
    let mut stopping = false;
    loop {
        let first = if stopping {
            rx.recv().await
        } else {
            tokio::select! {
                job = rx.recv() => job,
                () = stop.notified() => {
                    // Refuse new writes, finish the queued ones, then exit.
                    stopping = true;
                    rx.close();
                    rx.recv().await
                }
            }
        };
        let Some(first) = first else { break };
        let mut batch = Vec::new();
        let mut exclusive = None;
        match first {
            Job::Tx(job) => batch.push(job),
            Job::Exclusive(work) => exclusive = Some(work),
        }
        // Gather the writes that queued up while the last batch committed.
        while exclusive.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Job::Tx(job)) => batch.push(job),
                Ok(Job::Exclusive(work)) => exclusive = Some(work),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            conn = commit_batch(conn, batch).await;
        }
        if let Some(work) = exclusive
            && AssertUnwindSafe(work(&mut conn)).catch_unwind().await.is_err()
        {
            tracing::error!("exclusive database work panicked");
        }
    }
    if let Err(error) = sqlx::Connection::close(conn).await {
        tracing::warn!(%error, "closing the SQLite writer connection failed");
    }
}

async fn exec(tx: &mut WriteTx, sql: &'static str) -> Result<(), sqlx::Error> {
    match tx.sqlite() {
        Some(conn) => sqlx::query(sql).execute(conn).await.map(|_| ()),
        // The writer only ever lends its SQLite connection.
        None => unreachable!("the SQLite writer runs on a SQLite connection"),
    }
}

fn fail(reply: oneshot::Sender<TxReply>, error: &Arc<sqlx::Error>) {
    let _ = reply.send(TxReply::Failed(StoreError::CommitFailed(error.clone())));
}

/// Runs a batch of writes in one transaction, each in its own savepoint,
/// and hands the connection back.
async fn commit_batch(conn: SqliteConnection, batch: Vec<TxJob>) -> SqliteConnection {
    let mut tx = WriteTx::new(Conn::Sqlite(conn));
    // IMMEDIATE takes the write lock now, so no statement of the batch can
    // fail later on a lock held by an outside tool.
    if let Err(error) = exec(&mut tx, "BEGIN IMMEDIATE").await {
        tracing::error!(%error, writes = batch.len(), "cannot begin a write transaction");
        let error = Arc::new(error);
        batch.into_iter().for_each(|job| fail(job.reply, &error));
        return give_back(tx);
    }
    let mut kept: Vec<(oneshot::Sender<TxReply>, AnyBox, Vec<StoredEvent>)> = Vec::with_capacity(batch.len());
    let mut jobs = batch.into_iter();
    while let Some(TxJob { work, reply }) = jobs.next() {
        tx.reset();
        if let Err(error) = exec(&mut tx, "SAVEPOINT write").await {
            // A connection that refuses savepoints runs nothing more: the
            // whole batch fails and is rolled back.
            tracing::error!(%error, "cannot open a savepoint; the batch is rolled back");
            let _ = exec(&mut tx, "ROLLBACK").await;
            let error = Arc::new(error);
            fail(reply, &error);
            kept.into_iter().for_each(|(reply, _, _)| fail(reply, &error));
            jobs.for_each(|job| fail(job.reply, &error));
            return give_back(tx);
        }
        let outcome = AssertUnwindSafe(work(&mut tx)).catch_unwind().await;
        let result = match outcome {
            Ok(Ok(value)) => match tx.flush_events().await {
                Ok(events) => Ok((value, events)),
                Err(error) => Err(TxReply::Failed(error)),
            },
            Ok(Err(refusal)) => Err(TxReply::Refused(refusal)),
            Err(_) => {
                tracing::error!("a database write panicked; its changes were rolled back");
                Err(TxReply::Failed(StoreError::Panicked))
            }
        };
        match result {
            Ok((value, events)) => {
                if let Err(error) = exec(&mut tx, "RELEASE write").await {
                    tracing::error!(%error, "cannot release a savepoint");
                }
                kept.push((reply, value, events));
            }
            Err(answer) => {
                if let Err(error) = exec(&mut tx, "ROLLBACK TO write").await {
                    tracing::error!(%error, "cannot roll back to a savepoint");
                }
                let _ = exec(&mut tx, "RELEASE write").await;
                let _ = reply.send(answer);
            }
        }
    }
    match exec(&mut tx, "COMMIT").await {
        Ok(()) => {
            for (reply, value, events) in kept {
                // The caller may have gone away (its request was cancelled);
                // the write is committed regardless.
                let _ = reply.send(TxReply::Committed(value, events));
            }
        }
        Err(error) => {
            tracing::error!(%error, writes = kept.len(), "commit failed; the batch was rolled back");
            let _ = exec(&mut tx, "ROLLBACK").await;
            let error = Arc::new(error);
            kept.into_iter().for_each(|(reply, _, _)| fail(reply, &error));
        }
    }
    give_back(tx)
}

fn give_back(tx: WriteTx) -> SqliteConnection {
    match tx.into_conn() {
        Conn::Sqlite(conn) => conn,
        // `commit_batch` built this transaction from a SQLite connection.
        Conn::Pg(_) => unreachable!("the SQLite writer runs on a SQLite connection"),
    }
}

/// Keeping the writer's thread (and the connection thread it starts) on one
/// CPU.
mod cpu {
    /// Moves the calling thread to the last CPU it may run on; threads it
    /// starts afterwards inherit that. With one CPU allowed, or where the
    /// system refuses, the thread stays where the OS puts it.
    #[cfg(target_os = "linux")]
    pub(super) fn stay_on_one() {
        use rustix::thread::{CpuSet, sched_getaffinity, sched_setaffinity};
        let Ok(allowed) = sched_getaffinity(None) else { return };
        if allowed.count() < 2 {
            return;
        }
        let Some(last) = (0..CpuSet::MAX_CPU).rev().find(|&cpu| allowed.is_set(cpu)) else { return };
        let mut one = CpuSet::new();
        one.set(last);
        match sched_setaffinity(None, &one) {
            Ok(()) => tracing::debug!(cpu = last, "the SQLite writer runs on one CPU"),
            Err(error) => tracing::warn!(%error, "cannot keep the SQLite writer on one CPU; the OS places it"),
        }
    }

    #[cfg(not(target_os = "linux"))]
    pub(super) fn stay_on_one() {}
}
