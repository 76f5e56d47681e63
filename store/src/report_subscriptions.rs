//! Scheduled reports: who gets which report by e-mail, how often, and when
//! the next letter is due.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::ids::UserId;
use domovoy_domain::report::{Cadence, ReportName};

use crate::db::{Db, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::users::expect_one;

/// How many subscriptions one person may keep (a letter each per period).
pub const MAX_PER_USER: i64 = 50;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: Uuid,
    pub user_id: UserId,
    pub report: ReportName,
    /// The report page's query string without the period.
    pub filters: String,
    pub cadence: Cadence,
    pub next_run_at: DateTime<Utc>,
    pub last_sent_at: Option<DateTime<Utc>>,
    /// The period of the last letter, `YYYY-MM-DD..YYYY-MM-DD`.
    pub last_period: Option<String>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    report: String,
    filters: String,
    cadence: String,
    next_run_at: DateTime<Utc>,
    last_sent_at: Option<DateTime<Utc>>,
    last_period: Option<String>,
    last_error: Option<String>,
    created_at: DateTime<Utc>,
}

impl TryFrom<Row> for Subscription {
    type Error = StoreError;

    fn try_from(row: Row) -> StoreResult<Self> {
        Ok(Self {
            id: row.id,
            user_id: UserId::from_uuid(row.user_id),
            report: decode("report_subscriptions.report", &row.report, str::parse)?,
            filters: row.filters,
            cadence: decode("report_subscriptions.cadence", &row.cadence, str::parse)?,
            next_run_at: row.next_run_at,
            last_sent_at: row.last_sent_at,
            last_period: row.last_period,
            last_error: row.last_error,
            created_at: row.created_at,
        })
    }
}

macro_rules! columns {
    () => {
        "id, user_id, report, filters, cadence, next_run_at, last_sent_at, last_period, last_error, created_at"
    };
}

/// A person's subscriptions, the newest first.
pub async fn for_user(db: &Db, user: UserId) -> StoreResult<Vec<Subscription>> {
    let sql =
        concat!("SELECT ", columns!(), " FROM report_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id");
    let rows: Vec<Row> = on_conn!(db, c => {
        sqlx::query_as(sql).bind(user.as_uuid()).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Subscription::try_from).collect()
}

/// Subscriptions due at `now`, the longest waiting first.
pub async fn due(db: &Db, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Subscription>> {
    let sql = concat!(
        "SELECT ",
        columns!(),
        " FROM report_subscriptions WHERE next_run_at <= $1 ORDER BY next_run_at, id LIMIT $2"
    );
    let rows: Vec<Row> = on_conn!(db, c => {
        sqlx::query_as(sql).bind(now).bind(limit).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Subscription::try_from).collect()
}

/// A new subscription; past [`MAX_PER_USER`] the report field is refused
/// as not allowed.
pub async fn insert(
    tx: &mut WriteTx,
    user: UserId,
    report: ReportName,
    filters: &str,
    cadence: Cadence,
    next_run_at: DateTime<Utc>,
) -> StoreResult<Subscription> {
    let now = tx.now();
    let id = Uuid::now_v7();
    let held: i64 = on_conn!(&mut *tx, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM report_subscriptions WHERE user_id = $1")
            .bind(user.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    if held >= MAX_PER_USER {
        return Err(StoreError::invalid("report", FieldError::NotAllowed));
    }
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO report_subscriptions (id, user_id, report, filters, cadence, next_run_at, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(user.as_uuid())
        .bind(report.code())
        .bind(filters)
        .bind(cadence.code())
        .bind(next_run_at)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(Subscription {
        id,
        user_id: user,
        report,
        filters: filters.to_owned(),
        cadence,
        next_run_at,
        last_sent_at: None,
        last_period: None,
        last_error: None,
        created_at: now,
    })
}

/// Deletes one of a person's subscriptions ([`StoreError::NotFound`] for
/// someone else's).
pub async fn delete(tx: &mut WriteTx, user: UserId, id: Uuid) -> StoreResult<()> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM report_subscriptions WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.as_uuid())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    expect_one(done)
}

/// What a due run came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// A letter for this period was queued.
    Sent { period: String },
    /// Nothing could be sent, and why.
    Skipped { error: String },
}

/// Moves a due subscription to its next run and records what this one came
/// to, only if it is still due at `expected` (another node that got there
/// first wins); answers whether this call moved it.
pub async fn advance(
    tx: &mut WriteTx,
    id: Uuid,
    expected: DateTime<Utc>,
    next_run_at: DateTime<Utc>,
    outcome: &RunOutcome,
) -> StoreResult<bool> {
    let now = tx.now();
    let done = on_conn!(tx, c => {
        match outcome {
            RunOutcome::Sent { period } => sqlx::query(
                "UPDATE report_subscriptions
                 SET next_run_at = $3, last_sent_at = $4, last_period = $5, last_error = NULL
                 WHERE id = $1 AND next_run_at = $2",
            )
            .bind(id)
            .bind(expected)
            .bind(next_run_at)
            .bind(now)
            .bind(period),
            RunOutcome::Skipped { error } => sqlx::query(
                "UPDATE report_subscriptions SET next_run_at = $3, last_error = $4
                 WHERE id = $1 AND next_run_at = $2",
            )
            .bind(id)
            .bind(expected)
            .bind(next_run_at)
            .bind(error),
        }
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(done == 1)
}
