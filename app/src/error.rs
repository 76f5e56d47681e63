//! What a use-case can fail with: stable codes, field errors, no HTTP.
//!
//! Every door maps an [`AppError`] to its own answer: `web` to an HTTP
//! status and a JSON body or an inline form message, the command line to a
//! sentence and an exit code, the PBX webhook to its status, the staff
//! app's sync to a per-mutation result. The codes are the contract; the
//! words come from each door's catalog.

use std::time::Duration;

use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::ticket::WorkflowError;
use domovoy_store::StoreError;

/// A business rule refused the request. Each has a stable code; the
/// sentence a person reads is the catalog's (`web::i18n`), chosen by an
/// exhaustive match, so a new rule cannot go unworded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The `Idempotency-Key` was used before with another request.
    IdempotencyKeyReused,
    /// A resident filed the same text within the duplicate window.
    DuplicateRequest,
    /// Only a done or closed ticket may be rated, once.
    NotRateable,
    /// The change would leave nobody able to administer users and roles.
    LastAdministrator,
    /// A role still granted to someone cannot be deleted.
    RoleInUse,
    /// An administrator cannot disable their own account.
    SelfDisable,
    /// An upload stopped before its end.
    UploadInterrupted,
    /// An uploaded file has no bytes.
    FileEmpty,
    /// A query string that is not what the page or API sends.
    InvalidQuery,
    /// The pass does not let its visitor in now, for this reason.
    PassNotValid(domovoy_domain::pass::Refusal),
    /// The visitor is on the blocklist: letting them in needs a reason.
    Blocklisted,
    /// Another guard marked this visitor in first (HTTP 409).
    AlreadyOnSite,
    /// A departure of a visitor who is not on site.
    NotOnSite,
    /// A pass whose visitor is on site cannot be cancelled.
    PassOnSite,
    /// The pass is already closed, cancelled, expired or denied.
    PassFinished,
    /// The missed call was called back already.
    CallbackClosed,
    /// Click-to-call needs the person's extension (a call route).
    NoExtension,
    /// Click-to-call needs a telephony door that places calls (AMI), and
    /// it must be connected.
    DialerUnavailable,
    /// The pass has no host with a phone on their card to call.
    NoHostPhone,
    /// The device has not allowed notifications (no push address).
    NoPushAddress,
    /// The category's checklist has items not ticked yet.
    ChecklistIncomplete,
    /// The category asks for the resident's signature before done.
    SignatureMissing,
    /// The ticket is done, closed or ended: nothing more to tick.
    TicketFinished,
    /// A letter needs the person's e-mail address, and their profile has none.
    NoEmail,
    /// A text needs the person's phone, and their profile has none.
    NoPhone,
    /// Nothing can be e-mailed: the server's `[mail]` is not set up.
    MailNotConfigured,
    /// A mailing channel this server cannot send by (no `[sms]` gateway,
    /// no push to residents yet).
    ChannelUnavailable,
    /// The mailing was sent already (once only).
    MailingAlreadySent,
    /// The person (or unit) has answered the survey already (HTTP 409).
    AlreadyAnswered,
    /// The survey does not take answers (closed, or not in the state the
    /// change needs) (HTTP 409).
    SurveyNotOpen,
    /// The outage was closed already (once only).
    OutageClosed,
}

impl Rule {
    /// Every rule, for exhaustive tests of the catalogs.
    pub const ALL: &'static [Rule] = &[
        Self::IdempotencyKeyReused,
        Self::DuplicateRequest,
        Self::NotRateable,
        Self::LastAdministrator,
        Self::RoleInUse,
        Self::SelfDisable,
        Self::UploadInterrupted,
        Self::FileEmpty,
        Self::InvalidQuery,
        Self::PassNotValid(domovoy_domain::pass::Refusal::Expired),
        Self::Blocklisted,
        Self::AlreadyOnSite,
        Self::NotOnSite,
        Self::PassOnSite,
        Self::PassFinished,
        Self::CallbackClosed,
        Self::NoExtension,
        Self::DialerUnavailable,
        Self::NoHostPhone,
        Self::NoPushAddress,
        Self::ChecklistIncomplete,
        Self::SignatureMissing,
        Self::TicketFinished,
        Self::NoEmail,
        Self::NoPhone,
        Self::MailNotConfigured,
        Self::ChannelUnavailable,
        Self::MailingAlreadySent,
        Self::AlreadyAnswered,
        Self::SurveyNotOpen,
        Self::OutageClosed,
    ];

    /// The stable code programs read.
    pub const fn code(self) -> &'static str {
        match self {
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::DuplicateRequest => "duplicate_request",
            Self::NotRateable => "not_rateable",
            Self::LastAdministrator => "last_administrator",
            Self::RoleInUse => "role_in_use",
            Self::SelfDisable => "self_disable",
            Self::UploadInterrupted => "upload_interrupted",
            Self::FileEmpty => "file_empty",
            Self::InvalidQuery => "invalid_query",
            Self::PassNotValid(_) => "pass_not_valid",
            Self::Blocklisted => "blocklisted",
            Self::AlreadyOnSite => "already_on_site",
            Self::NotOnSite => "not_on_site",
            Self::PassOnSite => "pass_on_site",
            Self::PassFinished => "pass_finished",
            Self::CallbackClosed => "callback_closed",
            Self::NoExtension => "no_extension",
            Self::DialerUnavailable => "dialer_unavailable",
            Self::NoHostPhone => "no_host_phone",
            Self::NoPushAddress => "no_push_address",
            Self::ChecklistIncomplete => "checklist_incomplete",
            Self::SignatureMissing => "signature_missing",
            Self::TicketFinished => "ticket_finished",
            Self::NoEmail => "no_email",
            Self::NoPhone => "no_phone",
            Self::MailNotConfigured => "mail_not_configured",
            Self::ChannelUnavailable => "channel_unavailable",
            Self::MailingAlreadySent => "mailing_already_sent",
            Self::AlreadyAnswered => "already_answered",
            Self::SurveyNotOpen => "survey_not_open",
            Self::OutageClosed => "outage_closed",
        }
    }
}

