//! Tickets: intake, workflow, assignment, classification, comments,
//! ratings.
//!
//! Every change after intake goes through one pipeline ([`change`]): read
//! the ticket inside the write, check the version the requester saw, check
//! the requester may make this change to the ticket as it is now
//! ([`authorize`], the same rule [`capabilities`] shows as buttons), apply
//! the workflow ([`Ticket::apply`]), re-evaluate the SLA, save with the
//! version check, record history and audit, announce. A rule is written
//! once, whichever door asks.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::Serialize;

use domovoy_actors::tickets::{announce_update, resident_of, summary};
use domovoy_domain::FieldError;
use domovoy_domain::account::AccountKind;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::contact::Phone;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::event::{Audience, CommentNotice, Event};
use domovoy_domain::ids::{BuildingId, CallId, ClassifierId, ClientId, TicketId, UnitId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Principal, Target};
use domovoy_domain::sla::ProductionCalendar;
pub use domovoy_domain::ticket::LowRating;
use domovoy_domain::ticket::{
    Command, Description, HistoryChange, HistoryEntry, HoldReason, Intake as Filed, Pause, Priority, Rating, Ticket,
    TicketSource, TicketStatus, TicketSummary, Transition, parse_comment, parse_contact_name, parse_location,
    parse_reason, resident_may_cancel,
};
use domovoy_store::audit::{self, Actor, Change};
use domovoy_store::classifier::ClassifierItem;
use domovoy_store::idempotency::{self, Recorded};
use domovoy_store::tickets::{self, Comment, TicketPage, TicketQuery};
use domovoy_store::{StoreError, WriteTx, assignments, buildings, classifier, clients, intake, layout, users};

use crate::common::{optional, present};
use crate::{App, AppError, AppResult, Limit, Requester, Rule};

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
    /// The call the ticket was taken from (staff only): linked to it.
    pub call_id: Option<String>,
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
    call: Option<CallId>,
}

fn parse_uuid<T: From<uuid::Uuid>>(raw: &str) -> Result<T, FieldError> {
    raw.trim().parse::<uuid::Uuid>().map(T::from).map_err(|_| FieldError::InvalidFormat)
}

fn parse_new(input: &NewTicket, resident: bool) -> Result<Parsed, AppError> {
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
    if resident
        && let Some(source) = source
        && !source.open_to_residents()
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
    let call = optional(&mut errors, "call_id", input.call_id.as_deref(), parse_uuid::<CallId>);
    if resident && call.is_some() {
        errors.add("call_id", FieldError::NotAllowed);
    }
    errors.clone().into_result()?;
    match (building, description, source) {
        (Some(building), Some(description), Some(source)) => Ok(Parsed {
            building,
            description,
            source,
            priority,
            unit,
            client,
            contact_name,
            contact_phone,
            location,
            call,
        }),
        _ => Err(AppError::Validation(errors)),
    }
}

/// Finds a classifier item by id or code, of the expected kind.
async fn resolve_item<'a>(
    source: impl Into<domovoy_store::Source<'a>>,
    raw: Option<&str>,
    kind: ClassifierKind,
    field: &'static str,
) -> AppResult<Option<ClassifierId>> {
    let Some(raw) = present(raw) else { return Ok(None) };
    let mut source: domovoy_store::Source<'a> = source.into();
    let id = match raw.parse::<uuid::Uuid>() {
        Ok(uuid) => ClassifierId::from_uuid(uuid),
        Err(_) => classifier::find_by_code(source.reborrow(), raw)
            .await?
            .ok_or(AppError::field(field, FieldError::Unknown))?,
    };
    let item = classifier::get(source.reborrow(), id).await.map_err(|_| AppError::field(field, FieldError::Unknown))?;
    if item.kind != kind || !item.active {
        return Err(AppError::field(field, FieldError::NotAllowed));
    }
    Ok(Some(id))
}

/// The year ticket numbers count in: the company's local year.
fn number_year(app: &App, now: DateTime<Utc>) -> i32 {
    now.with_timezone(&app.config.display_time_zone).year()
}

