//! The outbox: enqueued with the change, claimed under a lease, retried,
//! never sent again once marked sent.

use chrono::{Duration, Utc};
use serde_json::json;

use domovoy_domain::event::{BuildingInfo, Event, Topic};
use domovoy_domain::ids::BuildingId;
use domovoy_domain::webhook::{EventFilter, WebhookName, WebhookUrl};
use domovoy_store::webhooks::{self, NewWebhook};
use domovoy_store::{Db, StoreError, outbox};

/// A building's event payload with `name`.
fn info(name: &str) -> BuildingInfo {
    BuildingInfo {
        id: BuildingId::new(),
        name: name.to_owned(),
        address: String::new(),
        kind: "residential".to_owned(),
        time_zone: "Europe/Moscow".to_owned(),
    }
}

async fn claim(db: &Db, lease: Duration, limit: i64) -> Vec<outbox::OutboxMessage> {
    let until = Utc::now() + lease;
    db.write(move |tx| Box::pin(async move { outbox::claim(tx, until, limit).await })).await.unwrap().value
}

async fn a_message_is_claimed_once_per_lease_and_never_after_it_was_sent(db: &Db) {
    let added = db
        .write(|tx| {
            Box::pin(async move {
                let first = outbox::enqueue(tx, "test", "k1", &json!({"n": 1})).await?;
                let again = outbox::enqueue(tx, "test", "k1", &json!({"n": 1})).await?;
                outbox::enqueue(tx, "test", "k2", &json!({"n": 2})).await?;
                Ok::<_, StoreError>((first, again))
            })
        })
        .await
        .unwrap()
        .value;
    assert_eq!(added, (true, false), "the same key is enqueued once");
    assert_eq!(outbox::backlog(db).await.unwrap(), 2);

    let first = claim(db, Duration::seconds(60), 10).await;
    assert_eq!(first.len(), 2);
    assert!(first.iter().all(|m| m.attempt == 1));
    assert!(claim(db, Duration::seconds(60), 10).await.is_empty(), "leased messages are not claimed again");

    let (sent, failed) = (first[0].clone(), first[1].clone());
    db.write(move |tx| {
        Box::pin(async move {
            outbox::mark_sent(tx, sent.id, 1, None).await?;
            outbox::mark_failed(tx, failed.id, 1, "connection refused", Some(Utc::now() - Duration::seconds(1))).await
        })
    })
    .await
    .unwrap();
    let retry = claim(db, Duration::seconds(60), 10).await;
    assert_eq!(retry.len(), 1, "only the failed one comes back");
    assert_eq!(retry[0].dedup_key, first[1].dedup_key);
    assert_eq!(retry[0].attempt, 2);
    assert_eq!(outbox::backlog(db).await.unwrap(), 1);

    // Given up: no retry time.
    let last = retry[0].clone();
    db.write(move |tx| Box::pin(async move { outbox::mark_failed(tx, last.id, 2, "410 Gone", None).await }))
        .await
        .unwrap();
    assert_eq!(outbox::backlog(db).await.unwrap(), 0);
    let states = outbox::recent(db, 10).await.unwrap();
    assert!(states.iter().any(|s| s.failed_at.is_some() && s.last_error.as_deref() == Some("410 Gone")));
}

async fn an_expired_lease_lets_another_dispatcher_take_over(db: &Db) {
    db.write(|tx| Box::pin(async move { outbox::enqueue(tx, "test", "lost", &json!({})).await })).await.unwrap();
    // A dispatcher claims with a lease that has already run out (it died).
    let taken = claim(db, Duration::seconds(-1), 10).await;
    assert_eq!(taken.len(), 1);
    let again = claim(db, Duration::seconds(60), 10).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 2);
    assert_eq!(outbox::unfinished_attempts(db, again[0].id).await.unwrap(), 2);
    let id = again[0].id;
    db.write(move |tx| Box::pin(async move { outbox::mark_sent(tx, id, 2, None).await })).await.unwrap();
    assert_eq!(outbox::unfinished_attempts(db, id).await.unwrap(), 1, "the dead dispatcher's attempt stays unfinished");
    // Marked sent: a late "sent" or "failed" from the first attempt changes nothing.
    db.write(move |tx| Box::pin(async move { outbox::mark_sent(tx, id, 1, None).await })).await.unwrap();
    assert!(claim(db, Duration::seconds(-1), 10).await.is_empty());
}

