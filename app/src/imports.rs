//! Billing imports: the use-case behind the API, the page and the command
//! line (files are read and planned by [`crate::import`]).

use std::collections::HashMap;

use domovoy_domain::FieldError;
use domovoy_domain::ids::BuildingId;
use domovoy_domain::import::Column;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::import::{self, ImportKind, Report, Request};

/// Reads "Heading = column" lines (or `Heading=column,Heading2=column`).
pub fn parse_mapping(text: &str) -> Result<HashMap<String, Column>, AppError> {
    let mut mapping = HashMap::new();
    let mut problems = Vec::new();
    for part in text.split(['\n', ',']).map(str::trim).filter(|p| !p.is_empty()) {
        match part.rsplit_once('=') {
            Some((heading, column)) => match column.trim().parse::<Column>() {
                Ok(column) => {
                    mapping.insert(heading.trim().to_owned(), column);
                }
                Err(e) => problems.push((format!("mapping.{}", heading.trim()), e)),
            },
            None => problems.push((format!("mapping.{part}"), FieldError::InvalidFormat)),
        }
    }
    if problems.is_empty() { Ok(mapping) } else { Err(AppError::Problems(problems)) }
}

/// Whether the requester may import `kind` (into `building`): asked before
/// the file is even received, so a refused upload costs nothing. Clients
/// need client editing in the building (or everywhere without one); units
/// need building management.
pub async fn authorize(
    app: &App,
    requester: &Requester,
    kind: ImportKind,
    building: Option<BuildingId>,
) -> Result<(), AppError> {
    let target = building.map_or(Target::SYSTEM, Target::building);
    match kind {
        ImportKind::Clients => requester.require(Permission::ClientsEdit, &target)?,
        ImportKind::Units => requester.require(Permission::BuildingsManage, &target)?,
    }
    if let Some(b) = building {
        crate::buildings::get(app, requester, b).await?;
    }
    Ok(())
}

/// Checks (dry run) or applies an import. Clients need client editing in
/// the building (or everywhere without one); units need building management.
pub async fn run(
    app: &App,
    requester: &Requester,
    kind: ImportKind,
    building: Option<BuildingId>,
    dry_run: bool,
    mapping: &str,
    bytes: Vec<u8>,
) -> Result<Report, AppError> {
    authorize(app, requester, kind, building).await?;
    let request = Request { kind, building, mapping: parse_mapping(mapping)? };
    let mut report = Report::default();
    // Reading a spreadsheet is CPU work proportional to the file: it runs
    // on the blocking pool, one import at a time, so a heavy file never
    // holds up other requests (health checks included).
    let read = {
        let _slot = app.import_slots.acquire().await.map_err(AppError::unexpected)?;
        tokio::task::spawn_blocking(move || import::read_sheet(&bytes)).await.map_err(AppError::unexpected)?
    };
    let prepared = import::prepare_read(&app.db, read, &request, &mut report).await?;
    let report = match prepared {
        None => report,
        Some(prepared) => {
            let (report, events) = import::execute(&app.db, prepared, report, requester.actor(), dry_run).await?;
            if let Some(live) = app.live() {
                live.hub.publish_local(events);
            }
            report
        }
    };
    Ok(report)
}
