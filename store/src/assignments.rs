//! Role assignments: which user holds which role, where.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::ids::{AssignmentId, BuildingId, RoleId, UserId};
use domovoy_domain::permission::{Permission, PermissionSet};
use domovoy_domain::policy::{Grant, GrantScope};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult};

/// One assignment with the names a page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub user_login: String,
    pub user_name: String,
    pub role_id: RoleId,
    pub role_name: String,
    pub scope: GrantScope,
    pub building_name: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AssignmentRow {
    id: Uuid,
    user_id: Uuid,
    user_login: String,
    user_name: String,
    role_id: Uuid,
    role_name: String,
    scope: String,
    building_id: Option<Uuid>,
    building_name: Option<String>,
    created_at: DateTime<Utc>,
}

fn scope_from(scope: &str, building: Option<Uuid>) -> StoreResult<GrantScope> {
    match (scope, building) {
        ("all", None) => Ok(GrantScope::AllBuildings),
        ("own", None) => Ok(GrantScope::Own),
        ("building", Some(id)) => Ok(GrantScope::Building(BuildingId::from_uuid(id))),
        _ => Err(StoreError::Corrupt(format!("role_assignments.scope = {scope:?} with building {building:?}"))),
    }
}

fn scope_columns(scope: GrantScope) -> (&'static str, Option<Uuid>) {
    match scope {
        GrantScope::AllBuildings => ("all", None),
        GrantScope::Own => ("own", None),
        GrantScope::Building(id) => ("building", Some(id.as_uuid())),
    }
}

impl TryFrom<AssignmentRow> for Assignment {
    type Error = StoreError;

    fn try_from(row: AssignmentRow) -> StoreResult<Self> {
        Ok(Self {
            id: AssignmentId::from_uuid(row.id),
            user_id: UserId::from_uuid(row.user_id),
            user_login: row.user_login,
            user_name: row.user_name,
            role_id: RoleId::from_uuid(row.role_id),
            role_name: row.role_name,
            scope: scope_from(&row.scope, row.building_id)?,
            building_name: row.building_name,
            created_at: row.created_at,
        })
    }
}

/// The SELECT of [`AssignmentRow`]; callers append WHERE and ORDER BY.
macro_rules! assignment_select {
    () => {
        "SELECT a.id, a.user_id, u.login AS user_login, u.display_name AS user_name, a.role_id, r.name AS role_name,
                a.scope, a.building_id, b.name AS building_name, a.created_at
         FROM role_assignments a
         JOIN users u ON u.id = a.user_id
         JOIN roles r ON r.id = a.role_id
         LEFT JOIN buildings b ON b.id = a.building_id"
    };
}

