//! Roles: composed by administrators from the permission catalog.

use domovoy_domain::account::AccountKind;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ids::RoleId;
use domovoy_domain::permission::{Permission, PermissionSet};
use domovoy_domain::policy::Target;
use domovoy_domain::role::{Role, RoleName, parse_role_description};
use domovoy_store::audit::{self, Change};
use domovoy_store::roles::{self, RoleDraft};

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::common::{ensure_an_administrator_remains, optional};

/// A role as an administrator fills it in.
#[derive(Debug, Clone, Default)]
pub struct RoleInput {
    pub name: String,
    pub description: Option<String>,
    /// Permission codes; unknown codes are refused.
    pub permissions: Vec<String>,
    /// `staff` (default) or `resident`.
    pub account_kind: Option<String>,
}

fn require_admin(requester: &Requester) -> Result<(), AppError> {
    requester.require(Permission::AdminRoles, &Target::SYSTEM)
}

fn parse(input: &RoleInput) -> Result<RoleDraft, AppError> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", RoleName::parse(&input.name));
    let description = errors.check("description", parse_role_description(input.description.as_deref().unwrap_or("")));
    let account_kind = optional(&mut errors, "account_kind", input.account_kind.as_deref(), str::parse::<AccountKind>)
        .unwrap_or(AccountKind::Staff);
    let mut permissions = PermissionSet::empty();
    for code in &input.permissions {
        match code.parse::<Permission>() {
            Ok(permission) => permissions.insert(permission),
            Err(_) => errors.add("permissions", domovoy_domain::FieldError::Unknown),
        }
    }
    errors.into_result()?;
    match (name, description) {
        (Some(name), Some(description)) => Ok(RoleDraft { name, description, permissions, account_kind }),
        _ => Err(AppError::Validation(FieldErrors::new())),
    }
}

/// Every role (administrators, and anyone assigning roles).
pub async fn list(app: &App, requester: &Requester) -> Result<Vec<Role>, AppError> {
    if !requester.principal().can(Permission::AdminUsers, &Target::SYSTEM) {
        require_admin(requester)?;
    }
    Ok(roles::list(&app.db).await?)
}

pub async fn create(app: &App, requester: &Requester, input: &RoleInput) -> Result<Role, AppError> {
    require_admin(requester)?;
    let draft = parse(input)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let role = roles::insert(tx, &draft, None).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::RoleCreated, role.id).summary(role.name.to_string()).after(&role),
            )
            .await?;
            Ok(role)
        })
    })
    .await
}

/// Changes a role; refused if no administrator would remain.
pub async fn update(app: &App, requester: &Requester, id: RoleId, input: &RoleInput) -> Result<Role, AppError> {
    require_admin(requester)?;
    let draft = parse(input)?;
    let actor = requester.actor();
    let role = app
        .write(move |tx| {
            Box::pin(async move {
                let before = roles::get(&mut *tx, id).await?;
                let after = roles::update(tx, id, &draft).await?;
                ensure_an_administrator_remains(tx).await?;
                if before != after {
                    record_update(tx, &actor, &before, &after).await?;
                }
                Ok(after)
            })
        })
        .await?;
    // Whoever holds the role may now do more or less.
    app.tokens.clear();
    Ok(role)
}

/// Sets the permissions of several roles at once (the matrix editor), in
/// one transaction: either every column is saved or none.
pub async fn save_matrix(
    app: &App,
    requester: &Requester,
    matrix: Vec<(RoleId, PermissionSet)>,
) -> Result<usize, AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    let changed = app
        .write(move |tx| {
            Box::pin(async move {
                let mut changed = 0;
                for (id, permissions) in matrix {
                    let before = roles::get(&mut *tx, id).await?;
                    if before.permissions == permissions {
                        continue;
                    }
                    let draft = RoleDraft {
                        name: before.name.clone(),
                        description: before.description.clone(),
                        permissions,
                        account_kind: before.account_kind,
                    };
                    let after = roles::update(tx, id, &draft).await?;
                    record_update(tx, &actor, &before, &after).await?;
                    changed += 1;
                }
                ensure_an_administrator_remains(tx).await?;
                Ok(changed)
            })
        })
        .await?;
    // Whoever holds the role may now do more or less.
    app.tokens.clear();
    Ok(changed)
}

/// The audit entry of a changed role.
async fn record_update(
    tx: &mut domovoy_store::WriteTx,
    actor: &audit::Actor,
    before: &Role,
    after: &Role,
) -> Result<(), AppError> {
    audit::record(
        tx,
        Change::new(actor, AuditAction::RoleUpdated, after.id)
            .summary(after.name.to_string())
            .before(before)
            .after(after),
    )
    .await?;
    Ok(())
}

/// Deletes a role nobody holds.
pub async fn delete(app: &App, requester: &Requester, id: RoleId) -> Result<Role, AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let role = roles::delete(tx, id).await.map_err(|e| match e {
                domovoy_store::StoreError::Invalid { field: "role", .. } => AppError::Rule(crate::Rule::RoleInUse),
                other => other.into(),
            })?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::RoleDeleted, id).summary(role.name.to_string()).before(&role),
            )
            .await?;
            Ok(role)
        })
    })
    .await
}
