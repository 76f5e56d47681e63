//! Accounts and their roles.

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login, User};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::contact::{Email, Phone};
use domovoy_domain::error::FieldErrors;
use domovoy_domain::event::Event;
use domovoy_domain::ids::{AssignmentId, BuildingId, RoleId, UserId};
use domovoy_domain::password::{NewPassword, hash_password};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{GrantScope, Target};
use domovoy_store::assignments::{self, Assignment};
use domovoy_store::audit::{self, Change};
use domovoy_store::users::{self, NewUser, ProfileUpdate, UserFilter};
use domovoy_store::{WriteTx, tokens};

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::common::{ensure_an_administrator_remains, optional, present};
use crate::secret::new_password;

/// What an administrator fills in to create an account.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput {
    pub kind: Option<String>,
    /// A staff login, or a resident's phone number.
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
    /// Empty: a password is generated and returned once.
    pub password: Option<String>,
}

/// A created account and, when one was generated, its initial password.
#[derive(Debug)]
pub struct CreatedUser {
    pub user: User,
    pub generated_password: Option<String>,
}

/// Editable profile fields, as typed.
#[derive(Debug, Clone, Default)]
pub struct ProfileInput {
    pub display_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub locale: Option<String>,
}

fn require_admin(requester: &Requester) -> Result<(), AppError> {
    requester.require(Permission::AdminUsers, &Target::SYSTEM)
}

/// Tells the account's live sessions that its access changed.
fn access_changed(tx: &mut WriteTx, user: UserId) -> Result<(), AppError> {
    tx.emit(&Event::AccessChanged { user_id: user });
    Ok(())
}

/// Hashes off the event loop: argon2 takes tens of milliseconds on purpose.
pub async fn hash(password: NewPassword) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(AppError::unexpected)
}

pub async fn list(app: &App, requester: &Requester, filter: &UserFilter) -> Result<Vec<User>, AppError> {
    require_admin(requester)?;
    Ok(users::list(&app.db, filter).await?)
}

/// The account signing in as `login` (administrators).
pub async fn find_by_login(app: &App, requester: &Requester, login: &Login) -> Result<Option<User>, AppError> {
    require_admin(requester)?;
    Ok(users::find_by_login(&app.db, login).await?)
}

/// An account: administrators see any, everyone sees their own. Residents
/// never see each other.
pub async fn get(app: &App, requester: &Requester, id: UserId) -> Result<User, AppError> {
    if requester.user_id() != Some(id) {
        require_admin(requester)?;
    }
    Ok(users::get(&app.db, id).await?)
}

fn parse_profile(errors: &mut FieldErrors, input: &ProfileInput) -> Option<ProfileUpdate> {
    let display_name = errors.check("display_name", DisplayName::parse(&input.display_name));
    let email = optional(errors, "email", input.email.as_deref(), Email::parse);
    let phone = optional(errors, "phone", input.phone.as_deref(), Phone::parse);
    let locale = optional(errors, "locale", input.locale.as_deref(), str::parse::<Locale>).unwrap_or_default();
    Some(ProfileUpdate { display_name: display_name?, email, phone, locale })
}

/// Creates an account (an administrator, or the operator's command line).
pub async fn create(app: &App, requester: &Requester, input: NewUserInput) -> Result<CreatedUser, AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    let mut errors = FieldErrors::new();
    let kind =
        optional(&mut errors, "kind", input.kind.as_deref(), str::parse::<AccountKind>).unwrap_or(AccountKind::Staff);
    let (login, login_phone) = match kind {
        AccountKind::Staff => (errors.check("login", Login::staff(&input.login)), None),
        AccountKind::Resident => match errors.check("login", Phone::parse(&input.login)) {
            Some(phone) => (Some(Login::resident(&phone)), Some(phone)),
            None => (None, None),
        },
    };
    let profile = ProfileInput {
        display_name: input.display_name.clone(),
        email: input.email.clone(),
        phone: input.phone.clone(),
        locale: input.locale.clone(),
    };
    let profile = parse_profile(&mut errors, &profile);
    let login_text = login.as_ref().map(|l| l.to_string()).unwrap_or_default();
    let given = present(input.password.as_deref()).map(str::to_owned);
    let password = match &given {
        Some(text) => errors.check("password", NewPassword::parse(text, &login_text)),
        None => None,
    };
    errors.into_result()?;
    let (Some(login), Some(profile)) = (login, profile) else { return Err(AppError::Validation(FieldErrors::new())) };
    let generated = given.is_none().then(new_password);
    let password = match (password, &generated) {
        (Some(password), _) => password,
        (None, Some(generated)) => NewPassword::demo(generated),
        (None, None) => return Err(AppError::field("password", FieldError::Required)),
    };
    let new = NewUser {
        login,
        display_name: profile.display_name,
        kind,
        email: profile.email,
        phone: profile.phone.or(login_phone),
        locale: profile.locale,
        password_hash: hash(password).await?,
    };
    let user = app
        .write(move |tx| {
            Box::pin(async move {
                let user = users::insert(tx, &new).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::UserCreated, user.id)
                        .summary(format!("{} ({})", user.display_name, user.login))
                        .after(&user),
                )
                .await?;
                Ok(user)
            })
        })
        .await?;
    Ok(CreatedUser { user, generated_password: generated })
}

