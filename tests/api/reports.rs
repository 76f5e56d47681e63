//! Reports over HTTP: figures against hand-counted tickets of a building of
//! the test's own (in Vladivostok, so the building's dates differ from
//! UTC's), drill-downs that list what a figure counts, the building scope of
//! a manager, `reports.read` and `reports.export`, downloads, bad filters;
//! and the kept reopen counts against counting the history from scratch.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

use domovoy_domain::ids::{BuildingId, TicketId};
use domovoy_domain::sla::{Schedule, SlaTargets};
use domovoy_domain::ticket::{
    Description, HistoryChange, Priority, Rating, Ticket, TicketNumber, TicketParts, TicketSla, TicketSource,
    TicketStatus,
};

use domovoy::demo::DEMO_PASSWORD;

use crate::helpers::{TestApp, error_code};

/// One hand-made ticket: when it was filed (Vladivostok time), where from,
/// its end, its clocks' dues and when it met them.
struct Seed {
    local: (u32, u32, u32, u32),
    source: TicketSource,
    status: TicketStatus,
    /// Minutes after filing: first response, resolution.
    responded: Option<i64>,
    resolved: Option<i64>,
    rating: Option<(i64, &'static str)>,
    reopened: bool,
    /// Under the test's working-hours policy: the clocks' dues (minutes
    /// after filing), the resolution clock's working minutes (pauses
    /// excluded, as the SLA actor keeps them) and a pause.
    policy: Option<PolicySeed>,
}

struct PolicySeed {
    response_due: i64,
    resolution_due: i64,
    used_minutes: i64,
    pause: (i64, i64),
}

fn vladivostok(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Vladivostok.with_ymd_and_hms(2026, month, day, hour, minute, 0).unwrap().with_timezone(&Utc)
}

async fn seed(app: &TestApp, building: BuildingId, seeds: Vec<Seed>) -> Vec<(TicketId, String)> {
    app.store()
        .write(move |tx| {
            Box::pin(async move {
                // Weekdays 9:00–18:00 in the building's zone, by the
                // production calendar.
                let policy = domovoy_store::sla::insert(
                    tx,
                    &domovoy_store::sla::PolicyDraft {
                        name: "Восток: рабочие часы".into(),
                        building_id: Some(building),
                        category_id: None,
                        priority: Some(Priority::High),
                        targets: SlaTargets {
                            response_minutes: Some(60),
                            resolution_minutes: Some(480),
                            warn_percent: 80,
                        },
                        schedule: Schedule::office(),
                        template: None,
                    },
                )
                .await?;
                let mut made = Vec::new();
                for s in seeds {
                    let (month, day, hour, minute) = s.local;
                    let created = vladivostok(month, day, hour, minute);
                    let at = |m: Option<i64>| m.map(|m| created + Duration::minutes(m));
                    let ticket = Ticket::from_parts(TicketParts {
                        id: TicketId::new(),
                        number: TicketNumber { year: 2026, seq: 0 },
                        source: s.source,
                        building_id: building,
                        unit_id: None,
                        client_id: None,
                        contact_name: None,
                        contact_phone: None,
                        location: None,
                        place_id: None,
                        category_id: None,
                        problem_id: None,
                        priority: if s.policy.is_some() { Priority::High } else { Priority::Normal },
                        description: Description::from_stored("Течёт кран на кухне".to_owned()),
                        team_id: None,
                        created_by: None,
                        version: 1,
                        created_at: created,
                        updated_at: created,
                        sla: match &s.policy {
                            Some(p) => TicketSla {
                                policy_id: Some(policy.id),
                                response_due: at(Some(p.response_due)),
                                resolution_due: at(Some(p.resolution_due)),
                                used_minutes: p.used_minutes,
                                ..TicketSla::none()
                            },
                            None => TicketSla {
                                response_due: Some(created + Duration::minutes(30)),
                                resolution_due: Some(created + Duration::hours(24)),
                                ..TicketSla::none()
                            },
                        },
                        status: s.status,
                        hold_reason: None,
                        end_reason: None,
                        assignee_id: None,
                        en_route_at: None,
                        responded_at: at(s.responded),
                        resolved_at: at(s.resolved),
                        closed_at: None,
                        rating: s.rating.map(|(r, _)| Rating::parse(r).unwrap()),
                        rating_comment: s.rating.map(|(_, c)| c.to_owned()),
                        rated_at: s.rating.and(at(s.resolved)),
                        flagged: false,
                    });
                    let mut ticket = ticket;
                    ticket.number = domovoy_store::tickets::next_number(tx, 2026).await?;
                    domovoy_store::tickets::insert(tx, &ticket).await?;
                    if let Some(p) = &s.policy {
                        let (from, to) = p.pause;
                        domovoy_store::tickets::record_pause(
                            tx,
                            ticket.id,
                            created + Duration::minutes(from),
                            at(Some(to)),
                        )
                        .await?;
                    }
                    if s.reopened {
                        let reopen = HistoryChange::Status {
                            from: TicketStatus::Done,
                            to: TicketStatus::Reopened,
                            reason: Some("снова течёт".into()),
                            hold_reason: None,
                        };
                        domovoy_store::tickets::add_history_at(tx, ticket.id, created, (None, "test"), &reopen).await?;
                    }
                    made.push((ticket.id, ticket.number.to_string()));
                }
                Ok::<_, domovoy_store::StoreError>(made)
            })
        })
        .await
        .unwrap()
        .value
}

async fn json_of(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(token, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

async fn reports_count_what_happened(app: TestApp) {
    let admin = app.token("admin").await;
    let created = app
        .post(
            &admin,
            "/api/v1/buildings",
            &json!({"name": "ЖК «Восток»", "address": "г. Владивосток", "kind": "residential", "time_zone": "Asia/Vladivostok"}),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let building: Value = created.json().await.unwrap();
    let building_id: BuildingId = building["id"].as_str().unwrap().parse().unwrap();
    let b = building_id.to_string();

    use TicketSource::{Email, Phone, ResidentApp, Staff, WalkIn};
    use TicketStatus::{Cancelled, Done, New};
    let made = seed(
        &app,
        building_id,
        vec![
            // Answered in 20 minutes, done in 3 hours, rated 5.
            Seed {
                local: (11, 2, 9, 0),
                source: Phone,
                status: Done,
                responded: Some(20),
                resolved: Some(180),
                rating: Some((5, "Спасибо")),
                reopened: false,
                policy: None,
            },
            // Answered late (50 > 30), done late (30 h > 24 h), reopened once, rated 2.
            Seed {
                local: (11, 3, 10, 0),
                source: ResidentApp,
                status: Done,
                responded: Some(50),
                resolved: Some(1800),
                rating: Some((2, "Долго")),
                reopened: true,
                policy: None,
            },
            // The last evening of the period, never answered: both clocks late.
            Seed {
                local: (11, 30, 23, 30),
                source: Phone,
                status: New,
                responded: None,
                resolved: None,
                rating: None,
                reopened: false,
                policy: None,
            },
            // Cancelled unanswered: no clock counts it.
            Seed {
                local: (11, 15, 12, 0),
                source: WalkIn,
                status: Cancelled,
                responded: None,
                resolved: None,
                rating: None,
                reopened: false,
                policy: None,
            },
            // Under working hours: filed at 16:30 on the short day before
            // the 4 November holiday (30 working minutes that day), answered
            // at 9:15 on the 5th: 45 working minutes. Done at 12:00 after an
            // hour waiting for the resident: 30 + 180 − 60 = 150.
            Seed {
                local: (11, 3, 16, 30),
                source: Staff,
                status: Done,
                responded: Some(2445),
                resolved: Some(2610),
                rating: None,
                reopened: false,
                policy: Some(PolicySeed {
                    response_due: 2460,
                    resolution_due: 2940,
                    used_minutes: 150,
                    pause: (2490, 2550),
                }),
            },
            // Ten minutes into December in Vladivostok: still 30 November in
            // UTC, outside the period.
            Seed {
                local: (12, 1, 0, 10),
                source: Email,
                status: New,
                responded: None,
                resolved: None,
                rating: None,
                reopened: false,
                policy: None,
            },
        ],
    )
    .await;
    let number = |i: usize| made[i].1.clone();
    let all = format!("from=2026-11-01&to=2026-11-30&building_id={b}");

    // Working time: the policy's hours, the calendar's short day and
    // holiday, the pause left out.
    let staff = json_of(&app, &admin, &format!("/api/v1/reports/sla?{all}&source=staff")).await;
    assert_eq!(staff["totals"]["tickets"], 1, "{staff}");
    assert_eq!(
        (staff["totals"]["response_met"].as_i64(), staff["totals"]["resolution_met"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(staff["totals"]["response_median"], 45.0, "{staff}");
    assert_eq!(staff["totals"]["resolution_median"], 150.0, "{staff}");

    // The rest: tickets without a policy (plain minutes).
    let period = format!("{all}&priority=normal");

    // SLA: the contract's totals, the medians in minutes.
    let sla = json_of(&app, &admin, &format!("/api/v1/reports/sla?{period}")).await;
    assert_eq!(sla["filters"]["from"], "2026-11-01");
    assert_eq!(sla["filters"]["building_id"], b.as_str());
    let totals = &sla["totals"];
    assert_eq!(totals["tickets"], 4, "{sla}");
    assert_eq!((totals["response_met"].as_i64(), totals["response_breached"].as_i64()), (Some(1), Some(2)), "{sla}");
    assert_eq!((totals["resolution_met"].as_i64(), totals["resolution_breached"].as_i64()), (Some(1), Some(2)));
    assert_eq!(totals["response_median"], 35.0, "median of 20 and 50");
    assert_eq!(totals["response_p90"], 47.0, "20 + 0.9 × 30");
    assert_eq!(totals["resolution_median"], 990.0, "median of 180 and 1800");
    assert!((totals["response_share"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    let rows = sla["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "one building: {sla}");
    assert_eq!(rows[0]["key"], b.as_str());
    assert_eq!(rows[0]["name"], "ЖК «Восток»");
    let breaches = sla["tables"]["breaches"].as_array().unwrap();
    assert_eq!(breaches.len(), 4, "two tickets, two clocks each: {sla}");

    // The figure's tickets, and a row's.
    let drill = json_of(&app, &admin, &format!("/api/v1/reports/sla/tickets?{period}&measure=response_breached")).await;
    assert_eq!(drill["total"], 2);
    let mut numbers: Vec<&str> =
        drill["tickets"].as_array().unwrap().iter().map(|t| t["number"].as_str().unwrap()).collect();
    numbers.sort_unstable();
    assert_eq!(numbers, vec![number(1).as_str(), number(2).as_str()]);
    let drill = json_of(
        &app,
        &admin,
        &format!("/api/v1/reports/sla/tickets?{period}&measure=response_breached&by=source&key=phone"),
    )
    .await;
    assert_eq!(drill["total"], 1);
    assert_eq!(drill["tickets"][0]["number"], number(2).as_str());

    // Sources: the December ticket is not counted.
    let sources = json_of(&app, &admin, &format!("/api/v1/reports/sources?{period}")).await;
    assert_eq!(sources["totals"]["tickets"], 4);
    assert_eq!(sources["totals"]["phone"], 2);
    assert_eq!(sources["totals"]["email"], 0, "{sources}");
    let december =
        json_of(&app, &admin, &format!("/api/v1/reports/sources?from=2026-12-01&to=2026-12-01&building_id={b}")).await;
    assert_eq!(december["totals"]["email"], 1, "{december}");

    // Quality and workload.
    let quality = json_of(&app, &admin, &format!("/api/v1/reports/quality?{period}")).await;
    assert_eq!(quality["totals"]["rated"], 2);
    assert_eq!(quality["totals"]["average"], 3.5);
    assert_eq!((quality["totals"]["rating_5"].as_i64(), quality["totals"]["rating_2"].as_i64()), (Some(1), Some(1)));
    assert_eq!(quality["tables"]["low"][0]["comment"], "Долго");
    let workload = json_of(&app, &admin, &format!("/api/v1/reports/workload?{period}")).await;
    assert_eq!(workload["totals"]["reopened"], 1, "the trigger counted the reopen: {workload}");
    assert_eq!(workload["totals"]["first_time_fix"], 1);
    assert_eq!(workload["totals"]["resolved"], 2);
    assert_eq!(workload["totals"]["open"], 1);

    // Backlog: open now (whatever the period), opened and closed in it.
    let backlog = json_of(&app, &admin, &format!("/api/v1/reports/backlog?{period}")).await;
    assert_eq!((backlog["totals"]["open"].as_i64(), backlog["totals"]["opened"].as_i64()), (Some(2), Some(4)));
    assert_eq!(backlog["totals"]["closed"], 2);
    let flow = backlog["rows"].as_array().unwrap();
    assert_eq!(flow.len(), 30, "every day of November");
    assert_eq!(flow[1]["key"], "2026-11-02");
    assert_eq!((flow[1]["opened"].as_i64(), flow[1]["closed"].as_i64()), (Some(1), Some(1)));
    let ageing = backlog["tables"]["ageing"].as_array().unwrap();
    assert_eq!(ageing.iter().map(|r| r["open"].as_i64().unwrap()).sum::<i64>(), 2);

    // Who may see what: a manager of another building neither reads this
    // one nor counts it; a client manager reads but does not download; a
    // dispatcher does not read reports.
    let manager = app.token("manager").await;
    assert_eq!(app.get(&manager, &format!("/api/v1/reports/sla?{period}")).await.status(), StatusCode::FORBIDDEN);
    let own = json_of(&app, &manager, "/api/v1/reports/sla?from=2026-11-01&to=2026-11-30").await;
    assert!(own["rows"].as_array().unwrap().iter().all(|r| r["key"] != b.as_str()), "{own}");
    let theirs =
        json_of(&app, &manager, "/api/v1/reports/sla/tickets?from=2026-11-01&to=2026-11-30&measure=tickets").await;
    let ours: Vec<String> = made.iter().map(|(id, _)| id.to_string()).collect();
    assert!(
        theirs["tickets"].as_array().unwrap().iter().all(|t| !ours.contains(&t["id"].as_str().unwrap().to_owned()))
    );
    let client_manager = app.token("client-manager").await;
    assert_eq!(app.get(&client_manager, &format!("/api/v1/reports/quality?{period}")).await.status(), StatusCode::OK);
    assert_eq!(
        app.get(&client_manager, &format!("/api/v1/reports/quality?{period}&format=xlsx")).await.status(),
        StatusCode::FORBIDDEN
    );
    let dispatcher = app.token("dispatcher").await;
    assert_eq!(app.get(&dispatcher, &format!("/api/v1/reports/sla?{period}")).await.status(), StatusCode::FORBIDDEN);

    // Downloads: a workbook, a CSV a Russian Excel opens.
    let xlsx = app.get(&admin, &format!("/api/v1/reports/sla?{period}&format=xlsx")).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = xlsx.bytes().await.unwrap();
    // The workbook reads back with the page's numbers (the first sheet is
    // the summary).
    let (sheet, _) = domovoy_app::import::read_sheet(&bytes).unwrap();
    assert_eq!(&sheet.headers[..4], ["Объект", "Заявок", "Ответ в срок", "Ответ с нарушением"]);
    assert_eq!(&sheet.rows[0][..4], ["ЖК «Восток»", "4", "1", "2"], "{sheet:?}");
    assert!(sheet.rows[0][4].starts_with("0.333"), "a share stays a number: {sheet:?}");
    assert_eq!(sheet.rows[0][5], "35", "minutes stay numbers: {sheet:?}");
    let csv = app.get(&admin, &format!("/api/v1/reports/sla?{period}&format=csv&table=breaches")).await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = String::from_utf8(csv.bytes().await.unwrap().to_vec()).unwrap();
    assert!(text.starts_with('\u{feff}') && text.contains(&number(1)), "{text}");

    // Bad filters are refused field by field; an unknown report is 404.
    let bad = app.get(&admin, "/api/v1/reports/sla?from=01.11.2026&priority=urgent").await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = bad.json().await.unwrap();
    assert!(body["error"]["fields"]["from"].is_string() && body["error"]["fields"]["priority"].is_string(), "{body}");
    assert_eq!(
        error_code(app.get(&admin, "/api/v1/reports/sla?from=2026-11-30&to=2026-11-01").await).await,
        "validation_failed"
    );
    assert_eq!(app.get(&admin, "/api/v1/reports/weather").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(app.get(&admin, "/api/v1/reports/sla/tickets").await.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The kept reopen counts equal the history counted from scratch (the
    // demo's year and ours).
    let kept = domovoy_store::reports::kept_reopens(app.store()).await.unwrap();
    let counted = domovoy_store::reports::reopens_from_history(app.store()).await.unwrap();
    assert_eq!(kept, counted);
    assert!(kept.iter().any(|(id, n)| *id == made[1].0 && *n == 1));

    // Spoiled by hand (one count wrong, one where there was none), the
    // operator's recount puts them back from the history.
    domovoy_store::testing::spoil_reopen_count(app.store(), made[1].0, 5).await.unwrap();
    domovoy_store::testing::spoil_reopen_count(app.store(), made[0].0, 2).await.unwrap();
    assert_ne!(domovoy_store::reports::kept_reopens(app.store()).await.unwrap(), counted);
    let operator = domovoy_app::Requester::system("cli", domovoy_app::Channel::Cli);
    assert_eq!(domovoy_app::reports::recount_reopens(&app.app, &operator).await.unwrap(), 2);
    assert_eq!(domovoy_store::reports::kept_reopens(app.store()).await.unwrap(), counted);
    assert_eq!(domovoy_app::reports::recount_reopens(&app.app, &operator).await.unwrap(), 0, "nothing left to fix");
}

#[actix_web::test]
async fn the_report_pages_show_figures_charts_and_the_tickets_behind_them() {
    let app = TestApp::spawn().await;
    // The demo's last month of tickets.
    domovoy::demo::seed_history(app.store(), 30, Utc::now()).await.unwrap();
    let manager = app.browser();
    app.browser_login(&manager, "manager", DEMO_PASSWORD).await;
    let list = manager.get(app.url("/reports")).send().await.unwrap().text().await.unwrap();
    assert!(list.contains("Соблюдение SLA") && list.contains("Источники заявок"), "{list}");
    let page = manager.get(app.url("/reports/sla")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("<svg class=\"chart\"") && page.contains("Сводка") && page.contains("Скачать Excel"));
    // The first count of the summary links to its tickets; the list holds
    // as many as the figure says.
    let start = page.find("data-testid=\"report-table-groups\"").unwrap();
    let href_at = page[start..].find("href=\"/reports/sla/tickets?").unwrap() + start + 6;
    let href = page[href_at..page[href_at..].find('"').unwrap() + href_at].replace("&amp;", "&").replace("&#38;", "&");
    let figure_at = page[href_at..].find('>').unwrap() + href_at + 1;
    let figure: usize = page[figure_at..page[figure_at..].find('<').unwrap() + figure_at].parse().unwrap();
    let drill = manager.get(app.url(&href)).send().await.unwrap().text().await.unwrap();
    assert!(drill.contains(&format!("Всего заявок: {figure}")), "{href}: {drill}");
    assert_eq!(drill.matches("href=\"/tickets/").count(), figure.min(1000));
    let file = manager.get(app.url(&format!("{href}&format=xlsx"))).send().await.unwrap();
    assert_eq!(file.status(), StatusCode::OK);
    assert!(file.bytes().await.unwrap().starts_with(b"PK"));

    // The manager's one-page summary of a building: figures and charts.
    let summary = manager.get(app.url("/reports/summary")).send().await.unwrap();
    assert_eq!(summary.status(), StatusCode::OK);
    let summary = summary.text().await.unwrap();
    assert!(summary.contains("Отчёт управляющего") && summary.contains("data-figure=\"response_share\""));
    assert_eq!(summary.matches("<svg class=\"chart\"").count(), 4, "{summary}");

    // A client manager reads reports without downloads; a dispatcher none.
    let client_manager = app.browser();
    app.browser_login(&client_manager, "client-manager", DEMO_PASSWORD).await;
    let page = client_manager.get(app.url("/reports/quality")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Оценки жителей") && !page.contains("Скачать Excel"));
    let dispatcher = app.browser();
    app.browser_login(&dispatcher, "dispatcher", DEMO_PASSWORD).await;
    let refused = dispatcher.get(app.url("/reports/sla")).send().await.unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.unwrap().contains("Недостаточно прав"));
    let home = dispatcher.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(!home.contains("href=\"/reports\""), "no menu entry without reports.read");
}

#[actix_web::test]
async fn reports_count_what_happened_on_sqlite() {
    reports_count_what_happened(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn reports_count_what_happened_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    reports_count_what_happened(app).await;
}

/// The calls report's headline figures, as numbers.
async fn call_totals(app: &TestApp, token: &str) -> Vec<i64> {
    let report = json_of(app, token, "/api/v1/reports/calls").await;
    ["inbound", "answered", "answered_in_time", "missed", "callbacks_open"]
        .iter()
        .map(|k| report["totals"][k].as_i64().unwrap_or_else(|| panic!("{k}: {report}")))
        .collect()
}

async fn the_calls_report_counts_what_the_pbx_reported(app: TestApp) {
    let admin = app.token("admin").await;
    let created: Value =
        app.post(&admin, "/api/v1/integrations/pbx", &json!({"name": "АТС отчёта"})).await.json().await.unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    let before = call_totals(&app, &admin).await;
    let cti = |fields: Vec<(&'static str, &'static str)>| {
        let (app, url) = (&app, &url);
        async move {
            let sent = crate::helpers::client().post(app.url(url)).form(&fields).send().await.unwrap();
            assert_eq!(sent.status(), StatusCode::OK);
        }
    };
    // Answered at once by the dispatcher, then hung up.
    cti(vec![
        ("event", "newCall"),
        ("from", "89001000002"),
        ("to", "4951234567"),
        ("direction", "in"),
        ("callId", "rep-1"),
    ])
    .await;
    cti(vec![
        ("event", "answer"),
        ("callId", "rep-1"),
        ("direction", "in"),
        ("from", "89001000002"),
        ("user", "dispatcher"),
    ])
    .await;
    cti(vec![("event", "hangup"), ("callId", "rep-1"), ("direction", "in"), ("cause", "normalClearing")]).await;
    // Nobody answered: a missed call and a callback task.
    cti(vec![
        ("event", "newCall"),
        ("from", "89001000003"),
        ("to", "4951234567"),
        ("direction", "in"),
        ("callId", "rep-2"),
    ])
    .await;
    cti(vec![("event", "hangup"), ("callId", "rep-2"), ("direction", "in"), ("cause", "noAnswer")]).await;

    let after = call_totals(&app, &admin).await;
    let grew: Vec<i64> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
    assert_eq!(grew, vec![2, 1, 1, 1, 1], "inbound, answered, within 5 min, missed, awaiting a callback");
    let report = json_of(&app, &admin, "/api/v1/reports/calls?group=hour").await;
    assert_eq!(report["rows"].as_array().unwrap().len(), 24, "every hour of the day");
    assert_eq!(
        app.get(&admin, "/api/v1/reports/calls?group=category").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let page = app.browser();
    app.browser_login(&page, "admin", DEMO_PASSWORD).await;
    let html = page.get(app.url("/reports/calls")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Ответ за 5 минут") && html.contains("href=\"/calls?from="), "links to the call log");
}

#[actix_web::test]
async fn the_calls_report_counts_what_the_pbx_reported_on_sqlite() {
    the_calls_report_counts_what_the_pbx_reported(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn the_calls_report_counts_what_the_pbx_reported_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    the_calls_report_counts_what_the_pbx_reported(app).await;
}

async fn visit_totals(app: &TestApp, token: &str, tower: &str) -> (i64, i64) {
    let report = json_of(app, token, &format!("/api/v1/reports/visits?building_id={tower}")).await;
    (report["totals"]["visits"].as_i64().unwrap(), report["totals"]["on_site"].as_i64().unwrap())
}

/// The visits report counts what the guard desk marked: two guests let in
/// today, one of them gone; by building and by kind of pass; its counts
/// open the desk's visits log; a guard (no `reports.read`) is refused.
async fn the_visits_report_counts_what_the_desk_marked(app: TestApp) {
    let manager = app.token("manager").await;
    let admin = app.token("admin").await;
    let tower = crate::helpers::building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let (visits_before, on_site_before) = visit_totals(&app, &manager, &tower).await;
    let resident = app.token("+79001000001").await;
    let guard = app.token("guard").await;
    let mut ids = Vec::new();
    for name in ["Отчётов Пётр Ильич", "Визитова Анна Сергеевна"] {
        let issued = app.post(&resident, "/api/v1/passes", &json!({"kind": "guest", "visitor_name": name})).await;
        assert_eq!(issued.status(), StatusCode::CREATED);
        let id = issued.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
        let arrived = app.post(&guard, &format!("/api/v1/passes/{id}/arrival"), &json!({})).await;
        assert_eq!(arrived.status(), StatusCode::CREATED);
        ids.push(id);
    }
    let left = app.post(&guard, &format!("/api/v1/passes/{}/departure", ids[0]), &json!({})).await;
    assert_eq!(left.status(), StatusCode::OK);

    let (visits, on_site) = visit_totals(&app, &manager, &tower).await;
    assert_eq!((visits - visits_before, on_site - on_site_before), (2, 1));
    let by_building =
        json_of(&app, &manager, &format!("/api/v1/reports/visits?group=building&building_id={tower}")).await;
    let rows = by_building["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{by_building}");
    assert_eq!(rows[0]["visits"].as_i64(), Some(visits));
    let kinds = by_building["tables"]["kinds"].as_array().unwrap();
    let guests = kinds.iter().find(|r| r["key"] == "guest").unwrap();
    assert_eq!(guests["name"], "guest");
    assert!(guests["visits"].as_i64().unwrap() >= 2, "{kinds:?}");

    assert_eq!(
        app.get(&manager, "/api/v1/reports/visits?group=category").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(app.get(&guard, "/api/v1/reports/visits").await.status(), StatusCode::FORBIDDEN);
    let xlsx = app.get(&manager, &format!("/api/v1/reports/visits?building_id={tower}&format=xlsx")).await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));

    let page = app.browser();
    app.browser_login(&page, "manager", DEMO_PASSWORD).await;
    let html =
        page.get(app.url(&format!("/reports/visits?building_id={tower}"))).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Среднее время на территории"), "the page words its columns");
    // The desk's own report opens on the same building and day.
    let start = html.find("href=\"/guard/report?building=").unwrap() + "href=\"".len();
    let link = html[start..].split('"').next().unwrap().replace("&#38;", "&");
    let desk = page.get(app.url(&link)).send().await.unwrap();
    assert_eq!(desk.status(), StatusCode::OK, "{link}");
    assert!(desk.text().await.unwrap().contains("Гость (разовый)"), "the desk's report lists the guests' day: {link}");
    assert!(
        html.contains(&format!("href=\"/guard/report?building={tower}&#38;from=")),
        "counts open the visits log: {}",
        html.lines().filter(|l| l.contains("guard/report") || l.contains("data-figure")).collect::<Vec<_>>().join("\n")
    );
}

#[actix_web::test]
async fn the_visits_report_counts_what_the_desk_marked_on_sqlite() {
    the_visits_report_counts_what_the_desk_marked(TestApp::spawn().await).await;
}

#[actix_web::test]
async fn the_visits_report_counts_what_the_desk_marked_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    the_visits_report_counts_what_the_desk_marked(app).await;
}
