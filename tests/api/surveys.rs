//! Surveys end to end, on both backends: the client-service office builds
//! a survey for the tower and publishes it; residents of the tower see it,
//! a resident elsewhere does not; an answer is stored once however many
//! times it is sent at once, a retry with its key gets the first reply;
//! the results count what was answered (NPS, averages, choices); an
//! anonymous survey keeps no trace of who answered what; after closing,
//! answers are refused.

use std::collections::HashSet;

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, building_id, error_code};
use crate::smtp::{SmtpServer, mail_app, part_body};

fn questions() -> Value {
    json!([
        { "kind": "single", "text": "Как часто убирают подъезд?", "options": ["Каждый день", "Раз в неделю", "Реже"], "required": true },
        { "kind": "multiple", "text": "Что улучшить?", "options": ["Уборку", "Лифты", "Двор"], "required": false },
        { "kind": "scale", "text": "Оцените работу диспетчеров", "required": true },
        { "kind": "nps", "text": "Порекомендуете ли вы нашу УК соседям?", "required": true },
        { "kind": "text", "text": "Что ещё нам стоит знать?", "required": false },
        { "kind": "yes_no", "text": "Нужна ли вторая детская площадка?", "required": true }
    ])
}

/// A survey written and published; answers it as written.
async fn published(app: &TestApp, token: &str, body: &Value) -> (Value, String) {
    let survey = created(app, token, body).await;
    let id = survey["id"].as_str().unwrap().to_owned();
    let published = app.post(token, &format!("/api/v1/surveys/{id}/publish"), &json!({})).await;
    assert_eq!(published.status(), StatusCode::OK);
    (survey, id)
}

