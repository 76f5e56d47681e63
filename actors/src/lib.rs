//! Domovoy's live state: actix actors behind typed handles.
//!
//! This crate owns the event hub (per-topic ordered delivery to followers),
//! the metrics registry, and the actors that hold live state. Other crates
//! never see an actor address: they use handles such as [`HubHandle`] with
//! typed async methods, so actix stays an implementation detail here.
//!
//! It must not render HTML or know HTTP routes.

pub mod access;
pub mod building;
pub mod cluster;
mod directory;
pub mod hub;
pub mod metrics;
pub mod outbox;
pub mod presence;
#[cfg(feature = "ws")]
pub mod session;
pub mod sla;
pub mod tickets;

pub use building::BuildingsHandle;
pub use cluster::ClusterHandle;
pub use hub::HubHandle;
pub use metrics::Metrics;
pub use presence::PresenceHandle;
pub use tickets::TicketsHandle;
