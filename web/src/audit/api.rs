//! `/api/v1/audit`: reading and exporting the audit log (`audit.read`).

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;

use crate::api::dto::Page;
use crate::audit::dto::AuditEntryDto;
use crate::audit::pages::audit_table;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::export::{ExportFormat, download};
use crate::state::AppState;
use domovoy_app::audit::{self, AuditFilter};

/// One page of the log, newest first, narrowed to what the caller may read.
#[utoipa::path(
    tag = "audit",
    params(AuditFilter),
    responses((status = 200, body = Page<AuditEntryDto>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<AuditFilter>,
) -> Result<web::Json<Page<AuditEntryDto>>, ApiError> {
    let page = audit::page(&state, &caller, &filter).await?;
    Ok(web::Json(Page {
        items: page.entries.iter().map(AuditEntryDto::from).collect(),
        next_cursor: page.next_cursor.map(|c| c.to_string()),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// The whole filtered log as CSV or XLSX (up to 100,000 entries).
#[utoipa::path(
    tag = "audit",
    params(AuditFilter, ExportQuery),
    responses((status = 200, description = "The file"), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/audit/export")]
pub async fn export_audit(
    state: web::Data<AppState>,
    caller: Caller,
    filter: web::Query<AuditFilter>,
    format: web::Query<ExportQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = ExportFormat::parse(format.format.as_deref())?;
    let entries = audit::export(&state, &caller, &filter).await?;
    let table = audit_table(&entries, caller.t(), state.config.display_time_zone);
    let stem =
        format!("audit-{}", chrono::Utc::now().with_timezone(&state.config.display_time_zone).format("%Y-%m-%d"));
    download(&table, format, &stem, caller.t().audit_title)
}
