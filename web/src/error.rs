//! The web door's errors: one table from error to HTTP status.
//!
//! Use-cases fail with [`AppError`] (stable codes, no HTTP); the web adds
//! what only HTTP has (no credentials, a CSRF token missing, a body that is
//! not JSON or too large). Handlers of the JSON API return [`ApiError`]; it
//! renders as `{"error": {"code", "message", "fields"}}` with a Russian
//! message for people and a stable code for programs. Handlers of HTML
//! pages return [`PageError`]: sign-in redirect on 401, otherwise a page
//! with the same status the API would answer (a bad filter is 422 there
//! too, never 500). A 5xx never shows internal text: only its code and the
//! request id, while the whole error chain goes to the log once, here at
//! the edge.
//!
//! `error_response` cannot see the request, so the context middleware
//! re-renders these errors with the request's language and id (see
//! [`crate::middleware`]).

use std::fmt;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use domovoy_app::{AppError, Rule};
use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_store::StoreError;

use crate::i18n::{Catalog, RU};

/// Everything a JSON API request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use-case refused or failed.
    #[error(transparent)]
    App(#[from] AppError),
    /// No credentials, or credentials that are no longer valid.
    #[error("authentication required")]
    Unauthenticated,
    #[error("CSRF token missing or wrong")]
    CsrfFailed,
    #[error("invalid JSON body: {0}")]
    InvalidJson(String),
    /// A PBX's event that does not read (the detail names the field).
    #[error("malformed PBX event: {0}")]
    MalformedEvent(String),
    /// A request body over the route's limit, in KiB.
    #[error("request body larger than {limit_kib} KiB")]
    BodyTooLarge { limit_kib: usize },
    /// A `GET /ws` that is not a WebSocket handshake.
    #[error("not a WebSocket handshake")]
    NotWebSocket,
}

