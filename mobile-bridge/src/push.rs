//! Pushes to devices: the outbox's `push` channel and its providers.
//!
//! A push is decided where its cause commits (`domain::device::push_notices`
//! over the write's events; `store::devices::enqueue_pushes` puts one
//! outbox message per device in the same transaction). The outbox
//! dispatcher hands each message to [`PushChannel`], which finds the device
//! and gives the payload to the provider of its platform. A provider answers
//! what became of it: sent, gone (the device is removed at once), try again
//! (after the service's `Retry-After` when it gave one), or refused. A
//! message marked sent is never sent again, also across a restart.
//!
//! Providers: Web Push for the staff app in a browser ([`WebPush`]); APNs
//! ([`apns::Apns`]) and FCM HTTP v1 ([`fcm::Fcm`]) for native wrappers,
//! each configured in its own `[push.*]` section, all behind [`PushProvider`].

pub mod apns;
pub mod fcm;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use rand::RngCore as _;
use serde_json::Value;
use uuid::Uuid;

use domovoy_actors::outbox::answer::{Answer, parse_retry_after};
use domovoy_actors::outbox::{Channel, SendError, Sent};
use domovoy_domain::device::{Platform, PushAddress, WebPushSubscription};
use domovoy_domain::ids::{DeviceId, UserId};
use domovoy_store::devices::{self, Device, PUSH_CHANNEL};
use domovoy_store::outbox::OutboxMessage;
use domovoy_store::{Db, StoreError};

/// How long a push service may take to answer.
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// How much of a push service's answer is read (its error's reason).
const ANSWER_LIMIT: usize = 16 * 1024;
/// How long a push service keeps a message for a device that is offline.
const TTL_SECS: u32 = 24 * 3600;

/// What a provider's send came to, when it did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PushError {
    /// The service says the device no longer exists (404, 410,
    /// `UNREGISTERED`): it is removed and never tried again.
    #[error("the device is gone: {0}")]
    Gone(String),
    /// Worth trying again (network, 429, 5xx), not before `after` when the
    /// service said.
    #[error("temporary failure: {error}")]
    Retry { error: String, after: Option<Duration> },
    /// Will never work as it is (a malformed request, bad credentials).
    #[error("refused: {0}")]
    Refused(String),
}

/// Sends a payload to a device of its platform.
pub trait PushProvider: Send + Sync {
    fn send<'a>(&'a self, device: &'a Device, payload: &'a Value) -> BoxFuture<'a, Result<(), PushError>>;
}

/// A provider that cannot start: a key file missing or wrong, a setting
/// out of place. The server does not start with it (the message says what
/// to fix).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProviderError(String);

impl ProviderError {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

/// The HTTP client of a native provider, `ca_file` trusted besides the
/// system's roots; `http2_only` for a service that speaks nothing else
/// (APNs).
fn http_client(ca_file: Option<&Path>, http2_only: bool) -> Result<reqwest::Client, ProviderError> {
    let mut builder =
        reqwest::Client::builder().timeout(SEND_TIMEOUT).user_agent(concat!("Domovoy/", env!("CARGO_PKG_VERSION")));
    if http2_only {
        builder = builder.http2_prior_knowledge();
    }
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|e| ProviderError::new(format!("cannot read {}: {e}", path.display())))?;
        let certificate = reqwest::Certificate::from_pem(&pem)
            .map_err(|e| ProviderError::new(format!("{} is not a PEM certificate: {e}", path.display())))?;
        builder = builder.add_root_certificate(certificate);
    }
    builder.build().map_err(|e| ProviderError::new(format!("cannot build the HTTP client: {e}")))
}

/// A service's base URL: HTTPS, without a trailing slash.
fn https_base(url: &str, setting: &str) -> Result<String, ProviderError> {
    let url = url.trim().trim_end_matches('/');
    match reqwest::Url::parse(url) {
        Ok(parsed) if parsed.scheme() == "https" && parsed.host().is_some() => Ok(url.to_owned()),
        _ => Err(ProviderError::new(format!("{setting} must be an https:// address, not {url:?}"))),
    }
}

