//! `domovoy backup` taken under load and `domovoy restore`, through the
//! real binary on a real server process.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use domovoy_store::testing::TestDb;

use crate::helpers::{client, tickets_by_text};
use crate::nodes::Node;

const PREFIX: &str = "Заявка до копии";

/// Runs `domovoy` with `args` on the database at `url` and data in `dir`.
fn domovoy(dir: &Path, url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_domovoy"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("DOMOVOY_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn png() -> Vec<u8> {
    let mut bytes = Vec::new();
    let picture = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    picture.write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png).unwrap();
    bytes
}

/// A backup taken while four clients file tickets holds every ticket
/// acknowledged before it started and the attached files; `restore`
/// refuses while the server runs, puts the copy in place once it is
/// stopped (keeping the database it replaces), and the server starts on
/// it with those tickets and files.
#[actix_web::test]
async fn a_backup_taken_under_load_restores_every_ticket_acknowledged_before_it() {
    let test_db = TestDb::sqlite().await;
    domovoy::demo::seed(&test_db.db).await.unwrap();
    let dir = test_db.dir().unwrap().to_owned();
    let url = test_db.url.clone();
    let env = [("DOMOVOY_DATABASE_URL", url.clone())];
    let mut node = Node::start(&dir, &env).await;
    let token = node.token("dispatcher").await;
    let buildings: Vec<Value> =
        client().get(node.url("/api/v1/buildings")).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    let building = buildings[0]["id"].as_str().unwrap().to_owned();

    // A ticket with a photo, before anything else.
    let body = json!({ "building_id": building, "description": format!("{PREFIX}: фото"), "source": "phone" });
    let ticket: Value = client()
        .post(node.url("/api/v1/tickets"))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let photo = png();
    let uploaded: Value = client()
        .post(node.url(&format!("/api/v1/tickets/{}/attachments?name=photo.png", ticket["id"].as_str().unwrap())))
        .bearer_auth(&token)
        .header("content-type", "application/octet-stream")
        .body(photo.clone())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let attachment = uploaded["id"].as_str().unwrap().to_owned();

    // Four writers; the backup starts a second in.
    let filing = Filing::start(&node.url(""), &token, &building);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let scratch = domovoy_store::testing::temp_dir();
    let target = scratch.join("copy");
    let backup_started = Instant::now();
    let (d, u, t) = (dir.clone(), url.clone(), target.clone());
    let backup =
        tokio::task::spawn_blocking(move || domovoy(&d, &u, &["backup", "--to", t.to_str().unwrap()])).await.unwrap();
    assert!(backup.status.success(), "backup: {}", text(&backup));
    assert!(text(&backup).contains("Резервная копия записана"), "{}", text(&backup));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let acknowledged = filing.stop().await;
    let before = acknowledged_before(&acknowledged, backup_started);

    // A second backup into the same place is refused; so is a restore
    // while the server runs, and one from a directory that is no backup.
    let again = domovoy(&dir, &url, &["backup", "--to", target.to_str().unwrap()]);
    assert!(!again.status.success() && text(&again).contains("уже существует"), "{}", text(&again));
    let running = domovoy(&dir, &url, &["restore", "--from", target.to_str().unwrap()]);
    assert!(!running.status.success(), "restore while serving: {}", text(&running));
    assert!(text(&running).contains("остановите службу"), "{}", text(&running));
    let nothing = domovoy(&dir, &url, &["restore", "--from", scratch.to_str().unwrap()]);
    assert!(!nothing.status.success() && text(&nothing).contains("не резервная копия"), "{}", text(&nothing));

    // Stopped, restored, started again.
    node.kill();
    let restored = domovoy(&dir, &url, &["restore", "--from", target.to_str().unwrap()]);
    assert!(restored.status.success(), "restore: {}", text(&restored));
    assert!(text(&restored).contains("Восстановлено"), "{}", text(&restored));
    let kept = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("domovoy.db.before-restore-"));
    assert!(kept, "the replaced database is kept aside");
    let node = Node::start(&dir, &env).await;
    let token = node.token("dispatcher").await;
    all_there(&node.url(""), &token, &before).await;
    let file =
        client().get(node.url(&format!("/api/v1/attachments/{attachment}"))).bearer_auth(&token).send().await.unwrap();
    assert_eq!(file.status(), reqwest::StatusCode::OK);
    assert_eq!(file.bytes().await.unwrap().as_ref(), photo.as_slice(), "the photo came back with the database");
    eprintln!("{} tickets acknowledged before the backup, all restored; {} in all", before.len(), acknowledged.len());
    drop(node);
    let _ = std::fs::remove_dir_all(scratch);
}

