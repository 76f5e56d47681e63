//! The reports' pages: `/reports` (the list), `/reports/<name>` (filters,
//! headline figures, a chart, the tables, downloads, print) and
//! `/reports/<name>/tickets` (the tickets behind a figure).

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use domovoy_app::report_subscriptions;
use domovoy_app::reports::{self, Drill, DrillQuery, FilterOptions, Report, ReportFilter, Value};
use domovoy_domain::permission::Permission;
use domovoy_domain::report::{GroupBy, ReportName};
use domovoy_domain::ticket::{Priority, TicketSource};

use crate::auth::PageCaller;
use crate::error::PageError;
use crate::export::{ExportFormat, Table, attachment, csv_bytes, download, workbook_bytes};
use crate::i18n::Catalog;
use crate::pages::{Chrome, DoneQuery, Section, fmt_time, html, notice};
use crate::reports::chart::{self, Scale, Series};
use crate::reports::subscriptions::{self, SubscriptionView};
use crate::reports::view::{self, CellView, FigureView, TableView, fmt_day, label_text};
use crate::state::AppState;

/// A report page's query: the filters, and `format` for a download
/// (`csv` takes `table`, the main one by default).
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(flatten)]
    pub filter: ReportFilter,
    pub format: Option<String>,
    pub table: Option<String>,
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    reports: Vec<(&'static str, &'static str, &'static str)>,
    /// The person's scheduled reports (shown to those who may download).
    subscriptions: Option<Vec<SubscriptionView>>,
}

#[get("/reports")]
pub async fn reports_index(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DoneQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let p = caller.principal();
    if !p.reach(Permission::ReportsRead).reaches_buildings() {
        return Err(domovoy_app::AppError::Forbidden.into());
    }
    let subscriptions = if reports::may_export(&caller) {
        let mine = report_subscriptions::mine(&state, &caller).await?;
        let options =
            if mine.is_empty() { FilterOptions::default() } else { reports::options(&state, &caller).await? };
        Some(subscriptions::views(&mine, &options, t, state.config.display_time_zone))
    } else {
        None
    };
    let page = IndexPage {
        t,
        chrome: Chrome::new(&caller, Section::Reports, req.path()).with_notice(notice(t, query.done.as_deref())),
        reports: ReportName::ALL.iter().map(|n| (n.code(), (t.rp.name_label)(*n), (t.rp.about)(*n))).collect(),
        subscriptions,
    };
    html(&page)
}

/// One choice of a select: value, words, chosen.
type Choice = (String, String, bool);

fn choices<I: ToString>(items: &[(I, String)], chosen: Option<&str>) -> Vec<Choice> {
    items
        .iter()
        .map(|(id, name)| {
            let id = id.to_string();
            let on = chosen == Some(id.as_str());
            (id, name.clone(), on)
        })
        .collect()
}

