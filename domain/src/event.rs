//! Event topics and kinds: the vocabulary of live updates.
//!
//! Every committed change produces events; each event belongs to one topic
//! and carries that topic's next sequence number, so a follower can tell
//! whether it missed something.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;
use crate::ids::{
    BuildingId, CallId, ClientId, CommentId, OutageId, PassId, SurveyId, TicketId, UnitId, UserId, VisitId,
};
use crate::permission::Permission;
use crate::policy::{Principal, Target};
use crate::sla::SlaState;
use crate::ticket::TicketSummary;

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
    /// A survey's live results: an answer came in (never who answered).
    Survey(SurveyId),
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Building(id) => write!(f, "building:{id}"),
            Self::Ticket(id) => write!(f, "ticket:{id}"),
            Self::Queue(id) => write!(f, "queue:{id}"),
            Self::Calls => f.write_str("calls"),
            Self::User(id) => write!(f, "user:{id}"),
            Self::Survey(id) => write!(f, "survey:{id}"),
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
            "survey" => id.parse().map(Self::Survey).map_err(bad),
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
    /// A pass was issued (or requested at the desk).
    PassCreated,
    /// A pass was approved, denied, cancelled, closed or expired.
    PassChanged,
    /// A visitor arrived: the guard desk's log and "on site now".
    VisitArrived,
    VisitDeparted,
    /// A call rings: the dispatchers' pop-up.
    CallRinging,
    /// Somebody answered it.
    CallAnswered,
    /// It ended (answered, missed, busy, rejected, failed).
    CallEnded,
    /// A ticket was linked or its callback task was closed.
    CallUpdated,
    /// A survey got an answer (its results page refreshes); carries only
    /// the survey's id.
    SurveyAnswered,
    /// An outage was registered: the dispatchers' banner.
    OutageOpened,
    /// An outage was closed.
    OutageClosed,
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
        Self::PassCreated,
        Self::PassChanged,
        Self::VisitArrived,
        Self::VisitDeparted,
        Self::CallRinging,
        Self::CallAnswered,
        Self::CallEnded,
        Self::CallUpdated,
        Self::SurveyAnswered,
        Self::OutageOpened,
        Self::OutageClosed,
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
            Self::PassCreated => "pass.created",
            Self::PassChanged => "pass.changed",
            Self::VisitArrived => "visit.arrived",
            Self::VisitDeparted => "visit.departed",
            Self::CallRinging => "call.ringing",
            Self::CallAnswered => "call.answered",
            Self::CallEnded => "call.ended",
            Self::CallUpdated => "call.updated",
            Self::SurveyAnswered => "survey.answered",
            Self::OutageOpened => "outage.opened",
            Self::OutageClosed => "outage.closed",
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

/// A building's identity, as live pages redraw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingInfo {
    pub id: BuildingId,
    pub name: String,
    pub address: String,
    pub kind: String,
    pub time_zone: String,
}

/// A building's layout was replaced (by the editor or an import).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutChange {
    #[serde(skip)]
    pub building_id: Option<BuildingId>,
    pub created: usize,
    pub updated: usize,
    pub removed: usize,
    /// Replaced by a billing import.
    #[serde(default)]
    pub import: bool,
}

/// Who is linked to some units of a building changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupancyChange {
    #[serde(skip)]
    pub building_id: Option<BuildingId>,
    /// The client whose links changed (absent after an import).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_id: Option<ClientId>,
    /// The units whose occupants changed (empty after an import: all).
    #[serde(default)]
    pub unit_ids: Vec<UnitId>,
    #[serde(default)]
    pub import: bool,
}

/// Who besides a ticket's building, page and holder hears of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Audience {
    /// The holder before the change, when it changed (their queue).
    pub previous_assignee: Option<UserId>,
    /// The resident account that filed the ticket (their own notices).
    pub resident: Option<UserId>,
    /// The change gave the ticket to its holder now (their phone is told).
    pub newly_assigned: bool,
    /// The change moved the ticket to another status (the resident's phone
    /// is told, unless the move was theirs).
    pub status_changed: bool,
    /// Who made the change, when a person did (not a timer).
    pub actor: Option<UserId>,
}

/// A comment on a ticket (its content is read with permission checks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentNotice {
    pub ticket_id: TicketId,
    pub comment_id: CommentId,
    pub public: bool,
    #[serde(skip)]
    pub building_id: Option<BuildingId>,
    #[serde(skip)]
    pub assignee: Option<UserId>,
    /// The resident to tell, for a public comment on their ticket.
    #[serde(skip)]
    pub resident: Option<UserId>,
}