/// Files a new ticket. With an idempotency key, a retry replays the first
/// answer and creates nothing; the same key with another body is refused.
/// The answer comes only after the commit.
pub async fn create(
    app: &App,
    requester: &Requester,
    input: &NewTicket,
    idempotency_key: Option<IdempotencyKey>,
    render: Render,
) -> AppResult<Intake> {
    let resident = requester.is_resident();
    let mut parsed = parse_new(input, resident)?;
    if resident {
        // A resident is the caller: their name and phone from the profile
        // unless they gave others (the login of a resident is their phone).
        let me = requester.account()?;
        parsed.contact_name.get_or_insert_with(|| me.display_name.to_string());
        if parsed.contact_phone.is_none() {
            parsed.contact_phone = me.phone.clone().or_else(|| Phone::parse(me.login.as_str()).ok());
        }
    }
    let mut target = Target::building(parsed.building);
    if let Some(user) = requester.user_id().filter(|_| resident) {
        target = target.owned_by(user);
    }
    requester.require(Permission::TicketsCreate, &target)?;
    let calendar = app.calendar().await?;
    let (input, user, year) = (input.clone(), requester.user_id(), number_year(app, Utc::now()));
    let actor = (user, requester.display_name());
    let sees_call = crate::calls::visibility(requester);
    let outcome = app
        .write(move |tx| {
            Box::pin(async move {
                if let (Some(key), Some(user)) = (&idempotency_key, user) {
                    match idempotency::begin(tx, user, &key.key, &key.request_hash).await? {
                        Recorded::First => {}
                        Recorded::Answer { status, body } => return Ok(Intake::Replayed { status, body }),
                        Recorded::Mismatch => return Err(AppError::Rule(Rule::IdempotencyKeyReused)),
                    }
                }
                let call = parsed.call;
                let ticket =
                    insert_new(tx, parsed, &input, user, resident, (actor.0, &actor.1), year, calendar).await?;
                if let Some(call) = call {
                    crate::calls::link_ticket(tx, &sees_call, call, ticket.id, user).await?;
                }
                crate::passes::follow_ticket(tx, None, &ticket).await?;
                let summary = summary(&mut *tx, &ticket).await?;
                let audience = Audience { resident: user.filter(|_| resident), actor: user, ..Audience::default() };
                tx.emit(&Event::TicketCreated(summary.clone(), audience));
                let body = render(&ticket, &summary);
                if let (Some(key), Some(user)) = (&idempotency_key, user) {
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
        app.metrics.tickets_created.with(&[ticket.source.code()]).inc();
        app.ticket_changed(ticket);
    }
    Ok(outcome)
}

#[allow(clippy::too_many_arguments)] // One ticket's worth of parsed input.
async fn insert_new(
    tx: &mut WriteTx,
    parsed: Parsed,
    input: &NewTicket,
    user: Option<UserId>,
    resident: bool,
    actor: (Option<UserId>, &str),
    year: i32,
    calendar: Arc<ProductionCalendar>,
) -> AppResult<Ticket> {
    let now = tx.now();
    if let Some(user) = user.filter(|_| resident) {
        if tickets::has_identical(tx, user, parsed.description.as_str(), now - DUPLICATE_WINDOW).await? {
            return Err(AppError::Rule(Rule::DuplicateRequest));
        }
        if tickets::count_created_since(tx, user, now - Duration::hours(24)).await? >= RESIDENT_DAILY_LIMIT {
            return Err(AppError::TooManyRequests {
                limit: Limit::DailyRequests,
                retry_after: std::time::Duration::from_secs(3600),
            });
        }
    }
    // The building (and with it the assignment rule and SLA policy) first:
    // an unknown building is the error to report, not its units.
    let category = resolve_item(&mut *tx, input.category.as_deref(), ClassifierKind::Category, "category").await?;
    let context = intake::context(tx, parsed.building, category, parsed.priority)
        .await?
        .ok_or(AppError::field("building_id", FieldError::Unknown))?;
    let place = resolve_item(&mut *tx, input.place.as_deref(), ClassifierKind::Place, "place").await?;
    let problem = resolve_item(&mut *tx, input.problem.as_deref(), ClassifierKind::Problem, "problem").await?;
    let mut parsed = parsed;
    let resident_client = match user.filter(|_| resident) {
        Some(user) => clients::find_by_user(&mut *tx, user).await?,
        None => None,
    };
    if resident {
        // A resident files for themselves, about their own units only; with
        // one unit in the building, it is that one.
        parsed.client = resident_client;
        if parsed.unit.is_none()
            && let Some(client) = resident_client
        {
            let here: Vec<_> = clients::links(&mut *tx, client)
                .await?
                .into_iter()
                .filter(|l| l.unit.building_id == parsed.building)
                .map(|l| l.unit.id)
                .collect();
            if let [only] = here[..] {
                parsed.unit = Some(only);
            }
        }
    }
    if let Some(unit) = parsed.unit {
        let unit = layout::unit(&mut *tx, unit).await.map_err(|e| match e {
            StoreError::NotFound => AppError::field("unit_id", FieldError::Unknown),
            other => other.into(),
        })?;
        if unit.building_id != parsed.building {
            return Err(AppError::field("unit_id", FieldError::NotAllowed));
        }
        if resident {
            let theirs = match resident_client {
                Some(client) => clients::links(&mut *tx, client).await?.iter().any(|l| l.unit.id == unit.id),
                None => false,
            };
            if !theirs {
                return Err(AppError::field("unit_id", FieldError::NotAllowed));
            }
        }
        if parsed.location.is_none() {
            parsed.location = Some(unit.title());
        }
    }
    if let Some(client) = parsed.client {
        let client = clients::get(&mut *tx, client).await.map_err(|e| match e {
            StoreError::NotFound => AppError::field("client_id", FieldError::Unknown),
            other => other.into(),
        })?;
        if parsed.contact_name.is_none() {
            parsed.contact_name = Some(client.card.name);
        }
    }
    let (assignee_id, team_id) = context.assigned.unwrap_or((None, None));
    let filed = Filed {
        source: parsed.source,
        building_id: parsed.building,
        unit_id: parsed.unit,
        client_id: parsed.client,
        contact_name: parsed.contact_name,
        contact_phone: parsed.contact_phone,
        location: parsed.location,
        place_id: place,
        category_id: category,
        problem_id: problem,
        priority: parsed.priority,
        description: parsed.description,
        assignee_id,
        team_id,
        created_by: user,
    };
    let (mut ticket, _created) = Ticket::file(filed, year, now);
    if let Some(policy) = &context.policy {
        ticket.sla = domovoy_actors::sla::under(policy, calendar, context.time_zone, &ticket, Vec::new(), now);
    }
    tickets::insert_numbered(tx, &mut ticket, actor).await?;
    // A request from a unit under an open outage belongs to it.
    if let Some(unit) = ticket.unit_id {
        domovoy_store::outages::link_new_ticket(tx, ticket.id, unit).await?;
    }
    Ok(ticket)
}

/// Reads a ticket the requester may see.
pub async fn get(app: &App, requester: &Requester, id: TicketId) -> AppResult<Ticket> {
    let ticket = tickets::get(&app.db, id).await?;
    requester.require(Permission::TicketsRead, &ticket.target())?;
    Ok(ticket)
}

/// Whether the requester is staff (sees internal comments and history).
pub fn is_staff(requester: &Requester) -> bool {
    requester.is_staff()
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
    pub capabilities: Capabilities,
    /// Names of the people the history and the ticket name.
    pub names: HashMap<UserId, String>,
    pub team_name: Option<String>,
    pub sla_policy_name: Option<String>,
    /// The ticket topic's position, read before the ticket (see
    /// [`crate::live`]).
    pub live_seq: i64,
}

pub async fn view(app: &App, requester: &Requester, id: TicketId) -> AppResult<TicketView> {
    let live_seq = crate::live::position(app, domovoy_domain::event::Topic::Ticket(id)).await?;
    let ticket = get(app, requester, id).await?;
    let staff = requester.is_staff();
    let history = tickets::history(&app.db, id, staff).await?;
    let mut people: Vec<UserId> = history.iter().flat_map(|h| h.change.people()).collect();
    people.extend(ticket.assignee_id());
    people.sort_unstable();
    people.dedup();
    let team_name = match ticket.team_id {
        Some(team) => domovoy_store::teams::list(&app.db).await?.into_iter().find(|t| t.id == team).map(|t| t.name),
        None => None,
    };
    let sla_policy_name = match ticket.sla.policy_id.filter(|_| staff) {
        Some(policy) => domovoy_store::sla::get(&app.db, policy).await.ok().map(|p| p.name),
        None => None,
    };
    Ok(TicketView {
        summary: summary(&app.db, &ticket).await?,
        comments: tickets::comments(&app.db, id, staff).await?,
        watchers: if staff { tickets::watchers(&app.db, id).await? } else { Vec::new() },
        attachments: tickets::attachments(&app.db, id).await?,
        capabilities: capabilities(requester, &ticket),
        names: users::names(&app.db, &people).await?,
        team_name,
        sla_policy_name,
        live_seq,
        history,
        ticket,
    })
}

/// The buildings the requester may file a ticket in, for the intake form:
/// staff where they may create tickets; a resident the buildings of their
/// own units (every building while no unit is linked to them yet).
pub async fn intake_buildings(app: &App, requester: &Requester) -> AppResult<Vec<domovoy_domain::building::Building>> {
    let reach = requester.reach(Permission::TicketsCreate)?;
    let all = buildings::list(&app.db).await?;
    if requester.is_resident() {
        let own: Vec<BuildingId> = match clients::find_by_user(&app.db, requester.account()?.id).await? {
            Some(client) => clients::links(&app.db, client).await?.iter().map(|l| l.unit.building_id).collect(),
            None => Vec::new(),
        };
        if own.is_empty() {
            return Ok(all);
        }
        return Ok(all.into_iter().filter(|b| own.contains(&b.id)).collect());
    }
    Ok(all.into_iter().filter(|b| reach.covers(&Target::building(b.id), requester.principal().user_id)).collect())
}

/// Whether the requester works the tickets given to them (a technician:
/// moves tickets, assigns none): their lists start from their own queue.
pub fn works_own_queue(requester: &Requester) -> bool {
    let p = requester.principal();
    requester.is_staff()
        && p.can_somewhere(Permission::TicketsTransition)
        && !p.can_somewhere(Permission::TicketsAssign)
}

/// A resident's own unit, as the new-request form offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnUnit {
    pub unit_id: UnitId,
    pub building_id: BuildingId,
    /// «кв. 45» (with section and floor where the layout names them).
    pub title: String,
    pub building_name: String,
}

/// The units a resident files requests about (their client card's links);
/// empty for staff and for residents not yet linked to a card.
pub async fn own_units(app: &App, requester: &Requester) -> AppResult<Vec<OwnUnit>> {
    if !requester.is_resident() {
        return Ok(Vec::new());
    }
    let Some(client) = clients::find_by_user(&app.db, requester.account()?.id).await? else { return Ok(Vec::new()) };
    let all = buildings::list(&app.db).await?;
    let mut units: Vec<OwnUnit> = clients::links(&app.db, client)
        .await?
        .into_iter()
        .map(|l| OwnUnit {
            unit_id: l.unit.id,
            building_id: l.unit.building_id,
            title: l.unit.title(),
            building_name: all
                .iter()
                .find(|b| b.id == l.unit.building_id)
                .map(|b| b.name.to_string())
                .unwrap_or_default(),
        })
        .collect();
    units.sort_by(|a, b| (&a.building_name, &a.title).cmp(&(&b.building_name, &b.title)));
    units.dedup_by_key(|u| u.unit_id);
    Ok(units)
}

/// A page of tickets the requester may read, and how many tickets of each
/// status match the query's other filters.
pub async fn list(
    app: &App,
    requester: &Requester,
    mut query: TicketQuery,
) -> AppResult<(TicketPage, Vec<(TicketStatus, i64)>)> {
    narrow(requester, &mut query)?;
    let page = tickets::list(&app.db, &query).await?;
    // Counts per status of everything the other filters match: under
    // «Открытые» the closed ones are still counted, so every chip says
    // what it would show.
    let mut every_status = query.clone();
    every_status.statuses.clear();
    every_status.open_only = false;
    let counts = tickets::count_by_status(&app.db, &every_status).await?;
    Ok((page, counts))
}

/// The open tickets assigned to the requester, most urgent first: the
/// staff app's queue.
pub async fn queue(app: &App, requester: &Requester, limit: u32) -> AppResult<Vec<Ticket>> {
    // Someone who may not read tickets (a guard with the staff app) has
    // no queue, rather than a refusal.
    if !requester.principal().can_somewhere(Permission::TicketsRead) {
        return Ok(Vec::new());
    }
    let mut query = TicketQuery {
        assignee: Some(tickets::AssigneeFilter::User(requester.account()?.id)),
        open_only: true,
        limit,
        ..TicketQuery::default()
    };
    narrow(requester, &mut query)?;
    Ok(tickets::list(&app.db, &query).await?.items)
}

/// Restricts a query to what the requester may read.
fn narrow(requester: &Requester, query: &mut TicketQuery) -> AppResult<()> {
    let reach = requester.reach(Permission::TicketsRead)?;
    if reach.reaches_buildings() {
        if let Some(allowed) = reach.building_filter() {
            query.buildings = Some(match query.buildings.take() {
                Some(asked) => asked.into_iter().filter(|b| allowed.contains(b)).collect(),
                None => allowed.iter().copied().collect(),
            });
        }
    } else {
        // Residents: their own tickets only.
        query.created_by = Some(requester.account()?.id);
    }
    Ok(())
}

// ---- Who may do what --------------------------------------------------------

/// What the requester may do with a ticket as it is now: the buttons the
/// pages show, what the API and the staff app offer. Derived from
/// [`authorize`], which the use-cases enforce, so the two never disagree.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// Statuses the requester may move the ticket to, in workflow order.
    pub moves: Vec<TicketStatus>,
    pub assign: bool,
    pub classify: bool,
    pub comment: bool,
    /// Comments may be internal (staff only).
    pub comment_internal: bool,
    pub rate: bool,
    /// «В пути»: the assignee may say they set off to the ticket.
    pub set_off: bool,
    pub attach: bool,
    pub watch: bool,
    /// Personal contacts on the ticket (the resident always sees their own).
    pub see_contacts: bool,
    /// Internal comments, history and the SLA norms.
    pub see_internal: bool,
}

/// The capabilities of `requester` on `ticket` (which they may read).
pub fn capabilities(requester: &Requester, ticket: &Ticket) -> Capabilities {
    let allowed = |command: &Command| authorize(requester, ticket, command).is_ok();
    let moves = TicketStatus::ALL
        .iter()
        .copied()
        .filter(|&to| {
            Transition { from: ticket.status(), to }.is_allowed()
                && allowed(&Command::Move { to, reason: None, hold_reason: None })
        })
        .collect();
    let staff = requester.is_staff();
    let rate = ticket.rating().is_none()
        && matches!(ticket.status(), TicketStatus::Done | TicketStatus::Closed)
        && allowed(&Command::Rate { rating: Rating::TOP, comment: None, on_low: LowRating::Flag });
    Capabilities {
        moves,
        assign: ticket.status().is_open() && allowed(&Command::Assign { to: None }),
        classify: allowed(&Command::Classify { priority: None, category: None, place: None, problem: None }),
        comment: true,
        comment_internal: staff,
        rate,
        set_off: ticket.may_set_off() && allowed(&Command::SetOff),
        attach: may_attach(requester, ticket),
        watch: staff,
        see_contacts: shows_contacts(requester, ticket),
        see_internal: staff,
    }
}

/// The statuses the requester may move `ticket` to now, in workflow order
/// (the ticket page's buttons, the board's drop targets).
pub fn available_transitions(requester: &Requester, ticket: &Ticket) -> Vec<TicketStatus> {
    capabilities(requester, ticket).moves
}

/// Which moves a resident may make on their own ticket: cancel it before
/// work starts, confirm (close) finished work, or reopen it.
fn resident_allows(ticket: &Ticket, to: TicketStatus) -> bool {
    match to {
        TicketStatus::Cancelled => resident_may_cancel(ticket.status()),
        TicketStatus::Closed => ticket.status() == TicketStatus::Done,
        TicketStatus::Reopened => matches!(ticket.status(), TicketStatus::Done | TicketStatus::Closed),
        _ => false,
    }
}

/// Whether `requester` may ask `command` of `ticket` as it is now. The one
/// rule behind every change and every button. (The workflow then says
/// whether the move itself is possible.)
pub fn authorize(requester: &Requester, ticket: &Ticket, command: &Command) -> AppResult<()> {
    let target = ticket.target();
    let resident = requester.is_resident();
    let ok = match command {
        Command::Move { to, .. } => {
            if resident {
                requester.owns(ticket.created_by) && resident_allows(ticket, *to)
            } else {
                requester.can(Transition { from: ticket.status(), to: *to }.permission(), &target)
            }
        }
        Command::Assign { .. } => !resident && requester.can(Permission::TicketsAssign, &target),
        // Priority moves the deadline, classification picks the policy:
        // both are the dispatcher's call, as assigning is.
        Command::Classify { .. } => !resident && requester.can(Permission::TicketsAssign, &target),
        Command::Rate { .. } => resident && requester.owns(ticket.created_by),
        Command::Respond => true,
        // Only the one who goes: the assignee, while they may work on it.
        Command::SetOff => {
            !resident
                && ticket.assignee_id().is_some()
                && ticket.assignee_id() == requester.user_id()
                && requester.can(Permission::TicketsTransition, &target)
        }
    };
    if ok { Ok(()) } else { Err(AppError::Forbidden) }
}

/// Who may attach files: staff who work on or file the ticket, and the
/// resident who filed it.
pub fn may_attach(requester: &Requester, ticket: &Ticket) -> bool {
    let target = ticket.target();
    if requester.is_resident() {
        requester.owns(ticket.created_by)
    } else {
        requester.can(Permission::TicketsTransition, &target) || requester.can(Permission::TicketsCreate, &target)
    }
}

// ---- Changes ------------------------------------------------------------------

/// Applies `command` to ticket `id` for `requester`, as one transaction:
/// the ticket is read there, the requester's right, the version they saw
/// and the workflow are checked against the ticket as it is then, the SLA is re-evaluated over the whole timeline, and the save,
/// the history entry, the audit entry and the events commit together.
async fn change(
    app: &App,
    requester: &Requester,
    id: TicketId,
    version: Option<i64>,
    command: Command,
) -> AppResult<Ticket> {
    // Reading first answers 404/403 before anything else.
    get(app, requester, id).await?;
    let calendar = app.calendar().await?;
    let requester = requester.clone();
    let ticket = app
        .write(move |tx| Box::pin(async move { change_in(tx, &requester, calendar, id, version, command).await }))
        .await?;
    app.ticket_changed(&ticket);
    Ok(ticket)
}

/// [`change`] inside the caller's transaction: for a door that commits
/// more with it (the staff app's sync keeps its answer in the same
/// transaction). The caller tells the ticket actors after the commit
/// ([`App::ticket_changed`]).
async fn change_in(
    tx: &mut WriteTx,
    requester: &Requester,
    calendar: Arc<ProductionCalendar>,
    id: TicketId,
    version: Option<i64>,
    command: Command,
) -> AppResult<Ticket> {
    let ticket = tickets::get(&mut *tx, id).await?;
    // The right first: a refused requester learns nothing more (not even
    // that the ticket moved on).
    requester.require(Permission::TicketsRead, &ticket.target())?;
    authorize(requester, &ticket, &command)?;
    if let Some(expected) = version
        && expected != ticket.version
    {
        return Err(AppError::VersionConflict { current: ticket.version });
    }
    let now = tx.now();
    let mut applied = ticket.apply(command, now)?;
    if applied.is_noop(&ticket) {
        return Ok(ticket);
    }
    if applied.ticket.status() == TicketStatus::Done && ticket.status() != TicketStatus::Done {
        crate::completion::require_complete(tx, &ticket).await?;
    }
    match applied.pause {
        Pause::Start => tickets::start_pause(tx, id).await?,
        Pause::End => tickets::end_pause(tx, id).await?,
        Pause::Unchanged => {}
    }
    let sla = domovoy_actors::sla::refresh(tx, calendar, &applied.ticket, now).await?;
    applied.set_sla(sla);
    let saved = save(tx, &applied.ticket).await?;
    if let Some(history) = &applied.history {
        let name = requester.display_name();
        tickets::add_history(tx, id, (requester.user_id(), &name), history).await?;
        audit::record(tx, audit_change(&requester.actor(), &ticket, &saved, history)).await?;
    }
    crate::passes::follow_ticket(tx, Some(&ticket), &saved).await?;
    let newly_assigned = saved.assignee_id().is_some() && saved.assignee_id() != ticket.assignee_id();
    let audience = Audience {
        previous_assignee: applied.previous_assignee,
        newly_assigned,
        status_changed: saved.status() != ticket.status(),
        actor: requester.user_id(),
        resident: None,
    };
    announce_update(tx, &saved, audience).await?;
    Ok(saved)
}

/// The audit entry of a ticket's change: what it was and what it became.
fn audit_change<'a>(actor: &'a Actor, before: &Ticket, after: &Ticket, history: &HistoryChange) -> Change<'a> {
    let action = match history {
        HistoryChange::Assigned { .. } => AuditAction::TicketAssigned,
        HistoryChange::Classified { .. } => AuditAction::TicketClassified,
        HistoryChange::Rating { .. } => AuditAction::TicketRated,
        _ => AuditAction::TicketStatusChanged,
    };
    let state = |t: &Ticket| {
        serde_json::json!({
            "status": t.status(),
            "assignee_id": t.assignee_id(),
            "priority": t.priority,
            "category_id": t.category_id,
            "problem_id": t.problem_id,
            "resolution_due": t.sla.resolution_due,
        })
    };
    Change::new(actor, action, after.id)
        .building(Some(after.building_id))
        .summary(after.number.to_string())
        .before(&state(before))
        .after(&state(after))
}

