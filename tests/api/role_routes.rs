//! Every `/api/v1` route and every WebSocket topic, called as each built-in
//! role and anonymously. The table below says, per route, what the policy
//! requires (a permission on some target, an account, nothing); what each
//! role may do is computed from that role's grants (as `/api/v1/me` reports
//! them) with the domain's own `Principal::can`, never written per role. A
//! route in the OpenAPI document but not in the table (or the reverse) fails
//! the test, so every new route enters it.
//!
//! Refused: 401 anonymous, 403 signed in. Allowed: anything else below 500
//! (a validation error or a missing resource is an answer, not a refusal).
//! Within a row refused callers go first, so a change an allowed caller
//! makes cannot hide a refusal; deleting rows come last.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use domovoy::demo::DEMO_PASSWORD;
use domovoy_domain::account::AccountKind;
use domovoy_domain::event::Topic;
use domovoy_domain::ids::{BuildingId, RoleId, SurveyId, TicketId, UserId};
use domovoy_domain::permission::{Permission, PermissionSet};
use domovoy_domain::policy::{Grant, GrantScope, Principal, Target};
use domovoy_domain::ticket::{TicketStatus, Transition};

use crate::helpers::{TestApp, WsClient, building_id, client};
use crate::places::unit;

/// The bytes of the technician's photo: a JPEG's signature is enough to be
/// taken as one (it gets no thumbnail).
const PHOTO: &[u8] = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00";

/// Every built-in role, signed in as its demo account.
const CALLERS: [&str; 9] =
    ["admin", "dispatcher", "manager", "client-manager", "technician", "guard", "concierge", "service", "+79001000001"];

/// What the test made to call routes on, by placeholder name.
struct Fixtures {
    values: HashMap<&'static str, String>,
    tower: BuildingId,
    granite: BuildingId,
    spare: BuildingId,
    /// The dispatcher's ticket in the tower, and the resident's own one.
    ticket: Target,
    own_ticket: Target,
    own_ticket_id: TicketId,
    ticket_id: TicketId,
    other_user: UserId,
    /// The technician, whom `{technician_ticket}` (in the tower) is assigned to.
    technician: UserId,
    /// The demo's running survey, asking the tower.
    survey: SurveyId,
}

