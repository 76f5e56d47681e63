//! The JSON shapes of roles and the permission catalog.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_domain::permission::Permission;
use domovoy_domain::role::Role;

use crate::i18n::Catalog;

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
