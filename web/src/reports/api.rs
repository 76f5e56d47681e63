//! `GET /api/v1/reports/<name>` and `GET /api/v1/reports/<name>/tickets`.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use serde_json::{Map, Value as Json, json};

use domovoy_app::reports::{self, Drill, DrillQuery, Label, Report, ReportFilter, Table, Value};
use domovoy_domain::report::ReportName;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::export::ExportFormat;
use crate::state::AppState;

/// A report's query: the filters and the answer's format.
#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(flatten)]
    pub filter: ReportFilter,
    /// `json` (default), `csv` (one table: `table`, the main one by
    /// default) or `xlsx` (a sheet per table); files need `reports.export`.
    pub format: Option<String>,
    /// Which table a CSV holds (`groups`, `breaches`, `flow`, `ageing`,
    /// `low`, `trend`).
    pub table: Option<String>,
}

fn label_json(label: &Label) -> Json {
    match label {
        Label::Name(name) => json!(name),
        Label::Nobody => Json::Null,
        Label::Source(s) => json!(s.code()),
        Label::Priority(p) => json!(p.code()),
        Label::Status(s) => json!(s.code()),
        Label::Day(d) | Label::Week(d) | Label::Month(d) => json!(d.to_string()),
        Label::Hour(h) => json!(h),
        Label::Measure(m) => json!(m.code()),
        Label::PassKind(k) => json!(k.code()),
    }
}

fn value_json(value: &Value) -> Json {
    match value {
        Value::Label(label) => label_json(label),
        Value::Count(n) => json!(n),
        Value::Share(v) | Value::Minutes(v) | Value::Average(v) => v.map_or(Json::Null, |v| json!(v)),
        Value::Text(text) => json!(text),
        Value::Ticket { id, number } => json!({ "id": id, "number": number.to_string() }),
        Value::Time(at) => at.map_or(Json::Null, |at| json!(at)),
    }
}

/// A table's rows as objects keyed by column; a group's row carries its
/// `key` (id, code or date) and its `name`.
fn rows_json(table: &Table) -> Json {
    Json::Array(
        table
            .rows
            .iter()
            .map(|row| {
                let mut object = Map::new();
                for (column, value) in table.columns.iter().zip(&row.values) {
                    if column.key == "group" {
                        object.insert("key".into(), row.key.clone().map_or(Json::Null, Json::String));
                        object.insert("name".into(), value_json(value));
                    } else {
                        object.insert(column.key.clone(), value_json(value));
                    }
                }
                Json::Object(object)
            })
            .collect(),
    )
}

/// The report as the API answers it.
pub fn report_json(report: &Report) -> Json {
    let totals: Map<String, Json> = report.totals.iter().map(|t| (t.key.to_owned(), value_json(&t.value))).collect();
    let tables: Map<String, Json> = report.tables.iter().map(|tb| (tb.key.to_owned(), rows_json(tb))).collect();
    let mut filters = serde_json::to_value(&report.filter).unwrap_or_else(|_| json!({}));
    if let Some(object) = filters.as_object_mut() {
        object.insert("from".into(), json!(report.period.from.to_string()));
        object.insert("to".into(), json!(report.period.to.to_string()));
        object.insert("group".into(), json!(report.group_by.code()));
    }
    json!({
        "name": report.name.code(),
        "filters": filters,
        "totals": totals,
        "rows": report.tables.first().map_or(json!([]), rows_json),
        "tables": tables,
        "truncated": report.truncated,
        "generated_at": report.generated_at,
    })
}

fn report_name(raw: &str) -> Result<ReportName, ApiError> {
    raw.parse::<ReportName>().map_err(|_| domovoy_app::AppError::NotFound.into())
}

/// A report: `sla`, `backlog`, `workload`, `quality`, `sources`, `calls` or `visits`, counted
/// within the caller's buildings (`reports.read`). A ticket counts in the
/// period it was filed in (its building's dates, both ends included).
#[utoipa::path(
    tag = "reports",
    params(
        ("name" = String, Path, description = "sla, backlog, workload, quality, sources, calls, visits"),
        ReportFilter,
        ("format" = Option<String>, Query, description = "json (default), csv (one table) or xlsx (a sheet per table); files need reports.export"),
        ("table" = Option<String>, Query, description = "The table a CSV holds: groups, breaches, flow, ageing, low, trend")
    ),
    responses(
        (status = 200, description = "{\"filters\",\"totals\",\"rows\",\"tables\"}, or a CSV / XLSX file"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[get("/api/v1/reports/{name}")]
pub async fn get_report(
    state: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    let name = report_name(&name)?;
    match query.format.as_deref() {
        None | Some("json") => {
            let report = reports::run(&state, &caller, name, &query.filter).await?;
            Ok(HttpResponse::Ok().json(report_json(&report)))
        }
        other => {
            let format = ExportFormat::parse(other)?;
            let report = reports::export(&state, &caller, name, &query.filter).await?;
            crate::reports::pages::report_file(
                &report,
                format,
                query.table.as_deref(),
                caller.t(),
                state.config.display_time_zone,
            )
        }
    }
}

/// A drill-down's query: the report's filters and the figure's.
#[derive(Debug, Default, Deserialize)]
pub struct DrillApiQuery {
    #[serde(flatten)]
    pub filter: ReportFilter,
    #[serde(flatten)]
    pub drill: DrillQuery,
}

fn drill_json(drill: &Drill) -> Json {
    json!({
        "measure": drill.measure.code(),
        "period": { "from": drill.period.from.to_string(), "to": drill.period.to.to_string() },
        "total": drill.total,
        "tickets": drill.tickets,
    })
}

/// The tickets behind a report's figure: `measure` (`tickets`,
/// `response_breached`, `age_week`, …) within a row's group (`by`, `key`)
/// and a column's (`slice_by`, `slice`); the first 1,000, with the total.
#[utoipa::path(
    tag = "reports",
    params(("name" = String, Path), ReportFilter, DrillQuery),
    responses((status = 200, description = "{\"measure\",\"period\",\"total\",\"tickets\"}"), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/reports/{name}/tickets")]
pub async fn drill_report(
    state: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
    query: web::Query<DrillApiQuery>,
) -> Result<HttpResponse, ApiError> {
    report_name(&name)?;
    let drill = reports::drill(&state, &caller, &query.filter, &query.drill).await?;
    Ok(HttpResponse::Ok().json(drill_json(&drill)))
}
