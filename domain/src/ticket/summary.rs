//! What live screens see of a ticket: its summary.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Priority, Rating, Ticket, TicketSource, TicketStatus};
use crate::ids::{BuildingId, ClassifierId, ClientId, TeamId, TicketId, UnitId, UserId};
use crate::sla::SlaState;

/// How much of the description a summary carries.
const DESCRIPTION_CHARS: usize = 200;

/// What boards, queues and the resident's app see of a ticket in events:
/// no personal contacts, no internal comments. Who may see even this is
/// the policy's decision ([`crate::event::Event::visibility`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub id: TicketId,
    pub number: String,
    pub building_id: BuildingId,
    pub status: TicketStatus,
    pub priority: Priority,
    pub source: TicketSource,
    pub category_id: Option<ClassifierId>,
    pub category: Option<String>,
    pub place: Option<String>,
    pub problem: Option<String>,
    /// The first 200 characters.
    pub description: String,
    /// Where exactly ("кв. 45").
    pub location: Option<String>,
    /// The unit, when the ticket names one (live chessboards follow it).
    pub unit_id: Option<UnitId>,
    /// The client the ticket is filed for (a link to personal data: only
    /// for those who may read clients).
    pub client_id: Option<ClientId>,
    pub assignee_id: Option<UserId>,
    pub assignee_name: Option<String>,
    pub team_id: Option<TeamId>,
    /// The resident account that filed it (to tell their own tickets).
    #[serde(default)]
    pub created_by: Option<UserId>,
    pub sla_state: SlaState,
    pub response_due: Option<DateTime<Utc>>,
    pub resolution_due: Option<DateTime<Utc>>,
    /// When the SLA state changes by itself next (nodes arm timers on it).
    pub sla_next_change: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub flagged: bool,
    pub rating: Option<u8>,
}

/// The names a summary shows beside ids, read by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryNames {
    pub category: Option<String>,
    pub place: Option<String>,
    pub problem: Option<String>,
    pub assignee: Option<String>,
}

impl TicketSummary {
    pub fn of(ticket: &Ticket, names: SummaryNames) -> Self {
        Self {
            id: ticket.id,
            number: ticket.number.to_string(),
            building_id: ticket.building_id,
            status: ticket.status(),
            priority: ticket.priority,
            source: ticket.source,
            category_id: ticket.category_id,
            category: names.category,
            place: names.place,
            problem: names.problem,
            description: ticket.description.as_str().chars().take(DESCRIPTION_CHARS).collect(),
            location: ticket.location.clone(),
            unit_id: ticket.unit_id,
            client_id: ticket.client_id,
            assignee_id: ticket.assignee_id(),
            assignee_name: names.assignee,
            team_id: ticket.team_id,
            created_by: ticket.created_by,
            sla_state: ticket.sla.state,
            response_due: ticket.sla.response_due,
            resolution_due: ticket.sla.resolution_due,
            sla_next_change: ticket.sla.next_change,
            created_at: ticket.created_at,
            updated_at: ticket.updated_at,
            version: ticket.version,
            flagged: ticket.flagged(),
            rating: ticket.rating().map(Rating::value),
        }
    }
}
