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

/// The threads of this process whose name starts with `name` (Linux keeps
/// 15 bytes of it), with the CPUs each may use (from `/proc`, as
/// `taskset -p` shows them).
#[cfg(target_os = "linux")]
fn threads_named(name: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.trim().starts_with(name) {
            continue;
        }
        let status = std::fs::read_to_string(task.path().join("status")).unwrap_or_default();
        let cpus = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap_or_default();
        found.push((comm.trim().to_owned(), cpus.trim().to_owned()));
    }
    found
}

/// The writer and its connection's thread share one CPU: each statement is
/// a hand-off between them (BENCHMARKS.md, «One CPU for the SQLite writer»).
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_sqlite_writer_and_its_connection_share_one_cpu() {
    let allowed = std::fs::read_to_string("/proc/self/status").unwrap();
    let allowed = allowed.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:")).unwrap().trim().to_owned();
    if !allowed.contains([',', '-']) {
        eprintln!("skipped: this process may use one CPU only ({allowed}), so there is nothing to pin");
        return;
    }
    let test = domovoy_store::testing::TestDb::sqlite().await;
    test.db
        .write(|tx| Box::pin(async move { users::insert(tx, &staff("pinned", "Закреплённый")).await }))
        .await
        .unwrap();
    let _ = test.db.migrations_current().await.unwrap();
    // Other tests of this binary run their own writers meanwhile: each is
    // checked the same way.
    let writers = threads_named("sqlite-writer");
    assert!(!writers.is_empty());
    let workers = threads_named("sqlx-sqlite-wor");
    for (_, cpu) in &writers {
        assert!(cpu.parse::<usize>().is_ok(), "a writer runs on one CPU, not {cpu}");
        // Its connection's thread inherited that CPU.
        assert!(workers.iter().any(|(_, cpus)| cpus == cpu), "no connection thread on CPU {cpu}: {workers:?}");
    }
    // The read pool's connections stay where the OS puts them.
    assert!(workers.iter().any(|(_, cpus)| *cpus == allowed), "readers are not pinned: {workers:?}");
}
