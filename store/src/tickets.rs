//! Tickets: the record, its number, history, comments, watchers, pauses,
//! files, and the board's query.

use chrono::{DateTime, Utc};
use sea_query::{Expr, ExprTrait, LikeExpr, Order, Query, SelectStatement};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::contact::Phone;
use domovoy_domain::ids::{
    AttachmentId, BuildingId, ClassifierId, ClientId, CommentId, OutageId, SlaPolicyId, TeamId, TicketId, UnitId,
    UserId,
};
use domovoy_domain::sla::SlaState;
use domovoy_domain::text::fold;
use domovoy_domain::ticket::{
    Description, HistoryChange, HistoryEntry, HoldReason, PhotoStage, Priority, Rating, Ticket, TicketNumber,
    TicketParts, TicketSla, TicketSource, TicketStatus,
};

use crate::db::{Db, Source, WriteTx, fetch_all_built};
use crate::error::{StoreError, StoreResult, decode};
use crate::users::escape_like;

/// The number the next ticket of `year` gets.
///
/// On SQLite the single writer serialises the year's counter row. On
/// PostgreSQL the number comes from a sequence (`nextval - base`, the base
/// taken by the year's first ticket), so concurrent intakes never queue on
/// a counter row; a transaction that fails after numbering leaves a gap.
pub async fn next_number(tx: &mut WriteTx, year: i32) -> StoreResult<TicketNumber> {
    let seq = match tx.backend() {
        crate::Backend::Postgres => match pg_next(tx, year).await? {
            Some(seq) => seq,
            None => {
                open_year(tx, year).await?;
                pg_next(tx, year).await?.ok_or_else(|| StoreError::Corrupt(format!("no number base for {year}")))?
            }
        },
        crate::Backend::Sqlite => on_conn!(tx, c => {
            sqlx::query_scalar(
                "INSERT INTO ticket_counters (year, last_number) VALUES ($1, 1)
                 ON CONFLICT (year) DO UPDATE SET last_number = ticket_counters.last_number + 1
                 RETURNING last_number",
            )
            .bind(i64::from(year))
            .fetch_one(&mut *c)
            .await?
        }),
    };
    Ok(TicketNumber { year, seq })
}

/// PostgreSQL: the next number of `year`, or `None` before its first.
async fn pg_next(tx: &mut WriteTx, year: i32) -> StoreResult<Option<i64>> {
    Ok(on_conn!(tx, c => {
        sqlx::query_scalar("SELECT nextval('ticket_number_seq') - base FROM ticket_number_bases WHERE year = $1")
            .bind(i64::from(year))
            .fetch_optional(&mut *c)
            .await?
    }))
}

/// PostgreSQL: takes the base of `year`'s numbers, once. Two first tickets
/// of a year meet on the key: the second waits for the first and keeps its
/// base.
async fn open_year(tx: &mut WriteTx, year: i32) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO ticket_number_bases (year, base) VALUES ($1, nextval('ticket_number_seq'))
             ON CONFLICT (year) DO NOTHING",
        )
        .bind(i64::from(year))
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// What the board's text filter looks in, besides the number: folded
/// description, contact and location.
fn search_body(ticket: &Ticket) -> String {
    fold(&format!(
        "{} {} {} {}",
        ticket.description.as_str(),
        ticket.contact_name.as_deref().unwrap_or_default(),
        ticket.contact_phone.as_ref().map(Phone::e164).unwrap_or_default(),
        ticket.location.as_deref().unwrap_or_default()
    ))
}

fn search_text(ticket: &Ticket) -> String {
    format!("{} {}", ticket.number, search_body(ticket))
}

macro_rules! ticket_columns {
    () => {
        "id, year, seq, source, building_id, unit_id, client_id, contact_name, contact_phone, place_id, category_id, \
         problem_id, priority, description, status, hold_reason, end_reason, assignee_id, team_id, created_by, version, \
         created_at, updated_at, responded_at, resolved_at, closed_at, sla_policy_id, sla_state, response_due, \
         resolution_due, sla_next_change, sla_used_minutes, rating, rating_comment, rated_at, flagged, location, en_route_at"
    };
}

#[derive(sqlx::FromRow)]
struct TicketRow {
    id: Uuid,
    year: i64,
    seq: i64,
    source: String,
    building_id: Uuid,
    unit_id: Option<Uuid>,
    client_id: Option<Uuid>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    place_id: Option<Uuid>,
    category_id: Option<Uuid>,
    problem_id: Option<Uuid>,
    priority: String,
    description: String,
    status: String,
    hold_reason: Option<String>,
    end_reason: Option<String>,
    assignee_id: Option<Uuid>,
    team_id: Option<Uuid>,
    created_by: Option<Uuid>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    responded_at: Option<DateTime<Utc>>,
    resolved_at: Option<DateTime<Utc>>,
    closed_at: Option<DateTime<Utc>>,
    sla_policy_id: Option<Uuid>,
    sla_state: String,
    response_due: Option<DateTime<Utc>>,
    resolution_due: Option<DateTime<Utc>>,
    sla_next_change: Option<DateTime<Utc>>,
    sla_used_minutes: i64,
    rating: Option<i64>,
    rating_comment: Option<String>,
    rated_at: Option<DateTime<Utc>>,
    flagged: bool,
    location: Option<String>,
    en_route_at: Option<DateTime<Utc>>,
}

impl TryFrom<TicketRow> for Ticket {
    type Error = StoreError;

