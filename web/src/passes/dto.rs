//! The JSON shapes of passes, visits and the blocklist.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::passes::{Checked, Marked};
use domovoy_domain::pass::Validity;
use domovoy_store::passes::{Blocked, LoggedVisit, Pass};

/// A pass. `visitor_phone` only for its host and those who may read
/// contacts; the host's own contacts never.
#[derive(Debug, Serialize, ToSchema)]
pub struct PassDto {
    pub id: Uuid,
    pub building_id: Uuid,
    pub unit_id: Option<Uuid>,
    /// «кв. 45».
    pub unit_label: Option<String>,
    pub host_name: Option<String>,
    /// `guest`, `permanent`, `vehicle`, `contractor`, `delivery`.
    pub kind: &'static str,
    /// `requested`, `active`, `on_site`, `closed`, `cancelled`, `expired`, `denied`.
    pub status: &'static str,
    pub visitor_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub visitor_phone: Option<String>,
    /// The last four digits of the visitor's phone, which the desk asks for.
    pub phone_tail: Option<String>,
    /// «А123ВС 77».
    pub plate: Option<String>,
    pub vehicle: String,
    pub parking_space: String,
    pub company: String,
    pub work: String,
    pub ticket_id: Option<Uuid>,
    /// `once`, `period`, `permanent`, `weekly`.
    pub validity: &'static str,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    /// Weekly passes: `mon`…`sun`, and the local hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<Vec<&'static str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<String>,
    pub pin: String,
    pub note: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl PassDto {
    pub fn new(pass: &Pass, show_phone: bool) -> Self {
        let (days, hours) = match pass.validity {
            Validity::Weekly { schedule, .. } => (
                Some(schedule.day_codes()),
                Some(format!("{}–{}", schedule.from.format("%H:%M"), schedule.until.format("%H:%M"))),
            ),
            _ => (None, None),
        };
        let phone = pass.visitor_phone.as_ref().map(|p| p.e164().to_owned());
        Self {
            id: pass.id.as_uuid(),
            building_id: pass.building_id.as_uuid(),
            unit_id: pass.unit_id.map(|u| u.as_uuid()),
            unit_label: pass.unit_title.clone(),
            host_name: pass.host_name.clone(),
            kind: pass.kind.code(),
            status: pass.status.code(),
            visitor_name: pass.visitor_name.clone(),
            phone_tail: phone.as_deref().map(|p| p[p.len().saturating_sub(4)..].to_owned()),
            visitor_phone: phone.filter(|_| show_phone),
            plate: pass.plate.as_ref().map(|p| p.display()),
            vehicle: pass.vehicle.clone(),
            parking_space: pass.parking_space.clone(),
            company: pass.company.clone(),
            work: pass.work.clone(),
            ticket_id: pass.ticket_id.map(|t| t.as_uuid()),
            validity: pass.validity.code(),
            valid_from: pass.validity.from(),
            valid_until: pass.validity.until(),
            days,
            hours,
            pin: pass.pin.as_str().to_owned(),
            note: pass.note.clone(),
            version: pass.version,
            created_at: pass.created_at,
        }
    }
}

/// A new pass, with the link the guest opens (given once).
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedDto {
    #[serde(flatten)]
    pub pass: PassDto,
    /// `/p/<secret>`: the pass with its QR code and PIN, without sign-in.
    pub link: String,
}

/// What the desk shows of a pass.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedDto {
    pub id: Uuid,
    pub kind: &'static str,
    pub status: &'static str,
    pub visitor_name: String,
    pub plate: Option<String>,
    pub phone_tail: Option<String>,
    pub vehicle: String,
    pub parking_space: String,
    pub company: String,
    /// A contractor's work («2026-000042: …» for a ticket's).
    pub work: String,
    /// The ticket a contractor comes for.
    pub ticket_id: Option<Uuid>,
    pub unit_id: Option<Uuid>,
    pub unit_label: Option<String>,
    pub host_name: Option<String>,
    pub valid_from: DateTime<Utc>,
    pub valid_until: Option<DateTime<Utc>>,
    /// Whether an arrival may be marked now.
    pub valid: bool,
    /// Why not: `not_approved`, `not_yet_valid`, `expired`,
    /// `outside_schedule`, `cancelled`, `denied`, `used`.
    pub reason: Option<&'static str>,
    /// The words for the reason.
    pub reason_text: Option<&'static str>,
    /// On site past the end of the pass.
    pub overstay: bool,
    /// The blocklist entry the visitor matches: its name and reason.
    pub blocked: Option<BlockedDto>,
}

