//! Wiring: builds the whole application from its settings.
//!
//! [`Application::build`] connects and migrates the database, makes sure the
//! built-in roles exist, starts the event hub and binds the HTTP server;
//! `main` and the integration tests start the product the same way (tests
//! listen on port 0).

use std::collections::HashMap;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use anyhow::Context as _;

use std::sync::Arc;

use domovoy_actors::outbox::email::EmailChannel;
use domovoy_actors::outbox::sms::{SmsChannel, SmsConfig};
use domovoy_actors::outbox::webhook::WebhookChannel;
use domovoy_actors::outbox::{Channel, OutboxHandle, OutboxSettings};
use domovoy_actors::tickets::TicketsHandle;
use domovoy_actors::{BuildingsHandle, ClusterHandle, HubHandle, Metrics, PresenceHandle, cluster};
use domovoy_app::jobs::{JobSettings, Jobs};
use domovoy_app::tickets::LowRating;
use domovoy_app::{App, AppConfig, Live};
use domovoy_domain::account::SignInThrottle;
use domovoy_domain::device::Platform;
use domovoy_domain::sla::{RUSSIAN_CALENDAR, parse_calendar};
use domovoy_mobile_bridge::BridgeConfig;
use domovoy_mobile_bridge::push::apns::Apns;
use domovoy_mobile_bridge::push::fcm::Fcm;
use domovoy_mobile_bridge::push::{PushChannel, PushProvider, VapidKeys, WebPush};
use domovoy_store::{Db, DbOptions, assignments, classifier, roles, sla};
use domovoy_web::{AppState, ServerOptions, WebConfig};

use crate::settings::{LowRatingSetting, Settings, describe_url};

