//! The integrations page: webhooks and recent deliveries.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
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
use domovoy_app::{calls, channels, webhooks};
use domovoy_domain::device::PushAddress;
use domovoy_domain::ids::{DeviceId, PbxIntegrationId};
use domovoy_mobile_bridge::admin as push_admin;
use domovoy_store::calls::RouteTarget;
use domovoy_store::outbox::ChannelStatus;

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
    channel: &'static str,
    key: String,
    state: &'static str,
    attempts: i64,
    error: String,
}

#[derive(Debug)]
struct PbxLine {
    id: String,
    name: String,
    created: String,
    last_event: String,
    events: i64,
    revoked: bool,
}

#[derive(Debug)]
struct RouteLine {
    kind: String,
    kind_label: &'static str,
    name: String,
    target: String,
}

struct ProviderLine {
    label: &'static str,
    configured: bool,
}

struct DeviceLine {
    id: String,
    person: String,
    kind: &'static str,
    push: bool,
    version: String,
    seen: String,
}

/// The pushes' section.
struct PushSection {
    providers: Vec<ProviderLine>,
    channel: ChannelLines,
    devices: Vec<DeviceLine>,
}

/// An outbox channel's state in words: its last delivery, its last error,
/// how many wait.
struct ChannelLines {
    last_success: String,
    last_error: String,
    waiting: i64,
}

impl ChannelLines {
    fn new(status: &ChannelStatus, t: &Catalog, tz: chrono_tz::Tz) -> Self {
        Self {
            last_success: status.last_success.map_or_else(|| t.push_never.to_owned(), |at| fmt_time(at, tz)),
            last_error: match (&status.last_error_at, &status.last_error) {
                (Some(at), Some(error)) => format!("{} — {error}", fmt_time(*at, tz)),
                _ => t.push_never.to_owned(),
            },
            waiting: status.waiting,
        }
    }
}

/// The e-mail section: the server's `[mail]` (no credentials), the
/// channel's state, the administrator's own address for a test letter.
struct MailSection {
    server: Option<String>,
    from: Option<String>,
    channel: ChannelLines,
    my_email: Option<String>,
}

/// The SMS section: the server's `[sms]` gateway (no key), the channel's
/// state, the administrator's own phone for a test text.
struct SmsSection {
    gateway: Option<String>,
    /// The delivery reports' address, when the gateway reports.
    reports_url: Option<String>,
    channel: ChannelLines,
    my_phone: Option<String>,
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
    pbx: Vec<PbxLine>,
    routes: Vec<RouteLine>,
    blocked: Vec<(String, String)>,
    /// A new PBX integration's webhook URL, shown once.
    new_pbx_url: Option<String>,
    push: PushSection,
    mail: MailSection,
    sms: SmsSection,
}

/// What the page shows once after a create.
#[derive(Debug, Default)]
struct Created {
    webhook_secret: Option<String>,
    pbx_url: Option<String>,
}

async fn render(
    state: &AppState,
    caller: &Caller,
    status: StatusCode,
    done: Option<&str>,
    failure: FormFailure,
    created: Created,
) -> Result<HttpResponse, PageError> {
    caller.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    let t = caller.t();
    let tz = state.config.display_time_zone;
    let list = webhooks::list(state, caller).await?;
    let deliveries = webhooks::deliveries(state, caller, 50).await?;
    let pbx = calls::integrations(state, caller)
        .await?
        .iter()
        .map(|i| PbxLine {
            id: i.id.to_string(),
            name: i.name.clone(),
            created: fmt_time(i.created_at, tz),
            last_event: i.last_event_at.map_or_else(|| t.cl.pbx_never.to_owned(), |at| fmt_time(at, tz)),
            events: i.events,
            revoked: i.revoked_at.is_some(),
        })
        .collect();
    let routes = calls::routes(state, caller)
        .await?
        .into_iter()
        .map(|r| RouteLine {
            kind_label: if r.kind == "queue" { t.cl.route_queue } else { t.cl.route_extension },
            kind: r.kind,
            name: r.name,
            target: match r.target {
                RouteTarget::User { name, .. } | RouteTarget::Team { name, .. } => name,
            },
        })
        .collect();
    let blocked =
        calls::blocked(state, caller).await?.into_iter().map(|b| (b.phone.e164().to_owned(), b.note)).collect();
    let overview = push_admin::overview(state, caller, &state.web().bridge).await?;
    let push = PushSection {
        providers: overview
            .providers
            .iter()
            .map(|p| ProviderLine { label: (t.push_provider_label)(p.platform.code()), configured: p.configured })
            .collect(),
        channel: ChannelLines::new(&overview.status, t, tz),
        devices: overview
            .devices
            .iter()
            .map(|(d, person)| DeviceLine {
                id: d.id.to_string(),
                person: person.clone(),
                kind: (t.push_provider_label)(d.platform.code()),
                push: !matches!(d.push, PushAddress::None),
                version: d.app_version.clone().unwrap_or_default(),
                seen: fmt_time(d.last_seen_at, tz),
            })
            .collect(),
    };
    let mail_overview = channels::overview(state, caller).await?;
    let mail = MailSection {
        server: mail_overview.config.as_ref().map(|c| c.server.clone()),
        from: mail_overview.config.as_ref().map(|c| c.from.clone()),
        channel: ChannelLines::new(&mail_overview.status, t, tz),
        my_email: caller.user().email.as_ref().map(|e| e.as_str().to_owned()),
    };
    let sms_overview = channels::sms_overview(state, caller).await?;
    let sms = SmsSection {
        gateway: sms_overview.gateway,
        reports_url: sms_overview.reports_url,
        channel: ChannelLines::new(&sms_overview.status, t, tz),
        my_phone: caller.user().phone.as_ref().map(ToString::to_string),
    };
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
                channel: (t.delivery_channel)(&d.channel),
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
        new_secret: created.webhook_secret,
        errors: failure.fields,
        pbx,
        routes,
        blocked,
        new_pbx_url: created.pbx_url,
        push,
        mail,
        sms,
    };
    html_with_status(&page, status)
}

