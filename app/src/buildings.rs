//! Buildings.

use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::{Address, Building, BuildingDraft, BuildingKind, BuildingName, TimeZone};
use domovoy_domain::error::FieldErrors;
use domovoy_domain::event::{BuildingInfo, Event};
use domovoy_domain::ids::BuildingId;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::assignments::{self, Assignment};
use domovoy_store::audit::{self, Change};
use domovoy_store::buildings;

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::common::optional;

/// A building as typed into a form or JSON.
#[derive(Debug, Clone, Default)]
pub struct BuildingInput {
    pub name: String,
    pub address: String,
    pub kind: Option<String>,
    pub time_zone: String,
}

/// The payload of building events: what a live page needs to redraw it.
fn info(b: &Building) -> BuildingInfo {
    BuildingInfo {
        id: b.id,
        name: b.name.as_str().to_owned(),
        address: b.address.as_str().to_owned(),
        kind: b.kind.code().to_owned(),
        time_zone: b.time_zone.name().to_owned(),
    }
}

fn parse(input: &BuildingInput) -> Result<BuildingDraft, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", BuildingName::parse(&input.name));
    let address = errors.check("address", Address::parse(&input.address));
    let kind = optional(&mut errors, "kind", input.kind.as_deref(), str::parse::<BuildingKind>)
        .unwrap_or(BuildingKind::Residential);
    let time_zone = errors.check("time_zone", TimeZone::parse(&input.time_zone));
    errors.into_result()?;
    match (name, address, time_zone) {
        (Some(name), Some(address), Some(time_zone)) => Ok(BuildingDraft { name, address, kind, time_zone }),
        _ => Err(AppError::Validation(FieldErrors::new())),
    }
}

/// The buildings the requester may see.
pub async fn list(app: &App, requester: &Requester) -> Result<Vec<Building>, AppError> {
    let reach = requester.reach(Permission::BuildingsRead)?;
    let all = buildings::list(&app.db).await?;
    Ok(match reach.building_filter() {
        None => all,
        Some(allowed) => all.into_iter().filter(|b| allowed.contains(&b.id)).collect(),
    })
}

pub async fn get(app: &App, requester: &Requester, id: BuildingId) -> Result<Building, AppError> {
    requester.require(Permission::BuildingsRead, &Target::building(id))?;
    Ok(buildings::get(&app.db, id).await?)
}

/// Who holds roles at a building (for its managers and administrators).
pub async fn people(app: &App, requester: &Requester, id: BuildingId) -> Result<Vec<Assignment>, AppError> {
    requester.require(Permission::BuildingsManage, &Target::building(id))?;
    Ok(assignments::for_building(&app.db, id).await?)
}

/// A new building: needs building management across all buildings.
pub async fn create(app: &App, requester: &Requester, input: &BuildingInput) -> Result<Building, AppError> {
    requester.require(Permission::BuildingsManage, &Target::SYSTEM)?;
    let draft = parse(input)?;
    let actor = requester.actor();
    app.write(move |tx| {
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
            tx.emit(&Event::BuildingCreated(info(&building)));
            Ok(building)
        })
    })
    .await
}

pub async fn update(
    app: &App,
    requester: &Requester,
    id: BuildingId,
    input: &BuildingInput,
) -> Result<Building, AppError> {
    requester.require(Permission::BuildingsManage, &Target::building(id))?;
    let draft = parse(input)?;
    let actor = requester.actor();
    app.write(move |tx| {
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
            tx.emit(&Event::BuildingUpdated(info(&after)));
            Ok(after)
        })
    })
    .await
}
