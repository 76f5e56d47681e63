//! SLA policies and the production calendar.

use std::sync::LazyLock;

use chrono::{NaiveDate, NaiveTime};
use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::ids::{BuildingId, ClassifierId, SlaPolicyId};
use domovoy_domain::sla::{CalendarDay, DayKind, ProductionCalendar, Schedule, SlaTargets};
use domovoy_domain::ticket::Priority;

use crate::db::{Db, Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::users::expect_one;

/// A policy as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlaPolicy {
    pub id: SlaPolicyId,
    pub name: String,
    pub building_id: Option<BuildingId>,
    pub category_id: Option<ClassifierId>,
    pub priority: Option<Priority>,
    pub targets: SlaTargets,
    pub schedule: Schedule,
    pub template: Option<String>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct PolicyRow {
    pub id: Uuid,
    pub name: String,
    pub building_id: Option<Uuid>,
    pub category_id: Option<Uuid>,
    pub priority: Option<String>,
    pub response_minutes: Option<i64>,
    pub resolution_minutes: Option<i64>,
    pub around_the_clock: bool,
    pub work_start: String,
    pub work_end: String,
    pub warn_percent: i64,
    pub template: Option<String>,
}

fn time(column: &str, value: &str) -> StoreResult<NaiveTime> {
    decode(column, value, |v| NaiveTime::parse_from_str(v, "%H:%M"))
}

impl TryFrom<PolicyRow> for SlaPolicy {
    type Error = StoreError;

    fn try_from(row: PolicyRow) -> StoreResult<Self> {
        let schedule = if row.around_the_clock {
            Schedule::AroundTheClock
        } else {
            Schedule::WorkingHours {
                start: time("sla_policies.work_start", &row.work_start)?,
                end: time("sla_policies.work_end", &row.work_end)?,
            }
        };
        Ok(Self {
            id: SlaPolicyId::from_uuid(row.id),
            name: row.name,
            building_id: row.building_id.map(BuildingId::from_uuid),
            category_id: row.category_id.map(ClassifierId::from_uuid),
            priority: row.priority.as_deref().map(|p| decode("sla_policies.priority", p, str::parse)).transpose()?,
            targets: SlaTargets {
                response_minutes: row.response_minutes,
                resolution_minutes: row.resolution_minutes,
                warn_percent: u8::try_from(row.warn_percent).unwrap_or(75),
            },
            schedule,
            template: row.template,
        })
    }
}

macro_rules! policy_columns {
    () => {
        "id, name, building_id, category_id, priority, response_minutes, resolution_minutes, around_the_clock, \
         work_start, work_end, warn_percent, template"
    };
}

/// A policy to create or replace.
#[derive(Debug, Clone)]
pub struct PolicyDraft {
    pub name: String,
    pub building_id: Option<BuildingId>,
    pub category_id: Option<ClassifierId>,
    pub priority: Option<Priority>,
    pub targets: SlaTargets,
    pub schedule: Schedule,
    pub template: Option<String>,
}

fn schedule_columns(schedule: Schedule) -> (bool, String, String) {
    match schedule {
        Schedule::AroundTheClock => (true, "09:00".to_owned(), "18:00".to_owned()),
        Schedule::WorkingHours { start, end } => {
            (false, start.format("%H:%M").to_string(), end.format("%H:%M").to_string())
        }
    }
}

pub async fn insert(tx: &mut WriteTx, draft: &PolicyDraft) -> StoreResult<SlaPolicy> {
    let id = SlaPolicyId::new();
    let now = tx.now();
    let (around, start, end) = schedule_columns(draft.schedule);
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO sla_policies (id, name, building_id, category_id, priority, response_minutes, resolution_minutes,
                                       around_the_clock, work_start, work_end, warn_percent, template, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
        )
        .bind(id.as_uuid())
        .bind(&draft.name)
        .bind(draft.building_id.map(|b| b.as_uuid()))
        .bind(draft.category_id.map(|c| c.as_uuid()))
        .bind(draft.priority.map(Priority::code))
        .bind(draft.targets.response_minutes)
        .bind(draft.targets.resolution_minutes)
        .bind(around)
        .bind(start)
        .bind(end)
        .bind(i64::from(draft.targets.warn_percent))
        .bind(&draft.template)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

pub async fn update(tx: &mut WriteTx, id: SlaPolicyId, draft: &PolicyDraft) -> StoreResult<SlaPolicy> {
    let now = tx.now();
    let (around, start, end) = schedule_columns(draft.schedule);
    let done = on_conn!(&mut *tx, c => {
        sqlx::query(
            "UPDATE sla_policies SET name = $2, building_id = $3, category_id = $4, priority = $5, response_minutes = $6,
                    resolution_minutes = $7, around_the_clock = $8, work_start = $9, work_end = $10, warn_percent = $11,
                    updated_at = $12
             WHERE id = $1",
        )
        .bind(id.as_uuid())
        .bind(&draft.name)
        .bind(draft.building_id.map(|b| b.as_uuid()))
        .bind(draft.category_id.map(|c| c.as_uuid()))
        .bind(draft.priority.map(Priority::code))
        .bind(draft.targets.response_minutes)
        .bind(draft.targets.resolution_minutes)
        .bind(around)
        .bind(start)
        .bind(end)
        .bind(i64::from(draft.targets.warn_percent))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    expect_one(done)?;
    get(tx, id).await
}

pub async fn delete(tx: &mut WriteTx, id: SlaPolicyId) -> StoreResult<SlaPolicy> {
    let policy = get(&mut *tx, id).await?;
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM sla_policies WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?.rows_affected()
    });
    Ok(policy)
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: SlaPolicyId) -> StoreResult<SlaPolicy> {
    let row: PolicyRow = on_conn!(source, c => {
        sqlx::query_as(concat!("SELECT ", policy_columns!(), " FROM sla_policies WHERE id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

pub async fn list<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<SlaPolicy>> {
    let rows: Vec<PolicyRow> = on_conn!(source, c => {
        sqlx::query_as(concat!("SELECT ", policy_columns!(), " FROM sla_policies ORDER BY name"))
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(SlaPolicy::try_from).collect()
}

/// The id of the most specific policy for a ticket, `$1` its building, `$2`
/// its category, `$3` its priority: a building's own beats the company's, a
/// category's beats any category's, a priority's beats any.
pub(crate) const MATCHING_POLICY: &str = "SELECT id FROM sla_policies
     WHERE (building_id = $1 OR building_id IS NULL)
       AND (category_id = $2 OR category_id IS NULL)
       AND (priority = $3 OR priority IS NULL)
     ORDER BY CASE WHEN building_id IS NULL THEN 1 ELSE 0 END,
              CASE WHEN category_id IS NULL THEN 1 ELSE 0 END,
              CASE WHEN priority IS NULL THEN 1 ELSE 0 END,
              id
     LIMIT 1";

/// The most specific policy for a ticket (see [`MATCHING_POLICY`]).
pub async fn matching<'a>(
    source: impl Into<Source<'a>>,
    building: BuildingId,
    category: Option<ClassifierId>,
    priority: Priority,
) -> StoreResult<Option<SlaPolicy>> {
    static SQL: LazyLock<String> =
        LazyLock::new(|| format!("SELECT {} FROM sla_policies WHERE id = ({MATCHING_POLICY})", policy_columns!()));
    let row: Option<PolicyRow> = on_conn!(source, c => {
        // Static text: the columns and the matching rule.
        sqlx::query_as(sqlx::AssertSqlSafe(SQL.as_str()))
            .bind(building.as_uuid())
            .bind(category.map(|c| c.as_uuid()))
            .bind(priority.code())
            .fetch_optional(&mut *c)
            .await?
    });
    row.map(SlaPolicy::try_from).transpose()
}

#[derive(sqlx::FromRow)]
struct DayRow {
    day: NaiveDate,
    kind: String,
    note: String,
}

/// The production calendar's days.
pub async fn calendar_days<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<CalendarDay>> {
    let rows: Vec<DayRow> = on_conn!(source, c => {
        sqlx::query_as("SELECT day, kind, note FROM calendar_days ORDER BY day, kind").fetch_all(&mut *c).await?
    });
    rows.into_iter()
        .map(|r| {
            Ok(CalendarDay {
                date: r.day,
                kind: decode("calendar_days.kind", &r.kind, str::parse::<DayKind>)?,
                note: r.note,
            })
        })
        .collect()
}

/// The calendar as the SLA clock uses it.
pub async fn production_calendar(db: &Db) -> StoreResult<ProductionCalendar> {
    Ok(ProductionCalendar::new(&calendar_days(db).await?))
}

/// Adds days not there yet (existing dates keep their notes); returns how
/// many were added.
pub async fn add_calendar_days(tx: &mut WriteTx, days: &[CalendarDay]) -> StoreResult<u64> {
    let mut added = 0;
    for day in days {
        added += on_conn!(&mut *tx, c => {
            sqlx::query("INSERT INTO calendar_days (day, kind, note) VALUES ($1, $2, $3) ON CONFLICT (day, kind) DO NOTHING")
                .bind(day.date)
                .bind(day.kind.code())
                .bind(&day.note)
                .execute(&mut *c)
                .await?
                .rows_affected()
        });
    }
    Ok(added)
}

/// Removes one date's entries (a correction of an imported calendar).
pub async fn remove_calendar_day(tx: &mut WriteTx, date: NaiveDate) -> StoreResult<u64> {
    Ok(on_conn!(tx, c => {
        sqlx::query("DELETE FROM calendar_days WHERE day = $1").bind(date).execute(&mut *c).await?.rows_affected()
    }))
}