/// A partial change of a profile (an API `PATCH`): `None` leaves a field as
/// it is; `Some(None)` (or an empty text) clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct ProfilePatch {
    pub display_name: Option<String>,
    pub email: Option<Option<String>>,
    pub phone: Option<Option<String>>,
    pub locale: Option<String>,
}

/// Changes only the fields a patch names; the rest stay as they are.
pub async fn patch_profile(
    app: &App,
    requester: &Requester,
    id: UserId,
    patch: ProfilePatch,
) -> Result<User, AppError> {
    let current = get(app, requester, id).await?;
    let kept = |value: Option<Option<String>>, current: Option<String>| value.unwrap_or(current);
    let input = ProfileInput {
        display_name: patch.display_name.unwrap_or_else(|| current.display_name.to_string()),
        email: kept(patch.email, current.email.as_ref().map(ToString::to_string)),
        phone: kept(patch.phone, current.phone.as_ref().map(|p| p.e164().to_owned())),
        locale: Some(patch.locale.unwrap_or_else(|| current.locale.code().to_owned())),
    };
    update_profile(app, requester, id, &input).await
}

/// Changes an account's profile: the account itself or an administrator.
pub async fn update_profile(
    app: &App,
    requester: &Requester,
    id: UserId,
    input: &ProfileInput,
) -> Result<User, AppError> {
    if requester.user_id() != Some(id) {
        require_admin(requester)?;
    }
    let mut errors = FieldErrors::new();
    let update = parse_profile(&mut errors, input);
    errors.into_result()?;
    let Some(update) = update else { return Err(AppError::Validation(FieldErrors::new())) };
    let actor = requester.actor();
    let after = app
        .write(move |tx| {
            Box::pin(async move {
                let before = users::get(&mut *tx, id).await?;
                let after = users::update_profile(tx, id, &update).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::UserUpdated, id)
                        .summary(after.display_name.to_string())
                        .before(&before)
                        .after(&after),
                )
                .await?;
                Ok(after)
            })
        })
        .await?;
    // Requests carry the account's name, contacts and language.
    app.tokens.forget(id);
    Ok(after)
}

/// Disables or re-enables an account. Disabling ends all its sessions; an
/// administrator cannot disable themself, nor the last administrator.
pub async fn set_disabled(app: &App, requester: &Requester, id: UserId, disabled: bool) -> Result<User, AppError> {
    require_admin(requester)?;
    if disabled && requester.user_id() == Some(id) {
        return Err(AppError::Rule(crate::Rule::SelfDisable));
    }
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let before = users::get(&mut *tx, id).await?;
            let after = users::set_disabled(tx, id, disabled).await?;
            if disabled {
                tokens::revoke_all(tx, id, None).await?;
                ensure_an_administrator_remains(tx).await?;
            }
            let action = if disabled { AuditAction::UserDisabled } else { AuditAction::UserEnabled };
            audit::record(
                tx,
                Change::new(&actor, action, id).summary(after.login.to_string()).before(&before).after(&after),
            )
            .await?;
            access_changed(tx, id)?;
            Ok(after)
        })
    })
    .await
}

/// Lifts the sign-in waits on an account (from every address, on this
/// node; other nodes' waits run out by themselves, a minute at most for the
/// account) and clears its failure count.
pub async fn unlock(app: &App, requester: &Requester, id: UserId) -> Result<(), AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    let login = app
        .write(move |tx| {
            Box::pin(async move {
                let user = users::get(&mut *tx, id).await?;
                users::unlock(tx, id).await?;
                audit::record(tx, Change::new(&actor, AuditAction::UserUnlocked, id)).await?;
                Ok(user.login)
            })
        })
        .await?;
    app.login_throttle.forget(login.as_str());
    Ok(())
}

