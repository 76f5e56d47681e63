//! The webhook channel: POSTs an event as JSON to a subscriber's URL.
//!
//! Headers: `X-Domovoy-Event` (the kind), `X-Domovoy-Delivery` (stable per
//! event and webhook: receivers dedupe on it), `X-Domovoy-Signature`
//! (`sha256=<hex HMAC of the body under the webhook's secret>`).

use std::time::Duration;

use futures_util::future::BoxFuture;
use uuid::Uuid;

use domovoy_store::outbox::OutboxMessage;
use domovoy_store::{Db, StoreError, webhooks};

use super::hmac::{hex, hmac_sha256};
use super::{Channel, SendError, Sent};

/// One delivery may take this long before it counts as failed; well inside
/// the outbox lease.
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(15);

/// Sends webhook messages.
#[derive(Debug)]
pub struct WebhookChannel {
    db: Db,
    http: reqwest::Client,
}

impl WebhookChannel {
    pub fn new(db: Db) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(WEBHOOK_TIMEOUT)
            .user_agent(concat!("Domovoy/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { db, http })
    }

    async fn deliver(&self, message: &OutboxMessage) -> Result<(), SendError> {
        let id = message.payload["webhook_id"]
            .as_str()
            .and_then(|id| id.parse::<Uuid>().ok())
            .ok_or_else(|| SendError::Permanent("the message names no webhook".to_owned()))?;
        let webhook = match webhooks::get(&self.db, id).await {
            Ok(webhook) => webhook,
            Err(StoreError::NotFound) => return Err(SendError::Permanent("the webhook was deleted".to_owned())),
            Err(error) => return Err(SendError::Retry(error.to_string())),
        };
        if !webhook.active {
            return Err(SendError::Permanent("the webhook is switched off".to_owned()));
        }
        let event = &message.payload["event"];
        let body = serde_json::to_vec(event).map_err(|e| SendError::Permanent(e.to_string()))?;
        let signature = format!("sha256={}", hex(&hmac_sha256(webhook.secret.as_bytes(), &body)));
        let response = self
            .http
            .post(webhook.url.as_str())
            .header("content-type", "application/json")
            .header("x-domovoy-event", event["kind"].as_str().unwrap_or_default())
            .header("x-domovoy-delivery", &message.dedup_key)
            .header("x-domovoy-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|e| SendError::Retry(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else if status.is_client_error() && status.as_u16() != 408 && status.as_u16() != 429 {
            Err(SendError::Permanent(format!("the receiver answered {status}")))
        } else {
            Err(SendError::Retry(format!("the receiver answered {status}")))
        }
    }
}

impl Channel for WebhookChannel {
    fn name(&self) -> &'static str {
        webhooks::CHANNEL
    }

    fn send<'a>(&'a self, message: &'a OutboxMessage) -> BoxFuture<'a, Result<Sent, SendError>> {
        Box::pin(async move { self.deliver(message).await.map(|()| Sent::default()) })
    }
}
