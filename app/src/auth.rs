//! Signing in and out, and recognising a presented token.
//!
//! Browsers carry a session cookie, programs and devices a bearer token;
//! either way the door hands the secret here, and it is looked up by its
//! SHA-256, so the database never holds a usable token.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use domovoy_domain::account::{Login, User};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::event::{Event, EventKind, Topic};
use domovoy_domain::ids::UserId;
use domovoy_domain::password::verify_password;
use domovoy_domain::policy::Principal;
use domovoy_store::audit::{self, Actor, Change};
use domovoy_store::events::StoredEvent;
use domovoy_store::tokens::{self, NewToken, TokenInfo, TokenKind};
use domovoy_store::users;

use crate::secret::{hash_secret, new_secret};
use crate::{App, AppError, AppResult, Channel, Limit, Origin, Requester};

/// A token is marked used at most this often: often enough for the
/// "last used" column and sliding session expiry, rare enough that reads do
/// not turn into writes.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// How long a token found in the database is believed without asking it
/// again: a burst of requests with one token (a page's API calls, a
/// dispatcher's keystrokes, an intake program) reads the token, its account
/// and its grants once. A change of access made on this node is seen at
/// once ([`TokenCache::committed`]); one made on another node, within this.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(1);

/// Most tokens held (only tokens found are kept, so guessed secrets cannot
/// fill it); beyond this, new ones are not kept until old ones expire.
const TOKEN_CACHE_MAX: usize = 4096;

/// Tokens recently found, by the hash of their secret.
#[derive(Debug, Default)]
pub struct TokenCache {
    inner: Mutex<Cached>,
}

#[derive(Debug, Default)]
struct Cached {
    found: HashMap<Vec<u8>, (Instant, tokens::Authenticated)>,
    /// Counts the forgettings: a token read from the database before one
    /// (a sign-out committing meanwhile) is not kept.
    generation: u64,
}

impl Cached {
    fn keep_only(&mut self, keep: impl Fn(&tokens::Authenticated) -> bool) {
        self.found.retain(|_, (_, found)| keep(found));
        self.generation += 1;
    }
}

impl TokenCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Cached> {
        // The map stays consistent whatever panicked while holding it.
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The token behind `hash`, if found within [`TOKEN_CACHE_TTL`] and not
    /// expired since; otherwise the generation to hand to [`Self::put`]
    /// with what the database says.
    fn get(&self, hash: &[u8], now: DateTime<Utc>) -> Result<tokens::Authenticated, u64> {
        let cached = self.lock();
        match cached.found.get(hash) {
            Some((at, found))
                if at.elapsed() < TOKEN_CACHE_TTL && found.token.expires_at.is_none_or(|expires| expires > now) =>
            {
                Ok(found.clone())
            }
            _ => Err(cached.generation),
        }
    }

    /// Keeps a token read from the database, unless something was forgotten
    /// since the read began (`generation`).
    fn put(&self, hash: Vec<u8>, found: tokens::Authenticated, generation: u64) {
        let mut cached = self.lock();
        if cached.generation != generation {
            return;
        }
        if cached.found.len() >= TOKEN_CACHE_MAX {
            cached.found.retain(|_, (at, _)| at.elapsed() < TOKEN_CACHE_TTL);
        }
        if cached.found.len() < TOKEN_CACHE_MAX {
            cached.found.insert(hash, (Instant::now(), found));
        }
    }

    /// Records that a token was just marked used, so that the next request
    /// does not mark it again.
    fn touched(&self, hash: &[u8], now: DateTime<Utc>) {
        if let Some((_, found)) = self.lock().found.get_mut(hash) {
            found.token.last_used_at = now;
        }
    }

    /// Forgets the tokens of every account whose access a committed write
    /// changed (signed out, token revoked, password changed, disabled,
    /// roles granted or taken).
    pub fn committed(&self, events: &[StoredEvent]) {
        let users: Vec<UserId> = events
            .iter()
            .filter(|e| e.kind == EventKind::AccessChanged.code())
            .filter_map(|e| match e.topic {
                Topic::User(user) => Some(user),
                _ => None,
            })
            .collect();
        if !users.is_empty() {
            self.lock().keep_only(|found| !users.contains(&found.user.id));
        }
    }