/// Saves with the version check, turning a lost race into a readable 409.
async fn save(tx: &mut WriteTx, ticket: &Ticket) -> AppResult<Ticket> {
    match tickets::save(tx, ticket).await {
        Ok(saved) => Ok(saved),
        Err(StoreError::Conflict(_)) => {
            let current = tickets::get(&mut *tx, ticket.id).await?;
            Err(AppError::VersionConflict { current: current.version })
        }
        Err(other) => Err(other.into()),
    }
}

/// A status change as requested.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TransitionRequest {
    /// The new status (`accepted`, `in_progress`, `on_hold`, `done`, …).
    pub to: String,
    /// Required to reject or cancel.
    pub reason: Option<String>,
    /// Required to put on hold: `waiting_client` (the SLA clock stops) or
    /// `waiting_parts`.
    pub hold_reason: Option<String>,
    /// The version the requester saw; a newer one answers 409.
    pub version: Option<i64>,
}

/// Moves a ticket through its workflow.
pub async fn transition(
    app: &App,
    requester: &Requester,
    id: TicketId,
    request: &TransitionRequest,
) -> AppResult<Ticket> {
    let command = move_command(request)?;
    change(app, requester, id, request.version, command).await
}

/// The workflow command a status change asks for.
fn move_command(request: &TransitionRequest) -> AppResult<Command> {
    let to: TicketStatus = request.to.parse().map_err(|e| AppError::field("to", e))?;
    let mut errors = FieldErrors::new();
    let reason = optional(&mut errors, "reason", request.reason.as_deref(), parse_reason);
    let hold_reason = optional(&mut errors, "hold_reason", request.hold_reason.as_deref(), str::parse::<HoldReason>);
    errors.into_result()?;
    Ok(Command::Move { to, reason, hold_reason })
}

