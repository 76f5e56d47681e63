//! Billing imports for the API, the page and (through [`crate::import`])
//! the command line.

use std::collections::HashMap;

use serde::Serialize;

use domovoy_domain::FieldError;
use domovoy_domain::ids::BuildingId;
use domovoy_domain::import::{Column, Problem};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Catalog;
use crate::import::{self, ImportKind, Report, Request};
use crate::state::AppState;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// The building whose units rows name (required for `units`).
    pub building_id: Option<uuid::Uuid>,
    /// `true` (default): check and count, write nothing.
    pub dry_run: Option<bool>,
    /// Own headings: `Heading=column,Heading2=column`.
    pub mapping: Option<String>,
}

/// Reads "Heading = column" lines (or `Heading=column,Heading2=column`).
pub fn parse_mapping(text: &str) -> Result<HashMap<String, Column>, ApiError> {
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
    if problems.is_empty() { Ok(mapping) } else { Err(ApiError::Problems(problems)) }
}

/// A problem as people read it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ProblemView {
    pub row: usize,
    pub column: String,
    pub code: &'static str,
    pub value: String,
    /// "Строка 3, «Телефон»".
    #[serde(rename = "where")]
    pub place: String,
    pub message: String,
}

impl ProblemView {
    pub fn new(p: &Problem, t: &Catalog) -> Self {
        Self {
            row: p.row,
            column: p.column.clone(),
            code: p.code.code(),
            value: p.value.clone(),
            place: (t.pl.import_where)(p.row, &p.column),
            message: (t.pl.import_problem)(p.code).to_owned(),
        }
    }
}

/// The report with its problems worded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportView {
    #[schema(value_type = Object)]
    pub file: import::FileInfo,
    pub rows: usize,
    /// Heading and the column code it was taken for.
    pub columns: Vec<(String, &'static str)>,
    pub problems: Vec<ProblemView>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub applied: bool,
    /// One line for people.
    pub summary: String,
}

impl ReportView {
    pub fn new(report: Report, t: &Catalog) -> Self {
        let summary = if report.applied {
            (t.pl.import_done)(report.rows, report.created, report.updated, report.unchanged)
        } else if report.problems.is_empty() {
            (t.pl.import_result)(report.rows, report.created, report.updated, report.unchanged)
        } else {
            (t.pl.import_problems)(report.problems.len())
        };
        Self {
            problems: report.problems.iter().map(|p| ProblemView::new(p, t)).collect(),
            file: report.file,
            rows: report.rows,
            columns: report.columns,
            created: report.created,
            updated: report.updated,
            unchanged: report.unchanged,
            applied: report.applied,
            summary,
        }
    }
}

/// Checks (dry run) or applies an import. Clients need client editing in
/// the building (or everywhere without one); units need building management.
pub async fn run(
    state: &AppState,
    caller: &Caller,
    kind: ImportKind,
    building: Option<BuildingId>,
    dry_run: bool,
    mapping: &str,
    bytes: &[u8],
) -> Result<ReportView, ApiError> {
    let target = building.map_or(Target::SYSTEM, Target::building);
    match kind {
        ImportKind::Clients => caller.require(Permission::ClientsEdit, &target)?,
        ImportKind::Units => caller.require(Permission::BuildingsManage, &target)?,
    }
    if let Some(b) = building {
        crate::service::buildings::get(state, caller, b).await?;
    }
    let request = Request { kind, building, mapping: parse_mapping(mapping)? };
    let mut report = Report::default();
    let prepared = import::prepare(&state.db, bytes, &request, &mut report).await?;
    let report = match prepared {
        None => report,
        Some(prepared) => {
            let (report, events) = import::execute(&state.db, prepared, report, caller.actor(), dry_run).await?;
            state.live.hub.publish_local(events);
            report
        }
    };
    Ok(ReportView::new(report, caller.t()))
}
