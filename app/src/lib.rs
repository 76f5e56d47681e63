//! Domovoy's use-cases: one function per thing a person or a system does.
//!
//! This crate owns the application layer between the doors and the
//! machinery. Every door — the web pages and JSON API (`domovoy-web`), the
//! command line (`domovoy`), telephony, the staff app's sync, background
//! jobs — calls the same functions here with a [`Requester`] (who acts, and
//! through which [`Channel`]) and gets a result or an [`AppError`] with a
//! stable code. A use-case checks the one policy function, parses its input
//! into domain values (collecting every field error), runs its change, its
//! audit entry and its typed events in one transaction ([`App::write`]),
//! and only then publishes the events. Capability functions
//! ([`tickets::capabilities`]) say what a person may do with a thing, so
//! pages, the API and the staff app show the same buttons the use-cases
//! accept. Background jobs live in [`jobs`].
//!
//! It must not know HTTP, HTML or actix-web: no request, no status code, no
//! template. Who may call what is the policy's business, never the door's.

pub mod account;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod buildings;
pub mod calls;
pub mod channels;
pub mod clients;
mod common;
pub mod completion;
pub mod error;
pub mod import;
pub mod imports;
pub mod jobs;
pub mod live;
pub mod mailing_files;
pub mod mailings;
pub mod outages;
pub mod passes;
pub mod places;
pub mod rate_limit;
pub mod report_subscriptions;
pub mod reports;
pub mod requester;
pub mod roles;
pub mod search;
pub mod secret;
pub mod sign_in_code;
pub mod surveys;
pub mod ticket_filter;
pub mod ticket_settings;
pub mod tickets;
pub mod users;
pub mod webhooks;

use std::path::PathBuf;
use std::sync::Arc;

use chrono::Duration;
use chrono_tz::Tz;
use futures_util::future::BoxFuture;

use domovoy_actors::presence::ViewerInfo;
use domovoy_actors::sla::CalendarCache;
use domovoy_actors::tickets::TicketsHandle;
use domovoy_actors::{BuildingsHandle, HubHandle, Metrics, PresenceHandle};
use domovoy_domain::account::SignInThrottle;
use domovoy_domain::ids::{BuildingId, TicketId};
use domovoy_domain::sla::ProductionCalendar;
use domovoy_domain::ticket::Ticket;
use domovoy_store::{Db, WriteTx};

pub use common::{optional, present};
pub use error::{AppError, AppResult, Limit, Rule};
pub use requester::{Channel, Origin, Requester};

use crate::rate_limit::SignInLimiter;
use crate::tickets::LowRating;

/// Settings of the use-cases, taken from the application's settings.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The company's zone: ticket numbers count in its year, staff pages
    /// show its times.
    pub display_time_zone: Tz,
    /// A browser session ends after this long without use.
    pub session_idle: Duration,
    /// API and device tokens live this long.
    pub api_token_lifetime: Duration,
    /// How wrong passwords slow guessing down (per login and address).
    pub sign_in_throttle: SignInThrottle,
    /// Sign-in attempts allowed per client address per minute.
    pub sign_in_per_minute: u32,
    /// Sign-in codes by SMS one client address may ask for per minute.
    pub codes_per_minute: u32,
    /// What a rating of 1 or 2 does to a finished ticket.
    pub low_rating: LowRating,
    /// A done ticket nobody confirmed closes after this long.
    pub auto_close_after: Duration,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Where attachments are kept (`<data_dir>/files`).
    pub files_dir: PathBuf,
    /// How people reach Domovoy from outside (`https://crm.uk.example`, no
    /// trailing slash): the start of links in letters.
    pub public_url: String,
    /// How e-mail leaves, when the server's `[mail]` is set up.
    pub mail: Option<MailConfig>,
    /// The SMS gateway, as shown to administrators (`SMS.ru (sms.ru)`),
    /// when the server's `[sms]` is set up.
    pub sms: Option<String>,
    /// The secret word of the SMS gateway's delivery reports' address, when
    /// it reports (`[sms] report_secret`).
    pub sms_report_secret: Option<String>,
    /// When no mailing but an emergency notice leaves by SMS or e-mail (in
    /// each recipient's building's zone); none: any time.
    pub quiet_hours: Option<domovoy_domain::mailing::QuietHours>,
}

