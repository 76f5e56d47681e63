//! Tickets: intake, workflow, assignment, classification, comments,
//! ratings. Every function checks the policy on the ticket's building (and,
//! for residents, ownership) before anything else.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;

use domovoy_actors::tickets::{TicketSummary, announce, created_by_resident, emit_summary, summary};
use domovoy_domain::FieldError;
use domovoy_domain::account::AccountKind;
use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::contact::Phone;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::event::EventKind;
use domovoy_domain::ids::{BuildingId, ClassifierId, ClientId, TicketId, UnitId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Principal, Target};
use domovoy_domain::sla::ProductionCalendar;
use domovoy_domain::ticket::{
    Description, HoldReason, Priority, Rating, Ticket, TicketSla, TicketSource, TicketStatus, TransitionInput,
    WorkflowError, check_transition, parse_comment, parse_contact_name, parse_location, parse_reason,
    resident_may_cancel,
};
use domovoy_store::classifier::ClassifierItem;
use domovoy_store::idempotency::{self, Recorded};
use domovoy_store::tickets::{self, Comment, HistoryEntry, TicketPage, TicketQuery};
use domovoy_store::{StoreError, WriteTx, assignments, buildings, classifier, clients, intake, layout, users};

use super::{optional, present};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A resident may not file the same text twice within this window.
const DUPLICATE_WINDOW: Duration = Duration::hours(24);
/// Tickets one resident may file per day; beyond it intake answers 429.
const RESIDENT_DAILY_LIMIT: i64 = 20;

/// A new ticket as it arrives (API body or form), before parsing.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
pub struct NewTicket {
    pub building_id: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub unit_id: Option<String>,
    pub client_id: Option<String>,
    /// A category's id or code (`plumbing`).
    pub category: Option<String>,
    pub place: Option<String>,
    pub problem: Option<String>,
    pub priority: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// Where exactly: "кв. 45", "подъезд 2, 5 этаж".
    pub location: Option<String>,
}

/// An `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    pub key: String,
    pub request_hash: Vec<u8>,
}

/// What intake answered.
#[derive(Debug)]
pub enum Intake {
    /// Created now; `body` is the response (also kept for retries).
    Created { ticket: Box<Ticket>, body: serde_json::Value },
    /// A retry: the first answer again.
    Replayed { status: u16, body: serde_json::Value },
}

/// Renders a created ticket as the response body (stored for retries).
pub type Render = fn(&Ticket, &TicketSummary) -> serde_json::Value;

struct Parsed {
    building: BuildingId,
    description: Description,
    source: TicketSource,
    priority: Priority,
    unit: Option<UnitId>,
    client: Option<ClientId>,
    contact_name: Option<String>,
    contact_phone: Option<Phone>,
    location: Option<String>,
}

fn parse_uuid<T: From<uuid::Uuid>>(raw: &str) -> Result<T, FieldError> {
    raw.trim().parse::<uuid::Uuid>().map(T::from).map_err(|_| FieldError::InvalidFormat)
}

fn parse_new(input: &NewTicket, resident: bool) -> Result<Parsed, ApiError> {
    let mut errors = FieldErrors::new();
    let building = match present(input.building_id.as_deref()) {
        Some(raw) => errors.check("building_id", parse_uuid::<BuildingId>(raw)),
        None => {
            errors.add("building_id", FieldError::Required);
            None
        }
    };
    let description = errors.check("description", Description::parse(input.description.as_deref().unwrap_or("")));
    let source = match present(input.source.as_deref()) {
        Some(raw) => errors.check("source", raw.parse::<TicketSource>()),
        None => {
            errors.add("source", FieldError::Required);
            None
        }
    };
    // Residents write from their app, cabinet or mail, never "by phone".
    if resident
        && let Some(source) = source
        && !matches!(source, TicketSource::ResidentApp | TicketSource::WebCabinet | TicketSource::Email)
    {
        errors.add("source", FieldError::NotAllowed);
    }
    let priority = optional(&mut errors, "priority", input.priority.as_deref(), str::parse::<Priority>)
        .unwrap_or(Priority::Normal);
    let unit = optional(&mut errors, "unit_id", input.unit_id.as_deref(), parse_uuid::<UnitId>);
    let client = optional(&mut errors, "client_id", input.client_id.as_deref(), parse_uuid::<ClientId>);
    let contact_name = optional(&mut errors, "contact_name", input.contact_name.as_deref(), parse_contact_name);
    let contact_phone = optional(&mut errors, "contact_phone", input.contact_phone.as_deref(), Phone::parse);
    let location = optional(&mut errors, "location", input.location.as_deref(), parse_location);
    errors.clone().into_result()?;
    match (building, description, source) {
        (Some(building), Some(description), Some(source)) => {
            Ok(Parsed { building, description, source, priority, unit, client, contact_name, contact_phone, location })
        }
        _ => Err(ApiError::Validation(errors)),
    }
}

