//! Scheduled reports' web door: `/api/v1/report-subscriptions`, the
//! subscribe and cancel buttons of the report pages, and the letter that
//! carries a report ([`Letters`]).

use actix_web::{HttpResponse, delete, get, post, web};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::report_subscriptions::{self as subscriptions, NewSubscription, ReportLetters};
use domovoy_app::reports::{FilterOptions, Report, ReportFilter};
use domovoy_domain::account::User;
use domovoy_domain::contact::Email;
use domovoy_domain::report::Cadence;
use domovoy_store::mail::{Letter, LetterFile};
use domovoy_store::report_subscriptions::Subscription;

use crate::auth::csrf::NoFields;
use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::error::{ApiError, ErrorBody, PageError};
use crate::export::workbook_bytes;
use crate::i18n::{Catalog, catalog};
use crate::pages::{Section, fmt_time, see_other};
use crate::reports::view::{self, fmt_day};
use crate::state::AppState;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionDto {
    pub id: Uuid,
    pub report: &'static str,
    /// `weekly` or `monthly`.
    pub cadence: &'static str,
    /// The report's filters as a query string (without the period).
    pub filters: String,
    pub next_run_at: chrono::DateTime<chrono::Utc>,
    pub last_sent_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The period of the last letter, `YYYY-MM-DD..YYYY-MM-DD`.
    pub last_period: Option<String>,
    /// Why the last due letter was not sent (an error code:
    /// `forbidden`, `no_email`, `account_disabled`, …).
    pub last_error: Option<String>,
}

impl From<&Subscription> for SubscriptionDto {
    fn from(s: &Subscription) -> Self {
        Self {
            id: s.id,
            report: s.report.code(),
            cadence: s.cadence.code(),
            filters: s.filters.clone(),
            next_run_at: s.next_run_at,
            last_sent_at: s.last_sent_at,
            last_period: s.last_period.clone(),
            last_error: s.last_error.clone(),
        }
    }
}