/// The server's `[mail]` as shown to administrators (no credentials).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The SMTP URL without its user and password (`smtps://smtp.uk.example:465`).
    pub server: String,
    /// The sender (`Домовой <box@uk.example>`).
    pub from: String,
}

impl AppConfig {
    /// Whether e-mail can be sent.
    pub fn mail_enabled(&self) -> bool {
        self.mail.is_some()
    }

    /// Whether text messages can be sent.
    pub fn sms_enabled(&self) -> bool {
        self.sms.is_some()
    }

    /// Whether this server sends mailings by `channel`: the cabinet and
    /// push always (Web Push needs no settings; a recipient is reached by
    /// push when they have a device it reaches), e-mail and texts when
    /// configured. Every choice of channels (the editor, a survey's
    /// reminder, an outage's notice) and every check asks here.
    pub fn sends_by(&self, channel: domovoy_domain::mailing::MailingChannel) -> bool {
        use domovoy_domain::mailing::MailingChannel;
        match channel {
            MailingChannel::InApp | MailingChannel::Push => true,
            MailingChannel::Email => self.mail_enabled(),
            MailingChannel::Sms => self.sms_enabled(),
        }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            display_time_zone: chrono_tz::Europe::Moscow,
            session_idle: Duration::hours(12),
            api_token_lifetime: Duration::days(90),
            sign_in_throttle: SignInThrottle::default(),
            sign_in_per_minute: 10,
            codes_per_minute: 3,
            low_rating: LowRating::Reopen,
            auto_close_after: Duration::days(3),
            max_attachment_bytes: 20 * 1024 * 1024,
            files_dir: std::env::temp_dir().join("domovoy-files"),
            public_url: "http://127.0.0.1:8080".to_owned(),
            mail: None,
            sms: None,
            sms_report_secret: None,
            quiet_hours: None,
        }
    }
}

/// The live parts of a serving node: the hub, the building and ticket
/// actors, presence. A command-line process has none: its events reach the
/// serving nodes through the database (their catch-up sweep).
#[derive(Debug, Clone)]
pub struct Live {
    pub hub: HubHandle,
    pub buildings: BuildingsHandle,
    pub presence: PresenceHandle,
    pub tickets: TicketsHandle,
}

/// The application: what every use-case needs. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct App(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    pub db: Db,
    pub metrics: Metrics,
    pub config: AppConfig,
    live: Option<Live>,
    /// The production calendar, shared with the ticket actors when live.
    calendar: CalendarCache,
    /// Tokens recently found ([`auth::TokenCache`]).
    pub tokens: auth::TokenCache,
    /// Sign-in attempts per address (this node's share of the limit).
    pub sign_in_limiter: SignInLimiter,
    /// Sign-in codes asked for per address (texts cost money: fewer).
    pub code_limiter: SignInLimiter,
    /// Wrong passwords per login and address.
    pub login_throttle: rate_limit::LoginThrottle,
    /// Personal-data searches per account.
    pub search_limiter: rate_limit::SearchLimiter,
    /// Spreadsheets being read at once (one: reading is CPU-bound and the
    /// other core keeps serving).
    pub import_slots: tokio::sync::Semaphore,
    /// Verified against when a login does not exist, so that a missing
    /// account costs as much time as a wrong password.
    pub dummy_hash: String,
    /// What places calls from a person's phone (click-to-call), when a
    /// telephony door that can is running (the AMI client).
    dialer: std::sync::OnceLock<Arc<dyn calls::Dialer>>,
    /// What words the letters of scheduled reports (the web door's).
    report_letters: std::sync::OnceLock<Arc<dyn report_subscriptions::ReportLetters>>,
    /// The unsubscribe line of scheduled mailings (the web door's words).
    mailing_footer: std::sync::OnceLock<mailings::SharedFooter>,
    /// Staff-app photos whose pieces this node is receiving.
    pub photos_in_flight: attachments::PhotosInFlight,
}

