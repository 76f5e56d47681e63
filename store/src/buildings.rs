//! Buildings.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::building::{Address, Building, BuildingDraft, BuildingName, TimeZone};
use domovoy_domain::ids::BuildingId;

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};

#[derive(sqlx::FromRow)]
struct BuildingRow {
    id: Uuid,
    name: String,
    address: String,
    kind: String,
    time_zone: String,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<BuildingRow> for Building {
    type Error = StoreError;

    fn try_from(row: BuildingRow) -> StoreResult<Self> {
        Ok(Building {
            id: BuildingId::from_uuid(row.id),
            name: BuildingName::from_stored(row.name),
            address: Address::from_stored(row.address),
            kind: decode("buildings.kind", &row.kind, str::parse)?,
            time_zone: decode("buildings.time_zone", &row.time_zone, TimeZone::parse)?,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

async fn name_taken(tx: &mut WriteTx, name: &BuildingName, except: Option<BuildingId>) -> StoreResult<bool> {
    let id: Option<Uuid> = on_conn!(tx, c => {
        sqlx::query_scalar("SELECT id FROM buildings WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(id.is_some_and(|id| Some(BuildingId::from_uuid(id)) != except))
}

/// Creates a building; a name already in use is refused on `name`.
pub async fn insert(tx: &mut WriteTx, draft: &BuildingDraft) -> StoreResult<Building> {
    if name_taken(tx, &draft.name, None).await? {
        return Err(StoreError::invalid("name", FieldError::Taken));
    }
    let id = BuildingId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO buildings (id, name, address, kind, time_zone, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.as_uuid())
        .bind(draft.name.as_str())
        .bind(draft.address.as_str())
        .bind(draft.kind.code())
        .bind(draft.time_zone.name())
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

/// Changes a building's card.
pub async fn update(tx: &mut WriteTx, id: BuildingId, draft: &BuildingDraft) -> StoreResult<Building> {
    if name_taken(tx, &draft.name, Some(id)).await? {
        return Err(StoreError::invalid("name", FieldError::Taken));
    }
    let now = tx.now();
    let done = on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE buildings SET name = $2, address = $3, kind = $4, time_zone = $5, updated_at = $6 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(draft.name.as_str())
            .bind(draft.address.as_str())
            .bind(draft.kind.code())
            .bind(draft.time_zone.name())
            .bind(now)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    crate::users::expect_one(done)?;
    get(tx, id).await
}

/// The building with `id`.
pub async fn get<'a>(source: impl Into<Source<'a>>, id: BuildingId) -> StoreResult<Building> {
    let row: BuildingRow = on_conn!(source, c => {
        sqlx::query_as("SELECT id, name, address, kind, time_zone, created_at, updated_at FROM buildings WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

/// Every building, by name. The company has a few dozen; no paging needed.
pub async fn list<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Building>> {
    let rows: Vec<BuildingRow> = on_conn!(source, c => {
        sqlx::query_as("SELECT id, name, address, kind, time_zone, created_at, updated_at FROM buildings ORDER BY name")
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Building::try_from).collect()
}
