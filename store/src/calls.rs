//! Calls, the PBX integrations that report them, where calls are routed,
//! and the numbers refused at the ringing.
//!
//! A call is named once by where its events come from and the PBX's own id
//! (`calls_pbx_key`): the first event of a call inserts its row, every
//! later one (or a retried one) finds it. Concurrent events of one call
//! take the row lock before reading it, so two of them never fold into two
//! different states.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::call::{CallDirection, CallResult, CallState, CallTimes, HangupCause};
use domovoy_domain::contact::Phone;
use domovoy_domain::ids::{BuildingId, CallId, ClientId, PbxIntegrationId, TeamId, TicketId, UserId};
use domovoy_domain::ticket::TicketNumber;

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::users::expect_one;

// ---- Integrations -------------------------------------------------------------

/// A PBX that may send events (its token is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Integration {
    pub id: PbxIntegrationId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub events: i64,
}

type IntegrationRow = (Uuid, String, DateTime<Utc>, Option<DateTime<Utc>>, Option<DateTime<Utc>>, i64);

fn integration(row: IntegrationRow) -> Integration {
    let (id, name, created_at, revoked_at, last_event_at, events) = row;
    Integration { id: PbxIntegrationId::from_uuid(id), name, created_at, revoked_at, last_event_at, events }
}

macro_rules! integration_select {
    () => {
        "SELECT id, name, created_at, revoked_at, last_event_at, events FROM pbx_integrations "
    };
}

pub async fn insert_integration(
    tx: &mut WriteTx,
    name: &str,
    token_hash: &[u8],
    created_by: Option<UserId>,
) -> StoreResult<Integration> {
    let id = PbxIntegrationId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO pbx_integrations (id, name, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_uuid())
        .bind(name)
        .bind(token_hash.to_vec())
        .bind(created_by.as_ref().map(UserId::as_uuid))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(Integration { id, name: name.to_owned(), created_at: now, revoked_at: None, last_event_at: None, events: 0 })
}

/// Every integration, the newest first (revoked ones too).
pub async fn integrations<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Integration>> {
    let rows: Vec<IntegrationRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(integration_select!(), "ORDER BY created_at DESC")).fetch_all(&mut *c).await?
    });
    Ok(rows.into_iter().map(integration).collect())
}

pub async fn get_integration<'a>(source: impl Into<Source<'a>>, id: PbxIntegrationId) -> StoreResult<Integration> {
    let row: IntegrationRow = on_conn!(source, c => {
        sqlx::query_as(concat!(integration_select!(), "WHERE id = $1")).bind(id.as_uuid()).fetch_one(&mut *c).await?
    });
    Ok(integration(row))
}

/// The live integration with this token hash. The hash is looked up by
/// the unique index (equality of SHA-256 digests leaks nothing about the
/// token).
pub async fn integration_by_token<'a>(
    source: impl Into<Source<'a>>,
    token_hash: &[u8],
) -> StoreResult<Option<Integration>> {
    let row: Option<IntegrationRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(integration_select!(), "WHERE token_hash = $1 AND revoked_at IS NULL"))
            .bind(token_hash.to_vec())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(row.map(integration))
}

/// Revokes an integration: its URL answers 404 from now on.
pub async fn revoke_integration(tx: &mut WriteTx, id: PbxIntegrationId) -> StoreResult<Integration> {
    let now = tx.now();
    let rows = on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE pbx_integrations SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    expect_one(rows)?;
    get_integration(tx, id).await
}

/// Notes that an integration sent an event now.
pub async fn touch_integration(tx: &mut WriteTx, id: PbxIntegrationId) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE pbx_integrations SET last_event_at = $2, events = events + 1 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

// ---- Calls --------------------------------------------------------------------