    fn try_from(row: TicketRow) -> StoreResult<Self> {
        Ok(Ticket::from_parts(TicketParts {
            id: TicketId::from_uuid(row.id),
            number: TicketNumber { year: i32::try_from(row.year).unwrap_or_default(), seq: row.seq },
            source: decode("tickets.source", &row.source, str::parse::<TicketSource>)?,
            building_id: BuildingId::from_uuid(row.building_id),
            unit_id: row.unit_id.map(UnitId::from_uuid),
            client_id: row.client_id.map(ClientId::from_uuid),
            contact_name: row.contact_name,
            contact_phone: row
                .contact_phone
                .as_deref()
                .map(|p| decode("tickets.contact_phone", p, Phone::parse))
                .transpose()?,
            location: row.location,
            place_id: row.place_id.map(ClassifierId::from_uuid),
            category_id: row.category_id.map(ClassifierId::from_uuid),
            problem_id: row.problem_id.map(ClassifierId::from_uuid),
            priority: decode("tickets.priority", &row.priority, str::parse::<Priority>)?,
            description: Description::from_stored(row.description),
            status: decode("tickets.status", &row.status, str::parse::<TicketStatus>)?,
            hold_reason: row
                .hold_reason
                .as_deref()
                .map(|h| decode("tickets.hold_reason", h, str::parse::<HoldReason>))
                .transpose()?,
            end_reason: row.end_reason,
            assignee_id: row.assignee_id.map(UserId::from_uuid),
            en_route_at: row.en_route_at,
            team_id: row.team_id.map(TeamId::from_uuid),
            created_by: row.created_by.map(UserId::from_uuid),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
            responded_at: row.responded_at,
            resolved_at: row.resolved_at,
            closed_at: row.closed_at,
            sla: TicketSla {
                policy_id: row.sla_policy_id.map(SlaPolicyId::from_uuid),
                state: decode("tickets.sla_state", &row.sla_state, str::parse::<SlaState>)?,
                response_due: row.response_due,
                resolution_due: row.resolution_due,
                next_change: row.sla_next_change,
                used_minutes: row.sla_used_minutes,
            },
            rating: row
                .rating
                .map(|r| Rating::parse(r).map_err(|e| StoreError::Corrupt(format!("tickets.rating = {r}: {e}"))))
                .transpose()?,
            rating_comment: row.rating_comment,
            rated_at: row.rated_at,
            flagged: row.flagged,
        }))
    }
}

/// Binds the columns a save may change, in this order: unit_id, client_id,
/// contact_name, contact_phone, place_id, category_id, problem_id, priority,
/// description, status, hold_reason, end_reason, assignee_id, team_id,
/// updated_at, responded_at, resolved_at, closed_at, sla_policy_id,
/// sla_state, response_due, resolution_due, sla_next_change,
/// sla_used_minutes, rating, rating_comment, rated_at, flagged, search_text,
/// location, en_route_at. A macro rather than a function: it binds on either backend's
/// query type.
macro_rules! bind_changeable {
    ($query:expr, $ticket:expr, $search:expr) => {{
        let ticket: &Ticket = $ticket;
        $query
            .bind(ticket.unit_id.map(|u| u.as_uuid()))
            .bind(ticket.client_id.map(|c| c.as_uuid()))
            .bind(&ticket.contact_name)
            .bind(ticket.contact_phone.as_ref().map(Phone::e164))
            .bind(ticket.place_id.map(|p| p.as_uuid()))
            .bind(ticket.category_id.map(|c| c.as_uuid()))
            .bind(ticket.problem_id.map(|p| p.as_uuid()))
            .bind(ticket.priority.code())
            .bind(ticket.description.as_str())
            .bind(ticket.status().code())
            .bind(ticket.hold_reason().map(HoldReason::code))
            .bind(ticket.end_reason())
            .bind(ticket.assignee_id().map(|u| u.as_uuid()))
            .bind(ticket.team_id.map(|t| t.as_uuid()))
            .bind(ticket.updated_at)
            .bind(ticket.responded_at())
            .bind(ticket.resolved_at())
            .bind(ticket.closed_at())
            .bind(ticket.sla.policy_id.map(|p| p.as_uuid()))
            .bind(ticket.sla.state.code())
            .bind(ticket.sla.response_due)
            .bind(ticket.sla.resolution_due)
            .bind(ticket.sla.next_change)
            .bind(ticket.sla.used_minutes)
            .bind(ticket.rating().map(|r| i64::from(r.value())))
            .bind(ticket.rating_comment())
            .bind(ticket.rated_at())
            .bind(ticket.flagged())
            .bind($search)
            .bind(&ticket.location)
            .bind(ticket.en_route_at())
    }};
}

/// The columns a new ticket is inserted with, in the order [`insert`]
/// binds them (`bind_changeable!` from `unit_id` on).
macro_rules! insert_columns {
    () => {
        "INSERT INTO tickets (id, year, seq, source, building_id, created_by, version, created_at,
                              unit_id, client_id, contact_name, contact_phone, place_id, category_id, problem_id,
                              priority, description, status, hold_reason, end_reason, assignee_id, team_id,
                              updated_at, responded_at, resolved_at, closed_at, sla_policy_id, sla_state,
                              response_due, resolution_due, sla_next_change, sla_used_minutes, rating,
                              rating_comment, rated_at, flagged, search_text, location, en_route_at)"
    };
}

/// Stores a new ticket under the next number of `ticket.number.year`
/// (see [`next_number`]), with its first history entry («created» by
/// `actor`), and sets `ticket.number` to it; everything else as the caller
/// built it. On PostgreSQL all of it is one statement.
pub async fn insert_numbered(tx: &mut WriteTx, ticket: &mut Ticket, actor: (Option<UserId>, &str)) -> StoreResult<()> {
    let year = ticket.number.year;
    let created = created_entry(ticket);
    if tx.backend() == crate::Backend::Sqlite {
        ticket.number = next_number(tx, year).await?;
        insert(tx, ticket).await?;
        return add_history_at(tx, ticket.id, ticket.created_at, actor, &created).await;
    }
    let seq = match pg_insert_numbered(tx, ticket, actor, &created).await? {
        Some(seq) => seq,
        None => {
            open_year(tx, year).await?;
            pg_insert_numbered(tx, ticket, actor, &created)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("no number base for {year}")))?
        }
    };
    ticket.number = TicketNumber { year, seq };
    Ok(())
}

