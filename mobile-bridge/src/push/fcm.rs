//! Firebase Cloud Messaging (HTTP v1) for the native Android wrapper.
//!
//! `POST <url>/v1/projects/<project>/messages:send` with an OAuth access
//! token of the project's service account (`gcp_auth` signs the assertion
//! and keeps the token until it expires). The legacy API the `fcm` crate
//! speaks was shut down by Google in 2024.
//!
//! The notification carries no text of ours: `title_loc_key` and
//! `body_loc_key` name string resources of the app (`push_ticket_assigned_title`,
//! …), the ticket's number is the argument; `data` holds Domovoy's fields
//! so the app syncs on arrival.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use gcp_auth::TokenProvider as _;
use serde_json::{Map, Value, json};

use domovoy_domain::device::PushAddress;
use domovoy_store::devices::Device;

use super::{ProviderError, PushError, PushProvider, TTL_SECS, collapse_key, http_client, loc_args, read_answer};

/// Google's service.
pub const PRODUCTION_URL: &str = "https://fcm.googleapis.com";
/// The OAuth scope of sending.
const SCOPE: &str = "https://www.googleapis.com/auth/firebase.messaging";
/// How long getting an access token may take (`gcp_auth` has no limit of
/// its own, and a hung token service must not hold the outbox).
const TOKEN_TIMEOUT: Duration = Duration::from_secs(20);

/// `[push.fcm]` in the configuration.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FcmConfig {
    /// The service account's JSON key from the Firebase console.
    pub service_account_file: PathBuf,
    /// The Firebase project; the service account's own when unset.
    #[serde(default)]
    pub project_id: Option<String>,
    /// The service; [`PRODUCTION_URL`] unless testing.
    #[serde(default = "production_url")]
    pub url: String,
    /// A root certificate to trust besides the system's.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
}

fn production_url() -> String {
    PRODUCTION_URL.to_owned()
}

/// The FCM provider.
pub struct Fcm {
    http: reqwest::Client,
    send_url: String,
    account: Arc<gcp_auth::CustomServiceAccount>,
}

impl std::fmt::Debug for Fcm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fcm").field("send_url", &self.send_url).finish_non_exhaustive()
    }
}

impl Fcm {
    /// Reads the service account and builds the client; a wrong file or
    /// URL stops the start with the reason.
    pub fn new(config: &FcmConfig, allow_http: bool) -> Result<Self, ProviderError> {
        let file = config.service_account_file.display();
        let json = std::fs::read_to_string(&config.service_account_file)
            .map_err(|e| ProviderError::new(format!("cannot read {file}: {e}")))?;
        let account = gcp_auth::CustomServiceAccount::from_json(&json)
            .map_err(|e| ProviderError::new(format!("{file} is not a service account key: {e}")))?;
        let project = config
            .project_id
            .clone()
            .or_else(|| account.project_id().map(str::to_owned))
            .filter(|p| !p.trim().is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .ok_or_else(|| {
                ProviderError::new(format!("push.fcm.project_id is missing or not a project id ({file})"))
            })?;
        let base = if allow_http && config.url.starts_with("http://") {
            config.url.trim_end_matches('/').to_owned()
        } else {
            super::https_base(&config.url, "push.fcm.url")?
        };
        Ok(Self {
            http: http_client(config.ca_file.as_deref(), false)?,
            send_url: format!("{base}/v1/projects/{project}/messages:send"),
            account: Arc::new(account),
        })
    }

    async fn access_token(&self) -> Result<Arc<gcp_auth::Token>, PushError> {
        match tokio::time::timeout(TOKEN_TIMEOUT, self.account.token(&[SCOPE])).await {
            Ok(Ok(token)) => Ok(token),
            Ok(Err(error)) => Err(PushError::Retry { error: format!("no FCM access token: {error}"), after: None }),
            Err(_) => Err(PushError::Retry { error: "no FCM access token within 20 s".to_owned(), after: None }),
        }
    }
}

/// The FCM v1 message for `token`.
fn message(token: &str, payload: &Value) -> Value {
    // `data` is a map of strings.
    let data: Map<String, Value> = payload
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(key, value)| key.as_str() != "device_id" && !value.is_null())
        .map(|(key, value)| {
            (key.clone(), Value::String(value.as_str().map_or_else(|| value.to_string(), str::to_owned)))
        })
        .collect();
    let kind = payload["kind"].as_str().unwrap_or_default();
    let resource = format!("push_{}", kind.replace(['.', '-'], "_"));
    let mut notification = json!({
        "title_loc_key": format!("{resource}_title"),
        "body_loc_key": format!("{resource}_body"),
        "tag": collapse_key(payload),
    });
    let args = loc_args(payload);
    if !args.is_empty() {
        notification["body_loc_args"] = json!(args);
    }
    json!({"message": {
        "token": token,
        "data": data,
        "android": {
            "priority": "high",
            "ttl": format!("{TTL_SECS}s"),
            "collapse_key": collapse_key(payload),
            "notification": notification,
        },
    }})
}

