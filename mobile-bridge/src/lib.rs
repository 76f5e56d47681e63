//! Domovoy's staff-app door: the devices people register for the staff app
//! (and, later, for pushes), and the offline sync.
//!
//! A phone works in a basement with no signal: it keeps its changes
//! (status moves, comments) in an outbox, numbers them 1, 2, 3… per device
//! and sends them when it can. [`sync::sync`] applies each change through
//! the same use-cases and workflow as the web pages, exactly once: the
//! device's last applied number and the answer given are stored in the
//! transaction that applies the change, so a batch sent again after a lost
//! response is answered as the first time and changes nothing. The answer
//! also carries what changed for the person since the device's cursor.
//!
//! This crate depends on the application layer (`domovoy-app`), never on
//! the web door: `domovoy-web` keeps thin routes over these functions.

pub mod admin;
pub mod devices;
pub mod notifications;
pub mod push;
pub mod sync;

/// Settings of the staff-app door.
#[derive(Debug, Clone, Default)]
pub struct BridgeConfig {
    /// Admit plain-http Web Push endpoints (tests and the demo only).
    pub allow_http_endpoints: bool,
    /// The key browsers subscribe to Web Push with (base64url), when Web
    /// Push is on.
    pub vapid_public_key: Option<String>,
    /// APNs is configured (`[push.apns]`).
    pub apns: bool,
    /// FCM is configured (`[push.fcm]`).
    pub fcm: bool,
}