/// The filter form's selects.
struct Form {
    buildings: Vec<Choice>,
    categories: Vec<Choice>,
    teams: Vec<Choice>,
    people: Vec<Choice>,
    priorities: Vec<Choice>,
    sources: Vec<Choice>,
    groups: Vec<Choice>,
    /// Quick periods: words and the query they set.
    quick: Vec<(&'static str, String)>,
}

fn form(
    t: &Catalog,
    options: &FilterOptions,
    filter: &ReportFilter,
    name: ReportName,
    group_by: GroupBy,
    today: chrono::NaiveDate,
) -> Form {
    let codes = |all: Vec<(&'static str, &'static str)>, chosen: Option<&str>| -> Vec<Choice> {
        all.into_iter().map(|(c, l)| (c.to_owned(), l.to_owned(), chosen == Some(c))).collect()
    };
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let month_start = today.with_day0(0).unwrap_or(today);
    let last_month_end = month_start.pred_opt().unwrap_or(month_start);
    let last_month_start = last_month_end.with_day0(0).unwrap_or(last_month_end);
    let keep = ReportFilter { from: None, to: None, ..filter.clone() };
    let rest = view::filter_query(&keep);
    let sep = if rest.is_empty() { "" } else { "&" };
    let period =
        |from: chrono::NaiveDate, to: chrono::NaiveDate| format!("from={}&to={}{sep}{rest}", day(from), day(to));
    Form {
        buildings: choices(&options.buildings, filter.building_id.as_deref()),
        categories: choices(&options.categories, filter.category.as_deref()),
        teams: choices(&options.teams, filter.team.as_deref()),
        people: choices(&options.people, filter.assignee.as_deref()),
        priorities: codes(
            Priority::ALL.iter().map(|p| (p.code(), (t.tk.priority_label)(*p))).collect(),
            filter.priority.as_deref(),
        ),
        sources: codes(
            TicketSource::ALL.iter().map(|s| (s.code(), (t.tk.source_label)(*s))).collect(),
            filter.source.as_deref(),
        ),
        groups: reports::groupings(name)
            .iter()
            .map(|g| (g.code().to_owned(), (t.rp.group_label)(*g).to_owned(), *g == group_by))
            .collect(),
        quick: vec![
            (t.rp.last_7, period(today - chrono::Days::new(6), today)),
            (t.rp.last_30, period(today - chrono::Days::new(29), today)),
            (t.rp.this_month, period(month_start, today)),
            (t.rp.last_month, period(last_month_start, last_month_end)),
        ],
    }
}

use chrono::Datelike as _;

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    name: &'static str,
    title: &'static str,
    tabs: Vec<(&'static str, &'static str, bool)>,
    from: String,
    to: String,
    period: String,
    filter: ReportFilter,
    form: Form,
    figures: Vec<FigureView>,
    chart: String,
    tables: Vec<TableView>,
    empty: bool,
    truncated: bool,
    generated: String,
    query: String,
    can_export: bool,
    /// The subscribe form: cadences, and why it cannot be used.
    cadences: Vec<(&'static str, &'static str)>,
    /// The filters a subscription keeps (all but the period).
    subscribe_fields: Vec<(&'static str, String)>,
    mail_enabled: bool,
    has_email: bool,
    minutes_note: bool,
}

/// Numbers of a column of a table, by key.
fn column_values(report: &Report, table: &str, key: &str) -> Option<Vec<f64>> {
    let table = report.tables.iter().find(|tb| tb.key == table)?;
    let index = table.columns.iter().position(|c| c.key == key)?;
    Some(
        table
            .rows
            .iter()
            .map(|row| match row.values.get(index) {
                #[allow(clippy::cast_precision_loss)]
                Some(Value::Count(n)) => *n as f64,
                Some(Value::Share(v) | Value::Minutes(v) | Value::Average(v)) => v.unwrap_or(0.0),
                _ => 0.0,
            })
            .collect(),
    )
}

fn row_labels(report: &Report, table: &str, t: &Catalog) -> Vec<String> {
    report
        .tables
        .iter()
        .find(|tb| tb.key == table)
        .map(|tb| {
            tb.rows
                .iter()
                .map(|r| match r.values.first() {
                    Some(Value::Label(label)) => label_text(label, t),
                    _ => String::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The report's chart.
pub fn chart_of(report: &Report, t: &Catalog) -> String {
    let title = (t.rp.chart_title)(report.name);
    let decimal = if t.html_lang == "ru" { ',' } else { '.' };
    let series = |table: &str, keys: &[&str]| -> Vec<Series> {
        keys.iter()
            .filter_map(|key| {
                let column = report.tables.iter().find(|tb| tb.key == table)?.columns.iter().find(|c| c.key == *key)?;
                let name = view::column_title(report.tables.iter().find(|tb| tb.key == table)?, column, t);
                Some(Series { name, values: column_values(report, table, key)? })
            })
            .collect()
    };
    match report.name {
        ReportName::Sla => chart::bars(
            title,
            &row_labels(report, "groups", t),
            &series("groups", &["response_share", "resolution_share"]),
            Scale::Share,
            decimal,
        ),
        ReportName::Backlog => {
            chart::columns(title, &row_labels(report, "flow", t), &series("flow", &["opened", "closed"]), decimal)
        }
        ReportName::Workload => chart::bars(
            title,
            &row_labels(report, "groups", t),
            &series("groups", &["tickets", "resolved"]),
            Scale::Count,
            decimal,
        ),
        ReportName::Quality => {
            let keys = ["rating_5", "rating_4", "rating_3", "rating_2", "rating_1"];
            let labels: Vec<String> =
                keys.iter().filter_map(|k| k.parse().ok()).map(|m| (t.rp.measure_label)(m).to_owned()).collect();
            #[allow(clippy::cast_precision_loss)]
            let values: Vec<f64> = keys
                .iter()
                .map(|k| match report.total(k) {
                    Some(Value::Count(n)) => *n as f64,
                    _ => 0.0,
                })
                .collect();
            chart::bars(
                title,
                &labels,
                &[Series { name: (t.rp.column_label)("rating").to_owned(), values }],
                Scale::Count,
                decimal,
            )
        }
        ReportName::Sources => {
            chart::bars(title, &row_labels(report, "groups", t), &series("groups", &["share"]), Scale::Share, decimal)
        }
        ReportName::Calls => chart::bars(
            title,
            &row_labels(report, "groups", t),
            &series("groups", &["answered_share", "callback_share"]),
            Scale::Share,
            decimal,
        ),
        ReportName::Visits => chart::columns(
            title,
            &row_labels(report, "groups", t),
            &series("groups", &["visits", "overstays"]),
            decimal,
        ),
    }
}

fn report_name(raw: &str) -> Result<ReportName, PageError> {
    raw.parse::<ReportName>().map_err(|_| domovoy_app::AppError::NotFound.into())
}

/// A report as a file: every table a sheet (XLSX), or one table (CSV).
pub fn report_file(
    report: &Report,
    format: ExportFormat,
    table: Option<&str>,
    t: &Catalog,
    zone: chrono_tz::Tz,
) -> Result<HttpResponse, crate::error::ApiError> {
    let stem = format!("{}-{}-{}", report.name.code(), report.period.from, report.period.to);
    let body = match format {
        ExportFormat::Xlsx => workbook_bytes(&view::sheets(report, t, zone))?,
        ExportFormat::Csv => {
            let table = view::csv_table(report, table, t, zone)
                .ok_or_else(|| crate::error::ApiError::field("table", domovoy_domain::FieldError::Unknown))?;
            csv_bytes(&table)?
        }
    };
    Ok(attachment(body, format, &stem))
}

#[get("/reports/{name}")]
pub async fn report_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    name: web::Path<String>,
    query: web::Query<PageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let name = report_name(&name)?;
    let query = query.into_inner();
    if let Some(format) = query.format.as_deref() {
        let format = ExportFormat::parse(Some(format))?;
        let report = reports::export(&state, &caller, name, &query.filter).await?;
        return Ok(report_file(&report, format, query.table.as_deref(), t, zone)?);
    }
    let report = reports::run(&state, &caller, name, &query.filter).await?;
    let options = reports::options(&state, &caller).await?;
    let today = report.generated_at.with_timezone(&zone).date_naive();
    let empty = report.tables.iter().all(|tb| tb.rows.is_empty())
        || (name != ReportName::Backlog && report.tables.first().is_some_and(|tb| tb.rows.is_empty()));
    let page = ReportPage {
        t,
        chrome: Chrome::new(&caller, Section::Reports, req.path()),
        name: name.code(),
        title: (t.rp.name_label)(name),
        tabs: ReportName::ALL.iter().map(|n| (n.code(), (t.rp.name_label)(*n), *n == name)).collect(),
        from: report.period.from.format("%Y-%m-%d").to_string(),
        to: report.period.to.format("%Y-%m-%d").to_string(),
        period: format!("{} — {}", fmt_day(report.period.from), fmt_day(report.period.to)),
        form: form(t, &options, &query.filter, name, report.group_by, today),
        figures: view::figures(&report, t, zone),
        chart: if empty { String::new() } else { chart_of(&report, t) },
        tables: view::tables(&report, t, zone),
        empty,
        truncated: report.truncated,
        generated: fmt_time(report.generated_at, zone),
        query: view::filter_query(&report.filter),
        can_export: reports::may_export(&caller),
        cadences: subscriptions::cadences(t),
        subscribe_fields: view::filter_fields(&ReportFilter { from: None, to: None, ..query.filter.clone() }),
        mail_enabled: state.config.mail_enabled(),
        has_email: caller.user().email.is_some(),
        minutes_note: matches!(name, ReportName::Sla | ReportName::Workload),
        filter: query.filter,
    };
    html(&page)
}

/// A drill-down's query: the report's filters and the figure's.
#[derive(Debug, Default, Deserialize)]
pub struct DrillPageQuery {
    #[serde(flatten)]
    pub filter: ReportFilter,
    #[serde(flatten)]
    pub drill: DrillQuery,
    pub format: Option<String>,
}

#[derive(Template)]
#[template(path = "report_drill.html")]
struct DrillPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    title: &'static str,
    what: String,
    period: String,
    back: String,
    download: String,
    total: usize,
    shown: usize,
    rows: Vec<Vec<CellView>>,
}

fn drill_table(drill: &Drill, t: &Catalog, zone: chrono_tz::Tz) -> (Table, Vec<Vec<CellView>>) {
    let headers = [
        t.rp.col_number,
        t.rp.col_created,
        t.rp.building,
        t.rp.category,
        t.rp.priority,
        t.rp.source,
        t.rp.col_status,
        t.rp.col_assignee,
        t.rp.col_resolved,
        t.rp.col_rating,
    ];
    let mut table = Table { headers: headers.iter().map(|h| (*h).to_owned()).collect(), rows: Vec::new() };
    let mut cells = Vec::new();
    for ticket in &drill.tickets {
        let texts = vec![
            ticket.number.to_string(),
            fmt_time(ticket.created_at, zone),
            ticket.building.clone(),
            ticket.category.clone().unwrap_or_default(),
            (t.tk.priority_label)(ticket.priority).to_owned(),
            (t.tk.source_label)(ticket.source).to_owned(),
            (t.tk.status_label)(ticket.status).to_owned(),
            ticket.assignee.clone().unwrap_or_default(),
            ticket.resolved_at.map(|at| fmt_time(at, zone)).unwrap_or_default(),
            ticket.rating.map(|r| r.to_string()).unwrap_or_default(),
        ];
        cells.push(
            texts
                .iter()
                .enumerate()
                .map(|(i, text)| CellView {
                    text: text.clone(),
                    href: (i == 0).then(|| format!("/tickets/{}", ticket.id)),
                    numeric: i == 9,
                })
                .collect(),
        );
        table.rows.push(texts);
    }
    (table, cells)
}

#[get("/reports/{name}/tickets")]
pub async fn report_drill(
    state: web::Data<AppState>,
    caller: PageCaller,
    name: web::Path<String>,
    query: web::Query<DrillPageQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let name = report_name(&name)?;
    let query = query.into_inner();
    if let Some(format) = query.format.as_deref() {
        let format = ExportFormat::parse(Some(format))?;
        let drill = reports::drill_export(&state, &caller, &query.filter, &query.drill).await?;
        let (table, _) = drill_table(&drill, t, zone);
        let stem = format!("{}-{}-{}", name.code(), drill.measure.code(), drill.period.from);
        return Ok(download(&table, format, &stem, t.rp.drill_title)?);
    }
    let drill = reports::drill(&state, &caller, &query.filter, &query.drill).await?;
    let mut what = vec![(t.rp.measure_label)(drill.measure).to_owned()];
    what.extend(
        drill.narrowed.iter().map(|(by, label)| format!("{}: {}", (t.rp.group_label)(*by), label_text(label, t))),
    );
    let filter_query = view::filter_query(&query.filter);
    let own_query = req.query_string();
    let (_, rows) = drill_table(&drill, t, zone);
    let page = DrillPage {
        t,
        chrome: Chrome::new(&caller, Section::Reports, req.path()),
        title: (t.rp.name_label)(name),
        what: what.join(" · "),
        period: format!("{} — {}", fmt_day(drill.period.from), fmt_day(drill.period.to)),
        back: format!("/reports/{}?{filter_query}", name.code()),
        download: if reports::may_export(&caller) {
            format!("/reports/{}/tickets?{own_query}&format=", name.code())
        } else {
            String::new()
        },
        total: drill.total,
        shown: drill.tickets.len(),
        rows,
    };
    html(&page)
}

/// «Отчёт управляющего»: one building's period on one printed page.
#[derive(Template)]
#[template(path = "report_summary.html")]
struct SummaryPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    building: String,
    buildings: Vec<Choice>,
    from: String,
    to: String,
    period: String,
    generated: String,
    figures: Vec<FigureView>,
    charts: Vec<(&'static str, String)>,
    tables: Vec<TableView>,
}

/// A headline figure among `figures` by key, under `label`.
fn figure(figures: &[FigureView], key: &str, label: &str) -> Option<FigureView> {
    figures.iter().find(|f| f.key == key).map(|f| FigureView { label: label.to_owned(), ..f.clone() })
}

#[get("/reports/summary")]
pub async fn report_summary(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<ReportFilter>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let options = reports::options(&state, &caller).await?;
    let mut filter = ReportFilter {
        from: query.from.clone(),
        to: query.to.clone(),
        building_id: query.building_id.clone(),
        ..ReportFilter::default()
    };
    if filter.building_id.as_deref().is_none_or(|b| b.trim().is_empty()) {
        filter.building_id = options.buildings.first().map(|(id, _)| id.to_string());
    }
    let by = |group: GroupBy| ReportFilter { group: Some(group.code().to_owned()), ..filter.clone() };
    let sla = reports::run(&state, &caller, ReportName::Sla, &by(GroupBy::Category)).await?;
    let backlog = reports::run(&state, &caller, ReportName::Backlog, &filter).await?;
    let quality = reports::run(&state, &caller, ReportName::Quality, &filter).await?;
    let sources = reports::run(&state, &caller, ReportName::Sources, &filter).await?;
    let workload = reports::run(&state, &caller, ReportName::Workload, &by(GroupBy::Assignee)).await?;
    let building = options
        .buildings
        .iter()
        .find(|(id, _)| filter.building_id.as_deref() == Some(id.to_string().as_str()))
        .map(|(_, name)| name.clone())
        .unwrap_or_default();
    let (of_sla, of_backlog, of_quality) =
        (view::figures(&sla, t, zone), view::figures(&backlog, t, zone), view::figures(&quality, t, zone));
    let figures = [
        figure(&of_sla, "tickets", (t.rp.measure_label)(domovoy_domain::report::Measure::Tickets)),
        figure(&of_sla, "response_share", (t.rp.column_label)("response_share")),
        figure(&of_sla, "resolution_share", (t.rp.column_label)("resolution_share")),
        figure(&of_sla, "resolution_median", (t.rp.column_label)("resolution_median")),
        figure(&of_backlog, "closed", (t.rp.column_label)("closed")),
        figure(&of_backlog, "open", (t.rp.column_label)("open")),
        figure(&of_quality, "average", (t.rp.column_label)("average")),
        figure(&of_quality, "low_rating", (t.rp.measure_label)(domovoy_domain::report::Measure::LowRating)),
    ]
    .into_iter()
    .flatten()
    .collect();
    // The summary's tables keep the columns a page of A4 has room for.
    let main_table = |report: &Report, keys: &[&str]| {
        let mut report = report.clone();
        report.tables.truncate(1);
        if let Some(table) = report.tables.first_mut() {
            let keep: Vec<usize> = (0..table.columns.len())
                .filter(|i| table.columns[*i].key == "group" || keys.contains(&table.columns[*i].key.as_str()))
                .collect();
            table.columns = keep.iter().map(|i| table.columns[*i].clone()).collect();
            for row in &mut table.rows {
                row.values = keep.iter().filter_map(|i| row.values.get(*i).cloned()).collect();
            }
        }
        view::tables(&report, t, zone).into_iter().next()
    };
    let page = SummaryPage {
        t,
        chrome: Chrome::new(&caller, Section::Reports, req.path()),
        building,
        buildings: choices(&options.buildings, filter.building_id.as_deref()),
        from: sla.period.from.format("%Y-%m-%d").to_string(),
        to: sla.period.to.format("%Y-%m-%d").to_string(),
        period: format!("{} — {}", fmt_day(sla.period.from), fmt_day(sla.period.to)),
        generated: fmt_time(sla.generated_at, zone),
        figures,
        charts: vec![
            ((t.rp.chart_title)(ReportName::Backlog), chart_of(&backlog, t)),
            ((t.rp.chart_title)(ReportName::Sla), chart_of(&sla, t)),
            ((t.rp.chart_title)(ReportName::Sources), chart_of(&sources, t)),
            ((t.rp.chart_title)(ReportName::Quality), chart_of(&quality, t)),
        ],
        tables: [
            main_table(&sla, &["tickets", "response_share", "resolution_share", "resolution_median"]),
            main_table(&workload, &["tickets", "resolved", "open", "first_time_fix_share", "resolution_median"]),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    html(&page)
}
