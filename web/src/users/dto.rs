//! The JSON shapes of user administration.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::account::User;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Grant, GrantScope};
use domovoy_store::assignments::Assignment;

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
    /// Wrong passwords in a row since the last sign-in.
    pub failed_sign_ins: u32,
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
            failed_sign_ins: u.failed_logins,
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

#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordResetDto {
    /// The new password; shown only here.
    pub password: String,
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