/// A built, bound, not yet running application.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    outbox: OutboxHandle,
    /// Tells live sessions the server is going away.
    shutdown: tokio::sync::watch::Sender<bool>,
    retention: chrono::Duration,
    /// `[telephony.ami]`, when configured.
    ami: Option<crate::settings::AmiSettings>,
    /// The SIP listener, when `[telephony.sip]` is configured (bound and
    /// answering from `build` on, so a taken port fails the start).
    sip: Option<domovoy_telephony::sip::SipListener>,
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
            pin_sqlite_writer: settings.database.pin_sqlite_writer,
        };
        let db = Db::connect(url.expose(), &options)
            .await
            .with_context(|| format!("cannot open the database {}", describe_url(url.expose())))?;
        db.migrate().await.context("cannot apply database migrations")?;
        ensure_roles(&db).await?;
        ensure_reference_data(&db).await?;
        tracing::info!(database = %describe_url(url.expose()), "database ready");

        let metrics = Metrics::new();
        let node: Arc<str> = Arc::from(uuid::Uuid::now_v7().simple().to_string());
        let cluster = match &settings.redis_url {
            Some(url) => Some(ClusterHandle::start(url.expose(), node.clone()).context("invalid redis_url")?),
            None => None,
        };
        let hub = HubHandle::start(db.clone(), metrics.clone()).with_cluster(cluster.clone());
        let buildings = BuildingsHandle::start(hub.clone(), cluster.clone());
        let tickets = TicketsHandle::start(db.clone(), hub.clone(), cluster, metrics.clone());
        let presence = PresenceHandle::new(buildings.clone(), tickets.clone());
        if let Some(url) = &settings.redis_url {
            cluster::start_listener(url.expose(), node.clone(), hub.clone(), presence.clone(), metrics.clone())
                .context("invalid redis_url")?;
            tracing::info!(%node, "cluster mode: events go to the other nodes through Redis");
        }
        // The port first: a taken one stops the start before anything runs
        // in the background, and links in letters name the real one.
        let listener =
            domovoy_web::bind(&settings.listen).with_context(|| format!("cannot listen on {}", settings.listen))?;
        let bound = listener.local_addr()?;
        let port = bound.port();
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let live = Live { hub, presence, buildings, tickets };
        let mut config = app_config(settings)?;
        if settings.http.public_url.is_none() {
            config.public_url = format!("http://{bound}");
        }
        let app = App::new(db.clone(), Some(live), metrics.clone(), config);
        let vapid = VapidKeys::load_or_create(&settings.data_dir).context("the Web Push (VAPID) key")?;
        let web = WebConfig {
            secure_cookies: settings.http.secure_cookies,
            trust_forwarded_for: settings.http.trust_forwarded_for,
            version: env!("CARGO_PKG_VERSION"),
            hsts_max_age_secs: Some(settings.http.hsts_max_age_secs).filter(|secs| *secs > 0),
            metrics_token: settings.metrics.token.as_ref().map(|t| t.expose().to_owned()),
            bridge: BridgeConfig {
                allow_http_endpoints: settings.push.allow_http_endpoints,
                vapid_public_key: Some(vapid.public.clone()),
                apns: settings.push.apns.is_some(),
                fcm: settings.push.fcm.is_some(),
            },
        };
        let state = AppState::new(app, web, shutdown_rx);

        // The SIP port before anything runs in the background too.
        let sip = match &settings.telephony.sip {
            Some(sip) => {
                let mut config = domovoy_telephony::sip::SipConfig::new(&sip.listen, &sip.allowed_peers)?;
                config.ring_timeout = Duration::from_secs(sip.ring_timeout_secs.max(1));
                Some(domovoy_telephony::sip::SipListener::start(state.app().clone(), config).await?)
            }
            None => None,
        };

        let webhook: Arc<dyn Channel> =
            Arc::new(WebhookChannel::new(db.clone()).context("cannot build the HTTP client")?);
        let web_push: Arc<dyn PushProvider> = Arc::new(
            WebPush::new(vapid, settings.push.vapid_subject.clone(), settings.push.allow_http_endpoints)
                .context("cannot build the HTTP client")?,
        );
        let mut providers = HashMap::from([(Platform::Webpush, web_push)]);
        if let Some(apns) = &settings.push.apns {
            let provider = Apns::new(apns).context("push.apns")?;
            providers.insert(Platform::Apns, Arc::new(provider) as Arc<dyn PushProvider>);
        }
        if let Some(fcm) = &settings.push.fcm {
            let provider = Fcm::new(fcm, settings.push.allow_http_endpoints).context("push.fcm")?;
            providers.insert(Platform::Fcm, Arc::new(provider) as Arc<dyn PushProvider>);
        }
        let push: Arc<dyn Channel> = Arc::new(PushChannel::new(db.clone(), providers));
        let outbox_settings = OutboxSettings {
            poll_interval: Duration::from_millis(settings.outbox.poll_interval_ms.max(50)),
            lease: Duration::from_secs(settings.outbox.lease_secs.max(1)),
            max_attempts: settings.outbox.max_attempts.max(1),
            per_minute: settings
                .outbox
                .per_minute
                .iter()
                .filter(|(_, rate)| **rate > 0)
                .map(|(c, r)| (c.clone(), *r))
                .collect(),
            ..OutboxSettings::default()
        };
        let mut channels = vec![webhook, push];
        if let Some(mail) = &settings.mail {
            let email = EmailChannel::new(mail.smtp_url.expose(), &mail.from)
                .context("[mail]")?
                .with_files(state.app().config.files_dir.clone());
            channels.push(Arc::new(email));
        }
        if let Some(sms) = &settings.sms {
            channels.push(Arc::new(SmsChannel::new(sms.clone()).context("[sms]")?));
        }
        state.app().set_mailing_footer(domovoy_web::mailings::scheduled_footer());
        state.app().set_report_letters(Arc::new(domovoy_web::reports::subscriptions::Letters {
            zone: state.app().config.display_time_zone,
        }));
        let outbox = OutboxHandle::start(db, channels, metrics, outbox_settings);

        let server_options = ServerOptions {
            workers: settings.http.workers,
            shutdown_timeout: settings.shutdown_timeout(),
            keep_alive: Duration::from_secs(settings.http.keep_alive_secs),
        };
        let server = domovoy_web::server(state.clone(), listener, &server_options)?;
        let retention = chrono::Duration::days(i64::from(settings.events.retention_days.max(1)));
        let ami = settings.telephony.ami.clone();
        Ok(Application { port, server, state, outbox, shutdown, retention, ami, sip })
    }

    /// The port the server is bound to (the chosen one when asked for 0).
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &Db {
        &self.state.db
    }

    /// Where the SIP listener listens, when it is on.
    pub fn sip_addr(&self) -> Option<std::net::SocketAddr> {
        self.sip.as_ref().map(domovoy_telephony::sip::SipListener::local_addr)
    }

    /// The use-cases of this node (with its live parts).
    pub fn app(&self) -> &App {
        self.state.app()
    }

    /// A handle that stops the server gracefully.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGTERM/SIGINT (or the handle stops it). On a signal it
    /// first tells live sessions the server is going away (they close with
    /// 1001 and reconnect elsewhere), lets requests in flight finish, stops
    /// the background jobs and the outbox, then closes the database after
    /// its last write.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        // The jobs run while the server serves (the first SLA scan at once,
        // so timers are armed right after a restart) and stop with it.
        let jobs = Jobs::start(self.state.app(), JobSettings { event_retention: self.retention });
        // The AMI client, when configured: one per serving node (a call's
        // events fold into one row whichever node stores them).
        let ami = self.ami.as_ref().map(|settings| {
            let mut config =
                domovoy_telephony::ami::AmiConfig::new(&settings.address, &settings.username, settings.secret.expose());
            config.inbound_contexts.clone_from(&settings.inbound_contexts);
            if let Some(channel) = &settings.originate_channel {
                config.originate_channel.clone_from(channel);
            }
            if let Some(context) = &settings.originate_context {
                config.originate_context.clone_from(context);
            }
            let client = domovoy_telephony::ami::AmiClient::start(self.state.app().clone(), config);
            self.state.app().set_dialer(client.dialer());
            client
        });
        let (handle, shutdown) = (self.server.handle(), self.shutdown);
        let signals = actix_web::rt::spawn(async move {
            wait_for_signal().await;
            tracing::info!("stopping: closing live connections, finishing requests in flight");
            let _ = shutdown.send(true);
            handle.stop(true).await;
        });
        let served = self.server.await;
        signals.abort();
        jobs.stop();
        if let Some(ami) = ami {
            ami.stop().await;
        }
        if let Some(sip) = self.sip {
            sip.stop().await;
        }
        self.outbox.stop();
        self.state.db.close().await;
        tracing::info!("stopped");
        served.context("the HTTP server failed")
    }
}