impl CheckedDto {
    pub fn new(c: &Checked, t: &crate::i18n::Catalog) -> Self {
        let p = &c.pass;
        let phone = p.visitor_phone.as_ref().map(|p| p.e164().to_owned());
        Self {
            id: p.id.as_uuid(),
            kind: p.kind.code(),
            status: p.status.code(),
            visitor_name: p.visitor_name.clone(),
            plate: p.plate.as_ref().map(|p| p.display()),
            phone_tail: phone.as_deref().map(|p| p[p.len().saturating_sub(4)..].to_owned()),
            vehicle: p.vehicle.clone(),
            parking_space: p.parking_space.clone(),
            company: p.company.clone(),
            work: p.work.clone(),
            ticket_id: p.ticket_id.map(|t| t.as_uuid()),
            unit_id: p.unit_id.map(|u| u.as_uuid()),
            unit_label: p.unit_title.clone(),
            host_name: p.host_name.clone(),
            valid_from: p.validity.from(),
            valid_until: p.validity.until(),
            valid: c.valid,
            reason: c.reason.map(|r| r.code()),
            reason_text: c.reason.map(|r| (t.ps.refusal_label)(r)),
            overstay: c.overstay,
            blocked: c.blocked.as_ref().map(BlockedDto::from),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckedList {
    pub items: Vec<CheckedDto>,
}

/// A visit with what the log shows of its pass.
#[derive(Debug, Serialize, ToSchema)]
pub struct VisitDto {
    pub id: Uuid,
    pub pass_id: Uuid,
    pub building_id: Uuid,
    pub arrived_at: DateTime<Utc>,
    pub departed_at: Option<DateTime<Utc>>,
    /// Who marked the arrival.
    pub marked_by: Option<String>,
    pub kind: &'static str,
    pub visitor_name: String,
    pub plate: Option<String>,
    pub unit_label: Option<String>,
    pub host_name: Option<String>,
    pub overstay: bool,
}

impl From<&LoggedVisit> for VisitDto {
    fn from(v: &LoggedVisit) -> Self {
        let overstay = v.visit.departed_at.is_none() && domovoy_domain::pass::overstayed(v.pass.validity, Utc::now());
        Self {
            id: v.visit.id.as_uuid(),
            pass_id: v.pass.id.as_uuid(),
            building_id: v.pass.building_id.as_uuid(),
            arrived_at: v.visit.arrived_at,
            departed_at: v.visit.departed_at,
            marked_by: v.visit.arrived_by_name.clone(),
            kind: v.pass.kind.code(),
            visitor_name: v.pass.visitor_name.clone(),
            plate: v.pass.plate.as_ref().map(|p| p.display()),
            unit_label: v.pass.unit_title.clone(),
            host_name: v.pass.host_name.clone(),
            overstay,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitList {
    pub items: Vec<VisitDto>,
    /// Always absent: the log of a day fits one page.
    pub next_cursor: Option<String>,
}

/// An arrival or departure mark's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarkedDto {
    pub visit: Option<VisitDto>,
}

impl From<&Marked> for MarkedDto {
    fn from(m: &Marked) -> Self {
        match m {
            Marked::Arrived { visit } => Self { visit: Some(visit.into()) },
            Marked::AlreadyOnSite { visit } => Self { visit: visit.as_ref().map(VisitDto::from) },
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ArrivalRequest {
    /// Why a blocklisted visitor is let in (audited).
    pub override_reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedDto {
    pub id: Uuid,
    pub building_id: Option<Uuid>,
    pub name: String,
    pub aliases: Vec<String>,
    pub phones: Vec<String>,
    pub plates: Vec<String>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Blocked> for BlockedDto {
    fn from(b: &Blocked) -> Self {
        Self {
            id: b.id.as_uuid(),
            building_id: b.building_id.map(|id| id.as_uuid()),
            name: b.name.clone(),
            aliases: b.aliases.clone(),
            phones: b.phones.clone(),
            plates: b.plates.clone(),
            reason: b.reason.clone(),
            created_at: b.created_at,
        }
    }
}