/// Finds a classifier item by id or code, of the expected kind.
async fn resolve_item(
    tx: &mut WriteTx,
    raw: Option<&str>,
    kind: ClassifierKind,
    field: &'static str,
) -> Result<Option<ClassifierId>, ApiError> {
    let Some(raw) = present(raw) else { return Ok(None) };
    let id = match raw.parse::<uuid::Uuid>() {
        Ok(uuid) => ClassifierId::from_uuid(uuid),
        Err(_) => classifier::find_by_code(&mut *tx, raw).await?.ok_or(ApiError::field(field, FieldError::Unknown))?,
    };
    let item = classifier::get(&mut *tx, id).await.map_err(|_| ApiError::field(field, FieldError::Unknown))?;
    if item.kind != kind || !item.active {
        return Err(ApiError::field(field, FieldError::NotAllowed));
    }
    Ok(Some(id))
}

/// The year ticket numbers count in: the company's local year.
fn number_year(state: &AppState, now: DateTime<Utc>) -> i32 {
    now.with_timezone(&state.config.display_time_zone).year()
}

fn actor_of(caller: &Caller) -> (Option<UserId>, String) {
    (Some(caller.user.id), caller.user.display_name.to_string())
}

/// Files a new ticket. With an idempotency key, a retry replays the first
/// answer and creates nothing; the same key with another body is refused.
/// The answer comes only after the commit.
pub async fn create(
    state: &AppState,
    caller: &Caller,
    input: &NewTicket,
    idempotency_key: Option<IdempotencyKey>,
    render: Render,
) -> Result<Intake, ApiError> {
    let resident = caller.user.kind == AccountKind::Resident;
    let parsed = parse_new(input, resident)?;
    let mut target = Target::building(parsed.building);
    if resident {
        target = target.owned_by(caller.user.id);
    }
    caller.require(Permission::TicketsCreate, &target)?;
    let calendar = state.live.tickets.calendar().get().await?;
    let (input, user, year) = (input.clone(), caller.user.id, number_year(state, Utc::now()));
    let actor = actor_of(caller);
    let outcome = state
        .write(move |tx| {
            Box::pin(async move {
                if let Some(key) = &idempotency_key {
                    match idempotency::begin(tx, user, &key.key, &key.request_hash).await? {
                        Recorded::First => {}
                        Recorded::Answer { status, body } => return Ok(Intake::Replayed { status, body }),
                        Recorded::Mismatch => {
                            return Err(ApiError::BadRequest {
                                code: "idempotency_key_reused",
                                message: |t| t.tk.idempotency_reused,
                            });
                        }
                    }
                }
                let ticket = insert_new(tx, parsed, &input, user, resident, actor, year, calendar).await?;
                let summary = summary(&mut *tx, &ticket).await?;
                emit_summary(tx, &ticket, EventKind::TicketCreated, &summary, None, resident)?;
                let body = render(&ticket, &summary);
                if let Some(key) = &idempotency_key {
                    idempotency::finish(tx, user, &key.key, 201, &body);
                }
                Ok(Intake::Created { ticket: Box::new(ticket), body })
            })
        })
        .await;
    // Concurrent requests with one key need no special case: on PostgreSQL
    // the second waits on the first's key row and then reads its answer; on
    // SQLite the single writer runs them one after the other.
    let outcome = outcome?;
    if let Intake::Created { ticket, .. } = &outcome {
        state.metrics.tickets_created.with(&[ticket.source.code()]).inc();
        state.live.tickets.changed(ticket);
    }
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)] // One ticket's worth of parsed input.
async fn insert_new(
    tx: &mut WriteTx,
    parsed: Parsed,
    input: &NewTicket,
    user: UserId,
    resident: bool,
    actor: (Option<UserId>, String),
    year: i32,
    calendar: Arc<ProductionCalendar>,
) -> Result<Ticket, ApiError> {
    let now = tx.now();
    if resident {
        if tickets::has_identical(tx, user, parsed.description.as_str(), now - DUPLICATE_WINDOW).await? {
            return Err(ApiError::BadRequest { code: "duplicate_request", message: |t| t.tk.duplicate_request });
        }
        if tickets::count_created_since(tx, user, now - Duration::hours(24)).await? >= RESIDENT_DAILY_LIMIT {
            return Err(ApiError::TooManyRequests { retry_after: std::time::Duration::from_secs(3600) });
        }
    }
    // The building (and with it the assignment rule and SLA policy) first:
    // an unknown building is the error to report, not its units.
    let category = resolve_item(tx, input.category.as_deref(), ClassifierKind::Category, "category").await?;
    let context = intake::context(tx, parsed.building, category, parsed.priority)
        .await?
        .ok_or(ApiError::field("building_id", FieldError::Unknown))?;
    let place = resolve_item(tx, input.place.as_deref(), ClassifierKind::Place, "place").await?;
    let problem = resolve_item(tx, input.problem.as_deref(), ClassifierKind::Problem, "problem").await?;
    let mut parsed = parsed;
    let resident_client = if resident { clients::find_by_user(&mut *tx, user).await? } else { None };
    if resident {
        // A resident files for themselves, about their own units only.
        parsed.client = resident_client;
    }
    if let Some(unit) = parsed.unit {
        let unit = layout::unit(&mut *tx, unit).await.map_err(|e| match e {
            StoreError::NotFound => ApiError::field("unit_id", FieldError::Unknown),
            other => other.into(),
        })?;
        if unit.building_id != parsed.building {
            return Err(ApiError::field("unit_id", FieldError::NotAllowed));
        }
        if resident {
            let theirs = match resident_client {
                Some(client) => clients::links(&mut *tx, client).await?.iter().any(|l| l.unit.id == unit.id),
                None => false,
            };
            if !theirs {
                return Err(ApiError::field("unit_id", FieldError::NotAllowed));
            }
        }
        if parsed.location.is_none() {
            parsed.location = Some(unit.title());
        }
    }
    if let Some(client) = parsed.client {
        let client = clients::get(&mut *tx, client).await.map_err(|e| match e {
            StoreError::NotFound => ApiError::field("client_id", FieldError::Unknown),
            other => other.into(),
        })?;
        if parsed.contact_name.is_none() {
            parsed.contact_name = Some(client.card.name);
        }
    }
    let (assignee, team) = context.assigned.unwrap_or((None, None));
    let mut ticket = Ticket {
        id: TicketId::new(),
        // The year's next number is taken as the row is stored, below.
        number: domovoy_domain::ticket::TicketNumber { year, seq: 0 },
        source: parsed.source,
        building_id: parsed.building,
        unit_id: parsed.unit,
        client_id: parsed.client,
        contact_name: parsed.contact_name,
        contact_phone: parsed.contact_phone.map(|p| p.e164().to_owned()),
        location: parsed.location,
        place_id: place,
        category_id: category,
        problem_id: problem,
        priority: parsed.priority,
        description: parsed.description,
        status: if assignee.is_some() { TicketStatus::Assigned } else { TicketStatus::New },
        hold_reason: None,
        end_reason: None,
        assignee_id: assignee,
        team_id: team,
        created_by: Some(user),
        version: 1,
        created_at: now,
        updated_at: now,
        responded_at: None,
        resolved_at: None,
        closed_at: None,
        sla: TicketSla::none(),
        rating: None,
        rating_comment: None,
        rated_at: None,
        flagged: false,
    };
    if let Some(policy) = &context.policy {
        ticket.sla = domovoy_actors::sla::under(policy, calendar, context.time_zone, &ticket, Vec::new(), now);
    }
    tickets::insert_numbered(tx, &mut ticket, (actor.0, &actor.1)).await?;
    Ok(ticket)
}

