//! The board's filter as it travels in URLs: the same query string drives
//! `GET /api/v1/tickets`, the board page, its CSV export and saved filters.

use serde::{Deserialize, Serialize};

use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ids::{BuildingId, ClassifierId, UserId};
use domovoy_domain::sla::SlaState;
use domovoy_domain::ticket::{Priority, TicketSource, TicketStatus};
use domovoy_store::tickets::{AssigneeFilter, Cursor, TicketQuery, TicketSort};

use crate::AppError;
use crate::common::optional;

/// Tickets per page unless asked otherwise.
pub const DEFAULT_LIMIT: u32 = 50;
/// The most one page may hold.
pub const MAX_LIMIT: u32 = 500;

/// Query-string parameters of the board and the ticket list API. Every
/// field is optional; unknown values are field errors, not ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TicketFilter {
    /// A building id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub building_id: Option<String>,
    /// `open`, or statuses separated by commas (`new,accepted`).
    #[serde(default, skip_serializing_if = "is_blank")]
    pub status: Option<String>,
    /// A category id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub category: Option<String>,
    /// `normal`, `high` or `emergency`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub priority: Option<String>,
    /// `me`, `none` or a user id.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub assignee: Option<String>,
    #[serde(default, skip_serializing_if = "is_blank")]
    pub source: Option<String>,
    /// `active`, `warning`, `breached`, `paused`, `met`, `none`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub sla: Option<String>,
    /// Words to find in the number, text, phone and location.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub q: Option<String>,
    /// `1`: only tickets flagged for attention.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub flagged: Option<String>,
    /// `urgency` (default), `newest`, `oldest`.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub sort: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    #[serde(default, skip_serializing_if = "is_blank")]
    pub cursor: Option<String>,
}