/// A call as stored, with the names the pages show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Call {
    pub id: CallId,
    /// `cti:<integration id>`, `sip`, `ami`, `demo`.
    pub source: String,
    pub pbx_call_id: String,
    pub direction: CallDirection,
    /// As the PBX sent them.
    pub from_number: String,
    pub to_number: String,
    /// The caller (inbound) or the called (outbound) read as a phone.
    pub party_phone: Option<Phone>,
    pub queue: Option<String>,
    pub operator_extension: Option<String>,
    pub operator_id: Option<UserId>,
    pub operator_name: Option<String>,
    pub times: CallTimes,
    pub recording_url: Option<String>,
    pub building_id: Option<BuildingId>,
    pub routed_to: Vec<UserId>,
    pub callback_due_at: Option<DateTime<Utc>>,
    pub callback_done_at: Option<DateTime<Utc>>,
    pub callback_by: Option<UserId>,
    pub callback_by_name: Option<String>,
    pub callback_note: Option<String>,
    /// Matched clients, by name.
    pub clients: Vec<(ClientId, String)>,
    /// Linked tickets with their numbers.
    pub tickets: Vec<(TicketId, String)>,
    pub updated_at: DateTime<Utc>,
}

impl Call {
    pub fn state(&self) -> CallState {
        self.times.state()
    }

    pub fn result(&self) -> Option<CallResult> {
        self.times.result()
    }

    pub fn client_ids(&self) -> Vec<ClientId> {
        self.clients.iter().map(|(id, _)| *id).collect()
    }

    pub fn ticket_ids(&self) -> Vec<TicketId> {
        self.tickets.iter().map(|(id, _)| *id).collect()
    }

    /// Whether the callback task is open.
    pub fn callback_open(&self) -> bool {
        self.callback_due_at.is_some() && self.callback_done_at.is_none()
    }
}

/// What the first event of a call says about it.
#[derive(Debug, Clone)]
pub struct NewCall {
    pub source: String,
    pub pbx_call_id: String,
    pub direction: CallDirection,
    pub from_number: String,
    pub to_number: String,
    pub party_phone: Option<Phone>,
    pub times: CallTimes,
}

#[derive(sqlx::FromRow)]
struct CallRow {
    id: Uuid,
    source: String,
    pbx_call_id: String,
    direction: String,
    from_number: String,
    to_number: String,
    from_e164: Option<String>,
    to_e164: Option<String>,
    queue: Option<String>,
    operator_extension: Option<String>,
    operator_id: Option<Uuid>,
    operator_name: Option<String>,
    #[sqlx(flatten)]
    times: TimesRow,
    recording_url: Option<String>,
    building_id: Option<Uuid>,
    routed_to: Json<Vec<Uuid>>,
    callback_due_at: Option<DateTime<Utc>>,
    callback_done_at: Option<DateTime<Utc>>,
    callback_by: Option<Uuid>,
    callback_by_name: Option<String>,
    callback_note: Option<String>,
    updated_at: DateTime<Utc>,
}

/// A call's times as stored.
#[derive(sqlx::FromRow)]
struct TimesRow {
    started_at: DateTime<Utc>,
    rang: bool,
    answered_at: Option<DateTime<Utc>>,
    ended_at: Option<DateTime<Utc>>,
    end_cause: Option<String>,
    rejected: bool,
}

impl TimesRow {
    fn decode(self) -> StoreResult<CallTimes> {
        Ok(CallTimes {
            started_at: self.started_at,
            rang: self.rang,
            answered_at: self.answered_at,
            ended_at: self.ended_at,
            cause: self
                .end_cause
                .as_deref()
                .map(|c| decode("calls.end_cause", c, str::parse::<HangupCause>))
                .transpose()?,
            rejected: self.rejected,
        })
    }
}

impl CallRow {
    fn into_call(self, clients: Vec<(ClientId, String)>, tickets: Vec<(TicketId, String)>) -> StoreResult<Call> {
        let direction: CallDirection = decode("calls.direction", &self.direction, str::parse)?;
        let party = match direction {
            CallDirection::In => self.from_e164.as_deref(),
            CallDirection::Out => self.to_e164.as_deref(),
        };
        Ok(Call {
            id: CallId::from_uuid(self.id),
            source: self.source,
            pbx_call_id: self.pbx_call_id,
            direction,
            from_number: self.from_number,
            to_number: self.to_number,
            party_phone: party.map(|p| decode("calls.from_e164", p, Phone::parse)).transpose()?,
            queue: self.queue,
            operator_extension: self.operator_extension,
            operator_id: self.operator_id.map(UserId::from_uuid),
            operator_name: self.operator_name,
            times: self.times.decode()?,
            recording_url: self.recording_url,
            building_id: self.building_id.map(BuildingId::from_uuid),
            routed_to: self.routed_to.0.into_iter().map(UserId::from_uuid).collect(),
            callback_due_at: self.callback_due_at,
            callback_done_at: self.callback_done_at,
            callback_by: self.callback_by.map(UserId::from_uuid),
            callback_by_name: self.callback_by_name,
            callback_note: self.callback_note,
            clients,
            tickets,
            updated_at: self.updated_at,
        })
    }
}