/// The HTTP status of a use-case's error: one table for the API and pages.
pub fn status_of(error: &AppError) -> StatusCode {
    match error {
        AppError::Forbidden | AppError::AccountDisabled => StatusCode::FORBIDDEN,
        AppError::InvalidCredentials => StatusCode::UNAUTHORIZED,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Validation(_) | AppError::Problems(_) | AppError::CalendarLine { .. } => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        AppError::Rule(
            Rule::AlreadyOnSite
            | Rule::CallbackClosed
            | Rule::AlreadyAnswered
            | Rule::SurveyNotOpen
            | Rule::OutageClosed,
        ) => StatusCode::CONFLICT,
        AppError::Workflow(_) | AppError::Rule(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::InUse(_)
        | AppError::Conflict
        | AppError::VersionConflict { .. }
        | AppError::SyncGap { .. }
        | AppError::UploadOffset { .. } => StatusCode::CONFLICT,
        AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
        AppError::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::UnsupportedFile => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        AppError::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The sentence a person reads for a use-case's error, in `t`'s language.
pub fn message_of(error: &AppError, t: &Catalog) -> String {
    match error {
        AppError::Forbidden => t.error_forbidden.to_owned(),
        AppError::NotFound => t.error_not_found.to_owned(),
        AppError::Validation(_) | AppError::Problems(_) => t.invalid_input.to_owned(),
        AppError::InUse(names) => (t.pl.in_use)(&names.join(", ")),
        AppError::Conflict => t.conflict.to_owned(),
        AppError::VersionConflict { current } => (t.tk.version_conflict)(*current),
        AppError::SyncGap { expected } => (t.sync_gap)(*expected),
        AppError::UploadOffset { received } => (t.upload_offset)(*received),
        AppError::Workflow(error) => t.tk.workflow(error),
        AppError::Rule(rule) => t.rule(*rule).to_owned(),
        AppError::TooManyRequests { limit, retry_after } => t.too_many(*limit, *retry_after),
        AppError::InvalidCredentials => t.login_invalid.to_owned(),
        AppError::AccountDisabled => t.login_disabled.to_owned(),
        AppError::CalendarLine { line, error } => (t.tk.calendar_line_error)(*line, &t.field("calendar", error)),
        AppError::FileTooLarge { max_mb } => (t.tk.attachment_too_large)(*max_mb),
        AppError::UnsupportedFile => t.tk.attachment_type.to_owned(),
        AppError::Unavailable(_) => t.error_unavailable.to_owned(),
        AppError::Unexpected(_) => t.error_internal.to_owned(),
    }
}

/// A use-case's error as the API words it (without a request id): also
/// what the staff app's sync keeps as the answer to a refused change.
pub fn detail_of(error: &AppError, t: &Catalog) -> ErrorDetail {
    let problems: Option<Vec<(String, &FieldError)>> = match error {
        AppError::Validation(errors) => {
            Some(errors.iter().map(|(field, error)| ((*field).to_owned(), error)).collect())
        }
        AppError::Problems(errors) => Some(errors.iter().map(|(path, e)| (path.clone(), e)).collect()),
        _ => None,
    };
    let fields = problems.as_ref().map(|p| p.iter().map(|(path, e)| (path.clone(), t.field(path, e))).collect());
    let field_codes = problems.map(|p| p.into_iter().map(|(path, e)| (path, e.code().to_owned())).collect());
    let expected_seq = match error {
        AppError::SyncGap { expected } => Some(*expected),
        _ => None,
    };
    let received = match error {
        AppError::UploadOffset { received } => Some(*received),
        _ => None,
    };
    ErrorDetail {
        code: error.code(),
        message: message_of(error, t),
        fields,
        field_codes,
        request_id: None,
        expected_seq,
        received,
    }
}

impl ApiError {
    /// A single-field validation error.
    pub fn field(field: &'static str, error: FieldError) -> Self {
        Self::App(AppError::field(field, error))
    }

    /// An unexpected failure with its cause, for the log.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::App(AppError::unexpected(error))
    }

    pub const fn forbidden() -> Self {
        Self::App(AppError::Forbidden)
    }

    pub const fn not_found() -> Self {
        Self::App(AppError::NotFound)
    }

    /// A business rule's refusal.
    pub const fn rule(rule: Rule) -> Self {
        Self::App(AppError::Rule(rule))
    }

    /// Problems of a structured input, each under its path.
    pub fn problems(problems: Vec<(String, FieldError)>) -> Self {
        Self::App(AppError::Problems(problems))
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::App(error) => error.code(),
            Self::Unauthenticated => "unauthenticated",
            Self::CsrfFailed => "csrf_failed",
            Self::InvalidJson(_) => "invalid_json",
            Self::MalformedEvent(_) => "malformed_event",
            Self::BodyTooLarge { .. } => "body_too_large",
            Self::NotWebSocket => "not_websocket",
        }
    }

    /// The message for a person, in `t`'s language.
    pub fn message(&self, t: &Catalog) -> String {
        match self {
            Self::App(error) => message_of(error, t),
            Self::Unauthenticated => t.unauthenticated.to_owned(),
            Self::CsrfFailed => t.csrf_failed.to_owned(),
            Self::InvalidJson(_) | Self::NotWebSocket => t.invalid_json.to_owned(),
            Self::MalformedEvent(detail) => format!("{} {detail}", t.cl.malformed_event),
            Self::BodyTooLarge { limit_kib } => (t.body_too_large)(*limit_kib),
        }
    }

    /// The JSON body in `t`'s language, with the request id on server errors.
    pub fn body(&self, t: &Catalog, request_id: Option<&str>) -> ErrorBody {
        let mut detail = match self {
            Self::App(error) => detail_of(error, t),
            _ => ErrorDetail {
                code: self.code(),
                message: self.message(t),
                fields: None,
                field_codes: None,
                request_id: None,
                expected_seq: None,
                received: None,
            },
        };
        detail.request_id = self.status_code().is_server_error().then(|| request_id.map(str::to_owned)).flatten();
        ErrorBody { error: detail }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::App(AppError::TooManyRequests { retry_after, .. }) => Some(*retry_after),
            _ => None,
        }
    }

    /// Writes this error to the log once, with its whole source chain,
    /// when it is the server's fault.
    pub fn log(&self, request_id: &str) {
        if self.status_code().is_server_error() {
            tracing::error!(request_id, code = self.code(), error = %Chain(self), "request failed");
        }
    }

    /// The response in `t`'s language (the middleware calls this with the
    /// request's context).
    pub fn render(&self, t: &Catalog, request_id: Option<&str>) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        if let Some(after) = self.retry_after() {
            response.insert_header((header::RETRY_AFTER, whole_seconds(after).to_string()));
        }
        if matches!(self, Self::Unauthenticated) {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        response.json(self.body(t, request_id))
    }
}

