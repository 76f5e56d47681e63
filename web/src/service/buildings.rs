//! Buildings.

use serde::Serialize;

use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::{Address, Building, BuildingDraft, BuildingKind, BuildingName, TimeZone};
use domovoy_domain::error::FieldErrors;
use domovoy_domain::event::{EventKind, Topic};
use domovoy_domain::ids::BuildingId;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::assignments::{self, Assignment};
use domovoy_store::audit::{self, Change};
use domovoy_store::buildings;

use super::optional;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

/// A building as typed into a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct BuildingInput {
    pub name: String,
    pub address: String,
    pub kind: Option<String>,
    pub time_zone: String,
}

/// The payload of building events: what a live page needs to redraw it.
#[derive(Debug, Serialize)]
struct BuildingEvent<'a> {
    id: BuildingId,
    name: &'a str,
    address: &'a str,
    kind: &'a str,
    time_zone: &'a str,
}

impl<'a> From<&'a Building> for BuildingEvent<'a> {
    fn from(b: &'a Building) -> Self {
        Self {
            id: b.id,
            name: b.name.as_str(),
            address: b.address.as_str(),
            kind: b.kind.code(),
            time_zone: b.time_zone.name(),
        }
    }
}

fn parse(input: &BuildingInput) -> Result<BuildingDraft, ApiError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", BuildingName::parse(&input.name));
    let address = errors.check("address", Address::parse(&input.address));
    let kind = optional(&mut errors, "kind", input.kind.as_deref(), str::parse::<BuildingKind>)
        .unwrap_or(BuildingKind::Residential);
    let time_zone = errors.check("time_zone", TimeZone::parse(&input.time_zone));
    errors.into_result()?;
    match (name, address, time_zone) {
        (Some(name), Some(address), Some(time_zone)) => Ok(BuildingDraft { name, address, kind, time_zone }),
        _ => Err(ApiError::Validation(FieldErrors::new())),
    }
}

/// The buildings the caller may see.
pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<Building>, ApiError> {
    let reach = caller.reach(Permission::BuildingsRead)?;
    let all = buildings::list(&state.db).await?;
    Ok(match reach.building_filter() {
        None => all,
        Some(allowed) => all.into_iter().filter(|b| allowed.contains(&b.id)).collect(),
    })
}

pub async fn get(state: &AppState, caller: &Caller, id: BuildingId) -> Result<Building, ApiError> {
    caller.require(Permission::BuildingsRead, &Target::building(id))?;
    Ok(buildings::get(&state.db, id).await?)
}

/// Who holds roles at a building (for its managers and administrators).
pub async fn people(state: &AppState, caller: &Caller, id: BuildingId) -> Result<Vec<Assignment>, ApiError> {
    caller.require(Permission::BuildingsManage, &Target::building(id))?;
    Ok(assignments::for_building(&state.db, id).await?)
}

/// A new building: needs building management across all buildings.
pub async fn create(state: &AppState, caller: &Caller, input: &BuildingInput) -> Result<Building, ApiError> {
    caller.require(Permission::BuildingsManage, &Target::SYSTEM)?;
    let draft = parse(input)?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let building = buildings::insert(tx, &draft).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::BuildingCreated, building.id)
                        .building(Some(building.id))
                        .summary(building.name.to_string())
                        .after(&building),
                )
                .await?;
                tx.emit(Topic::Building(building.id), EventKind::BuildingCreated, &BuildingEvent::from(&building))?;
                Ok(building)
            })
        })
        .await
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: BuildingId,
    input: &BuildingInput,
) -> Result<Building, ApiError> {
    caller.require(Permission::BuildingsManage, &Target::building(id))?;
    let draft = parse(input)?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let before = buildings::get(&mut *tx, id).await?;
                let after = buildings::update(tx, id, &draft).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::BuildingUpdated, id)
                        .building(Some(id))
                        .summary(after.name.to_string())
                        .before(&before)
                        .after(&after),
                )
                .await?;
                tx.emit(Topic::Building(id), EventKind::BuildingUpdated, &BuildingEvent::from(&after))?;
                Ok(after)
            })
        })
        .await
}
