//! A counted report as people read it: words for codes, dates and
//! durations the Russian way, links from every count to the tickets behind
//! it; and the same cells typed for Excel.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;

use domovoy_app::reports::{Column, Label, Report, ReportFilter, Table, Value};
use domovoy_domain::report::{GroupBy, ReportName};
use domovoy_domain::ticket::TicketSource;

use crate::export::{Cell, Sheet};
use crate::i18n::Catalog;
use crate::pages::{fmt_time, url_encode};

/// A cell on the page.
#[derive(Debug, Clone, Default)]
pub struct CellView {
    pub text: String,
    /// The tickets behind a count, or the ticket itself.
    pub href: Option<String>,
    pub numeric: bool,
}

/// A table on the page.
#[derive(Debug, Clone, Default)]
pub struct TableView {
    pub key: &'static str,
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<CellView>>,
    /// Rows of a long list left off the page (the downloads hold them).
    pub hidden: usize,
}

/// Rows of a list of tickets (breaches, low ratings) shown on the page.
pub const LIST_SHOWN: usize = 50;

/// A headline figure on the page.
#[derive(Debug, Clone)]
pub struct FigureView {
    pub key: &'static str,
    pub label: String,
    pub value: String,
    pub href: Option<String>,
}

/// `dd.mm.yyyy`.
pub fn fmt_day(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

pub fn label_text(label: &Label, t: &Catalog) -> String {
    match label {
        Label::Name(name) => name.clone(),
        Label::Nobody => t.rp.nobody.to_owned(),
        Label::Source(s) => (t.tk.source_label)(*s).to_owned(),
        Label::Priority(p) => (t.tk.priority_label)(*p).to_owned(),
        Label::Status(s) => (t.tk.status_label)(*s).to_owned(),
        Label::Day(d) => fmt_day(*d),
        Label::Week(d) => (t.rp.week_of)(&d.format("%d.%m").to_string()),
        Label::Month(d) => {
            let month = t.rp.months.get(d.month0() as usize).copied().unwrap_or_default();
            format!("{month} {}", d.year())
        }
        Label::Hour(h) => (t.rp.hour_span)(*h),
        Label::Measure(m) => (t.rp.measure_label)(*m).to_owned(),
        Label::PassKind(k) => (t.ps.kind_label)(*k).to_owned(),
    }
}

/// The cell's words (also what a CSV holds).
pub fn value_text(value: &Value, t: &Catalog, zone: Tz) -> String {
    match value {
        Value::Label(label) => label_text(label, t),
        Value::Count(n) => n.to_string(),
        Value::Share(v) => v.map(|v| (t.rp.percent)(v)).unwrap_or_else(|| "—".to_owned()),
        Value::Minutes(v) => v.map(|v| (t.rp.duration)(v)).unwrap_or_else(|| "—".to_owned()),
        Value::Average(v) => v.map(|v| (t.rp.average)(v)).unwrap_or_else(|| "—".to_owned()),
        Value::Text(text) => text.clone(),
        Value::Ticket { number, .. } => number.to_string(),
        Value::Time(at) => at.map(|at| fmt_time(at, zone)).unwrap_or_default(),
    }
}

/// The cell typed for Excel: counts and shares as numbers, minutes as
/// numbers of minutes, days and times as dates.
pub fn value_cell(value: &Value, t: &Catalog, zone: Tz) -> Cell {
    match value {
        Value::Label(Label::Day(d) | Label::Week(d) | Label::Month(d)) => Cell::Date(*d),
        Value::Count(n) => Cell::Integer(*n),
        Value::Share(Some(v)) => Cell::Percent(*v),
        Value::Minutes(Some(v)) | Value::Average(Some(v)) => Cell::Decimal(*v),
        Value::Share(None) | Value::Minutes(None) | Value::Average(None) | Value::Time(None) => Cell::Empty,
        Value::Time(Some(at)) => Cell::Time(at.with_timezone(&zone).naive_local()),
        other => Cell::Text(value_text(other, t, zone)),
    }
}

/// A column's header; minutes columns say their unit in Excel.
pub fn column_title(table: &Table, column: &Column, t: &Catalog) -> String {
    if column.key == "group" {
        return table.group_by.map(|g| (t.rp.group_label)(g)).unwrap_or_default().to_owned();
    }
    if let Some((GroupBy::Source, code)) = &column.slice
        && let Ok(source) = code.parse::<TicketSource>()
    {
        return (t.tk.source_label)(source).to_owned();
    }
    let words = (t.rp.column_label)(&column.key);
    if !words.is_empty() {
        return words.to_owned();
    }
    column.measure.map(|m| (t.rp.measure_label)(m)).unwrap_or_default().to_owned()
}

/// The report's filters as a query string (for links and downloads).
pub fn filter_query(filter: &ReportFilter) -> String {
    filter_fields(filter).iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&")
}

/// The filters that are set, as names and values (hidden form fields).
pub fn filter_fields(filter: &ReportFilter) -> Vec<(&'static str, String)> {
    [
        ("from", &filter.from),
        ("to", &filter.to),
        ("building_id", &filter.building_id),
        ("category", &filter.category),
        ("priority", &filter.priority),
        ("source", &filter.source),
        ("team", &filter.team),
        ("assignee", &filter.assignee),
        ("group", &filter.group),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.trim().is_empty()).map(|v| (k, v.to_owned())))
    .collect()
}

