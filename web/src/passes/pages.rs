//! The guard desk (`/guard`), the resident's passes (`/passes`) and the
//! page a guest opens from a forwarded link (`/p/<secret>`).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use chrono::{Duration, Utc};
use serde::Deserialize;
use uuid::Uuid;

use domovoy_app::passes::{self, Checked, Marked, PassInput};
use domovoy_app::{AppError, Rule, buildings, tickets};
use domovoy_domain::event::Topic;
use domovoy_domain::ids::{BuildingId, PassId};
use domovoy_domain::pass::{PassKind, PassStatus};
use domovoy_domain::permission::Permission;
use domovoy_store::passes::{LoggedVisit, Pass};

use crate::auth::csrf::NoFields;
use crate::auth::{CsrfForm, PageCaller};
use crate::error::PageError;
use crate::error::message_of;
use crate::i18n::Catalog;
use crate::pages::{Chrome, Section, fmt_time, html, see_other, url_encode};
use crate::state::AppState;

/// A desk search match as the page shows it.
pub(super) struct MatchLine {
    pub(super) id: String,
    pub(super) visitor: String,
    pub(super) kind: &'static str,
    pub(super) plate: String,
    pub(super) vehicle: String,
    pub(super) company: String,
    pub(super) work: String,
    pub(super) unit: String,
    pub(super) host: String,
    pub(super) until: String,
    pub(super) on_site: bool,
    pub(super) valid: bool,
    pub(super) reason: &'static str,
    pub(super) overstay: bool,
    pub(super) blocked: Option<String>,
    /// Waiting for the host; `can_decide`: this desk may answer for them.
    pub(super) requested: bool,
    pub(super) can_decide: bool,
    /// The pass has a host the desk can ring through the PBX (the number
    /// stays on the server).
    pub(super) can_call_host: bool,
}

/// A visit in the desk's lists.
#[derive(Clone)]
struct VisitLine {
    pass_id: String,
    visitor: String,
    kind: &'static str,
    plate: String,
    unit: String,
    host: String,
    /// Make and colour, for the parking.
    vehicle: String,
    parking_space: String,
    arrived: String,
    departed: String,
    marked_by: String,
    overstay: bool,
}

#[derive(Template)]
#[template(path = "guard.html")]
struct DeskPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    buildings: Vec<(String, String, bool)>,
    building_id: String,
    query: String,
    matches: Vec<MatchLine>,
    searched: bool,
    on_site: Vec<VisitLine>,
    /// The vehicles among `on_site`, for the concierge's parking.
    parking: Vec<VisitLine>,
    log: Vec<VisitLine>,
    live_seq: i64,
}

#[derive(Debug, Deserialize)]
pub struct DeskQuery {
    pub building: Option<String>,
    pub q: Option<String>,
    pub done: Option<String>,
    pub error: Option<String>,
}

pub(super) fn match_line(c: &Checked, t: &Catalog, zone: chrono_tz::Tz) -> MatchLine {
    let p = &c.pass;
    MatchLine {
        id: p.id.to_string(),
        visitor: p.visitor_name.clone(),
        kind: (t.ps.kind_label)(p.kind),
        plate: p.plate.as_ref().map(|p| p.display()).unwrap_or_default(),
        vehicle: p.vehicle.clone(),
        company: p.company.clone(),
        work: p.work.clone(),
        unit: p.unit_title.clone().unwrap_or_default(),
        host: p.host_name.clone().unwrap_or_default(),
        until: validity_text(p, t, zone),
        on_site: p.status == PassStatus::OnSite,
        valid: c.valid,
        reason: c.reason.map(|r| (t.ps.refusal_label)(r)).unwrap_or_default(),
        overstay: c.overstay,
        blocked: c.blocked.as_ref().map(|b| format!("{} — {}", b.name, b.reason)),
        requested: p.status == PassStatus::Requested,
        can_decide: false,
        can_call_host: false,
    }
}