impl std::ops::Deref for App {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl App {
    /// The application of a serving node (`live`) or of a command-line
    /// process (`None`).
    pub fn new(db: Db, live: Option<Live>, metrics: Metrics, config: AppConfig) -> Self {
        let calendar = match &live {
            Some(live) => live.tickets.calendar().clone(),
            None => CalendarCache::new(db.clone()),
        };
        let sign_in_limiter = SignInLimiter::new(config.sign_in_per_minute);
        let code_limiter = SignInLimiter::new(config.codes_per_minute);
        let login_throttle = rate_limit::LoginThrottle::new(config.sign_in_throttle);
        Self(Arc::new(Inner {
            db,
            metrics,
            config,
            live,
            calendar,
            tokens: auth::TokenCache::default(),
            sign_in_limiter,
            code_limiter,
            login_throttle,
            import_slots: tokio::sync::Semaphore::new(1),
            search_limiter: rate_limit::SearchLimiter::default(),
            dummy_hash: domovoy_domain::password::dummy_hash(),
            dialer: std::sync::OnceLock::new(),
            report_letters: std::sync::OnceLock::new(),
            mailing_footer: std::sync::OnceLock::new(),
            photos_in_flight: attachments::PhotosInFlight::default(),
        }))
    }

    /// Sets what places click-to-call calls (once, at start).
    pub fn set_dialer(&self, dialer: Arc<dyn calls::Dialer>) {
        let _ = self.dialer.set(dialer);
    }

    /// What places click-to-call calls, when one runs.
    pub fn dialer(&self) -> Option<&Arc<dyn calls::Dialer>> {
        self.dialer.get()
    }

    /// Sets what words the letters of scheduled reports (once, at start).
    pub fn set_report_letters(&self, letters: Arc<dyn report_subscriptions::ReportLetters>) {
        let _ = self.report_letters.set(letters);
    }

    /// Sets the unsubscribe line of scheduled mailings (once, at start).
    pub fn set_mailing_footer(&self, footer: mailings::SharedFooter) {
        let _ = self.mailing_footer.set(footer);
    }

    /// The unsubscribe line of scheduled mailings, when a door set it.
    pub fn mailing_footer(&self) -> Option<&mailings::SharedFooter> {
        self.mailing_footer.get()
    }

    /// What words the letters of scheduled reports, when a door set it.
    pub fn report_letters(&self) -> Option<&Arc<dyn report_subscriptions::ReportLetters>> {
        self.report_letters.get()
    }

    /// The live parts, on a serving node.
    pub fn live(&self) -> Option<&Live> {
        self.live.as_ref()
    }

    /// Runs `work` in one transaction, then hands its events to the hub.
    /// The answer comes only after the commit; delivery never delays it.
    /// Without a hub (the command line) the events stay in the log, where
    /// every serving node's catch-up sweep finds them within seconds.
    pub async fn write<T, F>(&self, work: F) -> AppResult<T>
    where
        F: for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, AppResult<T>> + Send + 'static,
        T: Send + 'static,
    {
        let committed = self.db.write(work).await?;
        self.tokens.committed(&committed.events);
        if let Some(live) = &self.live {
            live.hub.publish_local(committed.events);
        }
        Ok(committed.value)
    }

    /// The production calendar (cached for a minute).
    pub async fn calendar(&self) -> AppResult<Arc<ProductionCalendar>> {
        Ok(self.calendar.get().await?)
    }

    /// Forgets the cached calendar after this node changed it.
    pub fn calendar_changed(&self) {
        self.calendar.invalidate();
    }

    /// Who is looking at a building now, on every node (empty without live
    /// parts).
    pub async fn building_viewers(&self, id: BuildingId) -> Vec<ViewerInfo> {
        match &self.live {
            Some(live) => live.buildings.live(id).await.viewers,
            None => Vec::new(),
        }
    }

    /// Who is looking at a ticket now, on every node.
    pub async fn ticket_viewers(&self, id: TicketId) -> Vec<ViewerInfo> {
        match &self.live {
            Some(live) => live.tickets.viewers(id).await,
            None => Vec::new(),
        }
    }

    /// Tells the ticket actors a ticket changed (its SLA timer re-arms).
    /// Without live parts the serving nodes' minute scan picks it up.
    pub fn ticket_changed(&self, ticket: &Ticket) {
        if let Some(live) = &self.live {
            live.tickets.changed(ticket);
        }
    }
}