async fn created(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post(token, "/api/v1/surveys", body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// The answers of one resident: choice, choices, mark, score, text, yes/no.
fn answers(survey: &Value, choice: i64, mark: i64, score: i64, text: &str, yes: bool) -> Value {
    let q = |i: usize| survey["questions"][i]["id"].clone();
    json!({ "answers": [
        { "question_id": q(0), "value": choice },
        { "question_id": q(1), "value": [0, 2] },
        { "question_id": q(2), "value": mark },
        { "question_id": q(3), "value": score },
        { "question_id": q(4), "value": text },
        { "question_id": q(5), "value": yes }
    ]})
}

async fn answer(app: &TestApp, token: &str, id: &str, body: &Value, key: &str) -> reqwest::Response {
    crate::helpers::client()
        .post(app.url(&format!("/api/v1/surveys/{id}/responses")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn a_survey_is_published_answered_once_and_counted(app: &TestApp) {
    let service = app.token("service").await;
    let tower = building_id(app, &service, "ЖК «Северная звезда»").await;
    let body = json!({ "title": "Качество обслуживания 2026", "intro": "Пять минут, и мы станем лучше.",
                       "questions": questions(), "audience": { "building_ids": [tower] }, "anonymous": true });

    // Refusals: a dispatcher may not build surveys; a choice question
    // needs two choices, and the error names the question's place.
    let dispatcher = app.token("dispatcher").await;
    assert_eq!(app.post(&dispatcher, "/api/v1/surveys", &body).await.status(), StatusCode::FORBIDDEN);
    let mut wrong = body.clone();
    wrong["questions"][0]["options"] = json!(["Только один"]);
    let refused = app.post(&service, "/api/v1/surveys", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = refused.json().await.unwrap();
    assert!(refused.to_string().contains("questions[0].options"), "{refused}");

    let draft = created(app, &service, &body).await;
    let id = draft["id"].as_str().unwrap().to_owned();
    assert_eq!(draft["status"], "draft");
    // A draft is changed whole (a typo in the title here).
    let mut fixed = body.clone();
    fixed["title"] = json!("Качество обслуживания — 2026");
    let changed = app.put(&service, &format!("/api/v1/surveys/{id}"), &fixed).await;
    assert_eq!(changed.status(), StatusCode::OK);
    let survey: Value = changed.json().await.unwrap();
    assert_eq!(survey["title"], "Качество обслуживания — 2026");
    assert_eq!(survey["questions"].as_array().unwrap().len(), 6);
    assert!(survey["eligible"].as_u64().unwrap() >= 2, "the tower's residents: {survey}");

    // A draft is nobody's to answer.
    let ivanov = app.token("+79001000001").await;
    let fedorova = app.token("+79001000002").await;
    let belov = app.token("+79001000003").await;
    let open: Value = app.get(&ivanov, "/api/v1/surveys?open=true").await.json().await.unwrap();
    assert!(open.as_array().unwrap().iter().all(|s| s["id"] != id.as_str()), "{open}");
    assert_eq!(
        answer(app, &ivanov, &id, &answers(&survey, 0, 5, 10, "", true), "k0").await.status(),
        StatusCode::NOT_FOUND
    );

    let published = app.post(&service, &format!("/api/v1/surveys/{id}/publish"), &json!({})).await;
    assert_eq!(published.status(), StatusCode::OK);
    let again = app.post(&service, &format!("/api/v1/surveys/{id}/publish"), &json!({})).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(again).await, "survey_not_open");
    // Published: its questions are frozen.
    let frozen = app.put(&service, &format!("/api/v1/surveys/{id}"), &body).await;
    assert_eq!(error_code(frozen).await, "survey_not_open");

    // The tower's residents are told (their phones, the cabinet's list);
    // Белов lives elsewhere.
    let told = |list: Value| {
        list["items"].as_array().unwrap().iter().any(|n| {
            n["kind"] == "survey.published" && n["detail"] == "Качество обслуживания — 2026" && n["ticket_id"].is_null()
        })
    };
    assert!(told(app.get(&ivanov, "/api/v1/notifications").await.json().await.unwrap()), "Иванов is told");
    assert!(!told(app.get(&belov, "/api/v1/notifications").await.json().await.unwrap()), "Белов is not");
    // The tower's residents see it; Белов lives elsewhere.
    let open: Value = app.get(&ivanov, "/api/v1/surveys?open=true").await.json().await.unwrap();
    let mine = open.as_array().unwrap().iter().find(|s| s["id"] == id.as_str()).expect("Иванов sees it");
    assert_eq!(mine["answered"], false);
    assert!(mine["audience"]["building_ids"].as_array().is_none_or(|a| a.is_empty()), "no audience shown: {mine}");
    let elsewhere: Value = app.get(&belov, "/api/v1/surveys?open=true").await.json().await.unwrap();
    assert!(elsewhere.as_array().unwrap().iter().all(|s| s["id"] != id.as_str()));
    let foreign = answer(app, &belov, &id, &answers(&survey, 0, 5, 10, "", true), "b1").await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);

    // A required question left out, a mark out of range: 422 on the question.
    let mut missing = answers(&survey, 0, 5, 10, "", true);
    missing["answers"].as_array_mut().unwrap().remove(2);
    let refused = answer(app, &ivanov, &id, &missing, "m1").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains(survey["questions"][2]["id"].as_str().unwrap()));
    let refused = answer(app, &ivanov, &id, &answers(&survey, 0, 6, 10, "", true), "m2").await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // 50 submits at once, each with its own key: one answer is stored.
    let secret = "Шумно по ночам от вентиляции";
    let mine = answers(&survey, 0, 5, 10, secret, true);
    let keys: Vec<String> = (0..50).map(|i| format!("burst-{i}")).collect();
    let replies = join_all(keys.iter().map(|k| answer(app, &ivanov, &id, &mine, k))).await;
    let mut statuses: Vec<StatusCode> = replies.iter().map(reqwest::Response::status).collect();
    statuses.sort();
    let first = keys[replies.iter().position(|r| r.status() == StatusCode::CREATED).expect("one was stored")].clone();
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count(), 49, "{statuses:?}");
    // A retry with the stored one's key gets its reply again; another key 409.
    let retry = answer(app, &ivanov, &id, &mine, &first).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    let late = answer(app, &ivanov, &id, &mine, "late").await;
    assert_eq!(error_code(late).await, "already_answered");
    let open: Value = app.get(&ivanov, "/api/v1/surveys?open=true").await.json().await.unwrap();
    assert_eq!(open.as_array().unwrap().iter().find(|s| s["id"] == id.as_str()).unwrap()["answered"], true);

    let theirs = answers(&survey, 2, 3, 6, "Двор тёмный", false);
    assert_eq!(answer(app, &fedorova, &id, &theirs, "f1").await.status(), StatusCode::CREATED);

    // The results: two responses; NPS one promoter (10), one detractor (6)
    // → 0; the mark 5 and 3 → 4; choices counted.
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    assert_eq!(results["responses"], 2, "{results}");
    assert!(results["eligible"].as_u64().unwrap() >= 2);
    let q = &results["questions"];
    assert_eq!(q[0]["counts"], json!({ "0": 1, "1": 0, "2": 1 }));
    assert_eq!(q[1]["counts"], json!({ "0": 2, "1": 0, "2": 2 }));
    assert_eq!(q[1]["answered"], 2);
    assert_eq!(q[2]["average"].as_f64().unwrap(), 4.0);
    let [low, high] = [q[2]["interval"][0].as_f64().unwrap(), q[2]["interval"][1].as_f64().unwrap()];
    // Mean 4, sample sd √2, t(1) = 12.706: 4 ± 12.706.
    assert!((low - (4.0 - 12.706)).abs() < 1e-9 && (high - (4.0 + 12.706)).abs() < 1e-9, "{}", q[2]);
    assert_eq!(q[3]["nps"].as_f64().unwrap(), 0.0);
    assert_eq!(q[3]["average"].as_f64().unwrap(), 8.0);
    let texts: Vec<&str> = q[4]["texts"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&secret));
    assert_eq!(q[5]["counts"], json!({ "0": 1, "1": 1 }));
    let tower_rate =
        results["buildings"].as_array().unwrap().iter().find(|b| b["building_id"] == tower.as_str()).unwrap();
    assert_eq!(tower_rate["responses"], 2);
    // The reminder: a mailing to everyone who has not answered, at once.
    let reminded = app.post(&service, &format!("/api/v1/surveys/{id}/remind"), &json!({})).await;
    assert_eq!(reminded.status(), StatusCode::ACCEPTED);
    let reminded: Value = reminded.json().await.unwrap();
    let eligible = results["eligible"].as_u64().unwrap();
    assert_eq!(reminded["audience"]["audience_size"].as_u64().unwrap(), eligible - 2, "{reminded}");
    let mailing = reminded["mailing_id"].as_str().unwrap();
    let deliveries: Value =
        app.get(&service, &format!("/api/v1/mailings/{mailing}/deliveries?limit=500")).await.json().await.unwrap();
    let names: Vec<&str> = deliveries.as_array().unwrap().iter().map(|d| d["client_name"].as_str().unwrap()).collect();
    assert_eq!(names.len() as u64, (eligible - 2).min(500));
    assert!(!names.contains(&"Иванов Иван Иванович") && !names.contains(&"Фёдорова Алёна Михайловна"));
    let text = deliveries[0]["mailing_title"].as_str().unwrap();
    assert_eq!(text, "Напоминание: опрос «Качество обслуживания — 2026»");
    let notices: Value = app.get(&ivanov, "/api/v1/notices").await.json().await.unwrap();
    assert!(!notices.to_string().contains("Напоминание"), "those who answered are not reminded");

    // Residents do not read results.
    assert_eq!(app.get(&ivanov, &format!("/api/v1/surveys/{id}/results")).await.status(), StatusCode::FORBIDDEN);

    // Anonymous: no response keeps a person, unit or time; the answer's
    // text is nowhere but in the answers (not the audit log, not the
    // idempotency keys' stored replies).
    let survey_id: domovoy_domain::ids::SurveyId = id.parse().unwrap();
    let (responses, linked, elsewhere) =
        domovoy_store::testing::survey_traces(app.store(), survey_id, secret).await.unwrap();
    assert_eq!((responses, linked, elsewhere), (2, 0, 0));

    // Closing: answers are refused after it, with 409.
    let closed = app.post(&service, &format!("/api/v1/surveys/{id}/close"), &json!({})).await;
    assert_eq!(closed.status(), StatusCode::OK);
    let late = app.post(&service, &format!("/api/v1/surveys/{id}/remind"), &json!({})).await;
    assert_eq!(error_code(late).await, "survey_not_open");
    let after = answer(app, &fedorova, &id, &theirs, "f2").await;
    assert_eq!(after.status(), StatusCode::CONFLICT);
    assert_eq!(error_code(after).await, "survey_not_open");
    let open: Value = app.get(&fedorova, "/api/v1/surveys?open=true").await.json().await.unwrap();
    assert!(open.as_array().unwrap().iter().all(|s| s["id"] != id.as_str()));
    // A resident following an old link is told it is closed.
    let closed: Value = app.get(&fedorova, &format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    assert_eq!((closed["status"].as_str(), closed["answered"].as_bool()), (Some("closed"), Some(true)));
    let browser = app.browser();
    app.browser_login(&browser, "+79001000003", domovoy::demo::DEMO_PASSWORD).await;
    let elsewhere = browser.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::NOT_FOUND, "not Белов's survey");

    // The next run: a draft with the same questions under new ids, no answers.
    let copy = app.post(&service, &format!("/api/v1/surveys/{id}/copy"), &json!({})).await;
    assert_eq!(copy.status(), StatusCode::CREATED);
    let copy: Value = copy.json().await.unwrap();
    assert_eq!((copy["status"].as_str(), copy["title"].as_str()), (Some("draft"), survey["title"].as_str()));
    let texts = |s: &Value| s["questions"].as_array().unwrap().iter().map(|q| q["text"].clone()).collect::<Vec<_>>();
    assert_eq!(texts(&copy), texts(&survey));
    assert_ne!(copy["questions"][0]["id"], survey["questions"][0]["id"]);
    let results: Value = app
        .get(&service, &format!("/api/v1/surveys/{}/results", copy["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(results["responses"], 0);
}

#[actix_web::test]
async fn a_survey_is_published_answered_once_and_counted_on_sqlite() {
    a_survey_is_published_answered_once_and_counted(&TestApp::spawn().await).await;
}

#[actix_web::test]
async fn a_survey_is_published_answered_once_and_counted_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    a_survey_is_published_answered_once_and_counted(&app).await;
}

/// A resident's answers whose reply is lost after the commit (a loopback
/// proxy drops the server's answer): the form's retry with the same key is
/// answered as the first time, and the answers count once.
#[actix_web::test]
async fn answers_whose_reply_was_lost_count_once() {
    use crate::faults::{FaultProxy, answer_after_a_lost_reply};
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let tower = building_id(&app, &service, "ЖК «Северная звезда»").await;
    let body = json!({ "title": "Уборка двора", "questions": questions(), "audience": { "building_ids": [tower] },
                       "anonymous": true });
    let (survey, id) = published(&app, &service, &body).await;
    let ivanov = app.token("+79001000001").await;
    let proxy = FaultProxy::start(format!("127.0.0.1:{}", app.port)).await;
    let form = answers(&survey, 1, 4, 9, "Чисто", true);
    let send = || {
        crate::helpers::client()
            .post(format!("http://127.0.0.1:{}/api/v1/surveys/{id}/responses", proxy.port))
            .bearer_auth(&ivanov)
            .header("Idempotency-Key", "lost-answers-1")
            .timeout(std::time::Duration::from_secs(10))
            .json(&form)
            .send()
    };
    let again = answer_after_a_lost_reply(&proxy, send).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    assert_eq!(results["responses"], 1, "{results}");
}

#[actix_web::test]
async fn a_named_vote_per_unit_keeps_who_answered_and_counts_units() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let tower = building_id(&app, &service, "ЖК «Северная звезда»").await;
    let (survey, id) = published(
        &app,
        &service,
        &json!({ "title": "Голосование: шлагбаум во дворе", "anonymous": false, "one_per": "unit",
                 "questions": [{ "kind": "yes_no", "text": "Ставим шлагбаум?", "required": true }],
                 "audience": { "building_ids": [tower], "link_roles": ["owner"] } }),
    )
    .await;
    let ivanov = app.token("+79001000001").await;
    let open: Value = app.get(&ivanov, &format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    assert_eq!(open["unit_ids"].as_array().unwrap().len(), 1, "one unit to vote for: {open}");
    let vote = json!({ "answers": [{ "question_id": survey["questions"][0]["id"], "value": true }] });
    assert_eq!(answer(&app, &ivanov, &id, &vote, "v1").await.status(), StatusCode::CREATED);
    assert_eq!(error_code(answer(&app, &ivanov, &id, &vote, "v2").await).await, "already_answered");
    // Named: the response keeps the person, the unit, their relation to
    // it and the time.
    let (responses, linked, _) =
        domovoy_store::testing::survey_traces(app.store(), id.parse().unwrap(), "-").await.unwrap();
    assert_eq!((responses, linked), (1, 4));
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    assert_eq!(results["questions"][0]["counts"], json!({ "0": 0, "1": 1 }));

    // The response rate by section: every section of the tower with an
    // owner's unit is listed, answered or not, and the units to vote add up
    // to the survey's; by relation, all of them are owners'.
    let by = |by: &'static str| {
        let (app, service, id) = (&app, &service, &id);
        async move {
            let groups: Value =
                app.get(service, &format!("/api/v1/surveys/{id}/breakdown?by={by}")).await.json().await.unwrap();
            groups.as_array().unwrap().clone()
        }
    };
    let sections = by("section").await;
    assert!(sections.len() > 1, "the tower has several sections: {sections:?}");
    let eligible: u64 = sections.iter().map(|g| g["eligible"].as_u64().unwrap()).sum();
    assert_eq!(eligible, results["eligible"].as_u64().unwrap());
    assert_eq!(sections.iter().map(|g| g["responses"].as_u64().unwrap()).sum::<u64>(), 1);
    assert!(sections.iter().any(|g| g["responses"] == 0), "unanswered sections are listed too");
    let relations = by("relation").await;
    assert_eq!(relations.len(), 1);
    assert_eq!((relations[0]["key"].as_str(), relations[0]["eligible"].as_u64()), (Some("owner"), Some(eligible)));
    let office = app.browser();
    app.browser_login(&office, "service", domovoy::demo::DEMO_PASSWORD).await;
    let page = office.get(app.url(&format!("/surveys/{id}?by=section"))).send().await.unwrap().text().await.unwrap();
    let rates = &page[page.find(r#"data-testid="survey-group-rates""#).expect("the rate per section")..];
    assert!(rates.contains("<td class=\"num\">0,0\u{a0}%</td>"), "{rates}");
}

#[actix_web::test]
async fn a_resident_answers_on_the_cabinets_form_and_the_office_sees_the_results_page() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let tower = building_id(&app, &service, "ЖК «Северная звезда»").await;
    let (survey, id) = published(
        &app,
        &service,
        &json!({ "title": "Оцените уборку", "questions": [
                     { "kind": "scale", "text": "Чистота в подъезде", "required": true },
                     { "kind": "multiple", "text": "Где грязнее всего?", "options": ["Лифт", "Лестница"], "required": false },
                     { "kind": "text", "text": "Комментарий", "required": false }],
                 "audience": { "building_ids": [tower] }, "anonymous": true }),
    )
    .await;

    let browser = app.browser();
    app.browser_login(&browser, "+79001000001", domovoy::demo::DEMO_PASSWORD).await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("home-survey-banner"), "the start page asks for an answer");
    let form = browser.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(form.contains("Чистота в подъезде"));
    let csrf = crate::helpers::hidden_value(&form, "csrf_token");
    let key = crate::helpers::hidden_value(&form, "key");
    let q = |i: usize| format!("a_{}", survey["questions"][i]["id"].as_str().unwrap());
    let fields = vec![
        ("csrf_token".to_owned(), csrf),
        ("key".to_owned(), key),
        (q(0), "4".to_owned()),
        (q(1), "0".to_owned()),
        (q(1), "1".to_owned()),
        (q(2), "Лифт пахнет краской".to_owned()),
    ];
    let thanks = format!("/surveys/{id}?done=answered");
    let sent = browser.post(app.url(&format!("/surveys/{id}/answer"))).form(&fields).send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    assert_eq!(sent.headers()["location"], thanks.as_str());
    let page = browser.get(app.url(&thanks)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Спасибо! Ваши ответы получены."), "{page}");
    assert!(page.contains("survey-answered"), "the form is not offered again");
    // The same form sent twice (a double tap): the first reply, one answer.
    let twice = browser.post(app.url(&format!("/surveys/{id}/answer"))).form(&fields).send().await.unwrap();
    assert_eq!(twice.headers()["location"], thanks.as_str());

    let office = app.browser();
    app.browser_login(&office, "service", domovoy::demo::DEMO_PASSWORD).await;
    let results = office.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    assert!(results.contains(r#"data-testid="survey-responses">1<"#), "one response: {results}");
    assert!(results.contains("Лифт пахнет краской"));
    assert!(results.contains("<svg"), "charts are drawn on the server");
    let search = office.get(app.url(&format!("/surveys/{id}?part=results&q=КРАСКОЙ"))).send().await.unwrap();
    assert!(search.text().await.unwrap().contains("Лифт пахнет краской"), "search ignores case in Cyrillic");
    let xlsx = office.get(app.url(&format!("/surveys/{id}?format=xlsx"))).send().await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    // The workbook parses back and holds the page's figures.
    let bytes = xlsx.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX (zip) file");
    let mut strings = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/sharedStrings.xml").unwrap(), &mut strings).unwrap();
    for expected in ["Чистота в подъезде", "Лифт пахнет краской", "Лестница", "Среднее"]
    {
        assert!(strings.contains(expected), "{expected} in {strings}");
    }
}

#[actix_web::test]
async fn a_building_scoped_office_reads_only_its_buildings_surveys_and_mailings() {
    let app = TestApp::spawn().await;
    let (admin, service) = (app.token("admin").await, app.token("service").await);
    let tower = building_id(&app, &admin, "ЖК «Северная звезда»").await;
    let pines = building_id(&app, &admin, "Квартал «Сосновый бор»").await;
    // The manager also gets the client-service role, for Сосновый бор only.
    let roles: Vec<Value> = app.get(&admin, "/api/v1/roles").await.json().await.unwrap();
    let office = roles.iter().find(|r| r["template"] == "client_service").unwrap()["id"].clone();
    let manager_id = app.user_id(&admin, "manager").await;
    let granted = app
        .post(&admin, &format!("/api/v1/users/{manager_id}/assignments"), &json!({"role_id": office, "scope": pines}))
        .await;
    assert!(granted.status().is_success(), "{}", granted.text().await.unwrap());
    let manager = app.token("manager").await;

    let question = json!([{ "kind": "yes_no", "text": "Довольны уборкой?", "required": true }]);
    let (_, theirs) = published(
        &app,
        &service,
        &json!({ "title": "Башня", "questions": question, "audience": { "building_ids": [tower] } }),
    )
    .await;
    let (_, mine) = published(
        &app,
        &manager,
        &json!({ "title": "Сосны", "questions": question, "audience": { "building_ids": [pines] } }),
    )
    .await;
    let listed: Value = app.get(&manager, "/api/v1/surveys").await.json().await.unwrap();
    let ids: Vec<&str> = listed.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&mine.as_str()) && !ids.contains(&theirs.as_str()), "{listed}");
    for path in ["", "/results"] {
        let other = app.get(&manager, &format!("/api/v1/surveys/{theirs}{path}")).await;
        assert_eq!(other.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.get(&manager, &format!("/api/v1/surveys/{mine}/results")).await.status(), StatusCode::OK);
    for action in ["remind", "close", "copy"] {
        let refused = app.post(&manager, &format!("/api/v1/surveys/{theirs}/{action}"), &json!({})).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{action}");
    }

    // Mailings the same: the tower's is not the manager's to read.
    let body = json!({ "title": "Башня", "body": "Текст", "kind": "news", "channels": ["in_app"],
                       "audience": { "building_ids": [tower] } });
    let mailing: Value = app.post(&service, "/api/v1/mailings", &body).await.json().await.unwrap();
    let mailing = mailing["id"].as_str().unwrap();
    for path in ["", "/preview", "/deliveries"] {
        let other = app.get(&manager, &format!("/api/v1/mailings/{mailing}{path}")).await;
        assert_eq!(other.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let listed: Value = app.get(&manager, "/api/v1/mailings").await.json().await.unwrap();
    assert!(listed.as_array().unwrap().iter().all(|m| m["id"] != mailing), "{listed}");
    assert_eq!(app.get(&service, &format!("/api/v1/mailings/{mailing}")).await.status(), StatusCode::OK);
}

/// Branching, the comparison with the previous run, and the breakdowns by
/// building, section and relation (named) — refused by section for an
/// anonymous survey, whose small groups are not shown.
async fn branching_previous_run_and_breakdowns(app: &TestApp) {
    let service = app.token("service").await;
    let tower = building_id(app, &service, "ЖК «Северная звезда»").await;
    let called = json!({ "kind": "yes_no", "text": "Обращались ли вы в диспетчерскую?", "required": true });
    let rating = |on: usize| json!({ "kind": "scale", "text": "Оцените диспетчеров", "required": true, "show_if": { "question": on, "value": 1 } });
    let body = |questions: Value, anonymous: bool| {
        json!({ "title": "Диспетчерская", "questions": questions, "anonymous": anonymous,
                "audience": { "building_ids": [tower] } })
    };
    // A condition on a later question (or itself) is refused, on its place.
    let refused = app.post(&service, "/api/v1/surveys", &body(json!([rating(1), called]), false)).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().await.unwrap().contains("questions[0].show_if"));
    // So is one no answer can meet (a yes / no answered 2).
    let mut never = rating(0);
    never["show_if"]["value"] = json!(2);
    let refused = app.post(&service, "/api/v1/surveys", &body(json!([called, never]), false)).await;
    assert!(refused.text().await.unwrap().contains("questions[1].show_if"));

    let (survey, id) = published(app, &service, &body(json!([called, rating(0)]), false)).await;
    assert_eq!(survey["questions"][1]["show_if"]["question"], survey["questions"][0]["id"]);
    let q = |s: &Value, i: usize| s["questions"][i]["id"].clone();
    let reply = |s: &Value, yes: bool, mark: Option<i64>| {
        let mut answers = vec![json!({ "question_id": q(s, 0), "value": yes })];
        answers.extend(mark.map(|m| json!({ "question_id": q(s, 1), "value": m })));
        json!({ "answers": answers })
    };
    let ivanov = app.token("+79001000001").await;
    let fedorova = app.token("+79001000002").await;
    // «Нет»: the rating was not asked; one sent anyway is dropped.
    assert_eq!(answer(app, &ivanov, &id, &reply(&survey, false, Some(4)), "i1").await.status(), StatusCode::CREATED);
    // «Да»: the rating is asked and required.
    let missing = answer(app, &fedorova, &id, &reply(&survey, true, None), "f1").await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer(app, &fedorova, &id, &reply(&survey, true, Some(2)), "f2").await.status(), StatusCode::CREATED);
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    assert_eq!(results["questions"][0]["counts"], json!({ "0": 1, "1": 1 }));
    assert_eq!(results["questions"][1]["counts"], json!({ "1": 0, "2": 1, "3": 0, "4": 0, "5": 0 }), "{results}");
    assert!(results.get("previous").is_none());

    // Breakdowns of a named survey: the groups add up to the responses.
    let groups = |by: &'static str| {
        let path = format!("/api/v1/surveys/{id}/breakdown?by={by}");
        let service = service.clone();
        async move {
            let response = app.get(&service, &path).await;
            assert_eq!(response.status(), StatusCode::OK, "{by}");
            response.json::<Value>().await.unwrap().as_array().unwrap().clone()
        }
    };
    let by_building = groups("building").await;
    assert_eq!(by_building.len(), 1);
    assert_eq!((by_building[0]["key"].as_str(), by_building[0]["responses"].as_u64()), (Some(tower.as_str()), Some(2)));
    assert_eq!(by_building[0]["questions"][1]["answered"], 1, "named: every group is shown");
    for by in ["section", "relation"] {
        let all = groups(by).await;
        assert_eq!(all.iter().map(|g| g["responses"].as_u64().unwrap()).sum::<u64>(), 2, "{by}: {all:?}");
        assert!(all.iter().all(|g| !g["key"].is_null()), "{by}: every response is placed: {all:?}");
    }
    let relations: Vec<String> =
        groups("relation").await.iter().map(|g| g["key"].as_str().unwrap().to_owned()).collect();
    assert!(relations.iter().all(|r| ["owner", "tenant", "occupant"].contains(&r.as_str())), "{relations:?}");
    let wrong = app.get(&service, &format!("/api/v1/surveys/{id}/breakdown?by=floor")).await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // The next run remembers this one and is compared with it.
    let copy: Value = app.post(&service, &format!("/api/v1/surveys/{id}/copy"), &json!({})).await.json().await.unwrap();
    assert_eq!(copy["previous_id"], id.as_str());
    assert_eq!(
        copy["questions"][1]["show_if"]["question"], copy["questions"][0]["id"],
        "the condition follows the copy"
    );
    let next = copy["id"].as_str().unwrap();
    assert_eq!(
        app.post(&service, &format!("/api/v1/surveys/{next}/publish"), &json!({})).await.status(),
        StatusCode::OK
    );
    assert_eq!(answer(app, &ivanov, next, &reply(&copy, true, Some(5)), "n1").await.status(), StatusCode::CREATED);
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{next}/results")).await.json().await.unwrap();
    assert_eq!(results["previous"]["id"], id.as_str());
    assert_eq!(results["previous"]["responses"], 2);
    assert_eq!(results["questions"][1]["average"].as_f64(), Some(5.0));
    assert_eq!(results["questions"][1]["previous"]["average"].as_f64(), Some(2.0));

    // Anonymous: by building only, and a building with fewer than five
    // responses shows its count, not its answers.
    let (survey, id) = published(app, &service, &body(json!([called, rating(0)]), true)).await;
    assert_eq!(answer(app, &ivanov, &id, &reply(&survey, true, Some(3)), "a1").await.status(), StatusCode::CREATED);
    let refused = app.get(&service, &format!("/api/v1/surveys/{id}/breakdown?by=section")).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let shown: Value =
        app.get(&service, &format!("/api/v1/surveys/{id}/breakdown?by=building")).await.json().await.unwrap();
    assert_eq!(shown[0]["responses"], 1);
    assert!(shown[0].get("questions").is_none_or(Value::is_null), "{shown}");
}

#[actix_web::test]
async fn branching_previous_run_and_breakdowns_on_sqlite() {
    branching_previous_run_and_breakdowns(&TestApp::spawn().await).await;
}

#[actix_web::test]
async fn branching_previous_run_and_breakdowns_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    branching_previous_run_and_breakdowns(&app).await;
}

/// A matrix: a column per row, by the API and on the cabinet's form; the
/// results count each cell and the page shows a share per row.
async fn a_matrix_question_is_answered_row_by_row(app: &TestApp) {
    let service = app.token("service").await;
    let tower = building_id(app, &service, "ЖК «Северная звезда»").await;
    let matrix = json!({ "kind": "matrix", "text": "Оцените, как содержится дом", "required": true,
                         "rows": ["Уборка", "Лифты", "Двор"], "options": ["Плохо", "Нормально", "Хорошо"] });
    let mut no_rows = matrix.clone();
    no_rows["rows"] = json!([]);
    let refused = app
        .post(
            &service,
            "/api/v1/surveys",
            &json!({ "title": "Дом", "questions": [no_rows],
                                                    "audience": { "building_ids": [tower] } }),
        )
        .await;
    assert!(refused.text().await.unwrap().contains("questions[0].rows"));
    let (survey, id) = published(
        app,
        &service,
        &json!({ "title": "Содержание дома", "questions": [matrix],
                                         "audience": { "building_ids": [tower] } }),
    )
    .await;
    assert_eq!(survey["questions"][0]["rows"], json!(["Уборка", "Лифты", "Двор"]));
    let q = survey["questions"][0]["id"].clone();
    let ivanov = app.token("+79001000001").await;
    let short = json!({ "answers": [{ "question_id": q, "value": [2, 1] }] });
    assert_eq!(answer(app, &ivanov, &id, &short, "m0").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let left_out = json!({ "answers": [{ "question_id": q, "value": [2, -1, 0] }] });
    assert_eq!(answer(app, &ivanov, &id, &left_out, "m1").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let full = json!({ "answers": [{ "question_id": q, "value": [2, 1, 0] }] });
    assert_eq!(answer(app, &ivanov, &id, &full, "m2").await.status(), StatusCode::CREATED);

    // Фёдорова answers on the cabinet's form: a radio group per row.
    let browser = app.browser();
    app.browser_login(&browser, "+79001000002", domovoy::demo::DEMO_PASSWORD).await;
    let form = browser.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    let field = |row: usize| format!("a_{}_{row}", q.as_str().unwrap());
    assert!(form.contains(&field(2)) && form.contains("Двор"), "a row per statement");
    let fields = vec![
        ("csrf_token".to_owned(), crate::helpers::hidden_value(&form, "csrf_token")),
        ("key".to_owned(), crate::helpers::hidden_value(&form, "key")),
        (field(0), "2".to_owned()),
        (field(1), "0".to_owned()),
        (field(2), "0".to_owned()),
    ];
    let sent = browser.post(app.url(&format!("/surveys/{id}/answer"))).form(&fields).send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);

    // Cells: row × 100 + column.
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    let counts = &results["questions"][0]["counts"];
    assert_eq!((counts["2"].as_u64(), counts["101"].as_u64(), counts["100"].as_u64()), (Some(2), Some(1), Some(1)));
    assert_eq!((counts["200"].as_u64(), counts["0"].as_u64()), (Some(2), Some(0)));
    assert_eq!(counts.as_object().unwrap().len(), 9, "every cell listed");
    let office = app.browser();
    app.browser_login(&office, "service", domovoy::demo::DEMO_PASSWORD).await;
    let page = office.get(app.url(&format!("/surveys/{id}"))).send().await.unwrap().text().await.unwrap();
    let table = &page[page.find(r#"data-testid="survey-matrix""#).expect("the matrix's table")..];
    // «Уборка»: both said «Хорошо»; «Лифты»: one «Плохо», one «Нормально».
    assert!(table.contains("<td>Уборка</td><td class=\"num\">2</td><td class=\"num\">0,0\u{a0}%</td><td class=\"num\">0,0\u{a0}%</td><td class=\"num\">100,0\u{a0}%</td>"), "{table}");
    // Each row's mean mark, columns counted from 1: «Уборка» 3, «Лифты»
    // (2 + 1) / 2, «Двор» 1.
    assert!(table.contains("<td class=\"num\">100,0\u{a0}%</td><td class=\"num\">3,00</td></tr>"), "{table}");
    assert!(table.contains("<td class=\"num\">1,50</td></tr>") && table.contains("<td class=\"num\">1,00</td></tr>"));
    assert!(page.contains("Средний балл строки — от 1 («Плохо») до 3 («Хорошо»)"));
    // The breakdown by section: a column per row, its mean mark per group.
    let page = office.get(app.url(&format!("/surveys/{id}?by=section"))).send().await.unwrap().text().await.unwrap();
    let cross = &page[page.find(r#"data-testid="survey-cross""#).expect("the matrix's breakdown")..];
    assert!(
        cross.contains("<th class=\"num\">Уборка</th><th class=\"num\">Лифты</th><th class=\"num\">Двор</th>"),
        "{cross}"
    );
    assert!(cross.contains("<td class=\"num\">3,00</td>"), "{cross}");
}

#[actix_web::test]
async fn a_matrix_question_is_answered_row_by_row_on_sqlite() {
    a_matrix_question_is_answered_row_by_row(&TestApp::spawn().await).await;
}

#[actix_web::test]
async fn a_matrix_question_is_answered_row_by_row_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    a_matrix_question_is_answered_row_by_row(&app).await;
}

/// The personal link in a reminder's letter (`…/s/<secret>`): it opens the
/// form without signing in, for its holder only, and answers once.
async fn a_reminder_letter_carries_a_personal_link_that_answers_once(app: &TestApp, smtp: &SmtpServer) {
    let service = app.token("service").await;
    let tower = building_id(app, &service, "ЖК «Северная звезда»").await;
    let body = json!({
        "title": "Двор {после} ремонта", "questions": questions(), "anonymous": true,
        "one_per": "resident", "audience": { "building_ids": [tower] },
    });
    let (survey, id) = published(app, &service, &body).await;
    let ivanov = app.token("+79001000001").await;
    let fedorova = app.token("+79001000002").await;
    assert_eq!(
        answer(app, &fedorova, &id, &answers(&survey, 0, 5, 10, "", true), "f").await.status(),
        StatusCode::CREATED
    );

    let reminded = app.post(&service, &format!("/api/v1/surveys/{id}/remind"), &json!({})).await;
    assert_eq!(reminded.status(), StatusCode::ACCEPTED);
    let reminded: Value = reminded.json().await.unwrap();
    let by_email = usize::try_from(reminded["audience"]["reached"]["email"].as_u64().unwrap()).unwrap();
    assert!(by_email > 1, "{reminded}");
    let letters = smtp.wait_for(by_email).await;
    let recipient = |l: &String| l.lines().find_map(|l| l.strip_prefix("X-RcptTo: ")).unwrap().trim().to_owned();
    assert!(letters.iter().all(|l| recipient(l) != "fedorova@mail.demo"), "Фёдорова has answered");
    let text_of =
        |l: &String| String::from_utf8(part_body(l, "Content-Type: text/plain")).unwrap().replace("\r\n", "\n");
    let base = app.url("/s/");
    let link_of = |text: &str| {
        let at = text.find(&base).unwrap_or_else(|| panic!("no personal link in {text}"));
        text[at..].split_whitespace().next().unwrap().to_owned()
    };
    let ivanovs = letters.iter().find(|l| recipient(l) == "ivanov@mail.demo").expect("Иванов has e-mail and consent");
    let text = text_of(ivanovs);
    assert!(text.contains("«Двор {после} ремонта»"), "the title as written: {text}");
    let link = link_of(&text);
    let others: HashSet<String> = letters.iter().map(|l| link_of(&text_of(l))).collect();
    assert_eq!(others.len(), letters.len(), "a link per person");
    // The cabinet's copy (and the delivery row behind it) holds the
    // signed-in page, not the secret.
    let notices = app.get(&ivanov, "/api/v1/notices").await.text().await.unwrap();
    assert!(notices.contains(&format!("/surveys/{id}")) && !notices.contains("/s/"), "{notices}");
    // Those with an account are told on their phones too.
    let reminded_of = |list: Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "survey.reminder" && n["detail"] == "Двор {после} ремонта")
    };
    assert!(reminded_of(app.get(&ivanov, "/api/v1/notifications").await.json().await.unwrap()));
    assert!(!reminded_of(app.get(&fedorova, "/api/v1/notifications").await.json().await.unwrap()));

    // No sign-in: the page and the API open with the secret alone.
    let anyone = crate::helpers::client();
    let page = anyone.get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains("Двор {после} ремонта") && page.contains("data-testid=\"survey-answer-form\""), "{page}");
    let token = link.trim_start_matches(&base);
    let api: Value =
        anyone.get(app.url(&format!("/api/v1/survey-links/{token}"))).send().await.unwrap().json().await.unwrap();
    assert_eq!((api["id"].as_str(), api["answered"].as_bool()), (Some(id.as_str()), Some(false)), "{api}");
    assert!(api["audience"]["building_ids"].as_array().is_none_or(Vec::is_empty), "no audience for a resident: {api}");

    // A required question left out: the form comes back with it marked.
    let q = |i: usize| survey["questions"][i]["id"].as_str().unwrap().to_owned();
    let partial = anyone.post(&link).form(&[(format!("a_{}", q(0)), "1")]).send().await.unwrap();
    assert_eq!(partial.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let form: Vec<(String, String)> = vec![
        (format!("a_{}", q(0)), "1".into()),
        (format!("a_{}", q(2)), "4".into()),
        (format!("a_{}", q(3)), "9".into()),
        (format!("a_{}", q(4)), "Скамейки бы".into()),
        (format!("a_{}", q(5)), "0".into()),
    ];
    let sent = no_redirects().post(&link).form(&form).send().await.unwrap();
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let thanks = anyone.get(format!("{link}?done=answered")).send().await.unwrap().text().await.unwrap();
    assert!(thanks.contains("data-testid=\"survey-thanks\""), "{thanks}");
    // Single use: the form is gone, a second send and the API are refused.
    let again = anyone.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("data-testid=\"survey-answered\"") && !again.contains("survey-answer-form"), "{again}");
    let resent = anyone.post(&link).form(&form).send().await.unwrap().text().await.unwrap();
    assert!(resent.contains("data-testid=\"survey-answered\""), "a double tap lands on the answered page: {resent}");
    let twice = anyone
        .post(app.url(&format!("/api/v1/survey-links/{token}/responses")))
        .json(&answers(&survey, 0, 5, 10, "", true))
        .send()
        .await
        .unwrap();
    assert_eq!(error_code(twice).await, "already_answered");
    // Иванов's account sees it answered too: the link stood for him.
    let mine: Value = app.get(&ivanov, &format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    assert_eq!(mine["answered"], true);
    let results: Value = app.get(&service, &format!("/api/v1/surveys/{id}/results")).await.json().await.unwrap();
    assert_eq!(results["responses"], 2);
    // Anonymous still: no response row points at Иванов or his letter.
    let survey_id: domovoy_domain::ids::SurveyId = id.parse().unwrap();
    let traces = domovoy_store::testing::survey_traces(app.store(), survey_id, "Скамейки бы").await.unwrap();
    assert_eq!(traces, (2, 0, 0));

    // A made-up or cut secret opens nothing.
    let unknown = anyone.get(app.url("/s/not-a-real-secret")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert!(unknown.text().await.unwrap().contains("data-testid=\"survey-link-unknown\""));
    let unknown = anyone.get(app.url("/api/v1/survey-links/not-a-real-secret")).send().await.unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // After closing, the page says so and takes nothing.
    let other = letters.iter().map(|l| link_of(&text_of(l))).find(|l| *l != link).unwrap();
    assert_eq!(app.post(&service, &format!("/api/v1/surveys/{id}/close"), &json!({})).await.status(), StatusCode::OK);
    let closed = anyone.get(&other).send().await.unwrap().text().await.unwrap();
    assert!(closed.contains("data-testid=\"survey-closed\""), "{closed}");
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

#[actix_web::test]
async fn a_reminder_letter_carries_a_personal_link_that_answers_once_on_sqlite() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let app = mail_app(&smtp, false).await.unwrap();
    a_reminder_letter_carries_a_personal_link_that_answers_once(&app, &smtp).await;
}

#[actix_web::test]
async fn a_reminder_letter_carries_a_personal_link_that_answers_once_on_postgres() {
    let Some(smtp) = SmtpServer::start().await else { return };
    let Some(app) = mail_app(&smtp, true).await else { return };
    a_reminder_letter_carries_a_personal_link_that_answers_once(&app, &smtp).await;
}

/// A survey published ahead of its opening time: residents neither see it
/// nor are told until it opens; then they are told once.
async fn a_survey_published_ahead_opens_at_its_time(app: &TestApp) {
    let service = app.token("service").await;
    let ivanov = app.token("+79001000001").await;
    let tower = building_id(app, &service, "ЖК «Северная звезда»").await;
    let now = chrono::Utc::now();
    let title = "Шлагбаум: голосуем с понедельника";
    let mut body = json!({
        "title": title, "questions": questions(), "audience": { "building_ids": [tower] },
        "opens_at": (now + chrono::Duration::hours(1)).to_rfc3339(),
        "closes_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
    });
    // Opening after closing is refused on its field.
    let mut wrong = body.clone();
    wrong["opens_at"] = json!((now + chrono::Duration::hours(3)).to_rfc3339());
    let refused = app.post(&service, "/api/v1/surveys", &wrong).await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["error"]["field_codes"]["opens_at"], "not_allowed", "{refused}");

    let (survey, id) = published(app, &service, &body).await;
    let shown: Value = app.get(&service, &format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    assert_eq!(shown["status"], "scheduled", "{shown}");
    let told = |list: Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "survey.published" && n["detail"] == title)
            .count()
    };
    assert_eq!(
        told(app.get(&ivanov, "/api/v1/notifications").await.json().await.unwrap()),
        0,
        "not told before it opens"
    );
    let open: Value = app.get(&ivanov, "/api/v1/surveys?open=true").await.json().await.unwrap();
    assert!(open.as_array().unwrap().iter().all(|s| s["id"] != id.as_str()), "{open}");
    assert_eq!(app.get(&ivanov, &format!("/api/v1/surveys/{id}")).await.status(), StatusCode::NOT_FOUND);
    let early = answer(app, &ivanov, &id, &answers(&survey, 0, 5, 10, "", true), "early").await;
    assert_eq!(error_code(early).await, "survey_not_open");
    let remind = app.post(&service, &format!("/api/v1/surveys/{id}/remind"), &json!({})).await;
    assert_eq!(error_code(remind).await, "survey_not_open");

    // Its time comes: the job tells the tower's residents, once.
    let survey_id: domovoy_domain::ids::SurveyId = id.parse().unwrap();
    domovoy_store::testing::date_survey_opening(app.store(), survey_id, chrono::Utc::now()).await.unwrap();
    domovoy_app::surveys::announce_due(&app.app).await.unwrap();
    assert_eq!(domovoy_app::surveys::announce_due(&app.app).await.unwrap(), 0, "told once");
    assert_eq!(told(app.get(&ivanov, "/api/v1/notifications").await.json().await.unwrap()), 1);
    let open: Value = app.get(&ivanov, "/api/v1/surveys?open=true").await.json().await.unwrap();
    assert!(open.as_array().unwrap().iter().any(|s| s["id"] == id.as_str()), "{open}");
    let answered = answer(app, &ivanov, &id, &answers(&survey, 0, 5, 10, "", true), "on-time").await;
    assert_eq!(answered.status(), StatusCode::CREATED);
    let shown: Value = app.get(&service, &format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    assert_eq!(shown["status"], "published");

    // Another, called off before it opens: closing works while it waits.
    body["title"] = json!("Отменённый опрос");
    let (_, other) = published(app, &service, &body).await;
    let closed = app.post(&service, &format!("/api/v1/surveys/{other}/close"), &json!({})).await;
    assert_eq!(closed.status(), StatusCode::OK);
    let closed: Value = closed.json().await.unwrap();
    assert_eq!(closed["status"], "closed");
    // Surveys published at once were told at once: the job has nothing for them.
    assert_eq!(domovoy_app::surveys::announce_due(&app.app).await.unwrap(), 0);
}

#[actix_web::test]
async fn a_survey_published_ahead_opens_at_its_time_on_sqlite() {
    a_survey_published_ahead_opens_at_its_time(&TestApp::spawn().await).await;
}

#[actix_web::test]
async fn a_survey_published_ahead_opens_at_its_time_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    a_survey_published_ahead_opens_at_its_time(&app).await;
}

/// The chessboard's «Опросить их»: the selected units become the audience
/// of a new survey.
#[actix_web::test]
async fn a_chessboard_selection_becomes_a_surveys_audience() {
    let app = TestApp::spawn().await;
    let service = app.token("service").await;
    let tower = building_id(&app, &service, "ЖК «Северная звезда»").await;
    let mut units = Vec::new();
    for label in ["45", "46"] {
        units.push(crate::places::unit(&app, &service, &tower, label).await["id"].as_str().unwrap().to_owned());
    }
    let chosen = units.join(",");
    let office = app.browser();
    app.browser_login(&office, "service", domovoy::demo::DEMO_PASSWORD).await;
    let board =
        office.get(app.url(&format!("/buildings/{tower}/chessboard"))).send().await.unwrap().text().await.unwrap();
    assert!(board.contains("data-testid=\"survey-selection\""), "the office may survey the selection");
    let csrf = crate::helpers::hidden_value(&board, "csrf_token");
    let builder = office
        .post(app.url("/surveys/new"))
        .form(&[("csrf_token", csrf.as_str()), ("units", chosen.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(builder.status(), StatusCode::OK);
    let builder = builder.text().await.unwrap();
    assert_eq!(crate::helpers::hidden_value(&builder, "units"), chosen);
    let form = [
        ("csrf_token", csrf.as_str()),
        ("title", "Замена входной двери"),
        ("anonymous", "1"),
        ("one_per", "unit"),
        ("units", chosen.as_str()),
        ("q_kind", "yes_no"),
        ("q_text", "Менять дверь в этом году?"),
        ("q_required", "1"),
        ("action", "save"),
    ];
    let saved = office.post(app.url("/surveys")).form(&form).send().await.unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER, "on to the new survey's page");
    let location = saved.headers()["location"].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/surveys/").split('?').next().unwrap().to_owned();
    let survey: Value = app.get(&service, &format!("/api/v1/surveys/{id}")).await.json().await.unwrap();
    let mut audience: Vec<String> =
        survey["audience"]["unit_ids"].as_array().unwrap().iter().map(|u| u.as_str().unwrap().to_owned()).collect();
    audience.sort();
    units.sort();
    assert_eq!(audience, units, "{survey}");
}
