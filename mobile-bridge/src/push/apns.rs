//! Apple's push service (APNs) for the native iOS wrapper.
//!
//! One HTTP/2 request per push, `POST <url>/3/device/<token>`, signed with
//! a provider token: a JWT (ES256) made from the team's `.p8` key and kept
//! for [`TOKEN_LIFETIME`] (Apple refuses one older than an hour, and one
//! renewed more often than every 20 minutes with `TooManyProviderTokenUpdates`).
//!
//! The alert carries no text of ours: `loc-key` names the notification
//! (`push.ticket.assigned`, …) and the app shows it in its own language
//! from its `Localizable.strings`; `content-available` wakes it to sync.
//!
//! Spoken over `reqwest` rather than through `a2` (DESIGN.md §11 names it):
//! `a2` 0.10 has the two Apple hosts built in and trusts only the bundled
//! web roots, so it can be pointed neither at a test server nor through a
//! company's TLS proxy, and it brings a second rustls (0.22) into the
//! binary. ARCHITECTURE.md, "Push providers", has the measured reasons.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures_util::future::BoxFuture;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use serde_json::{Value, json};

use domovoy_domain::device::PushAddress;
use domovoy_store::devices::Device;

use super::{
    ProviderError, PushError, PushProvider, TTL_SECS, collapse_key, http_client, loc_args, loc_key, read_answer,
};

/// Apple's production service.
pub const PRODUCTION_URL: &str = "https://api.push.apple.com";
/// How long one provider token is used: within Apple's hour, and well
/// apart from the 20-minute minimum between renewals.
const TOKEN_LIFETIME: Duration = Duration::from_secs(40 * 60);

/// `[push.apns]` in the configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApnsConfig {
    /// The `.p8` signing key from the Apple developer account.
    pub key_file: PathBuf,
    /// The key's ten-character id.
    pub key_id: String,
    /// The developer team's id (the token's issuer).
    pub team_id: String,
    /// The app's bundle id (`apns-topic`).
    pub topic: String,
    /// The service; [`PRODUCTION_URL`] unless testing.
    #[serde(default = "production_url")]
    pub url: String,
    /// A root certificate to trust besides the system's (a TLS-inspecting
    /// proxy; the tests' own service).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn production_url() -> String {
    PRODUCTION_URL.to_owned()
}

/// The APNs provider.
pub struct Apns {
    http: reqwest::Client,
    url: String,
    topic: String,
    key_id: String,
    team_id: String,
    key: EcdsaKeyPair,
    /// The provider token and when it was made.
    token: Mutex<Option<(String, Instant)>>,
}

impl std::fmt::Debug for Apns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Apns")
            .field("url", &self.url)
            .field("topic", &self.topic)
            .field("key_id", &self.key_id)
            .field("team_id", &self.team_id)
            .finish_non_exhaustive()
    }
}

