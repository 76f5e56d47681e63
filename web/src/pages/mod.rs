//! The Russian (and English) staff and resident UI: server-rendered HTML.
//!
//! Pages are askama templates filled from view structs built here; every
//! page shares the [`Chrome`] (navigation, language switch, notices). Forms
//! post back with a CSRF token and redirect (`?done=…` names the notice to
//! show), so reloading a page never repeats a change.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use crate::assets;
use crate::auth::Caller;
use domovoy_app::AppError;

use crate::error::{PageError, message_of};
use crate::i18n::Catalog;

/// One entry of the main menu.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    /// The second key of its `g …` keyboard shortcut.
    pub key: &'static str,
    pub active: bool,
}

/// What every signed-in page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub user_id: String,
    pub user_name: String,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// The current path with query, for "come back here" links.
    pub path: String,
    pub switch_to: &'static str,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub version: &'static str,
    pub css: String,
    pub js: String,
    pub live_js: String,
    pub board_js: String,
    pub intake_js: String,
    pub ticket_js: String,
    pub chessboard_js: String,
    pub search_js: String,
    pub import_js: String,
    pub mailing_js: String,
    pub survey_js: String,
    pub guard_js: String,
    pub calls_js: String,
    pub outages_js: String,
    /// Whether the banner of outages in effect is shown (the person reads
    /// tickets, receives calls or manages outages).
    pub outages: bool,
    /// The outage kinds' words as JSON, for the banner.
    pub outage_kinds: String,
    /// The IANA zone live times are shown in (`http.display_time_zone`).
    pub time_zone: &'static str,
    /// Whether this person receives calls: every page pops the caller's
    /// card up and the board lists missed calls.
    pub calls: bool,
    /// The call results' words as JSON, for the pop-up.
    pub call_results: String,
    /// Whether the pop-up offers «Новый клиент» (the person edits clients).
    pub creates_clients: bool,
    /// Whether the header's search box is shown (the caller may read
    /// clients, units, tickets or buildings).
    pub search: bool,
}

/// Which main-menu entry a page belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Home,
    Tickets,
    TicketSettings,
    Buildings,
    Clients,
    Users,
    Roles,
    Assignments,
    Audit,
    Integrations,
    Guard,
    Passes,
    Calls,
    Reports,
    Mailings,
    Outages,
    Surveys,
    Account,
}

