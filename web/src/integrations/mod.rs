//! Integrations: webhooks and their deliveries.

pub mod api;
pub mod pages;