    /// Forgets the tokens of one account (its profile changed: requests
    /// carry its name, contacts and language).
    pub fn forget(&self, user: UserId) {
        self.lock().keep_only(|found| found.user.id != user);
    }

    /// Forgets every token (a role's permissions changed: any account may
    /// hold it).
    pub fn clear(&self) {
        self.lock().keep_only(|_| false);
    }
}

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
    pub origin: &'a Origin,
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
/// Guessing is slowed, never turned into a lock-out: every attempt counts
/// towards the limit of the client address, and wrong passwords for one
/// login from one address make the next attempt from there wait longer and
/// longer ([`domovoy_domain::account::SignInThrottle`]); the owner signing
/// in from elsewhere is not affected. Until the password is right, an
/// unknown login, a wrong password and a disabled account get the same
/// answer after the same hashing time, so nothing tells which logins exist.
pub async fn sign_in(app: &App, request: SignInRequest<'_>) -> AppResult<SignedIn> {
    let ip = request.origin.ip;
    if let Some(ip) = ip
        && let Err(wait) = app.sign_in_limiter.check(ip)
    {
        app.metrics.sign_ins.with(&["rate_limited"]).inc();
        return Err(AppError::TooManyRequests { limit: Limit::SignIn, retry_after: wait });
    }
    // Throttled by the login as typed (normalised when it is one), so
    // unknown logins are throttled alike.
    let login = Login::from_sign_in(request.login).ok();
    let typed = login.as_ref().map_or_else(|| request.login.trim().to_lowercase(), |l| l.as_str().to_owned());
    if let Err(wait) = app.login_throttle.check(&typed, ip) {
        app.metrics.sign_ins.with(&["throttled"]).inc();
        return Err(AppError::TooManyRequests { limit: Limit::SignIn, retry_after: wait });
    }
    let found = match &login {
        Some(login) => users::credentials(&app.db, login).await?,
        None => None,
    };
    let (stored_hash, user) = match found {
        Some(credentials) => (credentials.password_hash, Some(credentials.user)),
        None => (app.dummy_hash.clone(), None),
    };
    let password = request.password;
    // argon2 takes tens of milliseconds of CPU by design: off the event loop.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored_hash))
        .await
        .map_err(AppError::unexpected)?;
    let user = match user {
        Some(user) if matches => user,
        user => {
            app.login_throttle.failed(&typed, ip);
            app.metrics.sign_ins.with(&["failed"]).inc();
            if let Some(user) = user {
                record_failure(app, &user, request.origin).await?;
            }
            return Err(AppError::InvalidCredentials);
        }
    };
    app.login_throttle.succeeded(&typed);
    if user.is_disabled() {
        // The password is right: the owner may learn why they cannot enter.
        app.metrics.sign_ins.with(&["disabled"]).inc();
        return Err(AppError::AccountDisabled);
    }
    let signed_in = open_session(app, user, request.kind, request.token_name, request.origin).await?;
    app.metrics.sign_ins.with(&["ok"]).inc();
    Ok(signed_in)
}