/// The main menu: only what the caller may use.
pub fn nav(caller: &Caller, active: Section) -> Vec<NavItem> {
    let t = caller.t();
    let p = &caller.principal();
    let admin = |permission| p.can(permission, &Target::SYSTEM);
    let tickets = p.reach(Permission::TicketsRead);
    let entries: [(Section, bool, &'static str, &'static str, &'static str); 18] = [
        (Section::Home, true, "/", t.nav_home, "h"),
        (
            Section::Tickets,
            !tickets.is_nothing(),
            "/tickets",
            if tickets.reaches_buildings() { t.tk.nav_tickets } else { t.tk.my_tickets_title },
            "t",
        ),
        (
            Section::Buildings,
            p.reach(Permission::BuildingsRead).reaches_buildings(),
            "/buildings",
            t.nav_buildings,
            "o",
        ),
        (Section::Clients, p.reach(Permission::ClientsRead).reaches_buildings(), "/clients", t.pl.nav_clients, "k"),
        (
            Section::Calls,
            !caller.is_resident() && p.can_somewhere(Permission::CallsReceive),
            "/calls",
            t.cl.nav_calls,
            "z",
        ),
        (Section::Guard, p.reach(Permission::PassesCheck).reaches_buildings(), "/guard", t.ps.nav_guard, "d"),
        (
            Section::Reports,
            !caller.is_resident() && p.reach(Permission::ReportsRead).reaches_buildings(),
            "/reports",
            t.rp.nav_reports,
            "x",
        ),
        (
            Section::Mailings,
            !caller.is_resident() && p.can_somewhere(Permission::MailingsSend),
            "/mailings",
            t.ml.nav_mailings,
            "m",
        ),
        (Section::Outages, domovoy_app::outages::may_see_any(caller), "/outages", t.ou.nav_outages, "v"),
        // Managers build surveys; residents answer them.
        (
            Section::Surveys,
            caller.is_resident() || p.can_somewhere(Permission::SurveysManage),
            "/surveys",
            t.sv.nav_surveys,
            "q",
        ),
        (
            Section::Passes,
            caller.is_resident() && !p.reach(Permission::PassesIssue).is_nothing(),
            "/passes",
            t.ps.nav_passes,
            "s",
        ),
        (Section::Users, admin(Permission::AdminUsers), "/admin/users", t.nav_users, "u"),
        (Section::Roles, admin(Permission::AdminRoles), "/admin/roles", t.nav_roles, "r"),
        (Section::Assignments, admin(Permission::AdminUsers), "/admin/assignments", t.nav_assignments, "n"),
        (Section::Audit, p.can_somewhere(Permission::AuditRead), "/admin/audit", t.nav_audit, "a"),
        (Section::Integrations, admin(Permission::AdminIntegrations), "/admin/integrations", t.nav_integrations, "i"),
        (
            Section::TicketSettings,
            p.can_somewhere(Permission::TicketsSettings),
            "/admin/tickets",
            t.tk.nav_ticket_settings,
            "c",
        ),
        (Section::Account, true, "/account", t.nav_account, "p"),
    ];
    entries
        .into_iter()
        .filter(|(_, visible, ..)| *visible)
        .map(|(section, _, href, label, key)| NavItem { href, label, key, active: section == active })
        .collect()
}

impl Chrome {
    pub fn new(caller: &Caller, active: Section, path: &str) -> Self {
        Self {
            user_id: caller.user().id.to_string(),
            user_name: caller.user().display_name.to_string(),
            nav: nav(caller, active),
            csrf: caller.csrf.clone(),
            path: path.to_owned(),
            switch_to: caller.t().switch_language_to.code(),
            notice: None,
            error: None,
            version: env!("CARGO_PKG_VERSION"),
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            live_js: assets::url("live.js"),
            board_js: assets::url("board.js"),
            intake_js: assets::url("intake.js"),
            ticket_js: assets::url("ticket.js"),
            chessboard_js: assets::url("chessboard.js"),
            search_js: assets::url("search.js"),
            import_js: assets::url("import.js"),
            mailing_js: assets::url("mailing.js"),
            survey_js: assets::url("survey.js"),
            guard_js: assets::url("guard.js"),
            calls_js: assets::url("calls.js"),
            outages_js: assets::url("outages.js"),
            outages: domovoy_app::outages::may_see_any(caller),
            outage_kinds: serde_json::Value::Object(
                domovoy_domain::outage::OutageKind::ALL
                    .iter()
                    .map(|k| (k.code().to_owned(), serde_json::Value::from((caller.t().ou.kind_label)(*k))))
                    .collect(),
            )
            .to_string(),
            time_zone: caller.context.time_zone.name(),
            calls: !caller.is_resident() && caller.principal().can_somewhere(Permission::CallsReceive),
            creates_clients: caller.principal().reach(Permission::ClientsEdit).reaches_buildings(),
            call_results: serde_json::Value::Object(
                domovoy_domain::call::CallResult::ALL
                    .iter()
                    .map(|r| (r.code().to_owned(), serde_json::Value::from((caller.t().cl.result_label)(*r))))
                    .collect(),
            )
            .to_string(),
            search: [
                Permission::ClientsRead,
                Permission::ChessboardRead,
                Permission::TicketsRead,
                Permission::BuildingsRead,
            ]
            .into_iter()
            .any(|p| caller.principal().reach(p).reaches_buildings()),
        }
    }

    pub fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    pub fn with_error(mut self, error: Option<String>) -> Self {
        self.error = error;
        self
    }
}

/// A time as staff read it: `26.11.2026 08:44` in the given zone.
pub fn fmt_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%d.%m.%Y %H:%M").to_string()
}

