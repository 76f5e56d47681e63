//! The outbox: messages that leave the system, written in the transaction
//! of the change that causes them.
//!
//! A dispatcher claims due messages for a lease, sends them and marks them
//! sent, or schedules a retry. Delivery is at least once: a dispatcher that
//! dies after sending but before marking lets its lease expire and the
//! message is sent again, so every message carries a stable `dedup_key`
//! that receivers dedupe on. A message is never sent again after it was
//! marked sent.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::{Backend, Db, WriteTx};
use crate::error::StoreResult;
use crate::users::expect_one;

/// A message to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxMessage {
    pub id: Uuid,
    pub channel: String,
    pub dedup_key: String,
    pub payload: serde_json::Value,
    /// This attempt's number, from 1.
    pub attempt: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    channel: String,
    dedup_key: String,
    payload: Json<serde_json::Value>,
    attempts: i64,
    created_at: DateTime<Utc>,
}

impl From<MessageRow> for OutboxMessage {
    fn from(row: MessageRow) -> Self {
        Self {
            id: row.id,
            channel: row.channel,
            dedup_key: row.dedup_key,
            payload: row.payload.0,
            attempt: row.attempts,
            created_at: row.created_at,
        }
    }
}

/// Enqueues a message unless one with the same key is already on the
/// channel; returns whether it was added.
pub async fn enqueue(
    tx: &mut WriteTx,
    channel: &str,
    dedup_key: &str,
    payload: &serde_json::Value,
) -> StoreResult<bool> {
    Ok(enqueue_many(tx, channel, &[(dedup_key.to_owned(), payload.clone(), None)]).await? == 1)
}

/// Rows one statement of [`enqueue_many`] writes at most.
const ENQUEUE_BATCH: usize = 500;

