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

use std::time::Duration;

use chrono::{Datelike, Timelike, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code};
use crate::smtp::{SmtpServer, header, mail_app, part_body};

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
    // The wall clock set back an hour after the letter went (NTP
    // correcting a fast clock), then forward past the hour again: the
    // rounds at those times find nothing due (the job takes its time from
    // the wall clock).
    for stepped in [at - chrono::Duration::hours(1), at + chrono::Duration::minutes(5)] {
        assert_eq!(domovoy_app::report_subscriptions::send_due(&app.app, stepped).await.unwrap(), 0);
    }
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
    assert_eq!(
        app.delete(&manager, &format!("/api/v1/report-subscriptions/{id}")).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.delete(&manager, &format!("/api/v1/report-subscriptions/{id}")).await.status(),
        StatusCode::NOT_FOUND
    );
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