/// Sets a new generated password, ends all sessions, returns the password.
pub async fn reset_password(app: &App, requester: &Requester, id: UserId) -> Result<String, AppError> {
    require_admin(requester)?;
    let password = new_password();
    set_password(app, requester, id, NewPassword::demo(&password)).await?;
    Ok(password)
}

/// Replaces an account's password (an administrator's reset, the
/// operator's `domovoy user passwd`) and ends all its sessions.
pub async fn set_password(app: &App, requester: &Requester, id: UserId, password: NewPassword) -> Result<(), AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    let hashed = hash(password).await?;
    app.write(move |tx| {
        Box::pin(async move {
            users::set_password(tx, id, &hashed).await?;
            tokens::revoke_all(tx, id, None).await?;
            audit::record(tx, Change::new(&actor, AuditAction::PasswordReset, id)).await?;
            access_changed(tx, id)?;
            Ok(())
        })
    })
    .await
}

/// An account's roles (the account itself or an administrator).
pub async fn assignments_of(app: &App, requester: &Requester, id: UserId) -> Result<Vec<Assignment>, AppError> {
    if requester.user_id() != Some(id) {
        require_admin(requester)?;
    }
    Ok(assignments::for_user(&app.db, id).await?)
}

/// Where a role is granted, as an administrator picks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeChoice {
    AllBuildings,
    Building(BuildingId),
    /// Residents: their own things.
    Own,
}

/// Reads a scope from a form or JSON value: `all`, `own` or a building id.
pub fn parse_scope(raw: Option<&str>) -> Result<ScopeChoice, FieldError> {
    match present(raw) {
        None => Err(FieldError::Required),
        Some("all") => Ok(ScopeChoice::AllBuildings),
        Some("own") => Ok(ScopeChoice::Own),
        Some(id) => id.parse().map(ScopeChoice::Building).map_err(|_| FieldError::InvalidFormat),
    }
}

impl From<ScopeChoice> for GrantScope {
    fn from(choice: ScopeChoice) -> Self {
        match choice {
            ScopeChoice::AllBuildings => GrantScope::AllBuildings,
            ScopeChoice::Building(id) => GrantScope::Building(id),
            ScopeChoice::Own => GrantScope::Own,
        }
    }
}

pub async fn grant(
    app: &App,
    requester: &Requester,
    user: UserId,
    role: RoleId,
    scope: ScopeChoice,
) -> Result<Assignment, AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    let scope = GrantScope::from(scope);
    app.write(move |tx| {
        Box::pin(async move {
            let assignment = assignments::grant(tx, user, role, scope).await?;
            let building = match scope {
                GrantScope::Building(id) => Some(id),
                _ => None,
            };
            audit::record(
                tx,
                Change::new(&actor, AuditAction::RoleGranted, assignment.id)
                    .building(building)
                    .summary(format!("{}: {}", assignment.user_login, assignment.role_name))
                    .after(&assignment),
            )
            .await?;
            access_changed(tx, user)?;
            Ok(assignment)
        })
    })
    .await
}

pub async fn revoke(app: &App, requester: &Requester, id: AssignmentId) -> Result<Assignment, AppError> {
    require_admin(requester)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let assignment = assignments::revoke(tx, id).await?;
            ensure_an_administrator_remains(tx).await?;
            let building = match assignment.scope {
                GrantScope::Building(id) => Some(id),
                _ => None,
            };
            audit::record(
                tx,
                Change::new(&actor, AuditAction::RoleRevoked, id)
                    .building(building)
                    .summary(format!("{}: {}", assignment.user_login, assignment.role_name))
                    .before(&assignment),
            )
            .await?;
            access_changed(tx, assignment.user_id)?;
            Ok(assignment)
        })
    })
    .await
}

/// `user` as the requester of work done on their behalf later (a
/// scheduled report or mailing): their grants as they are now; a disabled
/// account is refused.
pub async fn as_job(app: &App, user: UserId) -> Result<Requester, AppError> {
    let user = users::get(&app.db, user).await?;
    if user.is_disabled() {
        return Err(AppError::AccountDisabled);
    }
    let grants = assignments::grants(&app.db, user.id).await?;
    let principal = domovoy_domain::policy::Principal::new(user.id, user.kind, grants);
    Ok(Requester::person(user, principal, None, crate::Channel::Job, crate::Origin::default()))
}
