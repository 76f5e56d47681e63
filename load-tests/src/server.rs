//! The server under test: signing in, creating tickets, and (with
//! `--spawn`) a server of our own that can be killed and restarted.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use sqlx::Connection as _;

/// A signed-in HTTP client of the server.
pub struct Server {
    pub url: String,
    pub http: reqwest::Client,
    pub token: String,
}

/// What a load ticket's description carries so that its event can be
/// matched to its request in one process: `#k<run>:<n>#`.
pub fn marker(run: &str, n: u64) -> String {
    format!("#k{run}:{n}#")
}

/// The `n` of a marker of this `run` inside a WebSocket frame; a substring
/// scan, not a JSON parse: the client reads tens of thousands a second.
pub fn parse_marker(frame: &str, run: &str) -> Option<u64> {
    let start = frame.find("#k")? + 2;
    let rest = frame[start..].strip_prefix(run)?.strip_prefix(':')?;
    let end = rest.find('#')?;
    rest[..end].parse().ok()
}

impl Server {
    pub async fn sign_in(url: &str, login: &str, password: &str) -> anyhow::Result<Server> {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .pool_max_idle_per_host(1024)
            .build()
            .context("HTTP client")?;
        let response = http
            .post(format!("{url}/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .with_context(|| format!("cannot reach {url}"))?;
        if !response.status().is_success() {
            bail!("sign-in as {login} failed: {}", response.status());
        }
        let token = response.json::<Value>().await?["token"].as_str().context("no token")?.to_owned();
        Ok(Server { url: url.trim_end_matches('/').to_owned(), http, token })
    }

    pub fn ws_url(&self) -> String {
        format!("{}/ws?token={}", self.url.replacen("http", "ws", 1), self.token)
    }

    pub async fn get_json(&self, path: &str) -> anyhow::Result<Value> {
        let response = self.http.get(format!("{}{path}", self.url)).bearer_auth(&self.token).send().await?;
        if !response.status().is_success() {
            bail!("GET {path}: {}", response.status());
        }
        Ok(response.json().await?)
    }

    /// POSTs a JSON body; the answer's status and JSON (`null` when the
    /// body is not JSON). A minute at most: a load run never hangs on one.
    pub async fn post(&self, path: &str, body: &Value) -> anyhow::Result<(reqwest::StatusCode, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .timeout(Duration::from_secs(60))
            .json(body)
            .send()
            .await?;
        let status = response.status();
        Ok((status, response.json().await.unwrap_or(Value::Null)))
    }

    /// Files the ticket `body` describes; its id.
    pub async fn new_ticket(&self, body: &Value) -> anyhow::Result<String> {
        let (status, ticket) = self.post("/api/v1/tickets", body).await?;
        if status != reqwest::StatusCode::CREATED {
            bail!("POST /api/v1/tickets: {status} {ticket}");
        }
        Ok(ticket["id"].as_str().context("no ticket id")?.to_owned())
    }

    /// Assigns ticket `id` to user `to`.
    pub async fn assign(&self, id: &str, to: &str) -> anyhow::Result<()> {
        let assigned = self
            .http
            .put(format!("{}/api/v1/tickets/{id}/assignee", self.url))
            .bearer_auth(&self.token)
            .json(&json!({"assignee_id": to}))
            .send()
            .await?;
        if !assigned.status().is_success() {
            bail!("assigning {id}: {}", assigned.status());
        }
        Ok(())
    }

    /// The building tickets go to: the first one, or a new one.
    pub async fn building(&self) -> anyhow::Result<String> {
        Ok(self.buildings(1).await?.remove(0))
    }

    /// The first `count` buildings, creating as many as are missing.
    pub async fn buildings(&self, count: usize) -> anyhow::Result<Vec<String>> {
        let listed = self.get_json("/api/v1/buildings").await?;
        let mut ids: Vec<String> = listed
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|b| b["id"].as_str().map(str::to_owned))
            .take(count)
            .collect();
        while ids.len() < count {
            let n = ids.len() + 1;
            let created: Value = self
                .http
                .post(format!("{}/api/v1/buildings", self.url))
                .bearer_auth(&self.token)
                .json(&json!({
                    "name": format!("ЖК «Нагрузка-{n}»"),
                    "address": format!("г. Москва, ул. Испытателей, д. {n}"),
                    "time_zone": "Europe/Moscow",
                }))
                .send()
                .await?
                .json()
                .await?;
            ids.push(created["id"].as_str().map(str::to_owned).context("building not created")?);
        }
        Ok(ids)
    }

    /// `POST /api/v1/tickets` with an idempotency key; the description
    /// carries `tag` (a [`marker`]).
    pub async fn create(&self, building: &str, key: &str, tag: &str) -> anyhow::Result<reqwest::StatusCode> {
        let body = json!({
            "building_id": building,
            "description": format!("Нагрузочная заявка {tag} течёт кран на кухне"),
            "source": "phone",
            "location": "кв. 45",
            "contact_phone": "+7 916 555-00-00",
        });
        let response = self
            .http
            .post(format!("{}/api/v1/tickets", self.url))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .timeout(Duration::from_secs(30))
            .json(&body)
            .send()
            .await?;
        let status = response.status();
        // Read the body: the connection goes back to the pool.
        let _ = response.bytes().await?;
        Ok(status)
    }

    /// The server's own counters without labels (`/metrics`), by name:
    /// what it dropped, resynchronised or read from the log while loaded.
    pub async fn counters(&self) -> anyhow::Result<std::collections::HashMap<String, f64>> {
        let text = self.http.get(format!("{}/metrics", self.url)).send().await?.text().await?;
        Ok(text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.contains('{'))
            .filter_map(|l| l.split_once(' '))
            .filter_map(|(name, value)| Some((name.to_owned(), value.trim().parse().ok()?)))
            .collect())
    }