/// An optional time, or the catalog's "never".
pub fn fmt_opt_time(at: Option<DateTime<Utc>>, tz: Tz, t: &Catalog) -> String {
    at.map_or_else(|| t.never.to_owned(), |at| fmt_time(at, tz))
}

/// Renders a template into an HTML response.
pub fn html(template: &impl Template) -> Result<HttpResponse, PageError> {
    html_with_status(template, StatusCode::OK)
}

pub fn html_with_status(template: &impl Template, status: StatusCode) -> Result<HttpResponse, PageError> {
    let body = template.render().map_err(PageError::internal)?;
    Ok(HttpResponse::build(status).content_type("text/html; charset=utf-8").body(body))
}

/// A redirect after a successful form post (303: the browser follows with GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// Only local paths are followed after sign-in, so a crafted link cannot
/// send a user to another site.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.starts_with("/\\") => path,
        _ => "/",
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    t: &'a Catalog,
    title: &'a str,
    message: &'a str,
    request_id: Option<&'a str>,
    css: String,
}

/// The page for a failed page request, in `t`'s language.
pub fn error_page(error: &PageError, t: &Catalog, request_id: Option<&str>) -> HttpResponse {
    if let PageError::SignIn { next } = error {
        let location = format!("/login?next={}", url_encode(next));
        return HttpResponse::SeeOther()
            .insert_header((
                header::LOCATION,
                HeaderValue::from_str(&location).unwrap_or(HeaderValue::from_static("/login")),
            ))
            .finish();
    }
    let (title, message) = match error {
        PageError::App(AppError::Forbidden) => (t.error_forbidden_title, t.error_forbidden.to_owned()),
        PageError::App(AppError::NotFound) => (t.error_not_found_title, t.error_not_found.to_owned()),
        PageError::FormExpired => (t.error_forbidden_title, t.form_expired.to_owned()),
        PageError::BadForm => (t.error_invalid_title, t.invalid_input.to_owned()),
        PageError::App(error) if error.is_server_fault() => (t.error_internal_title, message_of(error, t)),
        // A refused request (a filter that does not parse, say): what is
        // wrong, field by field.
        PageError::App(AppError::Validation(errors)) => (
            t.error_invalid_title,
            errors.iter().map(|(field, e)| format!("{field}: {}", t.field(field, e))).collect::<Vec<_>>().join("; "),
        ),
        PageError::App(error) => (t.error_invalid_title, message_of(error, t)),
        PageError::SignIn { .. } => (t.error_internal_title, t.error_internal.to_owned()),
    };
    use actix_web::ResponseError as _;
    let show_id = error.status_code().is_server_error().then_some(request_id).flatten();
    let page = ErrorPage { t, title, message: &message, request_id: show_id, css: assets::url("app.css") };
    let body = page.render().unwrap_or_else(|_| message.clone());
    HttpResponse::build(error.status_code()).content_type("text/html; charset=utf-8").body(body)
}

/// Percent-encodes a value for a query string.
/// `path` on this server as the browser reached it (scheme and host from
/// the request, or the proxy's `Forwarded` / `X-Forwarded-*` headers): links
/// that leave the building (a forwarded pass, a PBX's webhook URL).
pub fn absolute_url(req: &HttpRequest, path: &str) -> String {
    let info = req.connection_info();
    format!("{}://{}{path}", info.scheme(), info.host())
}

pub fn url_encode(value: &str) -> String {
    serde_urlencoded::to_string([("", value)]).map(|s| s[1..].to_owned()).unwrap_or_default()
}

