//! Signing in: every demo role, residents by phone, wrong passwords,
//! lockout, rate limits, CSRF, sign-out.

use reqwest::StatusCode;
use serde_json::{Value, json};

use domovoy::demo::{self, DEMO_PASSWORD};

use crate::helpers::{TestApp, client, error_code, hidden_value};

async fn every_demo_login_signs_in(app: &TestApp) {
    for (login, _, name) in demo::staff_logins() {
        let response = app.login(login, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{login}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["user"]["login"], login);
        assert_eq!(body["user"]["display_name"], name);
        let token = body["token"].as_str().unwrap();
        let me: Value = app.get(token, "/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["user"]["login"], login);
        assert!(!me["grants"].as_array().unwrap().is_empty(), "{login} has roles");
    }
}

#[actix_web::test]
async fn each_demo_role_signs_in_on_sqlite() {
    every_demo_login_signs_in(&TestApp::spawn().await).await;
}

#[actix_web::test]
async fn each_demo_role_signs_in_on_postgres() {
    let Some(app) = TestApp::spawn_postgres().await else { return };
    every_demo_login_signs_in(&app).await;
}

#[actix_web::test]
async fn residents_sign_in_with_their_phone_in_any_usual_form() {
    let app = TestApp::spawn().await;
    for typed in ["+7 900 100-00-01", "89001000001", "8 (900) 100-00-01", "+79001000001"] {
        let response = app.login(typed, DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK, "{typed}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["user"]["login"], "+79001000001");
        assert_eq!(body["user"]["kind"], "resident");
    }
}

#[actix_web::test]
async fn a_wrong_password_is_refused_with_401_in_russian() {
    let app = TestApp::spawn().await;
    let response = app.login("dispatcher", "not-the-password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_credentials");
    assert_eq!(body["error"]["message"], "Неверный логин или пароль.");
    // An unknown login gets exactly the same answer.
    let unknown = app.login("nobody", "whatever").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(unknown).await, "invalid_credentials");
}

/// Wrong passwords slow the next try down (exponentially, from one
/// address); nothing locks the owner out, unknown logins are answered alike,
/// and an administrator can lift the waits.
#[actix_web::test]
async fn wrong_passwords_slow_guessing_down_without_locking_the_owner_out() {
    let app = TestApp::spawn().await;
    for login in ["technician", "nobody-here"] {
        for attempt in 1..=6 {
            let response = app.login(login, "wrong-password").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{login}: attempt {attempt}");
            assert_eq!(error_code(response).await, "invalid_credentials");
        }
        let slowed = app.login(login, "wrong-password").await;
        assert_eq!(slowed.status(), StatusCode::TOO_MANY_REQUESTS, "{login}");
        let wait: u64 = slowed.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=2).contains(&wait), "{login}: the first wait is two seconds, not {wait}");
        let body: Value = slowed.json().await.unwrap();
        assert_eq!(body["error"]["message"], "Слишком много попыток входа. Повторите через 2 с.");
    }
    // Once the wait is over, the owner's right password opens the door.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(app.login("technician", DEMO_PASSWORD).await.status(), StatusCode::OK);
    // Waits an attacker caused can be lifted by an administrator at once.
    for _ in 0..7 {
        app.login("guard", "wrong-password").await;
    }
    assert_eq!(app.login("guard", DEMO_PASSWORD).await.status(), StatusCode::TOO_MANY_REQUESTS);
    let admin = app.token("admin").await;
    let id = app.user_id(&admin, "guard").await;
    let card: Value = app.get(&admin, &format!("/api/v1/users/{id}")).await.json().await.unwrap();
    assert_eq!(card["failed_sign_ins"], 6, "the wrong passwords the server checked");
    let lift = app.post(&admin, &format!("/api/v1/users/{id}/unlock"), &json!({})).await;
    assert_eq!(lift.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.login("guard", DEMO_PASSWORD).await.status(), StatusCode::OK);
}