    /// Figures of `counters` worth a report: drops of slow sessions,
    /// resyncs and gap reads, as `server_…` keys.
    pub async fn delivery_counters(&self) -> Vec<(String, f64)> {
        let Ok(counters) = self.counters().await else { return Vec::new() };
        ["slow_consumer_drops_total", "resyncs_total", "gap_reads_total"]
            .iter()
            .filter_map(|name| {
                counters
                    .get(&format!("domovoy_{name}"))
                    .map(|v| (format!("server_{}", name.trim_end_matches("_total")), *v))
            })
            .collect()
    }

    /// Tickets whose text holds `run`, as the list API counts them.
    pub async fn stored(&self, run: &str) -> anyhow::Result<u64> {
        let found = self.get_json(&format!("/api/v1/tickets?q={run}&limit=1")).await?;
        Ok(found["counts"].as_object().map_or(0, |c| c.values().filter_map(Value::as_u64).sum()))
    }
}

/// Memory and CPU of a process, from `/proc`.
#[derive(Debug, Clone, Copy)]
pub struct Proc(pub u32);

/// A reading of [`Proc`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub rss_kib: u64,
    /// User + system CPU time so far, in seconds.
    pub cpu_s: f64,
}

impl Proc {
    pub fn usage(self) -> Option<Usage> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0)).ok()?;
        let rss_kib = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())?;
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0)).ok()?;
        // Fields after the command name (which may hold spaces), 1-based
        // from the state: utime is field 14 of the line, stime 15.
        let after = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after.split(' ').collect();
        let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // /proc counts in USER_HZ, 100 on every Linux.
        Some(Usage { rss_kib, cpu_s: ticks as f64 / 100.0 })
    }

    /// The process listening on 127.0.0.1:`port` (for a server this run
    /// did not start), found through `/proc/net/tcp` and the processes'
    /// open sockets.
    pub fn listening_on(port: u16) -> Option<Proc> {
        let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
        let inode = table.lines().skip(1).find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let local_port = u16::from_str_radix(fields.get(1)?.rsplit(':').next()?, 16).ok()?;
            (local_port == port && *fields.get(3)? == "0A").then(|| fields.get(9).map(|i| (*i).to_owned()))?
        })?;
        let wanted = format!("socket:[{inode}]");
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
            let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else { continue };
            for fd in fds.flatten() {
                if std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == wanted) {
                    return Some(Proc(pid));
                }
            }
        }
        None
    }
}

/// How often [`autovacuum`] runs: about autovacuum's own pace (it wakes
/// every minute and takes a table once a fifth of it was written, which a
/// load run's tables are all the time).
const AUTOVACUUM_EVERY: Duration = Duration::from_secs(30);

/// Stands in for autovacuum on a PostgreSQL server that runs without it
/// (this machine's test server does; a production one must not, and
/// Domovoy warns at start when it does): `VACUUM (ANALYZE)` every
/// [`AUTOVACUUM_EVERY`]. Without it the planner has no statistics, a
/// statement planned while the tables were empty keeps a sequential-scan
/// plan in every pooled connection, index-only scans read the heap, and a
/// run measures that instead of the product (BENCHMARKS.md, the desk's
/// 5 December section: issuing passes fell from 950/s to 100/s, the desk's
/// search p99 was 128 ms before and 38 ms after one `VACUUM ANALYZE`).
/// Runs until dropped; nothing on SQLite or when autovacuum is on.
pub async fn autovacuum(database_url: String) -> anyhow::Result<()> {
    if !database_url.starts_with("postgres") {
        return Ok(());
    }
    let mut conn = sqlx::PgConnection::connect(&database_url).await.context("autovacuum: cannot connect")?;
    let setting: String = sqlx::query_scalar("SELECT current_setting('autovacuum')").fetch_one(&mut conn).await?;
    if setting != "off" {
        return Ok(());
    }
    println!(
        "PostgreSQL runs with autovacuum = off: VACUUM (ANALYZE) every {} s during the run, as autovacuum would",
        AUTOVACUUM_EVERY.as_secs()
    );
    loop {
        tokio::time::sleep(AUTOVACUUM_EVERY).await;
        sqlx::raw_sql("VACUUM (ANALYZE)").execute(&mut conn).await.context("autovacuum")?;
    }
}