/// What a new ticket's «created» history entry records.
fn created_entry(ticket: &Ticket) -> HistoryChange {
    HistoryChange::Created { status: ticket.status(), assignee_id: ticket.assignee_id(), source: ticket.source }
}

/// PostgreSQL: inserts `ticket` numbered from the sequence, its search
/// text starting with that number, and its «created» history entry; `None`
/// (nothing inserted) before the year's first number. Columns and binds as
/// in [`insert`], with `$3` (the number there) the year's text here; the
/// history entry's after them ($40 on).
async fn pg_insert_numbered(
    tx: &mut WriteTx,
    ticket: &Ticket,
    actor: (Option<UserId>, &str),
    created: &HistoryChange,
) -> StoreResult<Option<i64>> {
    let body = search_body(ticket);
    Ok(on_conn!(tx, c => {
        let query = sqlx::query_scalar(concat!(
            "WITH stored AS (",
            insert_columns!(),
            "
               SELECT $1, $2, n.seq, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                      $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36,
                      $3 || '-' || lpad(n.seq::text, GREATEST(6, length(n.seq::text)), '0') || ' ' || $37, $38, $39
               FROM (SELECT nextval('ticket_number_seq') - base AS seq FROM ticket_number_bases WHERE year = $2) n
               RETURNING id, seq),
             history AS (
               INSERT INTO ticket_history (id, ticket_id, at, actor_id, actor_name, kind, data, public)
               SELECT $40, stored.id, $8, $41, $42, 'created', $43, TRUE FROM stored)
             SELECT seq FROM stored"
        ))
        .bind(ticket.id.as_uuid())
        .bind(i64::from(ticket.number.year))
        .bind(ticket.number.year.to_string())
        .bind(ticket.source.code())
        .bind(ticket.building_id.as_uuid())
        .bind(ticket.created_by.map(|u| u.as_uuid()))
        .bind(ticket.version)
        .bind(ticket.created_at);
        bind_changeable!(query, ticket, &body)
            .bind(Uuid::now_v7())
            .bind(actor.0.map(|u| u.as_uuid()))
            .bind(actor.1)
            .bind(Json(created.data()))
            .fetch_optional(&mut *c)
            .await?
    }))
}

/// Stores a new ticket (number, SLA and all, as the caller built it).
pub async fn insert(tx: &mut WriteTx, ticket: &Ticket) -> StoreResult<()> {
    let search = search_text(ticket);
    on_conn!(tx, c => {
        let query = sqlx::query(concat!(
            insert_columns!(),
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                     $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32, $33, $34, $35, $36, $37, $38, $39)"
        ))
        .bind(ticket.id.as_uuid())
        .bind(i64::from(ticket.number.year))
        .bind(ticket.number.seq)
        .bind(ticket.source.code())
        .bind(ticket.building_id.as_uuid())
        .bind(ticket.created_by.map(|u| u.as_uuid()))
        .bind(ticket.version)
        .bind(ticket.created_at);
        bind_changeable!(query, ticket, &search).execute(&mut *c).await?.rows_affected()
    });
    Ok(())
}