/// Reads a ticket the caller may see.
pub async fn get(state: &AppState, caller: &Caller, id: TicketId) -> Result<Ticket, ApiError> {
    let ticket = tickets::get(&state.db, id).await?;
    caller.require(Permission::TicketsRead, &ticket.target())?;
    Ok(ticket)
}

/// Whether the caller is staff (sees internal comments and history).
pub fn is_staff(caller: &Caller) -> bool {
    caller.user.kind == AccountKind::Staff
}

/// Everything the ticket page shows.
#[derive(Debug)]
pub struct TicketView {
    pub ticket: Ticket,
    pub summary: TicketSummary,
    pub comments: Vec<Comment>,
    pub history: Vec<HistoryEntry>,
    pub watchers: Vec<(UserId, String)>,
    pub attachments: Vec<tickets::Attachment>,
}

pub async fn view(state: &AppState, caller: &Caller, id: TicketId) -> Result<TicketView, ApiError> {
    let ticket = get(state, caller, id).await?;
    let staff = is_staff(caller);
    Ok(TicketView {
        summary: summary(&state.db, &ticket).await?,
        comments: tickets::comments(&state.db, id, staff).await?,
        history: tickets::history(&state.db, id, staff).await?,
        watchers: tickets::watchers(&state.db, id).await?,
        attachments: tickets::attachments(&state.db, id).await?,
        ticket,
    })
}