/// The error envelope of the API (DESIGN.md §12).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code for programs.
    pub code: &'static str,
    /// A sentence for people (Russian by default).
    pub message: String,
    /// Field name → message, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<std::collections::BTreeMap<String, String>>,
    /// Field name → stable error code, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_codes: Option<std::collections::BTreeMap<String, String>>,
    /// The request id to quote to an administrator, on server errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// `sync_gap`: the number of the change the device must send next.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_seq: Option<i64>,
    /// `upload_offset`: the bytes received so far; resume from there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub received: Option<u64>,
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::App(error) => status_of(error),
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::InvalidJson(_) | Self::MalformedEvent(_) | Self::NotWebSocket => StatusCode::BAD_REQUEST,
            Self::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        }
    }

    /// A default rendering (Russian, no request id); the context middleware
    /// replaces it with the request's language and id.
    fn error_response(&self) -> HttpResponse {
        self.render(&RU, None)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        Self::App(error.into())
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::App(AppError::Validation(errors))
    }
}

/// Displays an error and its sources: `a: b: c`.
#[derive(Debug)]
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

/// Everything an HTML page request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    /// Not signed in: go to the sign-in page and come back to `next`.
    #[error("sign-in required")]
    SignIn { next: String },
    #[error("form expired")]
    FormExpired,
    /// A form body that is not what the page sends.
    #[error("malformed form")]
    BadForm,
    /// A use-case refused or failed: the page shows its message with the
    /// status the API would answer.
    #[error(transparent)]
    App(AppError),
}

impl PageError {
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::App(AppError::unexpected(error))
    }

    pub const fn forbidden() -> Self {
        Self::App(AppError::Forbidden)
    }

    pub const fn not_found() -> Self {
        Self::App(AppError::NotFound)
    }

    pub fn log(&self, request_id: &str) {
        if self.status_code().is_server_error() {
            tracing::error!(request_id, error = %Chain(self), "page failed");
        }
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::FormExpired => StatusCode::FORBIDDEN,
            Self::BadForm => StatusCode::BAD_REQUEST,
            Self::App(error) => status_of(error),
        }
    }

    fn error_response(&self) -> HttpResponse {
        crate::pages::error_page(self, &RU, None)
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        Self::App(error.into())
    }
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl From<ApiError> for PageError {
    /// Errors of the web door met while rendering a page.
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::App(error) => Self::App(error),
            ApiError::Unauthenticated => Self::SignIn { next: "/".to_owned() },
            ApiError::CsrfFailed => Self::FormExpired,
            ApiError::InvalidJson(_)
            | ApiError::MalformedEvent(_)
            | ApiError::NotWebSocket
            | ApiError::BodyTooLarge { .. } => Self::BadForm,
        }
    }
}

/// A wait in whole seconds, rounded up (never 0: "retry at once" is not
/// what a limit means).
pub fn whole_seconds(wait: Duration) -> u64 {
    wait.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_rule_is_unprocessable_and_worded_from_the_catalog() {
        let error = ApiError::rule(Rule::DuplicateRequest);
        assert_eq!(error.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.code(), "duplicate_request");
        assert!(!error.message(&RU).is_empty());
    }

    #[test]
    fn pages_answer_a_bad_filter_with_the_status_the_api_would() {
        let error = PageError::from(AppError::field("priority", FieldError::Unknown));
        assert_eq!(error.status_code(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(PageError::from(AppError::Unavailable(None)).status_code(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn server_errors_carry_the_request_id_and_no_internal_text() {
        let error = ApiError::internal(std::io::Error::other("disk on fire"));
        let body = error.body(&RU, Some("req-1"));
        assert_eq!(body.error.code, "internal");
        assert_eq!(body.error.request_id.as_deref(), Some("req-1"));
        assert!(!body.error.message.contains("disk"));
    }
}