/// [`transition`] inside the caller's transaction (the staff app's sync);
/// the caller calls [`App::ticket_changed`] after the commit.
pub async fn transition_in(
    tx: &mut WriteTx,
    requester: &Requester,
    calendar: Arc<ProductionCalendar>,
    id: TicketId,
    request: &TransitionRequest,
) -> AppResult<Ticket> {
    let command = move_command(request)?;
    change_in(tx, requester, calendar, id, request.version, command).await
}

/// The assignee sets off to the ticket («в пути»); a second call changes
/// nothing.
pub async fn set_off(app: &App, requester: &Requester, id: TicketId, version: Option<i64>) -> AppResult<Ticket> {
    change(app, requester, id, version, Command::SetOff).await
}

/// [`set_off`] inside the caller's transaction (the staff app's sync); the
/// caller calls [`App::ticket_changed`] after the commit.
pub async fn set_off_in(
    tx: &mut WriteTx,
    requester: &Requester,
    calendar: Arc<ProductionCalendar>,
    id: TicketId,
    version: Option<i64>,
) -> AppResult<Ticket> {
    change_in(tx, requester, calendar, id, version, Command::SetOff).await
}

/// Whether `user` may work on tickets of `building` (to be assigned one).
async fn can_work_on(app: &App, user: UserId, building: BuildingId) -> AppResult<bool> {
    let account = users::get(&app.db, user).await?;
    if account.kind != AccountKind::Staff || account.is_disabled() {
        return Ok(false);
    }
    let grants = assignments::grants(&app.db, user).await?;
    Ok(Principal::new(user, account.kind, grants).can(Permission::TicketsTransition, &Target::building(building)))
}

