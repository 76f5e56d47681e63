//! Typed identifiers. Every entity id is a UUID v7 (time-ordered, so keyset
//! pagination by id follows creation order) wrapped in its own type, so a
//! `UserId` can never be passed where a `BuildingId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self)
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                Self(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

id_type!(
    /// A staff or resident account.
    UserId
);
id_type!(
    /// A role composed from the permission catalog.
    RoleId
);
id_type!(
    /// One grant of a role to a user, for one building or for all.
    AssignmentId
);
id_type!(
    /// A building (объект).
    BuildingId
);
id_type!(
    /// A browser session, API token or device token.
    TokenId
);
id_type!(
    /// One audit log entry.
    AuditId
);
id_type!(
    /// One event in the event log.
    EventId
);
id_type!(
    /// A ticket (обращение / заявка).
    TicketId
);
id_type!(
    /// An item of the ticket classifier (place, category or problem).
    ClassifierId
);
id_type!(
    /// A team of technicians.
    TeamId
);
id_type!(
    /// An SLA policy.
    SlaPolicyId
);
id_type!(
    /// A comment on a ticket.
    CommentId
);
id_type!(
    /// A file attached to a ticket.
    AttachmentId
);
id_type!(
    /// A section of a building: a подъезд, a корпус or a parking level group.
    SectionId
);
id_type!(
    /// A floor of a section.
    FloorId
);
id_type!(
    /// A unit (помещение): an apartment, office, shop, storage room or parking space.
    UnitId
);
id_type!(
    /// A client (клиент): a person or a company.
    ClientId
);
id_type!(
    /// A visitor pass (пропуск).
    PassId
);
id_type!(
    /// One visit on a pass: an arrival and, later, a departure.
    VisitId
);
id_type!(
    /// A blocklist entry: a person or a car not to be let in.
    BlockEntryId
);
id_type!(
    /// A telephone call seen by the telephony integrations.
    CallId
);
id_type!(
    /// A PBX that sends call events (its token is the webhook's key).
    PbxIntegrationId
);
id_type!(
    /// A phone or browser registered for the staff app (sync and push).
    DeviceId
);
id_type!(
    /// A mailing to residents.
    MailingId
);
id_type!(
    /// One recipient's delivery of a mailing on one channel.
    DeliveryId
);
id_type!(
    /// A saved mailing text to start new mailings from.
    MailingTemplateId
);
id_type!(
    /// A saved audience (a segment) to send mailings to again.
    SegmentId
);
id_type!(
    /// A survey to residents.
    SurveyId
);
id_type!(
    /// An outage (water, heat, power cut off) in some buildings.
    OutageId
);
id_type!(
    /// One question of a survey.
    QuestionId
);