macro_rules! call_select {
    () => {
        "SELECT k.id, k.source, k.pbx_call_id, k.direction, k.from_number, k.to_number, k.from_e164, k.to_e164,
                k.queue, k.operator_extension, k.operator_id, o.display_name AS operator_name, k.end_cause, k.rang,
                k.rejected, k.started_at, k.answered_at, k.ended_at, k.recording_url, k.building_id, k.routed_to,
                k.callback_due_at, k.callback_done_at, k.callback_by, b.display_name AS callback_by_name,
                k.callback_note, k.updated_at
         FROM calls k LEFT JOIN users o ON o.id = k.operator_id LEFT JOIN users b ON b.id = k.callback_by "
    };
}

/// Reads the matched clients and linked tickets of some call rows.
async fn complete<'a>(source: impl Into<Source<'a>>, rows: Vec<CallRow>) -> StoreResult<Vec<Call>> {
    let mut source: Source<'a> = source.into();
    // Two queries per page of calls, however many calls it holds.
    let mut clients: HashMap<Uuid, Vec<(ClientId, String)>> = HashMap::new();
    let mut tickets: HashMap<Uuid, Vec<(TicketId, String)>> = HashMap::new();
    for chunk in rows.chunks(COMPLETE_BATCH) {
        let ids = crate::mailings::numbered(1, chunk.len());
        let client_sql = format!(
            "SELECT cc.call_id, c.id, c.name FROM call_clients cc JOIN clients c ON c.id = cc.client_id
             WHERE cc.call_id IN ({ids}) ORDER BY c.name, c.id"
        );
        let ticket_sql = format!(
            "SELECT ct.call_id, t.id, t.year, t.seq FROM call_tickets ct JOIN tickets t ON t.id = ct.ticket_id
             WHERE ct.call_id IN ({ids}) ORDER BY ct.linked_at, t.id"
        );
        type Found = (Vec<(Uuid, Uuid, String)>, Vec<(Uuid, Uuid, i64, i64)>);
        let (found_clients, found_tickets): Found = on_conn!(source.reborrow(), c => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(client_sql.as_str()));
            for row in chunk {
                query = query.bind(row.id);
            }
            let found_clients = query.fetch_all(&mut *c).await?;
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(ticket_sql.as_str()));
            for row in chunk {
                query = query.bind(row.id);
            }
            (found_clients, query.fetch_all(&mut *c).await?)
        });
        for (call, id, name) in found_clients {
            clients.entry(call).or_default().push((ClientId::from_uuid(id), name));
        }
        for (call, id, year, seq) in found_tickets {
            let number = TicketNumber { year: i32::try_from(year).unwrap_or_default(), seq };
            tickets.entry(call).or_default().push((TicketId::from_uuid(id), number.to_string()));
        }
    }
    rows.into_iter()
        .map(|row| {
            let (call_clients, call_tickets) =
                (clients.remove(&row.id).unwrap_or_default(), tickets.remove(&row.id).unwrap_or_default());
            row.into_call(call_clients, call_tickets)
        })
        .collect()
}

/// Calls one pair of [`complete`]'s queries names at most.
const COMPLETE_BATCH: usize = 500;

pub async fn get<'a>(source: impl Into<Source<'a>>, id: CallId) -> StoreResult<Call> {
    let mut source: Source<'a> = source.into();
    let row: CallRow = on_conn!(source.reborrow(), c => {
        sqlx::query_as(concat!(call_select!(), "WHERE k.id = $1")).bind(id.as_uuid()).fetch_one(&mut *c).await?
    });
    complete(source, vec![row]).await?.pop().ok_or(StoreError::NotFound)
}

