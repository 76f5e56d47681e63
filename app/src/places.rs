//! Building layouts, the live chessboard and unit cards.

use std::collections::HashMap;

use chrono::Utc;
use serde::Serialize;

use domovoy_domain::audit::AuditAction;
use domovoy_domain::client::{LinkRole, Occupancy};
use domovoy_domain::event::{Event, LayoutChange, Topic};
use domovoy_domain::ids::{BuildingId, UnitId};
use domovoy_domain::layout::condo::CondoMap;
use domovoy_domain::layout::{Layout, LayoutError, LayoutSpec};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::sla::SlaState;
use domovoy_domain::ticket::Priority;
use domovoy_store::audit::{self, Change};
use domovoy_store::layout::{self, Replaced, StoredLayout, Unit};
use domovoy_store::tickets::{self, TicketQuery, UnitTicket};
use domovoy_store::{buildings, clients, events};

use crate::App;
use crate::AppError;
use crate::Requester;

fn problems(errors: Vec<LayoutError>) -> AppError {
    AppError::Problems(errors.into_iter().map(|e| (e.path, e.error)).collect())
}

/// The building's stored layout (building reading).
pub async fn get_layout(app: &App, requester: &Requester, building: BuildingId) -> Result<StoredLayout, AppError> {
    requester.require(Permission::BuildingsRead, &Target::building(building))?;
    buildings::get(&app.db, building).await?;
    Ok(layout::load(&app.db, building).await?)
}

/// Makes `plan` the building's layout (building management): validated
/// whole, written in one transaction with its audit entry, announced to live
/// chessboards. Units still named by tickets or clients cannot be dropped.
pub async fn replace_layout(
    app: &App,
    requester: &Requester,
    building: BuildingId,
    plan: Layout,
) -> Result<Replaced, AppError> {
    requester.require(Permission::BuildingsManage, &Target::building(building))?;
    let plan = plan.validate().map_err(problems)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let name = buildings::get(&mut *tx, building).await?.name.to_string();
            let done = layout::replace(tx, building, &plan).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::LayoutReplaced, building)
                    .building(Some(building))
                    .summary(format!("{name}: {} (+{} −{})", plan.unit_count(), done.created, done.removed))
                    .after(&done),
            )
            .await?;
            tx.emit(&Event::LayoutChanged(LayoutChange {
                building_id: Some(building),
                created: done.created,
                updated: done.updated,
                removed: done.removed,
                import: false,
            }));
            Ok(done)
        })
    })
    .await
}

/// Generates a regular layout from a few numbers and stores it.
pub async fn generate_layout(
    app: &App,
    requester: &Requester,
    building: BuildingId,
    spec: &LayoutSpec,
) -> Result<Replaced, AppError> {
    requester.require(Permission::BuildingsManage, &Target::building(building))?;
    let plan = spec.generate().map_err(problems)?;
    replace_layout(app, requester, building, plan).await
}

/// Imports condo's `Property.map` JSON as the building's layout.
pub async fn import_condo(
    app: &App,
    requester: &Requester,
    building: BuildingId,
    map: &CondoMap,
) -> Result<Replaced, AppError> {
    requester.require(Permission::BuildingsManage, &Target::building(building))?;
    if map.dv != 1 {
        return Err(AppError::Problems(vec![("dv".to_owned(), domovoy_domain::FieldError::Unknown)]));
    }
    let plan = map.to_layout().map_err(|e| AppError::Problems(vec![(e.path, domovoy_domain::FieldError::Unknown)]))?;
    replace_layout(app, requester, building, plan).await
}

/// The building's layout as condo's `Property.map` JSON, with our ids.
pub async fn export_condo(app: &App, requester: &Requester, building: BuildingId) -> Result<CondoMap, AppError> {
    let stored = get_layout(app, requester, building).await?;
    let mut ids: HashMap<String, String> = HashMap::new();
    for (si, section) in stored.sections.iter().enumerate() {
        ids.insert(format!("s{si}"), section.id.to_string());
        for floor in &section.floors {
            ids.insert(format!("s{si}f{}", floor.number), floor.id.to_string());
            for (ui, unit) in floor.units.iter().enumerate() {
                ids.insert(format!("s{si}f{}u{ui}", floor.number), unit.id.to_string());
            }
        }
    }
    Ok(CondoMap::from_layout(&stored.to_plan(), |key| ids.get(key).cloned().unwrap_or_else(|| key.to_owned())))
}

