//! The operations behind both the JSON API and the HTML pages.
//!
//! Each function checks the policy first, then parses its input into
//! domain values (collecting every field error), then writes the change and
//! its audit entry in one transaction and publishes the events. API
//! handlers and page handlers are thin adapters over these.

pub mod account;
pub mod attachments;
pub mod audit;
pub mod buildings;
pub mod clients;
pub mod imports;
pub mod places;
pub mod roles;
pub mod search;
pub mod ticket_filter;
pub mod ticket_settings;
pub mod tickets;
pub mod users;
pub mod webhooks;

use domovoy_domain::FieldError;
use domovoy_domain::error::FieldErrors;
use domovoy_store::{WriteTx, assignments};

use crate::error::ApiError;

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

/// Refuses the transaction's change if it leaves nobody able to administer
/// users and roles. Called inside the write, after the change.
pub async fn ensure_an_administrator_remains(tx: &mut WriteTx) -> Result<(), ApiError> {
    if assignments::active_administrators(tx).await? == 0 {
        return Err(ApiError::BadRequest { code: "last_administrator", message: |t| t.last_admin_refused });
    }
    Ok(())
}