/// The call named by its source and PBX id, created from `first` when this
/// is the first event of it; the row is locked for this transaction.
/// Returns whether it was created now.
pub async fn upsert(tx: &mut WriteTx, first: &NewCall) -> StoreResult<(Call, bool)> {
    let id = CallId::new();
    let now = tx.now();
    let times = first.times;
    let (from_e164, to_e164) = match first.direction {
        CallDirection::In => (first.party_phone.as_ref().map(|p| p.e164().to_owned()), None),
        CallDirection::Out => (None, first.party_phone.as_ref().map(|p| p.e164().to_owned())),
    };
    let (inserted, row): (u64, CallRow) = on_conn!(&mut *tx, c => {
        let inserted = sqlx::query(
            "INSERT INTO calls (id, source, pbx_call_id, direction, from_number, to_number, from_e164, to_e164, state,
                                result, end_cause, rang, rejected, started_at, answered_at, ended_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (source, pbx_call_id) DO NOTHING",
        )
        .bind(id.as_uuid())
        .bind(&first.source)
        .bind(&first.pbx_call_id)
        .bind(first.direction.code())
        .bind(&first.from_number)
        .bind(&first.to_number)
        .bind(from_e164.clone())
        .bind(to_e164.clone())
        .bind(times.state().code())
        .bind(times.result().map(CallResult::code))
        .bind(times.cause.map(HangupCause::code))
        .bind(times.rang)
        .bind(times.rejected)
        .bind(times.started_at)
        .bind(times.answered_at)
        .bind(times.ended_at)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected();
        // Takes the row lock (PostgreSQL) before reading: a concurrent
        // event of the same call waits here.
        sqlx::query("UPDATE calls SET updated_at = updated_at WHERE source = $1 AND pbx_call_id = $2")
            .bind(&first.source)
            .bind(&first.pbx_call_id)
            .execute(&mut *c)
            .await?;
        let row = sqlx::query_as(concat!(call_select!(), "WHERE k.source = $1 AND k.pbx_call_id = $2"))
            .bind(&first.source)
            .bind(&first.pbx_call_id)
            .fetch_one(&mut *c)
            .await?;
        (inserted, row)
    });
    let call = complete(&mut *tx, vec![row]).await?.pop().ok_or(StoreError::NotFound)?;
    Ok((call, inserted > 0))
}

