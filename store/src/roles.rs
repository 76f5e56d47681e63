//! Roles and their permissions.

use std::collections::HashMap;

use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::account::AccountKind;
use domovoy_domain::ids::RoleId;
use domovoy_domain::permission::{Permission, PermissionSet};
use domovoy_domain::role::{Role, RoleName, RoleTemplate};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};

/// What an administrator composes.
#[derive(Debug, Clone)]
pub struct RoleDraft {
    pub name: RoleName,
    pub description: String,
    pub permissions: PermissionSet,
    pub account_kind: AccountKind,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: Uuid,
    name: String,
    description: String,
    template: Option<String>,
    account_kind: String,
}

#[derive(sqlx::FromRow)]
struct PermissionRow {
    role_id: Uuid,
    permission: String,
}

fn assemble(rows: Vec<RoleRow>, permissions: Vec<PermissionRow>) -> StoreResult<Vec<Role>> {
    let mut sets: HashMap<Uuid, PermissionSet> = HashMap::new();
    for row in permissions {
        // A code this version does not know (written by a newer version
        // before a downgrade) grants nothing here.
        if let Ok(permission) = row.permission.parse::<Permission>() {
            sets.entry(row.role_id).or_default().insert(permission);
        }
    }
    rows.into_iter()
        .map(|row| {
            Ok(Role {
                id: RoleId::from_uuid(row.id),
                name: decode("roles.name", &row.name, RoleName::parse)?,
                description: row.description,
                permissions: sets.get(&row.id).copied().unwrap_or_default(),
                template: row.template.as_deref().map(|t| decode("roles.template", t, str::parse)).transpose()?,
                account_kind: decode("roles.account_kind", &row.account_kind, str::parse)?,
            })
        })
        .collect()
}

/// Every role, by name.
pub async fn list<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Role>> {
    let (rows, permissions): (Vec<RoleRow>, Vec<PermissionRow>) = on_conn!(source, c => {
        let rows = sqlx::query_as(
            "SELECT id, name, description, template, account_kind FROM roles ORDER BY name",
        )
        .fetch_all(&mut *c)
        .await?;
        let permissions = sqlx::query_as("SELECT role_id, permission FROM role_permissions").fetch_all(&mut *c).await?;
        (rows, permissions)
    });
    assemble(rows, permissions)
}

/// The role with `id`.
pub async fn get<'a>(source: impl Into<Source<'a>>, id: RoleId) -> StoreResult<Role> {
    let (row, permissions): (RoleRow, Vec<PermissionRow>) = on_conn!(source, c => {
        let row = sqlx::query_as(
            "SELECT id, name, description, template, account_kind FROM roles WHERE id = $1",
        )
        .bind(id.as_uuid())
        .fetch_one(&mut *c)
        .await?;
        let permissions = sqlx::query_as("SELECT role_id, permission FROM role_permissions WHERE role_id = $1")
            .bind(id.as_uuid())
            .fetch_all(&mut *c)
            .await?;
        (row, permissions)
    });
    assemble(vec![row], permissions)?.pop().ok_or(StoreError::NotFound)
}

