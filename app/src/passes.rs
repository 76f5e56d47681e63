//! Passes and the guard desk: issue a pass, look a visitor up, mark the
//! arrival and the departure, keep the blocklist.
//!
//! Who may do what: residents issue and cancel passes for their own units
//! (`passes.issue` reaches their own things); concierges and managers issue
//! on a resident's behalf in their buildings; guards look up
//! (`passes.check`) and mark (`passes.mark`) in theirs. A guard sees the
//! visitor, the unit and the host's name, never the host's contacts. Every
//! look-up and mark is audited.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use rand::Rng as _;
use serde::Serialize;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::contact::Phone;
use domovoy_domain::error::{FieldErrors, bounded_text};
use domovoy_domain::event::{Event, PassNotice, VisitNotice};
use domovoy_domain::ids::{BlockEntryId, BuildingId, ClientId, PassId, TicketId, UnitId, UserId};
use domovoy_domain::pass::{
    self as rules, PassKind, PassStatus, Pin, Plate, Refusal, Validity, VisitDay, VisitFacts, Visitor, WeeklySchedule,
};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::ticket::Ticket;
use domovoy_store::audit::{self, Actor, Change};
use domovoy_store::passes::{self, Arrival, Blocked, LoggedVisit, NewPass, Pass, Visit, VisitRange};
use domovoy_store::{WriteTx, buildings, clients, layout, teams, users};

use crate::common::{optional, present, required};
use crate::secret::{hash_secret, new_secret};
use crate::{App, AppError, AppResult, Requester, Rule};

/// A pass as typed into the cabinet's form, the concierge's form or JSON.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PassInput {
    pub building_id: Option<String>,
    pub unit_id: Option<String>,
    /// Staff only, when `unit_id` is absent: the unit as said («45»,
    /// «корп. 2, кв. 7»); its first resident is the host unless
    /// `host_client_id` names one.
    pub unit: Option<String>,
    /// On whose behalf a concierge or manager issues it.
    pub host_client_id: Option<String>,
    pub kind: Option<String>,
    pub visitor_name: Option<String>,
    pub visitor_phone: Option<String>,
    pub plate: Option<String>,
    /// Make and colour, in words.
    pub vehicle: Option<String>,
    pub parking_space: Option<String>,
    pub company: Option<String>,
    pub work: Option<String>,
    pub ticket_id: Option<String>,
    /// `once`, `period`, `permanent` or `weekly`; by kind when absent.
    pub validity: Option<String>,
    /// RFC 3339; now when absent.
    pub valid_from: Option<String>,
    /// RFC 3339; for a one-time pass the end of the next day when absent.
    pub valid_until: Option<String>,
    /// `mon,thu` for a weekly pass.
    pub days: Option<String>,
    /// `09:00`.
    pub time_from: Option<String>,
    pub time_until: Option<String>,
    pub note: Option<String>,
}

/// A new pass and the secret of the link that shows its QR code, given
/// once.
#[derive(Debug, Clone, Serialize)]
pub struct Issued {
    pub pass: Pass,
    pub link_secret: String,
}

/// A one-time pass with no end given lasts this long.
const ONE_TIME_DEFAULT: Duration = Duration::hours(24);
/// Longest search text at the desk: a scanned QR code types the whole
/// forwarded link (scheme, host and a 43-character secret).
const QUERY_MAX: usize = 200;

struct Parsed {
    building: BuildingId,
    unit: Option<UnitId>,
    host_client: Option<ClientId>,
    kind: PassKind,
    visitor_name: String,
    visitor_phone: Option<Phone>,
    plate: Option<Plate>,
    vehicle: String,
    parking_space: String,
    company: String,
    work: String,
    ticket: Option<TicketId>,
    validity: Validity,
    note: String,
}

fn parse_id<T: std::str::FromStr>(raw: &str) -> Result<T, FieldError> {
    raw.parse().map_err(|_| FieldError::InvalidFormat)
}

fn parse_time(raw: &str) -> Result<DateTime<Utc>, FieldError> {
    DateTime::parse_from_rfc3339(raw.trim()).map(|t| t.with_timezone(&Utc)).map_err(|_| FieldError::InvalidFormat)
}

fn parse_clock(raw: &str) -> Result<NaiveTime, FieldError> {
    NaiveTime::parse_from_str(raw.trim(), "%H:%M").map_err(|_| FieldError::InvalidFormat)
}

fn text(errors: &mut FieldErrors, field: &'static str, raw: Option<&str>, max: usize) -> String {
    match present(raw) {
        Some(v) => errors.check(field, bounded_text(v, 1, max)).unwrap_or_default(),
        None => String::new(),
    }
}

