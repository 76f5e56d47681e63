//! `mailing`: one emergency notice by e-mail to `--recipients` residents,
//! through the outbox to an SMTP server of our own.
//!
//! The building gets a layout with a flat per recipient and the residents
//! come in through the billing import (name, e-mail, flat, owner). The
//! mailing is written (the audience resolved and counted: `resolve_s`) and
//! sent (resolved again, every delivery row and letter queued in one
//! transaction: `queue_s`, the issue's ≤ 2 s); the stand-in SMTP server
//! counts what arrives per recipient. With `--kills N` the server is
//! SIGKILLed N times while letters go out and started again.
//!
//! Lost: a recipient never written to. Duplicated: a recipient who got two
//! *different* letters (two `Message-ID`s). A letter handed to the SMTP
//! server but not yet marked sent when the process died is sent again with
//! the same `Message-ID` (the receiving server and the reader's mail client
//! see one letter): reported as `resent`, the outbox's at-least-once
//! window, bounded by one batch per kill.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::json;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpListener;

use crate::server::{Server, Spawned};
use crate::stats::{Figures, round3};

/// How long the letters may take before the missing are counted.
const DRAIN_LIMIT: Duration = Duration::from_secs(600);
/// The largest letter the stand-in server keeps reading (a mailing is text).
const MAX_LETTER: usize = 256 * 1024;
/// Flats per floor and floors per section of the generated layout.
const PER_FLOOR: usize = 40;
const FLOORS: usize = 25;

/// What the stand-in SMTP server received.
#[derive(Default)]
pub struct Received {
    /// Recipient → the `Message-ID`s of the letters they got, with counts.
    letters: HashMap<String, HashMap<String, u32>>,
    total: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

pub type Inbox = Arc<Mutex<Received>>;

/// A minimal SMTP server on `listen` (EHLO, MAIL, RCPT, DATA, RSET, NOOP,
/// QUIT) that records each letter's recipients and `Message-ID`. Answers
/// its address.
pub async fn smtp_sink(listen: &str, inbox: Inbox) -> anyhow::Result<std::net::SocketAddr> {
    let listener = TcpListener::bind(listen).await.with_context(|| format!("the SMTP sink on {listen}"))?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let inbox = inbox.clone();
            tokio::spawn(async move {
                let _ = session(socket, inbox).await;
            });
        }
    });
    Ok(address)
}

async fn session(socket: tokio::net::TcpStream, inbox: Inbox) -> std::io::Result<()> {
    let (read, mut write) = socket.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 sink.load ESMTP\r\n").await?;
    let mut rcpt: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let answer: &[u8] = if command.starts_with("EHLO") {
            b"250-sink.load\r\n250 8BITMIME\r\n"
        } else if command.starts_with("HELO") || command.starts_with("MAIL") || command.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if command.starts_with("RSET") {
            rcpt.clear();
            b"250 OK\r\n"
        } else if command.starts_with("RCPT") {
            let to = line.trim_end();
            let address = to.find('<').and_then(|s| to[s + 1..].find('>').map(|e| to[s + 1..s + 1 + e].to_owned()));
            rcpt.push(address.unwrap_or_default().to_ascii_lowercase());
            b"250 OK\r\n"
        } else if command == "DATA" {
            write.write_all(b"354 go on\r\n").await?;
            let mut message_id = String::new();
            let mut size = 0usize;
            loop {
                line.clear();
                if lines.read_line(&mut line).await? == 0 {
                    return Ok(());
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                size += line.len();
                if size > MAX_LETTER {
                    write.write_all(b"552 too big\r\n").await?;
                    return Ok(());
                }
                if message_id.is_empty() && line.to_ascii_lowercase().starts_with("message-id:") {
                    message_id = line["message-id:".len()..].trim().to_owned();
                }
            }
            let now = Instant::now();
            {
                let mut inbox = crate::lock(&inbox);
                for to in rcpt.drain(..) {
                    *inbox.letters.entry(to).or_default().entry(message_id.clone()).or_default() += 1;
                    inbox.total += 1;
                }
                inbox.first.get_or_insert(now);
                inbox.last = Some(now);
            }
            b"250 queued\r\n"
        } else if command.starts_with("QUIT") {
            write.write_all(b"221 bye\r\n").await?;
            return Ok(());
        } else {
            b"502 not here\r\n"
        };
        write.write_all(answer).await?;
    }
}

