//! The JSON API under `/api/v1`.
//!
//! Every handler is listed once, in [`api_routes!`]: the same list registers
//! the routes and builds the OpenAPI document, so no route can be served
//! without being documented.

pub mod audit;
pub mod auth;
pub mod buildings;
pub mod clients;
pub mod dto;
pub mod imports;
pub mod me;
pub mod places;
pub mod roles;
pub mod ticket_settings;
pub mod tickets;
pub mod users;
pub mod webhooks;

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
    ($($module:ident :: $handler:ident),+ $(,)?) => {
        /// The OpenAPI description of every `/api/v1` route.
        #[derive(Debug, OpenApi)]
        #[openapi(
            info(title = "Domovoy API", description = "JSON API of Domovoy. Errors: {\"error\": {\"code\", \"message\", \"fields\"}}."),
            paths($($module::$handler),+),
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
                (name = "tickets", description = "Tickets: intake, board, workflow, files"),
                (name = "ticket-settings", description = "Classifier, SLA policies, production calendar, teams, saved filters"),
            )
        )]
        pub struct ApiDoc;

        /// Registers every API route.
        pub fn register(cfg: &mut web::ServiceConfig) {
            $( cfg.service($module::$handler); )+
        }
    };
}

api_routes!(
    auth::login,
    auth::logout,
    me::get_me,
    me::update_me,
    me::change_password,
    me::list_tokens,
    me::create_token,
    me::revoke_token,
    users::list_users,
    users::create_user,
    users::get_user,
    users::update_user,
    users::disable_user,
    users::enable_user,
    users::unlock_user,
    users::reset_password,
    users::list_assignments,
    users::grant_role,
    users::revoke_role,
    roles::list_permissions,
    roles::list_roles,
    roles::create_role,
    roles::update_role,
    roles::delete_role,
    buildings::list_buildings,
    buildings::create_building,
    buildings::get_building,
    buildings::update_building,
    places::get_layout,
    places::put_layout,
    places::generate_layout,
    places::export_condo,
    places::import_condo,
    places::chessboard,
    places::get_unit,
    places::search,
    clients::create_client,
    clients::get_client,
    clients::update_client,
    clients::set_client_units,
    clients::set_client_consents,
    imports::import_file,
    audit::list_audit,
    audit::export_audit,
    webhooks::list_webhooks,
    webhooks::create_webhook,
    webhooks::delete_webhook,
    tickets::create_ticket,
    tickets::list_tickets,
    tickets::get_ticket,
    tickets::ticket_timeline,
    tickets::transition_ticket,
    tickets::assign_ticket,
    tickets::update_ticket,
    tickets::comment_ticket,
    tickets::rate_ticket,
    tickets::watch_ticket,
    tickets::unwatch_ticket,
    tickets::upload_attachment,
    tickets::download_attachment,
    ticket_settings::list_classifier,
    ticket_settings::create_classifier_item,
    ticket_settings::update_classifier_item,
    ticket_settings::list_policies,
    ticket_settings::create_policy,
    ticket_settings::delete_policy,
    ticket_settings::list_templates,
    ticket_settings::adopt_template,
    ticket_settings::get_calendar,
    ticket_settings::import_calendar,
    ticket_settings::delete_calendar_day,
    ticket_settings::list_teams,
    ticket_settings::create_team,
    ticket_settings::set_team_members,
    ticket_settings::list_rules,
    ticket_settings::create_rule,
    ticket_settings::delete_rule,
    ticket_settings::list_saved_filters,
    ticket_settings::create_saved_filter,
    ticket_settings::delete_saved_filter,
);

/// Extractor settings: bad JSON, query strings and paths answer in the
/// API's error format instead of actix's plain text.
pub fn extractor_config(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(JSON_LIMIT)
            .error_handler(|error, _req| ApiError::InvalidJson(error.to_string()).into()),
    )
    .app_data(
        web::QueryConfig::default()
            .error_handler(|_error, _req| ApiError::rule(domovoy_app::Rule::InvalidQuery).into()),
    )
    .app_data(web::PathConfig::default().error_handler(|_error, _req| ApiError::not_found().into()));
}
