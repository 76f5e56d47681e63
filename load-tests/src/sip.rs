//! `sip`: the SIP listener under SIPp. SIPp plays the PBX that forks
//! incoming calls to Domovoy (the repository's `tests/sip/ring_cancel.xml`):
//! INVITE at --rate for --duration from numbers of the generated clients
//! (written the way a PBX sends them, `8999…`), each cancelled --ring-ms
//! later. Dispatcher sessions follow the `calls` topic.
//!
//! Measured: INVITE → `call.ringing` frame with the caller matched on every
//! session (the INVITE's send time from SIPp's message trace, in UTC; the
//! frame's arrival here; one clock), INVITE → 180 as the PBX sees it, and
//! whether every call is accounted for: each INVITE got 100/180, each
//! CANCEL 200 and 487, and each call is stored once and ended missed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail};

use crate::pages::{ensure_clients, generated};
use crate::server::{Server, parse_marker};
use crate::stats::{Figures, Latencies, round3};
use crate::ws::{self, Shared};

/// How the scenario reaches the listener and SIPp.
pub struct SipRun<'a> {
    /// The listener (`127.0.0.1:PORT`).
    pub listener: &'a str,
    pub sipp: &'a Path,
    pub clients: usize,
    pub sessions: usize,
    pub rate: f64,
    pub duration: Duration,
    pub ring: Duration,
}

/// The scenario file, in the repository beside this crate.
fn scenario_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/sip/ring_cancel.xml")
}

