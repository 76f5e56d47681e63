//! Outages: the registered cut-offs, the units each covered when it was
//! registered, and the tickets from those units linked to it (those open
//! then, and those filed while it is open).

use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::ids::{BuildingId, MailingId, OutageId, TicketId, UnitId, UserId};
use domovoy_domain::mailing::Audience;
use domovoy_domain::outage::{NewOutage, Outage, TIME_FORMAT};
use domovoy_domain::ticket::TicketStatus;

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::mailings::{audience_filter, audience_ids};

#[derive(sqlx::FromRow)]
struct OutageRow {
    id: Uuid,
    kind: String,
    details: String,
    audience: Json<Audience>,
    building_ids: Json<Vec<BuildingId>>,
    starts_at: String,
    ends_at: String,
    opened_by: Option<Uuid>,
    opened_at: DateTime<Utc>,
    notice_id: Option<Uuid>,
    closed_by: Option<Uuid>,
    closed_at: Option<DateTime<Utc>>,
    closing_notice_id: Option<Uuid>,
}

fn wall_clock(column: &'static str, text: &str) -> StoreResult<NaiveDateTime> {
    decode(column, text, |t| NaiveDateTime::parse_from_str(t, TIME_FORMAT))
}

impl TryFrom<OutageRow> for Outage {
    type Error = StoreError;

    fn try_from(row: OutageRow) -> StoreResult<Self> {
        Ok(Self {
            id: OutageId::from_uuid(row.id),
            kind: decode("outages.kind", &row.kind, str::parse)?,
            details: row.details,
            audience: row.audience.0,
            building_ids: row.building_ids.0,
            starts_at: wall_clock("outages.starts_at", &row.starts_at)?,
            ends_at: wall_clock("outages.ends_at", &row.ends_at)?,
            opened_by: row.opened_by.map(UserId::from_uuid),
            opened_at: row.opened_at,
            notice_id: row.notice_id.map(MailingId::from_uuid),
            closed_by: row.closed_by.map(UserId::from_uuid),
            closed_at: row.closed_at,
            closing_notice_id: row.closing_notice_id.map(MailingId::from_uuid),
        })
    }
}

const COLUMNS: &str = "o.id, o.kind, o.details, o.audience, o.building_ids, o.starts_at, o.ends_at, o.opened_by, o.opened_at, \
                       o.notice_id, o.closed_by, o.closed_at, o.closing_notice_id";

/// Open statuses as SQL literals (a closed set of codes).
fn open_statuses() -> String {
    TicketStatus::ALL.iter().filter(|s| s.is_open()).map(|s| format!("'{}'", s.code())).collect::<Vec<_>>().join(", ")
}

/// Registers an outage with its notice, selects the units its buildings
/// and sections hold now, and links their open tickets. Answers it with
/// the number of units and of tickets linked.
pub async fn insert(
    tx: &mut WriteTx,
    new: &NewOutage,
    building_ids: &[BuildingId],
    notice: MailingId,
    by: Option<UserId>,
) -> StoreResult<(Outage, i64, i64)> {
    let now = tx.now();
    let id = OutageId::new();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO outages (id, kind, details, audience, building_ids, starts_at, ends_at, opened_by, opened_at, notice_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id.as_uuid())
        .bind(new.kind.code())
        .bind(&new.details)
        .bind(Json(&new.audience))
        .bind(Json(building_ids))
        .bind(new.starts_at.format(TIME_FORMAT).to_string())
        .bind(new.ends_at.format(TIME_FORMAT).to_string())
        .bind(by.map(|u| u.as_uuid()))
        .bind(now)
        .bind(notice.as_uuid())
        .execute(&mut *c)
        .await?;
    });
    let units = match audience_filter(&new.audience) {
        Some(filter) => {
            let ids = audience_ids(&new.audience);
            let sql = format!(
                "INSERT INTO outage_units (outage_id, unit_id) SELECT ${}, u.id FROM units u WHERE {filter}",
                ids.len() + 1
            );
            on_conn!(&mut *tx, c => {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
                for id in &ids {
                    query = query.bind(*id);
                }
                query.bind(id.as_uuid()).execute(&mut *c).await?.rows_affected()
            })
        }
        None => 0,
    };
    let sql = format!(
        "INSERT INTO outage_tickets (outage_id, ticket_id, linked_at)
         SELECT $1, t.id, $2 FROM tickets t
         JOIN outage_units ou ON ou.unit_id = t.unit_id AND ou.outage_id = $1
         WHERE t.status IN ({})",
        open_statuses()
    );
    let tickets = on_conn!(&mut *tx, c => {
        sqlx::query(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).bind(now).execute(&mut *c).await?.rows_affected()
    });
    let outage = Outage {
        id,
        kind: new.kind,
        details: new.details.clone(),
        audience: new.audience.clone(),
        building_ids: building_ids.to_vec(),
        starts_at: new.starts_at,
        ends_at: new.ends_at,
        opened_by: by,
        opened_at: now,
        notice_id: Some(notice),
        closed_by: None,
        closed_at: None,
        closing_notice_id: None,
    };
    Ok((outage, count(units), count(tickets)))
}