/// A disabled account says so only to someone who knows its password.
#[actix_web::test]
async fn a_disabled_account_answers_like_a_wrong_password_until_the_password_is_right() {
    let app = TestApp::spawn().await;
    let admin = app.token("admin").await;
    let id = app.user_id(&admin, "concierge").await;
    assert_eq!(app.post(&admin, &format!("/api/v1/users/{id}/disable"), &json!({})).await.status(), StatusCode::OK);
    let wrong = app.login("concierge", "wrong-password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(wrong).await, "invalid_credentials");
    let right = app.login("concierge", DEMO_PASSWORD).await;
    assert_eq!(right.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(right).await, "account_disabled");
}

#[actix_web::test]
async fn sign_in_attempts_are_limited_per_address() {
    let app = TestApp::spawn_configured(|s| s.auth.sign_in_per_minute = 3).await;
    for _ in 0..3 {
        assert_eq!(app.login("guard", "wrong-password-1").await.status(), StatusCode::UNAUTHORIZED);
    }
    let limited = app.login("dispatcher", DEMO_PASSWORD).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error_code(limited).await, "too_many_requests");
}

#[actix_web::test]
async fn a_token_works_until_signed_out() {
    let app = TestApp::spawn().await;
    let token = app.token("concierge").await;
    assert_eq!(app.get(&token, "/api/v1/me").await.status(), StatusCode::OK);
    let out = app.post(&token, "/api/v1/auth/logout", &json!({})).await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = app.get(&token, "/api/v1/me").await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(error_code(after).await, "unauthenticated");
    assert_eq!(app.get("made-up-token", "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn the_sign_in_form_without_its_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    browser.get(app.url("/login")).send().await.unwrap();
    let response =
        browser.post(app.url("/login")).form(&[("login", "admin"), ("password", DEMO_PASSWORD)]).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("Форма устарела"));
}

#[actix_web::test]
async fn cookie_sessions_need_the_csrf_header_for_api_changes() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let signed_in = app.browser_login(&browser, "admin", DEMO_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let me: Value = browser.get(app.url("/api/v1/me")).send().await.unwrap().json().await.unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();

    let without = browser.post(app.url("/api/v1/me/tokens")).json(&json!({"name": "АТС"})).send().await.unwrap();
    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    assert_eq!(error_code(without).await, "csrf_failed");

    let with = browser
        .post(app.url("/api/v1/me/tokens"))
        .header("x-csrf-token", csrf)
        .json(&json!({"name": "АТС"}))
        .send()
        .await
        .unwrap();
    assert_eq!(with.status(), StatusCode::CREATED);
    // The new token works as a bearer token, and needs no CSRF header.
    let body: Value = with.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(app.post(token, "/api/v1/me/tokens", &json!({"name": "ещё"})).await.status(), StatusCode::CREATED);
}

#[actix_web::test]
async fn a_page_form_without_the_session_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.browser_login(&browser, "admin", DEMO_PASSWORD).await;
    let forged = browser
        .post(app.url("/buildings"))
        .form(&[("name", "Поддельный"), ("address", "Где-то"), ("kind", "residential"), ("time_zone", "Europe/Moscow")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let page = browser.get(app.url("/buildings")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains("Поддельный"));
    let csrf = hidden_value(&page, "csrf_token");
    let real = browser
        .post(app.url("/buildings"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Настоящий"),
            ("address", "Москва"),
            ("kind", "residential"),
            ("time_zone", "Europe/Moscow"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(real.status(), StatusCode::SEE_OTHER);
}

#[actix_web::test]
async fn changing_the_password_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let first = app.token("service").await;
    let second = app.token("service").await;
    let weak = app
        .post(&first, "/api/v1/me/password", &json!({"current_password": DEMO_PASSWORD, "new_password": "short"}))
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = weak.json().await.unwrap();
    assert_eq!(body["error"]["fields"]["new_password"], "Не короче 10 символов");
    let wrong = app
        .post(&first, "/api/v1/me/password", &json!({"current_password": "nope", "new_password": "новый пароль 2026"}))
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = app
        .post(
            &first,
            "/api/v1/me/password",
            &json!({"current_password": DEMO_PASSWORD, "new_password": "новый пароль 2026"}),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get(&first, "/api/v1/me").await.status(), StatusCode::OK);
    assert_eq!(app.get(&second, "/api/v1/me").await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("service", DEMO_PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login("service", "новый пароль 2026").await.status(), StatusCode::OK);
    let _ = client();
}