/// Writes a changed ticket if nobody changed it since it was read
/// (`ticket.version` is the version read); returns the stored ticket with
/// its new version, or `Conflict` when someone was faster.
pub async fn save(tx: &mut WriteTx, ticket: &Ticket) -> StoreResult<Ticket> {
    let search = search_text(ticket);
    let done = on_conn!(&mut *tx, c => {
        let query = sqlx::query(
            "UPDATE tickets SET unit_id = $3, client_id = $4, contact_name = $5, contact_phone = $6, place_id = $7,
                    category_id = $8, problem_id = $9, priority = $10, description = $11, status = $12,
                    hold_reason = $13, end_reason = $14, assignee_id = $15, team_id = $16, version = version + 1,
                    updated_at = $17, responded_at = $18, resolved_at = $19, closed_at = $20, sla_policy_id = $21,
                    sla_state = $22, response_due = $23, resolution_due = $24, sla_next_change = $25,
                    sla_used_minutes = $26, rating = $27, rating_comment = $28, rated_at = $29, flagged = $30,
                    search_text = $31, location = $32, en_route_at = $33
             WHERE id = $1 AND version = $2",
        )
        .bind(ticket.id.as_uuid())
        .bind(ticket.version);
        bind_changeable!(query, ticket, &search).execute(&mut *c).await?.rows_affected()
    });
    if done == 0 {
        // Either gone or changed by someone else: tell them apart.
        get(&mut *tx, ticket.id).await?;
        return Err(StoreError::Conflict(format!("ticket {} changed since version {}", ticket.number, ticket.version)));
    }
    get(tx, ticket.id).await
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: TicketId) -> StoreResult<Ticket> {
    let row: TicketRow = on_conn!(source, c => {
        sqlx::query_as(concat!("SELECT ", ticket_columns!(), " FROM tickets WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

pub async fn find_by_number(db: &Db, number: TicketNumber) -> StoreResult<Option<Ticket>> {
    let row: Option<TicketRow> = on_conn!(db, c => {
        sqlx::query_as(concat!("SELECT ", ticket_columns!(), " FROM tickets WHERE year = $1 AND seq = $2"))
            .bind(i64::from(number.year))
            .bind(number.seq)
            .fetch_optional(&mut *c)
            .await?
    });
    row.map(Ticket::try_from).transpose()
}

/// Whether `user` created a ticket with this exact description since
/// `since` (the anti-flood rule for residents).
pub async fn has_identical(
    tx: &mut WriteTx,
    user: UserId,
    description: &str,
    since: DateTime<Utc>,
) -> StoreResult<bool> {
    let found: Option<Uuid> = on_conn!(tx, c => {
        sqlx::query_scalar(
            "SELECT id FROM tickets WHERE created_by = $1 AND created_at >= $2 AND description = $3 LIMIT 1",
        )
        .bind(user.as_uuid())
        .bind(since)
        .bind(description)
        .fetch_optional(&mut *c)
        .await?
    });
    Ok(found.is_some())
}

/// Tickets a user created since `since` (the per-resident rate rule).
pub async fn count_created_since(tx: &mut WriteTx, user: UserId, since: DateTime<Utc>) -> StoreResult<i64> {
    Ok(on_conn!(tx, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM tickets WHERE created_by = $1 AND created_at >= $2")
            .bind(user.as_uuid())
            .bind(since)
            .fetch_one(&mut *c)
            .await?
    }))
}

/// Done tickets resolved before `cutoff`, oldest first, at most `limit`:
/// what auto-close works through in batches (the oldest never starve
/// behind a page of recent ones).
pub async fn done_before<'a>(
    source: impl Into<Source<'a>>,
    cutoff: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<TicketId>> {
    let source: Source<'a> = source.into();
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT id FROM tickets WHERE status = 'done' AND resolved_at < $1 ORDER BY resolved_at, id LIMIT $2",
        )
        .bind(cutoff)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(ids.into_iter().map(TicketId::from_uuid).collect())
}

/// Who is assigned: nobody, or someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssigneeFilter {
    Nobody,
    User(UserId),
}

/// The board's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    /// Open tickets first; among them breached, then warnings, then by due
    /// time, emergencies first.
    #[default]
    Urgency,
    Newest,
    Oldest,
}

/// Where the next page starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cursor {
    /// Tickets older than this one (newest-first order).
    Before(TicketId),
    /// Skip this many (other orders).
    Offset(u64),
}

/// As text in URLs: `b<uuid>` or `o<offset>`.
impl std::fmt::Display for Cursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Before(id) => write!(f, "b{}", id.as_uuid().simple()),
            Self::Offset(n) => write!(f, "o{n}"),
        }
    }
}

impl std::str::FromStr for Cursor {
    type Err = domovoy_domain::FieldError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = domovoy_domain::FieldError::InvalidFormat;
        match text.split_at_checked(1) {
            Some(("b", id)) => id.parse::<Uuid>().map(|u| Self::Before(TicketId::from_uuid(u))).map_err(|_| invalid),
            Some(("o", n)) => n.parse::<u64>().map(Self::Offset).map_err(|_| invalid),
            _ => Err(invalid),
        }
    }
}

/// A filter over tickets; every field narrows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketQuery {
    /// `None`: every building.
    pub buildings: Option<Vec<BuildingId>>,
    /// Only tickets this resident account created.
    pub created_by: Option<UserId>,
    /// Only tickets of this client.
    pub client: Option<ClientId>,
    /// Only tickets about this unit.
    pub unit: Option<UnitId>,
    /// Only tickets linked to this outage.
    pub outage: Option<OutageId>,
    pub statuses: Vec<TicketStatus>,
    pub open_only: bool,
    pub category: Option<ClassifierId>,
    pub priority: Option<Priority>,
    pub assignee: Option<AssigneeFilter>,
    pub team: Option<TeamId>,
    pub source: Option<TicketSource>,
    pub sla_state: Option<SlaState>,
    pub text: Option<String>,
    pub flagged: Option<bool>,
    pub sort: TicketSort,
    pub cursor: Option<Cursor>,
    pub limit: u32,
}

/// A page of tickets and where the next starts.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketPage {
    pub items: Vec<Ticket>,
    pub next: Option<Cursor>,
}

#[derive(sea_query::Iden)]
enum OutageTickets {
    Table,
    OutageId,
    TicketId,
}

#[derive(sea_query::Iden)]
enum Tickets {
    Table,
    Id,
    BuildingId,
    CreatedBy,
    ClientId,
    UnitId,
    Year,
    Seq,
    Status,
    CategoryId,
    Priority,
    AssigneeId,
    TeamId,
    Source,
    SlaState,
    SearchText,
    Flagged,
    ResolutionDue,
    CreatedAt,
}

