//! What categories ask before done (`category_requirements`), the items
//! ticked on tickets (`ticket_checks`), and whether a ticket was signed.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::completion::Requirements;
use domovoy_domain::ids::{ClassifierId, TicketId, UserId};

use crate::db::{Db, Source, WriteTx, fetch_all_built};
use crate::error::StoreResult;

#[derive(sqlx::FromRow)]
struct RequirementsRow {
    category_id: Uuid,
    items: Json<Vec<String>>,
    signature_required: bool,
}

impl From<RequirementsRow> for (ClassifierId, Requirements) {
    fn from(row: RequirementsRow) -> Self {
        (
            ClassifierId::from_uuid(row.category_id),
            Requirements { items: row.items.0, signature: row.signature_required },
        )
    }
}

/// What the category asks, if anything.
pub async fn requirements<'a>(source: impl Into<Source<'a>>, category: ClassifierId) -> StoreResult<Requirements> {
    let row: Option<RequirementsRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT category_id, items, signature_required FROM category_requirements WHERE category_id = $1",
        )
        .bind(category.as_uuid())
        .fetch_optional(&mut *c)
        .await?
    });
    Ok(row.map(|r| <(ClassifierId, Requirements)>::from(r).1).unwrap_or_default())
}

/// Every category that asks something.
pub async fn all(db: &Db) -> StoreResult<HashMap<ClassifierId, Requirements>> {
    let rows: Vec<RequirementsRow> = on_conn!(db, c => {
        sqlx::query_as("SELECT category_id, items, signature_required FROM category_requirements")
            .fetch_all(&mut *c)
            .await?
    });
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Sets what the category asks (nothing removes the row).
pub async fn set(tx: &mut WriteTx, category: ClassifierId, asked: &Requirements) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM category_requirements WHERE category_id = $1")
            .bind(category.as_uuid())
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    if asked.is_empty() {
        return Ok(());
    }
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO category_requirements (category_id, items, signature_required, updated_at)
             VALUES ($1, $2, $3, $4)",
        )
        .bind(category.as_uuid())
        .bind(Json(&asked.items))
        .bind(asked.signature)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// An item ticked on a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    pub ticket_id: TicketId,
    pub item: String,
    pub checked_by: Option<UserId>,
    pub checked_at: DateTime<Utc>,
}

#[derive(sea_query::Iden)]
enum TicketChecks {
    Table,
    TicketId,
    Item,
    CheckedBy,
    CheckedAt,
}

/// The items ticked on these tickets, in the order they were ticked.
pub async fn ticks<'a>(source: impl Into<Source<'a>>, ids: &[TicketId]) -> StoreResult<Vec<Tick>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = Query::select();
    select
        .columns([TicketChecks::TicketId, TicketChecks::Item, TicketChecks::CheckedBy, TicketChecks::CheckedAt])
        .from(TicketChecks::Table)
        .and_where(Expr::col(TicketChecks::TicketId).is_in(ids.iter().map(|id| id.as_uuid())))
        .order_by(TicketChecks::CheckedAt, Order::Asc);
    let rows: Vec<(Uuid, String, Option<Uuid>, DateTime<Utc>)> = fetch_all_built(source, &select).await?;
    Ok(rows
        .into_iter()
        .map(|(ticket, item, by, at)| Tick {
            ticket_id: TicketId::from_uuid(ticket),
            item,
            checked_by: by.map(UserId::from_uuid),
            checked_at: at,
        })
        .collect())
}

/// Ticks an item (again: nothing changes) or unticks it. Returns whether
/// anything changed.
pub async fn tick(
    tx: &mut WriteTx,
    ticket: TicketId,
    item: &str,
    by: Option<UserId>,
    checked: bool,
) -> StoreResult<bool> {
    let now = tx.now();
    let changed = if checked {
        on_conn!(tx, c => {
            sqlx::query(
                "INSERT INTO ticket_checks (ticket_id, item, checked_by, checked_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (ticket_id, item) DO NOTHING",
            )
            .bind(ticket.as_uuid())
            .bind(item)
            .bind(by.map(|u| u.as_uuid()))
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
        })
    } else {
        on_conn!(tx, c => {
            sqlx::query("DELETE FROM ticket_checks WHERE ticket_id = $1 AND item = $2")
                .bind(ticket.as_uuid())
                .bind(item)
                .execute(&mut *c)
                .await?
                .rows_affected()
        })
    };
    Ok(changed > 0)
}

/// Those of these tickets whose resident's signature was taken: attached,
/// or announced by the phone with its bytes still on the way.
pub async fn signed<'a>(source: impl Into<Source<'a>>, ids: &[TicketId]) -> StoreResult<HashSet<TicketId>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
    let mut attached = Query::select();
    attached
        .column(Attachments::TicketId)
        .from(Attachments::Table)
        .and_where(Expr::col(Attachments::TicketId).is_in(ids.clone()))
        .and_where(Expr::col(Attachments::PhotoStage).eq("signature"));
    let mut coming = Query::select();
    coming
        .column(PhotoUploads::TicketId)
        .from(PhotoUploads::Table)
        .and_where(Expr::col(PhotoUploads::TicketId).is_in(ids))
        .and_where(Expr::col(PhotoUploads::Stage).eq("signature"));
    attached.union(sea_query::UnionType::All, coming);
    let rows: Vec<(Uuid,)> = fetch_all_built(source, &attached).await?;
    Ok(rows.into_iter().map(|(id,)| TicketId::from_uuid(id)).collect())
}

#[derive(sea_query::Iden)]
enum Attachments {
    Table,
    TicketId,
    PhotoStage,
}

#[derive(sea_query::Iden)]
enum PhotoUploads {
    Table,
    TicketId,
    Stage,
}
