//! `/api/v1/import/{kind}`: billing imports.

use actix_web::{post, web};

use domovoy_domain::FieldError;
use domovoy_domain::ids::BuildingId;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::import::{ImportKind, MAX_FILE_BYTES};
use crate::service::imports::{self, ImportParams, ReportView};
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
    caller: Caller,
    kind: web::Path<String>,
    params: web::Query<ImportParams>,
    mut payload: web::Payload,
) -> Result<web::Json<ReportView>, ApiError> {
    use futures_util::StreamExt as _;
    let kind: ImportKind = kind.parse().map_err(|e: FieldError| ApiError::field("kind", e))?;
    let too_large = || ApiError::FileTooLarge { max_mb: (MAX_FILE_BYTES / 1024 / 1024) as u64 };
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::BadRequest { code: "upload_interrupted", message: |t| t.invalid_input })?;
        if body.len() + chunk.len() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let report = imports::run(
        &state,
        &caller,
        kind,
        params.building_id.map(BuildingId::from_uuid),
        params.dry_run.unwrap_or(true),
        params.mapping.as_deref().unwrap_or_default(),
        &body,
    )
    .await?;
    Ok(web::Json(report))
}