fn parse(input: &PassInput, now: DateTime<Utc>) -> Result<Parsed, AppError> {
    let mut errors = FieldErrors::new();
    let building = required(&mut errors, "building_id", input.building_id.as_deref(), parse_id::<BuildingId>);
    let unit = optional(&mut errors, "unit_id", input.unit_id.as_deref(), parse_id::<UnitId>);
    let host_client = optional(&mut errors, "host_client_id", input.host_client_id.as_deref(), parse_id::<ClientId>);
    let kind = match present(input.kind.as_deref()) {
        Some(raw) => errors.check("kind", raw.parse::<PassKind>()),
        None => Some(PassKind::Guest),
    };
    let visitor_name =
        required(&mut errors, "visitor_name", input.visitor_name.as_deref(), |raw| bounded_text(raw, 2, 120));
    let visitor_phone = optional(&mut errors, "visitor_phone", input.visitor_phone.as_deref(), Phone::parse);
    let plate = optional(&mut errors, "plate", input.plate.as_deref(), Plate::parse);
    if kind == Some(PassKind::Vehicle) && plate.is_none() && present(input.plate.as_deref()).is_none() {
        errors.add("plate", FieldError::Required);
    }
    let vehicle = text(&mut errors, "vehicle", input.vehicle.as_deref(), 80);
    let parking_space = text(&mut errors, "parking_space", input.parking_space.as_deref(), 20);
    let company = text(&mut errors, "company", input.company.as_deref(), 120);
    let work = text(&mut errors, "work", input.work.as_deref(), 200);
    let note = text(&mut errors, "note", input.note.as_deref(), 500);
    let ticket = optional(&mut errors, "ticket_id", input.ticket_id.as_deref(), parse_id::<TicketId>);
    let from = optional(&mut errors, "valid_from", input.valid_from.as_deref(), parse_time).unwrap_or(now);
    let until = optional(&mut errors, "valid_until", input.valid_until.as_deref(), parse_time);
    let default_validity = match kind {
        Some(PassKind::Permanent) => "permanent",
        Some(PassKind::Vehicle | PassKind::Contractor) if until.is_some() => "period",
        Some(PassKind::Vehicle) => "permanent",
        _ => "once",
    };
    let validity = match present(input.validity.as_deref()).unwrap_or(default_validity) {
        "once" => Some(Validity::Once { from, until: until.unwrap_or(from + ONE_TIME_DEFAULT) }),
        "period" => match until {
            Some(until) => Some(Validity::Period { from, until }),
            None => {
                errors.add("valid_until", FieldError::Required);
                None
            }
        },
        "permanent" => Some(Validity::Permanent { from }),
        "weekly" => {
            let days = required(&mut errors, "days", input.days.as_deref(), WeeklySchedule::parse_days);
            let time_from = optional(&mut errors, "time_from", input.time_from.as_deref(), parse_clock);
            let time_until = optional(&mut errors, "time_until", input.time_until.as_deref(), parse_clock);
            match (days, time_from, time_until) {
                (Some(days), Some(a), Some(b)) => errors
                    .check("days", WeeklySchedule::new(&days, a, b))
                    .map(|schedule| Validity::Weekly { from, until, schedule }),
                (_, a, b) => {
                    if a.is_none() && present(input.time_from.as_deref()).is_none() {
                        errors.add("time_from", FieldError::Required);
                    }
                    if b.is_none() && present(input.time_until.as_deref()).is_none() {
                        errors.add("time_until", FieldError::Required);
                    }
                    None
                }
            }
        }
        _ => {
            errors.add("validity", FieldError::Unknown);
            None
        }
    };
    let validity = validity.and_then(|v| errors.check("valid_until", v.checked()));
    errors.into_result()?;
    match (building, kind, visitor_name, validity) {
        (Some(building), Some(kind), Some(visitor_name), Some(validity)) => Ok(Parsed {
            building,
            unit,
            host_client,
            kind,
            visitor_name,
            visitor_phone,
            plate,
            vehicle,
            parking_space,
            company,
            work,
            ticket,
            validity,
            note,
        }),
        _ => Err(AppError::Validation(FieldErrors::new())),
    }
}

fn notice(pass: &Pass) -> PassNotice {
    PassNotice {
        id: pass.id,
        building_id: pass.building_id,
        unit_id: pass.unit_id,
        kind: pass.kind.code().to_owned(),
        status: pass.status.code().to_owned(),
        visitor_name: pass.visitor_name.clone(),
        plate: pass.plate.as_ref().map(Plate::display),
        host_user: pass.host_user_id,
    }
}

fn visit_notice(pass: &Pass, visit: &Visit) -> VisitNotice {
    VisitNotice {
        id: visit.id,
        pass_id: pass.id,
        building_id: pass.building_id,
        unit_id: pass.unit_id,
        unit_label: pass.unit_title.clone(),
        kind: pass.kind.code().to_owned(),
        visitor_name: pass.visitor_name.clone(),
        plate: pass.plate.as_ref().map(Plate::display),
        arrived_at: visit.arrived_at,
        departed_at: visit.departed_at,
        marked_by: visit.arrived_by_name.clone().unwrap_or_default(),
        host_user: pass.host_user_id,
    }
}

/// Where a pass is, for the policy: its building, owned by its host.
fn target(pass: &Pass) -> Target {
    let building = Target::building(pass.building_id);
    match pass.host_user_id {
        Some(owner) => building.owned_by(owner),
        None => building,
    }
}

