//! Passes, visits and the blocklist of the guard desk.
//!
//! A pass's status and its open visit change together: an arrival moves
//! an `active` pass to `on_site` with a conditional update (the row lock
//! makes two guards marking at once one visit; the second finds it on
//! site), and inserts the visit; the unique index on open visits backs
//! that up.

use chrono::{DateTime, NaiveTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::contact::Phone;
use domovoy_domain::ids::{BlockEntryId, BuildingId, ClientId, PassId, TicketId, UnitId, UserId, VisitId};
use domovoy_domain::layout::UnitKind;
use domovoy_domain::pass::{BlockEntry, PassKind, PassStatus, Pin, Plate, Validity, VisitFacts, WeeklySchedule};
use domovoy_domain::text::fold;

use crate::db::{Source, WriteTx, dialect};
use crate::error::{StoreError, StoreResult, decode};
use crate::layout;
use crate::users::expect_one;

/// A pass as stored, with the names the desk shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pass {
    pub id: PassId,
    pub building_id: BuildingId,
    pub unit_id: Option<UnitId>,
    /// «кв. 45», «корп. 2, кв. 7».
    pub unit_title: Option<String>,
    pub host_client_id: Option<ClientId>,
    pub host_name: Option<String>,
    pub host_user_id: Option<UserId>,
    pub kind: PassKind,
    pub status: PassStatus,
    pub visitor_name: String,
    pub visitor_phone: Option<Phone>,
    pub plate: Option<Plate>,
    pub vehicle: String,
    pub parking_space: String,
    pub company: String,
    pub work: String,
    pub ticket_id: Option<TicketId>,
    pub validity: Validity,
    pub pin: Pin,
    pub note: String,
    pub issued_by: Option<UserId>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new pass holds (checked by the caller).
#[derive(Debug, Clone)]
pub struct NewPass {
    pub building_id: BuildingId,
    pub unit_id: Option<UnitId>,
    pub host_client_id: Option<ClientId>,
    pub host_user_id: Option<UserId>,
    pub kind: PassKind,
    pub status: PassStatus,
    pub visitor_name: String,
    pub visitor_phone: Option<Phone>,
    pub plate: Option<Plate>,
    pub vehicle: String,
    pub parking_space: String,
    pub company: String,
    pub work: String,
    pub ticket_id: Option<TicketId>,
    pub validity: Validity,
    pub pin: Pin,
    /// SHA-256 of the one-time link's secret.
    pub link_hash: Vec<u8>,
    pub note: String,
    pub issued_by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
struct PassRow {
    id: Uuid,
    building_id: Uuid,
    unit_id: Option<Uuid>,
    unit_kind: Option<String>,
    unit_label: Option<String>,
    wing: Option<String>,
    host_client_id: Option<Uuid>,
    host_name: Option<String>,
    host_user_id: Option<Uuid>,
    kind: String,
    status: String,
    visitor_name: String,
    visitor_phone: Option<String>,
    plate: Option<String>,
    vehicle: String,
    parking_space: String,
    company: String,
    work: String,
    ticket_id: Option<Uuid>,
    validity: String,
    valid_from: DateTime<Utc>,
    valid_until: Option<DateTime<Utc>>,
    schedule_days: Option<i32>,
    schedule_from: Option<String>,
    schedule_until: Option<String>,
    pin: String,
    note: String,
    issued_by: Option<Uuid>,
    version: i64,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn time(column: &str, value: Option<&str>) -> StoreResult<NaiveTime> {
    let value = value.ok_or_else(|| StoreError::Corrupt(format!("{column} is empty")))?;
    decode(column, value, |v| NaiveTime::parse_from_str(v, "%H:%M"))
}

impl TryFrom<PassRow> for Pass {
    type Error = StoreError;

    fn try_from(row: PassRow) -> StoreResult<Self> {
        let (from, until) = (row.valid_from, row.valid_until);
        let need_until = || until.ok_or_else(|| StoreError::Corrupt(format!("pass {} has no end", row.id)));
        let validity = match row.validity.as_str() {
            "once" => Validity::Once { from, until: need_until()? },
            "period" => Validity::Period { from, until: need_until()? },
            "permanent" => Validity::Permanent { from },
            "weekly" => Validity::Weekly {
                from,
                until,
                schedule: WeeklySchedule {
                    days: u8::try_from(row.schedule_days.unwrap_or(0)).unwrap_or(0),
                    from: time("passes.schedule_from", row.schedule_from.as_deref())?,
                    until: time("passes.schedule_until", row.schedule_until.as_deref())?,
                },
            },
            other => return Err(StoreError::Corrupt(format!("passes.validity = {other:?}"))),
        };
        let unit_title = match (&row.unit_kind, &row.unit_label) {
            (Some(kind), Some(label)) => Some(layout::unit_title(
                decode("units.kind", kind, str::parse::<UnitKind>)?,
                label,
                row.wing.as_deref(),
            )),
            _ => None,
        };
        Ok(Pass {
            id: PassId::from_uuid(row.id),
            building_id: BuildingId::from_uuid(row.building_id),
            unit_id: row.unit_id.map(UnitId::from_uuid),
            unit_title,
            host_client_id: row.host_client_id.map(ClientId::from_uuid),
            host_name: row.host_name,
            host_user_id: row.host_user_id.map(UserId::from_uuid),
            kind: decode("passes.kind", &row.kind, str::parse)?,
            status: decode("passes.status", &row.status, str::parse)?,
            visitor_name: row.visitor_name,
            visitor_phone: row
                .visitor_phone
                .as_deref()
                .map(|p| decode("passes.visitor_phone", p, Phone::parse))
                .transpose()?,
            plate: row.plate.as_deref().map(|p| decode("passes.plate", p, Plate::parse)).transpose()?,
            vehicle: row.vehicle,
            parking_space: row.parking_space,
            company: row.company,
            work: row.work,
            ticket_id: row.ticket_id.map(TicketId::from_uuid),
            validity,
            pin: decode("passes.pin", &row.pin, Pin::parse)?,
            note: row.note,
            issued_by: row.issued_by.map(UserId::from_uuid),
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The columns of [`PassRow`], over `passes p` and [`pass_joins!`].
macro_rules! pass_columns {
    () => {
        concat!(
            "p.id, p.building_id, p.unit_id, u.kind AS unit_kind, u.label AS unit_label, ",
            layout::wing_sql!(),
            " AS wing, p.host_client_id, c.name AS host_name, p.host_user_id, p.kind, p.status, p.visitor_name, \
             p.visitor_phone, p.plate, p.vehicle, p.parking_space, p.company, p.work, p.ticket_id, p.validity, \
             p.valid_from, p.valid_until, p.schedule_days, p.schedule_from, p.schedule_until, p.pin, p.note, \
             p.issued_by, p.version, p.created_at, p.updated_at"
        )
    };
}

/// The unit, its section and the host client of `passes p`.
macro_rules! pass_joins {
    () => {
        " LEFT JOIN units u ON u.id = p.unit_id LEFT JOIN sections s ON s.id = u.section_id \
         LEFT JOIN clients c ON c.id = p.host_client_id "
    };
}

/// A pass with the names the desk shows.
macro_rules! pass_select {
    () => {
        concat!("SELECT ", pass_columns!(), " FROM passes p", pass_joins!())
    };
}

fn rows_into(rows: Vec<PassRow>) -> StoreResult<Vec<Pass>> {
    rows.into_iter().map(Pass::try_from).collect()
}

/// Stores a new pass.
pub async fn insert(tx: &mut WriteTx, new: &NewPass) -> StoreResult<Pass> {
    let id = PassId::new();
    let now = tx.now();
    let (days, sched_from, sched_until) = match new.validity {
        Validity::Weekly { schedule, .. } => (
            Some(i32::from(schedule.days)),
            Some(schedule.from.format("%H:%M").to_string()),
            Some(schedule.until.format("%H:%M").to_string()),
        ),
        _ => (None, None, None),
    };
    let phone_tail = new.visitor_phone.as_ref().map(|p| {
        let digits = p.e164().trim_start_matches('+');
        digits[digits.len().saturating_sub(4)..].to_owned()
    });
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO passes (id, building_id, unit_id, host_client_id, host_user_id, kind, status, visitor_name,
                                 visitor_search, visitor_phone, phone_tail, plate, plate_base, vehicle, parking_space,
                                 company, work, ticket_id, validity, valid_from, valid_until, schedule_days,
                                 schedule_from, schedule_until, pin, link_hash, note, issued_by, version, created_at,
                                 updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21,
                     $22, $23, $24, $25, $26, $27, $28, 1, $29, $29)",
        )
        .bind(id.as_uuid())
        .bind(new.building_id.as_uuid())
        .bind(new.unit_id.as_ref().map(UnitId::as_uuid))
        .bind(new.host_client_id.as_ref().map(ClientId::as_uuid))
        .bind(new.host_user_id.as_ref().map(UserId::as_uuid))
        .bind(new.kind.code())
        .bind(new.status.code())
        .bind(&new.visitor_name)
        .bind(fold(&new.visitor_name))
        .bind(new.visitor_phone.as_ref().map(|p| p.e164().to_owned()))
        .bind(phone_tail.clone())
        .bind(new.plate.as_ref().map(|p| p.as_str().to_owned()))
        .bind(new.plate.as_ref().map(|p| p.without_region().to_owned()))
        .bind(&new.vehicle)
        .bind(&new.parking_space)
        .bind(&new.company)
        .bind(&new.work)
        .bind(new.ticket_id.as_ref().map(TicketId::as_uuid))
        .bind(new.validity.code())
        .bind(new.validity.from())
        .bind(new.validity.until())
        .bind(days)
        .bind(sched_from.clone())
        .bind(sched_until.clone())
        .bind(new.pin.as_str())
        .bind(new.link_hash.clone())
        .bind(&new.note)
        .bind(new.issued_by.as_ref().map(UserId::as_uuid))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
        for term in name_terms(&new.visitor_name) {
            sqlx::query(
                "INSERT INTO pass_terms (pass_id, building_id, term, status_rank, updated_at)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id.as_uuid())
            .bind(new.building_id.as_uuid())
            .bind(term)
            .bind(status_rank(new.status))
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected();
        }
    });
    get(tx, id).await
}

/// One pass.
pub async fn get<'a>(source: impl Into<Source<'a>>, id: PassId) -> StoreResult<Pass> {
    let row: PassRow = on_conn!(source, c => {
        sqlx::query_as(concat!(pass_select!(), "WHERE p.id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

/// The pass a one-time link opens.
pub async fn by_link<'a>(source: impl Into<Source<'a>>, link_hash: &[u8]) -> StoreResult<Pass> {
    let row: PassRow = on_conn!(source, c => {
        sqlx::query_as(concat!(pass_select!(), "WHERE p.link_hash = $1"))
            .bind(link_hash.to_vec())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

/// Most passes a desk search returns.
pub const CHECK_LIMIT: i64 = 20;

/// What a desk query is, by its shape; each kind reads its own index
/// (a wide `OR` with a substring match read every pass of the building).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Lookup {
    /// Six digits.
    Pin(String),
    /// Four digits: the end of the visitor's phone.
    PhoneTail(String),
    /// Letters and digits that make a plate: by the plate without its
    /// region (`passes_plate`), the region checked after.
    Plate(Plate),
    /// Words of the visitor's name, in any order: passes with a word
    /// starting with each (`pass_terms`; the longest drives, at most
    /// [`NAME_WORDS_MAX`] are looked at).
    Name(Vec<String>),
}

/// Most typed words a name search checks (a full name and one more).
const NAME_WORDS_MAX: usize = 4;

/// A status's place in the desk's order: on site, active, requested, then
/// the finished ones. The word index keeps it beside each word.
fn status_rank(status: PassStatus) -> i16 {
    match status {
        PassStatus::OnSite => 0,
        PassStatus::Active => 1,
        PassStatus::Requested => 2,
        PassStatus::Closed | PassStatus::Cancelled | PassStatus::Expired | PassStatus::Denied => 3,
    }
}

/// Characters a name's word is stripped of at its ends («(няня)» → «няня»).
const WORD_EDGES: &[char] = &['(', ')', '«', '»', '"', '\'', '.', ',', ';', ':', '!', '?'];

/// The words a visitor's name is found by: folded, stripped of edge
/// punctuation, each once.
pub fn name_terms(name: &str) -> Vec<String> {
    let mut terms: Vec<String> = fold(name)
        .split(' ')
        .map(|w| w.trim_matches(WORD_EDGES))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    terms.sort_unstable();
    terms.dedup();
    terms
}

fn lookup(query: &str) -> Option<Lookup> {
    let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    let all_digits = !compact.is_empty() && compact.chars().all(|c| c.is_ascii_digit());
    if all_digits && compact.len() == Pin::LEN {
        return Some(Lookup::Pin(compact));
    }
    if all_digits && compact.len() == 4 {
        return Some(Lookup::PhoneTail(compact));
    }
    if compact.chars().any(|c| c.is_ascii_digit())
        && let Ok(plate) = Plate::parse(query)
    {
        return Some(Lookup::Plate(plate));
    }
    // The longest words first: the first drives the index, so it should
    // be the rarest; one of at least two letters is needed.
    let mut words = name_terms(query);
    words.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    words.truncate(NAME_WORDS_MAX);
    (words.first()?.chars().count() >= 2).then_some(Lookup::Name(words))
}

/// What every desk search ends with: usable passes first, finished ones
/// of the last week after, at most `$4`.
macro_rules! check_tail {
    () => {
        " AND (p.status IN ('requested', 'active', 'on_site') OR p.updated_at >= $3)
          ORDER BY CASE p.status WHEN 'on_site' THEN 0 WHEN 'active' THEN 1 WHEN 'requested' THEN 2 ELSE 3 END,
                   p.updated_at DESC
          LIMIT $4"
    };
}

/// The name search of both backends: the candidates are cut inside the
/// word index (the first word's range, each other word's range on the same
/// pass, the desk's order kept in the index), and only they are read.
/// PostgreSQL compares words byte by byte (`COLLATE "C"`, as its index
/// does) so that a range is a prefix. `$1` building, `$2` the oldest
/// finished pass shown, `$3` the limit, then each word's range from `$4`.
fn name_check_sql(backend: crate::Backend, words: usize) -> String {
    let term = match backend {
        crate::Backend::Sqlite => "term",
        crate::Backend::Postgres => "term COLLATE \"C\"",
    };
    let mut others = String::new();
    for n in 1..words {
        let (from, to) = (4 + 2 * n, 5 + 2 * n);
        others.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM pass_terms w WHERE w.pass_id = t.pass_id AND w.{term} >= ${from} AND w.{term} < ${to})"
        ));
    }
    format!(
        "{select} JOIN (SELECT DISTINCT t.pass_id, t.status_rank, t.updated_at FROM pass_terms t
                        WHERE t.building_id = $1 AND t.{term} >= $4 AND t.{term} < $5
                          AND (t.status_rank < 3 OR t.updated_at >= $2){others}
                        ORDER BY t.status_rank, t.updated_at DESC
                        LIMIT $3) found ON found.pass_id = p.id
         ORDER BY found.status_rank, found.updated_at DESC",
        select = pass_select!()
    )
}

/// How many words of the building's passes begin with each typed word
/// (word `n`'s range in `$2n`, `$2n+1`), counting no further than a bound:
/// enough to tell a rare word from a common one, in one round trip.
fn name_count_sql(backend: crate::Backend, words: usize) -> String {
    let term = match backend {
        crate::Backend::Sqlite => "term",
        crate::Backend::Postgres => "term COLLATE \"C\"",
    };
    (0..words)
        .map(|n| {
            let (from, to) = (2 + 2 * n, 3 + 2 * n);
            format!(
                "SELECT {n} AS word, count(*) AS matches FROM (SELECT 1 FROM pass_terms
                   WHERE building_id = $1 AND {term} >= ${from} AND {term} < ${to} LIMIT 5000) AS m{n}"
            )
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// The desk's search in one building: a six-digit PIN, the last four
/// digits of a phone, a plate (look-alike letters and the region aside),
/// or the beginnings of words of the visitor's name. Passes that may still
/// be used come first; finished ones older than a week are left out.
pub async fn check<'a>(
    source: impl Into<Source<'a>>,
    building: BuildingId,
    query: &str,
    now: DateTime<Utc>,
) -> StoreResult<Vec<Pass>> {
    let Some(lookup) = lookup(query.trim()) else {
        return Ok(Vec::new());
    };
    let recent = now - chrono::Duration::days(7);
    let rows: Vec<PassRow> = on_conn!(source, c => {
        match &lookup {
            Lookup::Pin(key) | Lookup::PhoneTail(key) => {
                let sql = if matches!(lookup, Lookup::Pin(_)) {
                    concat!(pass_select!(), "WHERE p.building_id = $1 AND p.pin = $2", check_tail!())
                } else {
                    concat!(pass_select!(), "WHERE p.building_id = $1 AND p.phone_tail = $2", check_tail!())
                };
                sqlx::query_as(sql)
                    .bind(building.as_uuid())
                    .bind(key.as_str())
                    .bind(recent)
                    .bind(CHECK_LIMIT)
                    .fetch_all(&mut *c)
                    .await?
            }
            Lookup::Plate(plate) => {
                sqlx::query_as(concat!(pass_select!(), "WHERE p.building_id = $1 AND p.plate_base = $2", check_tail!()))
                    .bind(building.as_uuid())
                    .bind(plate.without_region())
                    .bind(recent)
                    .bind(CHECK_LIMIT)
                    .fetch_all(&mut *c)
                    .await?
            }
            Lookup::Name(words) => {
                let backend = dialect(&*c);
                // The rarest word drives (a patronymic or a common first
                // name can match ten times the passes a surname does):
                // each word's matches are counted, up to a bound, in the
                // index alone.
                let mut words = words.clone();
                if words.len() > 1 {
                    let mut counting = sqlx::query_as(sqlx::AssertSqlSafe(name_count_sql(backend, words.len())))
                        .bind(building.as_uuid());
                    for word in &words {
                        counting = counting.bind(word.clone()).bind(crate::clients::prefix_end(word));
                    }
                    let mut counted: Vec<(i32, i64)> = counting.fetch_all(&mut *c).await?;
                    counted.sort_by_key(|(_, matches)| *matches);
                    words = counted
                        .into_iter()
                        .filter_map(|(n, _)| usize::try_from(n).ok().and_then(|n| words.get(n)).cloned())
                        .collect();
                }
                let sql = name_check_sql(backend, words.len());
                let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(building.as_uuid())
                    .bind(recent)
                    .bind(CHECK_LIMIT);
                for word in &words {
                    query = query.bind(word.clone()).bind(crate::clients::prefix_end(word));
                }
                query.fetch_all(&mut *c).await?
            }
        }
    });
    let mut found = rows_into(rows)?;
    if let Lookup::Plate(plate) = &lookup {
        // Typed with its region: that region only.
        found.retain(|p| p.plate.as_ref().is_some_and(|stored| stored.matches(plate.as_str())));
    }
    Ok(found)
}

/// Whether a usable pass of the building already has this PIN (by the
/// `passes_pin` index, not the desk's wide search).
pub async fn pin_taken(tx: &mut WriteTx, building: BuildingId, pin: &Pin) -> StoreResult<bool> {
    let found: Option<i32> = on_conn!(&mut *tx, c => {
        sqlx::query_scalar(
            "SELECT 1 FROM passes WHERE building_id = $1 AND pin = $2
               AND status IN ('requested', 'active', 'on_site') LIMIT 1",
        )
        .bind(building.as_uuid())
        .bind(pin.as_str())
        .fetch_optional(&mut *c)
        .await?
    });
    Ok(found.is_some())
}

/// A resident's passes, newest first.
pub async fn for_host<'a>(source: impl Into<Source<'a>>, user: UserId, limit: i64) -> StoreResult<Vec<Pass>> {
    let rows: Vec<PassRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(pass_select!(), "WHERE p.host_user_id = $1 ORDER BY p.created_at DESC LIMIT $2"))
            .bind(user.as_uuid())
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
    });
    rows_into(rows)
}

/// A building's passes that may still be used (the desk's "expected").
pub async fn expected<'a>(source: impl Into<Source<'a>>, building: BuildingId, limit: i64) -> StoreResult<Vec<Pass>> {
    let rows: Vec<PassRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(
            pass_select!(),
            "WHERE p.building_id = $1 AND p.status IN ('requested', 'active', 'on_site')
             ORDER BY p.valid_from DESC LIMIT $2"
        ))
        .bind(building.as_uuid())
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    rows_into(rows)
}

/// Moves a pass from one of `from` to `to`; `None` when it was in none of
/// them (the caller reads it to say why).
/// The passes the system issued for a ticket's contractor that may still
/// be used (not yet on site).
pub async fn issued_for_ticket(tx: &mut WriteTx, ticket: TicketId) -> StoreResult<Vec<Pass>> {
    let rows: Vec<PassRow> = on_conn!(&mut *tx, c => {
        sqlx::query_as(concat!(
            pass_select!(),
            "WHERE p.ticket_id = $1 AND p.kind = 'contractor' AND p.issued_by IS NULL
               AND p.status IN ('requested', 'active')"
        ))
        .bind(ticket.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    rows_into(rows)
}

pub async fn set_status(
    tx: &mut WriteTx,
    id: PassId,
    from: &[PassStatus],
    to: PassStatus,
) -> StoreResult<Option<Pass>> {
    let now = tx.now();
    let allowed: Vec<&str> = from.iter().map(|s| s.code()).collect();
    let done = on_conn!(&mut *tx, c => {
        sqlx::query(
            "UPDATE passes SET status = $2, version = version + 1, updated_at = $3
             WHERE id = $1 AND status IN ($4, $5, $6, $7)",
        )
        .bind(id.as_uuid())
        .bind(to.code())
        .bind(now)
        .bind(allowed.first().copied())
        .bind(allowed.get(1).copied())
        .bind(allowed.get(2).copied())
        .bind(allowed.get(3).copied())
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    if done == 0 {
        return Ok(None);
    }
    // The word index orders the desk's name search by these two.
    on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE pass_terms SET status_rank = $2, updated_at = $3 WHERE pass_id = $1")
            .bind(id.as_uuid())
            .bind(status_rank(to))
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    get(tx, id).await.map(Some)
}

/// A visit: an arrival and, once the visitor leaves, a departure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Visit {
    pub id: VisitId,
    pub pass_id: PassId,
    pub building_id: BuildingId,
    pub arrived_at: DateTime<Utc>,
    pub arrived_by: Option<UserId>,
    pub arrived_by_name: Option<String>,
    pub departed_at: Option<DateTime<Utc>>,
    pub departed_by: Option<UserId>,
    pub override_reason: Option<String>,
}

#[derive(sqlx::FromRow)]
struct VisitRow {
    id: Uuid,
    pass_id: Uuid,
    building_id: Uuid,
    arrived_at: DateTime<Utc>,
    arrived_by: Option<Uuid>,
    arrived_by_name: Option<String>,
    departed_at: Option<DateTime<Utc>>,
    departed_by: Option<Uuid>,
    override_reason: Option<String>,
}

impl From<VisitRow> for Visit {
    fn from(row: VisitRow) -> Self {
        Self {
            id: VisitId::from_uuid(row.id),
            pass_id: PassId::from_uuid(row.pass_id),
            building_id: BuildingId::from_uuid(row.building_id),
            arrived_at: row.arrived_at,
            arrived_by: row.arrived_by.map(UserId::from_uuid),
            arrived_by_name: row.arrived_by_name,
            departed_at: row.departed_at,
            departed_by: row.departed_by.map(UserId::from_uuid),
            override_reason: row.override_reason,
        }
    }
}

macro_rules! visit_select {
    () => {
        "SELECT v.id, v.pass_id, v.building_id, v.arrived_at, v.arrived_by, g.display_name AS arrived_by_name,
                v.departed_at, v.departed_by, v.override_reason
         FROM visits v LEFT JOIN users g ON g.id = v.arrived_by "
    };
}

/// What an arrival mark found.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrival {
    /// The visitor is now on site.
    Arrived(Pass, Visit),
    /// Someone marked them first: the visit that is open.
    AlreadyOnSite(Pass, Option<Visit>),
    /// The pass was not active (the caller says why).
    NotActive(Pass),
}

/// Marks an arrival on an active pass (checked by the caller).
pub async fn arrive(
    tx: &mut WriteTx,
    pass: PassId,
    by: Option<UserId>,
    override_reason: Option<&str>,
) -> StoreResult<Arrival> {
    let Some(updated) = set_status(tx, pass, &[PassStatus::Active], PassStatus::OnSite).await? else {
        let current = get(&mut *tx, pass).await?;
        return Ok(if current.status == PassStatus::OnSite {
            let open = open_visit(&mut *tx, pass).await?;
            Arrival::AlreadyOnSite(current, open)
        } else {
            Arrival::NotActive(current)
        });
    };
    let id = VisitId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO visits (id, pass_id, building_id, arrived_at, arrived_by, override_reason)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_uuid())
        .bind(pass.as_uuid())
        .bind(updated.building_id.as_uuid())
        .bind(now)
        .bind(by.as_ref().map(UserId::as_uuid))
        .bind(override_reason)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    let visit = get_visit(&mut *tx, id).await?;
    Ok(Arrival::Arrived(updated, visit))
}

/// Marks the departure of whoever is on site on `pass`: a one-entry pass
/// is then closed, others are active again. `None` when nobody was.
pub async fn depart(tx: &mut WriteTx, pass: PassId, by: Option<UserId>) -> StoreResult<Option<(Pass, Visit)>> {
    let Some(open) = open_visit(&mut *tx, pass).await? else {
        return Ok(None);
    };
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE visits SET departed_at = $2, departed_by = $3 WHERE id = $1 AND departed_at IS NULL")
            .bind(open.id.as_uuid())
            .bind(now)
            .bind(by.as_ref().map(UserId::as_uuid))
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    let current = get(&mut *tx, pass).await?;
    let next = if current.validity.single_entry() { PassStatus::Closed } else { PassStatus::Active };
    let updated = set_status(tx, pass, &[PassStatus::OnSite], next).await?.unwrap_or(current);
    let visit = get_visit(&mut *tx, open.id).await?;
    Ok(Some((updated, visit)))
}

pub async fn get_visit<'a>(source: impl Into<Source<'a>>, id: VisitId) -> StoreResult<Visit> {
    let row: VisitRow = on_conn!(source, c => {
        sqlx::query_as(concat!(visit_select!(), "WHERE v.id = $1")).bind(id.as_uuid()).fetch_one(&mut *c).await?
    });
    Ok(row.into())
}

/// The visit open on a pass, if the visitor is on site.
pub async fn open_visit<'a>(source: impl Into<Source<'a>>, pass: PassId) -> StoreResult<Option<Visit>> {
    let row: Option<VisitRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(visit_select!(), "WHERE v.pass_id = $1 AND v.departed_at IS NULL"))
            .bind(pass.as_uuid())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(row.map(Visit::from))
}