impl Fixtures {
    fn fill(&self, text: &str, me: &Principal) -> String {
        let mut out = text.replace("{self}", &me.user_id.to_string());
        for (name, value) in &self.values {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        assert!(!out.contains('{') || out.starts_with('{') || out.starts_with('['), "unfilled: {out}");
        out
    }
}

/// Who may call a route: the policy, written once per route.
type Rule = fn(&Principal, &Fixtures) -> bool;

enum Body {
    None,
    Json(Value),
    Raw(&'static [u8]),
}

struct Row {
    method: Method,
    /// The route as the OpenAPI document names it.
    route: &'static str,
    /// The path called, with `{placeholders}` from the fixtures.
    path: &'static str,
    rule: Rule,
    /// Open to anonymous callers too.
    public: bool,
    body: Body,
}

fn row(method: Method, route: &'static str, path: &'static str, rule: Rule, body: Body) -> Row {
    Row { method, route, path, rule, public: false, body }
}

/// A route open to anyone, signed in or not.
fn public(method: Method, route: &'static str, body: Body) -> Row {
    Row { method, route, path: route, rule: |_, _| true, public: true, body }
}

// The rules, named as the policy speaks.
fn signed_in(_: &Principal, _: &Fixtures) -> bool {
    true
}
fn system(p: &Principal, permission: Permission) -> bool {
    p.can(permission, &Target::SYSTEM)
}
fn somewhere(p: &Principal, permission: Permission) -> bool {
    p.can_somewhere(permission)
}
fn reports_reader(p: &Principal, _: &Fixtures) -> bool {
    p.reach(Permission::ReportsRead).reaches_buildings()
}
/// Staff who work with tickets in some building (the company's own
/// organisation: teams, rules, norms).
fn staff_reader(p: &Principal, _: &Fixtures) -> bool {
    p.reach(Permission::TicketsRead).reaches_buildings()
}
fn ticket_settings(p: &Principal, _: &Fixtures) -> bool {
    system(p, Permission::TicketsSettings)
}
fn reference_reader(p: &Principal, _: &Fixtures) -> bool {
    somewhere(p, Permission::TicketsRead) || somewhere(p, Permission::TicketsCreate)
}
fn admin_users(p: &Principal, _: &Fixtures) -> bool {
    system(p, Permission::AdminUsers)
}
fn admin_roles(p: &Principal, _: &Fixtures) -> bool {
    system(p, Permission::AdminRoles)
}
fn integrations(p: &Principal, _: &Fixtures) -> bool {
    system(p, Permission::AdminIntegrations)
}
fn resident(p: &Principal) -> bool {
    p.kind == AccountKind::Resident
}
fn read_ticket(p: &Principal, f: &Fixtures) -> bool {
    p.can(Permission::TicketsRead, &f.ticket)
}
fn in_tower(p: &Principal, f: &Fixtures, permission: Permission) -> bool {
    p.can(permission, &Target::building(f.tower))
}
/// Staff who see outages: they read tickets, receive calls or manage
/// outages somewhere.
fn outage_viewer(p: &Principal, _: &Fixtures) -> bool {
    !resident(p)
        && [Permission::TicketsRead, Permission::CallsReceive, Permission::OutagesManage]
            .into_iter()
            .any(|permission| somewhere(p, permission))
}
fn manage_spare(p: &Principal, f: &Fixtures) -> bool {
    p.can(Permission::BuildingsManage, &Target::building(f.spare))
}

/// The table: every route, its rule, and what is sent.
fn table() -> Vec<Row> {
    use Body::{Json, None as Empty, Raw};
    vec![
        // Accounts and the caller's own things.
        public(Method::POST, "/api/v1/auth/login", Json(json!({"login": "service", "password": DEMO_PASSWORD}))),
        // No `[sms]` here: asking is refused (422), as is a malformed code.
        public(Method::POST, "/api/v1/auth/code", Json(json!({"phone": "+79990000001"}))),
        public(Method::POST, "/api/v1/auth/code/sign-in", Json(json!({"phone": "+79990000001", "code": "x"}))),
        row(Method::GET, "/api/v1/me", "/api/v1/me", signed_in, Empty),
        row(Method::PATCH, "/api/v1/me", "/api/v1/me", signed_in, Json(json!({"locale": "ru"}))),
        // The staff app: anyone signed in registers their own devices and
        // syncs them; another person's device is not found.
        row(Method::POST, "/api/v1/devices", "/api/v1/devices", signed_in, Json(json!({"platform": "none"}))),
        row(Method::GET, "/api/v1/devices", "/api/v1/devices", signed_in, Empty),
        row(
            Method::PUT,
            "/api/v1/devices/{id}/push",
            "/api/v1/devices/{random}/push",
            signed_in,
            Json(json!({"platform": "none"})),
        ),
        row(Method::POST, "/api/v1/devices/{id}/test", "/api/v1/devices/{random}/test", signed_in, Empty),
        row(Method::GET, "/api/v1/push/vapid-public-key", "/api/v1/push/vapid-public-key", signed_in, Empty),
        row(Method::POST, "/api/v1/sync", "/api/v1/sync", signed_in, Json(json!({"device_id": "{random}"}))),
        row(
            Method::POST,
            "/api/v1/me/password",
            "/api/v1/me/password",
            signed_in,
            Json(json!({"current_password": "not-it", "new_password": "новый пароль 2026"})),
        ),
        row(Method::GET, "/api/v1/me/tokens", "/api/v1/me/tokens", signed_in, Empty),
        row(
            Method::POST,
            "/api/v1/me/tokens",
            "/api/v1/me/tokens",
            signed_in,
            Json(json!({"name": "проверка доступа"})),
        ),
        row(Method::GET, "/api/v1/permissions", "/api/v1/permissions", signed_in, Empty),
        row(Method::GET, "/api/v1/saved-filters", "/api/v1/saved-filters", signed_in, Empty),
        row(
            Method::POST,
            "/api/v1/saved-filters",
            "/api/v1/saved-filters",
            signed_in,
            Json(json!({"name": "Мои", "query": "status=new"})),
        ),
        row(Method::GET, "/api/v1/search", "/api/v1/search?q=45", signed_in, Empty),
        row(Method::GET, "/api/v1/sla/templates", "/api/v1/sla/templates", signed_in, Empty),
        // Users and roles.
        row(Method::GET, "/api/v1/users", "/api/v1/users", admin_users, Empty),
        row(
            Method::POST,
            "/api/v1/users",
            "/api/v1/users",
            admin_users,
            Json(json!({"login": "probe-user", "display_name": "Проверочный Пользователь"})),
        ),
        row(Method::GET, "/api/v1/users/{id}", "/api/v1/users/{self}", signed_in, Empty),
        row(Method::GET, "/api/v1/users/{id}", "/api/v1/users/{other_user}", admin_users, Empty),
        row(
            Method::PATCH,
            "/api/v1/users/{id}",
            "/api/v1/users/{other_user}",
            admin_users,
            Json(json!({"locale": "ru"})),
        ),
        row(
            Method::GET,
            "/api/v1/users/{id}/assignments",
            "/api/v1/users/{other_user}/assignments",
            admin_users,
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/users/{id}/assignments",
            "/api/v1/users/{other_user}/assignments",
            admin_users,
            Json(json!({"role_id": "{role}", "scope": "{tower}"})),
        ),
        row(Method::POST, "/api/v1/users/{id}/disable", "/api/v1/users/{other_user}/disable", admin_users, Empty),
        row(Method::POST, "/api/v1/users/{id}/enable", "/api/v1/users/{other_user}/enable", admin_users, Empty),
        row(
            Method::POST,
            "/api/v1/users/{id}/password-reset",
            "/api/v1/users/{other_user}/password-reset",
            admin_users,
            Empty,
        ),
        row(Method::POST, "/api/v1/users/{id}/unlock", "/api/v1/users/{other_user}/unlock", admin_users, Empty),
        row(Method::GET, "/api/v1/roles", "/api/v1/roles", |p, f| admin_users(p, f) || admin_roles(p, f), Empty),
        row(
            Method::POST,
            "/api/v1/roles",
            "/api/v1/roles",
            admin_roles,
            Json(json!({"name": "Проба", "permissions": ["tickets.read"]})),
        ),
        row(
            Method::PUT,
            "/api/v1/roles/{id}",
            "/api/v1/roles/{role}",
            admin_roles,
            Json(json!({"name": "Проверочная роль", "permissions": ["tickets.read"]})),
        ),
        row(Method::GET, "/api/v1/audit", "/api/v1/audit", |p, _| somewhere(p, Permission::AuditRead), Empty),
        row(
            Method::GET,
            "/api/v1/audit/export",
            "/api/v1/audit/export?format=csv",
            |p, _| somewhere(p, Permission::AuditRead),
            Empty,
        ),
        row(Method::GET, "/api/v1/webhooks", "/api/v1/webhooks", integrations, Empty),
        row(
            Method::POST,
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            integrations,
            Json(json!({"name": "Проба", "url": "http://127.0.0.1:9/hook", "event_kinds": ["ticket.created"]})),
        ),
        // Buildings and places.
        row(
            Method::GET,
            "/api/v1/buildings",
            "/api/v1/buildings",
            |p, _| somewhere(p, Permission::BuildingsRead),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/buildings",
            "/api/v1/buildings",
            |p, _| system(p, Permission::BuildingsManage),
            Json(json!({"name": "Проверочный дом", "address": "г. Тула, ул. Новая, 1", "time_zone": "Europe/Moscow"})),
        ),
        row(
            Method::GET,
            "/api/v1/buildings/{id}",
            "/api/v1/buildings/{tower}",
            |p, f| in_tower(p, f, Permission::BuildingsRead),
            Empty,
        ),
        row(
            Method::PUT,
            "/api/v1/buildings/{id}",
            "/api/v1/buildings/{spare}",
            manage_spare,
            Json(
                json!({"name": "Запасной дом", "address": "г. Тула, ул. Старая, 2", "kind": "residential", "time_zone": "Europe/Moscow"}),
            ),
        ),
        row(
            Method::GET,
            "/api/v1/buildings/{id}/chessboard",
            "/api/v1/buildings/{tower}/chessboard",
            |p, f| in_tower(p, f, Permission::ChessboardRead),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/buildings/{id}/layout",
            "/api/v1/buildings/{tower}/layout",
            |p, f| in_tower(p, f, Permission::BuildingsRead),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/buildings/{id}/layout/condo",
            "/api/v1/buildings/{tower}/layout/condo",
            |p, f| in_tower(p, f, Permission::BuildingsRead),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/buildings/{id}/layout/generate",
            "/api/v1/buildings/{spare}/layout/generate",
            manage_spare,
            Json(
                json!({"sections": 1, "kind": "entrance", "first_floor": 1, "last_floor": 2, "units_per_floor": 2, "unit_kind": "apartment", "first_number": 1}),
            ),
        ),
        row(
            Method::PUT,
            "/api/v1/buildings/{id}/layout",
            "/api/v1/buildings/{spare}/layout",
            manage_spare,
            Json(json!({"sections": []})),
        ),
        row(
            Method::PUT,
            "/api/v1/buildings/{id}/layout/condo",
            "/api/v1/buildings/{spare}/layout/condo",
            manage_spare,
            Json(json!({"dv": 1, "type": "building", "sections": []})),
        ),
        row(
            Method::GET,
            "/api/v1/units/{id}",
            "/api/v1/units/{unit}",
            |p, f| in_tower(p, f, Permission::ChessboardRead),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/import/{kind}",
            "/api/v1/import/clients?building_id={tower}&dry_run=true",
            |p, f| in_tower(p, f, Permission::ClientsEdit),
            Raw(b"\xEF\xBB\xBF\xD0\xA4\xD0\x98\xD0\x9E;\xD0\x9A\xD0\xB2\n"),
        ),
        row(
            Method::POST,
            "/api/v1/import/{kind}",
            "/api/v1/import/units?building_id={spare}&dry_run=true",
            manage_spare,
            Raw(b"\xEF\xBB\xBF\xD0\x9A\xD0\xB2\n"),
        ),
        // Clients.
        row(
            Method::POST,
            "/api/v1/clients",
            "/api/v1/clients",
            |p, f| in_tower(p, f, Permission::ClientsEdit),
            Json(json!({"name": "Проба Пётр", "units": [{"unit_id": "{unit}", "role": "tenant"}]})),
        ),
        row(
            Method::GET,
            "/api/v1/clients/{id}",
            "/api/v1/clients/{client}",
            |p, f| in_tower(p, f, Permission::ClientsRead),
            Empty,
        ),
        row(
            Method::PUT,
            "/api/v1/clients/{id}",
            "/api/v1/clients/{client}",
            |p, f| in_tower(p, f, Permission::ClientsEdit),
            Json(json!({"name": "Ёлкина Вера Степановна", "version": 999})),
        ),
        row(
            Method::PUT,
            "/api/v1/clients/{id}/consents",
            "/api/v1/clients/{client}/consents",
            |p, f| in_tower(p, f, Permission::ClientsEdit),
            Json(json!({"sms": true})),
        ),
        row(
            Method::PUT,
            "/api/v1/clients/{id}/units",
            "/api/v1/clients/{client}/units",
            |p, f| in_tower(p, f, Permission::ClientsEdit),
            Json(json!([{"unit_id": "{unit}", "role": "owner"}])),
        ),
        // Tickets.
        row(Method::GET, "/api/v1/tickets", "/api/v1/tickets", |p, _| somewhere(p, Permission::TicketsRead), Empty),
        row(
            Method::POST,
            "/api/v1/tickets",
            "/api/v1/tickets",
            |p, f| {
                let target = Target::building(f.tower);
                let target = if resident(p) { target.owned_by(p.user_id) } else { target };
                p.can(Permission::TicketsCreate, &target)
            },
            Json(json!({"building_id": "{tower}", "description": "Проверка прав: течёт кран", "source": "phone"})),
        ),
        row(Method::GET, "/api/v1/tickets/{id}", "/api/v1/tickets/{ticket}", read_ticket, Empty),
        row(
            Method::GET,
            "/api/v1/tickets/{id}",
            "/api/v1/tickets/{own_ticket}",
            |p, f| p.can(Permission::TicketsRead, &f.own_ticket),
            Empty,
        ),
        row(Method::GET, "/api/v1/tickets/{id}/timeline", "/api/v1/tickets/{ticket}/timeline", read_ticket, Empty),
        row(
            Method::PATCH,
            "/api/v1/tickets/{id}",
            "/api/v1/tickets/{ticket}",
            |p, f| !resident(p) && p.can(Permission::TicketsAssign, &f.ticket),
            Json(json!({"priority": "normal"})),
        ),
        row(
            Method::PUT,
            "/api/v1/tickets/{id}/assignee",
            "/api/v1/tickets/{ticket}/assignee",
            |p, f| !resident(p) && p.can(Permission::TicketsAssign, &f.ticket),
            Json(json!({"assignee_id": null})),
        ),
        row(
            Method::POST,
            "/api/v1/tickets/{id}/transitions",
            "/api/v1/tickets/{ticket}/transitions",
            |p, f| {
                let permission = Transition { from: TicketStatus::New, to: TicketStatus::Accepted }.permission();
                !resident(p) && p.can(permission, &f.ticket)
            },
            Json(json!({"to": "accepted", "version": 999})),
        ),
        row(
            Method::POST,
            "/api/v1/tickets/{id}/set-off",
            "/api/v1/tickets/{technician_ticket}/set-off",
            |p, f| !resident(p) && p.user_id == f.technician && p.can(Permission::TicketsTransition, &f.ticket),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/tickets/{id}/comments",
            "/api/v1/tickets/{ticket}/comments",
            read_ticket,
            Json(json!({"body": "Проверка прав"})),
        ),
        row(
            Method::POST,
            "/api/v1/tickets/{id}/attachments",
            "/api/v1/tickets/{ticket}/attachments?name=plan.pdf",
            |p, f| {
                !resident(p)
                    && (p.can(Permission::TicketsTransition, &f.ticket) || p.can(Permission::TicketsCreate, &f.ticket))
            },
            Raw(b"%PDF-1.4\n%%EOF\n"),
        ),
        row(
            Method::POST,
            "/api/v1/tickets/{id}/rating",
            "/api/v1/tickets/{own_ticket}/rating",
            |p, f| {
                resident(p) && f.own_ticket.owner == Some(p.user_id) && p.can(Permission::TicketsRead, &f.own_ticket)
            },
            Json(json!({"rating": 5})),
        ),
        row(Method::PUT, "/api/v1/tickets/{id}/watch", "/api/v1/tickets/{ticket}/watch", read_ticket, Empty),
        row(Method::GET, "/api/v1/attachments/{id}", "/api/v1/attachments/{attachment}", read_ticket, Empty),
        // The checklist's items: whoever may move the ticket, not residents
        // (the ticket's category asks nothing: 422 for them).
        row(
            Method::PUT,
            "/api/v1/tickets/{id}/checks",
            "/api/v1/tickets/{ticket}/checks",
            |p, f| {
                !resident(p)
                    && p.can(Permission::TicketsRead, &f.ticket)
                    && p.can(Permission::TicketsTransition, &f.ticket)
            },
            Json(json!({"item": "Проверка", "checked": true})),
        ),
        // A photo's bytes: only from whoever announced it in their sync.
        row(
            Method::PUT,
            "/api/v1/photos/{id}",
            "/api/v1/photos/{technician_photo}?offset=0",
            |p, f| p.user_id == f.technician,
            Raw(PHOTO),
        ),
        // Ticket settings.
        row(Method::GET, "/api/v1/classifier", "/api/v1/classifier", reference_reader, Empty),
        row(
            Method::POST,
            "/api/v1/classifier",
            "/api/v1/classifier",
            ticket_settings,
            Json(json!({"kind": "category", "code": "probe", "name": "Проба"})),
        ),
        row(
            Method::PATCH,
            "/api/v1/classifier/{id}",
            "/api/v1/classifier/{classifier}",
            ticket_settings,
            Json(json!({"sort_order": 1})),
        ),
        row(Method::GET, "/api/v1/checklists", "/api/v1/checklists", reference_reader, Empty),
        row(Method::GET, "/api/v1/notifications", "/api/v1/notifications", signed_in, Empty),
        row(
            Method::POST,
            "/api/v1/notifications/read",
            "/api/v1/notifications/read",
            signed_in,
            Json(json!({"up_to": "0190a4d2-0000-7000-8000-000000000000"})),
        ),
        // The first classifier item may be a place: refused as 422 by
        // those who may set checklists, 403 for the rest.
        row(
            Method::PUT,
            "/api/v1/checklists/{id}",
            "/api/v1/checklists/{classifier}",
            ticket_settings,
            Json(json!({"items": [], "signature": false})),
        ),
        row(Method::GET, "/api/v1/calendar", "/api/v1/calendar", reference_reader, Empty),
        row(Method::POST, "/api/v1/calendar", "/api/v1/calendar", ticket_settings, Raw(b"2027-01-08;holiday\n")),
        row(Method::GET, "/api/v1/sla/policies", "/api/v1/sla/policies", staff_reader, Empty),
        row(
            Method::POST,
            "/api/v1/sla/policies",
            "/api/v1/sla/policies",
            ticket_settings,
            Json(json!({"name": "Проба", "priority": "urgent", "response_minutes": 30, "resolution_minutes": 240})),
        ),
        // A building's own norms are its manager's.
        row(
            Method::POST,
            "/api/v1/sla/policies",
            "/api/v1/sla/policies",
            |p, f| in_tower(p, f, Permission::TicketsSettings),
            Json(
                json!({"name": "Башня: срочные", "building_id": "{tower}", "priority": "urgent", "response_minutes": 20, "resolution_minutes": 180}),
            ),
        ),
        row(
            Method::POST,
            "/api/v1/sla/policies",
            "/api/v1/sla/policies",
            |p, f| p.can(Permission::TicketsSettings, &Target::building(f.granite)),
            Json(
                json!({"name": "Гранит: срочные", "building_id": "{granite}", "priority": "urgent", "response_minutes": 20, "resolution_minutes": 180}),
            ),
        ),
        row(
            Method::POST,
            "/api/v1/sla/templates/{code}/adopt",
            "/api/v1/sla/templates/{template}/adopt",
            ticket_settings,
            Empty,
        ),
        row(Method::GET, "/api/v1/teams", "/api/v1/teams", staff_reader, Empty),
        row(
            Method::POST,
            "/api/v1/teams",
            "/api/v1/teams",
            ticket_settings,
            Json(json!({"name": "Проба", "members": []})),
        ),
        row(
            Method::PUT,
            "/api/v1/teams/{id}/members",
            "/api/v1/teams/{team}/members",
            ticket_settings,
            Json(json!({"members": ["{other_user}"]})),
        ),
        row(Method::GET, "/api/v1/assignment-rules", "/api/v1/assignment-rules", staff_reader, Empty),
        row(
            Method::POST,
            "/api/v1/assignment-rules",
            "/api/v1/assignment-rules",
            |p, f| in_tower(p, f, Permission::TicketsSettings),
            Json(json!({"building_id": "{tower}", "user_id": "{other_user}"})),
        ),
        // Passes and the guard desk (the pass is staff-issued in the tower).
        row(
            Method::POST,
            "/api/v1/passes",
            "/api/v1/passes",
            |p, f| {
                let target = Target::building(f.tower);
                let target = if resident(p) { target.owned_by(p.user_id) } else { target };
                p.can(Permission::PassesIssue, &target)
            },
            Json(json!({"building_id": "{tower}", "visitor_name": "Гость для проверки"})),
        ),
        row(
            Method::GET,
            "/api/v1/passes",
            "/api/v1/passes",
            |p, _| p.can(Permission::PassesIssue, &Target::SYSTEM.owned_by(p.user_id)),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/passes",
            "/api/v1/passes?building_id={tower}",
            |p, f| in_tower(p, f, Permission::PassesCheck),
            Empty,
        ),
        // A personal survey link: its secret is its only key (an unknown
        // one is not found, for anyone).
        Row {
            method: Method::GET,
            route: "/api/v1/survey-links/{token}",
            path: "/api/v1/survey-links/no-such-secret",
            rule: |_, _| true,
            public: true,
            body: Empty,
        },
        Row {
            method: Method::POST,
            route: "/api/v1/survey-links/{token}/responses",
            path: "/api/v1/survey-links/no-such-secret/responses",
            rule: |_, _| true,
            public: true,
            body: Json(json!({"answers": []})),
        },
        // Telephony: the webhook's token is its only key.
        Row {
            method: Method::POST,
            route: "/api/v1/cti/{token}",
            path: "/api/v1/cti/{pbx_token}",
            rule: |_, _| true,
            public: true,
            body: Json(json!({"event": "newCall", "callId": "role-routes-1", "from": "+74950000001"})),
        },
        // SMS.ru's delivery reports: the secret word in the address is the
        // only key (none is set here: not found, for anyone).
        Row {
            method: Method::POST,
            route: "/api/v1/sms/smsru-reports/{secret}",
            path: "/api/v1/sms/smsru-reports/no-such-secret-word",
            rule: |_, _| true,
            public: true,
            body: Empty,
        },
        row(Method::GET, "/api/v1/calls", "/api/v1/calls", |p, _| somewhere(p, Permission::CallsReceive), Empty),
        row(
            Method::GET,
            "/api/v1/calls/{id}",
            "/api/v1/calls/{call}",
            |p, _| somewhere(p, Permission::CallsReceive),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/calls/{id}/card",
            "/api/v1/calls/{call}/card",
            |p, _| somewhere(p, Permission::CallsReceive),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/calls/{id}/callback",
            "/api/v1/calls/{call}/callback",
            |p, _| somewhere(p, Permission::CallsReceive),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/calls/originate",
            "/api/v1/calls/originate",
            |p, _| somewhere(p, Permission::CallsReceive),
            Json(json!({"number": "+7 900 100-00-02"})),
        ),
        // Reports: `reports.read` in some building; files `reports.export` too.
        row(Method::GET, "/api/v1/reports/{name}", "/api/v1/reports/sla", reports_reader, Empty),
        row(
            Method::GET,
            "/api/v1/reports/{name}",
            "/api/v1/reports/backlog?building_id={tower}&format=xlsx",
            |p, f| in_tower(p, f, Permission::ReportsRead) && in_tower(p, f, Permission::ReportsExport),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/reports/{name}/tickets",
            "/api/v1/reports/sla/tickets?measure=tickets",
            reports_reader,
            Empty,
        ),
        // Scheduled reports: one's own list for anyone signed in; a new one
        // needs `reports.export` somewhere (then 422 here: no `[mail]`).
        row(Method::GET, "/api/v1/report-subscriptions", "/api/v1/report-subscriptions", signed_in, Empty),
        row(
            Method::POST,
            "/api/v1/report-subscriptions",
            "/api/v1/report-subscriptions",
            |p, f| p.reach(Permission::ReportsExport).reaches_buildings() && reports_reader(p, f),
            Json(json!({"report": "sla", "cadence": "weekly"})),
        ),
        row(
            Method::DELETE,
            "/api/v1/report-subscriptions/{id}",
            "/api/v1/report-subscriptions/0190a5c6-0000-7000-8000-000000000000",
            signed_in,
            Empty,
        ),
        // Mailings: `mailings.send` somewhere to read them, in every
        // building of the audience to write one; a resident's notices for
        // anyone signed in (staff have none).
        row(Method::GET, "/api/v1/mailings", "/api/v1/mailings", |p, _| somewhere(p, Permission::MailingsSend), Empty),
        row(
            Method::POST,
            "/api/v1/mailings",
            "/api/v1/mailings",
            |p, f| in_tower(p, f, Permission::MailingsSend),
            Json(json!({"title": "Проверка", "body": "Текст", "kind": "news", "channels": ["in_app"],
                        "audience": {"building_ids": ["{tower}"]}})),
        ),
        row(
            Method::GET,
            "/api/v1/mailings/{id}",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/mailings/{id}/preview",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/preview",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/mailings/{id}/deliveries",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/deliveries",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/mailings/{id}/send",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/send",
            |p, _| somewhere(p, Permission::MailingsSend),
            Json(json!({})),
        ),
        row(
            Method::GET,
            "/api/v1/mailing-templates",
            "/api/v1/mailing-templates",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/mailing-templates",
            "/api/v1/mailing-templates",
            |p, _| somewhere(p, Permission::MailingsSend),
            // An unknown kind: refused (422) after the permission.
            Json(json!({"name": "t", "title": "t", "body": "b", "kind": "x", "channels": ["in_app"]})),
        ),
        row(
            Method::DELETE,
            "/api/v1/mailing-templates/{id}",
            "/api/v1/mailing-templates/0190a5c6-0000-7000-8000-000000000000",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/audience-segments",
            "/api/v1/audience-segments",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/audience-segments",
            "/api/v1/audience-segments",
            |p, _| somewhere(p, Permission::MailingsSend),
            // Nobody chosen: refused (422) after the permission.
            Json(json!({"name": "s", "audience": {}})),
        ),
        row(
            Method::DELETE,
            "/api/v1/audience-segments/{id}",
            "/api/v1/audience-segments/0190a5c6-0000-7000-8000-000000000000",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/mailings/{id}/schedule",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/schedule",
            |p, _| somewhere(p, Permission::MailingsSend),
            Json(json!({"at": "2030-01-10T10:00"})),
        ),
        row(
            Method::POST,
            "/api/v1/mailings/{id}/unschedule",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/unschedule",
            |p, _| somewhere(p, Permission::MailingsSend),
            Json(json!({})),
        ),
        row(Method::GET, "/api/v1/notices", "/api/v1/notices", signed_in, Empty),
        // A mailing's files: as the mailing; a file itself is looked up
        // first (residents download those of their notices).
        row(
            Method::POST,
            "/api/v1/mailings/{id}/files",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/files?name=a.txt",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/mailings/{id}/files",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/files",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::DELETE,
            "/api/v1/mailings/{id}/files/{file}",
            "/api/v1/mailings/0190a5c6-0000-7000-8000-000000000000/files/0190a5c6-0000-7000-8000-000000000000",
            |p, _| somewhere(p, Permission::MailingsSend),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/mailing-files/{id}",
            "/api/v1/mailing-files/0190a5c6-0000-7000-8000-000000000000",
            signed_in,
            Empty,
        ),
        // Outages: seen by staff who read tickets, receive calls or manage
        // outages somewhere; registered with `outages.manage` in every
        // building touched (a real one: the tower's emergency notice goes
        // to its residents' cabinets); an unknown one is not found.
        row(Method::GET, "/api/v1/outages", "/api/v1/outages", outage_viewer, Empty),
        row(
            Method::POST,
            "/api/v1/outages",
            "/api/v1/outages",
            |p, f| !resident(p) && in_tower(p, f, Permission::OutagesManage),
            Json(json!({"kind": "hot_water", "building_ids": ["{tower}"],
                        "starts_at": "2030-01-10T09:00", "ends_at": "2030-01-10T18:00"})),
        ),
        row(
            Method::GET,
            "/api/v1/outages/{id}",
            "/api/v1/outages/0190a5c6-0000-7000-8000-000000000000",
            outage_viewer,
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/outages/{id}/close",
            "/api/v1/outages/0190a5c6-0000-7000-8000-000000000000/close",
            outage_viewer,
            Json(json!({})),
        ),
        // Surveys: `surveys.manage` somewhere to read and change them, in
        // every building of the audience to write one; residents list and
        // read those open to them and answer (only people with a client
        // card answer).
        row(
            Method::GET,
            "/api/v1/surveys",
            "/api/v1/surveys",
            |p, _| resident(p) || somewhere(p, Permission::SurveysManage),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/surveys",
            "/api/v1/surveys",
            |p, f| in_tower(p, f, Permission::SurveysManage),
            Json(json!({"title": "Проверка", "questions": [{"kind": "yes_no", "text": "Да?", "required": true}],
                        "audience": {"building_ids": ["{tower}"]}})),
        ),
        row(
            Method::GET,
            "/api/v1/surveys/{id}",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000",
            |p, _| resident(p) || somewhere(p, Permission::SurveysManage),
            Empty,
        ),
        row(
            Method::PUT,
            "/api/v1/surveys/{id}",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000",
            |p, _| somewhere(p, Permission::SurveysManage),
            Json(json!({"title": "Проверка", "questions": [{"kind": "yes_no", "text": "Да?", "required": true}],
                        "audience": {"building_ids": ["{tower}"]}})),
        ),
        row(
            Method::POST,
            "/api/v1/surveys/{id}/publish",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/publish",
            |p, _| somewhere(p, Permission::SurveysManage),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/surveys/{id}/copy",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/copy",
            |p, _| somewhere(p, Permission::SurveysManage),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/surveys/{id}/remind",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/remind",
            |p, _| somewhere(p, Permission::SurveysManage),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/surveys/{id}/close",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/close",
            |p, _| somewhere(p, Permission::SurveysManage),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/surveys/{id}/responses",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/responses",
            |p, _| resident(p),
            Json(json!({"answers": []})),
        ),
        row(
            Method::GET,
            "/api/v1/surveys/{id}/results",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/results",
            |p, _| somewhere(p, Permission::SurveysManage),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/surveys/{id}/breakdown",
            "/api/v1/surveys/0190a5c6-0000-7000-8000-000000000000/breakdown?by=building",
            |p, _| somewhere(p, Permission::SurveysManage),
            Empty,
        ),
        row(Method::GET, "/api/v1/integrations/pbx", "/api/v1/integrations/pbx", integrations, Empty),
        row(
            Method::POST,
            "/api/v1/integrations/pbx",
            "/api/v1/integrations/pbx",
            integrations,
            Json(json!({"name": "Проверочная АТС"})),
        ),
        row(
            Method::GET,
            "/api/v1/passes/check",
            "/api/v1/passes/check?building_id={tower}&q=%D0%BF%D1%80%D0%BE",
            |p, f| in_tower(p, f, Permission::PassesCheck),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/passes/{id}",
            "/api/v1/passes/{pass}",
            |p, f| in_tower(p, f, Permission::PassesCheck) || in_tower(p, f, Permission::PassesIssue),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/passes/{id}/arrival",
            "/api/v1/passes/{pass}/arrival",
            |p, f| in_tower(p, f, Permission::PassesMark),
            Json(json!({})),
        ),
        row(
            Method::POST,
            "/api/v1/passes/{id}/departure",
            "/api/v1/passes/{pass}/departure",
            |p, f| in_tower(p, f, Permission::PassesMark),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/passes/{id}/call-host",
            "/api/v1/passes/{pass}/call-host",
            |p, f| in_tower(p, f, Permission::PassesCheck),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/visits",
            "/api/v1/visits?building_id={tower}",
            |p, f| in_tower(p, f, Permission::PassesCheck),
            Empty,
        ),
        row(
            Method::GET,
            "/api/v1/blocklist",
            "/api/v1/blocklist?building_id={tower}",
            |p, f| in_tower(p, f, Permission::PassesCheck),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/blocklist",
            "/api/v1/blocklist",
            |p, f| in_tower(p, f, Permission::BuildingsManage),
            Json(json!({"building_id": "{tower}", "name": "Ещё Нарушитель", "reason": "Проверка прав"})),
        ),
        row(
            Method::POST,
            "/api/v1/passes/requests",
            "/api/v1/passes/requests",
            |p, f| in_tower(p, f, Permission::PassesMark),
            Json(json!({"building_id": "{tower}", "unit": "7", "visitor_name": "Гость без пропуска"})),
        ),
        row(
            Method::POST,
            "/api/v1/passes/{id}/approve",
            "/api/v1/passes/{pass}/approve",
            |p, f| in_tower(p, f, Permission::PassesIssue),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/passes/{id}/deny",
            "/api/v1/passes/{pass}/deny",
            |p, f| in_tower(p, f, Permission::PassesIssue),
            Empty,
        ),
        row(
            Method::POST,
            "/api/v1/passes/{id}/cancel",
            "/api/v1/passes/{pass}/cancel",
            |p, f| in_tower(p, f, Permission::PassesIssue),
            Empty,
        ),
        // Deleting, last.
        row(
            Method::DELETE,
            "/api/v1/blocklist/{id}",
            "/api/v1/blocklist/{blocked}",
            |p, f| in_tower(p, f, Permission::BuildingsManage),
            Empty,
        ),
        row(Method::DELETE, "/api/v1/tickets/{id}/watch", "/api/v1/tickets/{ticket}/watch", read_ticket, Empty),
        row(Method::DELETE, "/api/v1/saved-filters/{id}", "/api/v1/saved-filters/{random}", signed_in, Empty),
        row(Method::DELETE, "/api/v1/me/tokens/{id}", "/api/v1/me/tokens/{random}", signed_in, Empty),
        row(Method::DELETE, "/api/v1/calendar/{date}", "/api/v1/calendar/2027-01-08", ticket_settings, Empty),
        row(
            Method::DELETE,
            "/api/v1/assignment-rules/{id}",
            "/api/v1/assignment-rules/{rule}",
            |p, f| in_tower(p, f, Permission::TicketsSettings),
            Empty,
        ),
        row(Method::DELETE, "/api/v1/sla/policies/{id}", "/api/v1/sla/policies/{policy}", ticket_settings, Empty),
        row(Method::GET, "/api/v1/admin/push", "/api/v1/admin/push", integrations, Empty),
        row(
            Method::POST,
            "/api/v1/admin/devices/{id}/test",
            "/api/v1/admin/devices/{random}/test",
            integrations,
            Empty,
        ),
        row(Method::DELETE, "/api/v1/devices/{id}", "/api/v1/devices/{random}", signed_in, Empty),
        row(Method::DELETE, "/api/v1/webhooks/{id}", "/api/v1/webhooks/{webhook}", integrations, Empty),
        row(Method::DELETE, "/api/v1/integrations/pbx/{id}", "/api/v1/integrations/pbx/{random}", integrations, Empty),
        row(Method::DELETE, "/api/v1/assignments/{id}", "/api/v1/assignments/{assignment}", admin_users, Empty),
        row(Method::DELETE, "/api/v1/roles/{id}", "/api/v1/roles/{role}", admin_roles, Empty),
        row(Method::POST, "/api/v1/auth/logout", "/api/v1/auth/logout", signed_in, Empty),
    ]
}

/// Who may follow a topic. A match over every kind of topic: a new kind
/// does not compile until it has its rule here.
fn may_follow(topic: Topic, p: &Principal, f: &Fixtures) -> bool {
    match topic {
        Topic::Building(id) => p.can(Permission::BuildingsRead, &Target::building(id)),
        Topic::Ticket(id) if id == f.ticket_id => p.can(Permission::TicketsRead, &f.ticket),
        Topic::Ticket(id) if id == f.own_ticket_id => p.can(Permission::TicketsRead, &f.own_ticket),
        Topic::Ticket(_) => false,
        Topic::Queue(user) | Topic::User(user) => user == p.user_id,
        Topic::Calls => p.can_somewhere(Permission::CallsReceive),
        // Its results: who manages surveys in every building it asks.
        Topic::Survey(id) => {
            assert_eq!(id, f.survey, "the fixtures' survey asks the tower");
            p.can(Permission::SurveysManage, &Target::building(f.tower))
        }
    }
}

/// The principal of a signed-in caller, from what `/api/v1/me` says.
fn principal_of(me: &Value) -> Principal {
    let user_id = UserId::from_uuid(me["user"]["id"].as_str().unwrap().parse().unwrap());
    let kind: AccountKind = me["user"]["kind"].as_str().unwrap().parse().unwrap();
    let grants = me["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| Grant {
            role: RoleId::from_uuid(g["role_id"].as_str().unwrap().parse().unwrap()),
            scope: match g["scope"].as_str().unwrap() {
                "all" => GrantScope::AllBuildings,
                "own" => GrantScope::Own,
                building => GrantScope::Building(BuildingId::from_uuid(building.parse().unwrap())),
            },
            permissions: g["permissions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|code| code.as_str().unwrap().parse::<Permission>().unwrap())
                .collect::<PermissionSet>(),
        })
        .collect();
    Principal::new(user_id, kind, grants)
}

async fn call(
    app: &TestApp,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: &Body,
    f: &Fixtures,
    me: &Principal,
) -> StatusCode {
    let mut request = client().request(method.clone(), app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request = match body {
        Body::None => request,
        Body::Json(value) => request.header("content-type", "application/json").body(f.fill(&value.to_string(), me)),
        Body::Raw(bytes) => request.header("content-type", "application/octet-stream").body(bytes.to_vec()),
    };
    request.send().await.unwrap().status()
}

async fn created_id(response: reqwest::Response, what: &str) -> String {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert!(status.is_success(), "{what}: {status} {body}");
    body["id"]
        .as_str()
        .or_else(|| body["info"]["id"].as_str())
        .or_else(|| body["webhook"]["id"].as_str())
        .unwrap_or_else(|| panic!("{what}: {body}"))
        .to_owned()
}

/// Makes one of everything a route needs, as the demo's administrator and
/// dispatcher.
/// The demo's running survey (its audience is the tower).
async fn demo_survey(app: &TestApp) -> SurveyId {
    let surveys = domovoy_store::surveys::list(app.store(), 100).await.unwrap();
    surveys.into_iter().find(|s| s.title == "Качество обслуживания — 2026").expect("the demo's survey").id
}

async fn fixtures(app: &TestApp) -> Fixtures {
    let admin = app.token("admin").await;
    let dispatcher = app.token("dispatcher").await;
    let resident = app.token("+79001000001").await;
    let mut values: HashMap<&'static str, String> = HashMap::new();
    let tower = building_id(app, &admin, "ЖК «Северная звезда»").await;
    let granite = building_id(app, &admin, "БЦ «Гранит»").await;
    let spare = created_id(
        app.post(
            &admin,
            "/api/v1/buildings",
            &json!({"name": "Запасной дом", "address": "г. Тула, ул. Старая, 2", "time_zone": "Europe/Moscow"}),
        )
        .await,
        "spare building",
    )
    .await;
    let flat = unit(app, &admin, &tower, "7").await["id"].as_str().unwrap().to_owned();
    let ticket = created_id(
        app.post(
            &dispatcher,
            "/api/v1/tickets",
            &json!({"building_id": tower, "description": "Не работает домофон", "source": "phone"}),
        )
        .await,
        "ticket",
    )
    .await;
    let technician = app.user_id(&admin, "technician").await;
    let technician_ticket = created_id(
        app.post(
            &dispatcher,
            "/api/v1/tickets",
            &json!({"building_id": tower, "description": "Искрит розетка в коридоре", "source": "phone"}),
        )
        .await,
        "technician's ticket",
    )
    .await;
    let assigned = app
        .put(&admin, &format!("/api/v1/tickets/{technician_ticket}/assignee"), &json!({"assignee_id": technician}))
        .await;
    assert_eq!(assigned.status(), StatusCode::OK, "assigned to the technician");
    // The technician's phone announces a photo of it (its bytes are the
    // route under test).
    let technician_token = app.token("technician").await;
    let device =
        created_id(app.post(&technician_token, "/api/v1/devices", &json!({"platform": "none"})).await, "device").await;
    let technician_photo = uuid::Uuid::now_v7().to_string();
    let announced = app
        .post(
            &technician_token,
            "/api/v1/sync",
            &json!({"device_id": device, "mutations": [{"seq": 1, "id": uuid::Uuid::now_v7(), "kind": "ticket.photo",
                "ticket_id": technician_ticket, "photo_id": technician_photo, "stage": "before", "size": PHOTO.len()}]}),
        )
        .await;
    let announced: Value = announced.json().await.unwrap();
    assert_eq!(announced["results"][0]["status"], "applied", "{announced}");
    let own_ticket = created_id(
        app.post(
            &resident,
            "/api/v1/tickets",
            &json!({"building_id": tower, "description": "Протекает потолок в ванной", "source": "resident_app"}),
        )
        .await,
        "own ticket",
    )
    .await;
    let attachment = created_id(
        client()
            .post(app.url(&format!("/api/v1/tickets/{ticket}/attachments?name=act.pdf")))
            .bearer_auth(&dispatcher)
            .body(b"%PDF-1.4\n%%EOF\n".to_vec())
            .send()
            .await
            .unwrap(),
        "attachment",
    )
    .await;
    let client_id = created_id(
        app.post(
            &admin,
            "/api/v1/clients",
            &json!({"name": "Ёлкина Вера Степановна", "units": [{"unit_id": flat, "role": "owner"}]}),
        )
        .await,
        "client",
    )
    .await;
    let other_user = app.user_id(&admin, "plumber").await;
    let role = created_id(
        app.post(&admin, "/api/v1/roles", &json!({"name": "Проверочная роль", "permissions": ["tickets.read"]})).await,
        "role",
    )
    .await;
    let assignment = created_id(
        app.post(&admin, &format!("/api/v1/users/{other_user}/assignments"), &json!({"role_id": role, "scope": tower}))
            .await,
        "assignment",
    )
    .await;
    let classifier: Value = app.get(&admin, "/api/v1/classifier").await.json().await.unwrap();
    let classifier = classifier.as_array().unwrap()[0]["id"].as_str().unwrap().to_owned();
    let policy = created_id(
        app.post(
            &admin,
            "/api/v1/sla/policies",
            &json!({"name": "Для проверки", "priority": "emergency", "response_minutes": 10, "resolution_minutes": 60}),
        )
        .await,
        "policy",
    )
    .await;
    let templates: Value = app.get(&admin, "/api/v1/sla/templates").await.json().await.unwrap();
    let template = templates[0]["code"].as_str().unwrap().to_owned();
    let team = created_id(
        app.post(&admin, "/api/v1/teams", &json!({"name": "Проверочная бригада", "members": []})).await,
        "team",
    )
    .await;
    let rule = created_id(
        app.post(&admin, "/api/v1/assignment-rules", &json!({"building_id": tower, "team_id": team})).await,
        "assignment rule",
    )
    .await;
    let webhook = created_id(
        app.post(
            &admin,
            "/api/v1/webhooks",
            &json!({"name": "Учёт", "url": "http://127.0.0.1:9/hook", "event_kinds": ["ticket.created"]}),
        )
        .await,
        "webhook",
    )
    .await;
    let pass = created_id(
        app.post(&admin, "/api/v1/passes", &json!({"building_id": tower, "visitor_name": "Проверочный Гость"})).await,
        "pass",
    )
    .await;
    let blocked = created_id(
        app.post(
            &admin,
            "/api/v1/blocklist",
            &json!({"building_id": tower, "name": "Проверочный Нарушитель", "reason": "Для проверки прав"}),
        )
        .await,
        "blocklist entry",
    )
    .await;
    // A PBX and a missed call from an unknown number (for everyone who
    // receives calls).
    let pbx: Value = app.post(&admin, "/api/v1/integrations/pbx", &json!({"name": "АТС"})).await.json().await.unwrap();
    let pbx_token = pbx["token"].as_str().unwrap().to_owned();
    for form in [
        [("event", "newCall"), ("callId", "fixture-1"), ("from", "+74957770000")],
        [("event", "hangup"), ("callId", "fixture-1"), ("cause", "cancel")],
    ] {
        let sent = client().post(app.url(&format!("/api/v1/cti/{pbx_token}"))).form(&form).send().await.unwrap();
        assert_eq!(sent.status(), StatusCode::OK);
    }
    let missed: Value = app.get(&admin, "/api/v1/calls?callback=true").await.json().await.unwrap();
    let call = missed["items"][0]["id"].as_str().unwrap().to_owned();
    let id = |raw: &str| raw.parse::<uuid::Uuid>().unwrap();
    let fixtures = Fixtures {
        tower: BuildingId::from_uuid(id(&tower)),
        granite: BuildingId::from_uuid(id(&granite)),
        spare: BuildingId::from_uuid(id(&spare)),
        ticket: Target::building(BuildingId::from_uuid(id(&tower))),
        own_ticket: Target::building(BuildingId::from_uuid(id(&tower)))
            .owned_by(UserId::from_uuid(id(&app.user_id(&admin, "+79001000001").await))),
        ticket_id: TicketId::from_uuid(id(&ticket)),
        own_ticket_id: TicketId::from_uuid(id(&own_ticket)),
        other_user: UserId::from_uuid(id(&other_user)),
        technician: UserId::from_uuid(id(&technician)),
        survey: demo_survey(app).await,
        values: HashMap::new(),
    };
    for (name, value) in [
        ("tower", tower),
        ("granite", granite),
        ("spare", spare),
        ("unit", flat),
        ("ticket", ticket),
        ("own_ticket", own_ticket),
        ("technician_ticket", technician_ticket),
        ("technician_photo", technician_photo),
        ("attachment", attachment),
        ("client", client_id),
        ("other_user", other_user),
        ("role", role),
        ("assignment", assignment),
        ("classifier", classifier),
        ("policy", policy),
        ("template", template),
        ("team", team),
        ("rule", rule),
        ("webhook", webhook),
        ("pass", pass),
        ("blocked", blocked),
        ("pbx_token", pbx_token),
        ("call", call),
        ("random", uuid::Uuid::now_v7().to_string()),
    ] {
        values.insert(name, value);
    }
    Fixtures { values, ..fixtures }
}

#[actix_web::test]
async fn every_route_answers_each_role_as_the_policy_says() {
    let app = TestApp::spawn().await;
    let f = fixtures(&app).await;
    let table = table();

    // The table and the API description list the same routes.
    let document: Value = client().get(app.url("/openapi.json")).send().await.unwrap().json().await.unwrap();
    let documented: BTreeSet<(String, String)> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, ops)| ops.as_object().unwrap().keys().map(move |m| (m.to_uppercase(), path.clone())))
        .collect();
    let tabled: BTreeSet<(String, String)> = table.iter().map(|r| (r.method.to_string(), r.route.to_owned())).collect();
    assert_eq!(
        documented.difference(&tabled).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "routes without a row in the role × route table"
    );
    assert_eq!(
        tabled.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "rows for no route"
    );

