//! Live sessions: WebSocket clients that subscribe to topics, record
//! every load event they receive (by its marker, with the arrival time),
//! and, when the server goes away, reconnect and resume from the last
//! sequence number they saw.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::lock;
use crate::server::parse_marker;

/// What one session saw.
#[derive(Debug, Default)]
pub struct Log {
    /// Marker numbers of the events received, with their arrival.
    pub receipts: Vec<(u64, Instant)>,
    /// The last sequence number seen per topic (to resume from).
    pub seq: HashMap<String, i64>,
    /// Subscriptions answered "resync": the history was not enough.
    pub resyncs: u32,
    /// When the last of them came.
    pub last_resync: Option<Instant>,
    /// Error frames from the server.
    pub errors: u32,
    /// When the session was subscribed to every topic again after the
    /// last reconnect.
    pub back_at: Option<Instant>,
    pub reconnects: u32,
    /// How the server last closed the connection, if it did.
    pub closed: Option<String>,
}

/// Counters shared by all sessions of a run.
#[derive(Debug, Default)]
pub struct Shared {
    /// Sessions subscribed to all their topics (first time).
    pub ready: AtomicU64,
    /// Stop reconnecting and close.
    pub stop: AtomicBool,
}

pub struct Session {
    pub log: Arc<Mutex<Log>>,
    task: tokio::task::JoinHandle<()>,
}

impl Session {
    /// Opens a session following `topics` of load run `run`. With
    /// `reconnect`, a dropped connection is opened again (after a short,
    /// jittered pause) and resumes from the last sequence seen.
    pub fn open(url: String, topics: Vec<String>, run: Arc<str>, shared: Arc<Shared>, reconnect: bool) -> Session {
        let log = Arc::new(Mutex::new(Log::default()));
        let task = tokio::spawn(run_session(url, topics, run, shared, reconnect, log.clone()));
        Session { log, task }
    }

    pub fn close(&self) {
        self.task.abort();
    }
}