/// The tickets the caller may see, narrowed by `query` (whose building
/// list is intersected with the caller's reach).
pub async fn list(
    state: &AppState,
    caller: &Caller,
    mut query: TicketQuery,
) -> Result<(TicketPage, Vec<(TicketStatus, i64)>), ApiError> {
    narrow(caller, &mut query)?;
    let page = tickets::list(&state.db, &query).await?;
    let counts = tickets::count_by_status(&state.db, &query).await?;
    Ok((page, counts))
}

/// Restricts a query to what the caller may read.
fn narrow(caller: &Caller, query: &mut TicketQuery) -> Result<(), ApiError> {
    let reach = caller.reach(Permission::TicketsRead)?;
    if reach.reaches_buildings() {
        if let Some(allowed) = reach.building_filter() {
            query.buildings = Some(match query.buildings.take() {
                Some(asked) => asked.into_iter().filter(|b| allowed.contains(b)).collect(),
                None => allowed.iter().copied().collect(),
            });
        }
    } else {
        // Residents: their own tickets only.
        query.created_by = Some(caller.user.id);
    }
    Ok(())
}

/// A status change as requested.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TransitionRequest {
    /// The new status (`accepted`, `in_progress`, `on_hold`, `done`, …).
    pub to: String,
    /// Required to reject or cancel.
    pub reason: Option<String>,
    /// Required to put on hold: `waiting_client` (the SLA clock stops) or
    /// `waiting_parts`.
    pub hold_reason: Option<String>,
    /// The version the caller saw; a newer one answers 409.
    pub version: Option<i64>,
}

/// The statuses the caller may move `ticket` to now, in workflow order
/// (the ticket page's buttons, the board's drop targets).
pub fn available_transitions(caller: &Caller, ticket: &Ticket) -> Vec<TicketStatus> {
    let resident = caller.user.kind == AccountKind::Resident;
    TicketStatus::ALL
        .iter()
        .copied()
        .filter(|&to| {
            let transition = domovoy_domain::ticket::Transition { from: ticket.status, to };
            if !transition.is_allowed() {
                return false;
            }
            if resident {
                ticket.created_by == Some(caller.user.id) && resident_allows(ticket, to)
            } else {
                caller.principal.can(transition.permission(), &ticket.target())
            }
        })
        .collect()
}

/// Which moves a resident may make on their own ticket.
fn resident_allows(ticket: &Ticket, to: TicketStatus) -> bool {
    match to {
        TicketStatus::Cancelled => resident_may_cancel(ticket.status),
        TicketStatus::Closed => ticket.status == TicketStatus::Done,
        TicketStatus::Reopened => matches!(ticket.status, TicketStatus::Done | TicketStatus::Closed),
        _ => false,
    }
}

