//! One-time sign-in codes sent by SMS: a row per phone number asked for.
//! The rules (how long a code lives, how many a number gets, when wrong
//! tries lock it) are the application's; this keeps the counts, and makes
//! the two changes that race safe on their own: a right code is taken by
//! one sign-in only, and wrong tries are counted without losing any.

use chrono::{DateTime, Utc};

use crate::db::WriteTx;
use crate::error::StoreResult;

/// A number's state.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CodeRow {
    pub phone: String,
    /// The current code's hash; none once it is used or locked away.
    pub code_hash: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    /// Wrong tries of the current code.
    pub wrong: i64,
    pub sent_at: Option<DateTime<Utc>>,
    pub window_started_at: DateTime<Utc>,
    /// Codes sent since `window_started_at`.
    pub sent_in_window: i64,
    pub locked_until: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "phone, code_hash, expires_at, wrong, sent_at, window_started_at, sent_in_window, locked_until";

/// The number's row, made (with an empty window from `now`) when it was
/// never asked for, and held by this transaction until it ends: a second
/// request for the same number waits and then reads what this one wrote.
pub async fn hold(tx: &mut WriteTx, phone: &str, now: DateTime<Utc>) -> StoreResult<CodeRow> {
    let sql = format!(
        "INSERT INTO sign_in_codes (phone, window_started_at) VALUES ($1, $2)
         ON CONFLICT (phone) DO UPDATE SET phone = excluded.phone
         RETURNING {COLUMNS}"
    );
    Ok(on_conn!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(phone).bind(now).fetch_one(&mut *c).await?
    }))
}

/// Writes the number's row whole (a new code, a new window, a lock).
pub async fn put(tx: &mut WriteTx, row: &CodeRow) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO sign_in_codes (phone, code_hash, expires_at, wrong, sent_at, window_started_at, sent_in_window, locked_until)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at,
                 wrong = excluded.wrong, sent_at = excluded.sent_at, window_started_at = excluded.window_started_at,
                 sent_in_window = excluded.sent_in_window, locked_until = excluded.locked_until",
        )
        .bind(&row.phone)
        .bind(row.code_hash.as_deref())
        .bind(row.expires_at)
        .bind(row.wrong)
        .bind(row.sent_at)
        .bind(row.window_started_at)
        .bind(row.sent_in_window)
        .bind(row.locked_until)
        .execute(&mut *c)
        .await?;
    });
    Ok(())
}

/// Takes the code `code_hash` of `phone` if it is still current at `now`:
/// answers whether this call took it (a second sign-in with the same code
/// finds it gone).
pub async fn take(tx: &mut WriteTx, phone: &str, code_hash: &str, now: DateTime<Utc>) -> StoreResult<bool> {
    let taken = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE sign_in_codes SET code_hash = NULL, expires_at = NULL, wrong = 0
             WHERE phone = $1 AND code_hash = $2 AND expires_at > $3 AND (locked_until IS NULL OR locked_until <= $3)",
        )
        .bind(phone)
        .bind(code_hash)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(taken == 1)
}

/// Counts a wrong try of the number's current code; answers the count.
pub async fn count_wrong(tx: &mut WriteTx, phone: &str) -> StoreResult<i64> {
    Ok(on_conn!(tx, c => {
        sqlx::query_scalar("UPDATE sign_in_codes SET wrong = wrong + 1 WHERE phone = $1 RETURNING wrong")
            .bind(phone)
            .fetch_optional(&mut *c)
            .await?
            .unwrap_or(0)
    }))
}

/// Locks the number until `until`; its code is dropped.
pub async fn lock(tx: &mut WriteTx, phone: &str, until: DateTime<Utc>) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query("UPDATE sign_in_codes SET locked_until = $2, code_hash = NULL, expires_at = NULL, wrong = 0 WHERE phone = $1")
            .bind(phone)
            .bind(until)
            .execute(&mut *c)
            .await?;
    });
    Ok(())
}

/// Forgets numbers with nothing left to count at `now`: no send since
/// `before`, no lock in force. Answers how many.
pub async fn forget_before(tx: &mut WriteTx, before: DateTime<Utc>, now: DateTime<Utc>) -> StoreResult<u64> {
    Ok(on_conn!(tx, c => {
        sqlx::query(
            "DELETE FROM sign_in_codes
             WHERE window_started_at < $1 AND (sent_at IS NULL OR sent_at < $1) AND (locked_until IS NULL OR locked_until <= $2)",
        )
        .bind(before)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    }))
}