/// Issues a pass. A resident issues for one of their own units (the only
/// one, when they have one) and is its host; staff with `passes.issue` in
/// the building issue for any unit there, on a resident's behalf.
pub async fn issue(app: &App, requester: &Requester, input: &PassInput) -> AppResult<Issued> {
    let now = Utc::now();
    let mut input = input.clone();
    let mut host_user = None;
    let mut host_client = None;
    if !requester.is_resident()
        && present(input.unit_id.as_deref()).is_none()
        && let Some(said) = present(input.unit.as_deref())
        && let Some(building) = present(input.building_id.as_deref()).and_then(|b| b.trim().parse::<BuildingId>().ok())
    {
        // The concierge's form names the unit as said at the desk.
        requester.require(Permission::PassesIssue, &Target::building(building))?;
        let unit = unit_named(app, building, said).await?;
        input.unit_id = Some(unit.id.to_string());
        if present(input.host_client_id.as_deref()).is_none() {
            input.host_client_id = unit_host(app, unit.id).await?.0.map(|c| c.to_string());
        }
    }
    if requester.is_resident() {
        let own = crate::tickets::own_units(app, requester).await?;
        let chosen = match present(input.unit_id.as_deref()) {
            Some(raw) => own.iter().find(|u| u.unit_id.to_string() == raw.trim()),
            None if own.len() == 1 => own.first(),
            None => None,
        };
        let Some(unit) = chosen else {
            // Someone else's unit, or no unit of their own: not theirs to
            // let people into; several: they choose.
            let given = present(input.unit_id.as_deref()).is_some();
            let error = if given || own.is_empty() { FieldError::NotAllowed } else { FieldError::Required };
            return Err(AppError::field("unit_id", error));
        };
        input.unit_id = Some(unit.unit_id.to_string());
        input.building_id = Some(unit.building_id.to_string());
        input.host_client_id = None;
        host_user = requester.user_id();
        host_client = clients::find_by_user(&app.db, requester.account()?.id).await?;
    }
    let parsed = parse(&input, now)?;
    let place = match host_user {
        Some(owner) => Target::building(parsed.building).owned_by(owner),
        None => Target::building(parsed.building),
    };
    requester.require(Permission::PassesIssue, &place)?;
    if !requester.is_resident() {
        if let Some(unit) = parsed.unit {
            let found =
                layout::unit(&app.db, unit).await.map_err(|_| AppError::field("unit_id", FieldError::Unknown))?;
            if found.building_id != parsed.building {
                return Err(AppError::field("unit_id", FieldError::Unknown));
            }
        }
        if let Some(client) = parsed.host_client {
            let card = clients::get(&app.db, client)
                .await
                .map_err(|_| AppError::field("host_client_id", FieldError::Unknown))?;
            host_client = Some(client);
            host_user = card.card.user_id;
        }
    }
    buildings::get(&app.db, parsed.building).await.map_err(|_| AppError::field("building_id", FieldError::Unknown))?;
    let link_secret = new_secret();
    let new = NewPass {
        building_id: parsed.building,
        unit_id: parsed.unit,
        host_client_id: host_client,
        host_user_id: host_user,
        kind: parsed.kind,
        status: PassStatus::Active,
        visitor_name: parsed.visitor_name,
        visitor_phone: parsed.visitor_phone,
        plate: parsed.plate,
        vehicle: parsed.vehicle,
        parking_space: parsed.parking_space,
        company: parsed.company,
        work: parsed.work,
        ticket_id: parsed.ticket,
        validity: parsed.validity,
        pin: Pin::from_number(rand::rng().random_range(0..1_000_000)),
        link_hash: hash_secret(&link_secret),
        note: parsed.note,
        issued_by: requester.user_id(),
    };
    let pass = insert(app, requester, new).await?;
    Ok(Issued { pass, link_secret })
}

/// Inserts a pass whose PIN no usable pass of the building has (a few
/// draws; a million PINs make a clash rare).
async fn insert_with_unique_pin(tx: &mut WriteTx, new: &mut NewPass) -> AppResult<Pass> {
    for _ in 0..8 {
        if !passes::pin_taken(tx, new.building_id, &new.pin).await? {
            break;
        }
        new.pin = Pin::from_number(rand::rng().random_range(0..1_000_000));
    }
    Ok(passes::insert(tx, new).await?)
}

async fn insert(app: &App, requester: &Requester, mut new: NewPass) -> AppResult<Pass> {
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let pass = insert_with_unique_pin(tx, &mut new).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::PassIssued, pass.id)
                    .building(Some(pass.building_id))
                    .summary(pass.visitor_name.clone())
                    .after(&notice(&pass)),
            )
            .await?;
            tx.emit(&Event::PassCreated(notice(&pass)));
            Ok(pass)
        })
    })
    .await
}

