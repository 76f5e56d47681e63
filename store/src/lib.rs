//! Domovoy's persistence: SQLite and PostgreSQL through one code path.
//!
//! This crate owns the database handle ([`Db`]), the migrations runner, the
//! event log, the audit log and the repositories of every entity. Queries
//! are portable SQL with `$N` placeholders run on concrete sqlx connections
//! of either backend; row structs stay private and convert into domain types.
//!
//! It must not know HTTP, HTML or actors: callers hand it domain values and
//! get domain values back.

#[macro_use]
mod macros;

pub mod assignments;
pub mod audit;
pub mod buildings;
pub mod calls;
pub mod classifier;
pub mod clients;
pub mod completion;
mod db;
pub mod devices;
pub mod error;
pub mod events;
pub mod files;
pub mod idempotency;
pub mod intake;
pub mod layout;
pub mod mail;
pub mod mailings;
pub mod outages;
pub mod outbox;
pub mod passes;
pub mod report_subscriptions;
pub mod reports;
pub mod roles;
pub mod saved_filters;
pub mod sign_in_codes;
pub mod sla;
pub mod sms;
mod sqlite_writer;
pub mod surveys;
pub mod teams;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod webhooks;

#[cfg(feature = "testing")]
pub mod testing;

pub use db::{Backend, BackupFacts, Committed, Db, DbOptions, PgDb, Source, WriteTx, stored_now};
pub use error::{StoreError, StoreResult};
