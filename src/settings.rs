//! Typed settings: defaults < TOML file < `DOMOVOY_*` environment < flags.
//!
//! Nested keys use a double underscore in the environment:
//! `DOMOVOY_HTTP__SECURE_COOKIES=true` sets `[http] secure_cookies`. The
//! two most used need none: `DOMOVOY_DATABASE_URL`, `DOMOVOY_REDIS_URL`.
//! Unknown keys in the TOML file are errors, so a typo does not silently
//! leave a default in place.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use config::{Config, Environment, File, FileFormat};
use domovoy_actors::outbox::sms::SmsConfig;
use domovoy_mobile_bridge::push::{apns::ApnsConfig, fcm::FcmConfig};
use serde::Deserialize;

/// A value that must not appear in logs (it may hold a password).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Everything the application is configured with.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the embedded SQLite database (and, later, uploaded files) live.
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: SQLite in `data_dir`.
    pub database_url: Option<Secret>,
    /// `redis://…`: connects several nodes; optional.
    pub redis_url: Option<Secret>,
    /// Address and port to listen on.
    pub listen: String,
    pub log: LogSettings,
    pub http: HttpSettings,
    pub auth: AuthSettings,
    pub database: DatabaseSettings,
    pub events: EventSettings,
    pub outbox: OutboxSettings,
    pub tickets: TicketSettings,
    pub metrics: MetricsSettings,
    pub telephony: TelephonySettings,
    pub push: PushSettings,
    /// `[mail]`: e-mail over SMTP (scheduled reports); off unless set.
    pub mail: Option<MailSettings>,
    /// `[sms]`: text messages through an HTTP gateway (SMS.ru or a
    /// generic one); off unless set.
    pub sms: Option<SmsConfig>,
    pub mailings: MailingSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./data"),
            database_url: None,
            redis_url: None,
            listen: "127.0.0.1:8080".to_owned(),
            log: LogSettings::default(),
            http: HttpSettings::default(),
            auth: AuthSettings::default(),
            database: DatabaseSettings::default(),
            events: EventSettings::default(),
            outbox: OutboxSettings::default(),
            tickets: TicketSettings::default(),
            metrics: MetricsSettings::default(),
            telephony: TelephonySettings::default(),
            push: PushSettings::default(),
            mail: None,
            sms: None,
            mailings: MailingSettings::default(),
        }
    }
}

/// `[mailings]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailingSettings {
    /// `21:00-09:00`: the night hours (in each recipient's building's
    /// zone) when mailings by SMS and e-mail wait for the morning;
    /// emergency notices leave at once. `"off"` (or `""`): none.
    pub quiet_hours: String,
}

impl Default for MailingSettings {
    fn default() -> Self {
        Self { quiet_hours: "21:00-09:00".to_owned() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Pretty,
    /// One JSON object per line, for journald, Loki or ELK.
    Json,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info` or `info,domovoy_web=debug`
    /// (`RUST_LOG` overrides it).
    pub filter: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        // The SIP stack logs every message it receives at `info`.
        Self { format: LogFormat::Pretty, filter: "info,rsipstack=warn".to_owned() }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// Worker threads; default one per CPU core.
    pub workers: Option<usize>,
    /// Seconds a graceful shutdown waits for requests in flight.
    pub shutdown_timeout_secs: u64,
    /// Seconds an idle connection is kept open for the client's next
    /// request. Longer than what clients and proxies keep theirs (nginx's
    /// upstream `keepalive_timeout` is 60 s): else the server closes one
    /// just as a request is sent on it, and that request fails.
    pub keep_alive_secs: u64,
    /// Mark cookies `Secure`: set when users reach Domovoy over HTTPS.
    pub secure_cookies: bool,
    /// Trust `X-Forwarded-For` for the client address: set only behind a
    /// reverse proxy that overwrites it (nginx with `proxy_set_header`).
    pub trust_forwarded_for: bool,
    /// The zone staff pages show times in (the head office's).
    pub display_time_zone: String,
    /// `Strict-Transport-Security` max-age in seconds; 0 (default) sends
    /// none. Set it (a year: 31536000) once Domovoy is reached only over
    /// HTTPS, and keep `secure_cookies` on.
    pub hsts_max_age_secs: u64,
    /// The address people open Domovoy at (`https://crm.uk.example`), for
    /// links in letters and messages (a mailing's unsubscribe link); unset:
    /// `http://` and the `listen` address, fine on one machine only.
    pub public_url: Option<String>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            workers: None,
            shutdown_timeout_secs: 30,
            keep_alive_secs: 75,
            secure_cookies: false,
            trust_forwarded_for: false,
            display_time_zone: "Europe/Moscow".to_owned(),
            hsts_max_age_secs: 0,
            public_url: None,
        }
    }
}