fn visit_line(v: &LoggedVisit, t: &Catalog, zone: chrono_tz::Tz) -> VisitLine {
    let p = &v.pass;
    VisitLine {
        pass_id: p.id.to_string(),
        visitor: p.visitor_name.clone(),
        kind: (t.ps.kind_label)(p.kind),
        plate: p.plate.as_ref().map(|p| p.display()).unwrap_or_default(),
        unit: p.unit_title.clone().unwrap_or_default(),
        host: p.host_name.clone().unwrap_or_default(),
        vehicle: p.vehicle.clone(),
        parking_space: p.parking_space.clone(),
        arrived: fmt_time(v.visit.arrived_at, zone),
        departed: v.visit.departed_at.map(|d| fmt_time(d, zone)).unwrap_or_default(),
        marked_by: v.visit.arrived_by_name.clone().unwrap_or_default(),
        overstay: v.visit.departed_at.is_none() && domovoy_domain::pass::overstayed(p.validity, Utc::now()),
    }
}

/// The buildings whose desk the caller may keep, and the one asked for
/// (the first when none or another was asked for).
pub(super) async fn desk_buildings(
    state: &AppState,
    caller: &PageCaller,
    asked: Option<&str>,
) -> Result<(Vec<domovoy_domain::building::Building>, domovoy_domain::building::Building), PageError> {
    let reach = caller.principal().reach(Permission::PassesCheck);
    let desk: Vec<_> = buildings::list(state, caller)
        .await?
        .into_iter()
        .filter(|b| reach.covers(&domovoy_domain::policy::Target::building(b.id), caller.user().id))
        .collect();
    let asked = asked.and_then(|raw| raw.parse::<BuildingId>().ok());
    let chosen = asked.and_then(|id| desk.iter().find(|b| b.id == id)).or_else(|| desk.first()).cloned();
    chosen.map(|building| (desk, building)).ok_or_else(PageError::forbidden)
}

/// The guard desk: one search box, the matches with one-key marks, who is
/// on site now and today's log, live for every desk of the building.
#[get("/guard")]
pub async fn guard_desk(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DeskQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let (desk, building) = desk_buildings(&state, &caller, query.building.as_deref()).await?;
    let building = &building;
    let zone = building.time_zone.tz();
    // The position first: a mark committed meanwhile is replayed.
    let live_seq = domovoy_app::live::position(&state, Topic::Building(building.id)).await?;
    let q = query.q.clone().unwrap_or_default();
    let searched = q.trim().chars().count() >= 2;
    let may_decide = caller.can(Permission::PassesIssue, &domovoy_domain::policy::Target::building(building.id));
    let dialer = state.dialer().is_some();
    let matches = if searched {
        passes::check(&state, &caller, building.id, &q)
            .await?
            .iter()
            .map(|c| MatchLine {
                can_decide: may_decide,
                can_call_host: dialer && c.pass.host_client_id.is_some(),
                ..match_line(c, t, zone)
            })
            .collect()
    } else {
        Vec::new()
    };
    let on_site = passes::visits(&state, &caller, building.id, true, Utc::now()).await?;
    let since = Utc::now() - Duration::hours(24);
    let log = passes::visits(&state, &caller, building.id, false, since).await?;
    let error = query.error.as_deref().map(|code| match code {
        "blocklisted" => t.ps.blocklisted.to_owned(),
        "not_on_site" => t.ps.not_on_site.to_owned(),
        "no_host_phone" => t.ps.no_host_phone.to_owned(),
        "dialer_unavailable" => t.ps.desk_dialer_unavailable.to_owned(),
        "no_extension" => t.ps.desk_no_extension.to_owned(),
        _ => t.invalid_input.to_owned(),
    });
    let notice = match query.done.as_deref() {
        Some("host_called") => Some(t.ps.host_called.to_owned()),
        done => crate::pages::notice(t, done),
    };
    let on_site: Vec<VisitLine> = on_site.iter().map(|v| visit_line(v, t, zone)).collect();
    let parking = on_site.iter().filter(|v| !v.plate.is_empty()).cloned().collect();
    let page = DeskPage {
        t,
        chrome: Chrome::new(&caller, Section::Guard, req.path()).with_notice(notice).with_error(error),
        buildings: desk.iter().map(|b| (b.id.to_string(), b.name.to_string(), b.id == building.id)).collect(),
        building_id: building.id.to_string(),
        query: q,
        matches,
        searched,
        on_site,
        parking,
        log: log.iter().map(|v| visit_line(v, t, zone)).collect(),
        live_seq,
    };
    html(&page)
}

