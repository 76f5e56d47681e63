//! `desk`: the guard desk of a building holding many passes. The
//! building gets `--passes` passes (100,000 by default, issued through the
//! API as a concierge would, every kind, a third with plates, half with
//! phones) and a day's visits (`--visits`, 10,000 arrivals, most of them
//! gone again); then
//! - the desk's search (`GET /api/v1/passes/check`) is timed over a mix a
//!   guard types: a plate in Latin letters without the region, a PIN, a
//!   phone's last four digits, a surname, a whole name;
//! - arrivals are marked at `--rate` while `--sessions` other desks (the
//!   second guard, the concierge) follow the building: from the POST to
//!   the `visit.arrived` frame on each, every mark counted once.
//!
//! Seeding is skipped when the building already holds the last generated
//! pass, so a second run on the same server times only.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::StreamExt as _;
use serde_json::{Value, json};

use crate::pages::{generated, timed_by_kind};
use crate::server::{Server, marker};
use crate::stats::{Figures, Latencies, round3};
use crate::ws::{self, Shared};

/// Letters a Russian plate uses (their Latin look-alikes are typed).
const PLATE_LETTERS: [char; 12] = ['А', 'В', 'Е', 'К', 'М', 'Н', 'О', 'Р', 'С', 'Т', 'У', 'Х'];
const LATIN_LOOKALIKES: [char; 12] = ['A', 'B', 'E', 'K', 'M', 'H', 'O', 'P', 'C', 'T', 'Y', 'X'];

/// Requests in flight while seeding.
const SEED_CONCURRENCY: usize = 16;

/// The `i`-th plate: «А123ВС 77», unique for the first 1.7 million.
fn plate(i: usize, letters: &[char; 12]) -> String {
    let l = |k: usize| letters[(i / 1000 / 12usize.pow(k as u32)) % 12];
    format!("{}{:03}{}{} {}", l(0), i % 1000, l(1), l(2), 77 + (i / (1000 * 1728)) % 20)
}

/// The `i`-th pass as a concierge would issue it.
fn pass_body(building: &str, i: usize, until: &str) -> Value {
    let (name, _) = generated(i);
    let kind = ["guest", "permanent", "vehicle", "contractor", "delivery"][i % 5];
    let mut body = json!({"building_id": building, "kind": kind, "visitor_name": name});
    if kind == "permanent" {
        body["validity"] = json!("permanent");
    } else {
        body["validity"] = json!("period");
        body["valid_until"] = json!(until);
    }
    if i.is_multiple_of(3) || kind == "vehicle" {
        body["plate"] = json!(plate(i, &PLATE_LETTERS));
    }
    if i.is_multiple_of(2) {
        body["visitor_phone"] = json!(format!("+7998{i:07}"));
    }
    if kind == "contractor" {
        body["company"] = json!("ООО «Нагрузка»");
    }
    body
}

async fn check(server: &Server, building: &str, q: &str) -> anyhow::Result<Value> {
    let response = server
        .http
        .get(format!("{}/api/v1/passes/check", server.url))
        .query(&[("building_id", building), ("q", q)])
        .bearer_auth(&server.token)
        .timeout(Duration::from_secs(30))
        .send()
        .await?;
    if !response.status().is_success() {
        bail!("check {q:?}: {}", response.status());
    }
    Ok(response.json().await?)
}

/// Issues passes `0..count` (those missing), `SEED_CONCURRENCY` at a time;
/// the PINs of those issued now, by index.
async fn seed_passes(server: &Arc<Server>, building: &str, count: usize) -> anyhow::Result<Vec<Option<String>>> {
    let mut pins = vec![None; count];
    let (last, _) = generated(count - 1);
    let probe = check(server, building, &last).await?;
    if probe["items"].as_array().is_some_and(|items| !items.is_empty()) {
        println!("the building already holds {count} passes");
        return Ok(pins);
    }
    let until = chrono_now_plus_days(30);
    let started = Instant::now();
    let mut issued = futures_util::stream::iter(0..count)
        .map(|i| {
            let (server, body) = (server.clone(), pass_body(building, i, &until));
            async move { (i, server.post("/api/v1/passes", &body).await) }
        })
        .buffer_unordered(SEED_CONCURRENCY);
    let mut done = 0usize;
    while let Some((i, answer)) = issued.next().await {
        let (status, body) = answer?;
        if status != reqwest::StatusCode::CREATED {
            bail!("pass {i} not issued ({status}): {body}");
        }
        pins[i] = body["pin"].as_str().map(str::to_owned);
        done += 1;
        if done.is_multiple_of(10_000) {
            println!("  {done} passes issued, {:.0}/s", done as f64 / started.elapsed().as_secs_f64());
        }
    }
    println!(
        "issued {count} passes in {:.1} s ({:.0}/s)",
        started.elapsed().as_secs_f64(),
        count as f64 / started.elapsed().as_secs_f64()
    );
    Ok(pins)
}

