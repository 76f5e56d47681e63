//! The store's one error type.

use domovoy_domain::FieldError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The row asked for does not exist. This is the only place sqlx's
    /// `RowNotFound` is turned into a domain meaning.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule refused the write: someone else created the same
    /// thing first. The text names the constraint as the backend reports it.
    #[error("conflicting write: {0}")]
    Conflict(String),
    /// A value failed a domain rule inside the transaction (a login already
    /// taken, a role still in use); the field says which input to fix.
    #[error("invalid {field}: {error}")]
    Invalid { field: &'static str, error: FieldError },
    /// The write would remove things others still point at (units with
    /// tickets or residents); `names` says which.
    #[error("still in use: {names:?}")]
    InUse { what: &'static str, names: Vec<String> },
    /// The database cannot be reached or did not answer in time.
    #[error("database unavailable")]
    Unavailable(#[source] sqlx::Error),
    /// Any other database failure.
    #[error("database error")]
    Database(#[source] sqlx::Error),
    /// Applying migrations failed.
    #[error("database migration failed")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data does not decode into domain types: a bug or a manual edit.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The transaction holding this write could not begin or commit;
    /// nothing of the write was stored.
    #[error("the transaction could not commit")]
    CommitFailed(#[source] std::sync::Arc<sqlx::Error>),
    /// The SQLite writer task has stopped (the process is shutting down).
    #[error("the database writer has stopped")]
    WriterStopped,
    /// A write closure panicked; its savepoint was rolled back.
    #[error("a database write panicked")]
    Panicked,
}

impl StoreError {
    /// A domain rule refused `field` inside a write.
    pub fn invalid(field: &'static str, error: FieldError) -> Self {
        Self::Invalid { field, error }
    }

    /// Whether the failure is the database being unreachable (worth a 503
    /// and a retry) rather than a problem with the request.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::Unavailable(_) | Self::WriterStopped | Self::CommitFailed(_))
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => Self::NotFound,
            sqlx::Error::Database(ref db) if db.is_unique_violation() => {
                let constraint = db.constraint().map_or_else(|| db.message().to_owned(), str::to_owned);
                Self::Conflict(constraint)
            }
            sqlx::Error::Database(ref db) if db.code().is_some_and(|code| not_now(&code)) => Self::Unavailable(error),
            // A stream broken mid-message reads as a protocol error (a
            // connection closed by a server going away answers the TLS
            // request with nothing); the SQLite worker gone likewise.
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::WorkerCrashed => Self::Unavailable(error),
            other => Self::Database(other),
        }
    }
}

/// Whether a database's error code says "not now" rather than "not this":
/// PostgreSQL's connection exceptions (`08…`), insufficient resources
/// (`53…`: disk full, out of memory, too many connections) and the server
/// shutting down, crashed or starting up (`57P01`–`57P03`); SQLite's disk
/// full (13) and I/O errors (10 and its extended codes).
fn not_now(code: &str) -> bool {
    // PostgreSQL's codes have five characters, SQLite's (extended) at most four digits.
    if code.len() == 5 {
        code.starts_with("08") || code.starts_with("53") || matches!(code, "57P01" | "57P02" | "57P03")
    } else {
        code.parse::<i64>().is_ok_and(|n| n == 13 || n & 0xff == 10)
    }
}

/// Shorthand for results of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// Decodes a stored text column into a domain value, or reports corruption.
pub(crate) fn decode<T, E: std::fmt::Display>(
    column: &str,
    value: &str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> StoreResult<T> {
    parse(value).map_err(|e| StoreError::Corrupt(format!("{column} = {value:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::not_now;

    #[test]
    fn a_server_going_away_or_a_full_disk_is_not_now_and_a_bad_request_is_not_that() {
        for code in ["08006", "08001", "53100", "53300", "57P01", "57P02", "57P03", "13", "10", "778", "3338"] {
            assert!(not_now(code), "{code}");
        }
        for code in ["23505", "23503", "40001", "42P01", "57014", "19", "2067", "1", "5"] {
            assert!(!not_now(code), "{code}");
        }
    }
}
