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

use crate::App;
use crate::AppError;
use crate::Requester;
use crate::secret::new_secret;

fn require(requester: &Requester) -> Result<(), AppError> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)
}

pub async fn list(app: &App, requester: &Requester) -> Result<Vec<Webhook>, AppError> {
    require(requester)?;
    Ok(webhooks::list(&app.db).await?)
}

/// Creates a webhook with a fresh signing secret (returned once, inside).
pub async fn create(
    app: &App,
    requester: &Requester,
    name: &str,
    url: &str,
    kinds: &[String],
) -> Result<Webhook, AppError> {
    require(requester)?;
    let mut errors = FieldErrors::new();
    let name = errors.check("name", WebhookName::parse(name));
    let url = errors.check("url", WebhookUrl::parse(url));
    let filter = errors.check("event_kinds", EventFilter::parse(kinds));
    errors.into_result()?;
    let (Some(name), Some(url), Some(filter)) = (name, url, filter) else {
        return Err(AppError::Validation(FieldErrors::new()));
    };
    let new = NewWebhook { name, url, secret: new_secret(), filter };
    let actor = requester.actor();
    app.write(move |tx| {
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

pub async fn delete(app: &App, requester: &Requester, id: Uuid) -> Result<Webhook, AppError> {
    require(requester)?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let webhook = webhooks::delete(tx, id).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::WebhookDeleted, id).summary(webhook.url.to_string()).before(&webhook),
            )
            .await?;
            Ok(webhook)
        })
    })
    .await
}

/// The newest outbox messages (all channels), for the integrations page.
pub async fn deliveries(app: &App, requester: &Requester, limit: i64) -> Result<Vec<OutboxState>, AppError> {
    require(requester)?;
    Ok(outbox::recent(&app.db, limit).await?)
}