/// The call log's page of the calls behind a count of the calls report
/// (those it can filter: inbound, answered, missed, awaiting a callback; by
/// operator or day).
fn call_log_href(report: &Report, column: &str, row: Option<(GroupBy, &str)>) -> Option<String> {
    let what = match column {
        "inbound" => "direction=in",
        "answered" => "direction=in&result=answered",
        "missed" => "direction=in&result=missed",
        "callbacks_open" => "direction=in&callback=true",
        _ => return None,
    };
    let (mut from, mut to) = (report.period.from, report.period.to);
    let mut extra = String::new();
    match row {
        None => {}
        Some((GroupBy::Operator | GroupBy::Assignee, key)) if key.parse::<uuid::Uuid>().is_ok() => {
            extra = format!("&operator_id={key}");
        }
        Some((GroupBy::Day, key)) => {
            let day = key.parse().ok()?;
            (from, to) = (day, day);
        }
        Some(_) => return None,
    }
    Some(format!("/calls?from={from}&to={to}&{what}{extra}"))
}

/// The guard desk's visits report behind a count of visits: one building
/// (the row's, or the filter's) for the period or the row's day.
fn visit_log_href(report: &Report, column: &str, row: Option<(GroupBy, &str)>) -> Option<String> {
    if column != "visits" {
        return None;
    }
    let (mut from, mut to) = (report.period.from, report.period.to);
    let mut building = report.filter.building_id.clone().filter(|b| !b.trim().is_empty());
    match row {
        None => {}
        Some((GroupBy::Building, key)) => building = Some(key.to_owned()),
        Some((GroupBy::Day, key)) => {
            let day = key.parse().ok()?;
            (from, to) = (day, day);
        }
        Some(_) => return None,
    }
    // The desk's report covers at most its own longest period, ending at `to`.
    let longest = u64::try_from(domovoy_app::passes::REPORT_DAYS_MAX - 1).unwrap_or(0);
    from = from.max(to.checked_sub_days(chrono::Days::new(longest)).unwrap_or(from));
    Some(format!("/guard/report?building={}&from={from}&to={to}", url_encode(&building?)))
}

/// A count's link: the call log, the visits log, or the tickets behind it.
fn count_href(report: &Report, query: &str, column: &Column, row: Option<(GroupBy, &str)>) -> Option<String> {
    match report.name {
        ReportName::Calls => call_log_href(report, &column.key, row),
        ReportName::Visits => visit_log_href(report, &column.key, row),
        _ => drill_href(report.name, query, column, row),
    }
}

