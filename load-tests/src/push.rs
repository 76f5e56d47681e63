//! `push`: notifications through the outbox to a Web Push service.
//!
//! A local push service (HTTP on loopback, as `push.allow_http_endpoints`
//! admits) stands in for the browsers' ones. The load account registers
//! `--devices` browsers (real P-256 keys, so the server encrypts every
//! payload as for a phone), then `--tickets` tickets are given to it: each
//! assignment is one notice to each device, `tickets × devices` pushes
//! (10,000 by default), all written to the outbox in their assignments'
//! transactions. The service counts what arrives per device and per Web
//! Push `Topic` (one per ticket and kind): lost is a (device, ticket) pair
//! never heard, duplicated one heard twice. The rate is pushes delivered
//! per second from the first assignment to the last push heard.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use anyhow::{Context as _, bail};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SecureRandom as _;
use serde_json::json;

use crate::server::Server;
use crate::stats::{Figures, Latencies, round3};
use crate::sync::bounded;

/// How long the pushes may take to drain before the missing are counted.
const DRAIN_LIMIT: Duration = Duration::from_secs(300);

/// What the stand-in push service heard.
#[derive(Default)]
struct Heard {
    /// (device, topic) → times heard.
    pairs: HashMap<(String, String), u32>,
    total: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

type Shared = Arc<Mutex<Heard>>;

async fn receive(req: HttpRequest, device: web::Path<String>, heard: web::Data<Shared>) -> HttpResponse {
    let topic = req.headers().get("topic").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let now = Instant::now();
    let mut heard = heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    *heard.pairs.entry((device.into_inner(), topic)).or_default() += 1;
    heard.total += 1;
    heard.first.get_or_insert(now);
    heard.last = Some(now);
    HttpResponse::Created().finish()
}

/// Starts the stand-in push service on a loopback port of its own thread.
fn push_service(heard: Shared) -> anyhow::Result<(String, actix_web::dev::ServerHandle)> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let system = actix_web::rt::System::new();
        system.block_on(async move {
            let data = web::Data::new(heard);
            let server = HttpServer::new(move || {
                App::new()
                    .app_data(data.clone())
                    .app_data(web::PayloadConfig::new(8 * 1024))
                    .route("/push/{device}", web::post().to(receive))
            })
            .workers(1)
            .bind("127.0.0.1:0");
            match server {
                Ok(server) => {
                    let address = server.addrs()[0];
                    let running = server.run();
                    let _ = tx.send(Ok((format!("http://{address}"), running.handle())));
                    let _ = running.await;
                }
                Err(error) => {
                    let _ = tx.send(Err(error));
                }
            }
        });
    });
    Ok(rx.recv().context("the push service did not start")??)
}

/// A browser's subscription keys: a P-256 public key and an auth secret.
fn subscription_keys(rng: &ring::rand::SystemRandom) -> anyhow::Result<(String, String)> {
    let private = ring::agreement::EphemeralPrivateKey::generate(&ring::agreement::ECDH_P256, rng)
        .map_err(|_| anyhow::anyhow!("no P-256 key"))?;
    let public = private.compute_public_key().map_err(|_| anyhow::anyhow!("no public key"))?;
    let mut auth = [0u8; 16];
    rng.fill(&mut auth).map_err(|_| anyhow::anyhow!("no randomness"))?;
    Ok((URL_SAFE_NO_PAD.encode(public.as_ref()), URL_SAFE_NO_PAD.encode(auth)))
}