pub(crate) fn filtered(query: &TicketQuery, with_status: bool) -> SelectStatement {
    let mut select = Query::select();
    select.from(Tickets::Table);
    if let Some(buildings) = &query.buildings {
        select.and_where(Expr::col(Tickets::BuildingId).is_in(buildings.iter().map(|b| b.as_uuid())));
    }
    if let Some(owner) = query.created_by {
        select.and_where(Expr::col(Tickets::CreatedBy).eq(owner.as_uuid()));
    }
    if let Some(client) = query.client {
        select.and_where(Expr::col(Tickets::ClientId).eq(client.as_uuid()));
    }
    if let Some(unit) = query.unit {
        select.and_where(Expr::col(Tickets::UnitId).eq(unit.as_uuid()));
    }
    if let Some(outage) = query.outage {
        select.and_where(
            Expr::col(Tickets::Id).in_subquery(
                Query::select()
                    .column(OutageTickets::TicketId)
                    .from(OutageTickets::Table)
                    .and_where(Expr::col(OutageTickets::OutageId).eq(outage.as_uuid()))
                    .to_owned(),
            ),
        );
    }
    if with_status && !query.statuses.is_empty() {
        select.and_where(Expr::col(Tickets::Status).is_in(query.statuses.iter().map(|s| s.code())));
    }
    if query.open_only {
        let open = TicketStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.code());
        select.and_where(Expr::col(Tickets::Status).is_in(open));
    }
    if let Some(category) = query.category {
        select.and_where(Expr::col(Tickets::CategoryId).eq(category.as_uuid()));
    }
    if let Some(priority) = query.priority {
        select.and_where(Expr::col(Tickets::Priority).eq(priority.code()));
    }
    match query.assignee {
        Some(AssigneeFilter::Nobody) => {
            select.and_where(Expr::col(Tickets::AssigneeId).is_null());
        }
        Some(AssigneeFilter::User(user)) => {
            select.and_where(Expr::col(Tickets::AssigneeId).eq(user.as_uuid()));
        }
        None => {}
    }
    if let Some(team) = query.team {
        select.and_where(Expr::col(Tickets::TeamId).eq(team.as_uuid()));
    }
    if let Some(source) = query.source {
        select.and_where(Expr::col(Tickets::Source).eq(source.code()));
    }
    if let Some(state) = query.sla_state {
        select.and_where(Expr::col(Tickets::SlaState).eq(state.code()));
    }
    if let Some(flagged) = query.flagged {
        select.and_where(Expr::col(Tickets::Flagged).eq(flagged));
    }
    if let Some(text) = query.text.as_deref().map(fold).filter(|t| !t.is_empty()) {
        for word in text.split(' ') {
            select.and_where(
                Expr::col(Tickets::SearchText).like(LikeExpr::new(format!("%{}%", escape_like(word))).escape('\\')),
            );
        }
    }
    select
}

/// One page of tickets matching `query`.
pub async fn list(db: &Db, query: &TicketQuery) -> StoreResult<TicketPage> {
    let limit = u64::from(query.limit.clamp(1, 500));
    let mut select = filtered(query, true);
    select.expr(Expr::cust(ticket_columns!()));
    match query.sort {
        TicketSort::Urgency => {
            // Open work first; among it, the clocks closest to breaking.
            let open: Vec<String> =
                TicketStatus::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.code())).collect();
            select
                .order_by_expr(
                    Expr::cust(format!("CASE WHEN status IN ({}) THEN 0 ELSE 1 END", open.join(", "))),
                    Order::Asc,
                )
                .order_by_expr(
                    Expr::cust(
                        "CASE sla_state WHEN 'breached' THEN 0 WHEN 'warning' THEN 1 WHEN 'active' THEN 2 \
                         WHEN 'paused' THEN 3 ELSE 4 END",
                    ),
                    Order::Asc,
                )
                .order_by_expr(
                    Expr::cust("CASE priority WHEN 'emergency' THEN 0 WHEN 'high' THEN 1 ELSE 2 END"),
                    Order::Asc,
                )
                .order_by_expr(Expr::cust("CASE WHEN resolution_due IS NULL THEN 1 ELSE 0 END"), Order::Asc)
                .order_by(Tickets::ResolutionDue, Order::Asc)
                .order_by(Tickets::CreatedAt, Order::Asc);
        }
        TicketSort::Newest => {
            select.order_by(Tickets::Id, Order::Desc);
        }
        TicketSort::Oldest => {
            select.order_by(Tickets::Id, Order::Asc);
        }
    }
    let offset = match query.cursor {
        Some(Cursor::Before(id)) => {
            select.and_where(Expr::col(Tickets::Id).lt(id.as_uuid()));
            0
        }
        Some(Cursor::Offset(n)) => n,
        None => 0,
    };
    select.limit(limit + 1).offset(offset);
    let mut rows: Vec<TicketRow> = fetch_all_built(db, &select).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let items: Vec<Ticket> = rows.into_iter().map(Ticket::try_from).collect::<StoreResult<_>>()?;
    let next = if !more {
        None
    } else if query.sort == TicketSort::Newest {
        items.last().map(|t| Cursor::Before(t.id))
    } else {
        Some(Cursor::Offset(offset + limit))
    };
    Ok(TicketPage { items, next })
}

/// How many tickets match `query` in each status (its status filter aside):
/// the board's column counters.
pub async fn count_by_status(db: &Db, query: &TicketQuery) -> StoreResult<Vec<(TicketStatus, i64)>> {
    let mut select = filtered(query, false);
    select.column(Tickets::Status).expr(Expr::cust("COUNT(*)")).group_by_col(Tickets::Status);
    let rows: Vec<(String, i64)> = fetch_all_built(db, &select).await?;
    rows.into_iter().map(|(status, count)| Ok((decode("tickets.status", &status, str::parse)?, count))).collect()
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    id: Uuid,
    at: DateTime<Utc>,
    actor_id: Option<Uuid>,
    actor_name: String,
    kind: String,
    data: Json<serde_json::Value>,
}

/// Records a change in a ticket's history, now, by `actor` (an account
/// and its name at the time, or no account and the system's label).
pub async fn add_history(
    tx: &mut WriteTx,
    ticket: TicketId,
    actor: (Option<UserId>, &str),
    change: &HistoryChange,
) -> StoreResult<()> {
    let now = tx.now();
    add_history_at(tx, ticket, now, actor, change).await
}