fn address(i: usize) -> String {
    format!("resident{i:06}@load.demo")
}

/// Gives `building` a layout of at least `flats` apartments when it has
/// none; refuses a building whose layout is smaller.
pub async fn ensure_layout(server: &Server, building: &str, flats: usize) -> anyhow::Result<()> {
    let board = server.get_json(&format!("/api/v1/buildings/{building}/chessboard")).await?;
    let units = board["units"].as_u64().unwrap_or(0) as usize;
    if units == 0 {
        let sections = flats.div_ceil(PER_FLOOR * FLOORS).max(1);
        let spec = json!({"sections": sections, "kind": "entrance", "first_floor": 2, "last_floor": FLOORS + 1,
                          "units_per_floor": PER_FLOOR, "unit_kind": "apartment", "first_number": 1});
        let (status, answer) = server.post(&format!("/api/v1/buildings/{building}/layout/generate"), &spec).await?;
        if !status.is_success() {
            bail!("layout not generated: {status} {answer}");
        }
    } else if units < flats {
        bail!("the first building has {units} units, fewer than the {flats} needed: use a fresh server (--spawn)");
    }
    Ok(())
}

/// The building (its layout generated when it has none) and `recipients`
/// residents with e-mail, one per flat, imported when missing.
async fn residents(server: &Server, recipients: usize) -> anyhow::Result<String> {
    let building = server.building().await?;
    ensure_layout(server, &building, recipients).await?;
    let probe =
        server.get_json(&format!("/api/v1/search?q={}", crate::pages::encode(&address(recipients - 1)))).await?;
    if probe["clients"].as_array().is_none_or(Vec::is_empty) {
        println!("importing {recipients} residents with e-mail through the billing import…");
        let mut csv = String::from("Код клиента;ФИО;E-mail;Квартира;Роль\n");
        for i in 0..recipients {
            let (name, _) = crate::pages::generated(i);
            csv.push_str(&format!("MAIL-{i:07};{name};{};{};собственник\n", address(i), i + 1));
        }
        crate::pages::import_clients(server, csv, Some(&building)).await?;
    }
    Ok(building)
}

