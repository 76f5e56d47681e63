//! `survey`: `--residents` residents of one building answer one survey at
//! once, each through their own account, as the resident app would.
//!
//! Setup (not timed): a flat per resident in the first building, and per
//! resident an account, a client card linking it to the flat, and a
//! sign-in: two password hashes each, so a large run takes minutes to set
//! up. All sign in from one address: a spawned server is started with
//! `auth.sign_in_per_minute` raised (a server of your own needs the same). Then an anonymous survey of five questions is published to the
//! building and every resident sends their answers with an
//! `Idempotency-Key`, `--concurrency` at a time; a tenth of them send the
//! same answer a second time with the same key (a retry) and once more
//! with a new key (a double submit, 409). Timed: all the answers
//! (`answer_s`, the issue's ≤ 60 s for 5,000) and the results
//! (`GET /api/v1/surveys/<id>/results` and the page `/surveys/<id>` as the
//! office opens it, `--requests` times each: p50, p99).
//!
//! Lost: a resident whose 201 is not counted in the results. Duplicated:
//! responses counted beyond the residents who answered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use futures_util::{StreamExt as _, stream};
use serde_json::{Value, json};

use crate::server::Server;
use crate::stats::{Figures, Latencies, round3};

/// The residents' password (setup only).
const PASSWORD: &str = "load-survey-2026";

fn phone(i: usize) -> String {
    format!("+7955{i:07}")
}

/// The first `count` apartments of the building (its layout generated when
/// it has none), by chessboard order.
async fn flats(server: &Server, building: &str, count: usize) -> anyhow::Result<Vec<String>> {
    crate::mailing::ensure_layout(server, building, count).await?;
    let board = server.get_json(&format!("/api/v1/buildings/{building}/chessboard")).await?;
    let flats: Vec<String> = board["sections"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| s["floors"].as_array().into_iter().flatten())
        .flat_map(|f| f["units"].as_array().into_iter().flatten())
        .filter(|u| u["kind"] == "apartment")
        .filter_map(|u| u["id"].as_str().map(str::to_owned))
        .take(count)
        .collect();
    if flats.len() < count {
        bail!(
            "the building has {} apartments, fewer than --residents {count}: use a fresh server (--spawn)",
            flats.len()
        );
    }
    Ok(flats)
}

/// One resident: an account, a card on `flat`, a sign-in; their token.
async fn resident(server: &Server, i: usize, flat: &str) -> anyhow::Result<String> {
    let login = phone(i);
    let (name, _) = crate::pages::generated(i);
    let (status, user) = server
        .post("/api/v1/users", &json!({"kind": "resident", "login": login, "display_name": name, "password": PASSWORD}))
        .await?;
    if status == reqwest::StatusCode::CREATED {
        let card = json!({"name": name, "phones": [login], "user_id": user["user"]["id"],
                          "units": [{"unit_id": flat, "role": "owner", "share": "1"}]});
        let (status, answer) = server.post("/api/v1/clients", &card).await?;
        if !status.is_success() {
            bail!("client card of {login}: {status} {answer}");
        }
    } else if !status.is_client_error() {
        bail!("account {login}: {status} {user}");
    }
    Ok(Server::sign_in(&server.url, &login, PASSWORD).await.with_context(|| format!("sign-in of {login}"))?.token)
}

fn questions() -> Value {
    json!([
        {"kind": "single", "text": "Как часто убирают подъезд?", "options": ["Каждый день", "Раз в неделю", "Реже"], "required": true},
        {"kind": "multiple", "text": "Что улучшить?", "options": ["Уборку", "Лифты", "Двор"], "required": false},
        {"kind": "scale", "text": "Оцените работу диспетчеров", "required": true},
        {"kind": "nps", "text": "Порекомендуете ли вы нас соседям?", "required": true},
        {"kind": "text", "text": "Что ещё нам стоит знать?", "required": false}
    ])
}

/// Resident `i`'s answers (varied, so the counts are not trivial).
fn answers(survey: &Value, i: usize) -> Value {
    let q = |n: usize| survey["questions"][n]["id"].clone();
    let mut list = vec![
        json!({"question_id": q(0), "value": i % 3}),
        json!({"question_id": q(1), "value": [i % 3]}),
        json!({"question_id": q(2), "value": 1 + i % 5}),
        json!({"question_id": q(3), "value": i % 11}),
    ];
    if i.is_multiple_of(4) {
        list.push(json!({"question_id": q(4), "value": format!("Отзыв жителя {i}: всё хорошо, но лифт шумит")}));
    }
    json!({ "answers": list })
}

/// One resident's replies: the answer's status, the retry's and the
/// double submit's (every tenth resident), and the answer's latency.
type Outcome = (u16, Option<u16>, Option<u16>, Duration);

/// Sends one answer; its status.
async fn send(http: &reqwest::Client, url: &str, token: &str, key: &str, body: &Value) -> anyhow::Result<u16> {
    let response = http
        .post(url)
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .timeout(Duration::from_secs(60))
        .json(body)
        .send()
        .await?;
    Ok(response.status().as_u16())
}