/// The use-cases' settings, from the application's.
pub fn app_config(settings: &Settings) -> anyhow::Result<AppConfig> {
    let display_time_zone = settings.http.display_time_zone.parse().map_err(|_| {
        anyhow::anyhow!("unknown time zone {:?} in http.display_time_zone", settings.http.display_time_zone)
    })?;
    let hours = |h: u64| chrono::Duration::hours(i64::try_from(h).unwrap_or(i64::MAX / 3600));
    Ok(AppConfig {
        display_time_zone,
        session_idle: hours(settings.auth.session_idle_hours),
        api_token_lifetime: hours(settings.auth.api_token_days.saturating_mul(24)),
        sign_in_throttle: SignInThrottle {
            free: settings.auth.free_sign_in_attempts,
            max_wait: chrono::Duration::minutes(
                i64::try_from(settings.auth.max_sign_in_wait_minutes.max(1)).unwrap_or(15),
            ),
            ..SignInThrottle::default()
        },
        sign_in_per_minute: settings.auth.sign_in_per_minute,
        codes_per_minute: settings.auth.codes_per_minute,
        low_rating: match settings.tickets.low_rating {
            LowRatingSetting::Reopen => LowRating::Reopen,
            LowRatingSetting::Flag => LowRating::Flag,
        },
        auto_close_after: chrono::Duration::days(i64::from(settings.tickets.auto_close_days.max(1))),
        max_attachment_bytes: settings.tickets.max_attachment_mb.max(1).saturating_mul(1024 * 1024),
        files_dir: settings.data_dir.join("files"),
        public_url: public_url(settings)?,
        mail: settings.mail.as_ref().map(|mail| domovoy_app::MailConfig {
            server: describe_url(mail.smtp_url.expose()),
            from: mail.from.clone(),
        }),
        sms: settings.sms.as_ref().map(SmsConfig::describe),
        sms_report_secret: settings.sms.as_ref().and_then(|sms| sms.report_secret().map(str::to_owned)),
        quiet_hours: match settings.mailings.quiet_hours.trim() {
            "" | "off" => None,
            hours => Some(
                domovoy_domain::mailing::QuietHours::parse(hours)
                    .map_err(|_| anyhow::anyhow!("mailings.quiet_hours must read like 21:00-09:00, got {hours:?}"))?,
            ),
        },
    })
}

/// `http.public_url` without its trailing slash, or `http://` and the
/// listen address (a serving node puts the bound address there); anything
/// but an http(s) address is refused at start.
fn public_url(settings: &Settings) -> anyhow::Result<String> {
    match &settings.http.public_url {
        Some(url) => {
            let url = url.trim().trim_end_matches('/');
            let host = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
            match host {
                Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(url.to_owned()),
                _ => anyhow::bail!("http.public_url must be an http:// or https:// address, got {url:?}"),
            }
        }
        None => Ok(format!("http://{}", settings.listen)),
    }
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

/// Warns the operator when PostgreSQL runs without autovacuum: the
/// planner's statistics then never refresh, and statements planned while
/// the tables were small slow down as they grow.
pub async fn warn_if_autovacuum_off(db: &Db) -> anyhow::Result<()> {
    if db.autovacuum_off().await.context("cannot read the autovacuum setting")? {
        tracing::warn!(
            "PostgreSQL runs with autovacuum = off: statistics go stale and plans made on small tables slow \
             writes down as they grow; turn it on (the default) or run ANALYZE regularly"
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

/// Seeds what a fresh installation needs to take tickets: the standard
/// classifier and the Russian production calendar. Items and days the
/// company edited are left alone.
pub async fn ensure_reference_data(db: &Db) -> anyhow::Result<()> {
    let days = parse_calendar(RUSSIAN_CALENDAR).map_err(|(line, error)| {
        anyhow::anyhow!("the built-in production calendar is invalid at line {line}: {error:?}")
    })?;
    let (items, days) = db
        .write(move |tx| {
            Box::pin(async move {
                let items = classifier::ensure_seed(tx).await?;
                let days = if sla::calendar_days(&mut *tx).await?.is_empty() {
                    sla::add_calendar_days(tx, &days).await?
                } else {
                    0
                };
                Ok::<_, domovoy_store::StoreError>((items, days))
            })
        })
        .await
        .context("cannot seed the classifier and the production calendar")?
        .value;
    if items > 0 || days > 0 {
        tracing::info!(classifier_items = items, calendar_days = days, "seeded reference data");
    }
    Ok(())
}

/// Resolves on SIGTERM (systemd, docker) or SIGINT (Ctrl+C).
async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
