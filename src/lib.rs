//! The `domovoy` binary's library: settings, command line, wiring, demo.
//!
//! This crate owns configuration and start-up: it reads [`Settings`],
//! builds the [`Application`] from the other crates and runs the operator
//! commands. It must not hold business rules; those live in
//! `domovoy-domain`, and the operations in `domovoy-web`'s services.

pub mod cli;
pub mod commands;
pub mod demo;
pub mod settings;
pub mod startup;
pub mod telemetry;

pub use settings::Settings;
pub use startup::Application;

/// Installs the process's one rustls crypto provider (ring). Two providers
/// are linked through dependencies; without a choice rustls panics at its
/// first use. Idempotent.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
