//! Event topics and kinds: the vocabulary of live updates.
//!
//! Every committed change produces events; each event belongs to one topic
//! and carries that topic's next sequence number, so a follower can tell
//! whether it missed something.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;
use crate::ids::{BuildingId, TicketId, UserId};

/// A stream of events that can be followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// Everything visible on a building's boards and chessboard.
    Building(BuildingId),
    /// One ticket's page: its changes and comments (content is fetched
    /// with permission checks; events only say what changed).
    Ticket(TicketId),
    /// A user's personal work queue (a technician's assignments).
    Queue(UserId),
    /// Calls ringing and ending across the company.
    Calls,
    /// Notices to one account (their sessions, their settings).
    User(UserId),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Building(id) => write!(f, "building:{id}"),
            Self::Ticket(id) => write!(f, "ticket:{id}"),
            Self::Queue(id) => write!(f, "queue:{id}"),
            Self::Calls => f.write_str("calls"),
            Self::User(id) => write!(f, "user:{id}"),
        }
    }
}

impl FromStr for Topic {
    type Err = FieldError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        if raw == "calls" {
            return Ok(Self::Calls);
        }
        let (kind, id) = raw.split_once(':').ok_or(FieldError::InvalidFormat)?;
        let bad = |_| FieldError::InvalidFormat;
        match kind {
            "building" => id.parse().map(Self::Building).map_err(bad),
            "ticket" => id.parse().map(Self::Ticket).map_err(bad),
            "queue" => id.parse().map(Self::Queue).map_err(bad),
            "user" => id.parse().map(Self::User).map_err(bad),
            _ => Err(FieldError::Unknown),
        }
    }
}

impl Serialize for Topic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Topic {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

/// What happened, as a stable dotted code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    BuildingCreated,
    BuildingUpdated,
    /// The building's layout (sections, floors, units) was replaced; live
    /// chessboards reload it.
    LayoutChanged,
    /// Who is linked to some units changed (the chessboard's ownership
    /// overlay); carries `unit_ids`.
    OccupancyChanged,
    /// The account's sessions or permissions changed; clients re-read them.
    AccessChanged,
    TicketCreated,
    /// Status, assignee, priority, classification or SLA changed; carries
    /// the ticket's summary.
    TicketUpdated,
    /// A comment or file was added (the content is fetched).
    TicketCommented,
    /// A file was attached (on the ticket's own topic).
    TicketAttached,
    /// The SLA clock crossed a line: a warning or a breach.
    TicketSla,
}

impl EventKind {
    pub const ALL: &'static [EventKind] = &[
        Self::BuildingCreated,
        Self::BuildingUpdated,
        Self::LayoutChanged,
        Self::OccupancyChanged,
        Self::AccessChanged,
        Self::TicketCreated,
        Self::TicketUpdated,
        Self::TicketCommented,
        Self::TicketAttached,
        Self::TicketSla,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            Self::BuildingCreated => "building.created",
            Self::BuildingUpdated => "building.updated",
            Self::LayoutChanged => "building.layout_changed",
            Self::OccupancyChanged => "building.occupancy_changed",
            Self::AccessChanged => "user.access_changed",
            Self::TicketCreated => "ticket.created",
            Self::TicketUpdated => "ticket.updated",
            Self::TicketCommented => "ticket.commented",
            Self::TicketAttached => "ticket.attached",
            Self::TicketSla => "ticket.sla",
        }
    }
}

impl FromStr for EventKind {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|k| k.code() == code).ok_or(FieldError::Unknown)
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_round_trip_through_text() {
        let topics =
            [Topic::Building(BuildingId::new()), Topic::Queue(UserId::new()), Topic::Calls, Topic::User(UserId::new())];
        for topic in topics {
            assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        }
    }

    #[test]
    fn malformed_topics_are_refused() {
        assert_eq!("building:42".parse::<Topic>(), Err(FieldError::InvalidFormat));
        assert_eq!("garage:0190b2d2-8d37-7c3c-9f53-3f4a0c1c2d3e".parse::<Topic>(), Err(FieldError::Unknown));
        assert_eq!("".parse::<Topic>(), Err(FieldError::InvalidFormat));
    }
}
