//! Webhook subscriptions; matching events are put into the outbox in the
//! transaction that stores them.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::webhook::{EventFilter, WebhookName, WebhookUrl};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};
use crate::events::StoredEvent;
use crate::users::expect_one;

/// The outbox channel of webhooks.
pub const CHANNEL: &str = "webhook";

/// A webhook as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Webhook {
    pub id: Uuid,
    pub name: WebhookName,
    pub url: WebhookUrl,
    /// The HMAC key; shown to administrators once, at creation.
    #[serde(skip)]
    pub secret: String,
    #[serde(skip)]
    pub filter: EventFilter,
    pub event_kinds: Vec<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct WebhookRow {
    id: Uuid,
    name: String,
    url: String,
    secret: String,
    event_kinds: Json<Vec<String>>,
    active: bool,
    created_at: DateTime<Utc>,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;

    fn try_from(row: WebhookRow) -> StoreResult<Self> {
        let filter = EventFilter::parse(&row.event_kinds.0)
            .map_err(|e| StoreError::Corrupt(format!("webhooks.event_kinds = {:?}: {e}", row.event_kinds.0)))?;
        Ok(Self {
            id: row.id,
            name: decode("webhooks.name", &row.name, WebhookName::parse)?,
            url: decode("webhooks.url", &row.url, WebhookUrl::parse)?,
            secret: row.secret,
            event_kinds: filter.codes(),
            filter,
            active: row.active,
            created_at: row.created_at,
        })
    }
}

/// A webhook to create.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub name: WebhookName,
    pub url: WebhookUrl,
    pub secret: String,
    pub filter: EventFilter,
}

pub async fn insert(tx: &mut WriteTx, new: &NewWebhook) -> StoreResult<Webhook> {
    let id = Uuid::now_v7();
    let now = tx.now();
    on_conn!(&mut *tx, c => {
        sqlx::query(
            "INSERT INTO webhooks (id, name, url, secret, event_kinds, active, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(id)
        .bind(new.name.as_str())
        .bind(new.url.as_str())
        .bind(&new.secret)
        .bind(Json(new.filter.codes()))
        .bind(true)
        .bind(now)
        .execute(&mut *c)
        .await?
        .rows_affected()
    });
    get(tx, id).await
}

pub async fn get<'a>(source: impl Into<Source<'a>>, id: Uuid) -> StoreResult<Webhook> {
    let row: WebhookRow = on_conn!(source, c => {
        sqlx::query_as("SELECT id, name, url, secret, event_kinds, active, created_at FROM webhooks WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *c)
            .await?
    });
    row.try_into()
}

pub async fn list<'a>(source: impl Into<Source<'a>>) -> StoreResult<Vec<Webhook>> {
    let rows: Vec<WebhookRow> = on_conn!(source, c => {
        sqlx::query_as("SELECT id, name, url, secret, event_kinds, active, created_at FROM webhooks ORDER BY name")
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Webhook::try_from).collect()
}

/// Deletes a webhook. Its messages still in the outbox are given up by the
/// dispatcher (it finds no webhook to send them to).
pub async fn delete(tx: &mut WriteTx, id: Uuid) -> StoreResult<Webhook> {
    let webhook = get(&mut *tx, id).await?;
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(&mut *c).await?.rows_affected()
    });
    expect_one(done)?;
    Ok(webhook)
}

/// The active webhooks and the events each wants.
pub(crate) type Wanted = Vec<(Uuid, EventFilter)>;

/// Reads which webhooks want events.
pub(crate) async fn wanted(tx: &mut WriteTx) -> StoreResult<Wanted> {
    let rows: Vec<(Uuid, Json<Vec<String>>)> = on_conn!(&mut *tx, c => {
        sqlx::query_as("SELECT id, event_kinds FROM webhooks WHERE active").fetch_all(&mut *c).await?
    });
    Ok(parse_wanted(rows))
}

/// The filters of webhooks read as `(id, event_kinds)`; a webhook whose
/// stored kinds no longer parse wants nothing.
pub(crate) fn parse_wanted(rows: Vec<(Uuid, Json<Vec<String>>)>) -> Wanted {
    rows.into_iter().filter_map(|(id, kinds)| EventFilter::parse(&kinds.0).ok().map(|f| (id, f))).collect()
}

/// Puts `events` into the outbox for every webhook of `wanted` that wants them.
pub(crate) async fn enqueue_matching(tx: &mut WriteTx, wanted: &Wanted, events: &[StoredEvent]) -> StoreResult<()> {
    for (webhook, filter) in wanted {
        for event in events.iter().filter(|e| filter.matches(&e.kind)) {
            let payload = serde_json::json!({ "webhook_id": webhook, "event": event });
            crate::outbox::enqueue(tx, CHANNEL, &format!("{webhook}:{}", event.id), &payload).await?;
        }
    }
    Ok(())
}
