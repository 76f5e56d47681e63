//! Starting the application for a test, and talking to it.

use actix_web::dev::ServerHandle;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use domovoy::settings::{Overrides, Secret};
use domovoy::{Application, Settings, demo};
use domovoy_store::testing::TestDb;

/// A running application with the demo data.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// Where the app keeps files (attachments).
    pub data_dir: std::path::PathBuf,
    /// Where the SIP listener listens, when the test turned it on.
    pub sip: Option<std::net::SocketAddr>,
    /// The database the app serves (for a command run beside it).
    database_url: String,
    /// The app's use-cases, for running a background job's round now.
    pub app: domovoy_app::App,
    /// Kept alive for the test; dropped (and deleted) after the app.
    _db: TestDb,
    handle: ServerHandle,
}

/// Settings for a test app on `db`, listening on a free port.
pub fn settings_for(db: &TestDb) -> Settings {
    let mut settings = Settings::load_from(None, &Overrides::default(), Vec::new()).unwrap();
    settings.data_dir = db.dir().map(ToOwned::to_owned).unwrap_or_else(std::env::temp_dir);
    settings.database_url = Some(Secret::new(db.url.clone()));
    settings.listen = "127.0.0.1:0".to_owned();
    settings.http.workers = Some(1);
    settings.http.shutdown_timeout_secs = 1;
    // Tests sign in many times from one address; the limit has its own test.
    settings.auth.sign_in_per_minute = 10_000;
    // Mailings leave at once whatever the hour the tests run at; quiet
    // hours have their own test.
    settings.mailings.quiet_hours = "off".to_owned();
    settings
}

impl TestApp {
    /// On SQLite.
    pub async fn spawn() -> TestApp {
        Self::spawn_with(TestDb::sqlite().await, |_| {}).await
    }

    /// On PostgreSQL, or `None` when `DOMOVOY_TEST_POSTGRES_URL` is unset.
    pub async fn spawn_postgres() -> Option<TestApp> {
        Some(Self::spawn_with(TestDb::postgres().await?, |_| {}).await)
    }

    /// On SQLite, with adjusted settings.
    pub async fn spawn_configured(adjust: impl FnOnce(&mut Settings)) -> TestApp {
        Self::spawn_with(TestDb::sqlite().await, adjust).await
    }

    /// On PostgreSQL with adjusted settings, or `None` without a server.
    pub async fn spawn_postgres_configured(adjust: impl FnOnce(&mut Settings)) -> Option<TestApp> {
        Some(Self::spawn_with(TestDb::postgres().await?, adjust).await)
    }