/// Moves a ticket through its workflow.
pub async fn transition(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    request: &TransitionRequest,
) -> Result<Ticket, ApiError> {
    let to: TicketStatus = request.to.parse().map_err(|e| ApiError::field("to", e))?;
    let mut errors = FieldErrors::new();
    let reason = optional(&mut errors, "reason", request.reason.as_deref(), parse_reason);
    let hold_reason = optional(&mut errors, "hold_reason", request.hold_reason.as_deref(), str::parse::<HoldReason>);
    errors.into_result()?;
    let current = get(state, caller, id).await?;
    let resident = caller.user.kind == AccountKind::Resident;
    if resident {
        if current.created_by != Some(caller.user.id) || !resident_allows(&current, to) {
            return Err(ApiError::Forbidden);
        }
    } else {
        let transition = domovoy_domain::ticket::Transition { from: current.status, to };
        caller.require(transition.permission(), &current.target())?;
    }
    let (expected, actor, calendar) = (request.version, actor_of(caller), state.live.tickets.calendar().get().await?);
    let ticket = state
        .write(move |tx| {
            Box::pin(async move {
                let ticket = tickets::get(&mut *tx, id).await?;
                if let Some(expected) = expected
                    && expected != ticket.version
                {
                    return Err(ApiError::VersionConflict { current: ticket.version });
                }
                let input = TransitionInput { reason, hold_reason, has_assignee: ticket.assignee_id.is_some() };
                check_transition(ticket.status, to, &input).map_err(ApiError::Workflow)?;
                apply_transition(tx, ticket, to, input, actor, calendar).await
            })
        })
        .await?;
    state.live.tickets.changed(&ticket);
    Ok(ticket)
}

async fn apply_transition(
    tx: &mut WriteTx,
    ticket: Ticket,
    to: TicketStatus,
    input: TransitionInput,
    actor: (Option<UserId>, String),
    calendar: Arc<ProductionCalendar>,
) -> Result<Ticket, ApiError> {
    let now = tx.now();
    let from = ticket.status;
    let mut next = ticket.clone();
    next.status = to;
    next.updated_at = now;
    if next.responded_at.is_none() && to != TicketStatus::New {
        next.responded_at = Some(now);
    }
    if from == TicketStatus::OnHold && ticket.hold_reason == Some(HoldReason::WaitingClient) {
        tickets::end_pause(tx, ticket.id).await?;
    }
    next.hold_reason = None;
    match to {
        TicketStatus::OnHold => {
            next.hold_reason = input.hold_reason;
            if input.hold_reason == Some(HoldReason::WaitingClient) {
                tickets::start_pause(tx, ticket.id).await?;
            }
        }
        TicketStatus::Done => next.resolved_at = Some(now),
        TicketStatus::Closed => next.closed_at = Some(now),
        TicketStatus::Reopened => {
            next.resolved_at = None;
            next.closed_at = None;
        }
        TicketStatus::Rejected | TicketStatus::Cancelled => {
            next.end_reason = input.reason.clone();
            next.closed_at = Some(now);
        }
        _ => {}
    }
    next.sla = domovoy_actors::sla::refresh(tx, calendar, &next, now).await?;
    let saved = save(tx, &next).await?;
    let data = serde_json::json!({ "from": from, "to": to, "reason": input.reason, "hold_reason": input.hold_reason });
    tickets::add_history(tx, saved.id, (actor.0, &actor.1), "status", &data, true).await?;
    let resident = created_by_resident(&mut *tx, &saved).await?;
    announce(tx, &saved, EventKind::TicketUpdated, None, resident).await?;
    Ok(saved)
}

/// Saves with the version check, turning a lost race into a readable 409.
async fn save(tx: &mut WriteTx, ticket: &Ticket) -> Result<Ticket, ApiError> {
    match tickets::save(tx, ticket).await {
        Ok(saved) => Ok(saved),
        Err(StoreError::Conflict(_)) => {
            let current = tickets::get(&mut *tx, ticket.id).await?;
            Err(ApiError::VersionConflict { current: current.version })
        }
        Err(other) => Err(other.into()),
    }
}

/// Whether `user` may work on tickets of `building` (to be assigned one).
async fn can_work_on(state: &AppState, user: UserId, building: BuildingId) -> Result<bool, ApiError> {
    let account = users::get(&state.db, user).await?;
    if account.kind != AccountKind::Staff || account.is_disabled() {
        return Ok(false);
    }
    let grants = assignments::grants(&state.db, user).await?;
    Ok(Principal::new(user, account.kind, grants).can(Permission::TicketsTransition, &Target::building(building)))
}