/// Opens a session or token for `user`, whose credentials were checked
/// (a password, a code sent by SMS), and records the sign-in.
pub(crate) async fn open_session(
    app: &App,
    user: User,
    kind: TokenKind,
    token_name: String,
    origin: &Origin,
) -> AppResult<SignedIn> {
    let actor = Actor {
        user_id: Some(user.id),
        login: user.login.to_string(),
        ip: origin.ip.map(|ip| ip.to_string()),
        request_id: origin.request_id.clone(),
    };
    let now = Utc::now();
    let secret = new_secret();
    let csrf = new_secret();
    let expires_at = Some(
        now + match kind {
            TokenKind::Session => app.config.session_idle,
            TokenKind::Api | TokenKind::Device => app.config.api_token_lifetime,
        },
    );
    let token = NewToken {
        user_id: user.id,
        kind,
        secret_hash: hash_secret(&secret),
        csrf_token: csrf.clone(),
        name: token_name,
        ip: actor.ip.clone(),
        user_agent: origin.user_agent.clone(),
        expires_at,
    };
    let user_id = user.id;
    app.write(move |tx| {
        Box::pin(async move {
            users::record_sign_in(tx, user_id).await?;
            let token_id = tokens::insert(tx, &token).await?;
            audit::record(tx, Change::new(&actor, AuditAction::SignedIn, user_id).summary(token.name.clone())).await?;
            Ok(token_id)
        })
    })
    .await?;
    Ok(SignedIn { secret, csrf, user, expires_at })
}

/// A wrong password for an existing account: counted and audited.
async fn record_failure(app: &App, user: &User, origin: &Origin) -> AppResult<()> {
    let actor = Actor {
        user_id: Some(user.id),
        login: user.login.to_string(),
        ip: origin.ip.map(|ip| ip.to_string()),
        request_id: origin.request_id.clone(),
    };
    let user_id = user.id;
    app.write(move |tx| {
        Box::pin(async move {
            users::record_failed_sign_in(tx, user_id).await?;
            audit::record(tx, Change::new(&actor, AuditAction::SignInFailed, user_id)).await?;
            Ok(())
        })
    })
    .await
}

/// Ends the requester's session or revokes the token they used.
pub async fn sign_out(app: &App, requester: &Requester) -> AppResult<()> {
    let user_id = requester.account()?.id;
    let Some(token_id) = requester.token() else { return Ok(()) };
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            tokens::revoke(tx, user_id, token_id).await?;
            audit::record(tx, Change::new(&actor, AuditAction::SignedOut, user_id)).await?;
            // Open sockets of the ended session close; the account's other
            // sessions reconnect at once with their own tokens.
            tx.emit(&Event::AccessChanged { user_id });
            Ok(())
        })
    })
    .await
}

/// A recognised token: who it belongs to and what the door needs of it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub requester: Requester,
    pub token: TokenInfo,
    /// The session's CSRF token (the web door checks forms against it).
    pub csrf: String,
}

/// Finds the account behind a presented secret, with its grants, in one
/// statement (or from [`TokenCache`]); `None` for an unknown, expired or
/// revoked token.
pub async fn authenticate(
    app: &App,
    secret: &str,
    channel: Channel,
    origin: Origin,
) -> AppResult<Option<Authenticated>> {
    let now = Utc::now();
    let hash = hash_secret(secret);
    let found = match app.tokens.get(&hash, now) {
        Ok(found) => found,
        Err(generation) => {
            let Some(found) = tokens::authenticate(&app.db, &hash, now).await? else {
                return Ok(None);
            };
            app.tokens.put(hash.clone(), found.clone(), generation);
            found
        }
    };
    let principal = Principal::new(found.user.id, found.user.kind, found.grants);
    if now - found.token.last_used_at > TOUCH_INTERVAL {
        touch(app, &found.token, now);
        app.tokens.touched(&hash, now);
    }
    Ok(Some(Authenticated {
        requester: Requester::person(found.user, principal, Some(found.token.id), channel, origin),
        token: found.token,
        csrf: found.csrf_token,
    }))
}

/// Records use of a token in the background; a session's expiry slides.
fn touch(app: &App, token: &TokenInfo, now: DateTime<Utc>) {
    let expires = (token.kind == TokenKind::Session).then(|| now + app.config.session_idle);
    let (db, id) = (app.db.clone(), token.id);
    // The request does not wait for this bookkeeping; a failure only leaves
    // "last used" a minute stale.
    tokio::spawn(async move {
        if let Err(error) = db.write(move |tx| Box::pin(async move { tokens::touch(tx, id, expires).await })).await {
            tracing::warn!(%error, "cannot record token use");
        }
    });
}