/// The role created from `template`, if it still exists.
pub async fn find_by_template<'a>(
    source: impl Into<Source<'a>>,
    template: RoleTemplate,
) -> StoreResult<Option<RoleId>> {
    let id: Option<Uuid> = on_conn!(source, c => {
        sqlx::query_scalar("SELECT id FROM roles WHERE template = $1")
            .bind(template.key())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(id.map(RoleId::from_uuid))
}

async fn name_taken(tx: &mut WriteTx, name: &RoleName, except: Option<RoleId>) -> StoreResult<bool> {
    let id: Option<Uuid> = on_conn!(tx, c => {
        sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(id.is_some_and(|id| Some(RoleId::from_uuid(id)) != except))
}

async fn write_permissions(tx: &mut WriteTx, id: RoleId, permissions: PermissionSet) -> StoreResult<()> {
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM role_permissions WHERE role_id = $1").bind(id.as_uuid()).execute(&mut *c).await?
        .rows_affected();
        for permission in permissions.iter() {
            sqlx::query("INSERT INTO role_permissions (role_id, permission) VALUES ($1, $2)")
                .bind(id.as_uuid())
                .bind(permission.code())
                .execute(&mut *c)
                .await?
        .rows_affected();
        }
    });
    Ok(())
}

/// Creates a role, optionally remembering the template it came from.
pub async fn insert(tx: &mut WriteTx, draft: &RoleDraft, template: Option<RoleTemplate>) -> StoreResult<Role> {
    if name_taken(tx, &draft.name, None).await? {
        return Err(StoreError::invalid("name", FieldError::Taken));
    }
    let id = RoleId::new();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO roles (id, name, description, template, account_kind, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(id.as_uuid())
        .bind(draft.name.as_str())
        .bind(&draft.description)
        .bind(template.map(RoleTemplate::key))
        .bind(draft.account_kind.code())
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    write_permissions(tx, id, draft.permissions).await?;
    get(tx, id).await
}

/// Changes a role's name, description and permissions. The account kind
/// of a role cannot change while it may be assigned.
pub async fn update(tx: &mut WriteTx, id: RoleId, draft: &RoleDraft) -> StoreResult<Role> {
    let current = get(&mut *tx, id).await?;
    if current.account_kind != draft.account_kind {
        return Err(StoreError::invalid("account_kind", FieldError::NotAllowed));
    }
    if name_taken(tx, &draft.name, Some(id)).await? {
        return Err(StoreError::invalid("name", FieldError::Taken));
    }
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query("UPDATE roles SET name = $2, description = $3, updated_at = $4 WHERE id = $1")
            .bind(id.as_uuid())
            .bind(draft.name.as_str())
            .bind(&draft.description)
            .bind(now)
            .execute(&mut *c)
            .await?
        .rows_affected()
    });
    write_permissions(tx, id, draft.permissions).await?;
    get(tx, id).await
}

/// Deletes a role nobody holds. A role still assigned is refused, so that
/// deleting a role never silently takes access away from people.
pub async fn delete(tx: &mut WriteTx, id: RoleId) -> StoreResult<Role> {
    let role = get(&mut *tx, id).await?;
    let holders: i64 = on_conn!(&mut *tx, c => {
        sqlx::query_scalar("SELECT COUNT(*) FROM role_assignments WHERE role_id = $1")
            .bind(id.as_uuid())
            .fetch_one(&mut *c)
            .await?
    });
    if holders > 0 {
        return Err(StoreError::invalid("role", FieldError::NotAllowed));
    }
    on_conn!(tx, c => {
        sqlx::query("DELETE FROM roles WHERE id = $1").bind(id.as_uuid()).execute(&mut *c).await?
        .rows_affected()
    });
    Ok(role)
}

/// Creates the roles of the built-in templates that do not exist yet.
/// Run at every start: a fresh installation gets its roles, and a template
/// added by an upgrade appears; roles an administrator edited stay as they are.
pub async fn ensure_templates(tx: &mut WriteTx) -> StoreResult<Vec<Role>> {
    let mut created = Vec::new();
    for template in RoleTemplate::ALL.iter().copied() {
        if find_by_template(&mut *tx, template).await?.is_some() {
            continue;
        }
        let mut name = RoleName::parse(template.default_name()).map_err(|e| StoreError::invalid("name", e))?;
        // An administrator may have taken the default name for another role.
        if name_taken(tx, &name, None).await? {
            name = RoleName::parse(&format!("{} (шаблон)", template.default_name()))
                .map_err(|e| StoreError::invalid("name", e))?;
        }
        let draft = RoleDraft {
            name,
            description: template.default_description().to_owned(),
            permissions: template.permissions(),
            account_kind: template.account_kind(),
        };
        created.push(insert(tx, &draft, Some(template)).await?);
    }
    Ok(created)
}