#[derive(Debug, Default, Deserialize)]
pub struct MarkForm {
    pub override_reason: Option<String>,
    /// The desk's search, kept after the mark.
    pub q: Option<String>,
}

fn back_to_desk(building: BuildingId, q: Option<&str>, done: &str) -> HttpResponse {
    let q = q.map(str::trim).filter(|q| !q.is_empty()).map(|q| format!("&q={}", url_encode(q))).unwrap_or_default();
    see_other(&format!("/guard?building={building}{q}&{done}"))
}

/// Marks an arrival from the desk.
#[post("/guard/passes/{id}/arrival")]
pub async fn guard_arrive(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<MarkForm>,
) -> Result<HttpResponse, PageError> {
    let id = PassId::from_uuid(*id);
    let pass = passes::get(&state, &caller, id).await?;
    let form = form.0;
    match passes::arrive(&state, &caller, id, form.override_reason.as_deref()).await {
        Ok(Marked::Arrived { .. }) => Ok(back_to_desk(pass.building_id, form.q.as_deref(), "done=arrived")),
        Ok(Marked::AlreadyOnSite { .. }) => {
            Ok(back_to_desk(pass.building_id, form.q.as_deref(), "done=already_on_site"))
        }
        Err(AppError::Rule(Rule::Blocklisted)) => {
            Ok(back_to_desk(pass.building_id, form.q.as_deref(), "error=blocklisted"))
        }
        Err(error) => Err(PageError::App(error)),
    }
}

/// Marks a departure from the desk.
#[post("/guard/passes/{id}/departure")]
pub async fn guard_depart(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<MarkForm>,
) -> Result<HttpResponse, PageError> {
    let id = PassId::from_uuid(*id);
    let pass = passes::get(&state, &caller, id).await?;
    match passes::depart(&state, &caller, id).await {
        Ok(_) => Ok(back_to_desk(pass.building_id, form.0.q.as_deref(), "done=departed")),
        Err(AppError::Rule(Rule::NotOnSite)) => {
            Ok(back_to_desk(pass.building_id, form.0.q.as_deref(), "error=not_on_site"))
        }
        Err(error) => Err(PageError::App(error)),
    }
}

/// Rings the pass's host from the desk (the desk's phone first); the
/// number never reaches the page.
#[post("/guard/passes/{id}/call-host")]
pub async fn guard_call_host(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<MarkForm>,
) -> Result<HttpResponse, PageError> {
    let id = PassId::from_uuid(*id);
    let pass = passes::get(&state, &caller, id).await?;
    let q = form.0.q.as_deref();
    let outcome = match passes::call_host(&state, &caller, id).await {
        Ok(()) => "done=host_called",
        Err(AppError::Rule(Rule::NoHostPhone)) => "error=no_host_phone",
        Err(AppError::Rule(Rule::DialerUnavailable)) => "error=dialer_unavailable",
        Err(AppError::Rule(Rule::NoExtension)) => "error=no_extension",
        Err(error) => return Err(PageError::App(error)),
    };
    Ok(back_to_desk(pass.building_id, q, outcome))
}

/// One of a resident's passes as the cabinet lists it.
struct PassLine {
    id: String,
    visitor: String,
    kind: &'static str,
    status: &'static str,
    status_label: &'static str,
    plate: String,
    unit: String,
    pin: String,
    until: String,
    cancellable: bool,
    requested: bool,
}

#[derive(Template)]
#[template(path = "passes.html")]
struct PassesPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    passes: Vec<PassLine>,
    /// The visits of the resident's guests of the last day.
    guests: Vec<VisitLine>,
    units: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    form: PassInput,
    errors: Vec<(String, String)>,
    /// The link of the pass just issued (shown once).
    link: Option<String>,
    /// That link as a QR code to show or print.
    link_qr: Option<String>,
    live_seq: i64,
}

/// When a pass admits, in words: «действует до …», «бессрочно», or its
/// weekly schedule («пн, ср, пт 08:00–19:00»).
fn validity_text(p: &Pass, t: &Catalog, zone: chrono_tz::Tz) -> String {
    let until = p.validity.until().map(|u| (t.ps.valid_until_at)(&fmt_time(u, zone)));
    match p.validity {
        domovoy_domain::pass::Validity::Weekly { schedule, .. } => {
            let days: Vec<&str> =
                (0..7).filter(|i| schedule.days & (1 << i) != 0).map(|i| t.ps.weekdays[i as usize]).collect();
            let hours = format!("{}–{}", schedule.from.format("%H:%M"), schedule.until.format("%H:%M"));
            [Some(format!("{} {hours}", days.join(", "))), until].into_iter().flatten().collect::<Vec<_>>().join(", ")
        }
        _ => until.unwrap_or_else(|| t.ps.validity_permanent.to_owned()),
    }
}