/// Registers every page route.
pub fn register(cfg: &mut web::ServiceConfig) {
    cfg.service(crate::account::sign_in::show_login)
        .service(crate::account::sign_in::submit_login)
        .service(crate::account::sign_in::show_code_login)
        .service(crate::account::sign_in::request_code)
        .service(crate::account::sign_in::submit_code)
        .service(crate::account::sign_in::logout)
        .service(crate::account::sign_in::switch_language)
        .service(crate::home::pages::home)
        .service(crate::passes::pages::visits_report)
        .service(crate::passes::pages::guard_desk)
        .service(crate::passes::office::office)
        .service(crate::passes::office::office_issue)
        .service(crate::passes::office::office_cancel)
        .service(crate::passes::office::office_block)
        .service(crate::passes::office::office_unblock)
        .service(crate::passes::pages::guard_arrive)
        .service(crate::passes::pages::guard_depart)
        .service(crate::passes::pages::guard_call_host)
        .service(crate::passes::pages::guard_request_visit)
        .service(crate::passes::pages::guard_decide)
        .service(crate::passes::pages::decide_pass)
        .service(crate::passes::pages::my_passes)
        .service(crate::passes::pages::issue_pass)
        .service(crate::passes::pages::cancel_pass)
        .service(crate::passes::pages::shared_pass)
        .service(crate::outages::pages::list_page)
        .service(crate::outages::pages::open_page)
        .service(crate::outages::pages::detail_page)
        .service(crate::outages::pages::close_page)
        .service(crate::mailings::pages::unsubscribe_form)
        .service(crate::mailings::pages::unsubscribe)
        .service(crate::mailings::pages::list_page)
        .service(crate::mailings::pages::detach_file_page)
        .service(crate::mailings::pages::new_page)
        .service(crate::mailings::pages::save_template_page)
        .service(crate::mailings::pages::delete_template_page)
        .service(crate::mailings::pages::save_segment_page)
        .service(crate::mailings::pages::delete_segment_page)
        .service(crate::mailings::pages::new_for_units)
        .service(crate::mailings::pages::create_page)
        .service(crate::mailings::pages::detail_page)
        .service(crate::mailings::pages::send_page)
        .service(crate::mailings::pages::schedule_page)
        .service(crate::mailings::pages::unschedule_page)
        .service(crate::surveys::pages::list_page)
        .service(crate::surveys::pages::new_page)
        .service(crate::surveys::pages::new_for_units)
        .service(crate::surveys::pages::create_page)
        .service(crate::surveys::pages::edit_page)
        .service(crate::surveys::pages::update_page)
        .service(crate::surveys::pages::detail_page)
        .service(crate::surveys::pages::publish_page)
        .service(crate::surveys::pages::close_page)
        .service(crate::surveys::pages::remind_page)
        .service(crate::surveys::pages::copy_page)
        .service(crate::surveys::pages::print_page)
        .service(crate::surveys::pages::answer_form)
        .service(crate::surveys::pages::link_form)
        .service(crate::surveys::pages::link_answer)
        .service(crate::account::pages::show_account)
        .service(crate::account::pages::save_profile)
        .service(crate::account::pages::change_password)
        .service(crate::account::pages::create_token)
        .service(crate::account::pages::revoke_token)
        .service(crate::users::pages::list_users)
        .service(crate::users::pages::create_user)
        .service(crate::users::pages::show_user)
        .service(crate::users::pages::update_user)
        .service(crate::users::pages::user_action)
        .service(crate::users::pages::grant_role)
        .service(crate::users::pages::revoke_role)
        .service(crate::roles::pages::show_roles)
        .service(crate::roles::pages::save_matrix)
        .service(crate::roles::pages::create_role)
        .service(crate::roles::pages::delete_role)
        .service(crate::users::assignments::show_assignments)
        .service(crate::users::assignments::assign)
        .service(crate::audit::pages::show_audit)
        .service(crate::audit::pages::export_audit)
        .service(crate::places::pages::chessboard)
        .service(crate::places::pages::export_selection)
        .service(crate::places::pages::show_unit)
        .service(crate::places::pages::show_layout)
        .service(crate::places::pages::generate_layout)
        .service(crate::places::pages::save_layout_text)
        .service(crate::places::pages::import_condo)
        .service(crate::places::pages::export_condo)
        .service(crate::places::pages::import_page)
        .service(crate::clients::pages::search_page)
        .service(crate::clients::pages::clients_page)
        .service(crate::clients::pages::new_client)
        .service(crate::clients::pages::create_client)
        .service(crate::clients::pages::show_client)
        .service(crate::clients::pages::edit_client)
        .service(crate::clients::pages::update_client)
        .service(crate::clients::pages::save_units)
        .service(crate::clients::pages::save_consents)
        .service(crate::buildings::pages::list_buildings)
        .service(crate::buildings::pages::create_building)
        .service(crate::buildings::pages::show_building)
        .service(crate::buildings::pages::update_building)
        .service(crate::integrations::pages::show_integrations)
        .service(crate::integrations::pages::create_webhook)
        .service(crate::integrations::pages::delete_webhook)
        .service(crate::integrations::pages::create_pbx)
        .service(crate::integrations::pages::revoke_pbx)
        .service(crate::integrations::pages::add_route)
        .service(crate::integrations::pages::delete_route)
        .service(crate::integrations::pages::block_number)
        .service(crate::integrations::pages::unblock_number)
        .service(crate::integrations::pages::test_call)
        .service(crate::integrations::pages::test_push)
        .service(crate::integrations::pages::test_mail)
        .service(crate::integrations::pages::test_sms)
        .service(crate::calls::pages::call_log)
        .service(crate::reports::pages::reports_index)
        .service(crate::reports::subscriptions::unsubscribe_page)
        .service(crate::reports::subscriptions::subscribe_page)
        .service(crate::reports::pages::report_summary)
        .service(crate::reports::pages::report_drill)
        .service(crate::reports::pages::report_page)
        // Fixed paths before /tickets/{id}.
        .service(crate::tickets::pages::new_ticket)
        .service(crate::tickets::pages::export)
        .service(crate::tickets::pages::board)
        .service(crate::tickets::pages::create_ticket)
        .service(crate::tickets::pages::save_filter)
        .service(crate::tickets::pages::delete_filter)
        .service(crate::tickets::pages::show_ticket)
        .service(crate::tickets::pages::change_status)
        .service(crate::tickets::pages::assign)
        .service(crate::tickets::pages::classify)
        .service(crate::tickets::pages::add_comment)
        .service(crate::tickets::pages::watch)
        .service(crate::tickets::pages::rate)
        .service(crate::ticket_settings::pages::show_settings)
        .service(crate::ticket_settings::pages::create_item)
        .service(crate::ticket_settings::pages::update_item)
        .service(crate::ticket_settings::pages::set_checklist)
        .service(crate::ticket_settings::pages::create_policy)
        .service(crate::ticket_settings::pages::delete_policy)
        .service(crate::ticket_settings::pages::adopt_template)
        .service(crate::ticket_settings::pages::calendar)
        .service(crate::ticket_settings::pages::delete_day)
        .service(crate::ticket_settings::pages::create_team)
        .service(crate::ticket_settings::pages::set_members)
        .service(crate::ticket_settings::pages::create_rule)
        .service(crate::ticket_settings::pages::delete_rule);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/admin/users?q=1")), "/admin/users?q=1");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(url_encode("/a b?c=д"), "%2Fa+b%3Fc%3D%D0%B4");
    }
}