/// Assigns a ticket to someone (or nobody); a new, accepted or reopened
/// ticket becomes assigned.
pub async fn assign(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    assignee: Option<UserId>,
    version: Option<i64>,
) -> Result<Ticket, ApiError> {
    let current = get(state, caller, id).await?;
    caller.require(Permission::TicketsAssign, &current.target())?;
    if let Some(user) = assignee
        && !can_work_on(state, user, current.building_id).await?
    {
        return Err(ApiError::field("assignee_id", FieldError::NotAllowed));
    }
    let (actor, calendar) = (actor_of(caller), state.live.tickets.calendar().get().await?);
    let ticket = state
        .write(move |tx| {
            Box::pin(async move {
                let ticket = tickets::get(&mut *tx, id).await?;
                if let Some(expected) = version
                    && expected != ticket.version
                {
                    return Err(ApiError::VersionConflict { current: ticket.version });
                }
                if !ticket.status.is_open() {
                    return Err(ApiError::Workflow(WorkflowError::NotAllowed {
                        from: ticket.status,
                        to: TicketStatus::Assigned,
                    }));
                }
                let now = tx.now();
                let previous = ticket.assignee_id;
                let mut next = ticket.clone();
                next.assignee_id = assignee;
                next.updated_at = now;
                next.responded_at = next.responded_at.or(Some(now));
                match (assignee, ticket.status) {
                    (Some(_), TicketStatus::New | TicketStatus::Accepted | TicketStatus::Reopened) => {
                        next.status = TicketStatus::Assigned;
                    }
                    (None, TicketStatus::Assigned) => next.status = TicketStatus::Accepted,
                    (None, TicketStatus::InProgress) => {
                        return Err(ApiError::Workflow(WorkflowError::AssigneeRequired));
                    }
                    _ => {}
                }
                next.sla = domovoy_actors::sla::refresh(tx, calendar, &next, now).await?;
                let saved = save(tx, &next).await?;
                let data = serde_json::json!({ "from": previous, "to": assignee, "status": saved.status });
                tickets::add_history(tx, saved.id, (actor.0, &actor.1), "assigned", &data, true).await?;
                if let Some(user) = assignee {
                    tickets::watch(tx, saved.id, user, true).await?;
                }
                let resident = created_by_resident(&mut *tx, &saved).await?;
                announce(tx, &saved, EventKind::TicketUpdated, previous, resident).await?;
                Ok(saved)
            })
        })
        .await?;
    state.live.tickets.changed(&ticket);
    Ok(ticket)
}

/// A change of classification or priority.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct TicketUpdate {
    pub priority: Option<String>,
    /// Category id or code; empty clears it.
    pub category: Option<String>,
    pub place: Option<String>,
    pub problem: Option<String>,
    pub version: Option<i64>,
}

/// Reclassifies a ticket; its SLA is evaluated again under the policy that
/// now matches, over its whole timeline.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    change: &TicketUpdate,
) -> Result<Ticket, ApiError> {
    let current = get(state, caller, id).await?;
    caller.require(Permission::TicketsTransition, &current.target())?;
    let priority: Option<Priority> = match present(change.priority.as_deref()) {
        Some(raw) => Some(raw.parse().map_err(|e| ApiError::field("priority", e))?),
        None => None,
    };
    let (change, actor, calendar) = (change.clone(), actor_of(caller), state.live.tickets.calendar().get().await?);
    let ticket = state
        .write(move |tx| {
            Box::pin(async move {
                let ticket = tickets::get(&mut *tx, id).await?;
                if let Some(expected) = change.version
                    && expected != ticket.version
                {
                    return Err(ApiError::VersionConflict { current: ticket.version });
                }
                let mut next = ticket.clone();
                if let Some(priority) = priority {
                    next.priority = priority;
                }
                if change.category.is_some() {
                    next.category_id =
                        resolve_item(tx, change.category.as_deref(), ClassifierKind::Category, "category").await?;
                }
                if change.place.is_some() {
                    next.place_id = resolve_item(tx, change.place.as_deref(), ClassifierKind::Place, "place").await?;
                }
                if change.problem.is_some() {
                    next.problem_id =
                        resolve_item(tx, change.problem.as_deref(), ClassifierKind::Problem, "problem").await?;
                }
                if next == ticket {
                    return Ok(ticket);
                }
                let now = tx.now();
                next.updated_at = now;
                next.sla = domovoy_actors::sla::refresh(tx, calendar, &next, now).await?;
                let saved = save(tx, &next).await?;
                let data = serde_json::json!({
                    "priority": { "from": ticket.priority, "to": saved.priority },
                    "category_id": { "from": ticket.category_id, "to": saved.category_id },
                    "problem_id": { "from": ticket.problem_id, "to": saved.problem_id },
                    "sla_state": { "from": ticket.sla.state, "to": saved.sla.state },
                });
                tickets::add_history(tx, saved.id, (actor.0, &actor.1), "classified", &data, false).await?;
                let resident = created_by_resident(&mut *tx, &saved).await?;
                announce(tx, &saved, EventKind::TicketUpdated, None, resident).await?;
                Ok(saved)
            })
        })
        .await?;
    state.live.tickets.changed(&ticket);
    Ok(ticket)
}