/// Everything a use-case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The policy refuses: the requester lacks the permission there.
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    /// Fields that do not parse, each with its stable code.
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
    /// Someone changed the record since the requester read it.
    #[error("version conflict: now {current}")]
    VersionConflict { current: i64 },
    /// A device's offline changes arrived with some missing before them:
    /// it must send again from change number `expected`.
    #[error("sync gap: change {expected} expected next")]
    SyncGap { expected: i64 },
    /// A piece of a resumable upload that does not start where the
    /// received bytes end: send again from `received`.
    #[error("upload offset: {received} bytes received")]
    UploadOffset { received: u64 },
    /// The workflow refuses the move.
    #[error("workflow: {0}")]
    Workflow(WorkflowError),
    /// A business rule refuses the request.
    #[error("refused: {}", .0.code())]
    Rule(Rule),
    /// Too many attempts; try again after the wait.
    #[error("too many requests ({limit:?})")]
    TooManyRequests { limit: Limit, retry_after: Duration },
    /// Wrong login or password (also: unknown login).
    #[error("wrong login or password")]
    InvalidCredentials,
    /// The password was right, but the account is disabled.
    #[error("account disabled")]
    AccountDisabled,
    /// A calendar file's line that does not parse.
    #[error("calendar line {line}: {error}")]
    CalendarLine { line: usize, error: FieldError },
    /// An upload over the size limit (in megabytes).
    #[error("file larger than {max_mb} MB")]
    FileTooLarge { max_mb: u64 },
    /// An upload of a kind that is not accepted (checked by content).
    #[error("unsupported file type")]
    UnsupportedFile,
    /// The database is unreachable or overloaded: try again.
    #[error("service unavailable")]
    Unavailable(#[source] Option<StoreError>),
    /// A failure nobody can fix by changing the request; logged once at
    /// the door with its whole chain.
    #[error("unexpected error")]
    Unexpected(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Which limit a [`AppError::TooManyRequests`] met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Sign-in attempts (per address, per login).
    SignIn,
    /// Searches over personal data (per account).
    Search,
    /// A resident's requests per day.
    DailyRequests,
}

impl AppError {
    /// A single-field validation error.
    pub fn field(field: &'static str, error: FieldError) -> Self {
        Self::Validation((field, error).into())
    }

    /// An unexpected failure with its cause, for the log.
    pub fn unexpected(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(error))
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Validation(_) | Self::Problems(_) => "validation_failed",
            Self::InUse(_) => "in_use",
            Self::Conflict => "conflict",
            Self::VersionConflict { .. } => "version_conflict",
            Self::SyncGap { .. } => "sync_gap",
            Self::UploadOffset { .. } => "upload_offset",
            Self::Workflow(error) => error.code(),
            Self::Rule(rule) => rule.code(),
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::InvalidCredentials => "invalid_credentials",
            Self::AccountDisabled => "account_disabled",
            Self::CalendarLine { .. } => "invalid_calendar",
            Self::FileTooLarge { .. } => "file_too_large",
            Self::UnsupportedFile => "unsupported_file_type",
            Self::Unavailable(_) => "unavailable",
            Self::Unexpected(_) => "internal",
        }
    }

    /// Whether the failure is the system's, not the request's.
    pub fn is_server_fault(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::Unexpected(_))
    }
}

impl From<StoreError> for AppError {
    /// `NotFound` and the store's own refusals keep their meaning; the rest
    /// is unavailability or an unexpected failure.
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => Self::NotFound,
            StoreError::Invalid { field, error } => Self::field(field, error),
            StoreError::Conflict(_) => Self::Conflict,
            StoreError::InUse { names, .. } => Self::InUse(names),
            e if e.is_unavailable() => Self::Unavailable(Some(e)),
            e => Self::unexpected(e),
        }
    }
}

impl From<FieldErrors> for AppError {
    fn from(errors: FieldErrors) -> Self {
        Self::Validation(errors)
    }
}

impl From<WorkflowError> for AppError {
    fn from(error: WorkflowError) -> Self {
        Self::Workflow(error)
    }
}

/// The result of every use-case.
pub type AppResult<T> = Result<T, AppError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_codes_are_distinct_snake_case() {
        let mut codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Rule::ALL.len());
    }

    #[test]
    fn a_missing_row_is_not_found_and_a_dead_database_is_unavailable() {
        assert!(matches!(AppError::from(StoreError::NotFound), AppError::NotFound));
        assert!(AppError::Unavailable(None).is_server_fault());
        assert!(!AppError::Forbidden.is_server_fault());
    }
}