/// One chessboard cell: the unit and its overlays.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cell {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: UnitId,
    pub label: String,
    /// `apartment`, `office`, `retail`, `storage`, `parking`.
    pub kind: &'static str,
    pub area: Option<f64>,
    /// Open tickets naming the unit.
    pub open_tickets: usize,
    /// The worst SLA state among them (`breached`, `warning`, `active`, …).
    pub worst_sla: Option<&'static str>,
    /// An open emergency ticket.
    pub emergency: bool,
    /// `owner_occupied`, `rented` or `vacant`.
    pub ownership: &'static str,
    /// Linked clients, and how many of them use the resident app.
    pub people: usize,
    pub app_users: usize,
    /// The open tickets (for live updates on the page).
    pub tickets: Vec<CellTicket>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CellTicket {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: domovoy_domain::ids::TicketId,
    pub number: String,
    pub priority: &'static str,
    pub sla_state: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChessFloor {
    pub number: i32,
    pub name: Option<String>,
    pub units: Vec<Cell>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChessSection {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: domovoy_domain::ids::SectionId,
    pub name: String,
    /// `entrance`, `wing` or `parking`.
    pub kind: &'static str,
    /// Top-down.
    pub floors: Vec<ChessFloor>,
}

/// A building's chessboard: sections side by side, floors top-down.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Chessboard {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub building_id: BuildingId,
    pub building_name: String,
    /// The building topic's sequence this snapshot includes: subscribe with
    /// `since` = this to receive every later change.
    pub live_seq: i64,
    pub sections: Vec<ChessSection>,
    pub units: usize,
}

fn cell(unit: &Unit, tickets: &[&UnitTicket], links: &[(LinkRole, bool)]) -> Cell {
    let worst = tickets.iter().map(|t| t.sla_state).max_by_key(|s| s.severity());
    Cell {
        id: unit.id,
        label: unit.label.clone(),
        kind: unit.kind.code(),
        area: unit.area,
        open_tickets: tickets.len(),
        worst_sla: worst.filter(|s| *s != SlaState::None).map(SlaState::code),
        emergency: tickets.iter().any(|t| t.priority == Priority::Emergency),
        ownership: Occupancy::of(links.iter().map(|(role, _)| *role)).code(),
        people: links.len(),
        app_users: links.iter().filter(|(_, app)| *app).count(),
        tickets: tickets
            .iter()
            .map(|t| CellTicket {
                id: t.id,
                number: t.number.to_string(),
                priority: t.priority.code(),
                sla_state: t.sla_state.code(),
            })
            .collect(),
    }
}

/// The chessboard with its overlays (chessboard reading).
pub async fn chessboard(app: &App, requester: &Requester, building: BuildingId) -> Result<Chessboard, AppError> {
    requester.require(Permission::ChessboardRead, &Target::building(building))?;
    let b = buildings::get(&app.db, building).await?;
    // Read the position first: whatever commits after it is replayed.
    let live_seq = events::last_seq(&app.db, Topic::Building(building)).await?;
    let stored = layout::load(&app.db, building).await?;
    // The overlays show only what the requester may read there: a guard
    // sees the flats, not their tickets, nor who lives in them without
    // client reading.
    let target = Target::building(building);
    let open = if requester.can(Permission::TicketsRead, &target) {
        tickets::open_by_unit(&app.db, building).await?
    } else {
        Vec::new()
    };
    let today = Utc::now().with_timezone(&b.time_zone.tz()).date_naive();
    let occupancy = if requester.can(Permission::ClientsRead, &target) {
        clients::occupancy(&app.db, building, today).await?
    } else {
        HashMap::new()
    };
    let mut by_unit: HashMap<UnitId, Vec<&UnitTicket>> = HashMap::new();
    for t in &open {
        by_unit.entry(t.unit_id).or_default().push(t);
    }
    let sections = stored
        .sections
        .iter()
        .map(|s| ChessSection {
            id: s.id,
            name: s.name.clone(),
            kind: s.kind.code(),
            floors: s
                .floors
                .iter()
                .map(|f| ChessFloor {
                    number: f.number,
                    name: f.name.clone(),
                    units: f
                        .units
                        .iter()
                        .map(|u| {
                            cell(
                                u,
                                by_unit.get(&u.id).map_or(&[][..], Vec::as_slice),
                                occupancy.get(&u.id).map_or(&[][..], Vec::as_slice),
                            )
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Ok(Chessboard {
        building_id: building,
        building_name: b.name.to_string(),
        live_seq,
        units: stored.units().count(),
        sections,
    })
}

/// A unit with who is linked to it and its tickets.
#[derive(Debug, Clone, Serialize)]
pub struct UnitCard {
    pub unit: Unit,
    pub title: String,
    pub building_name: String,
    pub people: Vec<clients::UnitPerson>,
    pub tickets: Vec<domovoy_domain::ticket::Ticket>,
}

/// The unit card (chessboard reading; people's names need client reading).
pub async fn unit_card(app: &App, requester: &Requester, id: UnitId) -> Result<UnitCard, AppError> {
    let unit = layout::unit(&app.db, id).await?;
    let target = Target::building(unit.building_id);
    requester.require(Permission::ChessboardRead, &target)?;
    let building_name = buildings::get(&app.db, unit.building_id).await?.name.to_string();
    let people = if requester.principal().can(Permission::ClientsRead, &target) {
        clients::unit_people(&app.db, id).await?
    } else {
        Vec::new()
    };
    let tickets = if requester.principal().can(Permission::TicketsRead, &target) {
        tickets::list(&app.db, &TicketQuery { unit: Some(id), limit: 50, ..TicketQuery::default() }).await?.items
    } else {
        Vec::new()
    };
    Ok(UnitCard { title: unit.title(), unit, building_name, people, tickets })
}

/// The unit of `building` a person named in words («кв 45», «офис 708»),
/// if there is exactly such a unit: what forms that take units typed by
/// hand resolve them with.
pub async fn find_unit(
    app: &App,
    requester: &Requester,
    building: BuildingId,
    text: &str,
) -> Result<Option<UnitId>, AppError> {
    requester.require(Permission::BuildingsRead, &Target::building(building))?;
    let Some(query) = domovoy_domain::client::UnitQuery::parse(text) else { return Ok(None) };
    let found = layout::find_by_label(&app.db, &query.label, query.kind, 200).await?;
    Ok(found.into_iter().find(|u| u.building_id == building).map(|u| u.id))
}
