//! The integrations page: webhooks and recent deliveries.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::event::EventKind;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use crate::auth::csrf::{FormPairs, NoFields};
use crate::auth::{Caller, CsrfForm, PageCaller};
use crate::error::PageError;
use crate::i18n::Catalog;
use crate::pages::{Chrome, DoneQuery, FormFailure, Section, fmt_time, html_with_status, notice, see_other};
use crate::state::AppState;
use domovoy_app::webhooks;

#[derive(Debug)]
struct WebhookLine {
    id: String,
    name: String,
    url: String,
    events: String,
}

#[derive(Debug)]
struct DeliveryLine {
    created: String,
    key: String,
    state: &'static str,
    attempts: i64,
    error: String,
}

#[derive(Template)]
#[template(path = "integrations.html")]
struct IntegrationsPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    webhooks: Vec<WebhookLine>,
    deliveries: Vec<DeliveryLine>,
    kinds: Vec<&'static str>,
    new_secret: Option<String>,
    errors: Vec<(String, String)>,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    done: Option<&str>,
    failure: FormFailure,
    new_secret: Option<String>,
) -> Result<HttpResponse, PageError> {
    caller.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let list = webhooks::list(state, caller).await?;
    let deliveries = webhooks::deliveries(state, caller, 50).await?;
    let page = IntegrationsPage {
        t,
        chrome: Chrome::new(caller, Section::Integrations, "/admin/integrations")
            .with_notice(notice(t, done))
            .with_error(failure.message),
        webhooks: list
            .iter()
            .map(|w| WebhookLine {
                id: w.id.to_string(),
                name: w.name.as_str().to_owned(),
                url: w.url.to_string(),
                events: if w.event_kinds == ["*"] { t.webhook_all_events.to_owned() } else { w.event_kinds.join(", ") },
            })
            .collect(),
        deliveries: deliveries
            .iter()
            .map(|d| DeliveryLine {
                created: fmt_time(d.created_at, tz),
                key: d.dedup_key.clone(),
                state: if d.sent_at.is_some() {
                    t.delivery_state_sent
                } else if d.failed_at.is_some() {
                    t.delivery_state_failed
                } else {
                    t.delivery_state_waiting
                },
                attempts: d.attempts,
                error: d.last_error.clone().unwrap_or_default(),
            })
            .collect(),
        kinds: EventKind::ALL.iter().map(|k| k.code()).collect(),
        new_secret,
        errors: failure.fields,
    };
    html_with_status(&page, status)
}

#[get("/admin/integrations")]
pub async fn show_integrations(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &caller, StatusCode::OK, query.done.as_deref(), FormFailure::default(), None).await
}

/// Creates a webhook and shows its secret once.
#[post("/admin/integrations/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let field = |name: &str| form.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
    let kinds: Vec<String> = form.0.iter().filter(|(k, _)| k == "event_kinds").map(|(_, v)| v.clone()).collect();
    match webhooks::create(&state, &caller, &field("name"), &field("url"), &kinds).await {
        Ok(webhook) => {
            render(&state, &caller, StatusCode::CREATED, None, FormFailure::default(), Some(webhook.secret)).await
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, None).await
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct WebhookPath {
    id: Uuid,
}

#[post("/admin/integrations/webhooks/{id}/delete")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: PageCaller,
    path: web::Path<WebhookPath>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    webhooks::delete(&state, &caller, path.id).await?;
    Ok(see_other("/admin/integrations?done=webhook_deleted"))
}
