//! The web layer's errors: one table of stable codes and HTTP statuses.
//!
//! Handlers of the JSON API return [`ApiError`]; it renders as
//! `{"error": {"code", "message", "fields"}}` with a Russian message for
//! people and a stable code for programs. Handlers of HTML pages return
//! [`PageError`]: sign-in redirect on 401, an error page otherwise. A 5xx
//! never shows internal text: only its code and the request id, while the
//! whole error chain goes to the log once, here at the edge.
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

use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_store::StoreError;

use crate::i18n::{Catalog, RU};

/// Everything a JSON API request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("wrong login or password")]
    InvalidCredentials,
    #[error("account disabled")]
    AccountDisabled,
    #[error("account locked")]
    AccountLocked { until_local: String, retry_after: Duration },
    #[error("too many requests")]
    TooManyRequests { retry_after: Duration },
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF token missing or wrong")]
    CsrfFailed,
    #[error("not found")]
    NotFound,
    #[error("validation failed: {0}")]
    Validation(FieldErrors),
    /// Problems of a structured input (a layout, an import), each under its
    /// path: `sections[1].floors[3].units[0].label`, `row 12, Телефон`.
    #[error("validation failed at {} places", .0.len())]
    Problems(Vec<(String, FieldError)>),
    /// The change would remove things that are still referred to.
    #[error("still in use: {0:?}")]
    InUse(Vec<String>),
    #[error("conflict")]
    Conflict,
    /// Someone changed the record since the caller read it.
    #[error("version conflict: now {current}")]
    VersionConflict { current: i64 },
    /// The workflow refuses the move.
    #[error("workflow: {0}")]
    Workflow(domovoy_domain::ticket::WorkflowError),
    #[error("invalid JSON body: {0}")]
    InvalidJson(String),
    /// A calendar file's line that does not parse.
    #[error("calendar line {line}: {error}")]
    CalendarLine { line: usize, error: FieldError },
    /// An upload over the size limit (in megabytes).
    #[error("file larger than {max_mb} MB")]
    FileTooLarge { max_mb: u64 },
    /// An upload of a kind that is not accepted (checked by content).
    #[error("unsupported file type")]
    UnsupportedFile,
    /// A request that is wrong in a way no field explains; the message is
    /// picked from the catalog of the request's language.
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, message: fn(&Catalog) -> &'static str },
    #[error("service unavailable")]
    Unavailable(#[source] Option<StoreError>),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    /// A single-field validation error.
    pub fn field(field: &'static str, error: FieldError) -> Self {
        Self::Validation((field, error).into())
    }

    /// An unexpected failure with its cause, for the log.
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
            Self::AccountLocked { .. } => "account_locked",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Forbidden => "forbidden",
            Self::CsrfFailed => "csrf_failed",
            Self::NotFound => "not_found",
            Self::Validation(_) | Self::Problems(_) => "validation_failed",
            Self::InUse(_) => "in_use",
            Self::Conflict => "conflict",
            Self::VersionConflict { .. } => "version_conflict",
            Self::Workflow(error) => error.code(),
            Self::InvalidJson(_) => "invalid_json",
            Self::CalendarLine { .. } => "invalid_calendar",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::UnsupportedFile => "unsupported_file_type",
            Self::BadRequest { code, .. } => code,
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    /// The message for a person, in `t`'s language.
    pub fn message(&self, t: &Catalog) -> String {
        match self {
            Self::Unauthenticated => t.unauthenticated.to_owned(),
            Self::InvalidCredentials => t.login_invalid.to_owned(),
            Self::AccountDisabled => t.login_disabled.to_owned(),
            Self::AccountLocked { until_local, .. } => (t.login_locked)(until_local),
            Self::TooManyRequests { retry_after } => (t.login_rate_limited)(retry_after.as_secs().max(1)),
            Self::Forbidden => t.error_forbidden.to_owned(),
            Self::CsrfFailed => t.csrf_failed.to_owned(),
            Self::NotFound => t.error_not_found.to_owned(),
            Self::Validation(_) | Self::Problems(_) => t.invalid_input.to_owned(),
            Self::InUse(names) => (t.pl.in_use)(&names.join(", ")),
            Self::Conflict => t.conflict.to_owned(),
            Self::VersionConflict { current } => (t.tk.version_conflict)(*current),
            Self::Workflow(error) => t.tk.workflow(error),
            Self::InvalidJson(_) => t.invalid_json.to_owned(),
            Self::CalendarLine { line, error } => (t.tk.calendar_line_error)(*line, &t.field("calendar", error)),
            Self::FileTooLarge { max_mb } => (t.tk.attachment_too_large)(*max_mb),
            Self::UnsupportedFile => t.tk.attachment_type.to_owned(),
            Self::BadRequest { message, .. } => message(t).to_owned(),
            Self::Unavailable(_) => t.error_unavailable.to_owned(),
            Self::Internal(_) => t.error_internal.to_owned(),
        }
    }

    /// The JSON body in `t`'s language, with the request id on server errors.
    pub fn body(&self, t: &Catalog, request_id: Option<&str>) -> ErrorBody {
        let fields = match self {
            Self::Validation(errors) => {
                Some(errors.iter().map(|(field, error)| ((*field).to_owned(), t.field(field, error))).collect())
            }
            Self::Problems(errors) => {
                Some(errors.iter().map(|(path, error)| (path.clone(), t.field(path, error))).collect())
            }
            _ => None,
        };
        let field_codes = match self {
            Self::Validation(errors) => {
                Some(errors.iter().map(|(field, error)| ((*field).to_owned(), error.code().to_owned())).collect())
            }
            Self::Problems(errors) => {
                Some(errors.iter().map(|(path, error)| (path.clone(), error.code().to_owned())).collect())
            }
            _ => None,
        };
        let request_id = self.status_code().is_server_error().then(|| request_id.map(str::to_owned)).flatten();
        ErrorBody {
            error: ErrorDetail { code: self.code(), message: self.message(t), fields, field_codes, request_id },
        }
    }

    fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::AccountLocked { retry_after, .. } | Self::TooManyRequests { retry_after } => Some(*retry_after),
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
            response.insert_header((header::RETRY_AFTER, after.as_secs().max(1).to_string()));
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
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::Unauthenticated | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::AccountDisabled | Self::Forbidden | Self::CsrfFailed => StatusCode::FORBIDDEN,
            Self::AccountLocked { .. } | Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Validation(_) | Self::Problems(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InUse(_) => StatusCode::CONFLICT,
            Self::Conflict | Self::VersionConflict { .. } => StatusCode::CONFLICT,
            Self::Workflow(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::InvalidJson(_) => StatusCode::BAD_REQUEST,
            Self::CalendarLine { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::FileTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedFile => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::BadRequest { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
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
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Invalid { field, error } => Self::field(field, error),
            StoreError::Conflict(_) => Self::Conflict,
            StoreError::InUse { names, .. } => Self::InUse(names),
            e if e.is_unavailable() => Self::Unavailable(Some(e)),
            e => Self::internal(e),
        }
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
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
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("form expired")]
    FormExpired,
    /// A form body that is not what the page sends.
    #[error("malformed form")]
    BadForm,
    #[error("service unavailable")]
    Unavailable(#[source] Option<StoreError>),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl PageError {
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
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
            Self::Forbidden | Self::FormExpired => StatusCode::FORBIDDEN,
            Self::BadForm => StatusCode::BAD_REQUEST,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        crate::pages::error_page(self, &RU, None)
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            e if e.is_unavailable() => Self::Unavailable(Some(e)),
            e => Self::internal(e),
        }
    }
}

impl From<ApiError> for PageError {
    /// Service errors met while rendering a page. Validation errors are
    /// shown inline by the page itself and never reach here.
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Unauthenticated => Self::SignIn { next: "/".to_owned() },
            ApiError::Forbidden => Self::Forbidden,
            ApiError::CsrfFailed => Self::FormExpired,
            ApiError::NotFound => Self::NotFound,
            ApiError::Unavailable(e) => Self::Unavailable(e),
            other => Self::Internal(Box::new(other)),
        }
    }
}