/// Raises this process's open-files limit to the hard limit (thousands of
/// sessions need as many sockets, here and in a server it spawns, which
/// inherits it), with util-linux `prlimit`: the workspace forbids `unsafe`.
pub fn raise_file_limit() {
    let pid = std::process::id().to_string();
    let hard = Command::new("prlimit")
        .args(["--pid", &pid, "--nofile", "--output", "HARD", "--noheadings"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned());
    if let Some(hard) = hard.filter(|h| !h.is_empty()) {
        let _ = Command::new("prlimit").args(["--pid", &pid, &format!("--nofile={hard}:{hard}")]).status();
    }
}

/// Waits until `url`'s `/readyz` answers 200, at most `within`.
pub async fn wait_ready(url: &str, within: Duration) -> anyhow::Result<()> {
    let started = Instant::now();
    let probe = reqwest::Client::new();
    while started.elapsed() < within {
        let ready = probe.get(format!("{url}/readyz")).timeout(Duration::from_millis(500)).send().await;
        if ready.is_ok_and(|r| r.status().is_success()) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    bail!("{url} was not ready within {} s", within.as_secs())
}

/// Resolves when `child` exits (polled: std's `Child` has no async wait).
async fn wait_exit(child: &mut Child) -> String {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.to_string(),
            Ok(None) => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => return e.to_string(),
        }
    }
}

/// How [`Spawned::restart`] says the server stopped before it was ready.
const SERVER_EXITED: &str = "the server exited";

pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A fresh server of our own (`--spawn`): a temporary data directory, a
/// new database (SQLite in the directory, or a new PostgreSQL database on
/// the server `--database-url` names), migrated, with one administrator,
/// serving on a free 127.0.0.1 port. It can be killed and restarted on the
/// same port and data; [`Spawned::stop`] removes everything it made.
pub struct Spawned {
    pub url: String,
    pub database_url: String,
    pub login: String,
    pub password: String,
    /// The SIP listener's port (UDP and TCP; the PBX allowed is 127.0.0.1).
    pub sip_port: u16,
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
    /// (server URL to connect for DROP, database name) on PostgreSQL.
    pg: Option<(String, String)>,
    /// Nodes find each other through this Redis (`cluster`).
    redis_url: Option<String>,
    /// Settings the scenario adds (`DOMOVOY_MAIL__SMTP_URL`, …).
    env: Vec<(String, String)>,
}