fn is_blank(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn parse_id<T: From<uuid::Uuid>>(raw: &str) -> Result<T, FieldError> {
    raw.trim().parse::<uuid::Uuid>().map(T::from).map_err(|_| FieldError::InvalidFormat)
}

impl TicketFilter {
    /// The store's query for `me` (who "mine" means). The requester's reach is
    /// applied afterwards by the service.
    pub fn to_query(&self, me: UserId) -> Result<TicketQuery, AppError> {
        let mut errors = FieldErrors::new();
        let mut query =
            TicketQuery { limit: self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT), ..TicketQuery::default() };
        if let Some(building) =
            optional(&mut errors, "building_id", self.building_id.as_deref(), parse_id::<BuildingId>)
        {
            query.buildings = Some(vec![building]);
        }
        match self.status.as_deref().map(str::trim) {
            None | Some("") | Some("all") => {}
            Some("open") => query.open_only = true,
            Some(list) => {
                let parsed: Result<Vec<TicketStatus>, _> = list.split(',').map(|s| s.trim().parse()).collect();
                match parsed {
                    Ok(statuses) => query.statuses = statuses,
                    Err(error) => errors.add("status", error),
                }
            }
        }
        query.category = optional(&mut errors, "category", self.category.as_deref(), parse_id::<ClassifierId>);
        query.priority = optional(&mut errors, "priority", self.priority.as_deref(), str::parse::<Priority>);
        query.assignee = optional(&mut errors, "assignee", self.assignee.as_deref(), |raw| match raw {
            "me" => Ok(AssigneeFilter::User(me)),
            "none" => Ok(AssigneeFilter::Nobody),
            id => parse_id::<UserId>(id).map(AssigneeFilter::User),
        });
        query.source = optional(&mut errors, "source", self.source.as_deref(), str::parse::<TicketSource>);
        query.sla_state = optional(&mut errors, "sla", self.sla.as_deref(), str::parse::<SlaState>);
        query.text = super::present(self.q.as_deref()).map(|q| q.chars().take(200).collect());
        query.flagged = optional(&mut errors, "flagged", self.flagged.as_deref(), |raw| match raw {
            "1" | "true" => Ok(true),
            "0" | "false" => Ok(false),
            _ => Err(FieldError::InvalidFormat),
        })
        .filter(|f| *f);
        query.sort = optional(&mut errors, "sort", self.sort.as_deref(), |raw| match raw {
            "urgency" => Ok(TicketSort::Urgency),
            "newest" => Ok(TicketSort::Newest),
            "oldest" => Ok(TicketSort::Oldest),
            _ => Err(FieldError::Unknown),
        })
        .unwrap_or_default();
        query.cursor = optional(&mut errors, "cursor", self.cursor.as_deref(), str::parse::<Cursor>);
        errors.into_result()?;
        Ok(query)
    }

    /// The filter as a query string (blank fields left out), for links,
    /// exports and saved filters.
    pub fn to_query_string(&self) -> String {
        serde_urlencoded::to_string(self).unwrap_or_default()
    }

    /// This filter on another page.
    pub fn with_cursor(&self, cursor: Option<String>) -> Self {
        Self { cursor, ..self.clone() }
    }

    /// Whether anything narrows the list (the board then says so).
    pub fn is_narrowed(&self) -> bool {
        let bare = Self { sort: None, limit: None, cursor: None, ..self.clone() };
        bare != Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> UserId {
        UserId::new()
    }

    #[test]
    fn an_empty_filter_lists_everything_by_urgency() {
        let query = TicketFilter::default().to_query(me()).unwrap();
        assert_eq!(query.limit, DEFAULT_LIMIT);
        assert_eq!(query.sort, TicketSort::Urgency);
        assert!(query.buildings.is_none() && query.statuses.is_empty() && !query.open_only);
    }

    #[test]
    fn every_field_reaches_the_query() {
        let building = BuildingId::new();
        let user = me();
        let filter = TicketFilter {
            building_id: Some(building.to_string()),
            status: Some("new, accepted".into()),
            priority: Some("emergency".into()),
            assignee: Some("me".into()),
            source: Some("phone".into()),
            sla: Some("breached".into()),
            q: Some("  течь ".into()),
            flagged: Some("1".into()),
            sort: Some("newest".into()),
            limit: Some(10_000),
            cursor: Some("o50".into()),
            ..TicketFilter::default()
        };
        let query = filter.to_query(user).unwrap();
        assert_eq!(query.buildings, Some(vec![building]));
        assert_eq!(query.statuses, vec![TicketStatus::New, TicketStatus::Accepted]);
        assert_eq!(query.priority, Some(Priority::Emergency));
        assert_eq!(query.assignee, Some(AssigneeFilter::User(user)));
        assert_eq!(query.source, Some(TicketSource::Phone));
        assert_eq!(query.sla_state, Some(SlaState::Breached));
        assert_eq!(query.text.as_deref(), Some("течь"));
        assert_eq!(query.flagged, Some(true));
        assert_eq!(query.sort, TicketSort::Newest);
        assert_eq!(query.limit, MAX_LIMIT);
        assert_eq!(query.cursor, Some(Cursor::Offset(50)));
    }

    #[test]
    fn bad_values_are_field_errors_not_ignored() {
        let filter = TicketFilter {
            status: Some("new,lost".into()),
            building_id: Some("x".into()),
            sort: Some("random".into()),
            cursor: Some("zzz".into()),
            ..TicketFilter::default()
        };
        let Err(AppError::Validation(errors)) = filter.to_query(me()) else { panic!("expected field errors") };
        let fields: Vec<&str> = errors.iter().map(|(field, _)| *field).collect();
        assert_eq!(fields, ["building_id", "status", "sort", "cursor"]);
    }

    #[test]
    fn the_query_string_round_trips_without_blank_fields() {
        let filter = TicketFilter {
            status: Some("open".into()),
            q: Some("кв 45".into()),
            building_id: Some(String::new()),
            ..TicketFilter::default()
        };
        let text = filter.to_query_string();
        assert_eq!(text, "status=open&q=%D0%BA%D0%B2+45");
        let back: TicketFilter = serde_urlencoded::from_str(&text).unwrap();
        assert_eq!(back.status, filter.status);
        assert_eq!(back.q, filter.q);
        assert!(filter.is_narrowed());
        assert!(!TicketFilter { sort: Some("newest".into()), ..TicketFilter::default() }.is_narrowed());
    }
}