pub async fn sip(server: &Arc<Server>, run_with: &SipRun<'_>) -> anyhow::Result<Figures> {
    let listener = run_with.listener;
    if !listener.starts_with("127.0.0.1:") {
        bail!("load tests address this machine only (the listener at 127.0.0.1:…)");
    }
    ensure_clients(server, run_with.clients).await?;
    let run: Arc<str> = Arc::from(uuid::Uuid::now_v7().simple().to_string().as_str());
    let shared = Arc::new(Shared::default());
    let opened =
        ws::open_many(run_with.sessions, &server.ws_url(), &["calls".to_owned()], &run, &shared, false).await?;

    let total = (run_with.rate * run_with.duration.as_secs_f64()).round().max(1.0) as u64;
    let dir = std::env::temp_dir().join(format!("domovoy-load-sip-{run}"));
    std::fs::create_dir_all(&dir)?;
    // SIPp numbers its calls from 1: the callers file and the markers too.
    let mut callers = String::from("SEQUENTIAL\n");
    for n in 1..=total {
        let (_, phone) = generated((n as usize * 7919) % run_with.clients.max(1));
        callers.push_str(&format!("8{};\n", &phone[2..]));
    }
    let callers_file = dir.join("callers.csv");
    std::fs::write(&callers_file, callers)?;
    let trace = dir.join("messages.log");
    let port = std::net::UdpSocket::bind("127.0.0.1:0")?.local_addr()?.port();
    let limit = run_with.duration + Duration::from_secs(60);
    let mut command = tokio::process::Command::new(run_with.sipp);
    command
        .arg(listener)
        .arg("-sf")
        .arg(scenario_file())
        .arg("-inf")
        .arg(&callers_file)
        .args(["-t", "u1", "-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-m", &total.to_string(), "-r", &round3(run_with.rate).to_string()])
        .args(["-d", &run_with.ring.as_millis().to_string()])
        .args(["-key", "reason", "Q.850;cause=16"])
        .args(["-cid_str", &format!("#k{run}:%u#")])
        .args(["-recv_timeout", "10000", "-timeout", &format!("{}s", limit.as_secs()), "-timeout_error"])
        .args(["-trace_msg", "-message_file"])
        .arg(&trace)
        .args(["-nostdin", "-nd"])
        // The trace's times in UTC, read back below.
        .env("TZ", "UTC")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    let (anchor_instant, anchor_system) = (Instant::now(), SystemTime::now());
    let started = Instant::now();
    let output = tokio::time::timeout(limit + Duration::from_secs(10), command.output())
        .await
        .context("SIPp did not finish in time")?
        .with_context(|| format!("cannot run {} (apt-get install sip-tester)", run_with.sipp.display()))?;
    let elapsed = started.elapsed();
    let sipp_ok = output.status.success();
    if !sipp_ok {
        let stderr = String::from_utf8_lossy(&output.stderr);
        println!("sip: SIPp reported failed calls ({}): {}", output.status, stderr.trim());
    }

    let calls = read_trace(&std::fs::read_to_string(&trace).context("SIPp's message trace")?, &run);
    let to_instant = |at: SystemTime| match at.duration_since(anchor_system) {
        Ok(after) => anchor_instant + after,
        Err(before) => anchor_instant.checked_sub(before.duration()).unwrap_or(anchor_instant),
    };
    let mut sent = vec![anchor_instant; total as usize + 1];
    let mut acknowledged = vec![false; total as usize + 1];
    let mut to_ringing = Latencies::default();
    let mut unanswered = 0u64;
    for n in 1..=total {
        match calls.get(&n) {
            Some(call) => {
                sent[n as usize] = to_instant(call.invite);
                acknowledged[n as usize] = true;
                match call.ringing {
                    Some(ringing) => to_ringing.record(ringing.duration_since(call.invite).unwrap_or_default()),
                    None => unanswered += 1,
                }
                unanswered += u64::from(!call.terminated);
            }
            None => unanswered += 1,
        }
    }

    let expected = acknowledged.iter().filter(|a| **a).count();
    let grace = Instant::now();
    while grace.elapsed() < Duration::from_secs(10) {
        if opened.iter().all(|s| crate::lock(&s.log).receipts.len() >= expected) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (received, lost, duplicates, latencies) = ws::tally(&opened, &acknowledged, 1..total + 1, |n| sent[n as usize]);
    for session in &opened {
        session.close();
    }
    let (stored, missed, unmatched) = stored_calls(server, &run).await?;
    let _ = std::fs::remove_dir_all(&dir);

    let summary = latencies.summary();
    let ringing = to_ringing.summary();
    println!(
        "sip: {total} INVITEs at {}/s to {} dispatchers; {received} pop-ups, {lost} lost, {duplicates} duplicated; \
         {unanswered} without 180 or 487; stored {stored}, missed {missed}, unmatched {unmatched}",
        run_with.rate, run_with.sessions
    );
    println!("  INVITE → pop-up {}", summary.line());
    println!("  INVITE → 180 (the PBX's view) {}", ringing.line());
    let mut figures = Figures::new("sip").latency(&summary);
    figures.offered_rate = Some(run_with.rate);
    figures.achieved_rate = round3(total as f64 / elapsed.saturating_sub(run_with.ring).as_secs_f64().max(0.001));
    let unstored = total.saturating_sub(missed);
    figures.errors = unanswered + unstored + u64::from(!sipp_ok);
    figures.lost = lost;
    figures.duplicates = duplicates + stored.saturating_sub(total);
    if unmatched > 0 {
        bail!("{unmatched} calls were not matched to their clients");
    }
    Ok(figures
        .with("clients", run_with.clients)
        .with("sessions", run_with.sessions)
        .with("calls", total)
        .with("stored_missed", missed)
        .with("invite_to_180_p50_ms", round3(ringing.p50))
        .with("invite_to_180_p99_ms", round3(ringing.p99)))
}

/// One call as SIPp's trace tells it.
#[derive(Debug)]
struct Traced {
    invite: SystemTime,
    ringing: Option<SystemTime>,
    /// The INVITE ended with 487 (the CANCEL was honoured).
    terminated: bool,
}

/// Reads SIPp's message trace: blocks headed by a line of dashes and the
/// time (`2026-12-05 01:45:13.828068`, UTC), then the direction, then the
/// message. The first INVITE sent of each call, its first 180 and its 487.
fn read_trace(text: &str, run: &str) -> HashMap<u64, Traced> {
    let mut calls: HashMap<u64, Traced> = HashMap::new();
    for block in text.split("-----------------------------------------------").skip(1) {
        let mut lines = block.lines();
        let Some(at) = lines.next().and_then(|l| parse_time(l.trim())) else { continue };
        let Some(direction) = lines.next() else { continue };
        let sent = direction.contains("message sent");
        let mut start = None;
        let mut n = None;
        for line in lines {
            let line = line.trim();
            if line.is_empty() && start.is_none() {
                continue;
            }
            if start.is_none() {
                start = Some(line.to_owned());
            } else if let Some(id) = line.strip_prefix("Call-ID:") {
                n = parse_marker(id.trim(), run);
                break;
            }
        }
        let (Some(start), Some(n)) = (start, n) else { continue };
        if sent && start.starts_with("INVITE ") {
            calls.entry(n).or_insert(Traced { invite: at, ringing: None, terminated: false });
        } else if !sent && start.starts_with("SIP/2.0 180") {
            if let Some(call) = calls.get_mut(&n) {
                call.ringing.get_or_insert(at);
            }
        } else if !sent
            && start.starts_with("SIP/2.0 487")
            && let Some(call) = calls.get_mut(&n)
        {
            call.terminated = true;
        }
    }
    calls
}

fn parse_time(line: &str) -> Option<SystemTime> {
    let at = chrono::NaiveDateTime::parse_from_str(line, "%Y-%m-%d %H:%M:%S%.f").ok()?.and_utc();
    let micros = u64::try_from(at.timestamp_micros()).ok()?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_micros(micros))
}

