//! Idempotency keys of client-originated writes (Stripe's semantics).
//!
//! The first request with a key stores its answer; a retry with the same
//! key and the same body gets that answer again and creates nothing; the
//! same key with another body is refused. The key row is inserted first in
//! the request's transaction, so concurrent requests with one key wait on it
//! and then see the first one's answer.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::ids::UserId;

use crate::db::WriteTx;
use crate::error::StoreResult;

/// What a key already holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Nothing: this request is the first; it now owns the key.
    First,
    /// The first request's answer, to replay.
    Answer { status: u16, body: serde_json::Value },
    /// The key was used for a different request.
    Mismatch,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    request_hash: Vec<u8>,
    status: i64,
    response: Option<Json<serde_json::Value>>,
}

/// Claims `key` for this request, or returns what it already holds.
pub async fn begin(tx: &mut WriteTx, user: UserId, key: &str, request_hash: &[u8]) -> StoreResult<Recorded> {
    let now = tx.now();
    let inserted = on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO idempotency_keys (user_id, key, request_hash, status, response, created_at)
             VALUES ($1, $2, $3, 0, NULL, $4) ON CONFLICT (user_id, key) DO NOTHING",
        )
        .bind(user.as_uuid())
        .bind(key)
        .bind(request_hash)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    if inserted == 1 {
        return Ok(Recorded::First);
    }
    let row: KeyRow = on_conn!(tx, c => {
        sqlx::query_as("SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND key = $2")
            .bind(user.as_uuid())
            .bind(key)
            .fetch_one(&mut *c)
            .await?
    });
    if row.request_hash != request_hash {
        return Ok(Recorded::Mismatch);
    }
    Ok(match (u16::try_from(row.status).ok().filter(|s| *s > 0), row.response) {
        (Some(status), Some(body)) => Recorded::Answer { status, body: body.0 },
        // Seen but unanswered can only be a request that failed and rolled
        // back its row; it is not visible here. Treat as the first.
        _ => Recorded::First,
    })
}

/// Records the first request's answer, to be stored with the transaction's
/// last statement (on PostgreSQL the one that stores its events); a write
/// that fails after this stores nothing.
pub fn finish(tx: &mut WriteTx, user: UserId, key: &str, status: u16, body: &serde_json::Value) {
    tx.answer(Answer { user, key: key.to_owned(), status, body: body.clone() });
}

/// A key's answer waiting for the end of its transaction.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub user: UserId,
    pub key: String,
    pub status: u16,
    pub body: serde_json::Value,
}

/// Stores an answer: `$1` user, `$2` key, `$3` status, `$4` body, numbered
/// from `$(after + 1)` (so the statement can be part of a bigger one).
pub(crate) fn store_answer_sql(after: usize) -> String {
    format!(
        "UPDATE idempotency_keys SET status = ${}, response = ${} WHERE user_id = ${} AND key = ${}",
        after + 3,
        after + 4,
        after + 1,
        after + 2
    )
}

/// Stores an answer by itself.
pub(crate) async fn store_answer(tx: &mut WriteTx, answer: &Answer) -> StoreResult<()> {
    static SQL: LazyLock<String> = LazyLock::new(|| store_answer_sql(0));
    on_conn!(tx, c => {
        // Only placeholders are generated; every value is bound.
        sqlx::query(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(answer.user.as_uuid())
            .bind(&answer.key)
            .bind(i64::from(answer.status))
            .bind(Json(&answer.body))
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// Deletes keys older than `cutoff`; returns how many.
pub async fn prune(tx: &mut WriteTx, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    Ok(on_conn!(tx, c => {
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1").bind(cutoff).execute(&mut *c).await?.rows_affected()
    }))
}

/// A key's owner and key, for messages (not secret).
pub fn describe(user: UserId, key: &str) -> String {
    format!("{}/{key}", Uuid::from(user))
}
