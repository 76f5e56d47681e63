//! The audit log: who changed what, when, from which state to which.
//!
//! Entries are written in the same transaction as the change they describe,
//! so the log never claims a change that did not happen, nor misses one
//! that did.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::audit::AuditAction;
use domovoy_domain::ids::{AuditId, BuildingId, UserId};

use crate::db::{Db, WriteTx, fetch_all_built};
use crate::error::{StoreResult, decode};

/// Who is acting, from where: attached to every audited change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// The account, or `None` for the system itself (migrations, the demo,
    /// the command line).
    pub user_id: Option<UserId>,
    /// The login as it was, or a label such as `system` or `cli`.
    pub login: String,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl Actor {
    /// A change made by the product itself or an operator's command.
    pub fn system(label: &str) -> Self {
        Self { user_id: None, login: label.to_owned(), ip: None, request_id: None }
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: AuditAction,
    pub entity_id: Option<String>,
    pub building: Option<BuildingId>,
    /// A short human line ("Иванов И.И. получил роль «Диспетчер»").
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub actor: &'a Actor,
}

impl<'a> Change<'a> {
    pub fn new(actor: &'a Actor, action: AuditAction, entity_id: impl std::fmt::Display) -> Self {
        Self {
            action,
            entity_id: Some(entity_id.to_string()),
            building: None,
            summary: String::new(),
            before: None,
            after: None,
            actor,
        }
    }

    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = summary.into();
        self
    }

    pub fn building(mut self, building: Option<BuildingId>) -> Self {
        self.building = building;
        self
    }

    pub fn before(mut self, state: &impl Serialize) -> Self {
        self.before = serde_json::to_value(state).ok();
        self
    }

    pub fn after(mut self, state: &impl Serialize) -> Self {
        self.after = serde_json::to_value(state).ok();
        self
    }
}

/// Records `change` in the transaction that makes it.
pub async fn record(tx: &mut WriteTx, change: Change<'_>) -> StoreResult<AuditId> {
    let id = AuditId::new();
    let at = tx.now();
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, actor_login, action, entity_kind, entity_id, building_id,
                                    summary, before_state, after_state, ip, request_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(id.as_uuid())
        .bind(at)
        .bind(change.actor.user_id.map(|u| u.as_uuid()))
        .bind(&change.actor.login)
        .bind(change.action.code())
        .bind(change.action.entity())
        .bind(&change.entity_id)
        .bind(change.building.map(|b| b.as_uuid()))
        .bind(&change.summary)
        .bind(change.before.as_ref().map(Json))
        .bind(change.after.as_ref().map(Json))
        .bind(&change.actor.ip)
        .bind(&change.actor.request_id)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(id)
}

/// One entry as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub id: AuditId,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor_login: String,
    pub action: AuditAction,
    pub entity_kind: String,
    pub entity_id: Option<String>,
    pub building_id: Option<BuildingId>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_login: String,
    action: String,
    entity_kind: String,
    entity_id: Option<String>,
    building_id: Option<Uuid>,
    summary: String,
    before_state: Option<Json<serde_json::Value>>,
    after_state: Option<Json<serde_json::Value>>,
    ip: Option<String>,
    request_id: Option<String>,
}

impl TryFrom<AuditRow> for AuditEntry {
    type Error = crate::error::StoreError;

    fn try_from(row: AuditRow) -> StoreResult<Self> {
        Ok(Self {
            id: AuditId::from_uuid(row.id),
            at: row.at,
            actor_id: row.actor_id.map(UserId::from_uuid),
            actor_login: row.actor_login,
            action: decode("audit_log.action", &row.action, str::parse)?,
            entity_kind: row.entity_kind,
            entity_id: row.entity_id,
            building_id: row.building_id.map(BuildingId::from_uuid),
            summary: row.summary,
            before: row.before_state.map(|j| j.0),
            after: row.after_state.map(|j| j.0),
            ip: row.ip,
            request_id: row.request_id,
        })
    }
}

/// Which buildings' entries a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditScope {
    /// Everything, including entries about no building.
    Everything,
    /// Only entries about these buildings.
    Buildings(Vec<BuildingId>),
}

/// A filter over the audit log; every field narrows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditQuery {
    pub scope: AuditScope,
    pub actor: Option<UserId>,
    pub action: Option<AuditAction>,
    pub entity_kind: Option<String>,
    pub entity_id: Option<String>,
    pub building: Option<BuildingId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Entries older than this id (the previous page's `next_cursor`).
    pub before: Option<AuditId>,
    pub limit: u32,
}

impl AuditQuery {
    pub fn everything(limit: u32) -> Self {
        Self {
            scope: AuditScope::Everything,
            actor: None,
            action: None,
            entity_kind: None,
            entity_id: None,
            building: None,
            from: None,
            until: None,
            before: None,
            limit,
        }
    }
}

/// A page of entries, newest first, and the cursor of the next page.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub next_cursor: Option<AuditId>,
}

#[derive(sea_query::Iden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorId,
    ActorLogin,
    Action,
    EntityKind,
    EntityId,
    BuildingId,
    Summary,
    BeforeState,
    AfterState,
    Ip,
    RequestId,
}

/// Reads one page of the log, newest first.
pub async fn list(db: &Db, query: &AuditQuery) -> StoreResult<AuditPage> {
    let limit = query.limit.clamp(1, 1000);
    let mut select = Query::select();
    select
        .columns([
            AuditLog::Id,
            AuditLog::At,
            AuditLog::ActorId,
            AuditLog::ActorLogin,
            AuditLog::Action,
            AuditLog::EntityKind,
            AuditLog::EntityId,
            AuditLog::BuildingId,
            AuditLog::Summary,
            AuditLog::BeforeState,
            AuditLog::AfterState,
            AuditLog::Ip,
            AuditLog::RequestId,
        ])
        .from(AuditLog::Table)
        .order_by(AuditLog::Id, Order::Desc)
        // One extra row tells whether another page follows.
        .limit(u64::from(limit) + 1);
    if let AuditScope::Buildings(ids) = &query.scope {
        select.and_where(Expr::col(AuditLog::BuildingId).is_in(ids.iter().map(|b| b.as_uuid())));
    }
    if let Some(actor) = query.actor {
        select.and_where(Expr::col(AuditLog::ActorId).eq(actor.as_uuid()));
    }
    if let Some(action) = query.action {
        select.and_where(Expr::col(AuditLog::Action).eq(action.code()));
    }
    if let Some(kind) = &query.entity_kind {
        select.and_where(Expr::col(AuditLog::EntityKind).eq(kind.as_str()));
    }
    if let Some(entity) = &query.entity_id {
        select.and_where(Expr::col(AuditLog::EntityId).eq(entity.as_str()));
    }
    if let Some(building) = query.building {
        select.and_where(Expr::col(AuditLog::BuildingId).eq(building.as_uuid()));
    }
    if let Some(from) = query.from {
        select.and_where(Expr::col(AuditLog::At).gte(from));
    }
    if let Some(until) = query.until {
        select.and_where(Expr::col(AuditLog::At).lt(until));
    }
    if let Some(before) = query.before {
        select.and_where(Expr::col(AuditLog::Id).lt(before.as_uuid()));
    }
    let mut rows: Vec<AuditRow> = fetch_all_built(db, &select).await?;
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let entries: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::try_from).collect::<StoreResult<_>>()?;
    let next_cursor = if more { entries.last().map(|e| e.id) } else { None };
    Ok(AuditPage { entries, next_cursor })
}