/// Four clients filing tickets with keys on the server at `base` until
/// stopped.
struct Filing {
    stop: Arc<std::sync::atomic::AtomicBool>,
    acknowledged: Acknowledged,
    writers: Vec<tokio::task::JoinHandle<()>>,
}

/// Each request's key → the ticket answered with 201 and when.
type Acknowledged = Arc<Mutex<HashMap<String, (String, Instant)>>>;

impl Filing {
    fn start(base: &str, token: &str, building: &str) -> Filing {
        let acknowledged: Acknowledged = Arc::default();
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writers = (0..4)
            .map(|writer| {
                let (acknowledged, stop, token, building, base) =
                    (acknowledged.clone(), stop.clone(), token.to_owned(), building.to_owned(), base.to_owned());
                tokio::spawn(async move {
                    let mut n = 0;
                    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                        let key = format!("{writer}-{n}");
                        n += 1;
                        let body =
                            json!({ "building_id": building, "description": format!("{PREFIX} {key}"), "source": "phone" });
                        let answer = client()
                            .post(format!("{base}/api/v1/tickets"))
                            .bearer_auth(&token)
                            .header("Idempotency-Key", format!("backup-{key}"))
                            .json(&body)
                            .send()
                            .await
                            .unwrap();
                        if answer.status() == reqwest::StatusCode::CREATED {
                            let id = answer.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
                            acknowledged.lock().unwrap().insert(key, (id, Instant::now()));
                        }
                    }
                })
            })
            .collect();
        Filing { stop, acknowledged, writers }
    }

    async fn stop(self) -> HashMap<String, (String, Instant)> {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for writer in self.writers {
            writer.await.unwrap();
        }
        self.acknowledged.lock().unwrap().clone()
    }
}

/// The tickets acknowledged before `started` (key → id); there must be
/// some, and some after.
fn acknowledged_before(acknowledged: &HashMap<String, (String, Instant)>, started: Instant) -> HashMap<String, String> {
    let before: HashMap<String, String> =
        acknowledged.iter().filter(|(_, (_, at))| *at < started).map(|(k, (id, _))| (k.clone(), id.clone())).collect();
    assert!(before.len() > 20, "tickets were filed before the backup ({})", before.len());
    assert!(acknowledged.len() > before.len(), "and while it ran or after");
    before
}

/// Every ticket of `before` is on the server at `base`, once, as answered.
async fn all_there(base: &str, token: &str, before: &HashMap<String, String>) {
    let found = tickets_by_text(base, token, PREFIX).await;
    for (key, id) in before {
        let ids = found
            .get(&format!("{PREFIX} {key}"))
            .unwrap_or_else(|| panic!("{key}, acknowledged before the backup, is missing"));
        assert_eq!(ids, &vec![id.clone()], "{key} once, as answered");
    }
    assert!(found.values().all(|ids| ids.len() == 1), "nothing twice");
}

/// PostgreSQL, as README «Backup and restore» says: `pg_dump
/// --format=custom` while tickets are filed, `pg_restore` into an empty
/// database, `domovoy serve` on it: every ticket acknowledged before the
/// dump started is there, once.
#[actix_web::test]
async fn a_pg_dump_taken_under_load_restores_with_pg_restore_every_ticket_acknowledged_before_it() {
    let Some(app) = crate::helpers::TestApp::spawn_postgres().await else { return };
    let token = app.token("dispatcher").await;
    let building = crate::helpers::building_id(&app, &app.token("admin").await, "БЦ «Гранит»").await;
    let filing = Filing::start(&app.url(""), &token, &building);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let scratch = domovoy_store::testing::temp_dir();
    let dump = scratch.join("domovoy.dump");
    let started = Instant::now();
    let (file, url) = (dump.clone(), app.database_url().to_owned());
    let dumped = tokio::task::spawn_blocking(move || {
        Command::new("pg_dump").arg("--format=custom").arg("--file").arg(&file).arg(&url).output().unwrap()
    })
    .await
    .unwrap();
    assert!(dumped.status.success(), "pg_dump: {}", text(&dumped));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let acknowledged = filing.stop().await;
    let before = acknowledged_before(&acknowledged, started);

    let target = TestDb::postgres_empty().await.unwrap();
    let restored = Command::new("pg_restore").arg("--dbname").arg(&target.url).arg(&dump).output().unwrap();
    assert!(restored.status.success(), "pg_restore: {}", text(&restored));
    let node = Node::start(&scratch, &[("DOMOVOY_DATABASE_URL", target.url.clone())]).await;
    let token = node.token("dispatcher").await;
    all_there(&node.url(""), &token, &before).await;
    eprintln!(
        "pg_dump under load: {} tickets acknowledged before it, all restored; {} in all",
        before.len(),
        acknowledged.len()
    );
    drop(node);
    let _ = std::fs::remove_dir_all(scratch);
}