/// A file attached to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentNotice {
    pub ticket_id: TicketId,
    pub attachment_id: uuid::Uuid,
    pub file_name: String,
}

/// A ticket's SLA crossed a line by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaNotice {
    pub ticket_id: TicketId,
    pub number: String,
    pub state: SlaState,
    #[serde(skip)]
    pub building_id: Option<BuildingId>,
    /// Who holds the ticket (their phone is told of a warning).
    #[serde(skip)]
    pub assignee: Option<UserId>,
}

/// A pass as the guard desk's screens redraw it: no host contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PassNotice {
    pub id: PassId,
    pub building_id: BuildingId,
    pub unit_id: Option<UnitId>,
    pub kind: String,
    pub status: String,
    pub visitor_name: String,
    pub plate: Option<String>,
    /// The resident who holds the pass (their own notices).
    #[serde(skip)]
    pub host_user: Option<UserId>,
}

/// A visitor arrived or left.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitNotice {
    pub id: VisitId,
    pub pass_id: PassId,
    pub building_id: BuildingId,
    pub unit_id: Option<UnitId>,
    pub unit_label: Option<String>,
    pub kind: String,
    pub visitor_name: String,
    pub plate: Option<String>,
    pub arrived_at: chrono::DateTime<chrono::Utc>,
    pub departed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Who marked it (the guard's or concierge's name).
    pub marked_by: String,
    #[serde(skip)]
    pub host_user: Option<UserId>,
}

/// A matched caller, as the pop-up names them (their units and tickets are
/// read with permission checks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerMatch {
    pub id: ClientId,
    pub name: String,
}

/// A call as the dispatchers' screens redraw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallNotice {
    pub id: CallId,
    /// The PBX's own id.
    pub call_id: String,
    pub direction: String,
    /// As the PBX sent them.
    pub from: String,
    pub to: String,
    pub state: String,
    pub result: Option<String>,
    pub clients: Vec<CallerMatch>,
    /// The building of the matched clients when they are all in one: only
    /// those who receive calls there see it.
    pub building_id: Option<BuildingId>,
    /// The users the PBX rang; empty: everyone who receives calls.
    pub user_ids: Vec<UserId>,
    pub queue: Option<String>,
    /// Who answered.
    pub operator: Option<String>,
    pub ticket_ids: Vec<TicketId>,
    pub callback_open: bool,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub answered_at: Option<chrono::DateTime<chrono::Utc>>,
    pub ended_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// An outage registered or closed: what the banner shows (no person in
/// it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutageNotice {
    pub outage_id: OutageId,
    pub kind: String,
    pub building_ids: Vec<BuildingId>,
    pub starts_at: chrono::NaiveDateTime,
    pub ends_at: chrono::NaiveDateTime,
}