/// Assigns a ticket to someone (or nobody); a new, accepted or reopened
/// ticket becomes assigned. The assignee also starts watching it.
pub async fn assign(
    app: &App,
    requester: &Requester,
    id: TicketId,
    assignee: Option<UserId>,
    version: Option<i64>,
) -> AppResult<Ticket> {
    let current = get(app, requester, id).await?;
    authorize(requester, &current, &Command::Assign { to: assignee })?;
    if let Some(user) = assignee
        && !can_work_on(app, user, current.building_id).await?
    {
        return Err(AppError::field("assignee_id", FieldError::NotAllowed));
    }
    let ticket = change(app, requester, id, version, Command::Assign { to: assignee }).await?;
    if let Some(user) = assignee {
        app.write(move |tx| Box::pin(async move { Ok(tickets::watch(tx, id, user, true).await?) })).await?;
    }
    Ok(ticket)
}

/// A change of classification or priority.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    app: &App,
    requester: &Requester,
    id: TicketId,
    change_request: &TicketUpdate,
) -> AppResult<Ticket> {
    let priority: Option<Priority> = match present(change_request.priority.as_deref()) {
        Some(raw) => Some(raw.parse().map_err(|e| AppError::field("priority", e))?),
        None => None,
    };
    // A field sent (even empty) is changed; an empty one clears it.
    let item = async |raw: &Option<String>, kind, field| -> AppResult<Option<Option<ClassifierId>>> {
        Ok(match raw {
            None => None,
            Some(raw) => Some(resolve_item(&app.db, Some(raw), kind, field).await?),
        })
    };
    let command = Command::Classify {
        priority,
        category: item(&change_request.category, ClassifierKind::Category, "category").await?,
        place: item(&change_request.place, ClassifierKind::Place, "place").await?,
        problem: item(&change_request.problem, ClassifierKind::Problem, "problem").await?,
    };
    change(app, requester, id, change_request.version, command).await
}

