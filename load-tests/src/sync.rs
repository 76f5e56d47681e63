//! `sync`: the staff app's offline sync under load.
//!
//! - First and delta syncs of a person holding `--tickets` tickets (200 by
//!   default): `POST /api/v1/sync` without a cursor (everything), then with
//!   the answer's cursor and nothing changed, each timed 20 times.
//! - Coming online: `--devices` devices (200) each send `--mutations`
//!   queued changes (50: a status move, then comments) in one request,
//!   arriving evenly over `--over` seconds (0: all at once); each request
//!   timed from its scheduled moment, the mutation rate measured.
//! - Checked after: every device's last applied number is its last change,
//!   every comment is stored once and in order on its device's ticket;
//!   twenty devices send their batch again and every change answers
//!   `duplicate`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::server::Server;
use crate::stats::{Figures, Latencies, round3};

/// Requests in flight while preparing (tickets, devices).
const SEED_CONCURRENCY: usize = 16;
/// Timed first and delta syncs.
const SAMPLES: usize = 20;

/// Runs `make(i)` for `0..count`, `SEED_CONCURRENCY` at a time.
pub(crate) async fn bounded<T, F, Fut>(count: usize, make: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = anyhow::Result<T>>,
{
    let mut out = Vec::with_capacity(count);
    let indexes: Vec<usize> = (0..count).collect();
    for chunk in indexes.chunks(SEED_CONCURRENCY) {
        for result in join_all(chunk.iter().map(|i| make(*i))).await {
            out.push(result?);
        }
    }
    Ok(out)
}

async fn register(server: &Server) -> anyhow::Result<String> {
    let (status, device) = server.post("/api/v1/devices", &json!({"platform": "none", "app_version": "load"})).await?;
    if status != reqwest::StatusCode::CREATED {
        bail!("POST /api/v1/devices: {status} {device}");
    }
    device["id"].as_str().map(str::to_owned).context("no device id")
}

async fn timed_sync(server: &Server, body: &Value) -> anyhow::Result<(Duration, Value)> {
    let started = Instant::now();
    let (status, answer) = server.post("/api/v1/sync", body).await?;
    let took = started.elapsed();
    if status != reqwest::StatusCode::OK {
        bail!("POST /api/v1/sync: {status} {answer}");
    }
    Ok((took, answer))
}

fn batch(device: usize, ticket: &str, mutations: usize) -> Vec<Value> {
    (1..=mutations)
        .map(|seq| {
            let id = uuid::Uuid::now_v7();
            if seq == 1 {
                json!({"seq": seq, "id": id, "kind": "ticket.transition", "ticket_id": ticket, "to": "accepted"})
            } else {
                json!({"seq": seq, "id": id, "kind": "ticket.comment", "ticket_id": ticket,
                       "text": format!("Телефон {device}, изменение {seq}")})
            }
        })
        .collect()
}

pub async fn sync(
    server: &Server,
    devices: usize,
    mutations: usize,
    tickets: usize,
    over: Duration,
) -> anyhow::Result<Figures> {
    if mutations == 0 || mutations > 200 {
        bail!("--mutations is 1..=200 (one request's limit)");
    }
    let building = server.building().await?;
    let me = server.get_json("/api/v1/me").await?;
    let me = me["user"]["id"].as_str().context("no user id in /api/v1/me")?.to_owned();
    println!("preparing {tickets} tickets in the load account's queue, {devices} more and {devices} devices…");
    let started = Instant::now();
    let make = |i: usize, assign: bool| {
        let (building, me) = (building.clone(), me.clone());
        async move {
            let body = json!({"building_id": building, "description": format!("Нагрузка синхронизации, заявка {i}"),
                              "source": "staff", "location": format!("кв. {}", i + 1)});
            let id = server.new_ticket(&body).await?;
            if assign {
                server.assign(&id, &me).await?;
            }
            Ok(id)
        }
    };
    // The queue the first and delta syncs carry; the devices' changes go
    // to other tickets (one each), so that every device's answer carries
    // the same small delta a technician's phone gets, not the whole queue.
    bounded(tickets, |i| make(i, true)).await?;
    let ids: Vec<String> = bounded(devices, |i| make(tickets + i, false)).await?;
    let phones: Vec<String> = bounded(devices, |_| register(server)).await?;
    println!("prepared in {:.1} s", started.elapsed().as_secs_f64());

    // A person's first sync (everything), then deltas with nothing new.
    let probe = register(server).await?;
    let mut first = Latencies::default();
    let mut delta = Latencies::default();
    let mut queue_len = 0;
    let mut cursor = Value::Null;
    for _ in 0..SAMPLES {
        let (took, answer) = timed_sync(server, &json!({"device_id": probe})).await?;
        first.record(took);
        queue_len = answer["changes"]["queue"].as_array().map_or(0, Vec::len);
        let (took, answer) = timed_sync(server, &json!({"device_id": probe, "cursor": answer["cursor"]})).await?;
        delta.record(took);
        cursor = answer["cursor"].clone();
    }
    let (first, delta) = (first.summary(), delta.summary());
    println!("first sync ({queue_len} tickets in the queue): {}", first.line());
    println!("delta sync (nothing new):           {}", delta.line());

    // The devices come online, spread evenly over `over` (all at once
    // when it is zero), each with its outbox; latency counts from the
    // scheduled moment (open loop).
    let batches: Vec<Vec<Value>> = (0..devices).map(|d| batch(d, &ids[d], mutations)).collect();
    let batches = Arc::new(batches);
    let started = Instant::now();
    let answers = join_all((0..devices).map(|d| {
        let (phones, batches, cursor) = (phones.clone(), batches.clone(), cursor.clone());
        let at = started + over.mul_f64(d as f64 / devices as f64);
        async move {
            tokio::time::sleep_until(at.into()).await;
            let body = json!({"device_id": phones[d], "cursor": cursor, "mutations": batches[d]});
            let (_, answer) = timed_sync(server, &body).await?;
            Ok::<_, anyhow::Error>((at.elapsed(), answer))
        }
    }))
    .await;
    let elapsed = started.elapsed();
    let mut latencies = Latencies::default();
    let mut errors = 0u64;
    let mut not_applied = 0u64;
    for answer in &answers {
        match answer {
            Ok((took, answer)) => {
                latencies.record(*took);
                let results = answer["results"].as_array().map_or(&[][..], Vec::as_slice);
                not_applied += results.iter().filter(|r| r["status"] != "applied").count() as u64;
            }
            Err(error) => {
                errors += 1;
                eprintln!("a device's sync failed: {error:#}");
            }
        }
    }
    let summary = latencies.summary();
    let total = (devices * mutations) as f64;
    println!(
        "{devices} devices × {mutations} changes, arriving over {:.0} s: {:.0} changes/s in {:.2} s; per request {}",
        over.as_secs_f64(),
        total / elapsed.as_secs_f64(),
        elapsed.as_secs_f64(),
        summary.line()
    );

    // What the server holds: every number taken, every comment once, in order.
    let listed = server.get_json("/api/v1/devices").await?;
    let applied: std::collections::HashMap<String, i64> = listed
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|d| Some((d["id"].as_str()?.to_owned(), d["applied_seq"].as_i64()?)))
        .collect();
    let mut lost = 0u64;
    let mut duplicates = 0u64;
    for phone in &phones {
        let seq = applied.get(phone).copied().unwrap_or(0);
        lost += (mutations as i64 - seq).max(0) as u64;
    }
    let stored: Vec<(u64, u64)> = bounded(devices, |d| {
        let ticket = ids[d].clone();
        async move {
            let timeline = server.get_json(&format!("/api/v1/tickets/{ticket}/timeline")).await?;
            let comments: Vec<String> = timeline["comments"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["body"].as_str().map(str::to_owned))
                .collect();
            let expected: Vec<String> = (2..=mutations).map(|seq| format!("Телефон {d}, изменение {seq}")).collect();
            let missing = expected.iter().filter(|e| !comments.contains(e)).count() as u64;
            let extra = comments.len().saturating_sub(expected.len() - missing as usize) as u64;
            if missing == 0 && extra == 0 && comments != expected {
                bail!("device {d}: comments stored out of order");
            }
            Ok((missing, extra))
        }
    })
    .await?;
    for (missing, extra) in stored {
        lost += missing;
        duplicates += extra;
    }

    // Twenty devices send their batch again: nothing changes.
    let again = join_all((0..devices.min(20)).map(|d| {
        let (phones, batches) = (phones.clone(), batches.clone());
        async move { timed_sync(server, &json!({"device_id": phones[d], "mutations": batches[d]})).await }
    }))
    .await;
    let mut replayed_applied = 0u64;
    for answer in again {
        let (_, answer) = answer?;
        let results = answer["results"].as_array().map_or(&[][..], Vec::as_slice);
        replayed_applied += results.iter().filter(|r| r["status"] != "duplicate").count() as u64;
    }
    duplicates += replayed_applied;
    println!(
        "checked: {lost} lost, {duplicates} stored twice or applied again, {not_applied} not applied at first send"
    );

    let mut figures = Figures::new("sync").latency(&summary);
    figures.achieved_rate = round3(total / elapsed.as_secs_f64());
    figures.errors = errors + not_applied;
    figures.lost = lost;
    figures.duplicates = duplicates;
    Ok(figures
        .with("devices", devices)
        .with("arrivals_over_s", over.as_secs_f64())
        .with("mutations_per_device", mutations)
        .with("queue_tickets", queue_len)
        .with("first_sync_p50_ms", round3(first.p50))
        .with("first_sync_p99_ms", round3(first.p99))
        .with("delta_sync_p50_ms", round3(delta.p50))
        .with("delta_sync_p99_ms", round3(delta.p99)))
}
