//! The baselines numbers are read against, measured in the same run:
//! - a minimal WebSocket broadcast server (no auth, no storage, no
//!   ordering or replay): every text frame a client sends that starts with
//!   `pub:` goes to every connected client; it runs as its own process
//!   (`domovoy-load baseline-server`), as our server does;
//! - the raw durable insert+commit rate of one ticket-sized row per
//!   transaction, through sqlx, on the same database engine and disk.

use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use sqlx::Connection as _;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::Latencies;

/// Runs the broadcast server until killed.
pub async fn broadcast_server(listen: &str) -> anyhow::Result<()> {
    let listener = TcpListener::bind(listen).await?;
    let (tx, _) = broadcast::channel::<Message>(4096);
    loop {
        let (stream, _) = listener.accept().await?;
        let tx = tx.clone();
        tokio::spawn(async move {
            let Ok(socket) = tokio_tungstenite::accept_async(stream).await else { return };
            let (mut write, mut read) = socket.split();
            let mut rx = tx.subscribe();
            loop {
                tokio::select! {
                    frame = read.next() => match frame {
                        Some(Ok(Message::Text(text))) => {
                            if let Some(body) = text.as_str().strip_prefix("pub:") {
                                let _ = tx.send(Message::Text(body.into()));
                            } else if text.as_str().contains("\"subscribe\"") {
                                let ack = r#"{"type":"subscribed","topic":"baseline","seq":0}"#;
                                if write.send(Message::Text(ack.into())).await.is_err() {
                                    return;
                                }
                            }
                        }
                        Some(Ok(_)) => {}
                        _ => return,
                    },
                    message = rx.recv() => match message {
                        Ok(message) => {
                            if write.send(message).await.is_err() {
                                return;
                            }
                        }
                        // Too slow a reader misses frames: counted as lost by the client.
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                }
            }
        });
    }
}

/// The broadcast server as a child process on a free port.
pub struct BroadcastServer {
    pub url: String,
    child: std::process::Child,
}

impl BroadcastServer {
    pub async fn spawn() -> anyhow::Result<BroadcastServer> {
        let port = crate::server::free_port()?;
        let child = std::process::Command::new(std::env::current_exe()?)
            .args(["baseline-server", "--listen", &format!("127.0.0.1:{port}")])
            .spawn()?;
        let url = format!("ws://127.0.0.1:{port}/ws");
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(BroadcastServer { url, child });
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        anyhow::bail!("the baseline broadcast server did not start")
    }

    pub fn proc(&self) -> crate::server::Proc {
        crate::server::Proc(self.child.id())
    }
}

impl Drop for BroadcastServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A publisher on the broadcast server.
pub struct Publisher {
    write: futures_util::stream::SplitSink<
        tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
        Message,
    >,
}

impl Publisher {
    pub async fn connect(url: &str) -> anyhow::Result<Publisher> {
        let (socket, _) = tokio_tungstenite::connect_async(url).await?;
        let (write, read) = socket.split();
        // Nothing to read: drain so that the socket never backs up.
        tokio::spawn(read.for_each(|_| async {}));
        Ok(Publisher { write })
    }

    /// Publishes a frame shaped like our `ticket.created` event, with `tag`.
    pub async fn publish(&mut self, tag: &str) -> anyhow::Result<()> {
        let frame = format!(
            r#"pub:{{"type":"event","topic":"baseline","seq":0,"kind":"ticket.created","data":{{"description":"Нагрузочная заявка {tag} течёт кран на кухне","padding":"{}"}}}}"#,
            "x".repeat(500)
        );
        self.write.send(Message::Text(frame.into())).await?;
        Ok(())
    }
}

/// One ticket-sized row (the same statement on both engines).
macro_rules! insert_row {
    ($conn:expr) => {{
        let id = uuid::Uuid::now_v7();
        sqlx::query(
            "INSERT INTO load_raw_commits (id, idempotency_key, description, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(id)
        .bind(id.simple().to_string())
        .bind(format!("Нагрузочная заявка {id}: течёт кран на кухне, кв. 45, +7 916 555-00-00"))
        .bind(now_text())
        .execute($conn)
        .await?;
    }};
}

/// One connection's work until `deadline`: a transaction with one row,
/// committed, again and again; its latencies (the same code on both
/// engines, whose connection types differ).
macro_rules! commit_loop {
    ($conn:ident, $deadline:expr) => {
        async move {
            let mut latencies = Latencies::default();
            while Instant::now() < $deadline {
                let sent = Instant::now();
                let mut tx = $conn.begin().await?;
                insert_row!(&mut *tx);
                tx.commit().await?;
                latencies.record(sent.elapsed());
            }
            Ok::<_, anyhow::Error>(latencies)
        }
    };
}

/// Raw durable commits: `concurrency` connections, each inserting one
/// ticket-sized row per transaction and committing, for `duration`.
/// `database_url` is a PostgreSQL URL, or a SQLite file (opened in WAL
/// with `synchronous=FULL`, as the product opens its own).
/// Returns (commits per second, latencies).
pub async fn raw_commits(
    database_url: &str,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<(f64, Latencies)> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = Vec::new();
    if database_url.starts_with("sqlite:") {
        let options: sqlx::sqlite::SqliteConnectOptions = database_url.parse()?;
        let options = options
            .create_if_missing(true)
            .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
            .synchronous(sqlx::sqlite::SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(30));
        let mut setup = sqlx::SqliteConnection::connect_with(&options).await?;
        sqlx::query(TABLE_SQLITE).execute(&mut setup).await?;
        for _ in 0..concurrency {
            let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
            workers.push(tokio::spawn(commit_loop!(conn, deadline)));
        }
    } else {
        let mut setup = sqlx::PgConnection::connect(database_url).await?;
        sqlx::query(TABLE_PG).execute(&mut setup).await?;
        for _ in 0..concurrency {
            let mut conn = sqlx::PgConnection::connect(database_url).await?;
            workers.push(tokio::spawn(commit_loop!(conn, deadline)));
        }
    }
    let mut all = Latencies::default();
    for worker in workers {
        all.merge(&worker.await??);
    }
    Ok((all.count() as f64 / started.elapsed().as_secs_f64(), all))
}

const TABLE_SQLITE: &str = "CREATE TABLE IF NOT EXISTS load_raw_commits \
    (id BLOB PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, description TEXT NOT NULL, created_at TEXT NOT NULL)";
const TABLE_PG: &str = "CREATE TABLE IF NOT EXISTS load_raw_commits \
    (id UUID PRIMARY KEY, idempotency_key TEXT NOT NULL UNIQUE, description TEXT NOT NULL, created_at TEXT NOT NULL)";

fn now_text() -> String {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:06}", since.as_secs(), since.subsec_micros())
}
