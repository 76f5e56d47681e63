//! A rolling upgrade: two nodes of the previous release behind the shipped
//! nginx, on one PostgreSQL and one Redis, take tickets from four
//! dispatchers while a board follows the building. One node at a time is
//! stopped with SIGTERM (it finishes what it took and tells its pages to go
//! elsewhere) and started again as this release, which migrates the
//! database while the other node, still the previous release, goes on
//! serving on the new schema; then the other. Every ticket acknowledged is
//! stored once; the board, reconnecting through nginx when its node goes
//! and resuming from the last event it had, is told of each once. Then the
//! previous release starts again on the migrated database (a rollback).
//!
//! The previous release's binary comes from `DOMOVOY_TEST_PREVIOUS_BIN`:
//! `load-tests/upgrade.sh` builds it from a kept commit and runs this test.
//! Without it the test says it skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use domovoy_store::testing::TestDb;

use crate::every_write::{History, Kind, Outcome, board, client_loop};
use crate::faults::file_by_phone;
use crate::helpers::{client, tickets_by_text};
use crate::nodes::{Node, Redis, free_port};
use crate::proxy::{Nginx, two_nodes_behind_nginx_can_run};

const ADMIN: &str = "upgrade-admin";
const PASSWORD: &str = "Обновление-без-потерь-2026";