impl Apns {
    /// Reads the key and builds the HTTP/2 client; a wrong file or URL
    /// stops the start with the reason.
    pub fn new(config: &ApnsConfig) -> Result<Self, ProviderError> {
        let pem = std::fs::read_to_string(&config.key_file)
            .map_err(|e| ProviderError::new(format!("cannot read {}: {e}", config.key_file.display())))?;
        let der = super::pem_body(&pem, "PRIVATE KEY").ok_or_else(|| {
            ProviderError::new(format!("{} is not a PEM private key (.p8)", config.key_file.display()))
        })?;
        let key = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &ring::rand::SystemRandom::new())
            .map_err(|e| ProviderError::new(format!("{} is not a P-256 key: {e}", config.key_file.display())))?;
        if config.key_id.trim().is_empty() || config.team_id.trim().is_empty() || config.topic.trim().is_empty() {
            return Err(ProviderError::new("push.apns needs key_id, team_id and topic (the app's bundle id)"));
        }
        let url = super::https_base(&config.url, "push.apns.url")?;
        let http = http_client(config.ca_file.as_deref(), true)?;
        Ok(Self {
            http,
            url,
            topic: config.topic.trim().to_owned(),
            key_id: config.key_id.trim().to_owned(),
            team_id: config.team_id.trim().to_owned(),
            key,
            token: Mutex::new(None),
        })
    }

    /// The provider token, made anew when the kept one is old or is the
    /// one Apple called expired (`rejected`; pushes refused together renew
    /// it once, not each: Apple refuses renewals in quick succession).
    fn token(&self, rejected: Option<&str>) -> Result<String, PushError> {
        let mut kept = self.token.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((token, made)) = kept.as_ref()
            && rejected != Some(token.as_str())
            && made.elapsed() < TOKEN_LIFETIME
        {
            return Ok(token.clone());
        }
        let header = URL_SAFE_NO_PAD.encode(json!({"alg": "ES256", "kid": self.key_id}).to_string());
        let claims =
            URL_SAFE_NO_PAD.encode(json!({"iss": self.team_id, "iat": chrono::Utc::now().timestamp()}).to_string());
        let signing_input = format!("{header}.{claims}");
        let signature = self
            .key
            .sign(&ring::rand::SystemRandom::new(), signing_input.as_bytes())
            .map_err(|_| PushError::Refused("cannot sign the APNs provider token".to_owned()))?;
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()));
        *kept = Some((token.clone(), Instant::now()));
        Ok(token)
    }

    async fn post(&self, device_token: &str, payload: &Value, provider_token: &str) -> Result<(), PushError> {
        let expires = chrono::Utc::now().timestamp() + i64::from(TTL_SECS);
        let response = self
            .http
            .post(format!("{}/3/device/{device_token}", self.url))
            // As Apple's documentation writes it.
            .header("authorization", format!("bearer {provider_token}"))
            .header("apns-topic", &self.topic)
            .header("apns-push-type", "alert")
            .header("apns-priority", "10")
            .header("apns-expiration", expires.to_string())
            .header("apns-collapse-id", collapse_key(payload))
            .json(&body(payload))
            .send()
            .await;
        read_answer(response, classify).await
    }
}

/// The APNs body: Domovoy's fields for the app, and an alert it words
/// itself (`loc-key`, the ticket's number as the argument).
fn body(payload: &Value) -> Value {
    let kind = payload["kind"].as_str().unwrap_or_default();
    let mut alert = json!({"loc-key": loc_key(kind)});
    let args = loc_args(payload);
    if !args.is_empty() {
        alert["loc-args"] = json!(args);
    }
    let mut body = payload.clone();
    if let Some(fields) = body.as_object_mut() {
        fields.remove("device_id");
        fields.insert("aps".to_owned(), json!({"alert": alert, "sound": "default", "content-available": 1}));
    }
    body
}

/// What Apple's answer means: `410 Unregistered` and `400 BadDeviceToken`
/// (a token of another app or environment) remove the device; an expired
/// provider token is tried again with a new one; 429 and 5xx wait.
fn classify(status: u16, retry_after: Option<&str>, text: &str) -> Result<(), PushError> {
    let reason = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["reason"].as_str().map(str::to_owned))
        .unwrap_or_default();
    match (status, reason.as_str()) {
        (400, "BadDeviceToken" | "DeviceTokenNotForTopic") | (410, _) => {
            Err(PushError::Gone(format!("{status} {reason}")))
        }
        (403, "ExpiredProviderToken") => Err(PushError::Retry { error: format!("{status} {reason}"), after: None }),
        _ => super::classify(status, retry_after, text),
    }
}