fn pass_line(p: &Pass, t: &Catalog, zone: chrono_tz::Tz) -> PassLine {
    PassLine {
        id: p.id.to_string(),
        visitor: p.visitor_name.clone(),
        kind: (t.ps.kind_label)(p.kind),
        status: p.status.code(),
        status_label: (t.ps.status_label)(p.status),
        plate: p.plate.as_ref().map(|p| p.display()).unwrap_or_default(),
        unit: p.unit_title.clone().unwrap_or_default(),
        pin: p.pin.as_str().to_owned(),
        until: validity_text(p, t, zone),
        cancellable: p.status == PassStatus::Active,
        requested: p.status == PassStatus::Requested,
    }
}

async fn render_passes(
    state: &AppState,
    caller: &PageCaller,
    path: &str,
    form: PassInput,
    errors: Vec<(String, String)>,
    link: Option<String>,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let live_seq = domovoy_app::live::position(state, Topic::User(caller.user().id)).await?;
    let mine = passes::mine(state, caller).await?;
    let guests = passes::my_guests(state, caller).await?;
    let units = tickets::own_units(state, caller)
        .await?
        .into_iter()
        .map(|u| (u.unit_id.to_string(), format!("{}, {}", u.building_name, u.title)))
        .collect();
    let page = PassesPage {
        t,
        chrome: Chrome::new(caller, Section::Passes, path).with_notice(notice),
        passes: mine.iter().map(|p| pass_line(p, t, zone)).collect(),
        guests: guests.iter().map(|v| visit_line(v, t, zone)).collect(),
        units,
        kinds: PassKind::ALL.iter().map(|k| (k.code(), (t.ps.kind_label)(*k))).collect(),
        form,
        errors,
        link_qr: link.as_deref().and_then(crate::qr::svg),
        link,
        live_seq,
    };
    html(&page)
}

/// The resident's passes and the form to order one.
#[get("/passes")]
pub async fn my_passes(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<crate::pages::DoneQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let notice = crate::pages::notice(caller.t(), query.done.as_deref());
    let form = PassInput { kind: Some(PassKind::Guest.code().to_owned()), ..PassInput::default() };
    render_passes(&state, &caller, req.path(), form, Vec::new(), None, notice).await
}

/// Orders a pass from the cabinet; the page then shows its link once.
#[post("/passes")]
pub async fn issue_pass(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<PassInput>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let mut input = form.0;
    for value in [&mut input.valid_from, &mut input.valid_until] {
        if let Some(at) =
            value.as_deref().and_then(|local| local_time_to_rfc3339(local, state.config.display_time_zone))
        {
            *value = Some(at);
        }
    }
    match passes::issue(&state, &caller, &input).await {
        Ok(issued) => {
            let link = crate::pages::absolute_url(&req, &format!("/p/{}", issued.link_secret));
            let notice = Some(t.ps.issued.to_owned());
            render_passes(&state, &caller, req.path(), PassInput::default(), Vec::new(), Some(link), notice).await
        }
        Err(AppError::Validation(errors)) => {
            let errors = errors.iter().map(|(f, e)| ((*f).to_owned(), t.field(f, e))).collect();
            render_passes(&state, &caller, req.path(), input, errors, None, None).await
        }
        Err(error) => {
            let errors = vec![(String::new(), message_of(&error, t))];
            render_passes(&state, &caller, req.path(), input, errors, None, None).await
        }
    }
}