/// One pass: its host, or staff who may check passes in its building.
pub async fn get(app: &App, requester: &Requester, id: PassId) -> AppResult<Pass> {
    let pass = passes::get(&app.db, id).await?;
    let place = target(&pass);
    if !(requester.can(Permission::PassesIssue, &place) || requester.can(Permission::PassesCheck, &place)) {
        return Err(AppError::Forbidden);
    }
    Ok(pass)
}

/// The pass a forwarded link shows (no sign-in: the link is the key).
pub async fn by_link(app: &App, secret: &str) -> AppResult<Pass> {
    if secret.len() > 100 {
        return Err(AppError::NotFound);
    }
    passes::by_link(&app.db, &hash_secret(secret)).await.map_err(|_| AppError::NotFound)
}

/// A resident's own passes.
pub async fn mine(app: &App, requester: &Requester) -> AppResult<Vec<Pass>> {
    let user = requester.account()?.id;
    requester.require(Permission::PassesIssue, &Target::SYSTEM.owned_by(user))?;
    Ok(passes::for_host(&app.db, user, 200).await?)
}

/// The visits of the resident's own guests of the last day, the latest
/// first: the cabinet's "your guest has arrived".
pub async fn my_guests(app: &App, requester: &Requester) -> AppResult<Vec<LoggedVisit>> {
    let user = requester.account()?.id;
    requester.require(Permission::PassesIssue, &Target::SYSTEM.owned_by(user))?;
    Ok(passes::visits_for_host(&app.db, user, Utc::now() - Duration::hours(24), 50).await?)
}

/// A pass as the desk shows it: valid or not and why, and whether the
/// visitor is on the blocklist.
#[derive(Debug, Clone, Serialize)]
pub struct Checked {
    pub pass: Pass,
    pub valid: bool,
    pub reason: Option<Refusal>,
    /// On site past the end of the pass.
    pub overstay: bool,
    pub blocked: Option<Blocked>,
}

fn judge(pass: Pass, now: DateTime<Utc>, zone: chrono_tz::Tz, blocklist: &[Blocked]) -> Checked {
    let verdict = rules::admits(pass.status, pass.validity, now, zone);
    let overstay = pass.status == PassStatus::OnSite && rules::overstayed(pass.validity, now);
    let visitor =
        Visitor { name: Some(&pass.visitor_name), phone: pass.visitor_phone.as_ref(), plate: pass.plate.as_ref() };
    let blocked = blocklist.iter().find(|b| b.entry.matches(visitor)).cloned();
    Checked {
        valid: verdict.is_ok() && pass.status != PassStatus::OnSite,
        reason: verdict.err(),
        overstay,
        pass,
        blocked,
    }
}

