//! Store tests: every query on SQLite and, when `DOMOVOY_TEST_POSTGRES_URL`
//! is set, on PostgreSQL, each test in a fresh database.

// Test bodies are plain async functions run by `backend_tests!`, which
// clippy does not see as tests: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accounts;
mod audit_log;
mod event_log;
mod group_commit;
mod helpers;
mod layout_clients;
mod outages;
mod outbox;
mod passes;
mod tickets;