/// Why a form was refused, ready to show beside its fields.
#[derive(Debug, Default)]
pub struct FormFailure {
    /// Field name → message.
    pub fields: Vec<(String, String)>,
    /// A message about the whole form.
    pub message: Option<String>,
}

impl FormFailure {
    /// Sorts a use-case's error into what the form shows (every refusal of
    /// the request: fields, rules, the workflow, a conflict) and what
    /// becomes an error page (no right, nothing there, the server's fault).
    pub fn from_error(error: AppError, t: &Catalog) -> Result<Self, PageError> {
        match error {
            AppError::Validation(errors) => Ok(Self {
                fields: errors.iter().map(|(field, e)| ((*field).to_owned(), t.field(field, e))).collect(),
                message: Some(t.invalid_input.to_owned()),
            }),
            AppError::Problems(problems) => Ok(Self {
                fields: problems.iter().map(|(path, e)| (path.clone(), t.field(path, e))).collect(),
                message: Some(t.invalid_input.to_owned()),
            }),
            error @ (AppError::Forbidden
            | AppError::NotFound
            | AppError::Unavailable(_)
            | AppError::Unexpected(_)
            | AppError::InvalidCredentials
            | AppError::AccountDisabled) => Err(error.into()),
            refused => Ok(Self { fields: Vec::new(), message: Some(message_of(&refused, t)) }),
        }
    }
}

