//! The call log (`/calls`): period, direction, result, operator, client;
//! ПП РФ №416 figures; CSV and Excel downloads.

use actix_web::{HttpRequest, HttpResponse, get, web};
use askama::Template;
use serde::Deserialize;

use domovoy_app::calls::{self, CallFigures, CallFilter};
use domovoy_domain::call::{CallDirection, CallResult};
use domovoy_store::calls::Call;

use crate::auth::PageCaller;
use crate::error::PageError;
use crate::export::{ExportFormat, Table, download};
use crate::i18n::Catalog;
use crate::pages::{Chrome, Section, fmt_time, html, url_encode};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub direction: Option<String>,
    pub result: Option<String>,
    pub client_id: Option<String>,
    pub callback: Option<String>,
    pub cursor: Option<String>,
    /// `csv` or `xlsx`: the rows of the filter as a file (up to 5,000).
    pub format: Option<String>,
}

struct CallLine {
    id: String,
    started: String,
    direction: &'static str,
    from: String,
    to: String,
    clients: Vec<(String, String)>,
    operator: String,
    result: &'static str,
    result_code: &'static str,
    waiting: String,
    talking: String,
    tickets: Vec<(String, String)>,
    callback: String,
    callback_open: bool,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct LogPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    query: LogQuery,
    calls: Vec<CallLine>,
    figures: CallFigures,
    directions: Vec<(&'static str, &'static str)>,
    results: Vec<(&'static str, &'static str)>,
    next_href: Option<String>,
    export_query: String,
}

fn seconds(d: Option<chrono::Duration>, t: &Catalog) -> String {
    d.map(|d| {
        let s = d.num_seconds();
        if s >= 60 { format!("{}:{:02}", s / 60, s % 60) } else { format!("{s} {}", t.cl.seconds_short) }
    })
    .unwrap_or_default()
}

fn line(call: &Call, t: &Catalog, zone: chrono_tz::Tz) -> CallLine {
    let result = call.result();
    CallLine {
        id: call.id.to_string(),
        started: fmt_time(call.times.started_at, zone),
        direction: (t.cl.direction_label)(call.direction),
        from: call.from_number.clone(),
        to: call.to_number.clone(),
        clients: call.clients.iter().map(|(id, name)| (id.to_string(), name.clone())).collect(),
        operator: call.operator_name.clone().or_else(|| call.operator_extension.clone()).unwrap_or_default(),
        result: result.map_or_else(|| (t.cl.state_label)(call.state()), |r| (t.cl.result_label)(r)),
        result_code: result.map_or("", CallResult::code),
        waiting: seconds(call.times.waiting(), t),
        talking: seconds(call.times.talking(), t),
        tickets: call.tickets.iter().map(|(id, number)| (id.to_string(), number.clone())).collect(),
        callback: match (call.callback_due_at, call.callback_done_at) {
            (Some(_), Some(done)) => format!(
                "{} {}{}",
                fmt_time(done, zone),
                call.callback_by_name.clone().unwrap_or_default(),
                call.callback_note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default()
            ),
            (Some(due), None) => format!("{} {}", t.cl.callback_due, fmt_time(due, zone)),
            _ => String::new(),
        },
        callback_open: call.callback_open(),
    }
}

/// A call in a card's list (a client's, a ticket's).
#[derive(Debug)]
pub struct CallBrief {
    pub started: String,
    pub direction: &'static str,
    pub number: String,
    pub result: &'static str,
    pub result_code: &'static str,
    pub operator: String,
}

/// The calls of a client or a ticket, as the cards list them.
pub fn briefs(calls: &[Call], t: &Catalog, zone: chrono_tz::Tz) -> Vec<CallBrief> {
    calls
        .iter()
        .map(|c| {
            let l = line(c, t, zone);
            CallBrief {
                started: l.started,
                direction: l.direction,
                number: if c.direction == CallDirection::In { l.from } else { l.to },
                result: l.result,
                result_code: l.result_code,
                operator: l.operator,
            }
        })
        .collect()
}

