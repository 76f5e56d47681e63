//! Webhooks: integrations that receive events (permission `admin.integrations`).

use uuid::Uuid;

use domovoy_domain::audit::AuditAction;
use domovoy_domain::error::FieldErrors;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::webhook::{EventFilter, WebhookName, WebhookUrl};
use domovoy_store::audit::{self, Change};
use domovoy_store::outbox::{self, OutboxState};
use domovoy_store::webhooks::{self, NewWebhook, Webhook};

use crate::auth::Caller;
use crate::auth::secret::new_secret;
use crate::error::ApiError;
use crate::state::AppState;

fn require(caller: &Caller) -> Result<(), ApiError> {
    caller.require(Permission::AdminIntegrations, &Target::SYSTEM)
}

pub async fn list(state: &AppState, caller: &Caller) -> Result<Vec<Webhook>, ApiError> {
    require(caller)?;
    Ok(webhooks::list(&state.db).await?)
}

/// Creates a webhook with a fresh signing secret (returned once, inside).
pub async fn create(
    state: &AppState,
    caller: &Caller,
    name: &str,
    url: &str,
    kinds: &[String],
) -> Result<Webhook, ApiError> {
    require(caller)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", WebhookName::parse(name));
    let url = errors.check("url", WebhookUrl::parse(url));
    let filter = errors.check("event_kinds", EventFilter::parse(kinds));
    errors.into_result()?;
    let (Some(name), Some(url), Some(filter)) = (name, url, filter) else {
        return Err(ApiError::Validation(FieldErrors::new()));
    };
    let new = NewWebhook { name, url, secret: new_secret(), filter };
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let webhook = webhooks::insert(tx, &new).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::WebhookCreated, webhook.id)
                        .summary(webhook.url.to_string())
                        .after(&webhook),
                )
                .await?;
                Ok(webhook)
            })
        })
        .await
}

pub async fn delete(state: &AppState, caller: &Caller, id: Uuid) -> Result<Webhook, ApiError> {
    require(caller)?;
    let actor = caller.actor();
    state
        .write(move |tx| {
            Box::pin(async move {
                let webhook = webhooks::delete(tx, id).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::WebhookDeleted, id)
                        .summary(webhook.url.to_string())
                        .before(&webhook),
                )
                .await?;
                Ok(webhook)
            })
        })
        .await
}

/// The newest outbox messages (all channels), for the integrations page.
pub async fn deliveries(state: &AppState, caller: &Caller, limit: i64) -> Result<Vec<OutboxState>, ApiError> {
    require(caller)?;
    Ok(outbox::recent(&state.db, limit).await?)
}
