//! `calls`: the ringing → pop-up path. A PBX integration posts Zammad's
//! `newCall` for numbers of the generated clients (100,000 by default,
//! written the way a PBX sends them, `8999…`) at a steady rate; dispatcher
//! sessions follow the `calls` topic. The latency is from the moment the
//! webhook POST is sent to the `call.ringing` frame with the caller matched
//! (the PBX call id carries the run's marker); every call must reach every
//! session once. Each call is hung up a second later, as a caller who gives
//! up would (it becomes a missed call with its callback task), so the
//! ringing and the end run side by side as they would in a busy hour.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;

use crate::pages::{ensure_clients, generated};
use crate::server::{Server, marker};
use crate::stats::{Figures, round3};
use crate::ws::{self, Shared};

/// How long after its ringing each call is hung up.
const RING_FOR: Duration = Duration::from_secs(1);

pub async fn calls(
    server: &Arc<Server>,
    clients: usize,
    sessions: usize,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Figures> {
    ensure_clients(server, clients).await?;
    let created = server
        .http
        .post(format!("{}/api/v1/integrations/pbx", server.url))
        .bearer_auth(&server.token)
        .json(&json!({"name": "load"}))
        .send()
        .await?;
    if !created.status().is_success() {
        bail!("PBX integration not created: {}", created.status());
    }
    let created: serde_json::Value = created.json().await?;
    let webhook = format!("{}{}", server.url, created["url"].as_str().context("no webhook url")?);
    let run: Arc<str> = Arc::from(uuid::Uuid::now_v7().simple().to_string().as_str());
    let shared = Arc::new(Shared::default());
    let opened = ws::open_many(sessions, &server.ws_url(), &["calls".to_owned()], &run, &shared, false).await?;

    let total = (rate * duration.as_secs_f64()).round() as u64;
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let started = Instant::now();
    let mut sent = Vec::with_capacity(total as usize);
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        // Open loop: each call at its own time, whatever the last answer.
        let due = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due.into()).await;
        let (_, phone) = generated((n as usize * 7919) % clients.max(1));
        let from = format!("8{}", &phone[2..]);
        let call_id = marker(&run, n);
        let (http, webhook) = (server.http.clone(), webhook.clone());
        sent.push(Instant::now());
        tasks.push(tokio::spawn(async move {
            let ring = [
                ("event", "newCall"),
                ("from", from.as_str()),
                ("to", "4951234567"),
                ("direction", "in"),
                ("callId", call_id.as_str()),
            ];
            let rang = http.post(&webhook).form(&ring).send().await.map(|r| r.status().is_success()).unwrap_or(false);
            tokio::time::sleep(RING_FOR).await;
            let end = [("event", "hangup"), ("callId", call_id.as_str()), ("cause", "cancel"), ("direction", "in")];
            let ended = http.post(&webhook).form(&end).send().await.map(|r| r.status().is_success()).unwrap_or(false);
            (rang, ended)
        }));
    }
    let sending = started.elapsed();
    let mut acknowledged = Vec::with_capacity(tasks.len());
    let mut errors = 0u64;
    for task in tasks {
        let (rang, ended) = task.await.unwrap_or((false, false));
        acknowledged.push(rang);
        errors += u64::from(!rang) + u64::from(!ended);
    }
    // Every session gets its frames within a grace period.
    let expected = acknowledged.iter().filter(|a| **a).count();
    let grace = Instant::now();
    while grace.elapsed() < Duration::from_secs(10) {
        let complete = opened.iter().all(|s| crate::lock(&s.log).receipts.len() >= expected);
        if complete {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (received, lost, duplicates, latencies) = ws::tally(&opened, &acknowledged, 0..total, |n| sent[n as usize]);
    for session in &opened {
        session.close();
    }
    // The calls are all in the log, matched to their clients.
    let page = server.get_json("/api/v1/calls?result=missed&limit=500").await?;
    let items = page["items"].as_array().cloned().unwrap_or_default();
    let ours: Vec<_> =
        items.iter().filter(|c| c["call_id"].as_str().is_some_and(|id| id.contains(run.as_ref()))).collect();
    let unmatched = ours.iter().filter(|c| c["client_ids"].as_array().is_none_or(Vec::is_empty)).count();
    let summary = latencies.summary();
    println!(
        "calls: {total} calls at {rate}/s over {clients} clients to {sessions} dispatchers; {received} pop-ups, {lost} lost, {duplicates} duplicated, {errors} errors; of the last {} logged, {unmatched} unmatched",
        ours.len()
    );
    println!("  ringing → pop-up {}", summary.line());
    let mut figures = Figures::new("calls").latency(&summary);
    figures.offered_rate = Some(rate);
    figures.achieved_rate = round3(total as f64 / sending.as_secs_f64().max(0.001));
    figures.errors = errors;
    figures.lost = lost;
    figures.duplicates = duplicates;
    if unmatched > 0 {
        bail!("{unmatched} calls were not matched to their clients");
    }
    Ok(figures.with("clients", clients).with("sessions", sessions).with("calls", total))
}