/// 30 days from now in RFC 3339, without a time crate: the server's own
/// clock is what counts, a day either way does not matter.
fn chrono_now_plus_days(days: u64) -> String {
    let secs =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or_default()
            + days * 86_400;
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T12:00:00Z")
}

/// What [`query`] sends, by `i % 5`, and the JSON key of each one's p99.
const QUERY_KINDS: [(&str, &str); 5] = [
    ("plate, Latin", "p99_ms_plate"),
    ("PIN", "p99_ms_pin"),
    ("phone tail", "p99_ms_phone_tail"),
    ("surname", "p99_ms_surname"),
    ("whole name", "p99_ms_name"),
];

/// One search as a guard types it, for pass `n`.
fn query(i: usize, passes: usize, pins: &[String]) -> String {
    let n = i.wrapping_mul(7919) % passes.max(1);
    match i % QUERY_KINDS.len() {
        // A plated pass (every third), typed in Latin, without the region.
        0 => {
            let plated = n - n % 3;
            let typed = plate(plated, &LATIN_LOOKALIKES);
            typed.split(' ').next().unwrap_or_default().to_owned()
        }
        1 => pins.get(i % pins.len().max(1)).cloned().unwrap_or_else(|| "000000".to_owned()),
        2 => format!("{:04}", (n - n % 2) % 10_000),
        3 => generated(n).0.split(' ').next().unwrap_or_default().to_owned(),
        _ => generated(n).0,
    }
}

/// PINs of passes seeded by an earlier run: the desk's answer carries no
/// PIN, the pass itself does.
async fn read_pins(server: &Server, building: &str, passes: usize) -> anyhow::Result<Vec<String>> {
    let mut pins = Vec::new();
    for n in (0..passes).step_by((passes / 50).max(1)) {
        let found = check(server, building, &generated(n).0).await?;
        for id in found["items"].as_array().into_iter().flatten().filter_map(|p| p["id"].as_str()) {
            if let Some(pin) = server.get_json(&format!("/api/v1/passes/{id}")).await?["pin"].as_str() {
                pins.push(pin.to_owned());
            }
        }
    }
    Ok(pins)
}