/// Gives `role` to `user` in `scope`. The scope must fit both the account
/// and the role (staff roles per building or everywhere, resident roles on
/// own things only); holding the same grant twice is refused.
pub async fn grant(tx: &mut WriteTx, user: UserId, role: RoleId, scope: GrantScope) -> StoreResult<Assignment> {
    let account = crate::users::get(&mut *tx, user).await?;
    let role_row = crate::roles::get(&mut *tx, role).await?;
    if role_row.account_kind != account.kind {
        return Err(StoreError::invalid("role", FieldError::NotAllowed));
    }
    if !scope.fits(account.kind) {
        return Err(StoreError::invalid("scope", FieldError::NotAllowed));
    }
    if let GrantScope::Building(building) = scope {
        crate::buildings::get(&mut *tx, building).await.map_err(|e| match e {
            StoreError::NotFound => StoreError::invalid("building_id", FieldError::Unknown),
            other => other,
        })?;
    }
    let (scope_code, building) = scope_columns(scope);
    let existing: Option<Uuid> = on_conn!(&mut *tx, c => {
        sqlx::query_scalar(
            "SELECT id FROM role_assignments WHERE user_id = $1 AND role_id = $2 AND scope = $3
             AND (building_id = $4 OR (building_id IS NULL AND $4 IS NULL))",
        )
        .bind(user.as_uuid())
        .bind(role.as_uuid())
        .bind(scope_code)
        .bind(building)
        .fetch_optional(&mut *c)
        .await?
    });
    if existing.is_some() {
        return Err(StoreError::invalid("role", FieldError::Taken));
    }
    let id = AssignmentId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO role_assignments (id, user_id, role_id, scope, building_id, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id.as_uuid())
        .bind(user.as_uuid())
        .bind(role.as_uuid())
        .bind(scope_code)
        .bind(building)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

/// The assignment with `id`.
pub async fn get<'a>(source: impl Into<Source<'a>>, id: AssignmentId) -> StoreResult<Assignment> {
    let row: AssignmentRow = on_conn!(source, c => {
        sqlx::query_as(concat!(assignment_select!(), " WHERE a.id = $1"))
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

/// Takes an assignment away; returns what it was.
pub async fn revoke(tx: &mut WriteTx, id: AssignmentId) -> StoreResult<Assignment> {
    let assignment = get(&mut *tx, id).await?;
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM role_assignments WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?
        .rows_affected()
    });
    Ok(assignment)
}

/// A user's assignments.
pub async fn for_user<'a>(source: impl Into<Source<'a>>, user: UserId) -> StoreResult<Vec<Assignment>> {
    let rows: Vec<AssignmentRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(assignment_select!(), " WHERE a.user_id = $1 ORDER BY r.name, b.name"))
            .bind(user.as_uuid())
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Assignment::try_from).collect()
}

/// Who holds which role in `building`, including all-buildings grants.
pub async fn for_building<'a>(source: impl Into<Source<'a>>, building: BuildingId) -> StoreResult<Vec<Assignment>> {
    let rows: Vec<AssignmentRow> = on_conn!(source, c => {
        sqlx::query_as(concat!(
            assignment_select!(),
            " WHERE a.building_id = $1 OR a.scope = 'all' ORDER BY r.name, u.display_name"
        ))
        .bind(building.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter().map(Assignment::try_from).collect()
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    role_id: Uuid,
    scope: String,
    building_id: Option<Uuid>,
    permission: Option<String>,
}

/// The grants the policy evaluates for `user`: one per assignment, with
/// the role's permissions. The request path reads them with the token
/// instead ([`grants_column`]).
pub async fn grants<'a>(source: impl Into<Source<'a>>, user: UserId) -> StoreResult<Vec<Grant>> {
    let rows: Vec<GrantRow> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT a.role_id, a.scope, a.building_id, p.permission
             FROM role_assignments a
             LEFT JOIN role_permissions p ON p.role_id = a.role_id
             WHERE a.user_id = $1
             ORDER BY a.id",
        )
        .bind(user.as_uuid())
        .fetch_all(&mut *c)
        .await?
    });
    merge_grants(rows)
}

/// A column expression with the grants of the account `u.id` as one JSON
/// array of `[role_id, scope, building_id, permission]` rows (one per
/// assignment and permission, by assignment), so that authentication reads
/// the token, the account and its grants in one statement. Ids are text:
/// hyphenated on PostgreSQL, hex on SQLite (an absent building is `""`).
pub(crate) fn grants_column(backend: crate::Backend) -> &'static str {
    match backend {
        crate::Backend::Postgres => {
            "(SELECT json_agg(json_build_array(a.role_id, a.scope, a.building_id, p.permission) ORDER BY a.id)
              FROM role_assignments a LEFT JOIN role_permissions p ON p.role_id = a.role_id
              WHERE a.user_id = u.id)"
        }
        crate::Backend::Sqlite => {
            "(SELECT json_group_array(json_array(lower(hex(a.role_id)), a.scope, lower(hex(a.building_id)),
                                                 p.permission) ORDER BY a.id)
              FROM role_assignments a LEFT JOIN role_permissions p ON p.role_id = a.role_id
              WHERE a.user_id = u.id)"
        }
    }
}

/// One row of [`grants_column`]'s array.
pub(crate) type GrantJson = (String, String, Option<String>, Option<String>);