async fn events_reach_the_outbox_of_matching_webhooks_in_their_transaction(db: &Db) {
    let hook = NewWebhook {
        name: WebhookName::parse("1С").unwrap(),
        url: WebhookUrl::parse("http://127.0.0.1:9/hook").unwrap(),
        secret: "s".into(),
        filter: EventFilter::parse(&["building.updated".to_owned()]).unwrap(),
    };
    let webhook = db.write(move |tx| Box::pin(async move { webhooks::insert(tx, &hook).await })).await.unwrap().value;
    let topic = Topic::Building(BuildingId::new());
    let committed = db
        .write(move |tx| {
            Box::pin(async move {
                tx.emit_to(topic, &Event::BuildingUpdated(info("A")));
                tx.emit_to(topic, &Event::BuildingCreated(info("B")));
                Ok::<_, StoreError>(())
            })
        })
        .await
        .unwrap();
    let updated = committed.events.iter().find(|e| e.kind == "building.updated").unwrap();
    let messages = claim(db, Duration::seconds(60), 10).await;
    assert_eq!(messages.len(), 1, "only the subscribed kind");
    assert_eq!(messages[0].dedup_key, format!("{}:{}", webhook.id, updated.id));
    assert_eq!(messages[0].payload["event"]["data"]["name"], "A");
    assert_eq!(messages[0].payload["event"]["seq"], updated.seq);

    // A failed write enqueues nothing.
    let failed = db
        .write(move |tx| {
            Box::pin(async move {
                tx.emit_to(topic, &Event::BuildingUpdated(info("C")));
                Err::<(), _>(StoreError::NotFound)
            })
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(outbox::backlog(db).await.unwrap(), 1);
}

/// A gateway's report names a sent message by its receipt and marks it
/// once: a second report, one on a message of another channel, on a
/// message not sent, or on an unknown receipt changes nothing.
async fn a_gateways_report_marks_a_sent_message_once(db: &Db) {
    db.write(|tx| {
        Box::pin(async move {
            outbox::enqueue(tx, "sms", "a", &json!({})).await?;
            outbox::enqueue(tx, "sms", "b", &json!({})).await?;
            outbox::enqueue(tx, "other", "c", &json!({})).await
        })
    })
    .await
    .unwrap();
    let taken = claim(db, Duration::seconds(60), 10).await;
    let id_of = |key: &str| taken.iter().find(|m| m.dedup_key == key).unwrap().id;
    let (a, b, c) = (id_of("a"), id_of("b"), id_of("c"));
    db.write(move |tx| {
        Box::pin(async move {
            outbox::mark_sent(tx, a, 1, Some("r-a")).await?;
            outbox::mark_sent(tx, b, 1, Some("r-b")).await?;
            outbox::mark_sent(tx, c, 1, Some("r-a")).await
        })
    })
    .await
    .unwrap();
    let report = |reports: Vec<(String, outbox::Report)>| async move {
        db.write(move |tx| Box::pin(async move { outbox::record_reports(tx, "sms", &reports, Utc::now()).await }))
            .await
            .unwrap()
            .value
    };
    let undelivered = outbox::Report::Undelivered("smsru:104".to_owned());
    assert_eq!(report(vec![("r-a".to_owned(), outbox::Report::Delivered)]).await, 1, "only the sms channel's r-a");
    assert_eq!(report(vec![("r-a".to_owned(), undelivered.clone())]).await, 0, "reported once");
    assert_eq!(report(vec![("r-b".to_owned(), undelivered.clone()), ("r-x".to_owned(), undelivered)]).await, 1);
    let states = outbox::recent(db, 10).await.unwrap();
    assert!(states.iter().any(|s| s.last_error.as_deref() == Some("smsru:104")), "the reason is kept");
}

domovoy_store::backend_tests!(
    a_gateways_report_marks_a_sent_message_once,
    a_message_is_claimed_once_per_lease_and_never_after_it_was_sent,
    an_expired_lease_lets_another_dispatcher_take_over,
    events_reach_the_outbox_of_matching_webhooks_in_their_transaction,
);
