//! Real `domovoy` processes, for tests that restart, kill or cluster them.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::client;

/// A free TCP port on 127.0.0.1 (released for the process to take).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A `domovoy serve` process; killed when dropped.
pub struct Node {
    child: Child,
    pub port: u16,
}

impl Node {
    /// Starts `domovoy serve` with `env` and waits until it is ready.
    pub async fn start(data_dir: &Path, env: &[(&str, String)]) -> Node {
        Self::start_binary(Path::new(env!("CARGO_BIN_EXE_domovoy")), free_port(), data_dir, env).await
    }

    /// Starts `bin serve` (another release's binary, say) on `port` with
    /// `env` and waits until it is ready.
    pub async fn start_binary(bin: &Path, port: u16, data_dir: &Path, env: &[(&str, String)]) -> Node {
        let mut command = Command::new(bin);
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
            .arg(data_dir)
            .env("RUST_LOG", "warn")
            .env("DOMOVOY_AUTH__SIGN_IN_PER_MINUTE", "100000")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = command.spawn().expect("domovoy starts");
        let node = Node { child, port };
        node.wait_ready().await;
        node
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(response) = client().get(self.url("/readyz")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("node on port {} did not become ready", self.port);
    }

    /// SIGTERM, as systemd stops the service; answers how it exited and
    /// how long that took (at most `within`, else killed and a panic).
    pub async fn terminate(&mut self, within: Duration) -> (std::process::ExitStatus, Duration) {
        let asked = Instant::now();
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(status.success());
        while asked.elapsed() < within {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return (exit, asked.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.kill();
        panic!("node on port {} did not stop within {within:?} of SIGTERM", self.port);
    }

    /// SIGSTOP: the process stands still (a VM paused, a machine swapping)
    /// while the kernel keeps taking connections for it.
    pub fn pause(&self) {
        signal(&self.child, "-STOP");
    }

    pub fn resume(&self) {
        signal(&self.child, "-CONT");
    }

    /// SIGKILL: no shutdown, no flush — a power cut for the process.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// `GET path` with `token`, its JSON body.
    pub async fn get_json(&self, token: &str, path: &str) -> serde_json::Value {
        let response = client().get(self.url(path)).bearer_auth(token).send().await.unwrap();
        assert!(response.status().is_success(), "GET {path}: {}", response.status());
        response.json().await.unwrap()
    }

    pub async fn token(&self, login: &str) -> String {
        let response = client()
            .post(self.url("/api/v1/auth/login"))
            .json(&serde_json::json!({"login": login, "password": domovoy::demo::DEMO_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{login} signs in on port {}", self.port);
        response.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }
}

fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
}

impl Drop for Node {
    fn drop(&mut self) {
        // A paused node dies too (SIGKILL needs no resume); one already
        // gone just has nothing left to kill.
        self.kill();
    }
}

/// A private `redis-server`, so a test can stop and resume it.
pub struct Redis {
    child: Child,
    pub port: u16,
}

impl Redis {
    pub async fn start() -> Redis {
        let port = free_port();
        let redis = Redis { child: Self::spawn(port), port };
        redis.wait_listening().await;
        redis
    }

    fn spawn(port: u16) -> Child {
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server must be installed for the cluster tests (CI installs Redis)")
    }

    async fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL, then a new, empty Redis on the same port.
    pub async fn restart_empty(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Self::spawn(self.port);
        self.wait_listening().await;
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// SIGSTOP: Redis hangs without closing anything, the worst case.
    pub fn pause(&self) {
        signal(&self.child, "-STOP");
    }

    pub fn resume(&self) {
        signal(&self.child, "-CONT");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.resume();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