/// Runs `bin` with `args` on the database of `env` to its end; panics with
/// its output if it failed.
fn run(bin: &Path, args: &[&str], env: &[(&str, String)], stdin: Option<&str>) {
    let mut command = Command::new(bin);
    command.args(args).env("RUST_LOG", "warn").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    if let Some(text) = stdin {
        use std::io::Write as _;
        writeln!(child.stdin.take().unwrap(), "{text}").unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{} {args:?}: {}{}",
        bin.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Signs in through `base`; the session's token.
async fn sign_in(base: &str) -> String {
    let response = client()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"login": ADMIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{ADMIN} signs in");
    response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
}

#[actix_web::test]
async fn a_rolling_upgrade_from_the_previous_release_loses_nothing() {
    let Some(previous) = std::env::var_os("DOMOVOY_TEST_PREVIOUS_BIN").map(PathBuf::from) else {
        eprintln!(
            "skipped: DOMOVOY_TEST_PREVIOUS_BIN is not set (load-tests/upgrade.sh builds the previous release and sets it)"
        );
        return;
    };
    if !two_nodes_behind_nginx_can_run() {
        return;
    }
    let Some(db) = TestDb::postgres_empty().await else { return };
    let current = Path::new(env!("CARGO_BIN_EXE_domovoy"));
    let redis = Redis::start().await;
    let dir = domovoy_store::testing::temp_dir();
    let env = [
        ("DOMOVOY_DATABASE_URL", db.url.clone()),
        ("DOMOVOY_REDIS_URL", redis.url()),
        ("DOMOVOY_HTTP__TRUST_FORWARDED_FOR", "true".to_owned()),
    ];

    // The previous release makes the database and its administrator; this
    // release has migrations it does not.
    run(&previous, &["migrate"], &env, None);
    let add =
        ["user", "add", ADMIN, "--name", "Администратор обновления", "--role", "administrator", "--password-stdin"];
    run(&previous, &add, &env, Some(PASSWORD));
    assert!(
        !db.db.migrations_current().await.unwrap(),
        "the previous release ({}) has every migration this one has: pick an older one to prove an upgrade",
        previous.display()
    );
    let ports = [free_port(), free_port()];
    let mut nodes = [
        Node::start_binary(&previous, ports[0], &dir, &env).await,
        Node::start_binary(&previous, ports[1], &dir, &env).await,
    ];
    let nginx_dir = dir.join("nginx");
    std::fs::create_dir_all(&nginx_dir).unwrap();
    let nginx = Nginx::start(&nginx_dir, ports).await;
    let base = nginx.url("");
    let token = sign_in(&base).await;
    let building = json!({"name": "ЖК «Обновление»", "address": "г. Москва, ул. Новая, 1", "kind": "residential",
                          "time_zone": "Europe/Moscow"});
    let building =
        client().post(nginx.url("/api/v1/buildings")).bearer_auth(&token).json(&building).send().await.unwrap();
    assert_eq!(building.status(), StatusCode::CREATED);
    let building = building.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = board(nginx.port, token.clone(), format!("building:{building}"), stop.clone()).await;

    // Four dispatchers file tickets for 18 s through nginx; one not
    // answered (a node going, nginx answering 502) is sent again with its
    // key until it is.
    let prefix = format!("Обновление {}", uuid::Uuid::now_v7().simple());
    let text = {
        let prefix = prefix.clone();
        move |op: usize| format!("{prefix} №{op}")
    };
    let history = History::default();
    // Why attempts went unanswered: nginx's status, or the connection's error.
    let unanswered: Arc<std::sync::Mutex<HashMap<String, usize>>> = Arc::default();
    let started = Instant::now();
    let writers: Vec<_> = (0..4)
        .map(|writer| {
            let (base, token, building, text) = (base.clone(), token.clone(), building.clone(), text.clone());
            let unanswered = unanswered.clone();
            let ops = writer * 100_000..(writer + 1) * 100_000;
            tokio::spawn(client_loop(
                Kind::Ticket,
                history.clone(),
                started,
                Duration::from_secs(18),
                Duration::from_millis(20),
                ops,
                move |op| {
                    let sent = file_by_phone(
                        &base,
                        &token,
                        &building,
                        &text(op),
                        format!("upgrade-{op}"),
                        Duration::from_secs(20),
                    );
                    let unanswered = unanswered.clone();
                    async move {
                        match sent.await {
                            Ok(answer) if answer.status() == StatusCode::CREATED => {
                                Outcome::Done(answer.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned())
                            }
                            Ok(answer) => {
                                let status = answer.status();
                                assert!(
                                    [StatusCode::BAD_GATEWAY, StatusCode::SERVICE_UNAVAILABLE].contains(&status),
                                    "{status}: {}",
                                    answer.text().await.unwrap_or_default()
                                );
                                *unanswered.lock().unwrap().entry(status.to_string()).or_default() += 1;
                                Outcome::Refused
                            }
                            Err(error) => {
                                let why = if error.is_timeout() { "timed out" } else { "connection lost" };
                                *unanswered.lock().unwrap().entry(why.to_owned()).or_default() += 1;
                                Outcome::Refused
                            }
                        }
                    }
                },
            ))
        })
        .collect();

    // One node at a time: stopped, then started as this release (the first
    // one migrates the database while the other, still the previous
    // release, serves); the next one 6 s after it is ready, as README says:
    // nginx sends nothing to a node for `fail_timeout` (5 s) after it
    // failed, so stopping the other one sooner leaves nginx no node at all.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (node, port) in nodes.iter_mut().zip(ports) {
        let (exit, took) = node.terminate(Duration::from_secs(15)).await;
        assert!(exit.success(), "the previous release stopped cleanly: {exit:?}");
        let stopped_at = started.elapsed();
        *node = Node::start_binary(current, port, &dir, &env).await;
        eprintln!("node {port}: stopped in {took:?}; this release ready {:?} after", started.elapsed() - stopped_at);
        assert!(db.db.migrations_current().await.unwrap(), "this release migrated the database");
        tokio::time::sleep(Duration::from_secs(6)).await;
    }
    for writer in writers {
        writer.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);

    // Every acknowledged ticket stored once, as answered; nothing else.
    let done = history.done(Kind::Ticket);
    let stored = tickets_by_text(&base, &token, &prefix).await;
    for (op, id) in &done {
        assert_eq!(stored.get(&text(*op)), Some(&vec![id.clone()]), "{}: stored once, as answered", text(*op));
    }
    assert_eq!(stored.len(), done.len(), "nothing stored that no answer named");
    let sent_again = history.attempts().iter().filter(|a| matches!(a.outcome, Outcome::Refused)).count();
    let why = unanswered.lock().unwrap().clone();
    // The board was told of each once, across its reconnections.
    let (told, reconnects) = watcher.await.unwrap();
    let missed = done.values().filter(|id| !told.contains_key(*id)).count();
    let twice = told.values().filter(|n| **n > 1).count();
    eprintln!(
        "rolling upgrade: {} tickets acknowledged, {sent_again} attempts unanswered ({why:?}) and sent again, {} stored, \
         0 lost, 0 twice; the board reconnected {reconnects} times, missed {missed}, was told twice of {twice}",
        done.len(),
        stored.len()
    );
    assert!(reconnects >= 1, "the board's node was stopped, so it reconnected");
    assert_eq!((missed, twice), (0, 0), "the board: missed, twice");
    drop(nginx);
    let _ = std::fs::remove_dir_all(&dir);
}
