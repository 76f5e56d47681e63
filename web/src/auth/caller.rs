//! Who is calling: the `Caller` extractors.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use chrono::Utc;

use domovoy_domain::account::{Locale, User};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Principal, Reach, Target};
use domovoy_store::audit::Actor;
use domovoy_store::tokens as token_store;
use domovoy_store::tokens::{self, TokenInfo, TokenKind};

use super::secret::{hash_secret, same_secret};
use super::{CSRF_HEADER, SESSION_COOKIE};
use crate::error::{ApiError, PageError};
use crate::i18n::{Catalog, catalog};
use crate::state::AppState;

/// A token is marked used at most this often: often enough for the
/// "last used" column and sliding session expiry, rare enough that reads do
/// not turn into writes.
const TOUCH_INTERVAL: chrono::Duration = chrono::Duration::seconds(60);

/// Facts about the request, set by the context middleware.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub id: String,
    pub locale: Locale,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
}

impl RequestContext {
    /// The context of `req` (a default one where the middleware did not run).
    pub fn of(req: &HttpRequest) -> RequestContext {
        req.extensions().get::<RequestContext>().cloned().unwrap_or_else(|| RequestContext {
            id: String::new(),
            locale: Locale::Ru,
            ip: req.peer_addr().map(|a| a.ip()),
            user_agent: None,
        })
    }

    pub fn t(&self) -> &'static Catalog {
        catalog(self.locale)
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthVia {
    /// The browser session cookie (CSRF checks apply).
    Cookie,
    /// An `Authorization: Bearer` header or a `?token=` on `/ws`.
    Bearer,
}

/// A signed-in account, its grants and its token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: User,
    pub principal: Principal,
    pub token: TokenInfo,
    /// The session's CSRF token (checked against forms and headers).
    pub csrf: String,
    pub via: AuthVia,
    pub context: RequestContext,
}

impl Caller {
    /// Who to record in the audit log for this caller's changes.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.user.id),
            login: self.user.login.to_string(),
            ip: self.context.ip.map(|ip| ip.to_string()),
            request_id: Some(self.context.id.clone()).filter(|id| !id.is_empty()),
        }
    }

    /// Refuses unless the policy allows `permission` on `target`.
    pub fn require(&self, permission: Permission, target: &Target) -> Result<(), ApiError> {
        if self.principal.can(permission, target) { Ok(()) } else { Err(ApiError::Forbidden) }
    }

    /// What `permission` reaches; refuses when it reaches nothing.
    pub fn reach(&self, permission: Permission) -> Result<Reach, ApiError> {
        let reach = self.principal.reach(permission);
        if reach.is_nothing() { Err(ApiError::Forbidden) } else { Ok(reach) }
    }

    pub fn t(&self) -> &'static Catalog {
        self.context.t()
    }
}

/// Finds the token of the request: a Bearer header first, then (for the
/// WebSocket endpoint only) `?token=`, then the session cookie.
fn presented_token(req: &HttpRequest) -> Option<(String, AuthVia)> {
    if let Some(value) = req.headers().get(actix_web::http::header::AUTHORIZATION)
        && let Some(token) = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer "))
    {
        return Some((token.trim().to_owned(), AuthVia::Bearer));
    }
    if req.path() == "/ws"
        && let Some(token) = web::Query::<std::collections::HashMap<String, String>>::from_query(req.query_string())
            .ok()
            .and_then(|q| q.get("token").cloned())
    {
        return Some((token, AuthVia::Bearer));
    }
    req.cookie(SESSION_COOKIE).map(|c| (c.value().to_owned(), AuthVia::Cookie))
}

/// The caller of `req`, if signed in; cached in the request's extensions so
/// several extractors share one lookup.
pub async fn authenticate(req: &HttpRequest) -> Result<Option<Caller>, ApiError> {
    if let Some(cached) = req.extensions().get::<Option<Caller>>() {
        return Ok(cached.clone());
    }
    let caller = lookup(req).await?;
    req.extensions_mut().insert(caller.clone());
    Ok(caller)
}

async fn lookup(req: &HttpRequest) -> Result<Option<Caller>, ApiError> {
    let Some((secret, via)) = presented_token(req) else { return Ok(None) };
    let Some(state) = req.app_data::<web::Data<AppState>>() else {
        return Err(ApiError::internal(std::io::Error::other("application state is missing")));
    };
    let now = Utc::now();
    let Some(found) = token_store::authenticate(&state.db, &hash_secret(&secret), now).await? else {
        return Ok(None);
    };
    let principal = Principal::new(found.user.id, found.user.kind, found.grants);
    if now - found.token.last_used_at > TOUCH_INTERVAL {
        touch(state, &found.token, now);
    }
    Ok(Some(Caller {
        principal,
        user: found.user,
        token: found.token,
        csrf: found.csrf_token,
        via,
        context: RequestContext::of(req),
    }))
}

/// Records use of a token in the background; a session's expiry slides.
fn touch(state: &AppState, token: &TokenInfo, now: chrono::DateTime<Utc>) {
    let expires = (token.kind == TokenKind::Session).then(|| now + state.config.session_idle);
    let (db, id) = (state.db.clone(), token.id);
    // The request does not wait for this bookkeeping; a failure only leaves
    // "last used" a minute stale.
    actix_web::rt::spawn(async move {
        if let Err(error) = db.write(move |tx| Box::pin(async move { tokens::touch(tx, id, expires).await })).await {
            tracing::warn!(%error, "cannot record token use");
        }
    });
}

fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Cookie-authenticated API calls that change something must carry the
/// session's CSRF token in a header (forms are checked by `CsrfForm`).
fn check_api_csrf(req: &HttpRequest, caller: &Caller) -> Result<(), ApiError> {
    if caller.via != AuthVia::Cookie || !is_unsafe(req.method()) || !req.path().starts_with("/api/") {
        return Ok(());
    }
    let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if same_secret(sent, &caller.csrf) { Ok(()) } else { Err(ApiError::CsrfFailed) }
}

type Fut<T, E> = Pin<Box<dyn Future<Output = Result<T, E>>>>;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Fut<Self, ApiError>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(&req).await?.ok_or(ApiError::Unauthenticated)?;
            check_api_csrf(&req, &caller)?;
            Ok(caller)
        })
    }
}

/// The caller of an HTML page: unauthenticated visitors are sent to the
/// sign-in page and brought back afterwards.
#[derive(Debug, Clone)]
pub struct PageCaller(pub Caller);

impl std::ops::Deref for PageCaller {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.0
    }
}

impl FromRequest for PageCaller {
    type Error = PageError;
    type Future = Fut<Self, PageError>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            match authenticate(&req).await {
                Ok(Some(caller)) => Ok(PageCaller(caller)),
                Ok(None) => {
                    let next = match req.query_string() {
                        "" => req.path().to_owned(),
                        query => format!("{}?{query}", req.path()),
                    };
                    Err(PageError::SignIn { next })
                }
                Err(error) => Err(error.into()),
            }
        })
    }
}

/// The caller if signed in, without refusing anonymous requests.
#[derive(Debug, Clone)]
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = Fut<Self, ApiError>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeCaller(authenticate(&req).await?)) })
    }
}
