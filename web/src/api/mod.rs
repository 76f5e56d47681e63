//! The JSON API under `/api/v1`.
//!
//! Every handler is listed once, in [`api_routes!`]: the same list registers
//! the routes and builds the OpenAPI document, so no route can be served
//! without being documented.

pub mod dto;

use actix_web::web;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::ApiError;

/// Largest JSON body accepted by the API (tickets with long texts later
/// stay far below it; files go through their own upload routes).
const JSON_LIMIT: usize = 256 * 1024;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

macro_rules! api_routes {
    ($($handler:path),+ $(,)?) => {
        /// The OpenAPI description of every `/api/v1` route.
        #[derive(Debug, OpenApi)]
        #[openapi(
            info(title = "Domovoy API", description = "JSON API of Domovoy. Errors: {\"error\": {\"code\", \"message\", \"fields\"}}."),
            paths($($handler),+),
            modifiers(&BearerAuth),
            tags(
                (name = "auth", description = "Signing in and out"),
                (name = "me", description = "The caller's own account"),
                (name = "users", description = "User administration"),
                (name = "roles", description = "Roles and the permission catalog"),
                (name = "buildings", description = "Buildings, layouts, the chessboard, units and search"),
                (name = "clients", description = "Clients: cards, units, consents"),
                (name = "audit", description = "The audit log"),
                (name = "integrations", description = "Webhooks"),
                (name = "telephony", description = "PBX events (Zammad generic CTI), the call log, PBX integrations"),
                (name = "tickets", description = "Tickets: intake, board, workflow, files"),
                (name = "ticket-settings", description = "Classifier, SLA policies, production calendar, teams, saved filters"),
                (name = "reports", description = "Reports: SLA, backlog, workload, quality, sources; drill-downs; CSV and XLSX"),
                (name = "mailings", description = "Mailings to residents: audience, sending, deliveries; residents' notices"),
                (name = "outages", description = "Outages: register one (notice, banner, linked tickets), close it"),
                (name = "surveys", description = "Surveys: build, publish, answer once, live results"),
            )
        )]
        pub struct ApiDoc;

        /// Registers every API route.
        pub fn register(cfg: &mut web::ServiceConfig) {
            $( cfg.service($handler); )+
        }
    };
}

