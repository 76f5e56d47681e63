//! Small helpers every use-case shares: optional inputs, the last
//! administrator rule.

use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_store::{WriteTx, assignments};

use crate::AppError;

/// Treats an empty or blank optional input as absent.
pub fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Parses an optional input: absent or blank is `None`.
pub fn optional<T>(
    errors: &mut FieldErrors,
    field: &'static str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Option<T> {
    present(value).and_then(|v| errors.check(field, parse(v)))
}

/// Parses a required input: absent or blank is [`FieldError::Required`].
pub fn required<T>(
    errors: &mut FieldErrors,
    field: &'static str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, FieldError>,
) -> Option<T> {
    match present(value) {
        Some(v) => errors.check(field, parse(v)),
        None => {
            errors.add(field, FieldError::Required);
            None
        }
    }
}

/// Refuses the transaction's change if it leaves nobody able to administer
/// users and roles. Called inside the write, after the change.
pub async fn ensure_an_administrator_remains(tx: &mut WriteTx) -> Result<(), AppError> {
    if assignments::active_administrators(tx).await? == 0 {
        return Err(AppError::Rule(crate::Rule::LastAdministrator));
    }
    Ok(())
}