/// The desk's search in one building (name, plate, PIN, phone tail, or a
/// scanned link). Audited: who looked up what, where.
pub async fn check(app: &App, requester: &Requester, building: BuildingId, query: &str) -> AppResult<Vec<Checked>> {
    requester.require(Permission::PassesCheck, &Target::building(building))?;
    let query = query.trim();
    if query.chars().count() > QUERY_MAX {
        return Err(AppError::field("q", FieldError::TooLong { max: QUERY_MAX }));
    }
    if query.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let zone = buildings::get(&app.db, building).await?.time_zone.tz();
    let now = Utc::now();
    // A scanned QR code types the pass's link: find that pass by its secret.
    let scanned = query.rsplit_once("/p/").map(|(_, secret)| secret.trim_end_matches('/'));
    let found = match scanned {
        Some(secret) => match passes::by_link(&app.db, &hash_secret(secret)).await {
            Ok(pass) if pass.building_id == building => vec![pass],
            _ => Vec::new(),
        },
        None => passes::check(&app.db, building, query, now).await?,
    };
    let blocklist = passes::blocklist(&app.db, Some(building)).await?;
    let checked: Vec<Checked> = found.into_iter().map(|p| judge(p, now, zone, &blocklist)).collect();
    let actor = requester.actor();
    let summary = format!("{query} ({})", checked.len());
    app.write(move |tx| {
        Box::pin(async move {
            audit::record(
                tx,
                Change::new(&actor, AuditAction::PassesChecked, building).building(Some(building)).summary(summary),
            )
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(checked)
}

/// What an arrival mark did.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Marked {
    Arrived {
        visit: LoggedVisit,
    },
    /// Another guard marked it first: the visit that is open.
    AlreadyOnSite {
        visit: Option<LoggedVisit>,
    },
}

/// Marks a visitor's arrival. A pass that does not admit now is refused
/// with the reason; a blocklisted visitor needs `override_reason`.
pub async fn arrive(app: &App, requester: &Requester, id: PassId, override_reason: Option<&str>) -> AppResult<Marked> {
    let pass = passes::get(&app.db, id).await?;
    requester.require(Permission::PassesMark, &Target::building(pass.building_id))?;
    let zone = buildings::get(&app.db, pass.building_id).await?.time_zone.tz();
    let blocklist = passes::blocklist(&app.db, Some(pass.building_id)).await?;
    let override_reason = match present(override_reason) {
        Some(raw) => Some(bounded_text(raw, 3, 300).map_err(|e| AppError::field("override_reason", e))?),
        None => None,
    };
    let now = Utc::now();
    let checked = judge(pass, now, zone, &blocklist);
    if checked.pass.status != PassStatus::OnSite {
        if let Some(refusal) = checked.reason {
            return Err(AppError::Rule(Rule::PassNotValid(refusal)));
        }
        if checked.blocked.is_some() && override_reason.is_none() {
            return Err(AppError::Rule(Rule::Blocklisted));
        }
    }
    let blocked = checked.blocked.clone();
    let actor = requester.actor();
    let by = requester.user_id();
    app.write(move |tx| {
        Box::pin(async move {
            let reason = blocked.as_ref().and(override_reason.as_deref());
            match passes::arrive(tx, id, by, reason).await? {
                Arrival::Arrived(pass, visit) => {
                    audit::record(
                        tx,
                        Change::new(&actor, AuditAction::VisitArrived, pass.id)
                            .building(Some(pass.building_id))
                            .summary(pass.visitor_name.clone()),
                    )
                    .await?;
                    if let (Some(entry), Some(reason)) = (&blocked, reason) {
                        audit::record(
                            tx,
                            Change::new(&actor, AuditAction::BlocklistOverridden, pass.id)
                                .building(Some(pass.building_id))
                                .summary(format!("{}: {reason}", entry.name)),
                        )
                        .await?;
                    }
                    tx.emit(&Event::VisitArrived(visit_notice(&pass, &visit)));
                    tx.emit(&Event::PassChanged(notice(&pass)));
                    Ok(Marked::Arrived { visit: LoggedVisit { visit, pass } })
                }
                Arrival::AlreadyOnSite(pass, visit) => {
                    Ok(Marked::AlreadyOnSite { visit: visit.map(|visit| LoggedVisit { visit, pass }) })
                }
                Arrival::NotActive(pass) => {
                    let refusal =
                        rules::admits(pass.status, pass.validity, tx.now(), zone).err().unwrap_or(Refusal::Used);
                    Err(AppError::Rule(Rule::PassNotValid(refusal)))
                }
            }
        })
    })
    .await
}

/// Marks a visitor's departure (whatever the time: leaving is never
/// refused).
pub async fn depart(app: &App, requester: &Requester, id: PassId) -> AppResult<LoggedVisit> {
    let pass = passes::get(&app.db, id).await?;
    requester.require(Permission::PassesMark, &Target::building(pass.building_id))?;
    let actor = requester.actor();
    let by = requester.user_id();
    app.write(move |tx| {
        Box::pin(async move {
            let Some((pass, visit)) = passes::depart(tx, id, by).await? else {
                return Err(AppError::Rule(Rule::NotOnSite));
            };
            audit::record(
                tx,
                Change::new(&actor, AuditAction::VisitDeparted, pass.id)
                    .building(Some(pass.building_id))
                    .summary(pass.visitor_name.clone()),
            )
            .await?;
            tx.emit(&Event::VisitDeparted(visit_notice(&pass, &visit)));
            tx.emit(&Event::PassChanged(notice(&pass)));
            Ok(LoggedVisit { visit, pass })
        })
    })
    .await
}

/// Rings a pass's host from the desk: the guard's phone (their extension)
/// rings, then the PBX dials the first phone on the host's card. The number
/// goes from the card to the PBX and never to the desk; the call is
/// audited. A visitor without a pass is asked about the same way, through
/// the walk-in request's pass.
pub async fn call_host(app: &App, requester: &Requester, id: PassId) -> AppResult<()> {
    let pass = passes::get(&app.db, id).await?;
    requester.require(Permission::PassesCheck, &Target::building(pass.building_id))?;
    let me = requester.account()?.id;
    let phone = match pass.host_client_id {
        Some(client) => clients::get(&app.db, client).await?.card.phones.into_iter().next().map(|p| p.phone),
        None => None,
    }
    .ok_or(AppError::Rule(Rule::NoHostPhone))?;
    crate::calls::ring(app, me, &phone).await?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            audit::record(
                tx,
                Change::new(&actor, AuditAction::HostCalled, pass.id)
                    .building(Some(pass.building_id))
                    .summary(pass.visitor_name.clone()),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// Cancels a pass: its host, or staff issuing passes in the building. A
/// visitor on site is marked out first.
pub async fn cancel(app: &App, requester: &Requester, id: PassId) -> AppResult<Pass> {
    let pass = passes::get(&app.db, id).await?;
    requester.require(Permission::PassesIssue, &target(&pass))?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let Some(pass) =
                passes::set_status(tx, id, &[PassStatus::Requested, PassStatus::Active], PassStatus::Cancelled).await?
            else {
                let current = passes::get(&mut *tx, id).await?;
                return Err(AppError::Rule(if current.status == PassStatus::OnSite {
                    Rule::PassOnSite
                } else {
                    Rule::PassFinished
                }));
            };
            audit::record(
                tx,
                Change::new(&actor, AuditAction::PassCancelled, pass.id)
                    .building(Some(pass.building_id))
                    .summary(pass.visitor_name.clone()),
            )
            .await?;
            tx.emit(&Event::PassChanged(notice(&pass)));
            Ok(pass)
        })
    })
    .await
}

/// Most visits a desk list shows.
const DESK_VISITS: i64 = 500;

/// A visitor who came without a pass, as the desk writes them down.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitRequest {
    pub building_id: Option<String>,
    /// The unit as said at the door: «45», «кв. 45», «корп. 2, кв. 7».
    pub unit: Option<String>,
    pub visitor_name: Option<String>,
    pub note: Option<String>,
}