/// Writes back what an event changed (times, operator, routing, callback,
/// the building of the matches).
pub async fn save(tx: &mut WriteTx, call: &Call) -> StoreResult<Call> {
    let now = tx.now();
    let t = call.times;
    let routed: Vec<Uuid> = call.routed_to.iter().map(|u| u.as_uuid()).collect();
    let rows = on_conn!(&mut *tx, c => {
        sqlx::query(
            "UPDATE calls SET from_number = $2, to_number = $3, queue = $4, operator_extension = $5, operator_id = $6,
                    state = $7, result = $8, end_cause = $9, rang = $10, rejected = $11, started_at = $12,
                    answered_at = $13, ended_at = $14, recording_url = $15, building_id = $16, routed_to = $17,
                    callback_due_at = $18, callback_done_at = $19, callback_by = $20, callback_note = $21,
                    updated_at = $22
             WHERE id = $1",
        )
        .bind(call.id.as_uuid())
        .bind(&call.from_number)
        .bind(&call.to_number)
        .bind(call.queue.clone())
        .bind(call.operator_extension.clone())
        .bind(call.operator_id.as_ref().map(UserId::as_uuid))
        .bind(t.state().code())
        .bind(t.result().map(CallResult::code))
        .bind(t.cause.map(HangupCause::code))
        .bind(t.rang)
        .bind(t.rejected)
        .bind(t.started_at)
        .bind(t.answered_at)
        .bind(t.ended_at)
        .bind(call.recording_url.clone())
        .bind(call.building_id.as_ref().map(BuildingId::as_uuid))
        .bind(Json(routed.clone()))
        .bind(call.callback_due_at)
        .bind(call.callback_done_at)
        .bind(call.callback_by.as_ref().map(UserId::as_uuid))
        .bind(call.callback_note.clone())
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    expect_one(rows)?;
    get(tx, call.id).await
}

/// Replaces the matched clients of a call.
pub async fn set_clients(tx: &mut WriteTx, call: CallId, clients: &[ClientId]) -> StoreResult<()> {
    on_conn!(&mut *tx, c => {
        sqlx::query("DELETE FROM call_clients WHERE call_id = $1").bind(call.as_uuid()).execute(&mut *c).await?;
        for client in clients {
            sqlx::query("INSERT INTO call_clients (call_id, client_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(call.as_uuid())
                .bind(client.as_uuid())
                .execute(&mut *c)
                .await?;
        }
    });
    Ok(())
}

/// Links a ticket to a call (once).
pub async fn link_ticket(tx: &mut WriteTx, call: CallId, ticket: TicketId, by: Option<UserId>) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO call_tickets (call_id, ticket_id, linked_by, linked_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT DO NOTHING",
        )
        .bind(call.as_uuid())
        .bind(ticket.as_uuid())
        .bind(by.as_ref().map(UserId::as_uuid))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

/// A filter of the call log.
#[derive(Debug, Clone, Default)]
pub struct CallQuery {
    pub direction: Option<CallDirection>,
    pub state: Option<CallState>,
    pub result: Option<CallResult>,
    pub client: Option<ClientId>,
    pub ticket: Option<TicketId>,
    pub operator: Option<UserId>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only calls whose callback task is open.
    pub callback_open: bool,
    /// Calls after this one in the newest-first order.
    pub after: Option<(DateTime<Utc>, CallId)>,
    pub limit: i64,
}

/// The call log, newest first, one page (`limit + 1` read to know whether
/// more follow).
pub async fn list<'a>(source: impl Into<Source<'a>>, query: &CallQuery) -> StoreResult<(Vec<Call>, bool)> {
    let mut source: Source<'a> = source.into();
    let limit = query.limit.clamp(1, 1000);
    let (after_at, after_id) = match query.after {
        Some((at, id)) => (Some(at), Some(id.as_uuid())),
        None => (None, None),
    };
    let mut rows: Vec<CallRow> = on_conn!(source.reborrow(), c => {
        sqlx::query_as(concat!(
            call_select!(),
            "WHERE ($1 IS NULL OR k.direction = $1)
               AND ($2 IS NULL OR k.state = $2)
               AND ($3 IS NULL OR k.result = $3)
               AND ($4 IS NULL OR k.id IN (SELECT call_id FROM call_clients WHERE client_id = $4))
               AND ($5 IS NULL OR k.id IN (SELECT call_id FROM call_tickets WHERE ticket_id = $5))
               AND ($6 IS NULL OR k.operator_id = $6)
               AND ($7 IS NULL OR k.started_at >= $7)
               AND ($8 IS NULL OR k.started_at < $8)
               AND ($9 = FALSE OR (k.callback_due_at IS NOT NULL AND k.callback_done_at IS NULL))
               AND ($10 IS NULL OR k.started_at < $10 OR (k.started_at = $10 AND k.id < $11))
             ORDER BY k.started_at DESC, k.id DESC
             LIMIT $12"
        ))
        .bind(query.direction.map(CallDirection::code))
        .bind(query.state.map(CallState::code))
        .bind(query.result.map(CallResult::code))
        .bind(query.client.as_ref().map(ClientId::as_uuid))
        .bind(query.ticket.as_ref().map(TicketId::as_uuid))
        .bind(query.operator.as_ref().map(UserId::as_uuid))
        .bind(query.from)
        .bind(query.until)
        .bind(query.callback_open)
        .bind(after_at)
        .bind(after_id)
        .bind(limit + 1)
        .fetch_all(&mut *c)
        .await?
    });
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((complete(source, rows).await?, more))
}

/// How a call went, as the ПП РФ №416 figures count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub direction: CallDirection,
    pub times: CallTimes,
    pub callback_due_at: Option<DateTime<Utc>>,
    pub callback_done_at: Option<DateTime<Utc>>,
}

impl Call {
    pub fn outcome(&self) -> Outcome {
        Outcome {
            direction: self.direction,
            times: self.times,
            callback_due_at: self.callback_due_at,
            callback_done_at: self.callback_done_at,
        }
    }
}

/// A call as the calls report reads it: how it went, where and who
/// answered; no numbers, notes or routing (a year of calls is read at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallFact {
    pub outcome: Outcome,
    pub building_id: Option<BuildingId>,
    pub operator_id: Option<UserId>,
    pub operator_extension: Option<String>,
}

