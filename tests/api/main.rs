//! HTTP tests: the real application on port 0 with its own database and the
//! demo data, driven over HTTP like a browser or an integration would.

// Test bodies are helpers and async functions clippy does not see as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod admin;
mod auth;
mod backup;
mod calls;
mod clock;
mod cluster;
mod crash;
mod demo;
mod doors;
mod every_write;
mod faults;
mod helpers;
mod imports;
mod live;
mod mailings;
mod native_push;
mod nodes;
mod ops;
mod outages;
mod outbox;
mod pages;
mod passes;
mod places;
mod proxy;
mod push;
mod report_mail;
mod reports;
mod role_routes;
mod security;
mod sip;
mod sms;
mod smtp;
mod surveys;
mod sync;
mod ticket_pages;
mod tickets;
mod upgrade;