/// `[telephony]`: the doors from the PBX.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelephonySettings {
    /// The Asterisk manager interface; absent: no AMI client.
    pub ami: Option<AmiSettings>,
    /// The SIP listener the PBX forks incoming calls to; absent: off.
    pub sip: Option<SipSettings>,
}

/// `[telephony.sip]`: where the SIP listener listens and whom it hears.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipSettings {
    /// `address:port`, UDP and TCP, e.g. `0.0.0.0:5070`.
    pub listen: String,
    /// The PBXes' IP addresses; everyone else is dropped unanswered.
    pub allowed_peers: Vec<String>,
    /// A call nobody cancels for this long is missed (default 300).
    #[serde(default = "default_ring_timeout_secs")]
    pub ring_timeout_secs: u64,
}

fn default_ring_timeout_secs() -> u64 {
    300
}

/// `[telephony.ami]`: an Asterisk Manager Interface the node logs in to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmiSettings {
    /// `host:port`, e.g. `127.0.0.1:5038`.
    pub address: String,
    pub username: String,
    pub secret: Secret,
    /// Contexts whose new channels are calls from outside.
    #[serde(default = "default_inbound_contexts")]
    pub inbound_contexts: Vec<String>,
    /// Click-to-call: the channel that rings the person's phone first
    /// (default `PJSIP/{extension}`).
    #[serde(default)]
    pub originate_channel: Option<String>,
    /// Click-to-call: the context the number is dialled in (default
    /// `from-internal`).
    #[serde(default)]
    pub originate_context: Option<String>,
}

fn default_inbound_contexts() -> Vec<String> {
    ["from-trunk", "from-pstn", "from-external"].into_iter().map(str::to_owned).collect()
}

/// `[push]`: pushes to the staff app's devices.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushSettings {
    /// Admit plain-http Web Push endpoints (tests and the demo only: real
    /// browsers' push services are all HTTPS).
    pub allow_http_endpoints: bool,
    /// How push services reach the operator (VAPID `sub`): a `mailto:` or
    /// `https:` address. Apple's service refuses pushes without a real one.
    pub vapid_subject: String,
    /// `[push.apns]`: Apple's service for the native iOS wrapper; off
    /// unless set (`key_file`, `key_id`, `team_id`, `topic`).
    pub apns: Option<ApnsConfig>,
    /// `[push.fcm]`: Firebase for the native Android wrapper; off unless
    /// set (`service_account_file`).
    pub fcm: Option<FcmConfig>,
}

impl Default for PushSettings {
    fn default() -> Self {
        Self { allow_http_endpoints: false, vapid_subject: "mailto:admin@localhost".to_owned(), apns: None, fcm: None }
    }
}

/// `[mail]`: how letters leave.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailSettings {
    /// `smtp://host:port` (plain: a relay on the same network, a test
    /// server), `smtp://user:password@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:password@host:465` (TLS).
    pub smtp_url: Secret,
    /// The sender: `box@example.ru` or `Name <box@example.ru>`.
    pub from: String,
}

