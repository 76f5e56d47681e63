//! `/api/v1/import/{kind}`: billing imports.

use actix_web::{post, web};

use domovoy_domain::FieldError;
use domovoy_domain::ids::BuildingId;

use domovoy_app::import::{self, ImportKind, MAX_FILE_BYTES, Report};
use domovoy_app::{AppError, Rule, imports};
use domovoy_domain::import::Problem;
use serde::Serialize;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::i18n::Catalog;
use crate::state::AppState;

/// Imports a CSV or XLSX file sent as the request body. `kind` is
/// `clients` or `units`. Every problem is reported by row and column;
/// with any problem, or with `dry_run`, nothing is written.
#[utoipa::path(
    tag = "clients",
    params(("kind" = String, Path), ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = ReportView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/import/{kind}")]
pub async fn import_file(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: Caller,
    kind: web::Path<String>,
    params: web::Query<ImportParams>,
    mut payload: web::Payload,
) -> Result<web::Json<ReportView>, ApiError> {
    use futures_util::StreamExt as _;
    let kind: ImportKind = kind.parse().map_err(|e: FieldError| ApiError::field("kind", e))?;
    let building = params.building_id.map(BuildingId::from_uuid);
    // The right to import is checked before a byte of the file is read.
    imports::authorize(&state, &caller, kind, building).await?;
    let too_large = || ApiError::App(AppError::FileTooLarge { max_mb: (MAX_FILE_BYTES / 1024 / 1024) as u64 });
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > MAX_FILE_BYTES) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::rule(Rule::UploadInterrupted))?;
        if body.len() + chunk.len() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let report = imports::run(
        &state,
        &caller,
        kind,
        building,
        params.dry_run.unwrap_or(true),
        params.mapping.as_deref().unwrap_or_default(),
        body.to_vec(),
    )
    .await?;
    Ok(web::Json(ReportView::new(report, caller.t())))
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

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ImportParams {
    /// The building whose units rows name (required for `units`).
    pub building_id: Option<uuid::Uuid>,
    /// `true` (default): check and count, write nothing.
    pub dry_run: Option<bool>,
    /// Own headings: `Heading=column,Heading2=column`.
    pub mapping: Option<String>,
}
