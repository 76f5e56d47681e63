//! The JSON shapes of the API: the web layer's own types, converted from
//! domain values, so the API can stay stable while the domain evolves.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::account::User;
use domovoy_domain::building::Building;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Grant, GrantScope};
use domovoy_domain::role::Role;
use domovoy_store::assignments::Assignment;
use domovoy_store::audit::AuditEntry;
use domovoy_store::tokens::TokenInfo;

use crate::i18n::Catalog;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    pub id: Uuid,
    /// Staff login, or the resident's phone in E.164.
    pub login: String,
    pub display_name: String,
    /// `staff` or `resident`.
    pub kind: &'static str,
    pub email: Option<String>,
    /// E.164.
    pub phone: Option<String>,
    /// `ru` or `en`.
    pub locale: &'static str,
    pub disabled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl From<&User> for UserDto {
    fn from(u: &User) -> Self {
        Self {
            id: u.id.as_uuid(),
            login: u.login.to_string(),
            display_name: u.display_name.to_string(),
            kind: u.kind.code(),
            email: u.email.as_ref().map(ToString::to_string),
            phone: u.phone.as_ref().map(|p| p.e164().to_owned()),
            locale: u.locale.code(),
            disabled: u.is_disabled(),
            locked_until: u.locked_until.filter(|t| *t > Utc::now()),
            last_sign_in_at: u.last_sign_in_at,
            created_at: u.created_at,
        }
    }
}

/// Where a grant applies: `all`, `own`, or a building id.
pub fn scope_code(scope: GrantScope) -> String {
    match scope {
        GrantScope::AllBuildings => "all".to_owned(),
        GrantScope::Own => "own".to_owned(),
        GrantScope::Building(id) => id.to_string(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantDto {
    pub role_id: Uuid,
    /// `all`, `own`, or a building id.
    pub scope: String,
    pub permissions: Vec<&'static str>,
}

impl From<&Grant> for GrantDto {
    fn from(g: &Grant) -> Self {
        Self {
            role_id: g.role.as_uuid(),
            scope: scope_code(g.scope),
            permissions: g.permissions.iter().map(Permission::code).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    pub user: UserDto,
    pub grants: Vec<GrantDto>,
    /// Every permission held anywhere.
    pub permissions: Vec<&'static str>,
    /// For cookie sessions: send it as `X-CSRF-Token` with changes.
    pub csrf_token: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    /// A staff login or a resident's phone number in any usual form.
    pub login: String,
    pub password: String,
    /// `api` (default) or `device` (the staff mobile app).
    pub kind: Option<String>,
    /// Shown in the owner's list of tokens.
    pub device_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`. Shown only here.
    pub token: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub user: UserDto,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    /// `staff` (default) or `resident`.
    pub kind: Option<String>,
    /// Staff: the login. Residents: the phone number, which becomes the login.
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
    /// Leave out to have one generated and returned once.
    pub password: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedUserDto {
    pub user: UserDto,
    /// Only when generated; shown only here.
    pub initial_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ProfileRequest {
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetDto {
    /// The new password; shown only here.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoleDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub permissions: Vec<&'static str>,
    /// The built-in template the role came from, if any.
    pub template: Option<&'static str>,
    /// `staff` or `resident`.
    pub account_kind: &'static str,
}

impl From<&Role> for RoleDto {
    fn from(r: &Role) -> Self {
        Self {
            id: r.id.as_uuid(),
            name: r.name.to_string(),
            description: r.description.clone(),
            permissions: r.permissions.iter().map(Permission::code).collect(),
            template: r.template.map(|t| t.key()),
            account_kind: r.account_kind.code(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct RoleRequest {
    pub name: String,
    pub description: Option<String>,
    /// Permission codes from `GET /api/v1/permissions`.
    pub permissions: Vec<String>,
    /// `staff` (default) or `resident`; cannot change later.
    pub account_kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PermissionDto {
    pub code: &'static str,
    pub group: &'static str,
    /// In the request's language.
    pub label: &'static str,
}

impl PermissionDto {
    pub fn new(permission: Permission, t: &Catalog) -> Self {
        Self { code: permission.code(), group: permission.group().code(), label: t.permission(&permission) }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentDto {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_login: String,
    pub user_name: String,
    pub role_id: Uuid,
    pub role_name: String,
    /// `all`, `own`, or a building id.
    pub scope: String,
    pub building_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Assignment> for AssignmentDto {
    fn from(a: &Assignment) -> Self {
        Self {
            id: a.id.as_uuid(),
            user_id: a.user_id.as_uuid(),
            user_login: a.user_login.clone(),
            user_name: a.user_name.clone(),
            role_id: a.role_id.as_uuid(),
            role_name: a.role_name.clone(),
            scope: scope_code(a.scope),
            building_name: a.building_name.clone(),
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct GrantRequest {
    pub role_id: Uuid,
    /// `all` (every building), `own` (residents), or a building id.
    pub scope: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BuildingDto {
    pub id: Uuid,
    pub name: String,
    pub address: String,
    /// `residential`, `business_centre` or `mixed`.
    pub kind: &'static str,
    /// IANA name, e.g. `Europe/Moscow`.
    pub time_zone: &'static str,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Building> for BuildingDto {
    fn from(b: &Building) -> Self {
        Self {
            id: b.id.as_uuid(),
            name: b.name.to_string(),
            address: b.address.to_string(),
            kind: b.kind.code(),
            time_zone: b.time_zone.name(),
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct BuildingRequest {
    pub name: String,
    pub address: String,
    /// `residential` (default), `business_centre` or `mixed`.
    pub kind: Option<String>,
    /// IANA name, e.g. `Europe/Moscow`.
    pub time_zone: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_login: String,
    pub action: &'static str,
    pub entity_kind: String,
    pub entity_id: Option<String>,
    pub building_id: Option<Uuid>,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
}

impl From<&AuditEntry> for AuditEntryDto {
    fn from(e: &AuditEntry) -> Self {
        Self {
            id: e.id.as_uuid(),
            at: e.at,
            actor_id: e.actor_id.map(|u| u.as_uuid()),
            actor_login: e.actor_login.clone(),
            action: e.action.code(),
            entity_kind: e.entity_kind.clone(),
            entity_id: e.entity_id.clone(),
            building_id: e.building_id.map(|b| b.as_uuid()),
            summary: e.summary.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
            ip: e.ip.clone(),
            request_id: e.request_id.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenDto {
    pub id: Uuid,
    /// `session`, `api` or `device`.
    pub kind: &'static str,
    pub name: String,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// The token of this request.
    pub current: bool,
}

impl TokenDto {
    pub fn new(t: &TokenInfo, current: domovoy_domain::ids::TokenId) -> Self {
        Self {
            id: t.id.as_uuid(),
            kind: t.kind.code(),
            name: t.name.clone(),
            ip: t.ip.clone(),
            user_agent: t.user_agent.clone(),
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            expires_at: t.expires_at,
            current: t.id == current,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewTokenRequest {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NewTokenDto {
    /// Send as `Authorization: Bearer <token>`. Shown only here.
    pub token: String,
    pub info: TokenDto,
}