async fn run_session(
    url: String,
    topics: Vec<String>,
    run: Arc<str>,
    shared: Arc<Shared>,
    reconnect: bool,
    log: Arc<Mutex<Log>>,
) {
    let mut first = true;
    let mut pause = Duration::from_millis(50);
    while !shared.stop.load(Ordering::Relaxed) {
        let socket = match tokio_tungstenite::connect_async(url.as_str()).await {
            Ok((socket, _)) => socket,
            Err(_) if reconnect => {
                // Jittered so that thousands of clients do not knock in step.
                let jitter = Duration::from_millis(u64::from(uuid::Uuid::now_v7().as_bytes()[15]) % 50);
                tokio::time::sleep(pause + jitter).await;
                pause = (pause * 2).min(Duration::from_millis(800));
                continue;
            }
            Err(_) => {
                lock(&log).errors += 1;
                return;
            }
        };
        pause = Duration::from_millis(50);
        let (mut write, mut read) = socket.split();
        let since: Vec<Option<i64>> = {
            let log = lock(&log);
            topics.iter().map(|t| log.seq.get(t).copied()).collect()
        };
        let mut ok = true;
        for (topic, since) in topics.iter().zip(since) {
            let subscribe = json!({ "type": "subscribe", "topic": topic, "since": since }).to_string();
            if write.send(Message::Text(subscribe.into())).await.is_err() {
                ok = false;
                break;
            }
        }
        // The topics asked for and not yet acknowledged. The server also
        // acknowledges the account's own topic, which it subscribes every
        // session to unasked: that one must not count.
        let mut pending: std::collections::HashSet<&str> = topics.iter().map(String::as_str).collect();
        while ok && let Some(Ok(frame)) = read.next().await {
            let Message::Text(text) = frame else {
                if let Message::Close(close) = frame {
                    lock(&log).closed = Some(close.map_or_else(|| "closed".to_owned(), |c| c.reason.to_string()));
                    break;
                }
                continue;
            };
            let text = text.as_str();
            // Load events first and cheaply: most frames are these.
            if (text.contains("\"kind\":\"ticket.created\"")
                || text.contains("\"kind\":\"call.ringing\"")
                || text.contains("\"kind\":\"visit.arrived\""))
                && let Some(n) = parse_marker(text, &run)
            {
                let at = Instant::now();
                let mut log = lock(&log);
                log.receipts.push((n, at));
                if let Some((topic, seq)) = topic_and_seq(text) {
                    log.seq.insert(topic, seq);
                }
                continue;
            }
            let Ok(message) = serde_json::from_str::<Value>(text) else { continue };
            let mut log = lock(&log);
            match message["type"].as_str() {
                Some("event") => {
                    if let (Some(topic), Some(seq)) = (message["topic"].as_str(), message["seq"].as_i64()) {
                        log.seq.insert(topic.to_owned(), seq);
                    }
                }
                Some(kind @ ("subscribed" | "resync")) => {
                    if kind == "resync" {
                        log.resyncs += 1;
                        log.last_resync = Some(Instant::now());
                        // A reload: the snapshot is now current.
                        log.seq.remove(message["topic"].as_str().unwrap_or_default());
                        continue;
                    }
                    let topic = message["topic"].as_str().unwrap_or_default();
                    if let Some(seq) = message["seq"].as_i64() {
                        log.seq.entry(topic.to_owned()).or_insert(seq);
                    }
                    // A resync comes just before its topic's `subscribed`.
                    if !pending.remove(topic) {
                        continue;
                    }
                    if pending.is_empty() {
                        log.back_at = Some(Instant::now());
                        if first {
                            first = false;
                            shared.ready.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Some("error") => log.errors += 1,
                _ => {}
            }
        }
        if !reconnect {
            return;
        }
        lock(&log).reconnects += 1;
    }
}

/// `topic` and `seq` of an event frame without parsing the whole frame.
fn topic_and_seq(text: &str) -> Option<(String, i64)> {
    let field = |name: &str| -> Option<&str> {
        let at = text.find(name)? + name.len();
        let rest = &text[at..];
        let end = rest.find([',', '}'])?;
        Some(rest[..end].trim_matches('"'))
    };
    Some((field("\"topic\":")?.to_owned(), field("\"seq\":")?.parse().ok()?))
}

/// Opens `count` sessions, at most 200 handshakes at a time, and waits
/// (bounded) until they are all subscribed.
pub async fn open_many(
    count: usize,
    url: &str,
    topics: &[String],
    run: &Arc<str>,
    shared: &Arc<Shared>,
    reconnect: bool,
) -> anyhow::Result<Vec<Session>> {
    let mut sessions = Vec::with_capacity(count);
    for _ in 0..count {
        sessions.push(Session::open(url.to_owned(), topics.to_vec(), run.clone(), shared.clone(), reconnect));
        if sessions.len() % 200 == 0 {
            wait_ready(shared, sessions.len(), Duration::from_secs(30)).await?;
        }
    }
    wait_ready(shared, count, Duration::from_secs(60)).await?;
    Ok(sessions)
}

async fn wait_ready(shared: &Shared, count: usize, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    while shared.ready.load(Ordering::Relaxed) < count as u64 {
        if started.elapsed() > within {
            anyhow::bail!(
                "only {} of {count} sessions subscribed within {} s",
                shared.ready.load(Ordering::Relaxed),
                within.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

/// The receive buffer of a [`Frozen`] session. Left to itself the kernel
/// grows a loopback socket's buffer to megabytes, which would hide the
/// server's own queue from the test for minutes.
const FROZEN_RECV_BUFFER: u32 = 4096;

/// A session that subscribes and then stops reading: an app frozen on a
/// phone, a laptop asleep with its socket open. The server must cut it
/// once it falls too far behind, without holding up anyone else and
/// without unbounded memory for it.
pub struct Frozen {
    socket: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
}

/// What a [`Frozen`] session found when it read again.
#[derive(Debug)]
pub struct Thawed {
    /// Frames that were still on their way to it.
    pub frames: u64,
    /// How its connection ended: `None` if still open at the deadline.
    pub ended: Option<String>,
}

impl Frozen {
    /// Connects to `url` (loopback) with a small receive buffer, follows
    /// `topic`, and stops reading once the subscription is acknowledged.
    pub async fn open(url: &str, topic: &str) -> anyhow::Result<Frozen> {
        use anyhow::Context as _;
        let address = url
            .split_once("://")
            .and_then(|(_, rest)| rest.split('/').next())
            .context("a WebSocket URL without a host")?;
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.set_recv_buffer_size(FROZEN_RECV_BUFFER)?;
        let stream = socket.connect(address.parse()?).await?;
        let (mut socket, _) = tokio_tungstenite::client_async(url, stream).await?;
        let subscribe = json!({ "type": "subscribe", "topic": topic }).to_string();
        socket.send(Message::Text(subscribe.into())).await?;
        let acknowledged = tokio::time::timeout(Duration::from_secs(10), async {
            while let Some(frame) = socket.next().await {
                if let Message::Text(text) = frame?
                    && let Ok(message) = serde_json::from_str::<Value>(text.as_str())
                    && message["type"] == "subscribed"
                    && message["topic"] == topic
                {
                    return Ok(());
                }
            }
            anyhow::bail!("the server closed a frozen session before it was subscribed")
        })
        .await;
        acknowledged.context("a frozen session's subscription was not acknowledged within 10 s")??;
        Ok(Frozen { socket })
    }

    /// Reads again for at most `within`: what was still coming, and how
    /// the connection ended.
    pub async fn thaw(mut self, within: Duration) -> Thawed {
        let mut frames = 0;
        let read = tokio::time::timeout(within, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(Message::Close(close))) => {
                        return close.map_or_else(|| "closed".to_owned(), |c| format!("closed: {}", c.reason));
                    }
                    Some(Ok(_)) => frames += 1,
                    Some(Err(error)) => return format!("broken: {error}"),
                    None => return "ended without a close frame".to_owned(),
                }
            }
        })
        .await;
        Thawed { frames, ended: read.ok() }
    }
}

/// Deliveries of the markers in `range` over all sessions, an
/// acknowledged one (`acknowledged[n]`) being expected by every session:
/// (received, lost, duplicates) and the latencies from `sent(n)`.
pub fn tally(
    sessions: &[Session],
    acknowledged: &[bool],
    range: std::ops::Range<u64>,
    sent: impl Fn(u64) -> Instant,
) -> (u64, u64, u64, crate::stats::Latencies) {
    let mut latencies = crate::stats::Latencies::default();
    let (mut received, mut lost, mut duplicates) = (0u64, 0u64, 0u64);
    let mut counts = vec![0u32; acknowledged.len()];
    for session in sessions {
        counts.iter_mut().for_each(|c| *c = 0);
        let log = lock(&session.log);
        for (n, at) in log.receipts.iter().filter(|(n, _)| range.contains(n)) {
            let Some(count) = counts.get_mut(*n as usize) else { continue };
            *count += 1;
            received += 1;
            if *count == 1 {
                latencies.record(at.saturating_duration_since(sent(*n)));
            }
        }
        let (start, end) = (range.start as usize, (range.end as usize).min(counts.len()));
        for (count, acked) in counts[start..end].iter().zip(&acknowledged[start..end]) {
            if *acked && *count == 0 {
                lost += 1;
            }
            duplicates += u64::from(count.saturating_sub(1));
        }
    }
    (received, lost, duplicates, latencies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_and_seq_are_read_from_an_event_frame() {
        let frame = r#"{"type":"event","topic":"building:0192","seq":17,"kind":"ticket.created","data":{}}"#;
        assert_eq!(topic_and_seq(frame), Some(("building:0192".to_owned(), 17)));
    }
}
