//! Signing in and out.

use chrono::{DateTime, Utc};

use domovoy_domain::account::{Login, User};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::password::verify_password;
use domovoy_store::audit::{self, Actor, Change};
use domovoy_store::tokens::{self, NewToken, TokenKind};
use domovoy_store::users;

use super::caller::{Caller, RequestContext};
use super::secret::{hash_secret, new_secret};
use crate::error::ApiError;
use crate::state::AppState;

/// A sign-in attempt.
#[derive(Debug)]
pub struct SignInRequest<'a> {
    /// What the person typed: a staff login or a phone number.
    pub login: &'a str,
    pub password: String,
    /// A browser session, or a bearer token for a program or device.
    pub kind: TokenKind,
    /// Shown in the owner's list of sessions and tokens.
    pub token_name: String,
    pub context: &'a RequestContext,
}

/// A successful sign-in: the secret to hand over (once) and the account.
#[derive(Debug)]
pub struct SignedIn {
    pub secret: String,
    pub csrf: String,
    pub user: User,
    pub expires_at: Option<DateTime<Utc>>,
}

/// Checks the credentials and opens a session or token.
///
/// Wrong passwords count towards a temporary lockout of the account; every
/// attempt counts towards the limit of the client address. A missing login
/// costs the same hashing time as a wrong password, so timing does not tell
/// which logins exist.
pub async fn sign_in(state: &AppState, request: SignInRequest<'_>) -> Result<SignedIn, ApiError> {
    if let Some(ip) = request.context.ip
        && let Err(wait) = state.sign_in_limiter.check(ip)
    {
        state.metrics.sign_ins.with(&["rate_limited"]).inc();
        return Err(ApiError::TooManyRequests { retry_after: wait });
    }
    let found = match Login::from_sign_in(request.login) {
        Ok(login) => users::credentials(&state.db, &login).await?,
        Err(_) => None,
    };
    let (stored_hash, user) = match found {
        Some(credentials) => (credentials.password_hash, Some(credentials.user)),
        None => (state.dummy_hash.clone(), None),
    };
    let now = Utc::now();
    if let Some(user) = &user
        && user.is_locked(now)
    {
        state.metrics.sign_ins.with(&["locked"]).inc();
        return Err(locked_error(state, user));
    }
    let password = request.password;
    // argon2 takes tens of milliseconds of CPU by design: off the event loop.
    let matches = actix_web::rt::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(ApiError::internal)?;
    let Some(user) = user else {
        state.metrics.sign_ins.with(&["failed"]).inc();
        return Err(ApiError::InvalidCredentials);
    };
    let actor = Actor {
        user_id: Some(user.id),
        login: user.login.to_string(),
        ip: request.context.ip.map(|ip| ip.to_string()),
        request_id: Some(request.context.id.clone()),
    };
    if !matches {
        state.metrics.sign_ins.with(&["failed"]).inc();
        return Err(record_failure(state, user, actor).await?);
    }
    if user.is_disabled() {
        state.metrics.sign_ins.with(&["disabled"]).inc();
        return Err(ApiError::AccountDisabled);
    }
    let secret = new_secret();
    let csrf = new_secret();
    let expires_at = Some(
        now + match request.kind {
            TokenKind::Session => state.config.session_idle,
            TokenKind::Api | TokenKind::Device => state.config.api_token_lifetime,
        },
    );
    let token = NewToken {
        user_id: user.id,
        kind: request.kind,
        secret_hash: hash_secret(&secret),
        csrf_token: csrf.clone(),
        name: request.token_name,
        ip: actor.ip.clone(),
        user_agent: request.context.user_agent.clone(),
        expires_at,
    };
    let user_id = user.id;
    state
        .write(move |tx| {
            Box::pin(async move {
                users::record_sign_in(tx, user_id).await?;
                let token_id = tokens::insert(tx, &token).await?;
                audit::record(tx, Change::new(&actor, AuditAction::SignedIn, user_id).summary(token.name.clone()))
                    .await?;
                Ok(token_id)
            })
        })
        .await?;
    state.metrics.sign_ins.with(&["ok"]).inc();
    Ok(SignedIn { secret, csrf, user, expires_at })
}

async fn record_failure(state: &AppState, user: User, actor: Actor) -> Result<ApiError, ApiError> {
    let failed = state.config.lockout.after_failure(user.failed_logins, Utc::now());
    let user_id = user.id;
    state
        .write(move |tx| {
            Box::pin(async move {
                users::record_failed_sign_in(tx, user_id, failed).await?;
                audit::record(tx, Change::new(&actor, AuditAction::SignInFailed, user_id)).await?;
                if failed.locked_until.is_some() {
                    audit::record(tx, Change::new(&actor, AuditAction::AccountLocked, user_id)).await?;
                }
                Ok(())
            })
        })
        .await?;
    Ok(match failed.locked_until {
        Some(until) => locked_error(state, &User { locked_until: Some(until), ..user }),
        None => ApiError::InvalidCredentials,
    })
}

fn locked_error(state: &AppState, user: &User) -> ApiError {
    let until = user.locked_until.unwrap_or_else(Utc::now);
    let retry_after = (until - Utc::now()).to_std().unwrap_or_default();
    let until_local = until.with_timezone(&state.config.display_time_zone).format("%H:%M").to_string();
    ApiError::AccountLocked { until_local, retry_after }
}

/// Ends the caller's session or revokes the token they used.
pub async fn sign_out(state: &AppState, caller: &Caller) -> Result<(), ApiError> {
    let (user_id, token_id, actor) = (caller.user.id, caller.token.id, caller.actor());
    state
        .write(move |tx| {
            Box::pin(async move {
                tokens::revoke(tx, user_id, token_id).await?;
                audit::record(tx, Change::new(&actor, AuditAction::SignedOut, user_id)).await?;
                Ok(())
            })
        })
        .await
}
