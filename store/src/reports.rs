//! What the reports count: one lean row per ticket ("fact") in a window,
//! with the filters every report shares. The counting itself (shares,
//! medians, percentiles in working time) is done by `app::reports` in Rust,
//! the same way on both backends.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait};
use uuid::Uuid;

use domovoy_domain::ids::{BuildingId, ClassifierId, SlaPolicyId, TeamId, TicketId, UserId};
use domovoy_domain::sla::SlaState;
use domovoy_domain::ticket::{Priority, TicketNumber, TicketSource, TicketStatus};

use crate::db::{Source, WriteTx, fetch_all_built};
use crate::error::{StoreResult, decode};
use crate::tickets::{AssigneeFilter, TicketQuery};

/// The filters every report shares (besides the period).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportScope {
    /// `None`: every building.
    pub buildings: Option<Vec<BuildingId>>,
    pub category: Option<ClassifierId>,
    pub priority: Option<Priority>,
    pub source: Option<TicketSource>,
    pub team: Option<TeamId>,
    pub assignee: Option<AssigneeFilter>,
}

/// Which tickets a report reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Filed in `[from, to)`.
    Created(DateTime<Utc>, DateTime<Utc>),
    /// Resolved (done, rejected or cancelled) in `[from, to)`.
    Resolved(DateTime<Utc>, DateTime<Utc>),
    /// Open now, however old.
    Open,
}

/// One ticket as the reports see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketFact {
    pub id: TicketId,
    pub number: TicketNumber,
    pub building_id: BuildingId,
    pub category_id: Option<ClassifierId>,
    pub priority: Priority,
    pub source: TicketSource,
    pub status: TicketStatus,
    pub assignee_id: Option<UserId>,
    pub team_id: Option<TeamId>,
    pub created_at: DateTime<Utc>,
    pub responded_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub sla_policy_id: Option<SlaPolicyId>,
    pub sla_state: SlaState,
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    /// Working minutes the resolution clock used, pauses excluded.
    pub sla_used_minutes: i64,
    pub rating: Option<u8>,
    pub rating_comment: Option<String>,
    /// Times the ticket was reopened (kept by a trigger, migration 0019).
    pub reopen_count: i64,
}

#[derive(sqlx::FromRow)]
struct FactRow {
    id: Uuid,
    year: i64,
    seq: i64,
    building_id: Uuid,
    category_id: Option<Uuid>,
    priority: String,
    source: String,
    status: String,
    assignee_id: Option<Uuid>,
    team_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    responded_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    sla_policy_id: Option<Uuid>,
    sla_state: String,
    response_due: Option<DateTime<Utc>>,
    resolution_due: Option<DateTime<Utc>>,
    sla_used_minutes: i64,
    rating: Option<i64>,
    rating_comment: Option<String>,
    reopen_count: i64,
}

impl TryFrom<FactRow> for TicketFact {
    type Error = crate::error::StoreError;

    fn try_from(r: FactRow) -> StoreResult<Self> {
        Ok(Self {
            id: TicketId::from_uuid(r.id),
            number: TicketNumber { year: i32::try_from(r.year).unwrap_or_default(), seq: r.seq },
            building_id: BuildingId::from_uuid(r.building_id),
            category_id: r.category_id.map(ClassifierId::from_uuid),
            priority: decode("tickets.priority", &r.priority, str::parse)?,
            source: decode("tickets.source", &r.source, str::parse)?,
            status: decode("tickets.status", &r.status, str::parse)?,
            assignee_id: r.assignee_id.map(UserId::from_uuid),
            team_id: r.team_id.map(TeamId::from_uuid),
            created_at: r.created_at,
            responded_at: r.responded_at,
            resolved_at: r.resolved_at,
            closed_at: r.closed_at,
            sla_policy_id: r.sla_policy_id.map(SlaPolicyId::from_uuid),
            sla_state: decode("tickets.sla_state", &r.sla_state, str::parse)?,
            response_due: r.response_due,
            resolution_due: r.resolution_due,
            sla_used_minutes: r.sla_used_minutes,
            rating: r.rating.and_then(|r| u8::try_from(r).ok()),
            rating_comment: r.rating_comment,
            reopen_count: r.reopen_count,
        })
    }
}

#[derive(sea_query::Iden)]
enum Tickets {
    BuildingId,
    CreatedAt,
    ResolvedAt,
}

const FACT_COLUMNS: &str = "id, year, seq, building_id, category_id, priority, source, status, assignee_id, team_id, \
     created_at, responded_at, resolved_at, closed_at, sla_policy_id, sla_state, response_due, resolution_due, \
     sla_used_minutes, rating, rating_comment, reopen_count";