pub async fn push(server: &Server, devices: usize, tickets: usize) -> anyhow::Result<Figures> {
    if devices == 0 || tickets == 0 {
        bail!("--devices and --tickets must be at least 1");
    }
    let heard: Shared = Arc::default();
    let (service, handle) = push_service(heard.clone())?;
    let building = server.building().await?;
    let me = server.get_json("/api/v1/me").await?;
    let me = me["user"]["id"].as_str().context("no user id in /api/v1/me")?.to_owned();
    let expected = devices * tickets;
    println!(
        "registering {devices} browsers at {service}, then giving {tickets} tickets to their person ({expected} pushes)…"
    );
    let rng = ring::rand::SystemRandom::new();
    let keys: Vec<(String, String)> = (0..devices).map(|_| subscription_keys(&rng)).collect::<anyhow::Result<_>>()?;
    bounded(devices, |i| {
        let (p256dh, auth) = keys[i].clone();
        let endpoint = format!("{service}/push/{i}");
        async move {
            let body = json!({"platform": "webpush", "app_version": "load",
                              "subscription": {"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}});
            let (status, answer) = server.post("/api/v1/devices", &body).await?;
            if status != reqwest::StatusCode::CREATED {
                bail!("registering a browser: {status} {answer}");
            }
            Ok(())
        }
    })
    .await?;
    let ids: Vec<String> = bounded(tickets, |i| {
        let building = building.clone();
        async move {
            let body = json!({"building_id": building, "description": format!("Нагрузка уведомлений, заявка {i}"), "source": "staff"});
            server.new_ticket(&body).await
        }
    })
    .await?;

    // The assignments: each answer comes after its pushes are in the outbox.
    let started = Instant::now();
    let mut assigning = Latencies::default();
    let timings: Vec<Duration> = bounded(tickets, |i| {
        let (id, me) = (ids[i].clone(), me.clone());
        async move {
            let sent = Instant::now();
            server.assign(&id, &me).await?;
            Ok(sent.elapsed())
        }
    })
    .await?;
    for took in timings {
        assigning.record(took);
    }
    let enqueued = started.elapsed();
    println!("{tickets} assignments answered in {:.2} s; waiting for the pushes…", enqueued.as_secs_f64());

    let deadline = Instant::now() + DRAIN_LIMIT;
    let mut last_total = 0;
    loop {
        let total = heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner).total;
        if total as usize >= expected || Instant::now() > deadline {
            break;
        }
        if total != last_total {
            println!("  {total} of {expected} heard after {:.1} s", started.elapsed().as_secs_f64());
            last_total = total;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // A moment more, for any push sent twice.
    tokio::time::sleep(Duration::from_secs(2)).await;
    handle.stop(true).await;

    let heard = std::mem::take(&mut *heard.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    let per_device = (0..devices).map(|d| d.to_string());
    let mut lost = 0u64;
    for device in per_device {
        let topics = heard.pairs.keys().filter(|(d, _)| *d == device).count();
        lost += (tickets.saturating_sub(topics)) as u64;
    }
    let duplicates: u64 = heard.pairs.values().map(|n| u64::from(n.saturating_sub(1))).sum();
    let drained = heard.last.map_or(Duration::ZERO, |last| last.duration_since(started));
    let rate = if drained.is_zero() { 0.0 } else { heard.total as f64 / drained.as_secs_f64() };
    let notifications = server.get_json("/api/v1/notifications?limit=1").await?;
    println!(
        "heard {} of {expected} pushes ({} lost, {} twice) in {:.2} s: {:.0} pushes/s; first after {:.0} ms",
        heard.total,
        lost,
        duplicates,
        drained.as_secs_f64(),
        rate,
        heard.first.map_or(0.0, |f| f.duration_since(started).as_secs_f64() * 1000.0),
    );
    let summary = assigning.summary();
    println!("assignment answers: p50 {:.1} ms, p99 {:.1} ms", summary.p50, summary.p99);
    let mut figures = Figures::new("push").latency(&summary);
    figures.achieved_rate = round3(rate);
    figures.lost = lost;
    figures.duplicates = duplicates;
    Ok(figures
        .with("pushes", heard.total)
        .with("expected", expected as u64)
        .with("devices", devices as u64)
        .with("tickets", tickets as u64)
        .with("drain_s", round3(drained.as_secs_f64()))
        .with("enqueue_s", round3(enqueued.as_secs_f64()))
        .with("unread_after", notifications["unread"].clone()))
}