api_routes!(
    crate::account::sign_in_api::login,
    crate::account::sign_in_api::logout,
    crate::account::sign_in_api::send_code,
    crate::account::sign_in_api::sign_in_with_code,
    crate::account::api::get_me,
    crate::account::api::update_me,
    crate::account::api::change_password,
    crate::account::api::list_tokens,
    crate::account::api::create_token,
    crate::account::api::revoke_token,
    crate::users::api::list_users,
    crate::users::api::create_user,
    crate::users::api::get_user,
    crate::users::api::update_user,
    crate::users::api::disable_user,
    crate::users::api::enable_user,
    crate::users::api::unlock_user,
    crate::users::api::reset_password,
    crate::users::api::list_assignments,
    crate::users::api::grant_role,
    crate::users::api::revoke_role,
    crate::roles::api::list_permissions,
    crate::roles::api::list_roles,
    crate::roles::api::create_role,
    crate::roles::api::update_role,
    crate::roles::api::delete_role,
    crate::buildings::api::list_buildings,
    crate::buildings::api::create_building,
    crate::buildings::api::get_building,
    crate::buildings::api::update_building,
    crate::places::api::get_layout,
    crate::places::api::put_layout,
    crate::places::api::generate_layout,
    crate::places::api::export_condo,
    crate::places::api::import_condo,
    crate::places::api::chessboard,
    crate::places::api::get_unit,
    crate::places::api::search,
    crate::clients::api::create_client,
    crate::clients::api::get_client,
    crate::clients::api::update_client,
    crate::clients::api::set_client_units,
    crate::clients::api::set_client_consents,
    crate::clients::imports::import_file,
    crate::audit::api::list_audit,
    crate::audit::api::export_audit,
    crate::devices::api::register_device,
    crate::devices::api::list_devices,
    crate::devices::api::set_device_push,
    crate::devices::api::test_device_push,
    crate::devices::api::push_overview,
    crate::devices::api::admin_test_push,
    crate::devices::api::vapid_public_key,
    crate::devices::api::delete_device,
    crate::devices::api::sync_device,
    crate::devices::api::list_notifications,
    crate::devices::api::read_notifications,
    crate::integrations::api::list_webhooks,
    crate::integrations::api::create_webhook,
    crate::integrations::api::delete_webhook,
    crate::tickets::api::create_ticket,
    crate::tickets::api::list_tickets,
    crate::tickets::api::get_ticket,
    crate::tickets::api::ticket_timeline,
    crate::tickets::api::transition_ticket,
    crate::tickets::api::set_off_ticket,
    crate::tickets::api::assign_ticket,
    crate::tickets::api::update_ticket,
    crate::tickets::api::comment_ticket,
    crate::tickets::api::rate_ticket,
    crate::tickets::api::watch_ticket,
    crate::tickets::api::unwatch_ticket,
    crate::tickets::api::upload_attachment,
    crate::tickets::api::download_attachment,
    crate::tickets::api::upload_photo,
    crate::tickets::api::check_ticket_item,
    crate::ticket_settings::api::list_classifier,
    crate::ticket_settings::api::create_classifier_item,
    crate::ticket_settings::api::update_classifier_item,
    crate::ticket_settings::api::list_checklists,
    crate::ticket_settings::api::set_checklist,
    crate::ticket_settings::api::list_policies,
    crate::ticket_settings::api::create_policy,
    crate::ticket_settings::api::delete_policy,
    crate::ticket_settings::api::list_templates,
    crate::ticket_settings::api::adopt_template,
    crate::ticket_settings::api::get_calendar,
    crate::ticket_settings::api::import_calendar,
    crate::ticket_settings::api::delete_calendar_day,
    crate::ticket_settings::api::list_teams,
    crate::ticket_settings::api::create_team,
    crate::ticket_settings::api::set_team_members,
    crate::ticket_settings::api::list_rules,
    crate::ticket_settings::api::create_rule,
    crate::ticket_settings::api::delete_rule,
    crate::ticket_settings::api::list_saved_filters,
    crate::ticket_settings::api::create_saved_filter,
    crate::ticket_settings::api::delete_saved_filter,
    // `check` before `{id}`: routes match in this order.
    crate::passes::api::check_passes,
    crate::passes::api::request_visit,
    crate::passes::api::create_pass,
    crate::passes::api::list_passes,
    crate::passes::api::get_pass,
    crate::passes::api::cancel_pass,
    crate::passes::api::approve_pass,
    crate::passes::api::deny_pass,
    crate::passes::api::mark_arrival,
    crate::passes::api::mark_departure,
    crate::passes::api::call_host,
    crate::passes::api::list_visits,
    crate::passes::api::list_blocklist,
    crate::passes::api::create_block,
    crate::passes::api::delete_block,
    crate::calls::api::cti_event,
    crate::calls::api::list_calls,
    crate::calls::api::get_call,
    crate::calls::api::call_card,
    crate::calls::api::call_back,
    crate::calls::api::originate,
    crate::calls::api::list_integrations,
    crate::calls::api::create_integration,
    crate::calls::api::revoke_integration,
    crate::reports::api::get_report,
    crate::reports::api::drill_report,
    crate::reports::subscriptions::list_subscriptions,
    crate::reports::subscriptions::create_subscription,
    crate::reports::subscriptions::delete_subscription,
    crate::mailings::api::list_mailings,
    crate::mailings::api::create_mailing,
    crate::mailings::api::get_mailing,
    crate::mailings::api::preview_mailing,
    crate::mailings::api::send_mailing,
    crate::mailings::api::schedule_mailing,
    crate::mailings::api::unschedule_mailing,
    crate::mailings::api::list_templates,
    crate::mailings::api::create_template,
    crate::mailings::api::delete_template,
    crate::mailings::api::list_segments,
    crate::mailings::api::create_segment,
    crate::mailings::api::delete_segment,
    crate::mailings::api::list_deliveries,
    crate::mailings::api::my_notices,
    crate::mailings::api::attach_file,
    crate::mailings::api::list_files,
    crate::mailings::api::detach_file,
    crate::mailings::api::download_file,
    crate::mailings::api::smsru_delivery_reports,
    crate::outages::api::list_outages,
    crate::outages::api::open_outage,
    crate::outages::api::get_outage,
    crate::outages::api::close_outage,
    crate::surveys::api::list_surveys,
    crate::surveys::api::create_survey,
    crate::surveys::api::get_survey,
    crate::surveys::api::update_survey,
    crate::surveys::api::publish_survey,
    crate::surveys::api::close_survey,
    crate::surveys::api::remind_survey,
    crate::surveys::api::copy_survey,
    crate::surveys::api::answer_survey,
    crate::surveys::api::link_survey,
    crate::surveys::api::answer_link,
    crate::surveys::api::survey_results,
    crate::surveys::api::survey_breakdown,
);

/// Extractor settings: bad JSON, query strings and paths answer in the
/// API's error format instead of actix's plain text.
pub fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::JsonConfig::default().limit(JSON_LIMIT).error_handler(|error, _req| match error {
        // Too large is the size's fault, not the syntax's: 413.
        actix_web::error::JsonPayloadError::Overflow { .. }
        | actix_web::error::JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::BodyTooLarge { limit_kib: JSON_LIMIT / 1024 }.into()
        }
        other => ApiError::InvalidJson(other.to_string()).into(),
    }))
    .app_data(
        web::QueryConfig::default()
            .error_handler(|_error, _req| ApiError::rule(domovoy_app::Rule::InvalidQuery).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|_error, _req| ApiError::not_found().into()));
}
