//! The event log: every committed change's events, per topic in sequence.
//!
//! Invariant: within a topic, sequence numbers are 1, 2, 3, … without gaps
//! in commit order of the rows that hold them; a reader that has seen `n`
//! can ask for everything after `n` and get it, until retention prunes it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::event::Topic;
use domovoy_domain::ids::EventId;

use crate::db::{Db, WriteTx};
use crate::error::{StoreResult, decode};

/// An event recorded in a transaction, before it has a sequence number.
#[derive(Debug, Clone)]
pub(crate) struct PendingEvent {
    pub topic: Topic,
    pub kind: &'static str,
    pub payload: serde_json::Value,
}

/// An event as stored in the log (and as sent between nodes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub id: EventId,
    pub topic: Topic,
    pub seq: i64,
    pub kind: String,
    /// Named `data` on the wire, as in WebSocket frames and webhook bodies.
    #[serde(rename = "data")]
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct EventRow {
    id: Uuid,
    topic: String,
    seq: i64,
    kind: String,
    payload: Json<serde_json::Value>,
    created_at: DateTime<Utc>,
}

impl TryFrom<EventRow> for StoredEvent {
    type Error = crate::error::StoreError;

    fn try_from(row: EventRow) -> StoreResult<Self> {
        Ok(Self {
            id: EventId::from_uuid(row.id),
            topic: decode("events.topic", &row.topic, str::parse)?,
            seq: row.seq,
            kind: row.kind,
            payload: row.payload.0,
            created_at: row.created_at,
        })
    }
}

/// Gives the pending events their sequence numbers and stores them.
///
/// Topics are taken in sorted order and each topic's counter row is bumped
/// once for all of its events: on PostgreSQL the bump locks the row until
/// commit, which serialises writers per topic, and the fixed order means two
/// transactions touching the same topics can never wait on each other in a
/// cycle.
pub(crate) async fn store_pending(tx: &mut WriteTx, pending: Vec<PendingEvent>) -> StoreResult<Vec<StoredEvent>> {
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let mut by_topic: BTreeMap<String, Vec<PendingEvent>> = BTreeMap::new();
    for event in pending {
        by_topic.entry(event.topic.to_string()).or_default().push(event);
    }
    let now = tx.now();
    let mut stored = Vec::new();
    for (topic_key, events) in by_topic {
        let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        let last: i64 = on_conn!(&mut *tx, c => {
            sqlx::query_scalar(
                "INSERT INTO topic_seqs (topic, last_seq) VALUES ($1, $2)
                 ON CONFLICT (topic) DO UPDATE SET last_seq = topic_seqs.last_seq + excluded.last_seq
                 RETURNING last_seq",
            )
            .bind(&topic_key)
            .bind(count)
            .fetch_one(&mut *c)
            .await?
        });
        let first = last - count + 1;
        for (offset, event) in (0..).zip(events) {
            let id = EventId::new();
            let seq = first + offset;
            on_conn!(&mut *tx, c => {
                    sqlx::query(
                        "INSERT INTO events (id, topic, seq, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id.as_uuid())
                    .bind(&topic_key)
                    .bind(seq)
                    .bind(event.kind)
                    .bind(Json(&event.payload))
                    .bind(now)
                    .execute(&mut *c)
                    .await?
            .rows_affected()
                });
            stored.push(StoredEvent {
                id,
                topic: event.topic,
                seq,
                kind: event.kind.to_owned(),
                payload: event.payload,
                created_at: now,
            });
        }
    }
    crate::webhooks::enqueue_matching(tx, &stored).await?;
    Ok(stored)
}

/// Events of `topic` after `after_seq`, oldest first, at most `limit`.
pub async fn read_since(db: &Db, topic: Topic, after_seq: i64, limit: i64) -> StoreResult<Vec<StoredEvent>> {
    let rows: Vec<EventRow> = on_conn!(db, c => {
        sqlx::query_as(
            "SELECT id, topic, seq, kind, payload, created_at FROM events
             WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .bind(topic.to_string())
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&mut *c)
        .await?
    });
    rows.into_iter().map(StoredEvent::try_from).collect()
}

/// The last sequence number given out on `topic` (0 when none was).
pub async fn last_seq(db: &Db, topic: Topic) -> StoreResult<i64> {
    let last: Option<i64> = on_conn!(db, c => {
        sqlx::query_scalar("SELECT last_seq FROM topic_seqs WHERE topic = $1")
            .bind(topic.to_string())
            .fetch_optional(&mut *c)
            .await?
    });
    Ok(last.unwrap_or(0))
}

/// The oldest sequence number still kept for `topic`, if any is.
pub async fn oldest_kept_seq(db: &Db, topic: Topic) -> StoreResult<Option<i64>> {
    let oldest: Option<i64> = on_conn!(db, c => {
        sqlx::query_scalar("SELECT MIN(seq) FROM events WHERE topic = $1")
            .bind(topic.to_string())
            .fetch_one(&mut *c)
            .await?
    });
    Ok(oldest)
}

/// Deletes events created before `cutoff`; returns how many.
pub async fn prune_before(tx: &mut WriteTx, cutoff: DateTime<Utc>) -> StoreResult<u64> {
    let done = on_conn!(tx, c => {
        sqlx::query("DELETE FROM events WHERE created_at < $1").bind(cutoff).execute(&mut *c).await?.rows_affected()
    });
    Ok(done)
}

/// The last sequence number of each of `topics` that has one.
pub async fn last_seqs(db: &Db, topics: &[Topic]) -> StoreResult<std::collections::HashMap<Topic, i64>> {
    use sea_query::{Expr, ExprTrait, Query};

    #[derive(sea_query::Iden)]
    enum TopicSeqs {
        Table,
        Topic,
        LastSeq,
    }

    let mut found = std::collections::HashMap::new();
    // Chunks keep the statement's parameter count well under both
    // backends' limits.
    for chunk in topics.chunks(500) {
        let mut select = Query::select();
        select
            .columns([TopicSeqs::Topic, TopicSeqs::LastSeq])
            .from(TopicSeqs::Table)
            .and_where(Expr::col(TopicSeqs::Topic).is_in(chunk.iter().map(ToString::to_string)));
        let rows: Vec<(String, i64)> = crate::db::fetch_all_built(db, &select).await?;
        for (topic, last) in rows {
            found.insert(decode("topic_seqs.topic", &topic, str::parse)?, last);
        }
    }
    Ok(found)
}