    let mut callers = Vec::new();
    for login in CALLERS {
        let token = app.token(login).await;
        let me: Value = app.get(&token, "/api/v1/me").await.json().await.unwrap();
        callers.push((login, token, principal_of(&me)));
    }
    let nobody = Principal::new(UserId::new(), AccountKind::Staff, Vec::new());

    let mut wrong = Vec::new();
    let mut allowed_somewhere = BTreeSet::new();
    for row in &table {
        let mut order: Vec<_> = callers.iter().map(|(login, token, p)| ((row.rule)(p, &f), *login, token, p)).collect();
        // Refused callers first.
        order.sort_by_key(|(allowed, ..)| *allowed);
        let status = call(&app, &row.method, &f.fill(row.path, &nobody), None, &row.body, &f, &nobody).await;
        let expected_anonymous = if row.public {
            status.as_u16() < 500 && status != StatusCode::UNAUTHORIZED
        } else {
            status == StatusCode::UNAUTHORIZED
        };
        if !expected_anonymous {
            wrong.push(format!("{} {} anonymous: {status}", row.method, row.path));
        }
        for (allowed, login, token, p) in order {
            let path = f.fill(row.path, p);
            let status = call(&app, &row.method, &path, Some(token), &row.body, &f, p).await;
            let fine = if allowed {
                allowed_somewhere.insert((row.method.to_string(), row.route));
                status.as_u16() < 500 && status != StatusCode::UNAUTHORIZED && status != StatusCode::FORBIDDEN
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !fine {
                wrong.push(format!(
                    "{} {path} as {login}: {status}, expected {}",
                    row.method,
                    if allowed { "an answer" } else { "403" }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{} answers do not follow the policy:\n{}", wrong.len(), wrong.join("\n"));
    // Each route is open to some built-in role (or it could not be tested).
    let unused: Vec<_> = tabled.iter().filter(|(m, r)| !allowed_somewhere.contains(&(m.clone(), r.as_str()))).collect();
    assert!(unused.is_empty(), "routes no built-in role may call: {unused:?}");
}

/// Subscribes to `topic` and waits for its confirmation or refusal.
async fn follows(ws: &mut WsClient, topic: &str) -> bool {
    ws.subscribe(topic, None).await;
    loop {
        let message = ws.next(Duration::from_secs(5)).await.unwrap_or_else(|| panic!("no answer about {topic}"));
        if message["topic"] != topic {
            continue;
        }
        match message["type"].as_str() {
            Some("subscribed") => return true,
            Some("error") => {
                assert_eq!(message["code"], "forbidden", "{message}");
                return false;
            }
            _ => {}
        }
    }
}

#[actix_web::test]
async fn every_topic_is_followed_by_each_role_as_the_policy_says() {
    let app = TestApp::spawn().await;
    let f = fixtures(&app).await;
    let topics = |me: UserId| {
        [
            Topic::Building(f.tower),
            Topic::Building(f.granite),
            Topic::Ticket(f.ticket_id),
            Topic::Ticket(f.own_ticket_id),
            Topic::Queue(me),
            Topic::Queue(f.other_user),
            Topic::User(me),
            Topic::User(f.other_user),
            Topic::Calls,
            Topic::Survey(f.survey),
        ]
    };
    let mut wrong = Vec::new();
    for login in CALLERS {
        let token = app.token(login).await;
        let me: Value = app.get(&token, "/api/v1/me").await.json().await.unwrap();
        let p = principal_of(&me);
        let mut ws = WsClient::connect(&app, &token).await;
        for topic in topics(p.user_id) {
            let expected = may_follow(topic, &p, &f);
            if follows(&mut ws, &topic.to_string()).await != expected {
                wrong.push(format!("{login} {topic}: expected {}", if expected { "subscribed" } else { "forbidden" }));
            }
        }
    }
    assert!(wrong.is_empty(), "subscriptions that do not follow the policy:\n{}", wrong.join("\n"));
    // Anonymous: no socket at all.
    let refused = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws", app.port)).await;
    assert!(refused.is_err(), "an anonymous socket is refused");
}
