//! Domovoy's domain: the pure types and rules every other crate speaks.
//!
//! This crate owns ids, the permission catalog, role templates and the one
//! policy function that decides every access check, accounts and passwords,
//! phone numbers, buildings and event topics.
//!
//! It must not do I/O or async work and must not depend on actix, sqlx or
//! redis (CI checks `cargo tree -p domovoy-domain -i sqlx` prints nothing):
//! everything here is testable as plain functions over plain values.

#[macro_use]
mod macros;

pub mod account;
pub mod audit;
pub mod building;
pub mod call;
pub mod classifier;
pub mod client;
pub mod completion;
pub mod contact;
pub mod device;
pub mod error;
pub mod event;
pub mod ids;
pub mod import;
pub mod layout;
pub mod mailing;
pub mod markup;
pub mod outage;
pub mod pass;
pub mod password;
pub mod permission;
pub mod policy;
pub mod report;
pub mod role;
pub mod sla;
pub mod survey;
pub mod text;
pub mod ticket;
pub mod webhook;

pub use error::FieldError;
