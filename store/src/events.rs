//! The event log: every committed change's events, per topic in sequence.
//!
//! Invariant: within a topic, sequence numbers are 1, 2, 3, … without gaps
//! in commit order of the rows that hold them; a reader that has seen `n`
//! can ask for everything after `n` and get it, until retention prunes it.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::types::Json;
use uuid::Uuid;

use domovoy_domain::event::Topic;
use domovoy_domain::ids::EventId;

use crate::db::{Db, WriteTx};
use crate::error::{StoreResult, decode};
use crate::idempotency::Answer;

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

/// Events one statement stores at most (SQLite's bind limit is far above).
const INSERT_BATCH: usize = 500;

/// `($1, $2, …), (…)`: `rows` rows of `width` placeholders.
fn placeholders(rows: usize, width: usize) -> String {
    placeholders_after(0, rows, width)
}

/// Like [`placeholders`], numbered on from `$(after + 1)`.
fn placeholders_after(after: usize, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|r| {
            format!("({})", (1..=width).map(|c| format!("${}", after + r * width + c)).collect::<Vec<_>>().join(", "))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Gives the pending events their sequence numbers and stores them, with
/// the write's idempotency answer, if any.
///
/// The counter rows of all the write's topics are bumped by one statement,
/// in sorted order: on PostgreSQL a bump locks the row until commit, which
/// serialises writers per topic (so numbers follow commit order), and the
/// fixed order means two transactions can never wait on each other in a
/// cycle. On PostgreSQL the bump, the events, the answer and the read of
/// the webhooks go in as one statement, so a busy topic is locked for that
/// statement and the commit only, and a write pays one round trip for all
/// of it; SQLite's single writer has no one to keep waiting and takes them
/// one by one.
pub(crate) async fn store_pending(
    tx: &mut WriteTx,
    pending: Vec<PendingEvent>,
    answer: Option<Answer>,
) -> StoreResult<Vec<StoredEvent>> {
    if pending.is_empty() {
        if let Some(answer) = &answer {
            crate::idempotency::store_answer(tx, answer).await?;
        }
        return Ok(Vec::new());
    }
    let mut by_topic: BTreeMap<String, Vec<PendingEvent>> = BTreeMap::new();
    for event in pending {
        by_topic.entry(event.topic.to_string()).or_default().push(event);
    }
    let now = tx.now();
    let mut counts = Vec::with_capacity(by_topic.len());
    // Each event, still unnumbered, with how many events of its topic come
    // after it in this write: its number is the topic's new last minus that.
    let mut stored = Vec::new();
    let mut from_end = Vec::new();
    for (topic_key, events) in by_topic {
        let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        for (offset, event) in (0..).zip(events) {
            from_end.push(count - 1 - offset);
            stored.push(StoredEvent {
                id: EventId::new(),
                topic: event.topic,
                seq: 0,
                kind: event.kind.to_owned(),
                payload: event.payload,
                created_at: now,
            });
        }
        counts.push((topic_key, count));
    }
    let wanted = if tx.backend() == crate::Backend::Postgres && stored.len() <= INSERT_BATCH {
        bump_and_insert(tx, &counts, &mut stored, &from_end, answer.as_ref()).await?
    } else {
        let wanted = crate::webhooks::wanted(tx).await?;
        let lasts = bump(tx, &counts).await?;
        for (event, from_end) in stored.iter_mut().zip(&from_end) {
            let last = lasts
                .get(&event.topic.to_string())
                .ok_or_else(|| crate::error::StoreError::Corrupt(format!("no sequence for {}", event.topic)))?;
            event.seq = last - from_end;
        }
        for chunk in stored.chunks(INSERT_BATCH) {
            insert(tx, chunk).await?;
        }
        if let Some(answer) = &answer {
            crate::idempotency::store_answer(tx, answer).await?;
        }
        wanted
    };
    crate::webhooks::enqueue_matching(tx, &wanted, &stored).await?;
    Ok(stored)
}

const BUMP: &str = "INSERT INTO topic_seqs (topic, last_seq) VALUES {rows}
     ON CONFLICT (topic) DO UPDATE SET last_seq = topic_seqs.last_seq + excluded.last_seq
     RETURNING topic, last_seq";

/// Raises each topic's last number by its count; the new lasts by topic.
async fn bump(tx: &mut WriteTx, counts: &[(String, i64)]) -> StoreResult<HashMap<String, i64>> {
    let sql = BUMP.replace("{rows}", &placeholders(counts.len(), 2));
    let lasts: Vec<(String, i64)> = on_conn!(&mut *tx, c => {
        // Only placeholders are generated; every value is bound.
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for (topic, count) in counts {
            query = query.bind(topic).bind(*count);
        }
        query.fetch_all(&mut *c).await?
    });
    Ok(lasts.into_iter().collect())
}

/// Stores numbered events.
async fn insert(tx: &mut WriteTx, events: &[StoredEvent]) -> StoreResult<()> {
    let sql = format!(
        "INSERT INTO events (id, topic, seq, kind, payload, created_at) VALUES {}",
        placeholders(events.len(), 6)
    );
    on_conn!(&mut *tx, c => {
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        for event in events {
            query = query
                .bind(event.id.as_uuid())
                .bind(event.topic.to_string())
                .bind(event.seq)
                .bind(&event.kind)
                .bind(Json(&event.payload))
                .bind(event.created_at);
        }
        query.execute(&mut *c).await?.rows_affected()
    });
    Ok(())
}

/// [`bump`], [`insert`], the key's answer and the read of the active
/// webhooks as one statement, numbering `events` from what it returns;
/// returns the webhooks. PostgreSQL only (data-modifying `WITH`).
async fn bump_and_insert(
    tx: &mut WriteTx,
    counts: &[(String, i64)],
    events: &mut [StoredEvent],
    from_end: &[i64],
    answer: Option<&Answer>,
) -> StoreResult<crate::webhooks::Wanted> {
    let bumped = BUMP.replace("{rows}", &placeholders(counts.len(), 2));
    let now_at = counts.len() * 2 + 1;
    let answer_after = now_at + events.len() * 5;
    let answered = match answer {
        Some(_) => format!(", answer AS ({})", crate::idempotency::store_answer_sql(answer_after)),
        None => String::new(),
    };
    // The rows: each stored event with its number (`kinds` null), then each
    // active webhook with the kinds it wants (`seq` null).
    let sql = format!(
        "WITH bump AS ({bumped}),
              pending (id, topic, from_end, kind, payload) AS (VALUES {rows}),
              stored AS (
                INSERT INTO events (id, topic, seq, kind, payload, created_at)
                SELECT pending.id, pending.topic, bump.last_seq - pending.from_end, pending.kind, pending.payload,
                       ${now_at}
                FROM pending JOIN bump ON bump.topic = pending.topic
                RETURNING id, seq){answered}
         SELECT id, seq, NULL::jsonb AS kinds FROM stored
         UNION ALL
         SELECT id, NULL, event_kinds FROM webhooks WHERE active",
        rows = placeholders_after(now_at, events.len(), 5),
    );
    let now = events.first().map(|e| e.created_at);
    type Row = (Uuid, Option<i64>, Option<Json<Vec<String>>>);
    let rows: Vec<Row> = on_conn!(&mut *tx, c => {
        // Only placeholders are generated; every value is bound.
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
        for (topic, count) in counts {
            query = query.bind(topic).bind(*count);
        }
        query = query.bind(now);
        for (event, from_end) in events.iter().zip(from_end) {
            query = query
                .bind(event.id.as_uuid())
                .bind(event.topic.to_string())
                .bind(*from_end)
                .bind(&event.kind)
                .bind(Json(&event.payload));
        }
        if let Some(answer) = answer {
            query = query
                .bind(answer.user.as_uuid())
                .bind(&answer.key)
                .bind(i64::from(answer.status))
                .bind(Json(&answer.body));
        }
        query.fetch_all(&mut *c).await?
    });
    let mut numbered = HashMap::new();
    let mut webhooks = Vec::new();
    for (id, seq, kinds) in rows {
        match (seq, kinds) {
            (Some(seq), _) => {
                numbered.insert(id, seq);
            }
            (None, Some(kinds)) => webhooks.push((id, kinds)),
            (None, None) => return Err(crate::error::StoreError::Corrupt(format!("webhook {id} without kinds"))),
        }
    }
    for event in events.iter_mut() {
        event.seq = *numbered
            .get(&event.id.as_uuid())
            .ok_or_else(|| crate::error::StoreError::Corrupt(format!("event {} not stored", event.id)))?;
    }
    Ok(crate::webhooks::parse_wanted(webhooks))
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
pub async fn last_seqs(db: &Db, topics: &[Topic]) -> StoreResult<HashMap<Topic, i64>> {
    use sea_query::{Expr, ExprTrait, Query};

    #[derive(sea_query::Iden)]
    enum TopicSeqs {
        Table,
        Topic,
        LastSeq,
    }

    let mut found = HashMap::new();
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

#[cfg(test)]
mod placeholder_tests {
    #[test]
    fn rows_of_placeholders_count_on() {
        assert_eq!(super::placeholders(2, 3), "($1, $2, $3), ($4, $5, $6)");
    }
}
