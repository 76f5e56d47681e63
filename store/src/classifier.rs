//! The ticket classifier.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::classifier::{ClassifierKind, SEED};
use domovoy_domain::ids::ClassifierId;

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};

/// One item of the classifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClassifierItem {
    pub id: ClassifierId,
    pub kind: ClassifierKind,
    pub parent_id: Option<ClassifierId>,
    pub code: String,
    pub name: String,
    pub sort_order: i64,
    pub active: bool,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: Uuid,
    kind: String,
    parent_id: Option<Uuid>,
    code: String,
    name: String,
    sort_order: i64,
    active: bool,
    #[allow(dead_code)] // Selected for order stability; not shown.
    created_at: DateTime<Utc>,
}

impl TryFrom<ItemRow> for ClassifierItem {
    type Error = StoreError;

    fn try_from(row: ItemRow) -> StoreResult<Self> {
        Ok(Self {
            id: ClassifierId::from_uuid(row.id),
            kind: decode("classifier_items.kind", &row.kind, str::parse)?,
            parent_id: row.parent_id.map(ClassifierId::from_uuid),
            code: row.code,
            name: row.name,
            sort_order: row.sort_order,
            active: row.active,
        })
    }
}

/// Every item (active or not), by kind, order and name.
pub async fn list<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<ClassifierItem>> {
    let rows: Vec<ItemRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT id, kind, parent_id, code, name, sort_order, active, created_at FROM classifier_items
             ORDER BY kind, sort_order, name",
        )
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter().map(ClassifierItem::try_from).collect()
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: ClassifierId) -> StoreResult<ClassifierItem> {
    let row: ItemRow = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT id, kind, parent_id, code, name, sort_order, active, created_at FROM classifier_items WHERE id = $1",
        )
        .bind(id.as_uuid())
        .fetch_one(&mut *c)
        .await?
    });
    row.try_into()
}

pub async fn find_by_code<'a>(source: impl Into<Source<'a>>, code: &str) -> StoreResult<Option<ClassifierId>> {
    let id: Option<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM classifier_items WHERE code = $1").bind(code).fetch_optional(&mut *c).await?
    });
    Ok(id.map(ClassifierId::from_uuid))
}

/// A new item.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub kind: ClassifierKind,
    pub parent_id: Option<ClassifierId>,
    pub code: String,
    pub name: String,
    pub sort_order: i64,
}

pub async fn insert(tx: &mut WriteTx, new: &NewItem) -> StoreResult<ClassifierItem> {
    if find_by_code(&mut *tx, &new.code).await?.is_some() {
        return Err(StoreError::invalid("code", FieldError::Taken));
    }
    if new.kind == ClassifierKind::Problem {
        let parent = match new.parent_id {
            Some(parent) => {
                get(&mut *tx, parent).await.map_err(|_| StoreError::invalid("parent_id", FieldError::Unknown))?
            }
            None => return Err(StoreError::invalid("parent_id", FieldError::Required)),
        };
        if parent.kind != ClassifierKind::Category {
            return Err(StoreError::invalid("parent_id", FieldError::NotAllowed));
        }
    }
    let id = ClassifierId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO classifier_items (id, kind, parent_id, code, name, sort_order, active, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id.as_uuid())
        .bind(new.kind.code())
        .bind(new.parent_id.map(|p| p.as_uuid()))
        .bind(&new.code)
        .bind(&new.name)
        .bind(new.sort_order)
        .bind(true)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

/// Renames, reorders or switches an item on or off.
pub async fn update(
    tx: &mut WriteTx,
    id: ClassifierId,
    name: &str,
    sort_order: i64,
    active: bool,
) -> StoreResult<ClassifierItem> {
    let done = on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE classifier_items SET name = $2, sort_order = $3, active = $4 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(name)
            .bind(sort_order)
            .bind(active)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    crate::users::expect_one(done)?;
    get(tx, id).await
}

/// Creates the seeded classifier if the table is empty (a fresh install).
pub async fn ensure_seed(tx: &mut WriteTx) -> StoreResult<usize> {
    let count: i64 = on_conn!(&mut *tx, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM classifier_items").fetch_one(&mut *c).await?
    });
    if count > 0 {
        return Ok(0);
    }
    let mut ids = std::collections::HashMap::new();
    for (order, item) in (0i64..).zip(SEED) {
        let parent_id = item.parent.and_then(|code| ids.get(code).copied());
        let new = NewItem {
            kind: item.kind,
            parent_id,
            code: item.code.to_owned(),
            name: item.name.to_owned(),
            sort_order: order,
        };
        let created = insert(tx, &new).await?;
        ids.insert(item.code, created.id);
    }
    Ok(SEED.len())
}
