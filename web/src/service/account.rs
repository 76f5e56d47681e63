//! The caller's own account: password, sessions and API tokens.

use chrono::Utc;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ids::TokenId;
use domovoy_domain::password::{NewPassword, verify_password};
use domovoy_store::audit::{self, Change};
use domovoy_store::tokens::{self, NewToken, TokenInfo, TokenKind};
use domovoy_store::users;

use super::present;
use super::users::hash;
use crate::auth::Caller;
use crate::auth::secret::{hash_secret, new_secret};
use crate::error::ApiError;
use crate::state::AppState;

/// Changes the caller's password after checking the current one; every
/// other session and token of the account is revoked.
pub async fn change_password(
    state: &AppState,
    caller: &Caller,
    current: &str,
    new: &str,
    repeat: Option<&str>,
) -> Result<(), ApiError> {
    let mut errors = FieldErrors::new();
    let password = errors.check("new_password", NewPassword::parse(new, caller.user.login.as_str()));
    if let Some(repeat) = repeat
        && repeat != new
    {
        errors.add("repeat_password", FieldError::NotAllowed);
    }
    if current.is_empty() {
        errors.add("current_password", FieldError::Required);
    }
    errors.into_result()?;
    let Some(password) = password else { return Err(ApiError::Validation(FieldErrors::new())) };
    let stored = users::password_hash(&state.db, caller.user.id).await?;
    let current = current.to_owned();
    let matches = actix_web::rt::task::spawn_blocking(move || verify_password(&current, &stored))
        .await
        .map_err(ApiError::internal)?;
    if !matches {
        return Err(ApiError::field("current_password", FieldError::NotAllowed));
    }
    let hashed = hash(password).await?;
    let (id, keep, actor) = (caller.user.id, caller.token.id, caller.actor());
    state
        .write(move |tx| {
            Box::pin(async move {
                users::set_password(tx, id, &hashed).await?;
                tokens::revoke_all(tx, id, Some(keep)).await?;
                audit::record(tx, Change::new(&actor, AuditAction::PasswordChanged, id)).await?;
                Ok(())
            })
        })
        .await
}

/// The caller's live sessions and tokens.
pub async fn tokens(state: &AppState, caller: &Caller) -> Result<Vec<TokenInfo>, ApiError> {
    Ok(tokens::list(&state.db, caller.user.id, Utc::now()).await?)
}

/// A new API token for the caller; the secret is returned once.
pub async fn create_api_token(state: &AppState, caller: &Caller, name: &str) -> Result<(TokenInfo, String), ApiError> {
    let name = present(Some(name)).ok_or(ApiError::field("name", FieldError::Required))?.to_owned();
    if name.chars().count() > 100 {
        return Err(ApiError::field("name", FieldError::TooLong { max: 100 }));
    }
    let secret = new_secret();
    let token = NewToken {
        user_id: caller.user.id,
        kind: TokenKind::Api,
        secret_hash: hash_secret(&secret),
        csrf_token: new_secret(),
        name,
        ip: caller.context.ip.map(|ip| ip.to_string()),
        user_agent: caller.context.user_agent.clone(),
        expires_at: Some(Utc::now() + state.config.api_token_lifetime),
    };
    let (user, actor) = (caller.user.id, caller.actor());
    let id = state
        .write(move |tx| {
            Box::pin(async move {
                let id = tokens::insert(tx, &token).await?;
                audit::record(tx, Change::new(&actor, AuditAction::TokenCreated, id).summary(token.name.clone()))
                    .await?;
                Ok(id)
            })
        })
        .await?;
    let info =
        tokens::list(&state.db, user, Utc::now()).await?.into_iter().find(|t| t.id == id).ok_or(ApiError::NotFound)?;
    Ok((info, secret))
}

/// Revokes one of the caller's own sessions or tokens.
pub async fn revoke_token(state: &AppState, caller: &Caller, id: TokenId) -> Result<(), ApiError> {
    let (user, actor) = (caller.user.id, caller.actor());
    state
        .write(move |tx| {
            Box::pin(async move {
                let info = tokens::revoke(tx, user, id).await?;
                audit::record(tx, Change::new(&actor, AuditAction::TokenRevoked, id).summary(info.name)).await?;
                Ok(())
            })
        })
        .await
}