/// The bytes of the first PEM block labelled `label`.
fn pem_body(pem: &str, label: &str) -> Option<Vec<u8>> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = pem.find(&begin)? + begin.len();
    let stop = start + pem[start..].find(&end)?;
    let text: String = pem[start..stop].chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The name a native app words a notification by (its own translations).
fn loc_key(kind: &str) -> String {
    format!("push.{kind}")
}

/// The arguments of a notification's words: the ticket's number (when
/// there is a ticket), then the kind's detail (a new status's code, a
/// guest's name).
fn loc_args(payload: &Value) -> Vec<String> {
    let number = payload["number"].as_str().filter(|n| !n.is_empty());
    number.into_iter().chain(payload["detail"].as_str()).map(str::to_owned).collect()
}

/// What a service's answer means, read from the response (or its failure);
/// `classify` is the service's reading of status, `Retry-After` and body.
async fn read_answer(
    response: Result<reqwest::Response, reqwest::Error>,
    classify: fn(u16, Option<&str>, &str) -> Result<(), PushError>,
) -> Result<(), PushError> {
    let response = response.map_err(|e| PushError::Retry { error: e.to_string(), after: None })?;
    let answer = Answer::read(response, ANSWER_LIMIT).await;
    classify(answer.status, answer.retry_after.as_deref(), &answer.body)
}

/// The outbox channel `push`: finds the device, asks its provider.
pub struct PushChannel {
    db: Db,
    providers: HashMap<Platform, Arc<dyn PushProvider>>,
}

impl std::fmt::Debug for PushChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushChannel").field("providers", &self.providers.keys().collect::<Vec<_>>()).finish()
    }
}

impl PushChannel {
    pub fn new(db: Db, providers: HashMap<Platform, Arc<dyn PushProvider>>) -> Self {
        Self { db, providers }
    }

    async fn deliver(&self, message: &OutboxMessage) -> Result<(), SendError> {
        if let Some(user) = message.payload["user_id"].as_str() {
            let user = user
                .parse::<Uuid>()
                .map(UserId::from_uuid)
                .map_err(|_| SendError::Permanent("the message names no person".to_owned()))?;
            return self.deliver_to_person(user, message).await;
        }
        let id = message.payload["device_id"]
            .as_str()
            .and_then(|id| id.parse::<Uuid>().ok())
            .map(DeviceId::from_uuid)
            .ok_or_else(|| SendError::Permanent("the message names no device".to_owned()))?;
        let device = match devices::get(&self.db, id).await {
            Ok(device) => device,
            Err(StoreError::NotFound) => return Err(SendError::Permanent("the device was removed".to_owned())),
            Err(error) => return Err(SendError::Retry(error.to_string())),
        };
        self.send_to(&device, app_payload(message, "device_id")).await
    }

    /// A push to a person (a mailing's): to every device of theirs pushes
    /// reach now. Sent when one of them took it; then it is never sent
    /// again, so a device that failed meanwhile misses it rather than the
    /// others getting it twice. Tried again only when none took it and one
    /// may later.
    async fn deliver_to_person(&self, user: UserId, message: &OutboxMessage) -> Result<(), SendError> {
        let devices = devices::reachable_of(&self.db, user).await.map_err(|e| SendError::Retry(e.to_string()))?;
        if devices.is_empty() {
            return Err(SendError::Permanent("the person has no device that receives pushes".to_owned()));
        }
        let payload = app_payload(message, "user_id");
        let mut retry = None;
        let mut refused = Vec::new();
        let mut taken = false;
        for device in &devices {
            match self.send_to(device, payload.clone()).await {
                Ok(()) => taken = true,
                Err(error @ (SendError::Retry(_) | SendError::RetryAfter { .. })) => {
                    tracing::info!(device = %device.id, %error, "push: a device of the person did not take it");
                    retry.get_or_insert(error);
                }
                Err(SendError::Permanent(why)) => refused.push(why),
            }
        }
        match (taken, retry) {
            (true, _) => Ok(()),
            (false, Some(error)) => Err(error),
            (false, None) => Err(SendError::Permanent(refused.join("; "))),
        }
    }