/// A form's local date and time («2026-12-05T18:00», what
/// `datetime-local` sends) in RFC 3339, or `None` when it is not one (the
/// value then goes on as typed and the use-case says what is wrong).
pub(super) fn local_time_to_rfc3339(local: &str, zone: chrono_tz::Tz) -> Option<String> {
    let naive = chrono::NaiveDateTime::parse_from_str(local.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Some(naive.and_local_timezone(zone).earliest()?.with_timezone(&Utc).to_rfc3339())
}

/// Cancels one of the resident's passes.
#[post("/passes/{id}/cancel")]
pub async fn cancel_pass(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    passes::cancel(&state, &caller, PassId::from_uuid(*id)).await?;
    Ok(see_other("/passes?done=pass_cancelled"))
}

#[derive(Template)]
#[template(path = "pass_shared.html")]
struct SharedPage<'a> {
    t: &'a Catalog,
    css: String,
    visitor: String,
    kind: &'static str,
    status_label: &'static str,
    unit: String,
    pin: String,
    from: String,
    until: String,
    plate: String,
    /// The link itself as a QR code (inline SVG) for the guard's scanner.
    qr: Option<String>,
}

/// The pass a guest opens from the forwarded link: the PIN to tell the
/// guard, and the link itself (what the QR code holds). No sign-in.
#[get("/p/{secret}")]
pub async fn shared_pass(
    state: web::Data<AppState>,
    secret: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = crate::auth::RequestContext::of(&req).t();
    let pass = passes::by_link(&state, &secret).await?;
    let zone = state.config.display_time_zone;
    let page = SharedPage {
        t,
        css: crate::assets::url("app.css"),
        visitor: pass.visitor_name.clone(),
        kind: (t.ps.kind_label)(pass.kind),
        status_label: (t.ps.status_label)(pass.status),
        unit: pass.unit_title.clone().unwrap_or_default(),
        pin: pass.pin.as_str().to_owned(),
        from: fmt_time(pass.validity.from(), zone),
        until: pass.validity.until().map_or_else(|| t.ps.validity_permanent.to_owned(), |u| fmt_time(u, zone)),
        plate: pass.plate.as_ref().map(|p| p.display()).unwrap_or_default(),
        qr: crate::qr::svg(&crate::pages::absolute_url(&req, req.path())),
    };
    html(&page)
}

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub building: Option<String>,
    /// `YYYY-MM-DD`, local days; the last 7 days by default.
    pub from: Option<String>,
    pub to: Option<String>,
    /// `csv` or `xlsx` to download; absent: the page.
    pub format: Option<String>,
    /// `days` (default) or `visits`.
    pub what: Option<String>,
}

struct DayLine {
    date: String,
    kind: &'static str,
    visits: usize,
    average_stay: String,
    overstays: usize,
}

#[derive(Template)]
#[template(path = "visits_report.html")]
struct ReportPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    buildings: Vec<(String, String, bool)>,
    building_id: String,
    from: String,
    to: String,
    days: Vec<DayLine>,
    total: usize,
    total_overstays: usize,
    truncated: bool,
}

fn day_lines(report: &passes::VisitReport, t: &Catalog) -> Vec<DayLine> {
    report
        .days
        .iter()
        .map(|d| DayLine {
            date: d.date.format("%d.%m.%Y").to_string(),
            kind: (t.ps.kind_label)(d.kind),
            visits: d.visits,
            average_stay: d.average_stay.map_or_else(|| "—".to_owned(), |s| (t.ps.stay)(s.num_minutes())),
            overstays: d.overstays,
        })
        .collect()
}