/// The tickets of `window` within `scope`, in no particular order; at
/// most `limit` (the caller says when that many came back: the report is
/// cut short).
pub async fn facts<'a>(
    source: impl Into<Source<'a>>,
    scope: &ReportScope,
    window: Window,
    limit: u64,
) -> StoreResult<Vec<TicketFact>> {
    let mut select = scoped(scope, window);
    select.expr(Expr::cust(FACT_COLUMNS)).limit(limit);
    let rows: Vec<FactRow> = fetch_all_built(source, &select).await?;
    rows.into_iter().map(TicketFact::try_from).collect()
}

/// When each ticket of `window` within `scope` was filed (`Created`) or
/// resolved (`Resolved`), with its building: all the backlog's "opened and
/// closed per day" needs, at a fraction of a whole row's cost.
pub async fn moments<'a>(
    source: impl Into<Source<'a>>,
    scope: &ReportScope,
    window: Window,
    limit: u64,
) -> StoreResult<Vec<(BuildingId, DateTime<Utc>)>> {
    let column = match window {
        Window::Resolved(..) => Tickets::ResolvedAt,
        Window::Created(..) | Window::Open => Tickets::CreatedAt,
    };
    let mut select = scoped(scope, window);
    select.column(Tickets::BuildingId).column(column).limit(limit);
    let rows: Vec<(Uuid, Option<DateTime<Utc>>)> = fetch_all_built(source, &select).await?;
    Ok(rows.into_iter().filter_map(|(b, at)| Some((BuildingId::from_uuid(b), at?))).collect())
}

/// The tickets of `window` within `scope`, in no particular order (the
/// counting groups them itself); the scope's filters are the board's.
fn scoped(scope: &ReportScope, window: Window) -> sea_query::SelectStatement {
    let query = TicketQuery {
        buildings: scope.buildings.clone(),
        category: scope.category,
        priority: scope.priority,
        source: scope.source,
        team: scope.team,
        assignee: scope.assignee,
        open_only: window == Window::Open,
        ..TicketQuery::default()
    };
    let mut select = crate::tickets::filtered(&query, false);
    match window {
        Window::Created(from, to) => {
            select.and_where(Expr::col(Tickets::CreatedAt).gte(from)).and_where(Expr::col(Tickets::CreatedAt).lt(to));
        }
        Window::Resolved(from, to) => {
            select.and_where(Expr::col(Tickets::ResolvedAt).gte(from)).and_where(Expr::col(Tickets::ResolvedAt).lt(to));
        }
        Window::Open => {}
    }
    select
}

/// Reopens counted from the tickets' history, for checking the kept
/// `reopen_count` against: ticket id and count, for every ticket reopened
/// at least once.
pub async fn reopens_from_history<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<(TicketId, i64)>> {
    let rows: Vec<(Uuid, String, sqlx::types::Json<serde_json::Value>)> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT ticket_id, kind, data FROM ticket_history WHERE kind IN ('status', 'rating') ORDER BY ticket_id",
        )
        .fetch_all(&mut *c)
        .await?
    });
    let mut counts: Vec<(TicketId, i64)> = Vec::new();
    for (ticket, kind, data) in rows {
        let field = if kind == "status" { "to" } else { "status" };
        if data.0.get(field).and_then(|v| v.as_str()) != Some(TicketStatus::Reopened.code()) {
            continue;
        }
        let ticket = TicketId::from_uuid(ticket);
        match counts.last_mut() {
            Some((last, n)) if *last == ticket => *n += 1,
            _ => counts.push((ticket, 1)),
        }
    }
    Ok(counts)
}

/// Sets every ticket's kept reopen count to what its history says (after a
/// manual edit, a partial restore, a trigger dropped by hand); answers how
/// many tickets were corrected.
pub async fn recount_reopens(tx: &mut WriteTx) -> StoreResult<u64> {
    let counted: std::collections::HashMap<TicketId, i64> = reopens_from_history(&mut *tx).await?.into_iter().collect();
    let kept: std::collections::HashMap<TicketId, i64> = kept_reopens(&mut *tx).await?.into_iter().collect();
    let mut wrong: Vec<(TicketId, i64)> =
        counted.iter().filter(|(id, n)| kept.get(id) != Some(n)).map(|(id, n)| (*id, *n)).collect();
    wrong.extend(kept.keys().filter(|id| !counted.contains_key(id)).map(|id| (*id, 0)));
    for (id, n) in &wrong {
        on_conn!(&mut *tx, c => {
            sqlx::query("UPDATE tickets SET reopen_count = $2 WHERE id = $1")
                .bind(id.as_uuid())
                .bind(*n)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
    }
    Ok(wrong.len() as u64)
}

/// The kept reopen counts (tickets reopened at least once).
pub async fn kept_reopens<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<(TicketId, i64)>> {
    let rows: Vec<(Uuid, i64)> = on_conn!(source, c => {
        sqlx::query_as("SELECT id, reopen_count FROM tickets WHERE reopen_count > 0 ORDER BY id")
            .fetch_all(&mut *c)
            .await?
    });
    Ok(rows.into_iter().map(|(id, n)| (TicketId::from_uuid(id), n)).collect())
}