/// Enqueues many messages of one channel (a mailing's letters) in few
/// statements, each leaving at once or not before its time (a mailing's
/// quiet hours); a key already on the channel keeps its message. Answers
/// how many were added.
pub async fn enqueue_many(
    tx: &mut WriteTx,
    channel: &str,
    messages: &[(String, serde_json::Value, Option<DateTime<Utc>>)],
) -> StoreResult<u64> {
    let now = tx.now();
    let mut added = 0;
    for chunk in messages.chunks(ENQUEUE_BATCH) {
        let values = (0..chunk.len())
            .map(|r| {
                let at = r * 4;
                format!("(${}, $1, ${}, ${}, $2, ${}, 0)", at + 3, at + 4, at + 5, at + 6)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO outbox (id, channel, dedup_key, payload, created_at, available_at, attempts)
             VALUES {values} ON CONFLICT (channel, dedup_key) DO NOTHING"
        );
        added += on_conn!(&mut *tx, c => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(channel).bind(now);
            for (key, payload, not_before) in chunk {
                query = query.bind(Uuid::now_v7()).bind(key).bind(Json(payload)).bind(not_before.unwrap_or(now).max(now));
            }
            query.execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(added)
}

/// A message of the past: sent at its time, or given up on with its error.
#[derive(Debug, Clone)]
pub struct PastMessage {
    pub dedup_key: String,
    pub payload: serde_json::Value,
    pub at: DateTime<Utc>,
    /// `None`: it was sent; otherwise the error it failed with.
    pub error: Option<String>,
}

/// Records messages of one channel that were sent or failed before (the
/// demo's history): the dispatcher never takes them, and a delivery row
/// reads their outcome like any other's. A key already on the channel
/// keeps its message.
pub async fn record_past(tx: &mut WriteTx, channel: &str, messages: &[PastMessage]) -> StoreResult<u64> {
    let mut added = 0;
    for m in messages {
        let (sent, failed) = if m.error.is_some() { (None, Some(m.at)) } else { (Some(m.at), None) };
        added += on_conn!(&mut *tx, c => {
            sqlx::query(
                "INSERT INTO outbox (id, channel, dedup_key, payload, created_at, available_at, attempts,
                                     last_error, sent_at, failed_at)
                 VALUES ($1, $2, $3, $4, $5, $5, 1, $6, $7, $8) ON CONFLICT (channel, dedup_key) DO NOTHING",
            )
            .bind(Uuid::now_v7())
            .bind(channel)
            .bind(&m.dedup_key)
            .bind(Json(&m.payload))
            .bind(m.at)
            .bind(m.error.as_deref())
            .bind(sent)
            .bind(failed)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
    }
    Ok(added)
}

/// Claims up to `limit` due messages until `lease_until` and records the
/// start of their attempt. On PostgreSQL several dispatchers claim disjoint
/// sets (`FOR UPDATE SKIP LOCKED`); on SQLite the single writer serialises
/// claims.
pub async fn claim(tx: &mut WriteTx, lease_until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<OutboxMessage>> {
    let now = tx.now();
    // PostgreSQL picks the rows in a materialized CTE: as `id IN (SELECT …
    // LIMIT n FOR UPDATE SKIP LOCKED)` the subquery may run again per row
    // and claim far more than `limit` (10,000 letters in one batch, seen in
    // the mailing benchmark). SQLite has no row locks (and needs none: its
    // single writer serialises claims).
    let rows: Vec<MessageRow> = match tx.backend() {
        Backend::Postgres => on_conn!(&mut *tx, c => {
            sqlx::query_as(
                "WITH picked AS MATERIALIZED (
                     SELECT id FROM outbox
                     WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= $2
                       AND (claimed_until IS NULL OR claimed_until < $2)
                     ORDER BY available_at LIMIT $3
                     FOR UPDATE SKIP LOCKED)
                 UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
                 FROM picked WHERE outbox.id = picked.id
                 RETURNING outbox.id, outbox.channel, outbox.dedup_key, outbox.payload, outbox.attempts,
                           outbox.created_at",
            )
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
        }),
        Backend::Sqlite => on_conn!(&mut *tx, c => {
            sqlx::query_as(
                "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM outbox
                              WHERE sent_at IS NULL AND failed_at IS NULL AND available_at <= $2
                                AND (claimed_until IS NULL OR claimed_until < $2)
                              ORDER BY available_at LIMIT $3)
                 RETURNING id, channel, dedup_key, payload, attempts, created_at",
            )
            .bind(lease_until)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
        }),
    };
    // `RETURNING` keeps no order: the batch is handed on in the order it
    // was queued, which channels with lanes keep.
    let mut rows = rows;
    rows.sort_by_key(|row| (row.created_at, row.id));
    for row in &rows {
        on_conn!(&mut *tx, c => {
            sqlx::query("INSERT INTO outbox_attempts (outbox_id, attempt, started_at) VALUES ($1, $2, $3)")
                .bind(row.id)
                .bind(row.attempts)
                .bind(now)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
    }
    Ok(rows.into_iter().map(OutboxMessage::from).collect())
}

/// Records a successful send, with the receipt the receiver named it by
/// (an SMS gateway's id, for its delivery report) when it gave one. A
/// message already marked sent stays as it was.
pub async fn mark_sent(tx: &mut WriteTx, id: Uuid, attempt: i64, receipt: Option<&str>) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query(
            "UPDATE outbox SET sent_at = $2, claimed_until = NULL, receipt = $3 WHERE id = $1 AND sent_at IS NULL",
        )
            .bind(id)
            .bind(now)
            .bind(receipt)
            .execute(&mut *c)
            .await?
            .rows_affected();
        sqlx::query("UPDATE outbox_attempts SET finished_at = $3 WHERE outbox_id = $1 AND attempt = $2")
            .bind(id)
            .bind(attempt)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// What a gateway reported of a message it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// In the recipient's hands.
    Delivered,
    /// It will not be: the reason, as kept in `last_error`.
    Undelivered(String),
}

/// Records gateways' reports on sent messages of `channel`, each named by
/// the receipt it was sent under: a message is reported on once (a second
/// report, or one for a message not sent or unknown, changes nothing).
/// Answers how many messages it changed.
pub async fn record_reports(
    tx: &mut WriteTx,
    channel: &str,
    reports: &[(String, Report)],
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    let mut changed = 0;
    for (receipt, report) in reports {
        let (column, reason) = match report {
            Report::Delivered => ("delivered_at", None),
            Report::Undelivered(reason) => ("undelivered_at", Some(reason.as_str())),
        };
        let sql = format!(
            "UPDATE outbox SET {column} = $3, last_error = COALESCE($4, last_error)
             WHERE channel = $1 AND receipt = $2 AND sent_at IS NOT NULL
               AND delivered_at IS NULL AND undelivered_at IS NULL"
        );
        changed += on_conn!(&mut *tx, c => {
            sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
                .bind(channel)
                .bind(receipt)
                .bind(at)
                .bind(reason)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
    }
    Ok(changed)
}

/// Records a failed send: retried at `retry_at`, or given up when `None`.
pub async fn mark_failed(
    tx: &mut WriteTx,
    id: Uuid,
    attempt: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    let now = tx.now();
    let done = on_conn!(tx, c => {
        let done = sqlx::query(
            "UPDATE outbox SET claimed_until = NULL, last_error = $2, available_at = COALESCE($3, available_at),
                               failed_at = CASE WHEN $3 IS NULL THEN $4 ELSE NULL END
             WHERE id = $1 AND sent_at IS NULL",
        )
        .bind(id)
        .bind(error)
        .bind(retry_at)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
        sqlx::query("UPDATE outbox_attempts SET finished_at = $3, error = $4 WHERE outbox_id = $1 AND attempt = $2")
            .bind(id)
            .bind(attempt)
            .bind(now)
            .bind(error)
            .execute(&mut *c)
            .await?
            .rows_affected();
        done
    });
    expect_one(done)
}

/// Puts a claimed message back unsent, to leave at `until`: its channel's
/// pace had no room for it now. The attempt is not counted (nothing was
/// tried).
pub async fn postpone(tx: &mut WriteTx, id: Uuid, attempt: i64, until: DateTime<Utc>) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query(
            "UPDATE outbox SET claimed_until = NULL, available_at = $3, attempts = attempts - 1
             WHERE id = $1 AND sent_at IS NULL AND attempts = $2",
        )
        .bind(id)
        .bind(attempt)
        .bind(until)
        .execute(&mut *c)
        .await?
        .rows_affected();
        sqlx::query("DELETE FROM outbox_attempts WHERE outbox_id = $1 AND attempt = $2")
            .bind(id)
            .bind(attempt)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Messages waiting to be sent (not sent, not given up).
pub async fn backlog(db: &Db) -> StoreResult<i64> {
    Ok(on_conn!(db, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL")
            .fetch_one(&mut *c)
            .await?
    }))
}

/// How a channel has been doing, for administrators.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelStatus {
    /// The last attempt that succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// The last attempt that failed, and why.
    pub last_error_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Messages waiting to be sent (or sent again).
    pub waiting: i64,
}

/// The channel's last success, last error and backlog.
pub async fn channel_status(db: &Db, channel: &str) -> StoreResult<ChannelStatus> {
    Ok(on_conn!(db, c => {
        let last_success: Option<DateTime<Utc>> = sqlx::query_scalar(
            "SELECT a.finished_at FROM outbox_attempts a JOIN outbox o ON o.id = a.outbox_id
             WHERE o.channel = $1 AND a.finished_at IS NOT NULL AND a.error IS NULL
             ORDER BY a.finished_at DESC LIMIT 1",
        )
        .bind(channel)
        .fetch_optional(&mut *c)
        .await?;
        let last_error: Option<(DateTime<Utc>, String)> = sqlx::query_as(
            "SELECT a.finished_at, a.error FROM outbox_attempts a JOIN outbox o ON o.id = a.outbox_id
             WHERE o.channel = $1 AND a.finished_at IS NOT NULL AND a.error IS NOT NULL
             ORDER BY a.finished_at DESC LIMIT 1",
        )
        .bind(channel)
        .fetch_optional(&mut *c)
        .await?;
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM outbox WHERE channel = $1 AND sent_at IS NULL AND failed_at IS NULL",
        )
        .bind(channel)
        .fetch_one(&mut *c)
        .await?;
        let (last_error_at, last_error) = last_error.map_or((None, None), |(at, e)| (Some(at), Some(e)));
        ChannelStatus { last_success, last_error_at, last_error, waiting }
    }))
}

/// One message's state, for administrators and tests.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxState {
    pub id: Uuid,
    pub channel: String,
    pub dedup_key: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub failed_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct StateRow {
    id: Uuid,
    channel: String,
    dedup_key: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
    sent_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
}

/// The newest messages, newest first.
pub async fn recent(db: &Db, limit: i64) -> StoreResult<Vec<OutboxState>> {
    let rows: Vec<StateRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, channel, dedup_key, attempts, last_error, created_at, sent_at, failed_at
             FROM outbox ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| OutboxState {
            id: r.id,
            channel: r.channel,
            dedup_key: r.dedup_key,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: r.created_at,
            sent_at: r.sent_at,
            failed_at: r.failed_at,
        })
        .collect())
}

/// How many attempts of a message never reported back (interrupted).
pub async fn unfinished_attempts(db: &Db, id: Uuid) -> StoreResult<i64> {
    Ok(on_conn!(db, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox_attempts WHERE outbox_id = $1 AND finished_at IS NULL")
            .bind(id)
            .fetch_one(&mut *c)
            .await?
    }))
}
