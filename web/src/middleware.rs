//! The request context middleware: request id, language, client address;
//! errors re-rendered in the request's language with its id; security
//! headers; one log line and the metrics of every request.

use std::net::IpAddr;
use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};

use domovoy_domain::account::Locale;

use crate::auth::{LANG_COOKIE, RequestContext};
use crate::error::{ApiError, PageError};
use crate::pages;
use crate::state::AppState;

/// The header carrying the request id (from nginx, or made here).
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest user agent kept with a session.
const USER_AGENT_MAX: usize = 200;

/// Content Security Policy of our own pages: nothing but our own scripts,
/// styles and connections (the WebSocket included).
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
                   connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'";

fn request_id(req: &ServiceRequest) -> String {
    req.headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty() && v.len() <= 64 && v.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map_or_else(|| uuid::Uuid::now_v7().simple().to_string(), str::to_owned)
}

/// The language: the cookie, else the browser's preference, else Russian.
fn locale(req: &ServiceRequest) -> Locale {
    if let Some(locale) = req.cookie(LANG_COOKIE).and_then(|c| c.value().parse().ok()) {
        return locale;
    }
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let first = accept.split(',').next().unwrap_or_default().trim().to_ascii_lowercase();
    if first.starts_with("en") { Locale::En } else { Locale::Ru }
}

fn client_ip(req: &ServiceRequest, trust_forwarded_for: bool) -> Option<IpAddr> {
    if trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(ip);
    }
    req.peer_addr().map(|a| a.ip())
}

/// What the log writes of a request's path: its route when the path
/// holds a secret (a personal survey link, an unsubscribe link, a shared
/// pass, the PBX's token), so a copy of the log opens none of them.
fn loggable(route: String, path: String) -> String {
    if route.contains("{token}") || route.contains("{secret}") { route } else { path }
}

/// Paths too frequent or too dull for the info log.
fn quiet(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics") || path.starts_with("/static/")
}

pub async fn context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let trust = state.as_ref().is_some_and(|s| s.web().trust_forwarded_for);
    let context = RequestContext {
        id: request_id(&req),
        locale: locale(&req),
        ip: client_ip(&req, trust),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(USER_AGENT_MAX).collect()),
        time_zone: state.as_ref().map_or(chrono_tz::Europe::Moscow, |s| s.config.display_time_zone),
    };
    req.extensions_mut().insert(context.clone());
    let method = req.method().clone();
    // The path only: query strings may carry tokens (`/ws?token=`).
    let path = req.path().to_owned();

    let response = next.call(req).await?.map_into_boxed_body();
    let (http_req, mut response) = response.into_parts();
    let t = context.t();
    if let Some(error) = response.error() {
        if let Some(api) = error.as_error::<ApiError>() {
            api.log(&context.id);
            response = api.render(t, Some(&context.id));
        } else if let Some(page) = error.as_error::<PageError>() {
            page.log(&context.id);
            response = pages::error_page(page, t, Some(&context.id));
        }
    }
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&context.id) {
        headers.insert(REQUEST_ID, id);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    // Pages and API answers carry personal data: no browser or proxy keeps
    // them. Static assets set their own (long) caching.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if let Some(max_age) = state.as_ref().and_then(|s| s.web().hsts_max_age_secs)
        && let Ok(value) = HeaderValue::from_str(&format!("max-age={max_age}; includeSubDomains"))
    {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, value);
    }
    let is_html =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    if is_html && !path.starts_with("/api/docs") {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    }

    let status = response.status();
    let elapsed = started.elapsed();
    let route = http_req.match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    if let Some(state) = &state {
        state.metrics.http_requests.with(&[method.as_str(), &route, status.as_str()]).inc();
        state.metrics.http_duration.with(&[method.as_str(), &route]).observe(elapsed);
    }
    let millis = elapsed.as_secs_f64() * 1000.0;
    let path = loggable(route, path);
    if quiet(&path) && status.is_success() {
        tracing::debug!(request_id = %context.id, %method, %path, status = status.as_u16(), millis, "request");
    } else {
        tracing::info!(request_id = %context.id, %method, %path, status = status.as_u16(), millis, "request");
    }
    Ok(ServiceResponse::new(http_req, response))
}

#[cfg(test)]
mod tests {
    use super::loggable;

    #[test]
    fn secrets_in_paths_stay_out_of_the_log() {
        let logged = |route: &str, path: &str| loggable(route.to_owned(), path.to_owned());
        assert_eq!(logged("/s/{token}", "/s/Zm9vYmFyYmF6"), "/s/{token}");
        assert_eq!(logged("/p/{secret}", "/p/c2VjcmV0"), "/p/{secret}");
        assert_eq!(logged("/api/v1/cti/{token}", "/api/v1/cti/abc"), "/api/v1/cti/{token}");
        assert_eq!(logged("/tickets/{id}", "/tickets/0190a5c6"), "/tickets/0190a5c6");
    }
}