/// A visit with its pass, as the desk's log shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedVisit {
    pub visit: Visit,
    pub pass: Pass,
}

/// Which visits of a building to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VisitRange {
    /// Those on site now.
    OnSite,
    /// Those that arrived in `[from, until)`.
    Arrived { from: DateTime<Utc>, until: DateTime<Utc> },
}

#[derive(sqlx::FromRow)]
struct LoggedRow {
    #[sqlx(flatten)]
    pass: PassRow,
    visit_id: Uuid,
    arrived_at: DateTime<Utc>,
    arrived_by: Option<Uuid>,
    arrived_by_name: Option<String>,
    departed_at: Option<DateTime<Utc>>,
    departed_by: Option<Uuid>,
    override_reason: Option<String>,
}

/// A visit with its pass and who marked it, for [`visits`] and
/// [`visits_for_host`] (their conditions follow).
macro_rules! visit_select {
    () => {
        concat!(
            "SELECT ",
            pass_columns!(),
            ", v.id AS visit_id, v.arrived_at, v.arrived_by, g.display_name AS arrived_by_name, v.departed_at,
               v.departed_by, v.override_reason
             FROM visits v JOIN passes p ON p.id = v.pass_id",
            pass_joins!(),
            "LEFT JOIN users g ON g.id = v.arrived_by "
        )
    };
}