/// The grants of [`grants_column`]'s array (`None`: no assignments).
pub(crate) fn grants_from_json(rows: Option<Vec<GrantJson>>) -> StoreResult<Vec<Grant>> {
    let id = |column: &str, text: &str| {
        Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("{column} = {text:?} in grants: {e}")))
    };
    let rows = rows.unwrap_or_default().into_iter().map(|(role, scope, building, permission)| {
        Ok(GrantRow {
            role_id: id("role_assignments.role_id", &role)?,
            scope,
            building_id: building
                .filter(|b| !b.is_empty())
                .map(|b| id("role_assignments.building_id", &b))
                .transpose()?,
            permission,
        })
    });
    merge_grants(rows.collect::<StoreResult<Vec<_>>>()?)
}

/// Folds rows of (assignment, permission), in assignment order, into one
/// grant per assignment.
fn merge_grants(rows: Vec<GrantRow>) -> StoreResult<Vec<Grant>> {
    let mut grants: Vec<Grant> = Vec::new();
    for row in rows {
        let role = RoleId::from_uuid(row.role_id);
        let scope = scope_from(&row.scope, row.building_id)?;
        let permission = row.permission.as_deref().and_then(|p| p.parse::<Permission>().ok());
        match grants.last_mut().filter(|g| g.role == role && g.scope == scope) {
            Some(grant) => {
                if let Some(permission) = permission {
                    grant.permissions.insert(permission);
                }
            }
            None => grants.push(Grant { role, scope, permissions: permission.into_iter().collect::<PermissionSet>() }),
        }
    }
    Ok(grants)
}

/// How many enabled accounts can still administer the system: they hold,
/// through one all-buildings role, both user and role administration.
/// Changes that would bring this to zero are refused, so the company can
/// never lock itself out.
pub async fn active_administrators<'a>(source: impl Into<Source<'a>>) -> StoreResult<i64> {
    Ok(on_conn!(source, c => {
        sqlx::query_scalar(
            "SELECT COUNT(DISTINCT u.id) FROM users u
             JOIN role_assignments a ON a.user_id = u.id AND a.scope = 'all'
             JOIN role_permissions p1 ON p1.role_id = a.role_id AND p1.permission = $1
             JOIN role_permissions p2 ON p2.role_id = a.role_id AND p2.permission = $2
             WHERE u.disabled_at IS NULL AND u.kind = 'staff'",
        )
        .bind(Permission::AdminUsers.code())
        .bind(Permission::AdminRoles.code())
        .fetch_one(&mut *c)
        .await?
    }))
}

/// An enabled staff account holding a permission somewhere, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub user_id: UserId,
    pub display_name: String,
    pub scope: GrantScope,
}

impl Holder {
    /// Whether the grant reaches `building`.
    pub fn reaches(&self, building: BuildingId) -> bool {
        match self.scope {
            GrantScope::AllBuildings => true,
            GrantScope::Building(id) => id == building,
            GrantScope::Own => false,
        }
    }
}

/// Enabled staff accounts holding `permission` through any role, one entry
/// per assignment, by name: the candidates of assignee pickers.
pub async fn holders<'a>(source: impl Into<Source<'a>>, permission: Permission) -> StoreResult<Vec<Holder>> {
    let rows: Vec<(Uuid, String, String, Option<Uuid>)> = on_conn!(source, c => {
        sqlx::query_as(
            "SELECT u.id, u.display_name, a.scope, a.building_id FROM users u
             JOIN role_assignments a ON a.user_id = u.id
             JOIN role_permissions p ON p.role_id = a.role_id AND p.permission = $1
             WHERE u.disabled_at IS NULL AND u.kind = 'staff'
             ORDER BY u.display_name, u.id",
        )
        .bind(permission.code())
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter()
        .map(|(id, name, scope, building)| {
            Ok(Holder { user_id: UserId::from_uuid(id), display_name: name, scope: scope_from(&scope, building)? })
        })
        .collect()
}