pub async fn survey(
    server: &Server,
    (login, password): (&str, &str),
    residents: usize,
    concurrency: usize,
    requests: usize,
) -> anyhow::Result<Figures> {
    if residents == 0 || concurrency == 0 {
        bail!("--residents and --concurrency must be at least 1");
    }
    let building = server.building().await?;
    let flats = flats(server, &building, residents).await?;
    println!("setting up {residents} resident accounts (two password hashes each)…");
    let started = Instant::now();
    let setup_parallel = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let mut tokens: Vec<(usize, String)> = stream::iter(flats.iter().enumerate())
        .map(|(i, flat)| async move { resident(server, i, flat).await.map(|t| (i, t)) })
        .buffer_unordered(setup_parallel)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    tokens.sort();
    println!("  ready in {:.0} s", started.elapsed().as_secs_f64());

    let run = uuid::Uuid::now_v7().simple().to_string();
    let (status, survey) = server
        .post(
            "/api/v1/surveys",
            &json!({"title": format!("Нагрузочный опрос {run}"), "questions": questions(),
                    "audience": {"building_ids": [building]}, "anonymous": true}),
        )
        .await?;
    if status != reqwest::StatusCode::CREATED {
        bail!("the survey was not written: {status} {survey}");
    }
    let id = survey["id"].as_str().context("no survey id")?.to_owned();
    if survey["eligible"].as_u64().unwrap_or(0) < residents as u64 {
        bail!("the survey reaches {}, fewer than {residents}", survey["eligible"]);
    }
    let (status, answer) = server.post(&format!("/api/v1/surveys/{id}/publish"), &json!({})).await?;
    if !status.is_success() {
        bail!("the survey was not published: {status} {answer}");
    }

    println!("{residents} residents answer, {concurrency} at a time…");
    let url = format!("{}/api/v1/surveys/{id}/responses", server.url);
    let survey = Arc::new(survey);
    let started = Instant::now();
    let outcomes: Vec<anyhow::Result<Outcome>> = stream::iter(tokens.iter())
        .map(|(i, token)| {
            let (http, url, survey, run) = (server.http.clone(), url.clone(), survey.clone(), run.clone());
            async move {
                let body = answers(&survey, *i);
                let key = format!("{run}-{i}");
                let at = Instant::now();
                let first = send(&http, &url, token, &key, &body).await?;
                let took = at.elapsed();
                // Every tenth: the retry (same key: the first reply) and a
                // double submit (new key: refused).
                let (retry, again) = if i.is_multiple_of(10) {
                    let retry = send(&http, &url, token, &key, &body).await?;
                    let again = send(&http, &url, token, &format!("{key}-again"), &body).await?;
                    (Some(retry), Some(again))
                } else {
                    (None, None)
                };
                Ok((first, retry, again, took))
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let answer_time = started.elapsed();
    let mut latencies = Latencies::default();
    let (mut stored, mut errors) = (0u64, 0u64);
    let mut statuses = std::collections::BTreeMap::<String, u64>::new();
    for outcome in outcomes {
        match outcome {
            Ok((first, retry, again, took)) => {
                latencies.record(took);
                *statuses.entry(first.to_string()).or_default() += 1;
                stored += u64::from(first == 201);
                errors += u64::from(first != 201)
                    + u64::from(retry.is_some_and(|s| s != 201))
                    + u64::from(again.is_some_and(|s| s != 409));
            }
            Err(_) => errors += 1,
        }
    }
    let answers = latencies.summary();
    println!(
        "{stored} answers stored in {:.1} s ({:.0}/s), p50 {:.0} ms, p99 {:.0} ms; {errors} unexpected replies; first replies by status {statuses:?}",
        answer_time.as_secs_f64(),
        stored as f64 / answer_time.as_secs_f64(),
        answers.p50,
        answers.p99
    );

    // The results, timed: the API, and the page as the office opens it
    // (charts, tables, texts), signed in by the form.
    crate::pages::sign_in_form(server, login, password).await?;
    let mut results_latency = Latencies::default();
    let mut page_latency = Latencies::default();
    let mut results = Value::Null;
    for _ in 0..requests.max(1) {
        let at = Instant::now();
        results = server.get_json(&format!("/api/v1/surveys/{id}/results")).await?;
        results_latency.record(at.elapsed());
        let at = Instant::now();
        let page = server.http.get(format!("{}/surveys/{id}", server.url)).send().await?;
        if !page.status().is_success() {
            bail!("the results page: {}", page.status());
        }
        page.bytes().await?;
        page_latency.record(at.elapsed());
    }
    let page = page_latency.summary();
    let counted = results["responses"].as_u64().unwrap_or(0);
    let lost = stored.saturating_sub(counted);
    let duplicates = counted.saturating_sub(stored);
    let texts = results["questions"][4]["texts"].as_array().map_or(0, Vec::len);
    let summary = results_latency.summary();
    println!(
        "results of {counted} responses: API p50 {:.1} ms, p99 {:.1} ms; page p50 {:.1} ms, p99 {:.1} ms ({} requests each); {lost} lost, {duplicates} counted twice",
        summary.p50,
        summary.p99,
        page.p50,
        page.p99,
        requests.max(1)
    );
    let mut figures = Figures::new("survey").latency(&answers);
    figures.errors = errors;
    figures.lost = lost;
    figures.duplicates = duplicates;
    figures.achieved_rate = round3(stored as f64 / answer_time.as_secs_f64());
    Ok(figures
        .with("residents", residents as u64)
        .with("answers_stored", stored)
        .with("first_replies", serde_json::to_value(&statuses)?)
        .with("answer_s", round3(answer_time.as_secs_f64()))
        .with("results_counted", counted)
        .with("results_texts", texts as u64)
        .with("results_p50_ms", round3(summary.p50))
        .with("results_p99_ms", round3(summary.p99))
        .with("page_p50_ms", round3(page.p50))
        .with("page_p99_ms", round3(page.p99)))
}
