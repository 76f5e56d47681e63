//! Authentication: who is calling, and proof that a form came from us.
//!
//! Browsers carry an HttpOnly, SameSite=Lax session cookie; programs and
//! devices send `Authorization: Bearer <token>`. Either way the secret is
//! looked up by its SHA-256, so the database never holds a usable token.
//! Requests authenticated by cookie must also prove they came from our own
//! pages: forms carry a CSRF token field, scripts an `X-CSRF-Token` header.

pub mod caller;
pub mod csrf;

pub use caller::{AuthVia, Caller, MaybeCaller, PageCaller, RequestContext};
pub use csrf::CsrfForm;

/// The browser session cookie.
pub const SESSION_COOKIE: &str = "domovoy_session";
/// The anonymous CSRF cookie of the sign-in form (double submit).
pub const CSRF_COOKIE: &str = "domovoy_csrf";
/// The interface language cookie.
pub const LANG_COOKIE: &str = "domovoy_lang";
/// The header scripts send their CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field pages send their CSRF token in.
pub const CSRF_FIELD: &str = "csrf_token";