/// The visits report of a building: per day and kind, with downloads.
#[get("/guard/report")]
pub async fn visits_report(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<ReportQuery>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let (desk, building) = desk_buildings(&state, &caller, query.building.as_deref()).await?;
    let building = &building;
    let zone = building.time_zone.tz();
    let today = Utc::now().with_timezone(&zone).date_naive();
    let day = |raw: Option<&str>, field: &'static str, default: chrono::NaiveDate| match raw.filter(|r| !r.is_empty()) {
        Some(raw) => chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| PageError::App(AppError::field(field, domovoy_domain::FieldError::InvalidFormat))),
        None => Ok(default),
    };
    let from = day(query.from.as_deref(), "from", today - Duration::days(6))?;
    let to = day(query.to.as_deref(), "to", today)?;
    let start = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|n| n.and_local_timezone(zone).earliest())
            .map(|at| at.with_timezone(&Utc))
            .ok_or(PageError::App(AppError::field("from", domovoy_domain::FieldError::InvalidFormat)))
    };
    let report =
        passes::visit_report(&state, &caller, building.id, start(from)?, start(to + Duration::days(1))?).await?;
    if let Some(format) = query.format.as_deref() {
        let format = crate::export::ExportFormat::parse(Some(format))?;
        let stem = format!("visits-{from}-{to}");
        let table = if query.what.as_deref() == Some("visits") {
            crate::export::Table {
                headers: [
                    t.ps.visitor,
                    t.ps.kind,
                    t.ps.plate,
                    t.ps.unit,
                    t.ps.host,
                    t.ps.arrived_at,
                    t.ps.departed_at,
                    t.ps.marked_by,
                ]
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
                rows: report
                    .visits
                    .iter()
                    .map(|v| {
                        vec![
                            v.pass.visitor_name.clone(),
                            (t.ps.kind_label)(v.pass.kind).to_owned(),
                            v.pass.plate.as_ref().map(|p| p.display()).unwrap_or_default(),
                            v.pass.unit_title.clone().unwrap_or_default(),
                            v.pass.host_name.clone().unwrap_or_default(),
                            fmt_time(v.visit.arrived_at, zone),
                            v.visit.departed_at.map(|d| fmt_time(d, zone)).unwrap_or_default(),
                            v.visit.arrived_by_name.clone().unwrap_or_default(),
                        ]
                    })
                    .collect(),
            }
        } else {
            crate::export::Table {
                headers: [
                    t.ps.report_day,
                    t.ps.kind,
                    t.ps.report_visits,
                    t.ps.report_average_stay,
                    t.ps.report_overstays,
                ]
                .iter()
                .map(|h| (*h).to_owned())
                .collect(),
                rows: day_lines(&report, t)
                    .into_iter()
                    .map(|d| {
                        vec![d.date, d.kind.to_owned(), d.visits.to_string(), d.average_stay, d.overstays.to_string()]
                    })
                    .collect(),
            }
        };
        return Ok(crate::export::download(&table, format, &stem, t.ps.report_title)?);
    }
    let days = day_lines(&report, t);
    let page = ReportPage {
        t,
        chrome: Chrome::new(&caller, Section::Guard, req.path()),
        buildings: desk.iter().map(|b| (b.id.to_string(), b.name.to_string(), b.id == building.id)).collect(),
        building_id: building.id.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        total: days.iter().map(|d| d.visits).sum(),
        total_overstays: days.iter().map(|d| d.overstays).sum(),
        days,
        truncated: report.truncated,
    };
    html(&page)
}

#[derive(Debug, Default, Deserialize)]
pub struct WalkInForm {
    pub building: Option<String>,
    pub unit: Option<String>,
    pub visitor_name: Option<String>,
}

/// Writes down a visitor without a pass from the desk; the host is asked.
#[post("/guard/visits")]
pub async fn guard_request_visit(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<WalkInForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let input = passes::VisitRequest {
        building_id: form.building.clone(),
        unit: form.unit,
        visitor_name: form.visitor_name,
        note: None,
    };
    let pass = passes::request_visit(&state, &caller, &input).await?;
    Ok(back_to_desk(pass.building_id, Some(&pass.visitor_name), "done=visit_requested"))
}

#[derive(Debug, Default, Deserialize)]
pub struct DecideForm {
    /// `approve` or `deny`.
    pub decision: Option<String>,
    pub q: Option<String>,
}

/// A concierge or manager answers for the host at the desk.
#[post("/guard/passes/{id}/decision")]
pub async fn guard_decide(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<DecideForm>,
) -> Result<HttpResponse, PageError> {
    let approve = form.0.decision.as_deref() == Some("approve");
    let pass = passes::decide(&state, &caller, PassId::from_uuid(*id), approve).await?;
    let done = if approve { "done=approved" } else { "done=denied" };
    Ok(back_to_desk(pass.building_id, form.0.q.as_deref(), done))
}

/// The host answers an on-the-spot visit from the cabinet.
#[post("/passes/{id}/decision")]
pub async fn decide_pass(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<DecideForm>,
) -> Result<HttpResponse, PageError> {
    let approve = form.0.decision.as_deref() == Some("approve");
    passes::decide(&state, &caller, PassId::from_uuid(*id), approve).await?;
    Ok(see_other(if approve { "/passes?done=approved" } else { "/passes?done=denied" }))
}
