//! Who is calling: the `Caller` extractors.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};

use domovoy_app::secret::same_secret;
use domovoy_app::{Channel, Origin, Requester};
use domovoy_domain::account::{Locale, User};
use domovoy_store::tokens::TokenInfo;

use super::{CSRF_HEADER, SESSION_COOKIE};
use crate::error::{ApiError, PageError};
use crate::i18n::{Catalog, catalog};
use crate::state::AppState;

/// Facts about the request, set by the context middleware.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub id: String,
    pub locale: Locale,
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// Where times are shown (`http.display_time_zone`): the pages' scripts
    /// format live times in it too, not in the browser's own zone.
    pub time_zone: chrono_tz::Tz,
}

impl RequestContext {
    /// The context of `req` (a default one where the middleware did not run).
    pub fn of(req: &HttpRequest) -> RequestContext {
        req.extensions().get::<RequestContext>().cloned().unwrap_or_else(|| RequestContext {
            id: String::new(),
            locale: Locale::Ru,
            ip: req.peer_addr().map(|a| a.ip()),
            user_agent: None,
            time_zone: req
                .app_data::<web::Data<AppState>>()
                .map_or(chrono_tz::Europe::Moscow, |s| s.config.display_time_zone),
        })
    }

    pub fn t(&self) -> &'static Catalog {
        catalog(self.locale)
    }

    /// Where the request came from, as the audit log records it.
    pub fn origin(&self) -> Origin {
        Origin {
            ip: self.ip,
            user_agent: self.user_agent.clone(),
            request_id: Some(self.id.clone()).filter(|id| !id.is_empty()),
        }
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

/// A signed-in person: the application's [`Requester`] (who acts, with
/// their grants) plus what only the web door needs: the token, the CSRF
/// secret, how they authenticated and the request's context. Dereferences
/// to the requester, so use-cases take `&caller`.
#[derive(Debug, Clone)]
pub struct Caller {
    requester: Requester,
    pub token: TokenInfo,
    /// The session's CSRF token (checked against forms and headers).
    pub csrf: String,
    pub via: AuthVia,
    pub context: RequestContext,
}

impl std::ops::Deref for Caller {
    type Target = Requester;

    fn deref(&self) -> &Requester {
        &self.requester
    }
}

impl Caller {
    /// The signed-in account (a caller is always a person).
    pub fn user(&self) -> &User {
        // `authenticate` builds callers from accounts only.
        self.requester.user().unwrap_or_else(|| unreachable!("a caller is a signed-in account"))
    }

    pub fn requester(&self) -> &Requester {
        &self.requester
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
    let context = RequestContext::of(req);
    let channel = if req.path().starts_with("/api/") { Channel::Api } else { Channel::Web };
    let Some(found) = domovoy_app::auth::authenticate(state, &secret, channel, context.origin()).await? else {
        return Ok(None);
    };
    Ok(Some(Caller { requester: found.requester, token: found.token, csrf: found.csrf, via, context }))
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
