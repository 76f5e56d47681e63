//! Saved board filters, per user.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::ids::UserId;

use crate::db::{Db, WriteTx};
use crate::error::{StoreError, StoreResult};
use crate::users::expect_one;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct SavedFilter {
    pub id: Uuid,
    pub name: String,
    /// The board's query string.
    pub query: String,
    pub created_at: DateTime<Utc>,
}

pub async fn list(db: &Db, user: UserId) -> StoreResult<Vec<SavedFilter>> {
    Ok(on_conn!(db, c => {
        sqlx::query_as("SELECT id, name, query, created_at FROM saved_filters WHERE user_id = $1 ORDER BY name")
            .bind(user.as_uuid())
            .fetch_all(&mut *c)
            .await?
    }))
}

/// Saves a filter under `name`, replacing one of the same name.
pub async fn save(tx: &mut WriteTx, user: UserId, name: &str, query: &str) -> StoreResult<SavedFilter> {
    let name = name.trim();
    if name.is_empty() {
        return Err(StoreError::invalid("name", FieldError::Required));
    }
    if name.chars().count() > 80 {
        return Err(StoreError::invalid("name", FieldError::TooLong { max: 80 }));
    }
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query("DELETE FROM saved_filters WHERE user_id = $1 AND name = $2")
            .bind(user.as_uuid())
            .bind(name)
            .execute(&mut *c)
            .await?
            .rows_affected();
        sqlx::query("INSERT INTO saved_filters (id, user_id, name, query, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(Uuid::now_v7())
            .bind(user.as_uuid())
            .bind(name)
            .bind(query)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    let saved: SavedFilter = on_conn!(tx, c => {
        sqlx::query_as("SELECT id, name, query, created_at FROM saved_filters WHERE user_id = $1 AND name = $2")
            .bind(user.as_uuid())
            .bind(name)
            .fetch_one(&mut *c)
            .await?
    });
    Ok(saved)
}

pub async fn delete(tx: &mut WriteTx, user: UserId, id: Uuid) -> StoreResult<()> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM saved_filters WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user.as_uuid())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    expect_one(done)
}