/// Adds a comment: public (the resident sees it) or internal (staff only).
/// A resident's comments are always public; a staff member's public
/// comment counts as the first response.
pub async fn comment(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    body: &str,
    public: bool,
) -> Result<Comment, ApiError> {
    get(state, caller, id).await?;
    let staff = is_staff(caller);
    let public = public || !staff;
    let body = parse_comment(body).map_err(|e| ApiError::field("body", e))?;
    let actor = actor_of(caller);
    let (comment, ticket) = state
        .write(move |tx| {
            Box::pin(async move {
                let comment = tickets::add_comment(tx, id, (actor.0, &actor.1), &body, public).await?;
                let mut ticket = tickets::get(&mut *tx, id).await?;
                if staff && public && ticket.responded_at.is_none() {
                    let mut next = ticket.clone();
                    next.responded_at = Some(tx.now());
                    ticket = save(tx, &next).await?;
                }
                let resident = created_by_resident(&mut *tx, &ticket).await?;
                let payload = serde_json::json!({ "ticket_id": id, "comment_id": comment.id, "public": public });
                for topic in domovoy_actors::tickets::topics(&ticket, None, resident && public) {
                    tx.emit(topic, EventKind::TicketCommented, &payload)?;
                }
                Ok((comment, ticket))
            })
        })
        .await?;
    state.live.tickets.changed(&ticket);
    Ok(comment)
}

/// What happens to a finished ticket rated low (1 or 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LowRating {
    /// Back to work: the ticket is reopened.
    Reopen,
    /// Marked for a manager's attention; stays closed.
    Flag,
}

/// The resident rates finished work: a good rating closes the ticket, a
/// low one reopens or flags it.
pub async fn rate(
    state: &AppState,
    caller: &Caller,
    id: TicketId,
    rating: i64,
    comment: Option<&str>,
) -> Result<Ticket, ApiError> {
    let ticket = get(state, caller, id).await?;
    if ticket.created_by != Some(caller.user.id) {
        return Err(ApiError::Forbidden);
    }
    if !matches!(ticket.status, TicketStatus::Done | TicketStatus::Closed) || ticket.rating.is_some() {
        return Err(ApiError::BadRequest { code: "not_rateable", message: |t| t.tk.not_rateable });
    }
    let rating = Rating::parse(rating).map_err(|e| ApiError::field("rating", e))?;
    let comment = match present(comment) {
        Some(text) => Some(parse_comment(text).map_err(|e| ApiError::field("comment", e))?),
        None => None,
    };
    let (policy, actor, calendar) =
        (state.config.low_rating, actor_of(caller), state.live.tickets.calendar().get().await?);
    let ticket = state
        .write(move |tx| {
            Box::pin(async move {
                let ticket = tickets::get(&mut *tx, id).await?;
                let now = tx.now();
                let mut next = ticket.clone();
                next.rating = Some(rating);
                next.rating_comment = comment.clone();
                next.rated_at = Some(now);
                next.updated_at = now;
                if rating.is_low() && policy == LowRating::Reopen {
                    next.status = TicketStatus::Reopened;
                    next.resolved_at = None;
                    next.closed_at = None;
                } else {
                    next.flagged = rating.is_low();
                    if next.status == TicketStatus::Done {
                        next.status = TicketStatus::Closed;
                        next.closed_at = Some(now);
                    }
                }
                next.sla = domovoy_actors::sla::refresh(tx, calendar, &next, now).await?;
                let saved = save(tx, &next).await?;
                let data = serde_json::json!({ "rating": rating.value(), "comment": comment, "status": saved.status });
                tickets::add_history(tx, saved.id, (actor.0, &actor.1), "rating", &data, true).await?;
                announce(tx, &saved, EventKind::TicketUpdated, None, true).await?;
                Ok(saved)
            })
        })
        .await?;
    state.live.tickets.changed(&ticket);
    Ok(ticket)
}