fn count(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// Closes an open outage with its closing notice; answers false when it
/// was closed already (by someone else first).
pub async fn close(tx: &mut WriteTx, id: OutageId, notice: MailingId, by: UserId) -> StoreResult<bool> {
    let now = tx.now();
    let moved = on_conn!(tx, c => {
        sqlx::query(
            "UPDATE outages SET closed_at = $2, closed_by = $3, closing_notice_id = $4 WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(id.as_uuid())
        .bind(now)
        .bind(by.as_uuid())
        .bind(notice.as_uuid())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(moved == 1)
}

/// Links a ticket just filed for `unit` to the open outages covering it;
/// answers them.
pub async fn link_new_ticket(tx: &mut WriteTx, ticket: TicketId, unit: UnitId) -> StoreResult<Vec<OutageId>> {
    let now = tx.now();
    let ids: Vec<Uuid> = on_conn!(tx, c => {
        sqlx::query_scalar(
            "INSERT INTO outage_tickets (outage_id, ticket_id, linked_at)
             SELECT o.id, $1, $3 FROM outages o JOIN outage_units ou ON ou.outage_id = o.id
             WHERE ou.unit_id = $2 AND o.closed_at IS NULL
             ON CONFLICT DO NOTHING
             RETURNING outage_id",
        )
        .bind(ticket.as_uuid())
        .bind(unit.as_uuid())
        .bind(now)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(ids.into_iter().map(OutageId::from_uuid).collect())
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: OutageId) -> StoreResult<Outage> {
    let sql = format!("SELECT {COLUMNS} FROM outages o WHERE o.id = $1");
    let row: Option<OutageRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_optional(&mut *c).await?
    });
    row.ok_or(StoreError::NotFound)?.try_into()
}

/// Open outages (the newest first), then, unless `open_only`, closed ones,
/// the newest first; at most `limit`.
pub async fn list<'a>(source: impl Into<Source<'a>>, open_only: bool, limit: i64) -> StoreResult<Vec<Outage>> {
    let filter = if open_only { "WHERE o.closed_at IS NULL" } else { "" };
    let sql = format!(
        "SELECT {COLUMNS} FROM outages o {filter}
         ORDER BY CASE WHEN o.closed_at IS NULL THEN 0 ELSE 1 END, o.opened_at DESC, o.id DESC LIMIT $1"
    );
    let rows: Vec<OutageRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(limit).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Outage::try_from).collect()
}

/// The open outages covering each of `units`, as (unit, outage) pairs.
pub async fn open_for_units<'a>(source: impl Into<Source<'a>>, units: &[UnitId]) -> StoreResult<Vec<(UnitId, Outage)>> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT ou.unit_id, {COLUMNS} FROM outage_units ou JOIN outages o ON o.id = ou.outage_id
         WHERE o.closed_at IS NULL AND ou.unit_id IN ({})
         ORDER BY o.opened_at, o.id",
        crate::mailings::numbered(1, units.len())
    );
    #[derive(sqlx::FromRow)]
    struct Row {
        unit_id: Uuid,
        #[sqlx(flatten)]
        outage: OutageRow,
    }
    let rows: Vec<Row> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for unit in units {
            query = query.bind(unit.as_uuid());
        }
        query.fetch_all(&mut *c).await?
    });
    rows.into_iter().map(|row| Ok((UnitId::from_uuid(row.unit_id), row.outage.try_into()?))).collect()
}

/// How many units an outage covers.
pub async fn unit_count<'a>(source: impl Into<Source<'a>>, id: OutageId) -> StoreResult<i64> {
    Ok(on_conn!(source, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM outage_units WHERE outage_id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    }))
}

/// The outages a ticket is linked to, the newest first.
pub async fn of_ticket<'a>(source: impl Into<Source<'a>>, ticket: TicketId) -> StoreResult<Vec<Outage>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outage_tickets ot JOIN outages o ON o.id = ot.outage_id
         WHERE ot.ticket_id = $1 ORDER BY o.opened_at DESC, o.id DESC"
    );
    let rows: Vec<OutageRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(ticket.as_uuid()).fetch_all(&mut *c).await?
    });
    rows.into_iter().map(Outage::try_from).collect()
}
