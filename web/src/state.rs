//! The state every handler shares.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use chrono_tz::Tz;
use futures_util::future::BoxFuture;

use domovoy_actors::session::SessionDeps;
use domovoy_actors::tickets::TicketsHandle;
use domovoy_actors::{BuildingsHandle, HubHandle, Metrics, PresenceHandle};
use domovoy_domain::account::LockoutPolicy;
use domovoy_store::{Db, WriteTx};

use crate::auth::rate_limit::SignInLimiter;
use crate::error::ApiError;
use crate::service::tickets::LowRating;

/// Settings of the web layer, taken from the application's settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure` (production behind HTTPS).
    pub secure_cookies: bool,
    /// Take the client address from `X-Forwarded-For` (behind nginx only).
    pub trust_forwarded_for: bool,
    /// A browser session ends after this long without use.
    pub session_idle: Duration,
    /// API and device tokens from `POST /api/v1/auth/login` live this long.
    pub api_token_lifetime: Duration,
    pub lockout: LockoutPolicy,
    /// Sign-in attempts allowed per client address per minute.
    pub sign_in_per_minute: u32,
    /// Times on staff pages are shown in this zone (the head office's).
    pub display_time_zone: Tz,
    /// Shown in the footer and `/healthz`.
    pub version: &'static str,
    /// What a rating of 1 or 2 does to a finished ticket.
    pub low_rating: LowRating,
    /// A done ticket nobody confirmed closes after this long.
    pub auto_close_after: Duration,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Where attachments are kept (`<data_dir>/files`).
    pub files_dir: PathBuf,
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            secure_cookies: false,
            trust_forwarded_for: false,
            session_idle: Duration::hours(12),
            api_token_lifetime: Duration::days(90),
            lockout: LockoutPolicy::default(),
            sign_in_per_minute: 10,
            display_time_zone: chrono_tz::Europe::Moscow,
            version: env!("CARGO_PKG_VERSION"),
            low_rating: LowRating::Reopen,
            auto_close_after: Duration::days(3),
            max_attachment_bytes: 20 * 1024 * 1024,
            files_dir: std::env::temp_dir().join("domovoy-files"),
        }
    }
}

/// Shared by all handlers and workers; cloning is cheap.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The live parts of the application: the hub, the building and ticket
/// actors, presence, and the shutdown signal WebSocket sessions close on.
#[derive(Debug, Clone)]
pub struct Live {
    pub hub: HubHandle,
    pub buildings: BuildingsHandle,
    pub presence: PresenceHandle,
    pub tickets: TicketsHandle,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
}

#[derive(Debug)]
pub struct Inner {
    pub db: Db,
    pub live: Live,
    pub metrics: Metrics,
    pub config: WebConfig,
    pub sign_in_limiter: SignInLimiter,
    /// Verified against when a login does not exist, so that a missing
    /// account costs as much time as a wrong password.
    pub dummy_hash: String,
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(db: Db, live: Live, metrics: Metrics, config: WebConfig) -> Self {
        let sign_in_limiter = SignInLimiter::new(config.sign_in_per_minute);
        Self(Arc::new(Inner {
            db,
            live,
            metrics,
            config,
            sign_in_limiter,
            dummy_hash: domovoy_domain::password::dummy_hash(),
        }))
    }

    /// Runs `work` in one transaction, then hands its events to the hub.
    /// The answer comes only after the commit; delivery never delays it.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, Result<T, ApiError>> + Send + 'static,
        T: Send + 'static,
    {
        let committed = self.db.write(work).await?;
        self.live.hub.publish_local(committed.events);
        Ok(committed.value)
    }

    /// What a WebSocket session needs.
    pub fn session_deps(&self) -> SessionDeps {
        SessionDeps {
            db: self.db.clone(),
            hub: self.live.hub.clone(),
            presence: self.live.presence.clone(),
            metrics: self.metrics.clone(),
            shutdown: self.live.shutdown.clone(),
        }
    }
}