/// A building's visits with their passes, newest first, `limit` at most:
/// one query however many.
pub async fn visits<'a>(
    source: impl Into<Source<'a>>,
    building: BuildingId,
    range: VisitRange,
    limit: i64,
) -> StoreResult<Vec<LoggedVisit>> {
    let (on_site, from, until) = match range {
        // The times are not read for those on site.
        VisitRange::OnSite => (true, DateTime::<Utc>::UNIX_EPOCH, DateTime::<Utc>::UNIX_EPOCH),
        VisitRange::Arrived { from, until } => (false, from, until),
    };
    let rows: Vec<LoggedRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(
            visit_select!(),
            "WHERE v.building_id = $1
               AND (($2 AND v.departed_at IS NULL) OR (NOT $2 AND v.arrived_at >= $3 AND v.arrived_at < $4))
             ORDER BY v.arrived_at DESC LIMIT $5"
        ))
        .bind(building.as_uuid())
        .bind(on_site)
        .bind(from)
        .bind(until)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    logged(rows)
}

/// What the visits report counts of a building's visits that arrived in
/// `[from, until)`: the pass's kind and end, the arrival and departure;
/// `limit` at most, newest first. One slim query (no names, no marks).
pub async fn visit_facts<'a>(
    source: impl Into<Source<'a>>,
    building: BuildingId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<VisitFacts>> {
    /// The kind, arrival, departure and the pass's end.
    type FactRow = (String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>);
    let rows: Vec<FactRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT p.kind, v.arrived_at, v.departed_at, p.valid_until
             FROM visits v JOIN passes p ON p.id = v.pass_id
             WHERE v.building_id = $1 AND v.arrived_at >= $2 AND v.arrived_at < $3
             ORDER BY v.arrived_at DESC LIMIT $4",
        )
        .bind(building.as_uuid())
        .bind(from)
        .bind(until)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|(kind, arrived_at, departed_at, valid_until)| {
            Ok(VisitFacts { kind: decode("passes.kind", &kind, str::parse)?, arrived_at, departed_at, valid_until })
        })
        .collect()
}