#[derive(sqlx::FromRow)]
struct FactRow {
    direction: String,
    #[sqlx(flatten)]
    times: TimesRow,
    building_id: Option<Uuid>,
    operator_id: Option<Uuid>,
    operator_extension: Option<String>,
    callback_due_at: Option<DateTime<Utc>>,
    callback_done_at: Option<DateTime<Utc>>,
}

/// The facts of the calls that started in `[from, until)`, in `buildings`
/// only when given (then no call of an unknown building), `limit` at most,
/// oldest first.
pub async fn facts_between<'a>(
    source: impl Into<Source<'a>>,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    buildings: Option<&[BuildingId]>,
    limit: i64,
) -> StoreResult<Vec<CallFact>> {
    let within = match buildings {
        Some([]) => return Ok(Vec::new()),
        Some(list) => format!("AND building_id IN ({})", crate::mailings::numbered(4, list.len())),
        None => String::new(),
    };
    let sql = format!(
        "SELECT direction, started_at, rang, answered_at, ended_at, end_cause, rejected, building_id, operator_id,
                operator_extension, callback_due_at, callback_done_at
         FROM calls WHERE started_at >= $1 AND started_at < $2 {within} ORDER BY started_at, id LIMIT $3"
    );
    let rows: Vec<FactRow> = on_conn!(source, c => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(from).bind(until).bind(limit);
        for building in buildings.unwrap_or_default() {
            query = query.bind(building.as_uuid());
        }
        query.fetch_all(&mut *c).await?
    });
    rows.into_iter()
        .map(|row| {
            Ok(CallFact {
                outcome: Outcome {
                    direction: decode("calls.direction", &row.direction, str::parse)?,
                    times: row.times.decode()?,
                    callback_due_at: row.callback_due_at,
                    callback_done_at: row.callback_done_at,
                },
                building_id: row.building_id.map(BuildingId::from_uuid),
                operator_id: row.operator_id.map(UserId::from_uuid),
                operator_extension: row.operator_extension,
            })
        })
        .collect()
}

/// Open callback tasks of calls from this number (to close them when it
/// is called back).
pub async fn open_callbacks_from<'a>(source: impl Into<Source<'a>>, e164: &str) -> StoreResult<Vec<CallId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT id FROM calls WHERE from_e164 = $1 AND callback_due_at IS NOT NULL AND callback_done_at IS NULL",
        )
        .bind(e164)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(ids.into_iter().map(CallId::from_uuid).collect())
}

/// Calls still ringing or talking that started before `before` (a PBX
/// that never sent the end).
pub async fn stale<'a>(source: impl Into<Source<'a>>, before: DateTime<Utc>) -> StoreResult<Vec<CallId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM calls WHERE state <> 'ended' AND started_at < $1 LIMIT 500")
            .bind(before)
            .fetch_all(&mut *c)
            .await?
    });
    Ok(ids.into_iter().map(CallId::from_uuid).collect())
}

// ---- Routing ------------------------------------------------------------------

/// Where a PBX's name points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RouteTarget {
    User { id: UserId, name: String },
    Team { id: TeamId, name: String },
}

/// One routing entry: an extension to a user, a queue to a team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// `extension` or `queue`.
    pub kind: String,
    pub name: String,
    pub target: RouteTarget,
}

pub async fn routes<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Route>> {
    type Row = (String, String, Option<Uuid>, Option<String>, Option<Uuid>, Option<String>);
    let rows: Vec<Row> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT r.kind, r.name, r.user_id, u.display_name, r.team_id, t.name FROM call_routes r
             LEFT JOIN users u ON u.id = r.user_id LEFT JOIN teams t ON t.id = r.team_id
             ORDER BY r.kind, r.name",
        )
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|(kind, name, user, user_name, team, team_name)| {
            let target = match (user, team) {
                (Some(id), _) => RouteTarget::User { id: UserId::from_uuid(id), name: user_name.unwrap_or_default() },
                (None, Some(id)) => {
                    RouteTarget::Team { id: TeamId::from_uuid(id), name: team_name.unwrap_or_default() }
                }
                (None, None) => return Err(StoreError::Corrupt(format!("call route {name} points nowhere"))),
            };
            Ok(Route { kind, name, target })
        })
        .collect()
}

