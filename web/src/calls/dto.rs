//! The JSON shapes of calls.

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::calls::{CallCard, CallPage};
use domovoy_store::calls::{Call, Integration};

use crate::tickets::api::TicketDto;

/// A matched client.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallerDto {
    pub id: Uuid,
    pub name: String,
}

/// A call.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDto {
    pub id: Uuid,
    /// The PBX's own id.
    pub call_id: String,
    /// `in` or `out`.
    pub direction: &'static str,
    /// As the PBX sent it.
    pub from: String,
    pub to: String,
    /// `ringing`, `answered`, `ended`.
    pub state: &'static str,
    /// `answered`, `missed`, `busy`, `rejected`, `failed`; null until ended.
    pub result: Option<&'static str>,
    /// Zammad's cause of the end.
    pub cause: Option<&'static str>,
    pub client_ids: Vec<Uuid>,
    pub clients: Vec<CallerDto>,
    pub ticket_ids: Vec<Uuid>,
    pub queue: Option<String>,
    pub operator_id: Option<Uuid>,
    pub operator: Option<String>,
    pub building_id: Option<Uuid>,
    /// The users the PBX rang; empty: everyone who receives calls.
    pub user_ids: Vec<Uuid>,
    pub started_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub waiting_seconds: Option<i64>,
    pub talking_seconds: Option<i64>,
    /// A missed inbound call: call back by then.
    pub callback_due_at: Option<DateTime<Utc>>,
    pub callback_done_at: Option<DateTime<Utc>>,
    pub callback_by: Option<String>,
    pub callback_note: Option<String>,
    pub recording_url: Option<String>,
}

impl From<&Call> for CallDto {
    fn from(c: &Call) -> Self {
        Self {
            id: c.id.as_uuid(),
            call_id: c.pbx_call_id.clone(),
            direction: c.direction.code(),
            from: c.from_number.clone(),
            to: c.to_number.clone(),
            state: c.state().code(),
            result: c.result().map(|r| r.code()),
            cause: c.times.cause.map(|r| r.code()),
            client_ids: c.clients.iter().map(|(id, _)| id.as_uuid()).collect(),
            clients: c.clients.iter().map(|(id, name)| CallerDto { id: id.as_uuid(), name: name.clone() }).collect(),
            ticket_ids: c.tickets.iter().map(|(id, _)| id.as_uuid()).collect(),
            queue: c.queue.clone(),
            operator_id: c.operator_id.map(|u| u.as_uuid()),
            operator: c.operator_name.clone(),
            building_id: c.building_id.map(|b| b.as_uuid()),
            user_ids: c.routed_to.iter().map(|u| u.as_uuid()).collect(),
            started_at: c.times.started_at,
            answered_at: c.times.answered_at,
            ended_at: c.times.ended_at,
            waiting_seconds: c.times.waiting().map(|d| d.num_seconds()),
            talking_seconds: c.times.talking().map(|d| d.num_seconds()),
            callback_due_at: c.callback_due_at,
            callback_done_at: c.callback_done_at,
            callback_by: c.callback_by_name.clone(),
            callback_note: c.callback_note.clone(),
            recording_url: c.recording_url.clone(),
        }
    }
}

/// A page of the call log.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallList {
    pub items: Vec<CallDto>,
    pub next_cursor: Option<String>,
}

impl From<&CallPage> for CallList {
    fn from(page: &CallPage) -> Self {
        Self { items: page.items.iter().map(CallDto::from).collect(), next_cursor: page.next_cursor.clone() }
    }
}

/// A unit of a caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallerUnitDto {
    pub id: Uuid,
    pub building_id: Uuid,
    pub title: String,
    pub building_name: String,
}

/// A caller on the pop-up: only what the viewer may read.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallerCardDto {
    pub id: Uuid,
    pub name: String,
    pub units: Vec<CallerUnitDto>,
    pub open_tickets: Vec<TicketDto>,
    /// Open outages covering their units.
    pub outages: Vec<CallerOutageDto>,
}

/// An outage where a caller lives, as the pop-up warns of it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallerOutageDto {
    pub id: Uuid,
    /// `hot_water`, `heating`, …
    pub kind: &'static str,
    /// Expected end on the building's clock, `2026-12-10T18:00`.
    pub ends_at: String,
    pub details: String,
}

/// The pop-up's content.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallCardDto {
    pub call: CallDto,
    pub callers: Vec<CallerCardDto>,
    pub recent: Vec<CallDto>,
}

impl CallCardDto {
    pub fn new(card: &CallCard, ticket: impl Fn(&domovoy_domain::ticket::Ticket) -> TicketDto) -> Self {
        Self {
            call: CallDto::from(&card.call),
            callers: card
                .callers
                .iter()
                .map(|c| CallerCardDto {
                    id: c.id.as_uuid(),
                    name: c.name.clone(),
                    units: c
                        .units
                        .iter()
                        .map(|u| CallerUnitDto {
                            id: u.id.as_uuid(),
                            building_id: u.building_id.as_uuid(),
                            title: u.title.clone(),
                            building_name: u.building_name.clone(),
                        })
                        .collect(),
                    open_tickets: c.open_tickets.iter().map(&ticket).collect(),
                    outages: c
                        .outages
                        .iter()
                        .map(|o| CallerOutageDto {
                            id: o.id.as_uuid(),
                            kind: o.kind.code(),
                            ends_at: o.ends_at.format(domovoy_domain::outage::TIME_FORMAT).to_string(),
                            details: o.details.clone(),
                        })
                        .collect(),
                })
                .collect(),
            recent: card.recent.iter().map(CallDto::from).collect(),
        }
    }
}

/// A PBX integration.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationDto {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_event_at: Option<DateTime<Utc>>,
    pub events: i64,
}

impl From<&Integration> for IntegrationDto {
    fn from(i: &Integration) -> Self {
        Self {
            id: i.id.as_uuid(),
            name: i.name.clone(),
            created_at: i.created_at,
            revoked_at: i.revoked_at,
            last_event_at: i.last_event_at,
            events: i.events,
        }
    }
}

/// A new integration: its token and webhook path, shown only here.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedIntegrationDto {
    pub id: Uuid,
    pub name: String,
    pub token: String,
    /// `/api/v1/cti/<token>`.
    pub url: String,
}
