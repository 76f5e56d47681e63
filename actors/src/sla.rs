//! SLA evaluation against the database: the glue between the pure clock in
//! `domovoy_domain::sla` and what a ticket's policy, building and pauses
//! are. Used when tickets change and when SLA timers fire.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use domovoy_domain::building::TimeZone;
use domovoy_domain::sla::{ProductionCalendar, SlaTimeline, WorkClock, evaluate};
use domovoy_domain::ticket::{Ticket, TicketSla, TicketStatus};
use domovoy_store::sla::SlaPolicy;
use domovoy_store::{Db, Source, StoreResult, WriteTx, buildings, sla, tickets};

/// How long a loaded production calendar is used before it is read again;
/// a calendar imported on one node reaches the others within this.
const CALENDAR_TTL: Duration = Duration::from_secs(60);

/// The calendar and when it was read.
type Cached = (Instant, Arc<ProductionCalendar>);

/// The production calendar, read from the database and kept for a while.
#[derive(Debug, Clone)]
pub struct CalendarCache {
    db: Db,
    /// The calendar and when it was read. Held only to swap the pointer;
    /// readers clone the `Arc` and release the lock at once.
    cell: Arc<RwLock<Option<Cached>>>,
}

impl CalendarCache {
    pub fn new(db: Db) -> Self {
        Self { db, cell: Arc::new(RwLock::new(None)) }
    }

    /// The calendar, reading it from the database when stale.
    pub async fn get(&self) -> StoreResult<Arc<ProductionCalendar>> {
        if let Some((at, calendar)) = self.cell.read().unwrap_or_else(std::sync::PoisonError::into_inner).as_ref()
            && at.elapsed() < CALENDAR_TTL
        {
            return Ok(calendar.clone());
        }
        let calendar = Arc::new(sla::production_calendar(&self.db).await?);
        *self.cell.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((Instant::now(), calendar.clone()));
        Ok(calendar)
    }

    /// Forgets the cached calendar (after an import on this node).
    pub fn invalidate(&self) {
        *self.cell.write().unwrap_or_else(std::sync::PoisonError::into_inner) = None;
    }
}

/// The ticket's SLA at `now`: the matching policy (by building, category,
/// priority), the building's time zone, the calendar, the ticket's pauses.
pub async fn compute<'a>(
    source: impl Into<Source<'a>>,
    calendar: Arc<ProductionCalendar>,
    ticket: &Ticket,
    pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    now: DateTime<Utc>,
) -> StoreResult<TicketSla> {
    let mut source: Source<'a> = source.into();
    let source = &mut source;
    let policy = sla::matching(source.reborrow(), ticket.building_id, ticket.category_id, ticket.priority).await?;
    let Some(policy) = policy else { return Ok(TicketSla::none()) };
    let building = buildings::get(source.reborrow(), ticket.building_id).await?;
    Ok(under(&policy, calendar, building.time_zone, ticket, pauses, now))
}

/// The ticket's SLA at `now` under `policy`, the ticket's building being in
/// `zone` (for a caller that has read both already: intake). Against the
/// deadlines it had, a ticket keeps a warning or breach it was given when
/// `now` is earlier than the time that gave it ([`domovoy_domain::sla::SlaState::judged_again`]:
/// the wall clock was set back).
pub fn under(
    policy: &SlaPolicy,
    calendar: Arc<ProductionCalendar>,
    zone: TimeZone,
    ticket: &Ticket,
    pauses: Vec<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    now: DateTime<Utc>,
) -> TicketSla {
    let clock = WorkClock { schedule: policy.schedule, calendar, zone: zone.tz() };
    let ended = matches!(ticket.status(), TicketStatus::Rejected | TicketStatus::Cancelled);
    let timeline = SlaTimeline {
        created: ticket.created_at,
        responded: ticket.responded_at(),
        resolved: ticket.resolved_at().or(if ended { Some(ticket.updated_at) } else { None }),
        pauses,
    };
    let status = evaluate(Some(&policy.targets), &clock, &timeline, now);
    let same_deadlines = ticket.sla.policy_id == Some(policy.id)
        && ticket.sla.response_due == status.response_due
        && ticket.sla.resolution_due == status.resolution_due;
    let state = if same_deadlines { status.state.judged_again(ticket.sla.state) } else { status.state };
    TicketSla {
        policy_id: Some(policy.id),
        state,
        response_due: status.response_due,
        resolution_due: status.resolution_due,
        next_change: status.next_change,
        used_minutes: status.used_minutes,
    }
}

/// Re-evaluates a ticket inside a write (its pauses read there too).
pub async fn refresh(
    tx: &mut WriteTx,
    calendar: Arc<ProductionCalendar>,
    ticket: &Ticket,
    now: DateTime<Utc>,
) -> StoreResult<TicketSla> {
    let pauses = tickets::pauses(&mut *tx, ticket.id).await?;
    compute(tx, calendar, ticket, pauses, now).await
}
