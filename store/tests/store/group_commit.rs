//! Concurrent writes: each commits or fails on its own, whatever its
//! neighbours in a batch do (SQLite's group commit; PostgreSQL runs the same
//! tests with one transaction per write).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use domovoy_domain::account::AccountKind;
use domovoy_store::{Db, StoreError, users};

use crate::helpers::staff;

async fn failing_and_panicking_writes_do_not_disturb_their_batch(db: &Db) {
    let mut tasks = Vec::new();
    for i in 0..200 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let new = staff(&format!("user{i}"), &format!("Пользователь {i}"));
            db.write(move |tx| {
                Box::pin(async move {
                    let user = users::insert(tx, &new).await?;
                    match i % 50 {
                        // Fails after writing: its insert must be rolled back.
                        7 => Err(StoreError::NotFound),
                        // Panics after writing: rolled back, and the writer survives.
                        13 => panic!("a bug in one write"),
                        _ => Ok(user.id),
                    }
                })
            })
            .await
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    let mut panicked = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::NotFound) => refused += 1,
            Err(StoreError::Panicked) => panicked += 1,
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((ok, refused, panicked), (192, 4, 4));
    assert_eq!(users::count(db, AccountKind::Staff).await.unwrap(), 192);
    // The database still takes writes afterwards.
    let new = staff("after", "После");
    db.write(move |tx| Box::pin(async move { users::insert(tx, &new).await })).await.unwrap();
}

async fn a_write_is_readable_as_soon_as_it_returns(db: &Db) {
    let seen = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let db = db.clone();
        let seen = seen.clone();
        tasks.push(tokio::spawn(async move {
            let new = staff(&format!("reader{i}"), "Читатель");
            let id = db.write(move |tx| Box::pin(async move { users::insert(tx, &new).await })).await.unwrap().value.id;
            // Read through the read pool, not the writer.
            users::get(&db, id).await.unwrap();
            seen.fetch_add(1, Ordering::SeqCst);
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(seen.load(Ordering::SeqCst), 50);
}

domovoy_store::backend_tests!(
    failing_and_panicking_writes_do_not_disturb_their_batch,
    a_write_is_readable_as_soon_as_it_returns
);
