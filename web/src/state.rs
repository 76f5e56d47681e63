//! The state every handler shares: the application and the web door's own
//! settings.

use std::sync::Arc;

use domovoy_actors::session::SessionDeps;
use domovoy_app::App;

/// Settings of the web door only (the use-cases' settings are the
/// application's, `domovoy_app::AppConfig`).
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (production behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind nginx only).
    pub trust_forwarded_for: bool,
    /// Shown in the footer and `/healthz`.
    pub version: &'static str,
    /// `Strict-Transport-Security` max-age, when set (HTTPS deployments).
    pub hsts_max_age_secs: Option<u64>,
    /// The bearer token `/metrics` asks for; `None`: loopback clients only.
    pub metrics_token: Option<String>,
    /// The staff app's door (devices, sync).
    pub bridge: domovoy_mobile_bridge::BridgeConfig,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_forwarded_for: false,
            version: env!("CARGO_PKG_VERSION"),
            hsts_max_age_secs: None,
            metrics_token: None,
            bridge: domovoy_mobile_bridge::BridgeConfig::default(),
        }
    }
}

/// Shared by all handlers; cloning is cheap. Dereferences to the
/// application, whose use-cases the handlers call.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub app: App,
    pub web: WebConfig,
    /// Flips to `true` when the server shuts down; live sessions close on it.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

impl std::ops::Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0.app
    }
}

impl AppState {
    pub fn new(app: App, web: WebConfig, shutdown: tokio::sync::watch::Receiver<bool>) -> Self {
        Self(Arc::new(Inner { app, web, shutdown }))
    }

    pub fn app(&self) -> &App {
        &self.0.app
    }

    pub fn web(&self) -> &WebConfig {
        &self.0.web
    }

    /// What a WebSocket session needs; `None` when this process serves
    /// without live parts (never in `serve` or `demo`).
    pub fn session_deps(&self) -> Option<SessionDeps> {
        let live = self.0.app.live()?;
        Some(SessionDeps {
            db: self.db.clone(),
            hub: live.hub.clone(),
            presence: live.presence.clone(),
            metrics: self.metrics.clone(),
            shutdown: self.0.shutdown.clone(),
        })
    }
}
