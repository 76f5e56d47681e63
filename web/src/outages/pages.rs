//! `/outages` (those in effect, the closed ones, and the form to register
//! one) and `/outages/<id>` (what it did; the form to close it).

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_app::AppError;
use domovoy_app::outages::{self, Listed, NoticeInput, OutageInput};
use domovoy_domain::ids::OutageId;
use domovoy_domain::mailing::DeliveryStatus;
use domovoy_domain::outage::{OutageKind, TIME_FORMAT};

use crate::auth::csrf::FormPairs;
use crate::auth::{CsrfForm, PageCaller};
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::mailings::pages::{BuildingChoice, Choice, building_choices};
use crate::pages::{Chrome, FormFailure, Section, fmt_opt_time, fmt_time, html_with_status, see_other};
use crate::state::AppState;

/// One outage in a list.
struct Line {
    id: String,
    kind: &'static str,
    kind_code: &'static str,
    places: String,
    period: String,
    opened: String,
    closed: String,
}

fn line(t: &Catalog, listed: &Listed, zone: chrono_tz::Tz) -> Line {
    let o = &listed.outage;
    Line {
        id: o.id.to_string(),
        kind: (t.ou.kind_label)(o.kind),
        kind_code: o.kind.code(),
        places: listed.building_names.join(", "),
        period: (t.ou.period)(&wall(o.starts_at), &wall(o.ends_at)),
        opened: fmt_time(o.opened_at, zone),
        closed: fmt_opt_time(o.closed_at, zone, t),
    }
}

/// A wall-clock time as pages show it.
fn wall(at: chrono::NaiveDateTime) -> String {
    at.format("%d.%m.%Y %H:%M").to_string()
}

/// The form as typed.
#[derive(Debug, Default)]
struct Draft {
    kind: String,
    details: String,
    buildings: HashSet<String>,
    sections: HashSet<String>,
    starts_at: String,
    ends_at: String,
    notice_title: String,
    notice_body: String,
}

impl Draft {
    fn from_pairs(pairs: FormPairs) -> Self {
        let mut draft = Self::default();
        for (key, value) in pairs {
            match key.as_str() {
                "kind" => draft.kind = value,
                "details" => draft.details = value,
                "building" => {
                    draft.buildings.insert(value);
                }
                "section" => {
                    draft.sections.insert(value);
                }
                "starts_at" => draft.starts_at = value,
                "ends_at" => draft.ends_at = value,
                "notice_title" => draft.notice_title = value,
                "notice_body" => draft.notice_body = value,
                _ => {}
            }
        }
        draft
    }

    fn input(&self, t: &Catalog) -> Result<OutageInput, AppError> {
        let written = NoticeInput { title: self.notice_title.clone(), body: self.notice_body.clone() };
        Ok(OutageInput {
            kind: self.kind.clone(),
            details: self.details.clone(),
            building_ids: ids(&self.buildings)?,
            section_ids: ids(&self.sections)?,
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            notice: super::opening_notice(t, Some(written), &self.kind, &self.starts_at, &self.ends_at, &self.details),
        })
    }
}

/// Ids as the form sent them; one that is not an id is refused on the
/// audience.
fn ids<T: std::str::FromStr>(values: &HashSet<String>) -> Result<Vec<T>, AppError> {
    values
        .iter()
        .map(|v| v.parse().map_err(|_| AppError::field("audience", domovoy_domain::FieldError::Unknown)))
        .collect()
}

#[derive(Template)]
#[template(path = "outages.html")]
struct ListPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    open: Vec<Line>,
    closed: Vec<Line>,
    /// Whether the form is shown.
    manages: bool,
    draft: Draft,
    kinds: Vec<Choice>,
    places: Vec<BuildingChoice>,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
}

#[get("/outages")]
pub async fn list_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let now = chrono::Utc::now().with_timezone(&state.config.display_time_zone).naive_local();
    let draft = Draft {
        kind: OutageKind::HotWater.code().to_owned(),
        starts_at: now.format(TIME_FORMAT).to_string(),
        ends_at: (now + chrono::Duration::hours(4)).format(TIME_FORMAT).to_string(),
        ..Draft::default()
    };
    let notice = (query.done.as_deref() == Some("closed")).then(|| t.ou.closed_done.to_owned());
    list(&state, &caller, draft, FormFailure::default(), StatusCode::OK, notice).await
}

async fn list(
    state: &AppState,
    caller: &PageCaller,
    draft: Draft,
    failure: FormFailure,
    status: StatusCode,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let (open, closed): (Vec<Listed>, Vec<Listed>) =
        outages::list(state, caller, false).await?.into_iter().partition(|l| l.outage.is_open());
    let choices = outages::choices(state, caller).await?;
    let kinds = OutageKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().to_owned(),
            label: (t.ou.kind_label)(*k).to_owned(),
            on: draft.kind == k.code(),
        })
        .collect();
    let places = building_choices(t, &choices, &draft.buildings, &draft.sections);
    let page = ListPage {
        t,
        chrome: Chrome::new(caller, Section::Outages, "/outages").with_notice(notice),
        open: open.iter().map(|l| line(t, l, zone)).collect(),
        closed: closed.iter().map(|l| line(t, l, zone)).collect(),
        manages: outages::may_manage(caller),
        draft,
        kinds,
        places,
        errors: failure.fields,
        message: failure.message,
    };
    html_with_status(&page, status)
}

