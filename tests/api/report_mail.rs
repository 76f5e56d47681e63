//! Scheduled reports by e-mail, through a real SMTP server (aiosmtpd, a
//! Maildir on disk): a manager subscribes with filters, the job's round
//! queues one letter per period, the outbox sends it over SMTP with the
//! workbook attached; a second round in the same period sends nothing; a
//! disabled account's subscription is skipped with its reason; the API's
//! refusals (no export right, a building out of reach, no e-mail, no mail
//! settings, a bad cadence).
//!
//! Needs Python's `aiosmtpd` (`.ci/run` installs it); without it the test
//! says it skipped, unless `DOMOVOY_TEST_REQUIRE_SMTP` is set.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use chrono::{Datelike, Timelike, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, client, error_code};

/// A real SMTP server on a free loopback port, writing what it receives
/// into a Maildir; stopped when dropped.
struct SmtpServer {
    port: u16,
    maildir: PathBuf,
    _child: tokio::process::Child,
    _dir: tempfile_dir::Dir,
}

mod tempfile_dir {
    /// A directory removed when dropped.
    pub struct Dir(pub std::path::PathBuf);

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

impl SmtpServer {
    async fn start() -> Option<SmtpServer> {
        let available =
            std::process::Command::new("python3").args(["-c", "import aiosmtpd"]).status().is_ok_and(|s| s.success());
        if !available {
            assert!(
                std::env::var_os("DOMOVOY_TEST_REQUIRE_SMTP").is_none(),
                "DOMOVOY_TEST_REQUIRE_SMTP is set but Python's aiosmtpd is missing (pip install aiosmtpd)"
            );
            eprintln!("skipped: Python's aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = std::env::temp_dir().join(format!("domovoy-smtp-{}", uuid::Uuid::now_v7()));
        let maildir = dir.join("mail");
        std::fs::create_dir_all(&dir).unwrap();
        let child = tokio::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .kill_on_drop(true)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(SmtpServer { port, maildir, _child: child, _dir: tempfile_dir::Dir(dir) });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not listen on {port}");
    }

    fn letters(&self) -> Vec<String> {
        read_dir(&self.maildir.join("new"))
    }

    /// Waits until `count` letters have arrived (at most 20 s).
    async fn wait_for(&self, count: usize) -> Vec<String> {
        for _ in 0..200 {
            let letters = self.letters();
            if letters.len() >= count {
                return letters;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("expected {count} letters, got {}", self.letters().len());
    }
}

fn read_dir(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries.filter_map(Result::ok).map(|e| std::fs::read_to_string(e.path()).unwrap()).collect()
}

/// The base64 body of the MIME part whose headers hold `marker`.
fn part_body(letter: &str, marker: &str) -> Vec<u8> {
    let letter = letter.replace("\r\n", "\n");
    let start = letter.find(marker).unwrap_or_else(|| panic!("no part with {marker:?} in\n{letter}"));
    let rest = &letter[start..];
    let body_start = rest.find("\n\n").expect("part headers end") + 2;
    let body: String = rest[body_start..].lines().take_while(|l| !l.starts_with("--")).collect();
    base64::engine::general_purpose::STANDARD.decode(body.trim()).expect("the part is base64")
}

/// A header's value, RFC 2047 words decoded (lettre writes UTF-8 base64).
fn header(letter: &str, name: &str) -> String {
    let letter = letter.replace("\r\n", "\n");
    let mut value = String::new();
    let mut lines =
        letter.lines().skip_while(|l| !l.to_ascii_lowercase().starts_with(&format!("{}:", name.to_ascii_lowercase())));
    if let Some(first) = lines.next() {
        value.push_str(first[name.len() + 1..].trim());
        for more in lines.take_while(|l| l.starts_with(' ') || l.starts_with('\t')) {
            value.push(' ');
            value.push_str(more.trim());
        }
    }
    // Whitespace between two encoded words is not text (RFC 2047 §6.2).
    let mut text = String::new();
    let mut after_encoded = false;
    for word in value.split_whitespace() {
        match word.strip_prefix("=?utf-8?b?").or_else(|| word.strip_prefix("=?UTF-8?B?")) {
            Some(encoded) => {
                if !after_encoded && !text.is_empty() {
                    text.push(' ');
                }
                let bytes = base64::engine::general_purpose::STANDARD.decode(encoded.trim_end_matches("?=")).unwrap();
                text.push_str(&String::from_utf8(bytes).unwrap());
                after_encoded = true;
            }
            None => {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(word);
                after_encoded = false;
            }
        }
    }
    text
}

async fn delete(app: &TestApp, token: &str, path: &str) -> StatusCode {
    client().delete(app.url(path)).bearer_auth(token).send().await.unwrap().status()
}

async fn mail_app(smtp: &SmtpServer, postgres: bool) -> Option<TestApp> {
    let port = smtp.port;
    let adjust = move |s: &mut domovoy::Settings| {
        s.mail = Some(domovoy::settings::MailSettings {
            smtp_url: domovoy::settings::Secret::new(format!("smtp://127.0.0.1:{port}")),
            from: "Домовой <noreply@uk.example>".to_owned(),
        });
        s.outbox.poll_interval_ms = 100;
    };
    if postgres {
        TestApp::spawn_postgres_configured(adjust).await
    } else {
        Some(TestApp::spawn_configured(adjust).await)
    }
}

async fn scheduled_reports_arrive_by_email(app: &TestApp, smtp: &SmtpServer) {
    let manager = app.token("manager").await;

    // Refusals first: a cadence that does not exist; a dispatcher, who may
    // not download reports.
    let bad = app.post(&manager, "/api/v1/report-subscriptions", &json!({ "report": "sla", "cadence": "daily" })).await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let unknown =
        app.post(&manager, "/api/v1/report-subscriptions", &json!({ "report": "gossip", "cadence": "weekly" })).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A grouping the report does not have is refused now, not at the
    // first letter.
    let grouped = json!({ "report": "visits", "cadence": "weekly", "filters": { "group": "category" } });
    let grouped = app.post(&manager, "/api/v1/report-subscriptions", &grouped).await;
    assert_eq!(grouped.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let dispatcher = app.token("dispatcher").await;
    let refused =
        app.post(&dispatcher, "/api/v1/report-subscriptions", &json!({ "report": "sla", "cadence": "weekly" })).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // The manager subscribes to the SLA report by category, weekly.
    let created = app
        .post(
            &manager,
            "/api/v1/report-subscriptions",
            &json!({ "report": "sla", "cadence": "weekly", "filters": { "group": "category", "from": "2020-01-01" } }),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["filters"], "group=category", "the period is not kept: {created}");
    let next: chrono::DateTime<Utc> = created["next_run_at"].as_str().unwrap().parse().unwrap();
    let local = next.with_timezone(&chrono_tz::Europe::Moscow);
    assert_eq!((local.weekday(), local.hour(), local.minute()), (chrono::Weekday::Mon, 7, 0), "{local}");
    assert!(next > Utc::now() && next - Utc::now() <= chrono::Duration::days(7));
    let id = created["id"].as_str().unwrap().to_owned();

    // Not due yet: nothing goes.
    assert_eq!(domovoy_app::report_subscriptions::send_due(&app.app, Utc::now()).await.unwrap(), 0);

    // Due: one letter, and the round after it in the same period sends none.
    let at = next + chrono::Duration::minutes(1);
    assert_eq!(domovoy_app::report_subscriptions::send_due(&app.app, at).await.unwrap(), 1);
    assert_eq!(domovoy_app::report_subscriptions::send_due(&app.app, at).await.unwrap(), 0);
    let letters = smtp.wait_for(1).await;
    assert_eq!(letters.len(), 1);
    let letter = &letters[0];
    assert!(letter.contains("X-RcptTo: manager@domovoy.demo"), "{letter}");
    let week_to = local.date_naive().pred_opt().unwrap();
    let week_from = week_to - chrono::Duration::days(6);
    let ru = |d: chrono::NaiveDate| d.format("%d.%m.%Y").to_string();
    assert_eq!(header(letter, "Subject"), format!("Отчёт «Соблюдение SLA» за {} — {}", ru(week_from), ru(week_to)));
    assert!(header(letter, "Message-ID").ends_with("@uk.example>"), "{}", header(letter, "Message-ID"));
    let text = String::from_utf8(part_body(letter, "Content-Type: text/plain")).unwrap();
    assert!(text.starts_with("Здравствуйте, "), "{text}");
    assert!(text.contains("во вложении") && text.contains("Заявок: "), "{text}");
    let file = format!("sla-{week_from}-{week_to}.xlsx");
    let workbook = part_body(letter, &format!("filename=\"{file}\""));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(workbook)).expect("the attachment is an XLSX");
    let mut sheets = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/workbook.xml").unwrap(), &mut sheets).unwrap();
    assert!(sheets.contains("<sheet name="), "{sheets}");

    // The subscription says what went and when the next one goes.
    let list: Value = app.get(&manager, "/api/v1/report-subscriptions").await.json().await.unwrap();
    let mine = list.as_array().unwrap().iter().find(|s| s["id"] == id.as_str()).unwrap();
    assert_eq!(mine["last_period"], format!("{week_from}..{week_to}"));
    assert!(mine["last_error"].is_null());
    let moved: chrono::DateTime<Utc> = mine["next_run_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(moved - next, chrono::Duration::days(7));

    // A disabled account's subscription is moved on with its reason, and
    // no letter goes.
    let admin = app.token("admin").await;
    let manager_id = app.user_id(&admin, "manager").await;
    let disabled = app.post(&admin, &format!("/api/v1/users/{manager_id}/disable"), &json!({})).await;
    assert_eq!(disabled.status(), StatusCode::OK);
    assert_eq!(
        domovoy_app::report_subscriptions::send_due(&app.app, moved + chrono::Duration::minutes(1)).await.unwrap(),
        0
    );
    let enabled = app.post(&admin, &format!("/api/v1/users/{manager_id}/enable"), &json!({})).await;
    assert_eq!(enabled.status(), StatusCode::OK);
    let manager = app.token("manager").await;
    let list: Value = app.get(&manager, "/api/v1/report-subscriptions").await.json().await.unwrap();
    assert_eq!(list[0]["last_error"], "account_disabled", "{list}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.letters().len(), 1, "no letter for a disabled account");

    // The administrator's page shows the server without secrets and sends
    // a test letter to the administrator's own address.
    let browser = app.browser();
    app.browser_login(&browser, "admin", domovoy::demo::DEMO_PASSWORD).await;
    let page = browser.get(app.url("/admin/integrations")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains(&format!("<code>smtp://127.0.0.1:{}</code>", smtp.port)), "the server is shown");
    assert!(page.contains("Последняя доставка"), "with the channel's state");
    let csrf = crate::helpers::hidden_value(&page, "csrf_token");
    let sent = browser
        .post(app.url("/admin/integrations/mail/test"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let letters = smtp.wait_for(2).await;
    let test = letters.iter().find(|l| l.contains("X-RcptTo: admin@domovoy.demo")).expect("the test letter");
    assert_eq!(header(test, "Subject"), "Домовой: пробное письмо");

    // Cancelled: gone, and a second cancel finds nothing.
    assert_eq!(delete(app, &manager, &format!("/api/v1/report-subscriptions/{id}")).await, StatusCode::NO_CONTENT);
    assert_eq!(delete(app, &manager, &format!("/api/v1/report-subscriptions/{id}")).await, StatusCode::NOT_FOUND);
    let list: Value = app.get(&manager, "/api/v1/report-subscriptions").await.json().await.unwrap();
    assert_eq!(list, json!([]));
}

#[actix_web::test]
async fn scheduled_reports_arrive_by_email_on_sqlite() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = mail_app(&smtp, false).await.unwrap();
    scheduled_reports_arrive_by_email(&app, &smtp).await;
}

#[actix_web::test]
async fn scheduled_reports_arrive_by_email_on_postgres() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let Some(app) = mail_app(&smtp, true).await else {
        eprintln!("skipped: DOMOVOY_TEST_POSTGRES_URL is not set");
        return;
    };
    scheduled_reports_arrive_by_email(&app, &smtp).await;
}

#[actix_web::test]
async fn a_subscription_needs_mail_settings_and_an_address() {
    // No [mail]: refused with the reason.
    let app = TestApp::spawn().await;
    let manager = app.token("manager").await;
    let refused =
        app.post(&manager, "/api/v1/report-subscriptions", &json!({ "report": "sla", "cadence": "weekly" })).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(refused).await, "mail_not_configured");

    // With [mail] but no address in the profile (a new manager's).
    let app = TestApp::spawn_configured(|s| {
        s.mail = Some(domovoy::settings::MailSettings {
            smtp_url: domovoy::settings::Secret::new("smtp://127.0.0.1:9".to_owned()),
            from: "noreply@uk.example".to_owned(),
        });
    })
    .await;
    let admin = app.token("admin").await;
    let created = app.post(&admin, "/api/v1/users", &json!({ "login": "nomail", "display_name": "Без Почты" })).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let created: Value = created.json().await.unwrap();
    let password = created["initial_password"].as_str().unwrap().to_owned();
    let id = created["user"]["id"].as_str().unwrap().to_owned();
    let roles: Value = app.get(&admin, "/api/v1/roles").await.json().await.unwrap();
    let manager_role =
        roles.as_array().unwrap().iter().find(|r| r["template"] == "property_manager").unwrap()["id"].clone();
    let granted = app
        .post(&admin, &format!("/api/v1/users/{id}/assignments"), &json!({ "role_id": manager_role, "scope": "all" }))
        .await;
    assert_eq!(granted.status(), StatusCode::CREATED, "{}", granted.text().await.unwrap());
    let response = app.login("nomail", &password).await;
    let token = response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned();
    let refused =
        app.post(&token, "/api/v1/report-subscriptions", &json!({ "report": "sla", "cadence": "weekly" })).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_code(refused).await, "no_email");
}
