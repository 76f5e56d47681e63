//! Wiring: builds the whole application from its settings.
//!
//! [`Application::build`] connects and migrates the database, makes sure the
//! built-in roles exist, starts the event hub and binds the HTTP server;
//! `main` and the integration tests start the product the same way (tests
//! listen on port 0).

use std::net::TcpListener;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use anyhow::Context as _;

use domovoy_actors::{HubHandle, Metrics};
use domovoy_domain::account::LockoutPolicy;
use domovoy_store::audit::Actor;
use domovoy_store::{Db, DbOptions, assignments, roles, tokens};
use domovoy_web::{AppState, ServerOptions, WebConfig};

use crate::settings::{Settings, describe_url};

/// How often housekeeping runs: forgetting idle sign-in limiter entries,
/// deleting long-expired tokens.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(300);

/// Expired and revoked tokens are kept this long for the audit trail of
/// "who was signed in", then deleted.
const TOKEN_KEEP_DAYS: i64 = 30;

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Connects, migrates and binds; the server starts on `run_until_stopped`.
    /// Must be called inside an actix system (the hub is an actor).
    pub async fn build(settings: &Settings) -> anyhow::Result<Application> {
        let url = settings.database_url();
        let options = DbOptions {
            max_connections: settings.database.max_connections,
            acquire_timeout: Duration::from_secs(settings.database.acquire_timeout_secs),
        };
        let db = Db::connect(url.expose(), &options)
            .await
            .with_context(|| format!("cannot open the database {}", describe_url(url.expose())))?;
        db.migrate().await.context("cannot apply database migrations")?;
        ensure_roles(&db).await?;
        tracing::info!(database = %describe_url(url.expose()), "database ready");

        let metrics = Metrics::new();
        let hub = HubHandle::start(db.clone(), metrics.clone());
        let state = AppState::new(db, hub, metrics, web_config(settings)?);

        let listener =
            TcpListener::bind(&settings.listen).with_context(|| format!("cannot listen on {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let server_options =
            ServerOptions { workers: settings.http.workers, shutdown_timeout: settings.shutdown_timeout() };
        let server = domovoy_web::server(state.clone(), listener, &server_options)?;
        Ok(Application { port, server, state })
    }

    /// The port the server is bound to (the chosen one when asked for 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or the handle stops it), finishing
    /// requests in flight, then closes the database after its last write.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let maintenance = actix_web::rt::spawn(maintain(self.state.clone()));
        let served = self.server.await;
        maintenance.abort();
        self.state.db.close().await;
        tracing::info!("stopped");
        served.context("the HTTP server failed")
    }
}

fn web_config(settings: &Settings) -> anyhow::Result<WebConfig> {
    let display_time_zone = settings.http.display_time_zone.parse().map_err(|_| {
        anyhow::anyhow!("unknown time zone {:?} in http.display_time_zone", settings.http.display_time_zone)
    })?;
    let hours = |h: u64| chrono::Duration::hours(i64::try_from(h).unwrap_or(i64::MAX / 3600));
    Ok(WebConfig {
        secure_cookies: settings.http.secure_cookies,
        trust_forwarded_for: settings.http.trust_forwarded_for,
        session_idle: hours(settings.auth.session_idle_hours),
        api_token_lifetime: hours(settings.auth.api_token_days.saturating_mul(24)),
        lockout: LockoutPolicy {
            threshold: settings.auth.lockout_threshold.max(1),
            duration: chrono::Duration::minutes(i64::try_from(settings.auth.lockout_minutes).unwrap_or(15)),
        },
        sign_in_per_minute: settings.auth.sign_in_per_minute,
        display_time_zone,
        version: env!("CARGO_PKG_VERSION"),
    })
}

/// Warns the operator when nobody can administer users and roles (a fresh
/// production database), with the command that fixes it.
pub async fn warn_if_no_administrator(db: &Db) -> anyhow::Result<()> {
    if assignments::active_administrators(db).await? == 0 {
        tracing::warn!(
            "no active administrator exists; create one with `domovoy user add <login> --name <name> --role administrator`"
        );
    }
    Ok(())
}

/// Creates the roles of built-in templates that do not exist yet.
pub async fn ensure_roles(db: &Db) -> anyhow::Result<()> {
    let created = db
        .write(|tx| Box::pin(async move { roles::ensure_templates(tx).await }))
        .await
        .context("cannot create the built-in roles")?
        .value;
    for role in created {
        tracing::info!(role = %role.name, "created built-in role");
    }
    Ok(())
}

/// Periodic housekeeping; runs until the application stops (the task is
/// aborted after the server returns).
async fn maintain(state: AppState) {
    let mut ticks = actix_web::rt::time::interval(MAINTENANCE_INTERVAL);
    loop {
        ticks.tick().await;
        state.sign_in_limiter.forget_idle();
        let cutoff = chrono::Utc::now() - chrono::Duration::days(TOKEN_KEEP_DAYS);
        let pruned = state.db.write(move |tx| Box::pin(async move { tokens::prune(tx, cutoff).await })).await;
        match pruned {
            Ok(done) if done.value > 0 => tracing::info!(tokens = done.value, "deleted long-expired tokens"),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "token clean-up failed"),
        }
    }
}

/// The actor recorded for changes made from the command line.
pub fn cli_actor() -> Actor {
    Actor::system("cli")
}