#[get("/admin/integrations")]
pub async fn show_integrations(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render(&state, &caller, StatusCode::OK, query.done.as_deref(), FormFailure::default(), Created::default()).await
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
            let created = Created { webhook_secret: Some(webhook.secret), pbx_url: None };
            render(&state, &caller, StatusCode::CREATED, None, FormFailure::default(), created).await
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, Created::default()).await
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

/// A form's field by name.
fn field(form: &FormPairs, name: &str) -> String {
    form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Runs a settings change; on a refusal the page is shown again with the
/// message, on success it goes back with a notice.
async fn settle(
    state: &AppState,
    caller: &Caller,
    outcome: Result<(), domovoy_app::AppError>,
    done: &str,
) -> Result<HttpResponse, PageError> {
    match outcome {
        Ok(()) => Ok(see_other(&format!("/admin/integrations?done={done}"))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(state, caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, Created::default()).await
        }
    }
}

/// Connects a PBX and shows its webhook URL once.
#[post("/admin/integrations/pbx")]
pub async fn create_pbx(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
    request: HttpRequest,
) -> Result<HttpResponse, PageError> {
    match calls::create_integration(&state, &caller, &field(&form.0, "name")).await {
        Ok((_, token)) => {
            let url = crate::pages::absolute_url(&request, &format!("/api/v1/cti/{token}"));
            let created = Created { webhook_secret: None, pbx_url: Some(url) };
            render(&state, &caller, StatusCode::CREATED, None, FormFailure::default(), created).await
        }
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            render(&state, &caller, StatusCode::UNPROCESSABLE_ENTITY, None, failure, Created::default()).await
        }
    }
}

#[post("/admin/integrations/pbx/{id}/revoke")]
pub async fn revoke_pbx(
    state: web::Data<AppState>,
    caller: PageCaller,
    path: web::Path<WebhookPath>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    calls::revoke_integration(&state, &caller, PbxIntegrationId::from_uuid(path.id)).await?;
    Ok(see_other("/admin/integrations?done=saved"))
}

#[post("/admin/integrations/routes")]
pub async fn add_route(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let f = |name| field(&form.0, name);
    let outcome = calls::set_route(&state, &caller, &f("kind"), &f("name"), &f("target")).await.map(drop);
    settle(&state, &caller, outcome, "saved").await
}

#[post("/admin/integrations/routes/delete")]
pub async fn delete_route(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let outcome = calls::delete_route(&state, &caller, &field(&form.0, "kind"), &field(&form.0, "name")).await;
    settle(&state, &caller, outcome, "saved").await
}

#[post("/admin/integrations/blocked")]
pub async fn block_number(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let outcome = calls::block(&state, &caller, &field(&form.0, "number"), &field(&form.0, "note")).await.map(drop);
    settle(&state, &caller, outcome, "saved").await
}

#[post("/admin/integrations/blocked/delete")]
pub async fn unblock_number(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let outcome = calls::unblock(&state, &caller, &field(&form.0, "number")).await;
    settle(&state, &caller, outcome, "saved").await
}

/// Sends a test push to a person's phone.
#[post("/admin/integrations/devices/{id}/test")]
pub async fn test_push(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let outcome = push_admin::send_test(&state, &caller, DeviceId::from_uuid(*id)).await;
    settle(&state, &caller, outcome, "push_test").await
}

/// Sends a test letter to the administrator's own address.
#[post("/admin/integrations/mail/test")]
pub async fn test_mail(
    state: web::Data<AppState>,
    caller: PageCaller,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let outcome = channels::send_test(&state, &caller, t.mail_test_subject, t.mail_test_text).await.map(drop);
    settle(&state, &caller, outcome, "mail_test").await
}

/// Sends a test text to the administrator's own phone.
#[post("/admin/integrations/sms/test")]
pub async fn test_sms(
    state: web::Data<AppState>,
    caller: PageCaller,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let outcome = channels::send_test_sms(&state, &caller, caller.t().sms_test_text).await.map(drop);
    settle(&state, &caller, outcome, "sms_test").await
}

/// How long the administrator's test call rings before it ends unanswered.
const TEST_CALL_RINGS: std::time::Duration = std::time::Duration::from_secs(45);

/// Rings the dispatchers with a simulated inbound call (the same path as a
/// PBX's); it ends unanswered after a while, as a missed call.
#[post("/admin/integrations/test-call")]
pub async fn test_call(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let from = field(&form.0, "from");
    // The ringing first, so that a bad number is reported on the page.
    let outcome = calls::simulate(&state, &caller, &from).await;
    if let Ok(call) = &outcome {
        let (app, requester, call) = (state.app().clone(), (*caller).clone(), call.clone());
        actix_web::rt::spawn(async move {
            actix_web::rt::time::sleep(TEST_CALL_RINGS).await;
            if let Err(error) = calls::end_simulated(&app, &requester, &call).await {
                tracing::warn!(%error, "ending the test call failed");
            }
        });
    }
    settle(&state, &caller, outcome.map(drop), "test_call").await
}