    /// Gives the payload to the provider of the device's platform; a
    /// device its service calls gone is removed at once.
    async fn send_to(&self, device: &Device, payload: Value) -> Result<(), SendError> {
        let Some(provider) = self.providers.get(&device.platform) else {
            return Err(SendError::Permanent(format!("no {} provider is configured", device.platform)));
        };
        let id = device.id;
        match provider.send(device, &payload).await {
            Ok(()) => Ok(()),
            Err(PushError::Gone(why)) => {
                let removed = self.db.write(move |tx| Box::pin(async move { devices::forget(tx, id).await })).await;
                match removed {
                    Ok(_) => tracing::info!(device = %id, %why, "push: device gone, removed"),
                    Err(error) => tracing::warn!(device = %id, %error, "push: could not remove a gone device"),
                }
                Err(SendError::Permanent(format!("the device is gone ({why}); removed")))
            }
            Err(PushError::Retry { error, after: Some(after) }) => Err(SendError::RetryAfter { error, after }),
            Err(PushError::Retry { error, after: None }) => Err(SendError::Retry(error)),
            Err(PushError::Refused(why)) => Err(SendError::Permanent(why)),
        }
    }
}

/// What the app gets: the message's own fields, without the one that
/// addressed it (a device's or a person's id).
fn app_payload(message: &OutboxMessage, address: &str) -> Value {
    let mut payload = message.payload.clone();
    if let Some(fields) = payload.as_object_mut() {
        fields.remove(address);
    }
    payload
}

impl Channel for PushChannel {
    fn name(&self) -> &'static str {
        PUSH_CHANNEL
    }

    fn send<'a>(&'a self, message: &'a OutboxMessage) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move { self.deliver(message).await.map(|()| Sent::default()) })
    }

    /// One device's (or person's) pushes arrive in the order they were
    /// queued.
    fn lane(&self, message: &OutboxMessage) -> Option<String> {
        message.payload["device_id"].as_str().or_else(|| message.payload["user_id"].as_str()).map(str::to_owned)
    }
}

/// What a push service's answer means for the message.
pub fn classify(status: u16, retry_after: Option<&str>, body: &str) -> Result<(), PushError> {
    let snippet: String = body.chars().take(200).collect();
    match status {
        200..=299 => Ok(()),
        404 | 410 => Err(PushError::Gone(format!("{status} {snippet}"))),
        429 | 500..=599 => Err(PushError::Retry {
            error: format!("{status} {snippet}"),
            after: retry_after.and_then(parse_retry_after),
        }),
        _ => Err(PushError::Refused(format!("{status} {snippet}"))),
    }
}

// ---- Web Push --------------------------------------------------------------------------------

/// This server's VAPID key pair: made on first start and kept in the data
/// directory (`vapid_private_key`, readable by the service account only),
/// so browsers' subscriptions stay valid across restarts and upgrades.
#[derive(Clone)]
pub struct VapidKeys {
    private: String,
    /// The application server key browsers subscribe with (base64url).
    pub public: String,
}

impl std::fmt::Debug for VapidKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKeys").field("public", &self.public).finish_non_exhaustive()
    }
}

/// Why the VAPID keys could not be had.
#[derive(Debug, thiserror::Error)]
pub enum VapidError {
    #[error("cannot read or write {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path} does not hold a P-256 private key (base64url): delete it to make a new one")]
    Invalid { path: String },
}

impl VapidKeys {
    /// The file's name in the data directory.
    pub const FILE: &'static str = "vapid_private_key";