fn filter(query: &LogQuery, limit: i64, cursor: Option<String>) -> CallFilter {
    CallFilter {
        direction: query.direction.clone().filter(|v| !v.is_empty()),
        result: query.result.clone().filter(|v| !v.is_empty()),
        client_id: query.client_id.clone().filter(|v| !v.is_empty()),
        from: query.from.clone().filter(|v| !v.is_empty()),
        to: query.to.clone().filter(|v| !v.is_empty()),
        callback: query.callback.clone(),
        limit: Some(limit),
        cursor,
        ..CallFilter::default()
    }
}

/// Rows in one download.
const EXPORT_MAX: usize = 5000;

#[get("/calls")]
pub async fn call_log(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<LogQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let query = query.into_inner();
    if let Some(format) = query.format.as_deref() {
        let format = ExportFormat::parse(Some(format))?;
        let mut rows = Vec::new();
        let mut cursor = None;
        loop {
            let page = calls::list(&state, &caller, &filter(&query, 500, cursor)).await?;
            rows.extend(page.items.iter().map(|c| line(c, t, zone)));
            cursor = page.next_cursor;
            if cursor.is_none() || rows.len() >= EXPORT_MAX {
                break;
            }
        }
        rows.truncate(EXPORT_MAX);
        let table = Table {
            headers: [
                t.cl.col_time,
                t.cl.col_direction,
                t.cl.col_from,
                t.cl.col_to,
                t.cl.col_client,
                t.cl.col_operator,
                t.cl.col_result,
                t.cl.col_waiting,
                t.cl.col_talking,
                t.cl.col_tickets,
                t.cl.col_callback,
            ]
            .iter()
            .map(|h| (*h).to_owned())
            .collect(),
            rows: rows
                .into_iter()
                .map(|l| {
                    vec![
                        l.started,
                        l.direction.to_owned(),
                        l.from,
                        l.to,
                        l.clients.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(", "),
                        l.operator,
                        l.result.to_owned(),
                        l.waiting,
                        l.talking,
                        l.tickets.into_iter().map(|(_, n)| n).collect::<Vec<_>>().join(", "),
                        l.callback,
                    ]
                })
                .collect(),
        };
        let stem = format!("calls-{}-{}", query.from.as_deref().unwrap_or("all"), query.to.as_deref().unwrap_or("now"));
        return Ok(download(&table, format, &stem, t.cl.log_title)?);
    }
    let page = calls::list(&state, &caller, &filter(&query, 100, query.cursor.clone())).await?;
    let figures = calls::figures(page.items.iter().map(Call::outcome));
    let mut base: Vec<(&str, &str)> = Vec::new();
    for (key, value) in [
        ("from", &query.from),
        ("to", &query.to),
        ("direction", &query.direction),
        ("result", &query.result),
        ("client_id", &query.client_id),
        ("callback", &query.callback),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            base.push((key, value));
        }
    }
    let export_query = base.iter().map(|(k, v)| format!("{k}={}", url_encode(v))).collect::<Vec<_>>().join("&");
    let next_href = page.next_cursor.as_deref().map(|c| {
        let sep = if export_query.is_empty() { "" } else { "&" };
        format!("/calls?{export_query}{sep}cursor={}", url_encode(c))
    });
    let view = LogPage {
        t,
        chrome: Chrome::new(&caller, Section::Calls, req.path()),
        calls: page.items.iter().map(|c| line(c, t, zone)).collect(),
        figures,
        directions: CallDirection::ALL.iter().map(|d| (d.code(), (t.cl.direction_label)(*d))).collect(),
        results: CallResult::ALL.iter().map(|r| (r.code(), (t.cl.result_label)(*r))).collect(),
        next_href,
        export_query,
        query,
    };
    html(&view)
}