/// Who may read `/metrics`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSettings {
    /// A bearer token Prometheus presents (`Authorization: Bearer …`).
    /// Unset: only clients on this machine (loopback) may read metrics.
    pub token: Option<Secret>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// A browser session ends after this many hours without use.
    pub session_idle_hours: u64,
    /// Lifetime of API and device tokens, in days.
    pub api_token_days: u64,
    /// Wrong passwords for one login from one address before each further
    /// attempt from there has to wait (2 s, then doubling). Accounts are
    /// never locked: the owner elsewhere is not affected.
    pub free_sign_in_attempts: u32,
    /// The longest such wait, in minutes.
    pub max_sign_in_wait_minutes: u64,
    /// Sign-in attempts per client address per minute.
    pub sign_in_per_minute: u32,
    /// Sign-in codes by SMS one client address may ask for per minute
    /// (each is a paid text).
    pub codes_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_idle_hours: 12,
            api_token_days: 90,
            free_sign_in_attempts: 5,
            max_sign_in_wait_minutes: 15,
            sign_in_per_minute: 10,
            codes_per_minute: 3,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Pool size (PostgreSQL), or read pool size (SQLite).
    pub max_connections: u32,
    /// Seconds a request waits for a free connection before answering 503.
    pub acquire_timeout_secs: u64,
    /// SQLite: keep the one writer and its connection on one CPU (faster
    /// durable intake; see BENCHMARKS.md). `false` lets the OS place them.
    pub pin_sqlite_writer: bool,
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self { max_connections: 8, acquire_timeout_secs: 5, pin_sqlite_writer: true }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventSettings {
    /// Days the event log keeps history that reconnecting clients replay.
    pub retention_days: u32,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self { retention_days: 7 }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// How often, in milliseconds, the outbox is checked for messages to send.
    pub poll_interval_ms: u64,
    /// Seconds a sender holds a message; after it another node may send it
    /// (the first one died). Sends time out well before.
    pub lease_secs: u64,
    /// Attempts before a message is given up.
    pub max_attempts: i64,
    /// Messages per minute a channel may send from this node (`sms`,
    /// `email`, `push`, `webhook`): a gateway's or mail server's limit;
    /// unlisted channels are not paced.
    pub per_minute: std::collections::HashMap<String, u32>,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        Self { poll_interval_ms: 500, lease_secs: 60, max_attempts: 12, per_minute: Default::default() }
    }
}

/// What happens to a finished ticket the resident rated 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LowRatingSetting {
    /// Back to work: the ticket is reopened.
    Reopen,
    /// Closed, but marked for a manager's attention.
    Flag,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TicketSettings {
    /// Days after which a done ticket nobody confirmed closes by itself.
    pub auto_close_days: u32,
    /// `reopen` or `flag`.
    pub low_rating: LowRatingSetting,
    /// Largest attachment accepted, in megabytes.
    pub max_attachment_mb: u64,
}

impl Default for TicketSettings {
    fn default() -> Self {
        Self { auto_close_days: 3, low_rating: LowRatingSetting::Reopen, max_attachment_mb: 20 }
    }
}

/// Values given as command-line flags; they override everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub listen: Option<String>,
    pub log_format: Option<String>,
}

/// `DOMOVOY_*` variables that are not settings: the config file's path and
/// the test suite's services. Every other `DOMOVOY_*` variable must name a
/// setting; a misspelt one is an error at start, not silently ignored.
fn is_setting_variable(key: &str) -> bool {
    key.starts_with("DOMOVOY_") && key != "DOMOVOY_CONFIG" && key != "DOMOVOY_BIN" && !key.starts_with("DOMOVOY_TEST_")
}

impl Settings {
    /// Loads settings from the optional TOML file, the environment and the
    /// flags, in that order of increasing precedence.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Settings, config::ConfigError> {
        Self::load_from(file, overrides, std::env::vars())
    }

    /// As [`Settings::load`], with the environment given (for tests).
    pub fn load_from(
        file: Option<&Path>,
        overrides: &Overrides,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, config::ConfigError> {
        let mut builder = Config::builder();
        if let Some(file) = file {
            builder = builder.add_source(File::from(file).format(FileFormat::Toml).required(true));
        }
        let env: config::Map<String, String> = env.into_iter().filter(|(key, _)| is_setting_variable(key)).collect();
        builder = builder.add_source(
            Environment::with_prefix("DOMOVOY")
                .prefix_separator("_")
                .separator("__")
                .try_parsing(true)
                // Lists are comma-separated in a variable
                // (`DOMOVOY_TELEPHONY__SIP__ALLOWED_PEERS=10.0.0.1,10.0.0.2`).
                .list_separator(",")
                .with_list_parse_key("telephony.sip.allowed_peers")
                .with_list_parse_key("telephony.ami.inbound_contexts")
                .source(Some(env)),
        );
        if let Some(dir) = &overrides.data_dir {
            builder = builder.set_override("data_dir", dir.display().to_string())?;
        }
        if let Some(url) = &overrides.database_url {
            builder = builder.set_override("database_url", url.as_str())?;
        }
        if let Some(listen) = &overrides.listen {
            builder = builder.set_override("listen", listen.as_str())?;
        }
        if let Some(format) = &overrides.log_format {
            builder = builder.set_override("log.format", format.as_str())?;
        }
        builder.build()?.try_deserialize()
    }

    /// The database URL: the configured one, or SQLite in the data dir.
    pub fn database_url(&self) -> Secret {
        self.database_url
            .clone()
            .unwrap_or_else(|| Secret(format!("sqlite://{}", self.data_dir.join("domovoy.db").display())))
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.http.shutdown_timeout_secs)
    }
}