/// The visits of a host's guests (passes they host) that arrived since
/// `since`, the latest first: the resident's "your guest has arrived".
pub async fn visits_for_host<'a>(
    source: impl Into<Source<'a>>,
    host: UserId,
    since: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<LoggedVisit>> {
    let rows: Vec<LoggedRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(
            visit_select!(),
            "WHERE p.host_user_id = $1 AND v.arrived_at >= $2
             ORDER BY v.arrived_at DESC LIMIT $3"
        ))
        .bind(host.as_uuid())
        .bind(since)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    logged(rows)
}

fn logged(rows: Vec<LoggedRow>) -> StoreResult<Vec<LoggedVisit>> {
    rows.into_iter()
        .map(|row| {
            let visit = Visit {
                id: VisitId::from_uuid(row.visit_id),
                pass_id: PassId::from_uuid(row.pass.id),
                building_id: BuildingId::from_uuid(row.pass.building_id),
                arrived_at: row.arrived_at,
                arrived_by: row.arrived_by.map(UserId::from_uuid),
                arrived_by_name: row.arrived_by_name,
                departed_at: row.departed_at,
                departed_by: row.departed_by.map(UserId::from_uuid),
                override_reason: row.override_reason,
            };
            Ok(LoggedVisit { visit, pass: Pass::try_from(row.pass)? })
        })
        .collect()
}

