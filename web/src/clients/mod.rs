//! Clients (cards, units, consents), search, and billing imports.

pub mod api;
pub mod imports;
pub mod pages;