/// As [`add_history`], at a given time (imports, the demo's past).
pub async fn add_history_at(
    tx: &mut WriteTx,
    ticket: TicketId,
    now: DateTime<Utc>,
    actor: (Option<UserId>, &str),
    change: &HistoryChange,
) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO ticket_history (id, ticket_id, at, actor_id, actor_name, kind, data, public)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Uuid::now_v7())
        .bind(ticket.as_uuid())
        .bind(now)
        .bind(actor.0.map(|u| u.as_uuid()))
        .bind(actor.1)
        .bind(change.kind())
        .bind(Json(change.data()))
        .bind(change.is_public())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A ticket's history, oldest first; only public entries unless asked.
pub async fn history(db: &Db, ticket: TicketId, with_internal: bool) -> StoreResult<Vec<HistoryEntry>> {
    let rows: Vec<HistoryRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, at, actor_id, actor_name, kind, data FROM ticket_history
             WHERE ticket_id = $1 AND (public OR $2) ORDER BY id",
        )
        .bind(ticket.as_uuid())
        .bind(with_internal)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|r| {
            let change = HistoryChange::from_stored(&r.kind, r.data.0)
                .map_err(|e| StoreError::Corrupt(format!("ticket_history {} ({}): {e}", r.id, r.kind)))?;
            Ok(HistoryEntry {
                id: r.id,
                at: r.at,
                actor_id: r.actor_id.map(UserId::from_uuid),
                actor_name: r.actor_name,
                change,
            })
        })
        .collect()
}

/// A comment on a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub author_id: Option<UserId>,
    pub author_name: String,
    pub body: String,
    /// Seen by the resident; internal ones only by staff.
    pub public: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CommentRow {
    id: Uuid,
    author_id: Option<Uuid>,
    author_name: String,
    body: String,
    public: bool,
    created_at: DateTime<Utc>,
}

pub async fn add_comment(
    tx: &mut WriteTx,
    ticket: TicketId,
    author: (Option<UserId>, &str),
    body: &str,
    public: bool,
) -> StoreResult<Comment> {
    let now = tx.now();
    add_comment_at(tx, ticket, now, author, body, public).await
}

/// As [`add_comment`], at a given time (imports, the demo's past).
pub async fn add_comment_at(
    tx: &mut WriteTx,
    ticket: TicketId,
    now: DateTime<Utc>,
    author: (Option<UserId>, &str),
    body: &str,
    public: bool,
) -> StoreResult<Comment> {
    let id = CommentId::new();
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO ticket_comments (id, ticket_id, author_id, author_name, body, public, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.as_uuid())
        .bind(ticket.as_uuid())
        .bind(author.0.map(|u| u.as_uuid()))
        .bind(author.1)
        .bind(body)
        .bind(public)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(Comment {
        id,
        author_id: author.0,
        author_name: author.1.to_owned(),
        body: body.to_owned(),
        public,
        created_at: now,
    })
}

pub async fn comments(db: &Db, ticket: TicketId, with_internal: bool) -> StoreResult<Vec<Comment>> {
    let rows: Vec<CommentRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, author_id, author_name, body, public, created_at FROM ticket_comments
             WHERE ticket_id = $1 AND (public OR $2) ORDER BY id",
        )
        .bind(ticket.as_uuid())
        .bind(with_internal)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(rows
        .into_iter()
        .map(|r| Comment {
            id: CommentId::from_uuid(r.id),
            author_id: r.author_id.map(UserId::from_uuid),
            author_name: r.author_name,
            body: r.body,
            public: r.public,
            created_at: r.created_at,
        })
        .collect())
}

#[derive(sea_query::Iden)]
enum TicketComments {
    Table,
    Id,
    TicketId,
    AuthorId,
    AuthorName,
    Body,
    Public,
    CreatedAt,
}

/// The comments on `ids` added since `since` (all without it), oldest
/// first, each with its ticket: one query for a whole queue.
pub async fn comments_since(
    db: &Db,
    ids: &[TicketId],
    since: Option<DateTime<Utc>>,
    with_internal: bool,
) -> StoreResult<Vec<(TicketId, Comment)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = Query::select();
    select
        .columns([
            TicketComments::TicketId,
            TicketComments::Id,
            TicketComments::AuthorId,
            TicketComments::AuthorName,
            TicketComments::Body,
            TicketComments::Public,
            TicketComments::CreatedAt,
        ])
        .from(TicketComments::Table)
        .and_where(Expr::col(TicketComments::TicketId).is_in(ids.iter().map(|id| id.as_uuid())))
        .order_by(TicketComments::Id, Order::Asc);
    if let Some(since) = since {
        select.and_where(Expr::col(TicketComments::CreatedAt).gte(since));
    }
    if !with_internal {
        select.and_where(Expr::col(TicketComments::Public).eq(true));
    }
    type Row = (Uuid, Uuid, Option<Uuid>, String, String, bool, DateTime<Utc>);
    let rows: Vec<Row> = fetch_all_built(db, &select).await?;
    Ok(rows
        .into_iter()
        .map(|(ticket, id, author, author_name, body, public, created_at)| {
            let comment = Comment {
                id: CommentId::from_uuid(id),
                author_id: author.map(UserId::from_uuid),
                author_name,
                body,
                public,
                created_at,
            };
            (TicketId::from_uuid(ticket), comment)
        })
        .collect())
}

pub async fn watch(tx: &mut WriteTx, ticket: TicketId, user: UserId, on: bool) -> StoreResult<()> {
    on_conn!(tx, c => {
        if on {
            sqlx::query("INSERT INTO ticket_watchers (ticket_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(ticket.as_uuid())
                .bind(user.as_uuid())
                .execute(&mut *c)
                .await?
                .rows_affected()
        } else {
            sqlx::query("DELETE FROM ticket_watchers WHERE ticket_id = $1 AND user_id = $2")
                .bind(ticket.as_uuid())
                .bind(user.as_uuid())
                .execute(&mut *c)
                .await?
                .rows_affected()
        }
    });
    Ok(())
}

/// The watchers' ids and names.
pub async fn watchers<'a>(source: impl Into<Source<'a>>, ticket: TicketId) -> StoreResult<Vec<(UserId, String)>> {
    let rows: Vec<(Uuid, String)> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT u.id, u.display_name FROM ticket_watchers w JOIN users u ON u.id = w.user_id
             WHERE w.ticket_id = $1 ORDER BY u.display_name",
        )
        .bind(ticket.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    Ok(rows.into_iter().map(|(id, name)| (UserId::from_uuid(id), name)).collect())
}