/// Passes whose period ended are expired (those on site stay on site until
/// they leave: an overstay). Returns them for their events.
pub async fn expire_due(tx: &mut WriteTx, limit: i64) -> StoreResult<Vec<Pass>> {
    let now = tx.now();
    let ids: Vec<Uuid> = on_conn!(&mut *tx, c => {
        sqlx::query_scalar(
            "SELECT id FROM passes WHERE status IN ('requested', 'active') AND valid_until IS NOT NULL
             AND valid_until <= $1 ORDER BY valid_until LIMIT $2",
        )
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let id = PassId::from_uuid(id);
        if let Some(pass) =
            set_status(tx, id, &[PassStatus::Requested, PassStatus::Active], PassStatus::Expired).await?
        {
            out.push(pass);
        }
    }
    Ok(out)
}

/// A blocklist entry with what the desk shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocked {
    pub id: BlockEntryId,
    pub building_id: Option<BuildingId>,
    /// The name as written.
    pub name: String,
    pub aliases: Vec<String>,
    pub phones: Vec<String>,
    pub plates: Vec<String>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub entry: BlockEntry,
}

#[derive(sqlx::FromRow)]
struct BlockRow {
    id: Uuid,
    building_id: Option<Uuid>,
    name: String,
    names: Json<Vec<String>>,
    phones: Json<Vec<String>>,
    plates: Json<Vec<String>>,
    reason: String,
    created_at: DateTime<Utc>,
}

