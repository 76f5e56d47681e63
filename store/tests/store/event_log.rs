//! The event log: per-topic sequences without gaps, written with the change.

use std::collections::BTreeMap;

use domovoy_domain::event::{Event, LayoutChange, Topic};
use domovoy_domain::ids::{BuildingId, UserId};
use domovoy_store::{Db, StoreError, events};

/// An event carrying `n` in its payload (`created`), to follow it through
/// the log.
fn numbered(n: usize) -> Event {
    Event::LayoutChanged(LayoutChange { building_id: None, created: n, updated: 0, removed: 0, import: false })
}

async fn events_get_consecutive_numbers_per_topic(db: &Db) {
    let a = Topic::Building(BuildingId::new());
    let b = Topic::User(UserId::new());
    let first = db
        .write(move |tx| {
            Box::pin(async move {
                tx.emit_to(a, &numbered(1));
                tx.emit_to(b, &numbered(0));
                tx.emit_to(a, &numbered(2));
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    let seqs: Vec<(Topic, i64)> = first.events.iter().map(|e| (e.topic, e.seq)).collect();
    assert!(seqs.contains(&(a, 1)) && seqs.contains(&(a, 2)) && seqs.contains(&(b, 1)), "{seqs:?}");
    // Within a topic, events keep the order they were emitted in.
    let a_payloads: Vec<_> =
        first.events.iter().filter(|e| e.topic == a).map(|e| e.payload["created"].clone()).collect();
    assert_eq!(a_payloads, vec![serde_json::json!(1), serde_json::json!(2)]);

    // A failed write consumes no numbers.
    let failed = db
        .write(move |tx| {
            Box::pin(async move {
                tx.emit_to(a, &numbered(999));
                Err::<(), _>(StoreError::NotFound)
            })
        })
        .await;
    assert!(failed.is_err());

    let next = db
        .write(move |tx| {
            Box::pin(async move {
                tx.emit_to(a, &numbered(3));
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    assert_eq!(next.events[0].seq, 3);

    let history = events::read_since(db, a, 1, 100).await.unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(history[1].payload["created"], 3);
    assert_eq!(events::last_seq(db, a).await.unwrap(), 3);
    assert_eq!(events::last_seq(db, Topic::Calls).await.unwrap(), 0);
    assert_eq!(events::oldest_kept_seq(db, a).await.unwrap(), Some(1));
}

async fn concurrent_writers_on_one_topic_never_share_or_skip_a_number(db: &Db) {
    let topic = Topic::Building(BuildingId::new());
    let other = Topic::Calls;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            db.write(move |tx| {
                Box::pin(async move {
                    // Half the writers touch two topics, in either order.
                    if i % 2 == 0 {
                        tx.emit_to(other, &numbered(i));
                    }
                    tx.emit_to(topic, &numbered(i));
                    if i % 3 == 0 {
                        tx.emit_to(other, &numbered(i));
                    }
                    Ok::<_, StoreError>(())
                })
            })
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let history = events::read_since(db, topic, 0, 1000).await.unwrap();
    assert_eq!(history.iter().map(|e| e.seq).collect::<Vec<_>>(), (1..=40).collect::<Vec<_>>());
    let others = events::read_since(db, other, 0, 1000).await.unwrap();
    let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
    for e in &others {
        *counts.entry(e.seq).or_default() += 1;
    }
    assert_eq!(others.len(), 20 + 14);
    assert!(counts.values().all(|&n| n == 1));
    assert_eq!(*counts.keys().last().unwrap(), 34);
}

async fn pruning_removes_old_events_but_not_the_sequence(db: &Db) {
    let topic = Topic::Calls;
    for n in 0..3 {
        db.write(move |tx| {
            Box::pin(async move {
                tx.emit_to(topic, &numbered(n));
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    }
    let cutoff = chrono::Utc::now() + chrono::Duration::seconds(1);
    let pruned = db.write(move |tx| Box::pin(async move { events::prune_before(tx, cutoff).await })).await.unwrap();
    assert_eq!(pruned.value, 3);
    assert_eq!(events::oldest_kept_seq(db, topic).await.unwrap(), None);
    let next = db
        .write(move |tx| {
            Box::pin(async move {
                tx.emit_to(topic, &numbered(9));
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    assert_eq!(next.events[0].seq, 4);
}

/// A write with more events than one statement stores (a bulk change)
/// numbers and stores them all, in order, like a small one.
async fn a_large_write_numbers_every_event_in_order(db: &Db) {
    let a = Topic::Building(BuildingId::new());
    let b = Topic::User(UserId::new());
    db.write(move |tx| {
        Box::pin(async move {
            tx.emit_to(a, &numbered(0));
            Ok::<_, StoreError>(())
        })
    })
    .await
    .unwrap();
    let bulk = db
        .write(move |tx| {
            Box::pin(async move {
                for n in 1..=700 {
                    tx.emit_to(a, &numbered(n));
                    if n % 2 == 0 {
                        tx.emit_to(b, &numbered(n));
                    }
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    assert_eq!(bulk.events.len(), 1050);
    let history = events::read_since(db, a, 0, 1000).await.unwrap();
    assert_eq!(history.len(), 701);
    for (n, event) in (0usize..).zip(&history) {
        assert_eq!(
            (event.seq, event.payload["created"].clone()),
            (i64::try_from(n).unwrap() + 1, serde_json::json!(n))
        );
    }
    let returned: BTreeMap<i64, serde_json::Value> =
        bulk.events.iter().filter(|e| e.topic == a).map(|e| (e.seq, e.payload["created"].clone())).collect();
    assert_eq!(returned.len(), 700);
    assert!(returned.iter().all(|(seq, payload)| *payload == serde_json::json!(seq - 1)));
    assert_eq!(events::last_seq(db, b).await.unwrap(), 350);
}

domovoy_store::backend_tests!(
    events_get_consecutive_numbers_per_topic,
    a_large_write_numbers_every_event_in_order,
    concurrent_writers_on_one_topic_never_share_or_skip_a_number,
    pruning_removes_old_events_but_not_the_sequence,
);