/// Something that happened, with its payload: what every follower of its
/// topics receives (as far as the policy lets them see it, see
/// [`Exposure`]). The kind, the topics and the payload's shape are all
/// decided here, once.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    BuildingCreated(BuildingInfo),
    BuildingUpdated(BuildingInfo),
    LayoutChanged(LayoutChange),
    OccupancyChanged(OccupancyChange),
    /// The account's sessions or permissions changed: its live sessions
    /// close (code 4000) and reconnect with what it holds now.
    AccessChanged {
        user_id: UserId,
    },
    TicketCreated(TicketSummary, Audience),
    TicketUpdated(TicketSummary, Audience),
    TicketCommented(CommentNotice),
    TicketAttached(AttachmentNotice),
    TicketSla(SlaNotice),
    PassCreated(PassNotice),
    PassChanged(PassNotice),
    VisitArrived(VisitNotice),
    VisitDeparted(VisitNotice),
    CallRinging(CallNotice),
    CallAnswered(CallNotice),
    CallEnded(CallNotice),
    CallUpdated(CallNotice),
    SurveyAnswered {
        survey_id: SurveyId,
    },
    OutageOpened(OutageNotice),
    OutageClosed(OutageNotice),
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Self::BuildingCreated(_) => EventKind::BuildingCreated,
            Self::BuildingUpdated(_) => EventKind::BuildingUpdated,
            Self::LayoutChanged(_) => EventKind::LayoutChanged,
            Self::OccupancyChanged(_) => EventKind::OccupancyChanged,
            Self::AccessChanged { .. } => EventKind::AccessChanged,
            Self::TicketCreated(..) => EventKind::TicketCreated,
            Self::TicketUpdated(..) => EventKind::TicketUpdated,
            Self::TicketCommented(_) => EventKind::TicketCommented,
            Self::TicketAttached(_) => EventKind::TicketAttached,
            Self::TicketSla(_) => EventKind::TicketSla,
            Self::PassCreated(_) => EventKind::PassCreated,
            Self::PassChanged(_) => EventKind::PassChanged,
            Self::VisitArrived(_) => EventKind::VisitArrived,
            Self::VisitDeparted(_) => EventKind::VisitDeparted,
            Self::CallRinging(_) => EventKind::CallRinging,
            Self::CallAnswered(_) => EventKind::CallAnswered,
            Self::CallEnded(_) => EventKind::CallEnded,
            Self::CallUpdated(_) => EventKind::CallUpdated,
            Self::SurveyAnswered { .. } => EventKind::SurveyAnswered,
            Self::OutageOpened(_) => EventKind::OutageOpened,
            Self::OutageClosed(_) => EventKind::OutageClosed,
        }
    }

    /// Every topic the event goes to. A ticket's change goes to its
    /// building's boards, its page, its holder's queue (and the previous
    /// holder's), and to the resident who filed it.
    pub fn topics(&self) -> Vec<Topic> {
        match self {
            Self::BuildingCreated(b) | Self::BuildingUpdated(b) => vec![Topic::Building(b.id)],
            Self::LayoutChanged(c) => c.building_id.map(Topic::Building).into_iter().collect(),
            Self::OccupancyChanged(c) => c.building_id.map(Topic::Building).into_iter().collect(),
            Self::AccessChanged { user_id } => vec![Topic::User(*user_id)],
            Self::TicketCreated(summary, audience) | Self::TicketUpdated(summary, audience) => {
                let mut topics = vec![Topic::Building(summary.building_id), Topic::Ticket(summary.id)];
                topics.extend(summary.assignee_id.map(Topic::Queue));
                topics.extend(audience.previous_assignee.filter(|p| Some(*p) != summary.assignee_id).map(Topic::Queue));
                topics.extend(audience.resident.map(Topic::User));
                topics
            }
            Self::TicketCommented(c) => {
                let mut topics: Vec<Topic> = c.building_id.map(Topic::Building).into_iter().collect();
                topics.push(Topic::Ticket(c.ticket_id));
                topics.extend(c.assignee.map(Topic::Queue));
                topics.extend(c.resident.filter(|_| c.public).map(Topic::User));
                topics
            }
            Self::TicketAttached(a) => vec![Topic::Ticket(a.ticket_id)],
            Self::TicketSla(n) => {
                let mut topics: Vec<Topic> = n.building_id.map(Topic::Building).into_iter().collect();
                topics.push(Topic::Ticket(n.ticket_id));
                topics
            }
            // The desk of the building, and the host resident's notices.
            Self::PassCreated(p) | Self::PassChanged(p) => {
                let mut topics = vec![Topic::Building(p.building_id)];
                topics.extend(p.host_user.map(Topic::User));
                topics
            }
            Self::VisitArrived(v) | Self::VisitDeparted(v) => {
                let mut topics = vec![Topic::Building(v.building_id)];
                topics.extend(v.host_user.map(Topic::User));
                topics
            }
            Self::CallRinging(_) | Self::CallAnswered(_) | Self::CallEnded(_) | Self::CallUpdated(_) => {
                vec![Topic::Calls]
            }
            Self::SurveyAnswered { survey_id } => vec![Topic::Survey(*survey_id)],
            // The buildings' boards, and every dispatcher's banner.
            Self::OutageOpened(o) | Self::OutageClosed(o) => {
                let mut topics: Vec<Topic> = o.building_ids.iter().copied().map(Topic::Building).collect();
                topics.push(Topic::Calls);
                topics
            }
        }
    }

    /// The payload followers receive as `data`.
    pub fn payload(&self) -> serde_json::Value {
        let value = match self {
            Self::BuildingCreated(b) | Self::BuildingUpdated(b) => serde_json::to_value(b),
            Self::LayoutChanged(c) => serde_json::to_value(c),
            Self::OccupancyChanged(c) => serde_json::to_value(c),
            Self::AccessChanged { user_id } => Ok(serde_json::json!({ "user_id": user_id })),
            Self::TicketCreated(s, _) | Self::TicketUpdated(s, _) => serde_json::to_value(s),
            Self::TicketCommented(c) => serde_json::to_value(c),
            Self::TicketAttached(a) => serde_json::to_value(a),
            Self::TicketSla(n) => serde_json::to_value(n),
            Self::PassCreated(p) | Self::PassChanged(p) => serde_json::to_value(p),
            Self::VisitArrived(v) | Self::VisitDeparted(v) => serde_json::to_value(v),
            Self::CallRinging(c) | Self::CallAnswered(c) | Self::CallEnded(c) | Self::CallUpdated(c) => {
                serde_json::to_value(c)
            }
            Self::SurveyAnswered { survey_id } => Ok(serde_json::json!({ "survey_id": survey_id })),
            Self::OutageOpened(o) | Self::OutageClosed(o) => serde_json::to_value(o),
        };
        // Plain structs of strings, numbers and ids always serialise.
        value.unwrap_or(serde_json::Value::Null)
    }
}