/// The caller's scheduled reports.
#[utoipa::path(tag = "reports", responses((status = 200, body = Vec<SubscriptionDto>)), security(("bearer" = [])))]
#[get("/api/v1/report-subscriptions")]
pub async fn list_subscriptions(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<SubscriptionDto>>, ApiError> {
    Ok(web::Json(subscriptions::mine(&state, &caller).await?.iter().map(SubscriptionDto::from).collect()))
}

/// Subscribes the caller to a report by e-mail: weekly (Mondays at 07:00,
/// the week before) or monthly (the first at 07:00, the month before),
/// with the workbook attached. Needs `reports.export`, an e-mail address in
/// the caller's profile (`no_email`) and the server's `[mail]`
/// (`mail_not_configured`).
#[utoipa::path(
    tag = "reports",
    request_body = NewSubscription,
    responses((status = 201, body = SubscriptionDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/report-subscriptions")]
pub async fn create_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<NewSubscription>,
) -> Result<HttpResponse, ApiError> {
    let created = subscriptions::subscribe(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(SubscriptionDto::from(&created)))
}

#[utoipa::path(tag = "reports", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/report-subscriptions/{id}")]
pub async fn delete_subscription(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    subscriptions::cancel(&state, &caller, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The subscribe form of a report page: the cadence and the filters shown.
#[derive(Debug, Deserialize)]
pub struct SubscribeForm {
    cadence: String,
    #[serde(flatten)]
    filter: ReportFilter,
}

#[post("/reports/{name}/subscribe")]
pub async fn subscribe_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    name: web::Path<String>,
    form: CsrfForm<SubscribeForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let new = NewSubscription { report: name.into_inner(), cadence: form.cadence, filters: form.filter };
    match subscriptions::subscribe(&state, &caller, &new).await {
        Ok(_) => Ok(see_other("/reports?done=report_subscribed#subscriptions")),
        Err(error) => {
            let back = format!("/reports/{}?{}", new.report, view::filter_query(&new.filters));
            crate::pages::refusal(&caller, Section::Reports, back, error, actix_web::http::StatusCode::OK)
        }
    }
}

#[post("/reports/subscriptions/{id}/delete")]
pub async fn unsubscribe_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    subscriptions::cancel(&state, &caller, *id).await?;
    Ok(see_other("/reports?done=report_unsubscribed#subscriptions"))
}

/// A subscription as the reports page lists it.
#[derive(Debug)]
pub struct SubscriptionView {
    pub id: Uuid,
    pub report: &'static str,
    pub href: String,
    /// The kept filters in words («Объект: … · Строки: Категория»).
    pub filters: String,
    pub cadence: &'static str,
    pub next: String,
    pub last: Option<String>,
    pub problem: Option<String>,
}

pub fn views(
    list: &[Subscription],
    options: &FilterOptions,
    t: &Catalog,
    zone: chrono_tz::Tz,
) -> Vec<SubscriptionView> {
    list.iter()
        .map(|s| SubscriptionView {
            id: s.id,
            report: (t.rp.name_label)(s.report),
            href: format!("/reports/{}?{}", s.report.code(), s.filters),
            filters: describe(&serde_urlencoded::from_str(&s.filters).unwrap_or_default(), options, t),
            cadence: (t.rp.cadence_label)(s.cadence),
            next: fmt_time(s.next_run_at, zone),
            last: s.last_period.as_deref().map(|p| p.replace("..", " — ")),
            problem: s.last_error.as_deref().map(|code| (t.rp.subscription_problem)(code).to_owned()),
        })
        .collect()
}

/// A report's filters in words, each with its name; what is no longer
/// known (a building out of reach) shows as its id.
fn describe(filter: &ReportFilter, options: &FilterOptions, t: &Catalog) -> String {
    fn name<I: ToString>(items: &[(I, String)], id: &str) -> String {
        items.iter().find(|(key, _)| key.to_string() == id).map_or_else(|| id.to_owned(), |(_, name)| name.clone())
    }
    let mut parts = Vec::new();
    let mut add = |label: &str, value: Option<String>| {
        if let Some(value) = value {
            parts.push(format!("{label}: {value}"));
        }
    };
    let set = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    add(t.rp.building, set(&filter.building_id).map(|id| name(&options.buildings, &id)));
    add(t.rp.category, set(&filter.category).map(|id| name(&options.categories, &id)));
    add(t.rp.priority, set(&filter.priority).map(|p| p.parse().map_or(p, |p| (t.tk.priority_label)(p).to_owned())));
    add(t.rp.source, set(&filter.source).map(|s| s.parse().map_or(s, |s| (t.tk.source_label)(s).to_owned())));
    add(t.rp.team, set(&filter.team).map(|id| name(&options.teams, &id)));
    add(
        t.rp.col_assignee,
        set(&filter.assignee).map(|id| if id == "none" { t.rp.nobody.to_owned() } else { name(&options.people, &id) }),
    );
    add(t.rp.group_by, set(&filter.group).map(|g| g.parse().map_or(g, |g| (t.rp.group_label)(g).to_owned())));
    if parts.is_empty() { t.rp.no_filters.to_owned() } else { parts.join(" · ") }
}

/// Words the letters of scheduled reports with the web's catalogs and
/// attaches the same workbook as the report page's «Скачать Excel».
#[derive(Debug, Clone, Copy)]
pub struct Letters {
    /// The company's zone, for times in the workbook.
    pub zone: chrono_tz::Tz,
}

impl ReportLetters for Letters {
    fn letter(&self, report: &Report, user: &User, to: &Email) -> Result<Letter, String> {
        let t = catalog(user.locale);
        let bytes = workbook_bytes(&view::sheets(report, t, self.zone)).map_err(|e| format!("{e:?}"))?;
        let name = (t.rp.name_label)(report.name);
        let period = format!("{} — {}", fmt_day(report.period.from), fmt_day(report.period.to));
        let figures: Vec<String> =
            view::figures(report, t, self.zone).into_iter().map(|f| format!("{}: {}", f.label, f.value)).collect();
        Ok(Letter {
            to: to.as_str().to_owned(),
            subject: (t.rp.letter_subject)(name, &period),
            text: (t.rp.letter_text)(&user.display_name.to_string(), name, &period, &figures.join("\n")),
            html: None,
            attachments: vec![LetterFile {
                name: format!("{}-{}-{}.xlsx", report.name.code(), report.period.from, report.period.to),
                content_type: XLSX.to_owned(),
                base64: base64::engine::general_purpose::STANDARD.encode(bytes),
                stored: None,
            }],
            unsubscribe: None,
        })
    }
}

/// The cadences for the subscribe form: code and words.
pub fn cadences(t: &Catalog) -> Vec<(&'static str, &'static str)> {
    Cadence::ALL.iter().map(|c| (c.code(), (t.rp.cadence_label)(*c))).collect()
}