/// Sets (or replaces) where an extension or a queue points.
pub async fn set_route(tx: &mut WriteTx, kind: &str, name: &str, target: &RouteTarget) -> StoreResult<()> {
    let now = tx.now();
    let (user, team) = match target {
        RouteTarget::User { id, .. } => (Some(id.as_uuid()), None),
        RouteTarget::Team { id, .. } => (None, Some(id.as_uuid())),
    };
    on_conn!(&mut *tx, c => {
        sqlx::query("DELETE FROM call_routes WHERE kind = $1 AND name = $2").bind(kind).bind(name).execute(&mut *c).await?;
        sqlx::query("INSERT INTO call_routes (kind, name, user_id, team_id, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(kind)
            .bind(name)
            .bind(user)
            .bind(team)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    Ok(())
}

pub async fn delete_route(tx: &mut WriteTx, kind: &str, name: &str) -> StoreResult<()> {
    let rows = on_conn!(&mut *tx, c => {
        sqlx::query("DELETE FROM call_routes WHERE kind = $1 AND name = $2")
            .bind(kind)
            .bind(name)
            .execute(&mut *c)
            .await?
            .rows_affected()
    });
    expect_one(rows)
}

/// The active users a PBX name means: a mapped extension, or a login.
pub async fn user_named<'a>(source: impl Into<Source<'a>>, name: &str) -> StoreResult<Option<(UserId, String)>> {
    let row: Option<(Uuid, String)> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT u.id, u.display_name FROM users u
             WHERE u.disabled_at IS NULL
               AND (u.id IN (SELECT user_id FROM call_routes WHERE kind = 'extension' AND name = $1)
                    OR lower(u.login) = lower($1))
             ORDER BY CASE WHEN lower(u.login) = lower($1) THEN 1 ELSE 0 END
             LIMIT 1",
        )
        .bind(name)
        .fetch_optional(&mut *c)
        .await?
    });
    Ok(row.map(|(id, name)| (UserId::from_uuid(id), name)))
}

/// The members of the team a queue points to.
pub async fn queue_members<'a>(source: impl Into<Source<'a>>, queue: &str) -> StoreResult<Vec<UserId>> {
    let ids: Vec<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT m.user_id FROM call_routes r JOIN team_members m ON m.team_id = r.team_id
             WHERE r.kind = 'queue' AND r.name = $1",
        )
        .bind(queue)
        .fetch_all(&mut *c)
        .await?
    });
    Ok(ids.into_iter().map(UserId::from_uuid).collect())
}

// ---- Blocked numbers ----------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlockedNumber {
    pub phone: Phone,
    pub note: String,
    pub created_at: DateTime<Utc>,
}

pub async fn blocked_numbers<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<BlockedNumber>> {
    let rows: Vec<(String, String, DateTime<Utc>)> = on_conn!(source, c => {
        sqlx::query_as("SELECT e164, note, created_at FROM blocked_numbers ORDER BY created_at DESC")
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter()
        .map(|(e164, note, created_at)| {
            Ok(BlockedNumber { phone: decode("blocked_numbers.e164", &e164, Phone::parse)?, note, created_at })
        })
        .collect()
}

pub async fn is_blocked<'a>(source: impl Into<Source<'a>>, phone: &Phone) -> StoreResult<bool> {
    let found: Option<i32> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT 1 FROM blocked_numbers WHERE e164 = $1")
            .bind(phone.e164())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(found.is_some())
}

/// Blocks a number (again: the note is replaced).
pub async fn block_number(tx: &mut WriteTx, phone: &Phone, note: &str, by: Option<UserId>) -> StoreResult<()> {
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO blocked_numbers (e164, note, added_by, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (e164) DO UPDATE SET note = excluded.note",
        )
        .bind(phone.e164())
        .bind(note)
        .bind(by.as_ref().map(UserId::as_uuid))
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    Ok(())
}

pub async fn unblock_number(tx: &mut WriteTx, phone: &Phone) -> StoreResult<()> {
    let rows = on_conn!(&mut *tx, c => {
        sqlx::query("DELETE FROM blocked_numbers WHERE e164 = $1").bind(phone.e164()).execute(&mut *c).await?.rows_affected()
    });
    expect_one(rows)
}