/// A database URL fit for logs: scheme, host and database, no credentials.
pub fn describe_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let rest = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            let rest = rest.split_once('?').map_or(rest, |(path, _)| path);
            format!("{scheme}://{rest}")
        }
        None => "(unparseable URL)".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn defaults_use_sqlite_in_the_data_dir() {
        let settings = Settings::load_from(None, &Overrides::default(), env(&[])).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:8080");
        assert_eq!(settings.database_url().expose(), "sqlite://./data/domovoy.db");
        assert_eq!(settings.auth.free_sign_in_attempts, 5);
    }

    #[test]
    fn the_environment_overrides_the_file_and_flags_override_both() {
        let dir = std::env::temp_dir().join(format!("domovoy-settings-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("domovoy.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\n[http]\nsecure_cookies = true\n[auth]\nfree_sign_in_attempts = 3\n",
        )
        .unwrap();
        let env = env(&[
            ("DOMOVOY_DATABASE_URL", "postgres://u:secret@db/domovoy"),
            ("DOMOVOY_AUTH__FREE_SIGN_IN_ATTEMPTS", "7"),
            ("DOMOVOY_TEST_POSTGRES_URL", "postgres://ignored"),
            ("DOMOVOY_CONFIG", "/ignored.toml"),
        ]);
        let overrides = Overrides { listen: Some("127.0.0.1:7000".into()), ..Overrides::default() };
        let settings = Settings::load_from(Some(&file), &overrides, env).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:7000");
        assert!(settings.http.secure_cookies);
        assert_eq!(settings.auth.free_sign_in_attempts, 7);
        assert_eq!(settings.database_url().expose(), "postgres://u:secret@db/domovoy");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn an_sms_gateway_is_read_from_the_file_or_the_environment() {
        let dir = std::env::temp_dir().join(format!("domovoy-settings-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("domovoy.toml");
        std::fs::write(
            &file,
            "[sms]\ngateway = \"http\"\nurl = \"https://gw.example.ru/send\"\nformat = \"json\"\n\
             fields = { phone = \"{digits}\", text = \"{text}\", password = \"p4ss\" }\n",
        )
        .unwrap();
        let settings = Settings::load_from(Some(&file), &Overrides::default(), env(&[])).unwrap();
        let sms = settings.sms.unwrap();
        assert_eq!(sms.describe(), "HTTP (gw.example.ru)");
        assert!(!format!("{sms:?}").contains("p4ss"), "the settings print without secrets");
        let vars = env(&[("DOMOVOY_SMS__GATEWAY", "smsru"), ("DOMOVOY_SMS__API_ID", "KEY-1")]);
        let settings = Settings::load_from(None, &Overrides::default(), vars).unwrap();
        assert_eq!(settings.sms.unwrap().describe(), "SMS.ru (sms.ru)");
        std::fs::write(&file, "[sms]\ngateway = \"smsru\"\napi_key = \"typo\"\n").unwrap();
        assert!(Settings::load_from(Some(&file), &Overrides::default(), env(&[])).is_err(), "a misspelt key");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn nested_sections_come_from_double_underscore_variables() {
        let env = env(&[
            ("DOMOVOY_OUTBOX__LEASE_SECS", "2"),
            ("DOMOVOY_OUTBOX__POLL_INTERVAL_MS", "100"),
            ("DOMOVOY_OUTBOX__PER_MINUTE__SMS", "60"),
        ]);
        let settings = Settings::load_from(None, &Overrides::default(), env).unwrap();
        assert_eq!(settings.outbox.lease_secs, 2);
        assert_eq!(settings.outbox.poll_interval_ms, 100);
        assert_eq!(settings.outbox.per_minute.get("sms"), Some(&60));
    }

    #[test]
    fn the_ami_client_is_configured_from_the_environment() {
        assert!(Settings::load_from(None, &Overrides::default(), env(&[])).unwrap().telephony.ami.is_none());
        let env = env(&[
            ("DOMOVOY_TELEPHONY__AMI__ADDRESS", "127.0.0.1:5038"),
            ("DOMOVOY_TELEPHONY__AMI__USERNAME", "domovoy"),
            ("DOMOVOY_TELEPHONY__AMI__SECRET", "manager-secret"),
        ]);
        let settings = Settings::load_from(None, &Overrides::default(), env).unwrap();
        let ami = settings.telephony.ami.unwrap();
        assert_eq!(ami.address, "127.0.0.1:5038");
        assert_eq!(ami.secret.expose(), "manager-secret");
        assert_eq!(ami.inbound_contexts, ["from-trunk", "from-pstn", "from-external"]);
        assert!(!format!("{ami:?}").contains("manager-secret"), "the secret stays out of logs");
    }

    #[test]
    fn the_sip_listener_is_configured_from_the_environment() {
        assert!(Settings::load_from(None, &Overrides::default(), env(&[])).unwrap().telephony.sip.is_none());
        let env = env(&[
            ("DOMOVOY_TELEPHONY__SIP__LISTEN", "0.0.0.0:5070"),
            ("DOMOVOY_TELEPHONY__SIP__ALLOWED_PEERS", "10.0.0.1,10.0.0.2"),
        ]);
        let settings = Settings::load_from(None, &Overrides::default(), env).unwrap();
        let sip = settings.telephony.sip.unwrap();
        assert_eq!(sip.listen, "0.0.0.0:5070");
        assert_eq!(sip.allowed_peers, ["10.0.0.1", "10.0.0.2"]);
        assert_eq!(sip.ring_timeout_secs, 300);
    }

    #[test]
    fn native_push_is_configured_from_the_environment_and_names_what_is_missing() {
        let settings = Settings::load_from(None, &Overrides::default(), env(&[])).unwrap();
        assert!(settings.push.apns.is_none() && settings.push.fcm.is_none());
        let env_of = |pairs: &[(&str, &str)]| Settings::load_from(None, &Overrides::default(), env(pairs));
        let settings = env_of(&[
            ("DOMOVOY_PUSH__APNS__KEY_FILE", "/etc/domovoy/AuthKey.p8"),
            ("DOMOVOY_PUSH__APNS__KEY_ID", "K3Y1D00001"),
            ("DOMOVOY_PUSH__APNS__TEAM_ID", "T3AM000001"),
            ("DOMOVOY_PUSH__APNS__TOPIC", "ru.example.staff"),
            ("DOMOVOY_PUSH__FCM__SERVICE_ACCOUNT_FILE", "/etc/domovoy/firebase.json"),
        ])
        .unwrap();
        let apns = settings.push.apns.unwrap();
        assert_eq!(apns.url, "https://api.push.apple.com");
        assert_eq!(apns.topic, "ru.example.staff");
        assert_eq!(settings.push.fcm.unwrap().url, "https://fcm.googleapis.com");
        let error = env_of(&[("DOMOVOY_PUSH__APNS__KEY_FILE", "/etc/domovoy/AuthKey.p8")]).unwrap_err();
        assert!(error.to_string().contains("key_id"), "{error}");
    }

    #[test]
    fn a_misspelt_variable_is_an_error() {
        let error = Settings::load_from(None, &Overrides::default(), env(&[("DOMOVOY_DATABSE_URL", "x")])).unwrap_err();
        assert!(error.to_string().contains("databse_url"), "{error}");
    }

    #[test]
    fn a_typo_in_the_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("domovoy-settings-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("domovoy.toml");
        std::fs::write(&file, "[http]\nsecure_cookie = true\n").unwrap();
        let error = Settings::load_from(Some(&file), &Overrides::default(), env(&[])).unwrap_err();
        assert!(error.to_string().contains("secure_cookie"), "{error}");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn the_example_file_is_valid_and_matches_the_defaults() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("domovoy.example.toml");
        let settings = Settings::load_from(Some(&example), &Overrides::default(), env(&[])).unwrap();
        let defaults = Settings::default();
        assert_eq!(format!("{settings:?}"), format!("{defaults:?}"));
    }

    #[test]
    fn secrets_never_print() {
        let settings = Settings { database_url: Some(Secret::new("postgres://u:hunter2@db/x")), ..Settings::default() };
        assert!(!format!("{settings:?}").contains("hunter2"));
        assert_eq!(describe_url("postgres://u:hunter2@db:5432/x?sslmode=require"), "postgres://db:5432/x");
    }
}