/// The run's calls in the log: stored, ended missed, left unmatched.
async fn stored_calls(server: &Server, run: &str) -> anyhow::Result<(u64, u64, u64)> {
    let (mut stored, mut missed, mut unmatched) = (0u64, 0u64, 0u64);
    let mut cursor: Option<String> = None;
    // Bounded: 500 a page, at most 1,000 pages.
    for _ in 0..1_000 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/calls?limit=500&cursor={}", crate::pages::encode(c)),
            None => "/api/v1/calls?limit=500".to_owned(),
        };
        let page = server.get_json(&path).await?;
        for call in page["items"].as_array().into_iter().flatten() {
            if !call["call_id"].as_str().is_some_and(|id| id.contains(run)) {
                continue;
            }
            stored += 1;
            missed += u64::from(call["result"] == "missed");
            unmatched += u64::from(call["client_ids"].as_array().is_none_or(Vec::is_empty));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    Ok((stored, missed, unmatched))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trace_gives_each_call_its_invite_ringing_and_end() {
        let trace = "----------------------------------------------- 2026-12-05 01:45:13.828068\n\
            UDP message sent (392 bytes):\n\nINVITE sip:dispatch@127.0.0.1:5071 SIP/2.0\n\
            Via: SIP/2.0/UDP 127.0.0.1:15060;branch=z9hG4bK-1\nCall-ID: #kabc:1#\nCSeq: 1 INVITE\n\n\
            ----------------------------------------------- 2026-12-05 01:45:13.830719\n\
            UDP message received [269] bytes :\n\nSIP/2.0 180 Ringing\nCall-ID: #kabc:1#\n\n\
            ----------------------------------------------- 2026-12-05 01:45:14.900000\n\
            UDP message received [269] bytes :\n\nSIP/2.0 487 Request Terminated\nCall-ID: #kabc:1#\n\n\
            ----------------------------------------------- 2026-12-05 01:45:13.900000\n\
            UDP message sent (392 bytes):\n\nINVITE sip:x SIP/2.0\nCall-ID: #kother:2#\n\n";
        let calls = read_trace(trace, "abc");
        assert_eq!(calls.len(), 1, "another run's calls are not ours");
        let call = &calls[&1];
        let ringing = call.ringing.unwrap().duration_since(call.invite).unwrap();
        assert_eq!(ringing, Duration::from_micros(2651));
        assert!(call.terminated);
    }
}