/// The ticket's waiting-for-client intervals, in order.
pub async fn pauses<'a>(
    source: impl Into<Source<'a>>,
    ticket: TicketId,
) -> StoreResult<Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>> {
    Ok(on_conn!(source, c => {
        sqlx::query_as("SELECT started_at, ended_at FROM ticket_pauses WHERE ticket_id = $1 ORDER BY started_at")
            .bind(ticket.as_uuid())
            .fetch_all(&mut *c)
            .await?
    }))
}

pub async fn start_pause(tx: &mut WriteTx, ticket: TicketId) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query("INSERT INTO ticket_pauses (ticket_id, started_at) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(ticket.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn end_pause(tx: &mut WriteTx, ticket: TicketId) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(tx, c => {
        sqlx::query("UPDATE ticket_pauses SET ended_at = $2 WHERE ticket_id = $1 AND ended_at IS NULL")
            .bind(ticket.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

/// A file attached to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub id: Uuid,
    pub ticket_id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub has_thumbnail: bool,
    /// A photo from the staff app: before or after the work, or the
    /// resident's signature.
    pub stage: Option<PhotoStage>,
    /// What the photo says beside it (a signature: the signer's name).
    pub caption: Option<String>,
    /// Who sent it (nobody once their account is deleted).
    #[serde(skip)]
    pub uploaded_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AttachmentRow {
    id: Uuid,
    ticket_id: Uuid,
    file_name: String,
    content_type: String,
    size_bytes: i64,
    sha256: String,
    has_thumbnail: bool,
    photo_stage: Option<String>,
    caption: Option<String>,
    uploaded_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl TryFrom<AttachmentRow> for Attachment {
    type Error = StoreError;

    fn try_from(row: AttachmentRow) -> StoreResult<Self> {
        let stage = match row.photo_stage {
            Some(stage) => Some(decode("attachments.photo_stage", &stage, str::parse)?),
            None => None,
        };
        Ok(Self {
            id: row.id,
            ticket_id: row.ticket_id,
            file_name: row.file_name,
            content_type: row.content_type,
            size_bytes: row.size_bytes,
            sha256: row.sha256,
            has_thumbnail: row.has_thumbnail,
            stage,
            caption: row.caption,
            uploaded_by: row.uploaded_by.map(UserId::from_uuid),
            created_at: row.created_at,
        })
    }
}

macro_rules! attachment_columns {
    () => {
        "id, ticket_id, file_name, content_type, size_bytes, sha256, has_thumbnail, photo_stage, caption, \
         uploaded_by, created_at"
    };
}

#[derive(sea_query::Iden)]
enum Attachments {
    Table,
    Id,
    TicketId,
    FileName,
    ContentType,
    SizeBytes,
    Sha256,
    HasThumbnail,
    PhotoStage,
    Caption,
    UploadedBy,
    CreatedAt,
}

pub async fn add_attachment(tx: &mut WriteTx, attachment: &Attachment) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO attachments (id, ticket_id, file_name, content_type, size_bytes, sha256, has_thumbnail,
                                      photo_stage, caption, uploaded_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(attachment.id)
        .bind(attachment.ticket_id)
        .bind(&attachment.file_name)
        .bind(&attachment.content_type)
        .bind(attachment.size_bytes)
        .bind(&attachment.sha256)
        .bind(attachment.has_thumbnail)
        .bind(attachment.stage.map(PhotoStage::code))
        .bind(&attachment.caption)
        .bind(attachment.uploaded_by.map(|u| u.as_uuid()))
        .bind(attachment.created_at)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

pub async fn attachments(db: &Db, ticket: TicketId) -> StoreResult<Vec<Attachment>> {
    let rows: Vec<AttachmentRow> = on_conn!(db, c => {
        sqlx::query_as(concat!("SELECT ", attachment_columns!(), " FROM attachments WHERE ticket_id = $1 ORDER BY id"))
            .bind(ticket.as_uuid())
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Attachment::try_from).collect()
}

/// The photos of these tickets, oldest first (for the staff app).
pub async fn photos_of(db: &Db, ids: &[TicketId]) -> StoreResult<Vec<Attachment>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = Query::select();
    select
        .columns([
            Attachments::Id,
            Attachments::TicketId,
            Attachments::FileName,
            Attachments::ContentType,
            Attachments::SizeBytes,
            Attachments::Sha256,
            Attachments::HasThumbnail,
            Attachments::PhotoStage,
            Attachments::Caption,
            Attachments::UploadedBy,
            Attachments::CreatedAt,
        ])
        .from(Attachments::Table)
        .and_where(Expr::col(Attachments::TicketId).is_in(ids.iter().map(|id| id.as_uuid())))
        .and_where(Expr::col(Attachments::PhotoStage).is_not_null())
        .order_by(Attachments::Id, Order::Asc);
    let rows: Vec<AttachmentRow> = fetch_all_built(db, &select).await?;
    rows.into_iter().map(Attachment::try_from).collect()
}

pub async fn attachment<'a>(source: impl Into<Source<'a>>, id: AttachmentId) -> StoreResult<Attachment> {
    let row: AttachmentRow = on_conn!(source, c => {
        sqlx::query_as(concat!("SELECT ", attachment_columns!(), " FROM attachments WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

/// A photo the staff app announced and whose bytes are still coming.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoUpload {
    pub id: Uuid,
    pub ticket_id: TicketId,
    pub user_id: UserId,
    pub stage: PhotoStage,
    /// A signature: the signer's name.
    pub caption: Option<String>,
    pub size_bytes: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PhotoUploadRow {
    id: Uuid,
    ticket_id: Uuid,
    user_id: Uuid,
    stage: String,
    caption: Option<String>,
    size_bytes: i64,
    created_at: DateTime<Utc>,
}

/// Records an announced photo; announcing the same id again changes nothing.
pub async fn announce_photo(tx: &mut WriteTx, photo: &PhotoUpload) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query(
            "INSERT INTO photo_uploads (id, ticket_id, user_id, stage, caption, size_bytes, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
        )
        .bind(photo.id)
        .bind(photo.ticket_id.as_uuid())
        .bind(photo.user_id.as_uuid())
        .bind(photo.stage.code())
        .bind(&photo.caption)
        .bind(photo.size_bytes)
        .bind(photo.created_at)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// The announced photo with this id, if its bytes are still coming.
pub async fn photo_upload<'a>(source: impl Into<Source<'a>>, id: Uuid) -> StoreResult<Option<PhotoUpload>> {
    let row: Option<PhotoUploadRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT id, ticket_id, user_id, stage, caption, size_bytes, created_at FROM photo_uploads WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
    });
    row.map(|row| {
        Ok(PhotoUpload {
            id: row.id,
            ticket_id: TicketId::from_uuid(row.ticket_id),
            user_id: UserId::from_uuid(row.user_id),
            stage: decode("photo_uploads.stage", &row.stage, str::parse)?,
            caption: row.caption,
            size_bytes: row.size_bytes,
            created_at: row.created_at,
        })
    })
    .transpose()
}

/// Forgets an announced photo (its bytes arrived, or it was given up).
pub async fn remove_photo_upload(tx: &mut WriteTx, id: Uuid) -> StoreResult<bool> {
    let removed = on_conn!(tx, c => {
        sqlx::query("DELETE FROM photo_uploads WHERE id = $1").bind(id).execute(&mut *c).await?.rows_affected()
    });
    Ok(removed > 0)
}

/// Announced photos whose bytes did not arrive before `before`.
pub async fn stale_photo_uploads(db: &Db, before: DateTime<Utc>, limit: i64) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_conn!(db, c => {
        sqlx::query_as("SELECT id FROM photo_uploads WHERE created_at < $1 ORDER BY created_at LIMIT $2")
            .bind(before)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
    });
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Tickets whose SLA state changes by itself before `until`, soonest first.
pub async fn sla_due(db: &Db, until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<(TicketId, DateTime<Utc>)>> {
    let rows: Vec<(Uuid, DateTime<Utc>)> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, sla_next_change FROM tickets WHERE sla_next_change IS NOT NULL AND sla_next_change <= $1
             ORDER BY sla_next_change LIMIT $2",
        )
        .bind(until)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(rows.into_iter().map(|(id, at)| (TicketId::from_uuid(id), at)).collect())
}

/// An open ticket of a unit, as the chessboard shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitTicket {
    pub id: TicketId,
    pub unit_id: UnitId,
    pub number: TicketNumber,
    pub priority: Priority,
    pub sla_state: SlaState,
}

/// The open tickets that name a unit of the building.
pub async fn open_by_unit(db: &Db, building: BuildingId) -> StoreResult<Vec<UnitTicket>> {
    let open: Vec<&str> = TicketStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.code()).collect();
    let mut select = Query::select();
    select
        .columns([Tickets::Id, Tickets::UnitId, Tickets::Year, Tickets::Seq, Tickets::Priority, Tickets::SlaState])
        .from(Tickets::Table)
        .and_where(Expr::col(Tickets::BuildingId).eq(building.as_uuid()))
        .and_where(Expr::col(Tickets::UnitId).is_not_null())
        .and_where(Expr::col(Tickets::Status).is_in(open));
    let rows: Vec<(Uuid, Uuid, i64, i64, String, String)> = fetch_all_built(db, &select).await?;
    rows.into_iter()
        .map(|(id, unit, year, seq, priority, sla)| {
            Ok(UnitTicket {
                id: TicketId::from_uuid(id),
                unit_id: UnitId::from_uuid(unit),
                number: TicketNumber { year: year as i32, seq },
                priority: decode("tickets.priority", &priority, str::parse)?,
                sla_state: decode("tickets.sla_state", &sla, str::parse)?,
            })
        })
        .collect()
}

/// Open tickets with an SLA, for re-evaluating after a calendar change.
pub async fn count_open(db: &Db) -> StoreResult<i64> {
    let open: Vec<&str> = TicketStatus::ALL.iter().filter(|s| s.is_open()).map(|s| s.code()).collect();
    let mut select = Query::select();
    select.expr(Expr::cust("COUNT(*)")).from(Tickets::Table).and_where(Expr::col(Tickets::Status).is_in(open));
    let rows: Vec<(i64,)> = fetch_all_built(db, &select).await?;
    Ok(rows.first().map_or(0, |r| r.0))
}

/// Records a finished or open waiting-for-client interval at given times
/// (imports, the demo's past).
pub async fn record_pause(
    tx: &mut WriteTx,
    ticket: TicketId,
    started: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query("INSERT INTO ticket_pauses (ticket_id, started_at, ended_at) VALUES ($1, $2, $3)")
            .bind(ticket.as_uuid())
            .bind(started)
            .bind(ended)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}