impl TryFrom<BlockRow> for Blocked {
    type Error = StoreError;

    fn try_from(row: BlockRow) -> StoreResult<Self> {
        let phones: Vec<Phone> =
            row.phones.0.iter().map(|p| decode("blocklist.phones", p, Phone::parse)).collect::<StoreResult<_>>()?;
        let plates: Vec<Plate> =
            row.plates.0.iter().map(|p| decode("blocklist.plates", p, Plate::parse)).collect::<StoreResult<_>>()?;
        let names: Vec<&str> = row.names.0.iter().map(String::as_str).collect();
        let entry = BlockEntry::new(&names, phones.clone(), plates.clone());
        Ok(Blocked {
            id: BlockEntryId::from_uuid(row.id),
            building_id: row.building_id.map(BuildingId::from_uuid),
            aliases: row.names.0.iter().skip(1).cloned().collect(),
            name: row.name,
            phones: phones.iter().map(|p| p.e164().to_owned()).collect(),
            plates: plates.iter().map(Plate::display).collect(),
            reason: row.reason,
            created_at: row.created_at,
            entry,
        })
    }
}

/// The entries that apply in a building (its own and company-wide).
pub async fn blocklist<'a>(source: impl Into<Source<'a>>, building: Option<BuildingId>) -> StoreResult<Vec<Blocked>> {
    let rows: Vec<BlockRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT id, building_id, name, names, phones, plates, reason, created_at FROM blocklist
             WHERE building_id IS NULL OR building_id = $1 OR $2 ORDER BY created_at DESC LIMIT 1000",
        )
        .bind(building.as_ref().map(BuildingId::as_uuid))
        .bind(building.is_none())
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter().map(Blocked::try_from).collect()
}