/// Payload fields that link to a person's record: shown only to those who
/// may read clients where the event happened.
pub const LINK_FIELDS: &[&str] = &["client_id", "client_ids", "clients"];

/// Payload fields that carry personal contacts: shown only to those who may
/// see contacts there (`clients.contacts.read`).
pub const CONTACT_FIELDS: &[&str] = &["contact_name", "contact_phone", "phone", "from", "visitor_phone"];

/// Fields removed from an event for one follower, as a small set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Withheld(u8);

impl Withheld {
    const LINKS: u8 = 1;
    const CONTACTS: u8 = 2;

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// A small index (0..4) for caching one rendering per set.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    fn fields(self) -> impl Iterator<Item = &'static str> {
        let links = (self.0 & Self::LINKS != 0).then_some(LINK_FIELDS).into_iter().flatten();
        let contacts = (self.0 & Self::CONTACTS != 0).then_some(CONTACT_FIELDS).into_iter().flatten();
        links.chain(contacts).copied()
    }
}

/// What a follower of a topic may see of an event there: the policy applied
/// to live updates and their replay. Following a topic needs its own
/// permission (a building's: `buildings.read`); what an event carries may
/// need more: a ticket's content needs `tickets.read` on that ticket, a
/// link to a client needs `clients.read`, a phone number needs
/// `clients.contacts.read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exposure {
    /// Needed to see the event at all.
    pub content: Option<(Permission, Target)>,
    /// Where the event happened (for its links and contacts).
    pub target: Target,
    /// Whether it carries links to client records, or contacts.
    pub has_links: bool,
    pub has_contacts: bool,
}

/// How much of an event a follower sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    /// All of it, or without the withheld fields.
    Shown(Withheld),
    Hidden,
}

impl Exposure {
    /// Reads what an event on `topic` of `kind` with `data` needs. Works on
    /// stored events (kind and JSON), so replays from the log are judged as
    /// live ones are.
    pub fn of(topic: Topic, kind: &str, data: &serde_json::Value) -> Exposure {
        let building = match topic {
            Topic::Building(id) => Some(id),
            _ => data.get("building_id").and_then(|v| v.as_str()).and_then(|v| v.parse().ok()),
        };
        let owner: Option<UserId> = data.get("created_by").and_then(|v| v.as_str()).and_then(|v| v.parse().ok());
        let target = Target { building, owner };
        let about_tickets = kind.starts_with("ticket.");
        let about_visitors = kind.starts_with("pass.") || kind.starts_with("visit.");
        let present = |fields: &[&str]| fields.iter().any(|f| data.get(*f).is_some_and(|v| !v.is_null()));
        if matches!(topic, Topic::Calls) {
            // Receiving calls is seeing who calls: the number and the
            // matched names are the pop-up itself. A call whose callers are
            // all in one building is for those who receive calls there; an
            // unknown caller is for everyone who receives calls. Units and
            // tickets are never in the event (read with checks).
            return Exposure {
                content: building.map(|_| (Permission::CallsReceive, target)),
                target,
                has_links: false,
                has_contacts: false,
            };
        }
        Exposure {
            // On a ticket's own topic the subscription already required
            // reading that ticket.
            content: if about_tickets && !matches!(topic, Topic::Ticket(_)) {
                Some((Permission::TicketsRead, target))
            } else if about_visitors && matches!(topic, Topic::Building(_)) {
                // The desk's log; the host hears of their own on their topic.
                Some((Permission::PassesCheck, target))
            } else {
                None
            },
            target,
            has_links: present(LINK_FIELDS),
            has_contacts: present(CONTACT_FIELDS),
        }
    }

    /// How much `principal` sees.
    pub fn shown_to(&self, principal: &Principal) -> Shown {
        if let Some((permission, target)) = &self.content
            && !principal.can(*permission, target)
        {
            return Shown::Hidden;
        }
        let mut withheld = 0;
        if self.has_links && !principal.can(Permission::ClientsRead, &self.target) {
            withheld |= Withheld::LINKS;
        }
        if self.has_contacts && !principal.can(Permission::ClientsContactsRead, &self.target) {
            withheld |= Withheld::CONTACTS;
        }
        Shown::Shown(Withheld(withheld))
    }
}