/// Adds a comment: public (the resident sees it) or internal (staff only).
/// A resident's comments are always public; a staff member's public
/// comment counts as the first response.
pub async fn comment(app: &App, requester: &Requester, id: TicketId, body: &str, public: bool) -> AppResult<Comment> {
    get(app, requester, id).await?;
    let requester = requester.clone();
    let body = body.to_owned();
    let (comment, ticket) =
        app.write(move |tx| Box::pin(async move { comment_in(tx, &requester, id, &body, public).await })).await?;
    app.ticket_changed(&ticket);
    Ok(comment)
}

/// [`comment`] inside the caller's transaction (the staff app's sync);
/// returns the ticket as it is after the comment, for the caller to hand to
/// [`App::ticket_changed`] after the commit.
pub async fn comment_in(
    tx: &mut WriteTx,
    requester: &Requester,
    id: TicketId,
    body: &str,
    public: bool,
) -> AppResult<(Comment, Ticket)> {
    let mut ticket = tickets::get(&mut *tx, id).await?;
    requester.require(Permission::TicketsRead, &ticket.target())?;
    let body = parse_comment(body).map_err(|e| AppError::field("body", e))?;
    let staff = requester.is_staff();
    let public = public || !staff;
    let (user, name) = (requester.user_id(), requester.display_name());
    let comment = tickets::add_comment(tx, id, (user, &name), &body, public).await?;
    if staff && public {
        let applied = ticket.apply(Command::Respond, tx.now())?;
        if !applied.is_noop(&ticket) {
            ticket = save(tx, &applied.ticket).await?;
        }
    }
    let resident = resident_of(&mut *tx, &ticket).await?;
    tx.emit(&Event::TicketCommented(CommentNotice {
        ticket_id: id,
        comment_id: comment.id,
        public,
        building_id: Some(ticket.building_id),
        assignee: ticket.assignee_id(),
        resident,
    }));
    Ok((comment, ticket))
}