#[allow(clippy::too_many_arguments)]
pub async fn desk(
    server: &Arc<Server>,
    passes: usize,
    visits: usize,
    searches: usize,
    concurrency: usize,
    sessions: usize,
    rate: f64,
    duration: Duration,
) -> anyhow::Result<Figures> {
    let building = server.building().await?;
    let seeded = seed_passes(server, &building, passes.max(1)).await?;

    // A day's visits: arrivals over the seeded passes, most gone again.
    let started = Instant::now();
    let visited = futures_util::stream::iter(0..visits)
        .map(|v| {
            let server = server.clone();
            let building = building.clone();
            async move {
                let (name, _) = generated(v.wrapping_mul(104_729) % passes.max(1));
                let found = check(&server, &building, &name).await?;
                let Some(id) = found["items"]
                    .as_array()
                    .and_then(|items| items.iter().find(|p| p["valid"] == true))
                    .and_then(|p| p["id"].as_str())
                    .map(str::to_owned)
                else {
                    return Ok::<_, anyhow::Error>(false);
                };
                let (status, _) = server.post(&format!("/api/v1/passes/{id}/arrival"), &json!({})).await?;
                if status == reqwest::StatusCode::CREATED && v % 10 != 0 {
                    server.post(&format!("/api/v1/passes/{id}/departure"), &json!({})).await?;
                }
                Ok(status == reqwest::StatusCode::CREATED)
            }
        })
        .buffer_unordered(SEED_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let arrivals = visited.into_iter().filter(|v| matches!(v, Ok(true))).count();
    println!("marked {arrivals} arrivals of {visits} visits in {:.1} s", started.elapsed().as_secs_f64());

    // The search, as guards type at the desks.
    let pins = Arc::new(match seeded.into_iter().flatten().collect::<Vec<String>>() {
        known if !known.is_empty() => known,
        _ => read_pins(server, &building, passes).await?,
    });
    let timed = {
        let (server, building, pins) = (server.clone(), building.clone(), pins.clone());
        timed_by_kind(searches, concurrency, QUERY_KINDS.len(), move |i| {
            let (server, building, q) = (server.clone(), building.clone(), query(i, passes, &pins));
            async move {
                let found = check(&server, &building, &q).await?;
                Ok(found["items"].as_array().is_some_and(|items| !items.is_empty()))
            }
        })
        .await?
    };
    println!(
        "desk search: {} searches over {passes} passes, {concurrency} at a time, {:.0}/s; {} found nothing",
        timed.overall.count, timed.rate, timed.empty
    );
    timed.print(&QUERY_KINDS);

    // Marks seen live on the other desks.
    let run: Arc<str> = Arc::from(uuid::Uuid::now_v7().simple().to_string().as_str());
    let total = (rate * duration.as_secs_f64()).round() as u64;
    let until = chrono_now_plus_days(1);
    let mut ids = Vec::with_capacity(total as usize);
    for n in 0..total {
        let body = json!({"building_id": building, "kind": "guest", "visitor_name": format!("Гость {}", marker(&run, n)),
                          "validity": "period", "valid_until": until});
        let (status, issued) = server.post("/api/v1/passes", &body).await?;
        if status != reqwest::StatusCode::CREATED {
            bail!("timed pass not issued ({status}): {issued}");
        }
        ids.push(issued["id"].as_str().context("no pass id")?.to_owned());
    }
    let shared = Arc::new(Shared::default());
    let topic = format!("building:{building}");
    let opened = ws::open_many(sessions, &server.ws_url(), &[topic], &run, &shared, false).await?;
    let interval = Duration::from_secs_f64(1.0 / rate.max(0.001));
    let marks_started = Instant::now();
    let mut sent = Vec::with_capacity(ids.len());
    let mut tasks = Vec::with_capacity(ids.len());
    for (n, id) in ids.iter().enumerate() {
        tokio::time::sleep_until((marks_started + interval.mul_f64(n as f64)).into()).await;
        let (server, id) = (server.clone(), id.clone());
        sent.push(Instant::now());
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let ok = matches!(server.post(&format!("/api/v1/passes/{id}/arrival"), &json!({})).await,
                Ok((status, _)) if status == reqwest::StatusCode::CREATED);
            (ok, sent.elapsed())
        }));
    }
    let mut acknowledged = Vec::with_capacity(tasks.len());
    let mut mark_times = Latencies::default();
    for task in tasks {
        let (ok, took) = task.await.unwrap_or((false, Duration::ZERO));
        acknowledged.push(ok);
        if ok {
            mark_times.record(took);
        }
    }
    let expected = acknowledged.iter().filter(|a| **a).count();
    let grace = Instant::now();
    while grace.elapsed() < Duration::from_secs(10)
        && !opened.iter().all(|s| crate::lock(&s.log).receipts.len() >= expected)
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (received, lost, duplicates, latencies) = ws::tally(&opened, &acknowledged, 0..total, |n| sent[n as usize]);
    for session in &opened {
        session.close();
    }
    // Out again, so that a second run finds the building as it was.
    for id in &ids {
        server.post(&format!("/api/v1/passes/{id}/departure"), &json!({})).await?;
    }
    let errors = acknowledged.iter().filter(|a| !**a).count() as u64;
    let live = latencies.summary();
    let marks = mark_times.summary();
    println!(
        "desk marks: {total} arrivals at {rate}/s seen by {sessions} other desks; {received} frames, {lost} lost, {duplicates} duplicated, {errors} errors"
    );
    println!("  mark → other desk {}", live.line());
    println!("  mark answered     {}", marks.line());

    let mut figures = Figures::new("desk").latency(&live);
    figures.offered_rate = Some(rate);
    figures.achieved_rate = round3(total as f64 / marks_started.elapsed().as_secs_f64().max(0.001));
    figures.errors = errors;
    figures.lost = lost;
    figures.duplicates = duplicates;
    let figures = figures
        .with("passes", passes)
        .with("visits_marked", arrivals)
        .with("sessions", sessions)
        .with("search_count", timed.overall.count)
        .with("search_p50_ms", round3(timed.overall.p50))
        .with("search_p99_ms", round3(timed.overall.p99))
        .with("search_empty", timed.empty)
        .with("mark_p99_ms", round3(marks.p99));
    Ok(timed.figures(figures, &QUERY_KINDS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plates_are_unique_and_typed_in_latin() {
        assert_eq!(plate(0, &PLATE_LETTERS), "А000АА 77");
        assert_eq!(plate(1_234, &LATIN_LOOKALIKES), "B234AA 77");
        let many: std::collections::HashSet<String> = (0..100_000).map(|i| plate(i, &PLATE_LETTERS)).collect();
        assert_eq!(many.len(), 100_000);
    }

    #[test]
    fn the_date_thirty_days_on_is_a_date() {
        let date = chrono_now_plus_days(30);
        assert_eq!(date.len(), 20, "{date}");
        assert!(date.starts_with("20") && date.ends_with("T12:00:00Z"), "{date}");
    }
}
