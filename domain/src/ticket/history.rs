//! A ticket's history: what changed, typed.
//!
//! Stored as a kind (`status`, `assigned`, …) and a JSON body; the enum's
//! serde form is exactly that pair (`{"kind": …, "data": …}`), so the
//! words on the page, the API's `kind`/`data` and the rows written years
//! ago are one shape, declared once here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{HoldReason, PhotoStage, Priority, TicketSource, TicketStatus};
use crate::ids::{ClassifierId, UserId};
use crate::sla::SlaState;

/// A value before and after a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FromTo<T> {
    pub from: T,
    pub to: T,
}

impl<T: PartialEq> FromTo<T> {
    pub fn new(from: T, to: T) -> Self {
        Self { from, to }
    }

    pub fn changed(&self) -> bool {
        self.from != self.to
    }
}

/// One change in a ticket's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "data", rename_all = "snake_case")]
pub enum HistoryChange {
    /// Filed.
    Created { status: TicketStatus, assignee_id: Option<UserId>, source: TicketSource },
    /// Moved through the workflow.
    Status {
        from: TicketStatus,
        to: TicketStatus,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        hold_reason: Option<HoldReason>,
    },
    /// Given to someone, or to nobody; `status` is where that left it.
    Assigned { from: Option<UserId>, to: Option<UserId>, status: TicketStatus },
    /// Priority or classification changed (the SLA re-evaluated).
    Classified {
        priority: FromTo<Priority>,
        category_id: FromTo<Option<ClassifierId>>,
        problem_id: FromTo<Option<ClassifierId>>,
        sla_state: FromTo<SlaState>,
    },
    /// The resident rated the work; `status` is where that left it.
    Rating {
        rating: u8,
        #[serde(default)]
        comment: Option<String>,
        status: TicketStatus,
    },
    /// The SLA clock crossed a line by itself.
    Sla { from: SlaState, to: SlaState },
    /// A file was attached; a photo from the staff app says whether it
    /// shows the place before or after the work.
    Attachment {
        attachment_id: uuid::Uuid,
        file_name: String,
        size_bytes: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stage: Option<PhotoStage>,
    },
    /// The assignee set off to the ticket («в пути»).
    SetOff,
}

impl HistoryChange {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Created { .. } => "created",
            Self::Status { .. } => "status",
            Self::Assigned { .. } => "assigned",
            Self::Classified { .. } => "classified",
            Self::Rating { .. } => "rating",
            Self::Sla { .. } => "sla",
            Self::Attachment { .. } => "attachment",
            Self::SetOff => "set_off",
        }
    }

    /// Whether the resident who filed the ticket sees it: workflow moves,
    /// assignment, ratings and files yes; classification and SLA are the
    /// company's own bookkeeping.
    pub fn is_public(&self) -> bool {
        !matches!(self, Self::Classified { .. } | Self::Sla { .. })
    }

    /// The stored body (everything but the kind).
    pub fn data(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut map)) => map.remove("data").unwrap_or(serde_json::Value::Null),
            // Every variant serialises to {"kind", "data"}.
            _ => serde_json::Value::Null,
        }
    }

    /// Reads a stored kind and body back.
    pub fn from_stored(kind: &str, data: serde_json::Value) -> Result<Self, serde_json::Error> {
        let mut stored = serde_json::Map::new();
        stored.insert("kind".to_owned(), kind.into());
        stored.insert("data".to_owned(), data);
        serde_json::from_value(serde_json::Value::Object(stored))
    }

    /// The people the entry names (to load their names once for a page).
    pub fn people(&self) -> Vec<UserId> {
        match self {
            Self::Created { assignee_id, .. } => assignee_id.iter().copied().collect(),
            Self::Assigned { from, to, .. } => from.iter().chain(to).copied().collect(),
            _ => Vec::new(),
        }
    }
}

/// One entry of a ticket's history, as read back.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    pub id: uuid::Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    /// The actor's name at the time (or the system's label).
    pub actor_name: String,
    pub change: HistoryChange,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_through_their_stored_form() {
        let entries = [
            HistoryChange::Created { status: TicketStatus::New, assignee_id: None, source: TicketSource::Phone },
            HistoryChange::Status {
                from: TicketStatus::InProgress,
                to: TicketStatus::OnHold,
                reason: None,
                hold_reason: Some(HoldReason::WaitingParts),
            },
            HistoryChange::Sla { from: SlaState::Active, to: SlaState::Warning },
            HistoryChange::Rating { rating: 2, comment: Some("долго".into()), status: TicketStatus::Reopened },
            HistoryChange::SetOff,
        ];
        for entry in entries {
            let (kind, data) = (entry.kind(), entry.data());
            assert_eq!(HistoryChange::from_stored(kind, data).unwrap(), entry);
        }
    }

    #[test]
    fn the_stored_body_is_the_shape_rows_already_have() {
        let data = serde_json::json!({ "from": "new", "to": "accepted", "reason": null, "hold_reason": null });
        let read = HistoryChange::from_stored("status", data.clone()).unwrap();
        assert_eq!(read.data(), data);
        assert!(read.is_public());
        assert!(!HistoryChange::Sla { from: SlaState::Active, to: SlaState::Breached }.is_public());
        assert!(HistoryChange::from_stored("edited", serde_json::json!({})).is_err());
    }
}