/// Another node of a [`Spawned`] server: the same database and Redis.
pub struct Node {
    pub url: String,
    child: Child,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Spawned {
    pub async fn start(
        bin: &Path,
        pg_server: Option<&str>,
        redis_url: Option<&str>,
        env: Vec<(String, String)>,
    ) -> anyhow::Result<Spawned> {
        if !bin.exists() {
            bail!(
                "{} not found: build it first (cargo build --release -p domovoy) or pass --server-bin",
                bin.display()
            );
        }
        let run = uuid::Uuid::now_v7().simple().to_string();
        let dir = std::env::temp_dir().join(format!("domovoy-load-{run}"));
        std::fs::create_dir_all(&dir)?;
        let (database_url, pg) = match pg_server {
            None => (format!("sqlite://{}/domovoy.db", dir.display()), None),
            Some(url) => {
                let name = format!("domovoy_load_{run}");
                let mut admin =
                    sqlx::PgConnection::connect(url).await.with_context(|| format!("cannot reach {url}"))?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
                admin.close().await?;
                let (base, options) = match url.split_once('?') {
                    Some((base, options)) => (base, format!("?{options}")),
                    None => (url, String::new()),
                };
                let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
                (format!("{server}/{name}{options}"), Some((url.to_owned(), name)))
            }
        };
        let password = format!("load-{run}");
        let mut spawned = Spawned {
            url: String::new(),
            database_url,
            login: "loadadmin".to_owned(),
            password,
            sip_port: free_port()?,
            bin: bin.to_owned(),
            dir,
            port: free_port()?,
            child: None,
            pg,
            redis_url: redis_url.map(str::to_owned),
            env,
        };
        spawned.url = format!("http://127.0.0.1:{}", spawned.port);
        spawned
            .command(&["migrate"])
            .stdout(Stdio::null())
            .status()
            .context("migrate")?
            .success()
            .then_some(())
            .context("migrate failed")?;
        let mut add = spawned
            .command(&[
                "user",
                "add",
                "loadadmin",
                "--name",
                "Нагрузочный тест",
                "--role",
                "administrator",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()?;
        {
            use std::io::Write as _;
            let mut stdin = add.stdin.take().context("stdin")?;
            writeln!(stdin, "{}", spawned.password)?;
        }
        if !add.wait()?.success() {
            bail!("the load administrator was not created");
        }
        // A port found free may be taken by another process before the
        // server binds it (tests run side by side): the server then exits
        // at once, and it is started again on other ports, three times at
        // most.
        let mut tries = 1;
        loop {
            match spawned.restart().await {
                Ok(_) => break,
                Err(error) if tries < 3 && error.to_string().starts_with(SERVER_EXITED) => {
                    tries += 1;
                    spawned.port = free_port()?;
                    spawned.sip_port = free_port()?;
                    spawned.url = format!("http://127.0.0.1:{}", spawned.port);
                }
                Err(error) => return Err(error),
            }
        }
        Ok(spawned)
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.bin);
        command
            .arg("--data-dir")
            .arg(&self.dir)
            .args(args)
            .env("DOMOVOY_DATABASE_URL", &self.database_url)
            // The push scenario's stand-in push service is plain HTTP on loopback.
            .env("DOMOVOY_PUSH__ALLOW_HTTP_ENDPOINTS", "true")
            .env_remove("DOMOVOY_REDIS_URL")
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".to_owned()));
        if let Some(redis) = &self.redis_url {
            command.env("DOMOVOY_REDIS_URL", redis);
        }
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// A second node on the same database and Redis, on its own port.
    pub async fn another_node(&self) -> anyhow::Result<Node> {
        if self.pg.is_none() || self.redis_url.is_none() {
            bail!("several nodes need PostgreSQL (--database-url) and Redis (--redis-url)");
        }
        let port = free_port()?;
        let child = self.command(&["serve", "--listen", &format!("127.0.0.1:{port}")]).spawn().context("serve")?;
        let node = Node { url: format!("http://127.0.0.1:{port}"), child };
        wait_ready(&node.url, Duration::from_secs(60)).await?;
        Ok(node)
    }

    /// Where the intake baseline's raw commits go: a file beside the
    /// server's on SQLite (same disk, same settings), the same database on
    /// PostgreSQL (a scratch table, dropped with the database).
    pub fn baseline_database_url(&self) -> String {
        match &self.pg {
            None => format!("sqlite://{}/baseline.db", self.dir.display()),
            Some(_) => self.database_url.clone(),
        }
    }

    pub fn proc(&self) -> Option<Proc> {
        self.child.as_ref().map(|c| Proc(c.id()))
    }

    /// Starts the server (again) and waits until `/readyz` answers;
    /// returns how long that took.
    pub async fn restart(&mut self) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let listen = format!("127.0.0.1:{}", self.port);
        let mut serve = self.command(&["serve", "--listen", &listen]);
        // Only this node listens for SIP (another node would take the port).
        serve
            .env("DOMOVOY_TELEPHONY__SIP__LISTEN", format!("127.0.0.1:{}", self.sip_port))
            .env("DOMOVOY_TELEPHONY__SIP__ALLOWED_PEERS", "127.0.0.1");
        self.child = Some(serve.spawn().context("serve")?);
        let url = self.url.clone();
        let child = self.child.as_mut().context("no server process")?;
        tokio::select! {
            ready = wait_ready(&url, Duration::from_secs(60)) => ready.map(|()| started.elapsed()),
            exited = wait_exit(child) => bail!("{SERVER_EXITED}: {exited}"),
        }
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no shutdown, no flush, as a power cut or the OOM killer.
    pub fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.kill()?;
            child.wait()?;
        }
        Ok(())
    }

    /// Stops the server gracefully (SIGTERM) and removes its data.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while child.try_wait()?.is_none() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((url, name)) = self.pg.take() {
            let mut admin = sqlx::PgConnection::connect(&url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                .execute(&mut admin)
                .await?;
        }
        Ok(())
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        // A run that failed half-way: no server left behind.
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_found_in_frames() {
        let frame =
            format!(r#"{{"type":"event","data":{{"description":"Нагрузочная заявка {} течёт"}}}}"#, marker("ab12", 42));
        assert_eq!(parse_marker(&frame, "ab12"), Some(42));
        assert_eq!(parse_marker(&frame, "other"), None);
        assert_eq!(parse_marker("no marker", "ab12"), None);
    }

    #[test]
    fn own_usage_is_read_from_proc() {
        let usage = Proc(std::process::id()).usage().unwrap();
        assert!(usage.rss_kib > 0);
    }
}