/// How long the host has to answer an on-the-spot visit.
const VISIT_REQUEST_VALID: Duration = Duration::hours(12);

/// The unit a person at the door names, in one building: by its number,
/// or by its full title where the number is in several корпуса.
async fn unit_named(app: &App, building: BuildingId, said: &str) -> AppResult<layout::Unit> {
    let said = said.trim();
    let number = said.rsplit([' ', '.']).next().unwrap_or(said).trim();
    let found: Vec<_> = layout::find_by_label(&app.db, number, None, 50)
        .await?
        .into_iter()
        .filter(|u| u.building_id == building)
        .collect();
    let wanted = squeezed(said);
    match found.as_slice() {
        [only] => Ok(only.clone()),
        many => many
            .iter()
            .find(|u| squeezed(&u.title()) == wanted)
            .cloned()
            .ok_or(AppError::field("unit", FieldError::Unknown)),
    }
}

/// Who hosts a unit's visitors: its first person with the resident app,
/// else its first person (and their account, if any).
async fn unit_host(app: &App, unit: UnitId) -> AppResult<(Option<ClientId>, Option<UserId>)> {
    let people = clients::unit_people(&app.db, unit).await?;
    let Some(host) = people.iter().find(|p| p.has_account).or_else(|| people.first()) else {
        return Ok((None, None));
    };
    Ok((Some(host.client_id), clients::get(&app.db, host.client_id).await?.card.user_id))
}

fn squeezed(text: &str) -> String {
    domovoy_domain::text::fold(text).replace(' ', "")
}

/// Writes down a visitor who came without a pass: a one-time pass waiting
/// for the host's (or a concierge's) answer. The host hears of it live.
pub async fn request_visit(app: &App, requester: &Requester, input: &VisitRequest) -> AppResult<Pass> {
    let mut errors = FieldErrors::new();
    let building = required(&mut errors, "building_id", input.building_id.as_deref(), parse_id::<BuildingId>);
    let visitor_name =
        required(&mut errors, "visitor_name", input.visitor_name.as_deref(), |raw| bounded_text(raw, 2, 120));
    let unit_said = required(&mut errors, "unit", input.unit.as_deref(), |raw| bounded_text(raw, 1, 40));
    let note = text(&mut errors, "note", input.note.as_deref(), 500);
    errors.into_result()?;
    let (Some(building), Some(visitor_name), Some(unit_said)) = (building, visitor_name, unit_said) else {
        return Err(AppError::Validation(FieldErrors::new()));
    };
    requester.require(Permission::PassesMark, &Target::building(building))?;
    let unit = unit_named(app, building, &unit_said).await?;
    // The host: the unit's first person with the resident app, else its
    // first person.
    let (host_client, host_user) = unit_host(app, unit.id).await?;
    let now = Utc::now();
    let new = NewPass {
        building_id: building,
        unit_id: Some(unit.id),
        host_client_id: host_client,
        host_user_id: host_user,
        kind: PassKind::Guest,
        status: PassStatus::Requested,
        visitor_name,
        visitor_phone: None,
        plate: None,
        vehicle: String::new(),
        parking_space: String::new(),
        company: String::new(),
        work: String::new(),
        ticket_id: None,
        validity: Validity::Once { from: now, until: now + VISIT_REQUEST_VALID },
        pin: Pin::from_number(rand::rng().random_range(0..1_000_000)),
        link_hash: hash_secret(&new_secret()),
        note,
        issued_by: requester.user_id(),
    };
    insert(app, requester, new).await
}

/// The host's (or a concierge's) answer to an on-the-spot visit: let in
/// (the pass becomes active) or not (denied).
pub async fn decide(app: &App, requester: &Requester, id: PassId, approve: bool) -> AppResult<Pass> {
    let pass = passes::get(&app.db, id).await?;
    requester.require(Permission::PassesIssue, &target(&pass))?;
    let (to, action) = if approve {
        (PassStatus::Active, AuditAction::PassApproved)
    } else {
        (PassStatus::Denied, AuditAction::PassDenied)
    };
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let Some(pass) = passes::set_status(tx, id, &[PassStatus::Requested], to).await? else {
                return Err(AppError::Rule(Rule::PassFinished));
            };
            audit::record(
                tx,
                Change::new(&actor, action, pass.id)
                    .building(Some(pass.building_id))
                    .summary(pass.visitor_name.clone()),
            )
            .await?;
            tx.emit(&Event::PassChanged(notice(&pass)));
            Ok(pass)
        })
    })
    .await
}