    /// The application's database, for seeding what a test needs.
    pub fn store(&self) -> &domovoy_store::Db {
        &self._db.db
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    async fn spawn_with(db: TestDb, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        domovoy::install_crypto_provider();
        let mut settings = settings_for(&db);
        adjust(&mut settings);
        let data_dir = settings.data_dir.clone();
        let app = Application::build(&settings).await.expect("application builds");
        demo::seed(app.db()).await.expect("demo data");
        let port = app.port();
        let sip = app.sip_addr();
        let address = format!("http://127.0.0.1:{port}");
        let handle = app.handle();
        let use_cases = app.app().clone();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp { address, port, data_dir, sip, database_url: db.url.clone(), app: use_cases, _db: db, handle }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `POST /api/v1/auth/login`.
    pub async fn login(&self, login: &str, password: &str) -> Response {
        client()
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "login": login, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// A bearer token of a demo account.
    pub async fn token(&self, login: &str) -> String {
        let response = self.login(login, demo::DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{login} signs in");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn delete(&self, token: &str, path: &str) -> Response {
        client().delete(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn get(&self, token: &str, path: &str) -> Response {
        client().get(self.url(path)).bearer_auth(token).send().await.unwrap()
    }

    pub async fn post(&self, token: &str, path: &str, body: &Value) -> Response {
        client().post(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    pub async fn put(&self, token: &str, path: &str, body: &Value) -> Response {
        client().put(self.url(path)).bearer_auth(token).json(body).send().await.unwrap()
    }

    /// A browser: keeps cookies, does not follow redirects (tests look at them).
    pub fn browser(&self) -> Client {
        Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    /// Signs `browser` in through the sign-in form, as a person would.
    pub async fn browser_login(&self, browser: &Client, login: &str, password: &str) -> Response {
        let page = browser.get(self.url("/login")).send().await.unwrap().text().await.unwrap();
        let csrf = hidden_value(&page, "csrf_token");
        browser
            .post(self.url("/login"))
            .form(&[("csrf_token", csrf.as_str()), ("login", login), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    /// The id of a demo account.
    pub async fn user_id(&self, admin_token: &str, login: &str) -> String {
        let list: Value = self.get(admin_token, &users_path(login)).await.json().await.unwrap();
        id_of_user(&list, login)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the database is dropped with the test.
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

pub fn client() -> Client {
    domovoy::install_crypto_provider();
    Client::new()
}

/// The value of a hidden input named `name` in an HTML page.
pub fn hidden_value(page: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    page[start..].split('"').next().unwrap().to_owned()
}

/// The error code of an API error response.
pub async fn error_code(response: Response) -> String {
    let body: Value = response.json().await.unwrap();
    body["error"]["code"].as_str().unwrap_or_default().to_owned()
}

/// A WebSocket client speaking the live protocol.
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>,
}

impl WsClient {
    /// Connects with a bearer token (`?token=`).
    pub async fn connect(app: &TestApp, token: &str) -> WsClient {
        Self::connect_port(app.port, token).await
    }

    /// Connects to a server on `port` with a bearer token.
    pub async fn connect_port(port: u16, token: &str) -> WsClient {
        Self::try_connect_port(port, token).await.expect("websocket connects")
    }

    /// [`WsClient::connect_port`], answering why it could not connect.
    pub async fn try_connect_port(port: u16, token: &str) -> Result<WsClient, tokio_tungstenite::tungstenite::Error> {
        let url = format!("ws://127.0.0.1:{port}/ws?token={token}");
        let (stream, _) = tokio_tungstenite::connect_async(url).await?;
        Ok(WsClient { stream })
    }

    /// Connects with a receive buffer of 4 KiB: a client that will stop
    /// reading (its socket fills after a few frames).
    pub async fn connect_stalling(port: u16, token: &str) -> WsClient {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(format!("127.0.0.1:{port}").parse().unwrap()).await.unwrap();
        let url = format!("ws://127.0.0.1:{port}/ws?token={token}");
        let (stream, _) = tokio_tungstenite::client_async(url, tokio_tungstenite::MaybeTlsStream::Plain(stream))
            .await
            .expect("websocket connects");
        WsClient { stream }
    }

    /// The next frame as it came (a close, an error, the end), unparsed.
    pub async fn raw_next(
        &mut self,
        wait: std::time::Duration,
    ) -> Option<Option<Result<tokio_tungstenite::tungstenite::Message, tokio_tungstenite::tungstenite::Error>>> {
        use futures_util::StreamExt as _;
        tokio::time::timeout(wait, self.stream.next()).await.ok()
    }

    pub async fn send(&mut self, message: Value) {
        use futures_util::SinkExt as _;
        self.stream.send(tokio_tungstenite::tungstenite::Message::text(message.to_string())).await.unwrap();
    }

    pub async fn subscribe(&mut self, topic: &str, since: Option<i64>) {
        self.send(json!({"type": "subscribe", "topic": topic, "since": since})).await;
    }

    /// Subscribes and waits for the confirmation of that topic; returns
    /// the sequence number the subscription starts from.
    pub async fn follow(&mut self, topic: &str, since: Option<i64>) -> i64 {
        self.subscribe(topic, since).await;
        loop {
            let message = self.expect("subscribed", std::time::Duration::from_secs(5)).await;
            if message["topic"] == topic {
                return message["seq"].as_i64().unwrap();
            }
        }
    }

    /// The next JSON message, or `None` after `wait` (or when closed).
    pub async fn next(&mut self, wait: std::time::Duration) -> Option<Value> {
        use futures_util::StreamExt as _;
        use tokio_tungstenite::tungstenite::Message;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()??.ok()?;
            match frame {
                Message::Text(text) => return serde_json::from_str(&text).ok(),
                Message::Close(frame) => {
                    return Some(json!({"type": "closed", "code": frame.map(|f| u16::from(f.code))}));
                }
                _ => {}
            }
        }
    }

    /// Messages until one of `kind` arrives (returned), failing after `wait`.
    pub async fn expect(&mut self, kind: &str, wait: std::time::Duration) -> Value {
        loop {
            let message = self.next(wait).await.unwrap_or_else(|| panic!("no {kind} message within {wait:?}"));
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// Messages until an event of `kind` arrives (returned), failing after
    /// `wait` without one.
    pub async fn expect_event(&mut self, kind: &str, wait: std::time::Duration) -> Value {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let message = self.next(left).await.unwrap_or_else(|| panic!("no {kind} event within {wait:?}"));
            if message["type"] == "event" && message["kind"] == kind {
                return message;
            }
        }
    }

    /// Every message that arrives within `wait`.
    pub async fn drain(&mut self, wait: std::time::Duration) -> Vec<Value> {
        let mut all = Vec::new();
        while let Some(message) = self.next(wait).await {
            all.push(message);
        }
        all
    }
}

/// Renames a building through the API (one `building.updated` event).
pub async fn rename_building(app: &TestApp, token: &str, id: &str, name: &str) {
    let body = json!({"name": name, "address": "г. Москва", "kind": "residential", "time_zone": "Europe/Moscow"});
    let response =
        client().put(app.url(&format!("/api/v1/buildings/{id}"))).bearer_auth(token).json(&body).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "rename {id}");
}

/// The id of the demo building named `name`.
pub async fn building_id(app: &TestApp, admin: &str, name: &str) -> String {
    let all: Vec<Value> = app.get(admin, "/api/v1/buildings").await.json().await.unwrap();
    all.iter().find(|b| b["name"] == name).unwrap()["id"].as_str().unwrap().to_owned()
}

/// Every ticket whose text matches `text` on the server at `base`
/// (`http://127.0.0.1:<port>`), page by page: description → ids.
pub async fn tickets_by_text(base: &str, token: &str, text: &str) -> std::collections::HashMap<String, Vec<String>> {
    let mut found: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{base}/api/v1/tickets?sort=newest&limit=500&q={}", domovoy_web::pages::url_encode(text));
        if let Some(cursor) = &cursor {
            url.push_str(&format!("&cursor={cursor}"));
        }
        let page: Value = client().get(url).bearer_auth(token).send().await.unwrap().json().await.unwrap();
        for item in page["items"].as_array().unwrap() {
            let description = item["description"].as_str().unwrap().to_owned();
            found.entry(description).or_default().push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return found,
        }
    }
}

/// The user search that finds the account `login` (every kind).
pub fn users_path(login: &str) -> String {
    format!("/api/v1/users?q={login}&kind=")
}

/// The id of the account `login` in a user search's answer.
pub fn id_of_user(list: &Value, login: &str) -> String {
    let user = list.as_array().unwrap().iter().find(|u| u["login"] == login);
    user.unwrap_or_else(|| panic!("no user {login}"))["id"].as_str().unwrap().to_owned()
}