    /// Reads the key pair from `dir`, or makes one and keeps it there.
    pub fn load_or_create(dir: &Path) -> Result<Self, VapidError> {
        let path = dir.join(Self::FILE);
        let shown = path.display().to_string();
        let io = |source| VapidError::Io { path: shown.clone(), source };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_private(text.trim()).ok_or(VapidError::Invalid { path: shown }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                let keys = Self::generate();
                std::fs::create_dir_all(dir).map_err(io)?;
                write_private(&path, &keys.private).map_err(io)?;
                tracing::info!(path = %shown, "push: made a new VAPID key pair");
                Ok(keys)
            }
            Err(error) => Err(io(error)),
        }
    }

    fn generate() -> Self {
        loop {
            let mut bytes = [0u8; 32];
            rand::rng().fill_bytes(&mut bytes);
            // A scalar outside the curve's order (odds 2^-32) is drawn again.
            if let Some(keys) = Self::from_private(&URL_SAFE_NO_PAD.encode(bytes)) {
                return keys;
            }
        }
    }

    fn from_private(private: &str) -> Option<Self> {
        let partial = web_push::VapidSignatureBuilder::from_base64_no_sub(private).ok()?;
        Some(Self { private: private.to_owned(), public: URL_SAFE_NO_PAD.encode(partial.get_public_key()) })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

/// Web Push (RFC 8030) with VAPID (RFC 8292) and aes128gcm payloads
/// (RFC 8291), sent with reqwest.
pub struct WebPush {
    keys: VapidKeys,
    /// The `sub` claim: how the push service reaches the operator.
    subject: String,
    http: reqwest::Client,
    allow_http: bool,
}

impl std::fmt::Debug for WebPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebPush").field("keys", &self.keys).field("subject", &self.subject).finish_non_exhaustive()
    }
}

impl WebPush {
    pub fn new(keys: VapidKeys, subject: String, allow_http: bool) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(SEND_TIMEOUT)
            .user_agent(concat!("Domovoy/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { keys, subject, http, allow_http })
    }

    /// The encrypted, signed request for one subscription.
    fn request(
        &self,
        subscription: &WebPushSubscription,
        payload: &[u8],
        topic: &str,
    ) -> Result<web_push::WebPushMessage, PushError> {
        let refused = |e: web_push::WebPushError| PushError::Refused(e.to_string());
        let info = web_push::SubscriptionInfo::new(
            subscription.endpoint.as_str(),
            subscription.p256dh.as_str(),
            subscription.auth.as_str(),
        );
        let mut signature = web_push::VapidSignatureBuilder::from_base64_no_sub(&self.keys.private)
            .map_err(refused)?
            .add_sub_info(&info);
        signature.add_claim("sub", self.subject.as_str());
        // The push service's origin, with its port (web-push leaves the
        // port out, which RFC 8292 does not: a service on a port of its
        // own would refuse the signature).
        let origin = reqwest::Url::parse(&subscription.endpoint)
            .map_err(|e| PushError::Refused(format!("the endpoint is not a URL: {e}")))?
            .origin()
            .ascii_serialization();
        signature.add_claim("aud", origin.as_str());
        let mut builder = web_push::WebPushMessageBuilder::new(&info);
        builder.set_payload(web_push::ContentEncoding::Aes128Gcm, payload);
        builder.set_vapid_signature(signature.build().map_err(refused)?);
        builder.set_ttl(TTL_SECS);
        builder.set_urgency(web_push::Urgency::High);
        builder.set_topic(topic.to_owned());
        builder.build().map_err(refused)
    }
}

impl PushProvider for WebPush {
    fn send<'a>(&'a self, device: &'a Device, payload: &'a Value) -> BoxFuture<'a, Result<(), PushError>> {
        Box::pin(async move {
            let PushAddress::WebPush(subscription) = &device.push else {
                return Err(PushError::Refused("the device has no Web Push subscription".to_owned()));
            };
            if subscription.endpoint.starts_with("http://") && !self.allow_http {
                return Err(PushError::Refused("plain-http endpoints are not allowed".to_owned()));
            }
            let body = serde_json::to_vec(payload).map_err(|e| PushError::Refused(e.to_string()))?;
            // One topic per ticket and kind: a newer push replaces one the
            // service still holds for an offline phone.
            let topic = collapse_key(payload);
            let message = self.request(subscription, &body, &topic)?;
            let request = web_push::request_builder::build_request::<Vec<u8>>(message);
            let mut outgoing = self.http.post(request.uri().to_string());
            for (name, value) in request.headers() {
                outgoing = outgoing.header(name.as_str(), value.as_bytes());
            }
            read_answer(outgoing.body(request.into_body()).send().await, classify).await
        })
    }
}