/// The notice for a `?done=` code after a redirect.
pub fn notice(t: &Catalog, done: Option<&str>) -> Option<String> {
    let text = match done? {
        "saved" => t.saved,
        "password_changed" => t.password_changed,
        "token_revoked" => t.saved,
        "role_granted" => t.role_granted,
        "role_revoked" => t.role_revoked,
        "disabled" => t.user_disabled_notice,
        "enabled" => t.user_enabled_notice,
        "unlocked" => t.user_unlocked_notice,
        "roles_saved" => t.roles_saved,
        "role_created" => t.role_created,
        "role_deleted" => t.role_deleted,
        "building_created" => t.building_created,
        "webhook_deleted" => t.webhook_deleted,
        "push_test" => t.push_test_sent,
        "mail_test" => t.mail_test_sent,
        "sms_test" => t.sms_test_sent,
        "ticket_created" => t.tk.ticket_created_notice,
        "photos_failed" => t.tk.photos_failed,
        "status_changed" => t.tk.status_changed,
        "assigned" => t.tk.assigned_notice,
        "classified" => t.tk.classified_notice,
        "comment_added" => t.tk.comment_added,
        "rated" => t.tk.rated_notice,
        "filter_saved" => t.tk.filter_saved,
        "filter_deleted" => t.tk.filter_deleted,
        "item_created" => t.tk.item_created,
        "policy_created" => t.tk.policy_created,
        "policy_deleted" => t.tk.policy_deleted,
        "template_adopted" => t.tk.template_adopted,
        "day_removed" => t.tk.day_removed,
        "team_created" => t.tk.team_created,
        "members_saved" => t.tk.members_saved,
        "rule_added" => t.tk.rule_added,
        "rule_deleted" => t.tk.rule_deleted,
        "client_created" => t.pl.client_created,
        "client_saved" => t.pl.client_saved,
        "pass_issued" => t.ps.issued,
        "test_call" => t.cl.test_call_done,
        "arrived" => t.ps.arrived_done,
        "departed" => t.ps.departed_done,
        "already_on_site" => t.ps.already_marked,
        "pass_cancelled" => t.ps.cancelled_done,
        "blocked" => t.ps.blocked_done,
        "unblocked" => t.ps.unblocked_done,
        "visit_requested" => t.ps.visit_requested,
        "approved" => t.ps.approved_done,
        "denied" => t.ps.denied_done,
        "report_subscribed" => t.rp.subscribed_done,
        "report_unsubscribed" => t.rp.unsubscribed_done,
        _ => return None,
    };
    Some(text.to_owned())
}

/// `?done=` and nothing else, the query of pages that show notices.
#[derive(Debug, serde::Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

/// The interface languages for a select: code and name.
pub fn locales(t: &Catalog) -> Vec<(&'static str, &'static str)> {
    domovoy_domain::account::Locale::ALL.iter().map(|l| (l.code(), t.locale_name(l))).collect()
}

/// A page that only says why something was refused and links back.
#[derive(Debug, Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub t: &'a Catalog,
    pub chrome: Chrome,
    pub message: String,
    pub back: String,
}

/// A button's refusal by a rule or a field (a survey closed meanwhile, a
/// mailing already sent) as a message page with a way back, at `status`;
/// any other error is the error page's.
pub fn refusal(
    caller: &Caller,
    section: Section,
    back: String,
    error: AppError,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    match error {
        error @ (AppError::Rule(_) | AppError::Validation(_)) => {
            let t = caller.t();
            let page =
                MessagePage { t, chrome: Chrome::new(caller, section, &back), message: message_of(&error, t), back };
            html_with_status(&page, status)
        }
        other => Err(other.into()),
    }
}
