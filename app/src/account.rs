//! The requester's own account: password, sessions and API tokens.

use chrono::Utc;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::event::Event;
use domovoy_domain::ids::TokenId;
use domovoy_domain::password::{NewPassword, verify_password};
use domovoy_store::audit::{self, Change};
use domovoy_store::tokens::{self, NewToken, TokenInfo, TokenKind};
use domovoy_store::users;

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::secret::{hash_secret, new_secret};
use crate::users::hash;

/// Changes the requester's password after checking the current one; every
/// other session and token of the account is revoked.
pub async fn change_password(
    app: &App,
    requester: &Requester,
    current: &str,
    new: &str,
    repeat: Option<&str>,
) -> Result<(), AppError> {
    let account = requester.account()?;
    let mut errors = FieldErrors::new();
    let password = errors.check("new_password", NewPassword::parse(new, account.login.as_str()));
    if let Some(repeat) = repeat
        && repeat != new
    {
        errors.add("repeat_password", FieldError::NotAllowed);
    }
    if current.is_empty() {
        errors.add("current_password", FieldError::Required);
    }
    errors.into_result()?;
    let Some(password) = password else { return Err(AppError::Validation(FieldErrors::new())) };
    let stored = users::password_hash(&app.db, account.id).await?;
    let current = current.to_owned();
    let matches =
        tokio::task::spawn_blocking(move || verify_password(&current, &stored)).await.map_err(AppError::unexpected)?;
    if !matches {
        return Err(AppError::field("current_password", FieldError::NotAllowed));
    }
    let hashed = hash(password).await?;
    let (id, keep, actor) = (account.id, requester.token(), requester.actor());
    app.write(move |tx| {
        Box::pin(async move {
            users::set_password(tx, id, &hashed).await?;
            tokens::revoke_all(tx, id, keep).await?;
            audit::record(tx, Change::new(&actor, AuditAction::PasswordChanged, id)).await?;
            // Sockets of the revoked sessions close now, not at their next
            // request; this session reconnects at once.
            tx.emit(&Event::AccessChanged { user_id: id });
            Ok(())
        })
    })
    .await
}

/// The requester's live sessions and tokens.
pub async fn tokens(app: &App, requester: &Requester) -> Result<Vec<TokenInfo>, AppError> {
    Ok(tokens::list(&app.db, requester.account()?.id, Utc::now()).await?)
}

/// A new API token for the requester; the secret is returned once.
pub async fn create_api_token(app: &App, requester: &Requester, name: &str) -> Result<(TokenInfo, String), AppError> {
    let name = domovoy_domain::error::bounded_text(name, 1, 100).map_err(|e| AppError::field("name", e))?;
    let user = requester.account()?.id;
    let secret = new_secret();
    let token = NewToken {
        user_id: user,
        kind: TokenKind::Api,
        secret_hash: hash_secret(&secret),
        csrf_token: new_secret(),
        name,
        ip: requester.origin().ip.map(|ip| ip.to_string()),
        user_agent: requester.origin().user_agent.clone(),
        expires_at: Some(Utc::now() + app.config.api_token_lifetime),
    };
    let actor = requester.actor();
    let id = app
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
        tokens::list(&app.db, user, Utc::now()).await?.into_iter().find(|t| t.id == id).ok_or(AppError::NotFound)?;
    Ok((info, secret))
}

/// Revokes one of the requester's own sessions or tokens.
pub async fn revoke_token(app: &App, requester: &Requester, id: TokenId) -> Result<(), AppError> {
    let (user, actor) = (requester.account()?.id, requester.actor());
    app.write(move |tx| {
        Box::pin(async move {
            let info = tokens::revoke(tx, user, id).await?;
            audit::record(tx, Change::new(&actor, AuditAction::TokenRevoked, id).summary(info.name)).await?;
            tx.emit(&Event::AccessChanged { user_id: user });
            Ok(())
        })
    })
    .await
}