/// One key per ticket and kind (at most 32 base64url characters, a Web
/// Push `Topic`, an APNs collapse id, an FCM collapse key): a newer push
/// replaces one the service still holds for an offline phone.
fn collapse_key(payload: &Value) -> String {
    // Without a ticket (a guest's arrival) each one stands on its own.
    let about = match payload["ticket_id"].as_str() {
        Some(ticket) => ticket,
        None => payload["detail"].as_str().unwrap_or_default(),
    };
    let key = format!("{}{about}", payload["kind"].as_str().unwrap_or_default());
    let digest = {
        use std::hash::{Hash as _, Hasher as _};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        hasher.finish()
    };
    URL_SAFE_NO_PAD.encode(digest.to_be_bytes())
}

#[cfg(test)]
mod tests {
    /// The process's rustls provider, as the binary installs it (reqwest
    /// is built without one).
    pub(super) fn install_crypto_provider() {
        let _ = rustls::crypto::ring::default_provider().install_default();
    }

    use super::*;

    #[test]
    fn a_services_answer_decides_the_message() {
        assert_eq!(classify(201, None, ""), Ok(()));
        assert!(matches!(classify(410, None, "expired"), Err(PushError::Gone(_))));
        assert!(matches!(classify(404, None, ""), Err(PushError::Gone(_))));
        assert_eq!(
            classify(429, Some("120"), "slow down"),
            Err(PushError::Retry { error: "429 slow down".to_owned(), after: Some(Duration::from_secs(120)) })
        );
        assert!(matches!(classify(503, None, ""), Err(PushError::Retry { after: None, .. })));
        assert!(matches!(classify(400, None, "bad"), Err(PushError::Refused(_))));
        assert!(matches!(classify(413, None, ""), Err(PushError::Refused(_))));
    }

    #[test]
    fn vapid_keys_are_made_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("domovoy-vapid-{}", Uuid::now_v7().simple()));
        let made = VapidKeys::load_or_create(&dir).unwrap();
        let read = VapidKeys::load_or_create(&dir).unwrap();
        assert_eq!(made.public, read.public);
        // An uncompressed P-256 point: 65 bytes, 87 base64url characters.
        assert_eq!(URL_SAFE_NO_PAD.decode(&made.public).unwrap().len(), 65);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(dir.join(VapidKeys::FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(dir.join(VapidKeys::FILE), "not a key").unwrap();
        assert!(matches!(VapidKeys::load_or_create(&dir), Err(VapidError::Invalid { .. })));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn each_guest_has_their_own_key_and_a_tickets_news_replace_each_other() {
        let arrival =
            |name: &str| collapse_key(&serde_json::json!({"kind": "visit.arrived", "ticket_id": null, "detail": name}));
        assert_ne!(arrival("Сидоров Пётр"), arrival("Петрова Анна"));
        let moved = |status: &str| {
            collapse_key(&serde_json::json!({"kind": "ticket.status_changed", "ticket_id": "t-1", "detail": status}))
        };
        assert_eq!(moved("in_progress"), moved("done"), "the newest status replaces the older one");
    }

    #[test]
    fn topics_fit_the_header() {
        let topic = collapse_key(&serde_json::json!({"kind": "ticket.assigned", "ticket_id": Uuid::now_v7()}));
        assert!(topic.len() <= 32 && topic.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
    }
}