/// What Google's answer means: `UNREGISTERED` (404) and a token of another
/// project (`SENDER_ID_MISMATCH`, 403) remove the device; an expired access
/// token (401) is tried again; 429 and 5xx wait as the service says.
fn classify(status: u16, retry_after: Option<&str>, text: &str) -> Result<(), PushError> {
    let answer: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let code = answer["error"]["details"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|d| d["errorCode"].as_str())
        .unwrap_or_else(|| answer["error"]["status"].as_str().unwrap_or_default())
        .to_owned();
    match (status, code.as_str()) {
        (_, "UNREGISTERED" | "SENDER_ID_MISMATCH") | (404, _) => Err(PushError::Gone(format!("{status} {code}"))),
        (401, _) => Err(PushError::Retry { error: format!("{status} {code}"), after: None }),
        _ => super::classify(status, retry_after, text),
    }
}

impl PushProvider for Fcm {
    fn send<'a>(&'a self, device: &'a Device, payload: &'a Value) -> BoxFuture<'a, Result<(), PushError>> {
        Box::pin(async move {
            let PushAddress::Token(token) = &device.push else {
                return Err(PushError::Refused("the device has no FCM token".to_owned()));
            };
            let access = self.access_token().await?;
            let response =
                self.http.post(&self.send_url).bearer_auth(access.as_str()).json(&message(token, payload)).send().await;
            read_answer(response, classify).await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_codes_decide_the_message() {
        let unregistered = r#"{"error":{"code":404,"status":"NOT_FOUND","details":[{"@type":"type.googleapis.com/google.firebase.fcm.v1.FcmError","errorCode":"UNREGISTERED"}]}}"#;
        assert!(matches!(classify(404, None, unregistered), Err(PushError::Gone(_))));
        let mismatch =
            r#"{"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"errorCode":"SENDER_ID_MISMATCH"}]}}"#;
        assert!(matches!(classify(403, None, mismatch), Err(PushError::Gone(_))));
        let quota =
            r#"{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","details":[{"errorCode":"QUOTA_EXCEEDED"}]}}"#;
        assert!(matches!(
            classify(429, Some("12"), quota),
            Err(PushError::Retry { after: Some(d), .. }) if d == Duration::from_secs(12)
        ));
        assert!(matches!(classify(503, None, "{}"), Err(PushError::Retry { after: None, .. })));
        assert!(matches!(
            classify(401, None, r#"{"error":{"status":"UNAUTHENTICATED"}}"#),
            Err(PushError::Retry { .. })
        ));
        let invalid =
            r#"{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"errorCode":"INVALID_ARGUMENT"}]}}"#;
        assert!(matches!(classify(400, None, invalid), Err(PushError::Refused(_))));
        assert_eq!(classify(200, None, r#"{"name":"projects/p/messages/1"}"#), Ok(()));
    }

    #[test]
    fn the_message_names_its_text_and_carries_strings() {
        let payload = json!({"device_id": "d", "kind": "ticket.assigned", "ticket_id": "t", "number": "2026-000042"});
        let message = message("tok", &payload);
        let m = &message["message"];
        assert_eq!(m["token"], "tok");
        assert_eq!(m["data"], json!({"kind": "ticket.assigned", "ticket_id": "t", "number": "2026-000042"}));
        assert_eq!(m["android"]["notification"]["title_loc_key"], "push_ticket_assigned_title");
        assert_eq!(m["android"]["notification"]["body_loc_args"], json!(["2026-000042"]));
        assert_eq!(m["android"]["ttl"], "86400s");
        let moved = super::message(
            "tok",
            &json!({"kind": "ticket.status_changed", "ticket_id": "t", "number": "2026-000042", "detail": "done"}),
        );
        assert_eq!(moved["message"]["android"]["notification"]["body_loc_args"], json!(["2026-000042", "done"]));
        assert_eq!(moved["message"]["android"]["notification"]["title_loc_key"], "push_ticket_status_changed_title");
    }
}