pub async fn mailing(
    server: &Server,
    mut spawned: Option<&mut Spawned>,
    inbox: Inbox,
    recipients: usize,
    kills: usize,
) -> anyhow::Result<Figures> {
    if recipients == 0 {
        bail!("--recipients must be at least 1");
    }
    if kills > 0 && spawned.is_none() {
        bail!("--kills needs --spawn (the server is killed and started again)");
    }
    let building = residents(server, recipients).await?;
    let run = uuid::Uuid::now_v7().simple().to_string();
    let body = json!({
        "title": format!("Авария на тепловой сети ({run})"),
        "body": "{{ name }}, в доме {{ building }} отключено отопление. Аварийная бригада работает, ориентировочно до 20:00.",
        "kind": "emergency",
        "channels": ["email"],
        "audience": {"building_ids": [building]},
    });
    let started = Instant::now();
    let (status, created) = server.post("/api/v1/mailings", &body).await?;
    let resolve = started.elapsed();
    if status != reqwest::StatusCode::CREATED {
        bail!("the mailing was not written: {status} {created}");
    }
    let reached = created["reached"]["email"].as_u64().unwrap_or(0) as usize;
    if reached < recipients {
        bail!("the mailing reaches {reached} by e-mail, fewer than {recipients}: {created}");
    }
    let id = created["id"].as_str().context("no mailing id")?.to_owned();
    let expected: HashSet<String> = (0..recipients).map(address).collect();
    println!("written for {} recipients in {:.2} s; sending…", created["audience_size"], resolve.as_secs_f64());

    let started = Instant::now();
    let (status, answer) = server.post(&format!("/api/v1/mailings/{id}/send"), &json!({})).await?;
    let queue = started.elapsed();
    if status != reqwest::StatusCode::ACCEPTED {
        bail!("the mailing was not sent: {status} {answer}");
    }
    println!("queued in {:.2} s; waiting for the letters…", queue.as_secs_f64());

    let total = reached as u64;
    let mut kills_left = kills;
    let mut back_after = Vec::new();
    let deadline = Instant::now() + DRAIN_LIMIT;
    let mut last_seen = 0;
    loop {
        let seen = crate::lock(&inbox).letters.keys().filter(|k| expected.contains(*k)).count() as u64;
        if seen >= expected.len() as u64 || Instant::now() > deadline {
            break;
        }
        // Kills spread over the sending: the next at its share of the letters.
        let due = kills_left > 0 && seen * (kills as u64 + 1) >= total * (kills - kills_left + 1) as u64;
        if due && let Some(spawned) = spawned.as_deref_mut() {
            println!("  SIGKILL at {seen} of {total} letters");
            spawned.kill()?;
            back_after.push(spawned.restart().await?);
            kills_left -= 1;
        }
        if seen != last_seen {
            println!("  {seen} of {total} received after {:.1} s", started.elapsed().as_secs_f64());
            last_seen = seen;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Every letter received is not every letter marked sent: after a kill,
    // what the dead process had claimed waits for its lease to run out and
    // goes again. Wait for the mailing's own count, then a moment more for
    // any letter sent twice.
    let mut counts = server.get_json(&format!("/api/v1/mailings/{id}")).await?;
    while counts["counts"]["queued"].as_u64() != Some(0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(500)).await;
        counts = server.get_json(&format!("/api/v1/mailings/{id}")).await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;

    let inbox = std::mem::take(&mut *crate::lock(&inbox));
    let lost = expected.iter().filter(|a| !inbox.letters.contains_key(*a)).count() as u64;
    let duplicates: u64 = inbox.letters.values().map(|ids| ids.len().saturating_sub(1) as u64).sum();
    let resent: u64 = inbox.letters.values().flat_map(HashMap::values).map(|n| u64::from(n.saturating_sub(1))).sum();
    let drained = inbox.last.map_or(Duration::ZERO, |last| last.duration_since(started));
    let rate = if drained.is_zero() { 0.0 } else { inbox.total as f64 / drained.as_secs_f64() };
    println!(
        "{} letters to {} recipients in {:.1} s ({rate:.0}/s): {lost} never reached, {duplicates} got a second, different letter, {resent} resent with the same Message-ID; the mailing says {}",
        inbox.total,
        inbox.letters.len(),
        drained.as_secs_f64(),
        counts["counts"],
    );
    let mut figures = Figures::new("mailing");
    // The mailing's own report agrees with what the SMTP server got.
    if counts["counts"]["sent"].as_u64() != Some(total) || counts["counts"]["queued"].as_u64() != Some(0) {
        figures.errors += 1;
    }
    figures.achieved_rate = round3(rate);
    figures.deliveries_per_s = Some(round3(rate));
    figures.lost = lost;
    figures.duplicates = duplicates;
    figures.max_ms = round3(queue.as_secs_f64() * 1000.0);
    if let Some(worst) = back_after.iter().max() {
        figures.back_after_s = Some(round3(worst.as_secs_f64()));
    }
    Ok(figures
        .with("recipients", recipients as u64)
        .with("letters", inbox.total)
        .with("resent", resent)
        .with("kills", kills as u64)
        .with("resolve_s", round3(resolve.as_secs_f64()))
        .with("queue_s", round3(queue.as_secs_f64()))
        .with("drain_s", round3(drained.as_secs_f64()))
        .with("counts", counts["counts"].clone()))
}