/// Registers an outage and sends its notice.
#[post("/outages")]
pub async fn open_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let draft = Draft::from_pairs(pairs.0);
    let result = match draft.input(t) {
        Ok(input) => outages::open(&state, &caller, &input, &t.ml.footer).await,
        Err(error) => Err(error),
    };
    match result {
        Ok(opened) => Ok(see_other(&format!("/outages/{}?done=opened", opened.outage.id))),
        Err(error) => {
            let failure = FormFailure::from_error(error, t)?;
            list(&state, &caller, draft, failure, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
    }
}

struct Count {
    code: &'static str,
    label: &'static str,
    value: i64,
}

fn counts(t: &Catalog, counts: &std::collections::BTreeMap<DeliveryStatus, i64>) -> Vec<Count> {
    counts
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(s, n)| Count { code: s.code(), label: (t.ml.delivery_label)(*s), value: *n })
        .collect()
}

struct TicketLine {
    id: String,
    number: String,
    status: &'static str,
    description: String,
}

#[derive(Template)]
#[template(path = "outage.html")]
struct DetailPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    id: String,
    heading: String,
    open: bool,
    details: String,
    places: String,
    period: String,
    opened: String,
    closed: String,
    units: i64,
    notice_title: String,
    notice_body: String,
    notice_id: Option<String>,
    notice_counts: Vec<Count>,
    closing_notice_id: Option<String>,
    closing_counts: Vec<Count>,
    /// Whether the caller may open the notices' reports.
    reads_mailings: bool,
    tickets: Vec<TicketLine>,
    manages: bool,
    closing_title: String,
    closing_body: String,
    /// The closing notice's words when left empty.
    default_title: String,
    default_body: String,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
}

#[get("/outages/{id}")]
pub async fn detail_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let notice = (query.done.as_deref() == Some("opened")).then(|| t.ou.registered.to_owned());
    detail(&state, &caller, OutageId::from_uuid(*id), None, FormFailure::default(), StatusCode::OK, notice).await
}

async fn detail(
    state: &AppState,
    caller: &PageCaller,
    id: OutageId,
    written: Option<NoticeInput>,
    failure: FormFailure,
    status: StatusCode,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let view = outages::get(state, caller, id).await?;
    let o = &view.outage;
    let tickets = view
        .tickets
        .iter()
        .map(|ticket| TicketLine {
            id: ticket.id.to_string(),
            number: ticket.number.to_string(),
            status: t.tk.status(&ticket.status()),
            description: ticket.description.as_str().chars().take(120).collect(),
        })
        .collect();
    let written = written.unwrap_or(NoticeInput { title: String::new(), body: String::new() });
    let page = DetailPage {
        t,
        chrome: Chrome::new(caller, Section::Outages, &format!("/outages/{id}")).with_notice(notice),
        id: id.to_string(),
        heading: (t.ou.detail_title)((t.ou.kind_label)(o.kind)),
        open: o.is_open(),
        details: o.details.clone(),
        places: view.building_names.join(", "),
        period: (t.ou.period)(&wall(o.starts_at), &wall(o.ends_at)),
        opened: fmt_time(o.opened_at, zone),
        closed: fmt_opt_time(o.closed_at, zone, t),
        units: view.units,
        notice_title: view.notice_title.clone(),
        notice_body: view.notice_body.clone(),
        notice_id: o.notice_id.map(|m| m.to_string()),
        notice_counts: counts(t, &view.notice),
        closing_notice_id: o.closing_notice_id.map(|m| m.to_string()),
        closing_counts: counts(t, &view.closing_notice),
        reads_mailings: caller.principal().can_somewhere(domovoy_domain::permission::Permission::MailingsSend),
        tickets,
        manages: outages::may_manage(caller),
        closing_title: written.title,
        closing_body: written.body,
        default_title: (t.ou.closing_title)(o.kind),
        default_body: (t.ou.closing_body)(o.kind),
        errors: failure.fields,
        message: failure.message,
    };
    html_with_status(&page, status)
}

#[derive(Debug, Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    notice_title: String,
    #[serde(default)]
    notice_body: String,
}

/// Closes the outage and sends the closing notice.
#[post("/outages/{id}/close")]
pub async fn close_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<CloseForm>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let id = OutageId::from_uuid(*id);
    let form = form.0;
    let written = NoticeInput { title: form.notice_title, body: form.notice_body };
    let words = |kind| super::closing_notice(t, Some(written.clone()), kind);
    match outages::close(&state, &caller, id, &words, &t.ml.footer).await {
        Ok(_) => Ok(see_other("/outages?done=closed")),
        Err(error) => {
            let failure = FormFailure::from_error(error, t)?;
            detail(&state, &caller, id, Some(written), failure, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
    }
}