/// The resident rates finished work: a good rating closes the ticket, a
/// low one reopens or flags it (`tickets.low_rating`).
pub async fn rate(
    app: &App,
    requester: &Requester,
    id: TicketId,
    rating: i64,
    comment: Option<&str>,
) -> AppResult<Ticket> {
    let rating = Rating::parse(rating).map_err(|e| AppError::field("rating", e))?;
    let comment = match present(comment) {
        Some(text) => Some(parse_comment(text).map_err(|e| AppError::field("comment", e))?),
        None => None,
    };
    change(app, requester, id, None, Command::Rate { rating, comment, on_low: app.config.low_rating }).await
}

/// Follows (or stops following) a ticket.
pub async fn watch(app: &App, requester: &Requester, id: TicketId, on: bool) -> AppResult<()> {
    get(app, requester, id).await?;
    let user = requester.account()?.id;
    app.write(move |tx| Box::pin(async move { Ok(tickets::watch(tx, id, user, on).await?) })).await
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
    pub async fn load(app: &App, tickets: &[Ticket]) -> Result<Self, AppError> {
        let mut ids: Vec<UserId> = tickets.iter().filter_map(|t| t.assignee_id()).collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(Self {
            items: classifier::list(&app.db).await?.into_iter().map(|i| (i.id, i)).collect(),
            users: users::names(&app.db, &ids).await?,
            buildings: buildings::list(&app.db).await?.into_iter().map(|b| (b.id, b.name.to_string())).collect(),
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

/// Whether the requester may see personal contacts on `ticket` (the resident
/// always sees their own).
pub fn shows_contacts(requester: &Requester, ticket: &Ticket) -> bool {
    requester.owns(ticket.created_by) || requester.can(Permission::ClientsContactsRead, &ticket.target())
}

/// Staff who may be assigned tickets of `building`, by name.
pub async fn assignable(app: &App, building: BuildingId) -> Result<Vec<(UserId, String)>, AppError> {
    let mut people: Vec<(UserId, String)> = assignments::holders(&app.db, Permission::TicketsTransition)
        .await?
        .into_iter()
        .filter(|h| h.reaches(building))
        .map(|h| (h.user_id, h.display_name))
        .collect();
    people.dedup_by_key(|(id, _)| *id);
    Ok(people)
}

/// Other tickets with the same contact phone, newest first (the requester
/// card's history beside a ticket).
pub async fn same_phone(app: &App, requester: &Requester, ticket: &Ticket) -> Result<Vec<Ticket>, AppError> {
    let Some(phone) = ticket.contact_phone.as_ref().filter(|_| shows_contacts(requester, ticket)) else {
        return Ok(Vec::new());
    };
    let query = TicketQuery {
        text: Some(phone.e164().to_owned()),
        sort: tickets::TicketSort::Newest,
        limit: 11,
        ..TicketQuery::default()
    };
    let (page, _) = list(app, requester, query).await?;
    Ok(page.items.into_iter().filter(|t| t.id != ticket.id).take(10).collect())
}