/// A building's visits: on site now, or since `since` (the desk's log).
pub async fn visits(
    app: &App,
    requester: &Requester,
    building: BuildingId,
    on_site: bool,
    since: DateTime<Utc>,
) -> AppResult<Vec<LoggedVisit>> {
    requester.require(Permission::PassesCheck, &Target::building(building))?;
    let range = if on_site { VisitRange::OnSite } else { VisitRange::Arrived { from: since, until: Utc::now() } };
    Ok(passes::visits(&app.db, building, range, DESK_VISITS).await?)
}

/// The longest period one visits report covers.
pub const REPORT_DAYS_MAX: i64 = 92;
/// Most visits one report reads.
const REPORT_VISITS_MAX: i64 = 200_000;

/// The visits report of a building: per day and kind, the average stay and
/// the overstays, and the visits themselves.
#[derive(Debug, Clone, Serialize)]
pub struct VisitReport {
    pub days: Vec<VisitDay>,
    pub visits: Vec<LoggedVisit>,
    /// More visits than one report reads: the period should be shorter.
    pub truncated: bool,
}

/// The visits report for `[from, until)` (at most [`REPORT_DAYS_MAX`]
/// days): for those who may check passes in the building.
pub async fn visit_report(
    app: &App,
    requester: &Requester,
    building: BuildingId,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> AppResult<VisitReport> {
    requester.require(Permission::PassesCheck, &Target::building(building))?;
    if until <= from {
        return Err(AppError::field("to", FieldError::InvalidFormat));
    }
    if until - from > Duration::days(REPORT_DAYS_MAX) {
        return Err(AppError::field("to", FieldError::TooLong { max: REPORT_DAYS_MAX as usize }));
    }
    let zone = buildings::get(&app.db, building).await?.time_zone.tz();
    let visits = passes::visits(&app.db, building, VisitRange::Arrived { from, until }, REPORT_VISITS_MAX + 1).await?;
    let truncated = visits.len() as i64 > REPORT_VISITS_MAX;
    let facts: Vec<VisitFacts> = visits
        .iter()
        .map(|v| VisitFacts {
            kind: v.pass.kind,
            arrived_at: v.visit.arrived_at,
            departed_at: v.visit.departed_at,
            valid_until: v.pass.validity.until(),
        })
        .collect();
    Ok(VisitReport { days: rules::summarise(&facts, zone, Utc::now()), visits, truncated })
}

/// The passes a building expects (usable now or later).
pub async fn expected(app: &App, requester: &Requester, building: BuildingId) -> AppResult<Vec<Checked>> {
    requester.require(Permission::PassesCheck, &Target::building(building))?;
    let zone = buildings::get(&app.db, building).await?.time_zone.tz();
    let blocklist = passes::blocklist(&app.db, Some(building)).await?;
    let now = Utc::now();
    Ok(passes::expected(&app.db, building, 200).await?.into_iter().map(|p| judge(p, now, zone, &blocklist)).collect())
}

/// A blocklist entry as typed by a manager.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockInput {
    /// Absent: every building (needs the grant everywhere).
    pub building_id: Option<String>,
    pub name: Option<String>,
    /// Other names, one per line or comma-separated.
    pub aliases: Option<String>,
    pub phones: Option<String>,
    pub plates: Option<String>,
    pub reason: Option<String>,
}

fn list_of(raw: Option<&str>) -> Vec<&str> {
    raw.unwrap_or_default().split([',', '\n', ';']).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Adds a blocklist entry (managers of the building).
pub async fn block(app: &App, requester: &Requester, input: &BlockInput) -> AppResult<Blocked> {
    let mut errors = FieldErrors::new();
    let building = optional(&mut errors, "building_id", input.building_id.as_deref(), parse_id::<BuildingId>);
    let name = required(&mut errors, "name", input.name.as_deref(), |raw| bounded_text(raw, 2, 120));
    let aliases: Vec<String> = list_of(input.aliases.as_deref())
        .into_iter()
        .filter_map(|a| errors.check("aliases", bounded_text(a, 2, 120)))
        .collect();
    let phones: Vec<Phone> =
        list_of(input.phones.as_deref()).into_iter().filter_map(|p| errors.check("phones", Phone::parse(p))).collect();
    let plates: Vec<Plate> =
        list_of(input.plates.as_deref()).into_iter().filter_map(|p| errors.check("plates", Plate::parse(p))).collect();
    let reason = required(&mut errors, "reason", input.reason.as_deref(), |raw| bounded_text(raw, 3, 300));
    if aliases.len() + phones.len() + plates.len() > 50 {
        errors.add("aliases", FieldError::TooLong { max: 50 });
    }
    errors.into_result()?;
    let (Some(name), Some(reason)) = (name, reason) else {
        return Err(AppError::Validation(FieldErrors::new()));
    };
    let place = building.map_or(Target::SYSTEM, Target::building);
    requester.require(Permission::BuildingsManage, &place)?;
    let names: Vec<String> = std::iter::once(name).chain(aliases).collect();
    let actor = requester.actor();
    let by = requester.user_id();
    app.write(move |tx| {
        Box::pin(async move {
            let entry = passes::add_blocked(tx, building, &names, &phones, &plates, &reason, by).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::BlocklistAdded, entry.id)
                    .building(building)
                    .summary(format!("{}: {}", entry.name, entry.reason)),
            )
            .await?;
            Ok(entry)
        })
    })
    .await
}

