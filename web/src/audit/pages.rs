//! The audit log page, with filters, paging and downloads.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use chrono_tz::Tz;

use domovoy_domain::audit::AuditAction;
use domovoy_store::audit::AuditEntry;

use crate::auth::PageCaller;
use crate::error::PageError;
use crate::export::{ExportFormat, Table, download};
use crate::i18n::Catalog;
use crate::pages::{Chrome, FormFailure, Section, fmt_time, html_with_status};
use crate::state::AppState;
use domovoy_app::audit::{self, AuditFilter};
use domovoy_app::buildings;

#[derive(Debug)]
struct EntryLine {
    at: String,
    actor: String,
    action: &'static str,
    entity: String,
    summary: String,
    ip: String,
    has_states: bool,
    before: Option<String>,
    after: Option<String>,
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    filter: AuditFilter,
    actions: Vec<(String, &'static str)>,
    buildings: Vec<(String, String)>,
    entries: Vec<EntryLine>,
    export_query: String,
    next_page: Option<String>,
    has_cursor: bool,
    errors: Vec<(String, String)>,
}

fn actor_name(entry: &AuditEntry, t: &Catalog) -> String {
    if entry.actor_id.is_none() && entry.actor_login.is_empty() {
        t.system_actor.to_owned()
    } else {
        entry.actor_login.clone()
    }
}

/// "Пользователь 01a21739…": the kind in words and the start of the id,
/// enough to tell entries apart (the full id is in exports and the API).
/// «Клиент: Ёлкина Вера Степановна»; the kind alone when the thing is gone.
fn entity_text(entry: &AuditEntry, t: &Catalog, names: &HashMap<String, String>) -> String {
    let kind = t.entity(&entry.entity_kind);
    match entry.entity_id.as_deref().and_then(|id| names.get(id)) {
        Some(name) => format!("{kind}: {name}"),
        None => kind.to_owned(),
    }
}

/// The log as a downloadable table, in `t`'s language.
pub fn audit_table(entries: &[AuditEntry], t: &Catalog, tz: Tz) -> Table {
    Table {
        headers: [
            t.time_col,
            t.actor_col,
            t.action_col,
            t.entity_col,
            t.summary_col,
            t.ip_col,
            t.before_label,
            t.after_label,
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: entries
            .iter()
            .map(|e| {
                vec![
                    fmt_time(e.at, tz),
                    actor_name(e, t),
                    t.audit_action(&e.action).to_owned(),
                    format!("{} {}", t.entity(&e.entity_kind), e.entity_id.clone().unwrap_or_default()),
                    e.summary.clone(),
                    e.ip.clone().unwrap_or_default(),
                    e.before.as_ref().map(ToString::to_string).unwrap_or_default(),
                    e.after.as_ref().map(ToString::to_string).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

fn query_string(filter: &AuditFilter) -> String {
    let pairs: Vec<(&str, &str)> = [
        ("action", filter.action.as_deref()),
        ("actor", filter.actor.as_deref()),
        ("building_id", filter.building_id.as_deref()),
        ("entity_kind", filter.entity_kind.as_deref()),
        ("entity_id", filter.entity_id.as_deref()),
        ("from", filter.from.as_deref()),
        ("until", filter.until.as_deref()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

#[get("/admin/audit")]
pub async fn show_audit(
    state: web::Data<AppState>,
    caller: PageCaller,
    req: HttpRequest,
    filter: web::Query<AuditFilter>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let filter = filter.into_inner();
    let (entries, next_cursor, failure, status) = match audit::page(&state, &caller, &filter).await {
        Ok(page) => (page.entries, page.next_cursor, FormFailure::default(), StatusCode::OK),
        Err(error) => (Vec::new(), None, FormFailure::from_error(error, t)?, StatusCode::UNPROCESSABLE_ENTITY),
    };
    let export_query = query_string(&filter);
    let names = audit::entity_names(&state, &caller, &entries).await?;
    let lines = entries
        .iter()
        .map(|e| EntryLine {
            at: fmt_time(e.at, tz),
            actor: actor_name(e, t),
            action: t.audit_action(&e.action),
            entity: entity_text(e, t, &names),
            summary: domovoy_domain::account::readable_session_name(&e.summary),
            ip: e.ip.clone().unwrap_or_default(),
            has_states: e.before.is_some() || e.after.is_some(),
            before: e.before.as_ref().and_then(|v| serde_json::to_string_pretty(v).ok()),
            after: e.after.as_ref().and_then(|v| serde_json::to_string_pretty(v).ok()),
        })
        .collect();
    let page = AuditPage {
        t,
        chrome: Chrome::new(&caller, Section::Audit, &req.uri().to_string()).with_error(failure.message),
        actions: AuditAction::ALL.iter().map(|a| (a.code().to_owned(), t.audit_action(a))).collect(),
        buildings: buildings::list(&state, &caller)
            .await
            .unwrap_or_default()
            .iter()
            .map(|b| (b.id.to_string(), b.name.to_string()))
            .collect(),
        next_page: next_cursor.map(|c| format!("/admin/audit?{export_query}&cursor={c}")),
        has_cursor: filter.cursor.is_some(),
        export_query,
        filter,
        entries: lines,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[derive(Debug, serde::Deserialize)]
pub struct FormatQuery {
    format: Option<String>,
}

/// Downloads the filtered log for the page's links (cookie session).
#[get("/admin/audit/export")]
pub async fn export_audit(
    state: web::Data<AppState>,
    caller: PageCaller,
    filter: web::Query<AuditFilter>,
    format: web::Query<FormatQuery>,
) -> Result<HttpResponse, PageError> {
    let format = ExportFormat::parse(format.format.as_deref())?;
    let entries = audit::export(&state, &caller, &filter).await?;
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let stem = format!("audit-{}", chrono::Utc::now().with_timezone(&tz).format("%Y-%m-%d"));
    Ok(download(&audit_table(&entries, t, tz), format, &stem, t.audit_title)?)
}
