//! JSON shapes every feature of the API shares. Each feature keeps its
//! own in its folder (`<feature>/dto.rs`), converted from domain values,
//! so the API stays stable while the domain evolves.

use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