/// Adds an entry: `names` is the name first, then its aliases.
pub async fn add_blocked(
    tx: &mut WriteTx,
    building: Option<BuildingId>,
    names: &[String],
    phones: &[Phone],
    plates: &[Plate],
    reason: &str,
    by: Option<UserId>,
) -> StoreResult<Blocked> {
    let id = BlockEntryId::new();
    let now = tx.now();
    let name = names.first().cloned().unwrap_or_default();
    let phones: Vec<String> = phones.iter().map(|p| p.e164().to_owned()).collect();
    let plates: Vec<String> = plates.iter().map(|p| p.as_str().to_owned()).collect();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO blocklist (id, building_id, name, names, phones, plates, reason, added_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id.as_uuid())
        .bind(building.as_ref().map(BuildingId::as_uuid))
        .bind(&name)
        .bind(Json(names))
        .bind(Json(&phones))
        .bind(Json(&plates))
        .bind(reason)
        .bind(by.as_ref().map(UserId::as_uuid))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    let row: BlockRow = on_conn!(&mut *tx, c => {
        sqlx::query_as("SELECT id, building_id, name, names, phones, plates, reason, created_at FROM blocklist WHERE id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

pub async fn remove_blocked(tx: &mut WriteTx, id: BlockEntryId) -> StoreResult<()> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM blocklist WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?.rows_affected()
    });
    expect_one(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_desk_query_is_read_by_its_shape() {
        assert_eq!(lookup("123456"), Some(Lookup::Pin("123456".to_owned())));
        assert_eq!(lookup("123 456"), Some(Lookup::Pin("123456".to_owned())));
        assert_eq!(lookup("4433"), Some(Lookup::PhoneTail("4433".to_owned())));
        let Some(Lookup::Plate(plate)) = lookup("а 777 мр") else { panic!("a plate") };
        assert_eq!(plate.without_region(), "A777MP");
        let Some(Lookup::Plate(plate)) = lookup("A777MP 799") else { panic!("a plate") };
        assert_eq!(plate.as_str(), "A777MP799");
        let name = |words: &[&str]| Some(Lookup::Name(words.iter().map(|w| (*w).to_owned()).collect()));
        assert_eq!(lookup("  Иванов  Иван "), name(&["иванов", "иван"]));
        assert_eq!(lookup("«Самокат»"), name(&["самокат"]));
        // The longest word drives; an initial is a word too.
        assert_eq!(lookup("И. Иванов"), name(&["иванов", "и"]));
        assert_eq!(lookup("а б в г д ежик"), name(&["ежик", "а", "б", "в"]), "four words at most");
        assert_eq!(lookup("я"), None, "one letter finds nothing");
        assert_eq!(lookup("я и"), None, "nor do initials alone");
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn a_name_is_found_by_each_of_its_words() {
        assert_eq!(name_terms("Ахмедова Зарина (няня)"), ["ахмедова", "зарина", "няня"]);
        assert_eq!(name_terms("Курьер «Самокат»"), ["курьер", "самокат"]);
        assert_eq!(name_terms("Артём Артём"), ["артем"]);
        assert!(name_terms(" « » ").is_empty());
    }
}