/// Follows (or stops following) a ticket.
pub async fn watch(state: &AppState, caller: &Caller, id: TicketId, on: bool) -> Result<(), ApiError> {
    get(state, caller, id).await?;
    let user = caller.user.id;
    state.write(move |tx| Box::pin(async move { Ok(tickets::watch(tx, id, user, on).await?) })).await
}

/// Closes tickets done more than `after` ago that nobody confirmed.
pub async fn auto_close(state: &AppState, after: Duration) -> Result<usize, ApiError> {
    let query = TicketQuery { statuses: vec![TicketStatus::Done], limit: 500, ..TicketQuery::default() };
    let page = tickets::list(&state.db, &query).await?;
    let cutoff = Utc::now() - after;
    let due: Vec<Ticket> = page.items.into_iter().filter(|t| t.resolved_at.is_some_and(|at| at < cutoff)).collect();
    let count = due.len();
    for ticket in due {
        let calendar = state.live.tickets.calendar().get().await?;
        let result = state
            .write(move |tx| {
                Box::pin(async move {
                    let current = tickets::get(&mut *tx, ticket.id).await?;
                    if current.status != TicketStatus::Done {
                        return Ok(());
                    }
                    apply_transition(
                        tx,
                        current,
                        TicketStatus::Closed,
                        TransitionInput::default(),
                        (None, "Система".to_owned()),
                        calendar,
                    )
                    .await
                    .map(|_| ())
                })
            })
            .await;
        if let Err(error) = result {
            tracing::warn!(%error, ticket = %ticket.number, "auto-close failed");
        }
    }
    Ok(count)
}

/// Names that tickets refer to by id, loaded once for a page of tickets:
/// classifier items, people, buildings.
#[derive(Debug, Default)]
pub struct Lookup {
    pub items: HashMap<ClassifierId, ClassifierItem>,
    pub users: HashMap<UserId, String>,
    pub buildings: HashMap<BuildingId, String>,
}

impl Lookup {
    pub async fn load(state: &AppState, tickets: &[Ticket]) -> Result<Self, ApiError> {
        let mut ids: Vec<UserId> = tickets.iter().filter_map(|t| t.assignee_id).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(Self {
            items: classifier::list(&state.db).await?.into_iter().map(|i| (i.id, i)).collect(),
            users: users::names(&state.db, &ids).await?,
            buildings: buildings::list(&state.db).await?.into_iter().map(|b| (b.id, b.name.to_string())).collect(),
        })
    }

    pub fn item(&self, id: Option<ClassifierId>) -> Option<&str> {
        id.and_then(|id| self.items.get(&id)).map(|i| i.name.as_str())
    }

    pub fn user(&self, id: Option<UserId>) -> Option<&str> {
        id.and_then(|id| self.users.get(&id)).map(String::as_str)
    }

    pub fn building(&self, id: BuildingId) -> &str {
        self.buildings.get(&id).map_or("", String::as_str)
    }
}

/// Whether the caller may see personal contacts on `ticket` (the resident
/// always sees their own).
pub fn shows_contacts(caller: &Caller, ticket: &Ticket) -> bool {
    ticket.created_by == Some(caller.user.id) || caller.principal.can(Permission::ClientsContactsRead, &ticket.target())
}

/// Staff who may be assigned tickets of `building`, by name.
pub async fn assignable(state: &AppState, building: BuildingId) -> Result<Vec<(UserId, String)>, ApiError> {
    let mut people: Vec<(UserId, String)> = assignments::holders(&state.db, Permission::TicketsTransition)
        .await?
        .into_iter()
        .filter(|h| h.reaches(building))
        .map(|h| (h.user_id, h.display_name))
        .collect();
    people.dedup_by_key(|(id, _)| *id);
    Ok(people)
}

/// Other tickets with the same contact phone, newest first (the caller
/// card's history beside a ticket).
pub async fn same_phone(state: &AppState, caller: &Caller, ticket: &Ticket) -> Result<Vec<Ticket>, ApiError> {
    let Some(phone) = ticket.contact_phone.as_deref().filter(|_| shows_contacts(caller, ticket)) else {
        return Ok(Vec::new());
    };
    let query = TicketQuery {
        text: Some(phone.to_owned()),
        sort: tickets::TicketSort::Newest,
        limit: 11,
        ..TicketQuery::default()
    };
    let (page, _) = list(state, caller, query).await?;
    Ok(page.items.into_iter().filter(|t| t.id != ticket.id).take(10).collect())
}