/// The blocklist entries of a building (and company-wide ones).
pub async fn blocklist(app: &App, requester: &Requester, building: BuildingId) -> AppResult<Vec<Blocked>> {
    requester.require(Permission::PassesCheck, &Target::building(building))?;
    Ok(passes::blocklist(&app.db, Some(building)).await?)
}

pub async fn unblock(app: &App, requester: &Requester, id: BlockEntryId) -> AppResult<()> {
    let entry = passes::blocklist(&app.db, None).await?.into_iter().find(|b| b.id == id).ok_or(AppError::NotFound)?;
    requester.require(Permission::BuildingsManage, &entry.building_id.map_or(Target::SYSTEM, Target::building))?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            passes::remove_blocked(tx, id).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::BlocklistRemoved, id).building(entry.building_id).summary(entry.name),
            )
            .await?;
            Ok(())
        })
    })
    .await
}

/// Expires passes whose period ended (the housekeeping job).
pub async fn expire_due(app: &App) -> AppResult<usize> {
    app.write(move |tx| {
        Box::pin(async move {
            let expired = passes::expire_due(tx, 1000).await?;
            for pass in &expired {
                tx.emit(&Event::PassChanged(notice(pass)));
            }
            Ok(expired.len())
        })
    })
    .await
}

/// A contractor's pass for a ticket lasts until the ticket is done, and no
/// longer than this (a forgotten ticket must not keep a door open).
const CONTRACTOR_PASS: Duration = Duration::days(30);

/// Keeps the system's contractor pass of a ticket in step with it, inside
/// the ticket's own transaction: a ticket assigned to a member of an outside
/// company's team gets a contractor pass to its building (and unit) in the
/// assignee's name; a new assignee, an assignee of the company's own, or a
/// ticket done, closed, rejected or cancelled cancels it. A visitor already
/// on site keeps theirs until the desk marks them out.
pub(crate) async fn follow_ticket(tx: &mut WriteTx, before: Option<&Ticket>, ticket: &Ticket) -> AppResult<()> {
    let before_assignee = before.and_then(Ticket::assignee_id);
    let unchanged = before.is_some_and(|b| b.status().is_open() == ticket.status().is_open());
    if before_assignee == ticket.assignee_id() && (unchanged || ticket.assignee_id().is_none()) {
        // The same assignee and the ticket still open (or still finished),
        // or nobody was or is assigned: the pass, if any, stands as it is.
        // Most changes of a ticket end here without reading anything.
        return Ok(());
    }
    let assignee = ticket.assignee_id().filter(|_| ticket.status().is_open());
    let company = match assignee {
        Some(user) => teams::contractor_company(&mut *tx, user).await?,
        None => None,
    };
    let reassigned = before_assignee != ticket.assignee_id();
    let existing = passes::issued_for_ticket(tx, ticket.id).await?;
    let keep = company.is_some() && !reassigned;
    if !keep {
        for pass in &existing {
            if let Some(pass) =
                passes::set_status(tx, pass.id, &[PassStatus::Requested, PassStatus::Active], PassStatus::Cancelled)
                    .await?
            {
                tx.emit(&Event::PassChanged(notice(&pass)));
            }
        }
    }
    let (Some(user), Some(company)) = (assignee, company) else {
        return Ok(());
    };
    if keep && !existing.is_empty() {
        return Ok(());
    }
    let worker = users::get(&mut *tx, user).await?;
    let now = tx.now();
    let summary: String = ticket.description.as_str().chars().take(120).collect();
    let mut new = NewPass {
        building_id: ticket.building_id,
        unit_id: ticket.unit_id,
        host_client_id: ticket.client_id,
        host_user_id: None,
        kind: PassKind::Contractor,
        status: PassStatus::Active,
        visitor_name: worker.display_name.to_string(),
        visitor_phone: None,
        plate: None,
        vehicle: String::new(),
        parking_space: String::new(),
        company,
        work: format!("{}: {summary}", ticket.number),
        ticket_id: Some(ticket.id),
        validity: Validity::Period { from: now, until: now + CONTRACTOR_PASS },
        pin: Pin::from_number(rand::rng().random_range(0..1_000_000)),
        link_hash: hash_secret(&new_secret()),
        note: String::new(),
        issued_by: None,
    };
    let pass = insert_with_unique_pin(tx, &mut new).await?;
    audit::record(
        tx,
        Change::new(&Actor::system("system"), AuditAction::PassIssued, pass.id)
            .building(Some(pass.building_id))
            .summary(pass.visitor_name.clone())
            .after(&notice(&pass)),
    )
    .await?;
    tx.emit(&Event::PassCreated(notice(&pass)));
    Ok(())
}