/// `data` without the withheld fields.
pub fn redact(data: &serde_json::Value, withheld: Withheld) -> serde_json::Value {
    let mut data = data.clone();
    if let Some(map) = data.as_object_mut() {
        for field in withheld.fields() {
            map.remove(field);
        }
    }
    data
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{ClientId, RoleId};
    use crate::policy::{Grant, GrantScope};
    use crate::role::RoleTemplate;

    #[test]
    fn topics_round_trip_through_text() {
        let topics = [
            Topic::Building(BuildingId::new()),
            Topic::Queue(UserId::new()),
            Topic::Calls,
            Topic::User(UserId::new()),
            Topic::Survey(SurveyId::new()),
        ];
        for topic in topics {
            assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        }
    }

    fn principal(template: RoleTemplate, building: BuildingId) -> Principal {
        Principal::new(
            UserId::new(),
            template.account_kind(),
            vec![Grant {
                role: RoleId::new(),
                scope: GrantScope::Building(building),
                permissions: template.permissions(),
            }],
        )
    }

    #[test]
    fn ticket_events_on_a_building_need_ticket_reading_there() {
        let building = BuildingId::new();
        let topic = Topic::Building(building);
        let data =
            serde_json::json!({ "id": TicketId::new(), "client_id": ClientId::new(), "description": "звонить Марии" });
        let exposure = Exposure::of(topic, "ticket.created", &data);
        assert_eq!(exposure.shown_to(&principal(RoleTemplate::Guard, building)), Shown::Hidden);
        assert_eq!(
            exposure.shown_to(&principal(RoleTemplate::Dispatcher, building)),
            Shown::Shown(Withheld::default())
        );
        assert_eq!(exposure.shown_to(&principal(RoleTemplate::Dispatcher, BuildingId::new())), Shown::Hidden);
        // A building's own news is for everyone who follows it.
        let renamed = Exposure::of(topic, "building.updated", &serde_json::json!({ "name": "Башня" }));
        assert_eq!(renamed.shown_to(&principal(RoleTemplate::Guard, building)), Shown::Shown(Withheld::default()));
    }

    #[test]
    fn contacts_are_withheld_from_those_who_may_not_see_them() {
        let building = BuildingId::new();
        let data = serde_json::json!({ "from": "+79001000002", "client_ids": [ClientId::new()], "state": "ringing" });
        let exposure = Exposure::of(Topic::Building(building), "call.ringing", &data);
        let Shown::Shown(withheld) = exposure.shown_to(&principal(RoleTemplate::Concierge, building)) else {
            panic!("a concierge sees the call")
        };
        let shown = redact(&data, withheld);
        assert!(shown.get("from").is_none(), "no phone without clients.contacts.read");
        assert!(shown.get("client_ids").is_some(), "links stay: a concierge reads clients");
        assert_eq!(shown["state"], "ringing");
        assert_eq!(
            exposure.shown_to(&principal(RoleTemplate::Dispatcher, building)),
            Shown::Shown(Withheld::default())
        );
    }

    #[test]
    fn calls_reach_those_who_receive_calls_where_the_caller_lives() {
        let (a, b) = (BuildingId::new(), BuildingId::new());
        let known = serde_json::json!({ "from": "+79001000002", "building_id": a, "clients": [{"id": ClientId::new(), "name": "Иванова"}] });
        let exposure = Exposure::of(Topic::Calls, "call.ringing", &known);
        assert_eq!(
            exposure.shown_to(&principal(RoleTemplate::Dispatcher, a)),
            Shown::Shown(Withheld::default()),
            "the number and the names are the pop-up"
        );
        assert_eq!(exposure.shown_to(&principal(RoleTemplate::Dispatcher, b)), Shown::Hidden);
        let unknown = serde_json::json!({ "from": "+79001000003", "building_id": null, "clients": [] });
        let exposure = Exposure::of(Topic::Calls, "call.ringing", &unknown);
        assert_eq!(exposure.shown_to(&principal(RoleTemplate::Dispatcher, b)), Shown::Shown(Withheld::default()));
    }

    #[test]
    fn malformed_topics_are_refused() {
        assert_eq!("building:42".parse::<Topic>(), Err(FieldError::InvalidFormat));
        assert_eq!("garage:0190b2d2-8d37-7c3c-9f53-3f4a0c1c2d3e".parse::<Topic>(), Err(FieldError::Unknown));
        assert_eq!("".parse::<Topic>(), Err(FieldError::InvalidFormat));
    }
}