impl PushProvider for Apns {
    fn send<'a>(&'a self, device: &'a Device, payload: &'a Value) -> BoxFuture<'a, Result<(), PushError>> {
        Box::pin(async move {
            let PushAddress::Token(token) = &device.push else {
                return Err(PushError::Refused("the device has no APNs token".to_owned()));
            };
            if token.is_empty() || !token.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(PushError::Gone("the APNs token is not hexadecimal".to_owned()));
            }
            let provider_token = self.token(None)?;
            match self.post(token, payload, &provider_token).await {
                // Apple says the token expired (the clock moved, or Apple
                // counts differently): once more with a new one.
                Err(PushError::Retry { error, .. }) if error.contains("ExpiredProviderToken") => {
                    self.post(token, payload, &self.token(Some(&provider_token))?).await
                }
                other => other,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ApnsConfig {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
        ApnsConfig {
            key_file: fixtures.join("apns-auth-key.p8"),
            key_id: "K3Y1D00001".to_owned(),
            team_id: "T3AM000001".to_owned(),
            topic: "ru.example.staff".to_owned(),
            url: PRODUCTION_URL.to_owned(),
            ca_file: None,
        }
    }

    #[test]
    fn a_wrong_setting_stops_the_start_with_what_to_fix() {
        crate::push::tests::install_crypto_provider();
        assert!(Apns::new(&config()).is_ok());
        let missing = ApnsConfig { key_file: "/nonexistent/AuthKey.p8".into(), ..config() };
        assert!(Apns::new(&missing).unwrap_err().to_string().contains("/nonexistent/AuthKey.p8"));
        let not_a_key = ApnsConfig { key_file: config().key_file.with_file_name("ca.pem"), ..config() };
        assert!(Apns::new(&not_a_key).unwrap_err().to_string().contains("not a PEM private key"));
        let plain = ApnsConfig { url: "http://api.push.apple.com".to_owned(), ..config() };
        assert!(Apns::new(&plain).unwrap_err().to_string().contains("push.apns.url"));
        let no_topic = ApnsConfig { topic: " ".to_owned(), ..config() };
        assert!(Apns::new(&no_topic).unwrap_err().to_string().contains("topic"));
    }

    #[test]
    fn the_provider_token_is_kept_and_made_anew_when_stale() {
        crate::push::tests::install_crypto_provider();
        let apns = Apns::new(&config()).unwrap();
        let first = apns.token(None).unwrap();
        assert_eq!(apns.token(None).unwrap(), first, "kept for its lifetime");
        let second = apns.token(Some(&first)).unwrap();
        assert_ne!(second, first, "made anew when Apple calls it expired");
        assert_eq!(apns.token(Some(&first)).unwrap(), second, "renewed once for pushes refused together");
        assert_eq!(first.split('.').count(), 3);
    }

    #[test]
    fn apples_reasons_decide_the_message() {
        assert!(matches!(classify(410, None, r#"{"reason":"Unregistered"}"#), Err(PushError::Gone(_))));
        assert!(matches!(classify(400, None, r#"{"reason":"BadDeviceToken"}"#), Err(PushError::Gone(_))));
        assert!(matches!(classify(400, None, r#"{"reason":"PayloadTooLarge"}"#), Err(PushError::Refused(_))));
        assert!(matches!(classify(403, None, r#"{"reason":"ExpiredProviderToken"}"#), Err(PushError::Retry { .. })));
        assert!(matches!(classify(403, None, r#"{"reason":"InvalidProviderToken"}"#), Err(PushError::Refused(_))));
        assert_eq!(
            classify(429, Some("7"), r#"{"reason":"TooManyRequests"}"#),
            Err(PushError::Retry {
                error: r#"429 {"reason":"TooManyRequests"}"#.to_owned(),
                after: Some(Duration::from_secs(7))
            })
        );
        assert_eq!(classify(200, None, ""), Ok(()));
    }

    #[test]
    fn the_alert_names_its_text_and_keeps_the_data() {
        let payload = json!({"device_id": "d", "kind": "ticket.assigned", "ticket_id": "t", "number": "2026-000042"});
        let body = body(&payload);
        let aps = &body["aps"];
        assert_eq!(aps["alert"]["loc-key"], "push.ticket.assigned");
        assert_eq!(aps["alert"]["loc-args"], json!(["2026-000042"]));
        assert_eq!(aps["content-available"], 1);
        assert_eq!(body["ticket_id"], "t");
        assert!(body.get("device_id").is_none(), "the device's own id stays on the server");
        let test = super::body(&json!({"device_id": "d", "kind": "test"}));
        assert!(test["aps"]["alert"].get("loc-args").is_none());
        let guest =
            super::body(&json!({"kind": "visit.arrived", "ticket_id": null, "number": "", "detail": "Сидоров П. П."}));
        assert_eq!(guest["aps"]["alert"]["loc-args"], json!(["Сидоров П. П."]));
    }
}