/// The link to the tickets behind a count.
fn drill_href(name: ReportName, query: &str, column: &Column, row: Option<(GroupBy, &str)>) -> Option<String> {
    let measure = column.measure?;
    let mut href = format!("/reports/{}/tickets?{query}", name.code());
    if !query.is_empty() {
        href.push('&');
    }
    href.push_str(&format!("measure={}", measure.code()));
    if let Some((by, key)) = row {
        href.push_str(&format!("&by={}&key={}", by.code(), url_encode(key)));
    }
    if let Some((by, key)) = &column.slice {
        href.push_str(&format!("&slice_by={}&slice={}", by.code(), url_encode(key)));
    }
    Some(href)
}

pub fn figures(report: &Report, t: &Catalog, zone: Tz) -> Vec<FigureView> {
    let query = filter_query(&report.filter);
    report
        .totals
        .iter()
        .map(|total| {
            // A source's own figure (the sources report) lists that source's tickets.
            let slice = total.key.parse::<TicketSource>().ok().map(|_| (GroupBy::Source, total.key.to_owned()));
            let column = Column { key: total.key.to_owned(), measure: total.measure, slice };
            let label = match total.key.parse::<TicketSource>() {
                Ok(source) => (t.tk.source_label)(source).to_owned(),
                Err(_) => {
                    let words = (t.rp.column_label)(total.key);
                    if words.is_empty() {
                        total.measure.map(|m| (t.rp.measure_label)(m)).unwrap_or_default()
                    } else {
                        words
                    }
                    .to_owned()
                }
            };
            let href = count_href(report, &query, &column, None);
            FigureView { key: total.key, label, value: value_text(&total.value, t, zone), href }
        })
        .collect()
}

pub fn tables(report: &Report, t: &Catalog, zone: Tz) -> Vec<TableView> {
    let query = filter_query(&report.filter);
    report
        .tables
        .iter()
        .map(|table| TableView {
            key: table.key,
            title: (t.rp.table_label)(table.key).to_owned(),
            headers: table.columns.iter().map(|c| column_title(table, c, t)).collect(),
            hidden: if table.group_by.is_none() { table.rows.len().saturating_sub(LIST_SHOWN) } else { 0 },
            rows: table
                .rows
                .iter()
                .take(if table.group_by.is_none() { LIST_SHOWN } else { usize::MAX })
                .map(|row| {
                    table
                        .columns
                        .iter()
                        .zip(&row.values)
                        .map(|(column, value)| {
                            let numeric = !matches!(value, Value::Label(_) | Value::Text(_) | Value::Ticket { .. });
                            let href = match value {
                                Value::Ticket { id, .. } => Some(format!("/tickets/{id}")),
                                Value::Count(n) if *n > 0 => {
                                    count_href(report, &query, column, table.group_by.zip(row.key.as_deref()))
                                }
                                _ => None,
                            };
                            CellView { text: value_text(value, t, zone), href, numeric }
                        })
                        .collect()
                })
                .collect(),
        })
        .collect()
}

/// The report as Excel sheets, one per table.
pub fn sheets(report: &Report, t: &Catalog, zone: Tz) -> Vec<Sheet> {
    report
        .tables
        .iter()
        .map(|table| Sheet {
            name: (t.rp.table_label)(table.key).to_owned(),
            headers: table.columns.iter().map(|c| column_title(table, c, t)).collect(),
            rows: table.rows.iter().map(|row| row.values.iter().map(|v| value_cell(v, t, zone)).collect()).collect(),
        })
        .collect()
}

/// One table as CSV text cells.
pub fn csv_table(report: &Report, key: Option<&str>, t: &Catalog, zone: Tz) -> Option<crate::export::Table> {
    let table = match key {
        Some(key) => report.tables.iter().find(|tb| tb.key == key)?,
        None => report.tables.first()?,
    };
    Some(crate::export::Table {
        headers: table.columns.iter().map(|c| column_title(table, c, t)).collect(),
        rows: table.rows.iter().map(|row| row.values.iter().map(|v| value_text(v, t, zone)).collect()).collect(),
    })
}
