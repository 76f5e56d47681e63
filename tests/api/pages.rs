//! The HTML pages, fetched as a browser would.

use reqwest::StatusCode;

use domovoy::demo::DEMO_PASSWORD;

use crate::helpers::TestApp;

#[actix_web::test]
async fn the_home_page_needs_a_session_and_comes_back_after_sign_in() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let home = browser.get(app.url("/admin/users?q=1")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER);
    assert_eq!(home.headers()["location"], "/login?next=%2Fadmin%2Fusers%3Fq%3D1");
    let signed_in = app.browser_login(&browser, "dispatcher", DEMO_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie =
        signed_in.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect::<Vec<_>>();
    let session = cookie.iter().find(|c| c.starts_with("domovoy_session=")).unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"), "{session}");
    let page = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.headers()["content-security-policy"].to_str().unwrap().contains("default-src 'self'"));
    let html = page.text().await.unwrap();
    assert!(html.contains("Здравствуйте, Смирнова Ольга Викторовна!"));
    assert!(html.contains("Диспетчер"));
    assert!(html.contains("все объекты"));
    // The dispatcher's menu has buildings but no administration.
    assert!(html.contains("href=\"/buildings\""));
    assert!(!html.contains("href=\"/admin/users\""));
    assert!(!html.contains("href=\"/admin/audit\""));
}

#[actix_web::test]
async fn a_wrong_password_in_the_form_shows_a_russian_error() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    let response = app.browser_login(&browser, "admin", "wrong").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let html = response.text().await.unwrap();
    assert!(html.contains("Неверный логин или пароль."));
    assert!(html.contains("value=\"admin\""));
}

#[actix_web::test]
async fn administration_pages_open_for_the_administrator_only() {
    let app = TestApp::spawn().await;
    let admin = app.browser();
    app.browser_login(&admin, "admin", DEMO_PASSWORD).await;
    for (path, marker) in [
        ("/admin/users", "Новый пользователь"),
        ("/admin/roles", "Сохранить права"),
        ("/admin/assignments", "Назначения по объектам"),
        ("/admin/audit", "Журнал аудита"),
        ("/buildings", "Новый объект"),
        ("/account", "Сеансы и токены доступа"),
    ] {
        let page = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{path}");
        assert!(page.text().await.unwrap().contains(marker), "{path}");
    }
    let guard = app.browser();
    app.browser_login(&guard, "guard", DEMO_PASSWORD).await;
    for path in ["/admin/users", "/admin/roles", "/admin/audit"] {
        let page = guard.get(app.url(path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(page.text().await.unwrap().contains("Недостаточно прав"));
    }
}

#[actix_web::test]
async fn the_interface_switches_to_english_and_remembers_it() {
    let app = TestApp::spawn().await;
    let browser = app.browser();
    app.browser_login(&browser, "admin", DEMO_PASSWORD).await;
    let home = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let csrf = crate::helpers::hidden_value(&home, "csrf_token");
    let switched = browser
        .post(app.url("/language"))
        .form(&[("csrf_token", csrf.as_str()), ("lang", "en"), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    let english = browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(english.contains("Hello, Кузнецова Анна Сергеевна!"));
    assert!(english.contains("<html lang=\"en\">"));
    // The choice is saved in the profile: a new sign-in keeps it.
    let other = app.browser();
    app.browser_login(&other, "admin", DEMO_PASSWORD).await;
    assert!(other.get(app.url("/")).send().await.unwrap().text().await.unwrap().contains("Hello,"));
}
