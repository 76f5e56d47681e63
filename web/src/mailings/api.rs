//! `/api/v1/mailings`, the resident's `/api/v1/notices`, and the SMS
//! gateway's delivery reports.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_actors::outbox::sms::smsru_reports;
use domovoy_app::mailings::{self, AudienceSize, MailingInput, MailingView, Preview, SegmentInput, TemplateInput};
use domovoy_app::{channels, mailing_files};
use domovoy_domain::ids::{MailingId, MailingTemplateId, SegmentId};
use domovoy_domain::mailing::{MailingTemplate, Segment};
use domovoy_store::mailings::{Delivery, Notice};

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A mailing with its delivery counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingDto {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    /// `news`, `works`, `emergency`, `billing`.
    pub kind: &'static str,
    pub channels: Vec<&'static str>,
    #[schema(value_type = Object)]
    pub audience: domovoy_domain::mailing::Audience,
    /// `draft`, `scheduled` or `sent`.
    pub status: &'static str,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    /// While scheduled: the wall-clock time it leaves at in each building's
    /// zone (`2026-12-10T10:00`).
    pub scheduled_for: Option<String>,
    /// Deliveries by state: `queued`, `sent`, `delivered`, `failed`, `skipped`.
    pub counts: BTreeMap<&'static str, i64>,
    /// Deliveries no longer waiting, in percent.
    pub done_percent: u8,
}

impl From<&MailingView> for MailingDto {
    fn from(view: &MailingView) -> Self {
        let m = &view.mailing;
        Self {
            id: m.id.as_uuid(),
            title: m.title.clone(),
            body: m.body.clone(),
            kind: m.kind.code(),
            channels: m.channels.iter().map(|c| c.code()).collect(),
            audience: m.audience.clone(),
            status: m.status.code(),
            created_at: m.created_at,
            sent_at: m.sent_at,
            scheduled_for: m.scheduled_for.map(|at| at.format(domovoy_domain::mailing::SCHEDULE_FORMAT).to_string()),
            counts: view.counts.iter().map(|(s, n)| (s.code(), *n)).collect(),
            done_percent: view.percent_done(),
        }
    }
}

/// Whom a mailing reaches.
#[derive(Debug, Serialize, ToSchema)]
pub struct AudienceDto {
    pub audience_size: usize,
    /// By outward channel: `{"email": 120}`.
    pub reached: BTreeMap<&'static str, usize>,
    /// Reached by no outward channel, by why: `no_contact`, `no_consent`.
    pub excluded: BTreeMap<&'static str, usize>,
    /// In the cabinet's notice list.
    pub in_app: usize,
}

impl From<&AudienceSize> for AudienceDto {
    fn from(size: &AudienceSize) -> Self {
        Self {
            audience_size: size.audience_size,
            reached: size.reached.iter().map(|(c, n)| (c.code(), *n)).collect(),
            excluded: size.excluded.iter().map(|(e, n)| (e.code(), *n)).collect(),
            in_app: size.in_app,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedMailingDto {
    pub id: Uuid,
    #[serde(flatten)]
    pub audience: AudienceDto,
}

/// The mailings, the newest first (at most 100).
#[utoipa::path(tag = "mailings", responses((status = 200, body = Vec<MailingDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailings")]
pub async fn list_mailings(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<MailingDto>>, ApiError> {
    Ok(web::Json(mailings::list(&state, &caller).await?.iter().map(MailingDto::from).collect()))
}

/// Writes a draft and answers whom it reaches now. Channels a server
/// cannot send by answer 422 (`mail_not_configured`, `channel_unavailable`);
/// a text with an unknown variable or broken syntax answers 422 on `body`.
#[utoipa::path(
    tag = "mailings",
    request_body = MailingInput,
    responses((status = 201, body = CreatedMailingDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/mailings")]
pub async fn create_mailing(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<MailingInput>,
) -> Result<HttpResponse, ApiError> {
    let (mailing, size) = mailings::create(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(CreatedMailingDto { id: mailing.id.as_uuid(), audience: AudienceDto::from(&size) }))
}

#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 200, body = MailingDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailings/{id}")]
pub async fn get_mailing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MailingDto>, ApiError> {
    Ok(web::Json(MailingDto::from(&mailings::get(&state, &caller, MailingId::from_uuid(*id)).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewDto {
    #[serde(flatten)]
    pub audience: AudienceDto,
    /// How the first recipients read it.
    pub recipients: Vec<PreviewItemDto>,
    /// How the first recipient reads it on each of the mailing's channels.
    pub channels: Vec<PreviewItemDto>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewItemDto {
    pub client_name: String,
    /// The outward channel, or null (the cabinet only, or nothing).
    pub channel: Option<&'static str>,
    pub subject: String,
    pub text: String,
}

impl From<&Preview> for PreviewItemDto {
    fn from(p: &Preview) -> Self {
        Self {
            client_name: p.client_name.clone(),
            channel: p.channel.map(|c| c.code()),
            subject: p.subject.clone(),
            text: p.text.clone(),
        }
    }
}

/// Whom the mailing reaches now, how its first five recipients read it,
/// and how the first reads it on each of its channels (`channels`: as it
/// goes out, the unsubscribe line's link a placeholder).
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 200, body = PreviewDto), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailings/{id}/preview")]
pub async fn preview_mailing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PreviewDto>, ApiError> {
    let t = caller.t();
    let previews = mailings::preview(&state, &caller, MailingId::from_uuid(*id), 5, &t.ml.footer).await?;
    Ok(web::Json(PreviewDto {
        audience: AudienceDto::from(&previews.size),
        recipients: previews.recipients.iter().map(PreviewItemDto::from).collect(),
        channels: previews.channels.iter().map(PreviewItemDto::from).collect(),
    }))
}

/// Sends a draft: every recipient's deliveries are queued in one go (202);
/// follow them with `GET /api/v1/mailings/{id}`. A mailing sends once:
/// again → 422 `mailing_already_sent`.
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 202, body = AudienceDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/mailings/{id}/send")]
pub async fn send_mailing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let t = caller.t();
    let size = mailings::send(&state, &caller, MailingId::from_uuid(*id), &t.ml.footer).await?;
    Ok(HttpResponse::Accepted().json(AudienceDto::from(&size)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ScheduleRequest {
    /// `2026-12-10T10:00`: read in each recipient's building's zone.
    pub at: String,
}

/// Schedules a draft: it is sent when the first of its buildings' clocks
/// shows `at`, and each recipient's messages leave when their building's
/// clock does. In the past → 422 on `at` (`not_allowed`); not a draft →
/// 422 `mailing_already_sent`.
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), request_body = ScheduleRequest, responses((status = 200, body = MailingDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/mailings/{id}/schedule")]
pub async fn schedule_mailing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<ScheduleRequest>,
) -> Result<web::Json<MailingDto>, ApiError> {
    let view = mailings::schedule(&state, &caller, MailingId::from_uuid(*id), &body.at).await?;
    Ok(web::Json(MailingDto::from(&view)))
}

/// Takes a scheduled mailing back to a draft. Not scheduled → 422
/// `mailing_already_sent`.
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 200, body = MailingDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/mailings/{id}/unschedule")]
pub async fn unschedule_mailing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<MailingDto>, ApiError> {
    let view = mailings::unschedule(&state, &caller, MailingId::from_uuid(*id)).await?;
    Ok(web::Json(MailingDto::from(&view)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// At most 500; default 100.
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    pub id: Uuid,
    pub mailing_id: Uuid,
    pub mailing_title: String,
    /// The mailing's kind: `news`, `works`, `emergency`, `billing`.
    pub mailing_kind: &'static str,
    pub client_id: Uuid,
    pub client_name: String,
    /// `email`, `in_app`, …; null for a recipient nothing reaches.
    pub channel: Option<&'static str>,
    pub address: Option<String>,
    /// `queued`, `sent`, `delivered`, `failed`, `skipped`.
    pub status: &'static str,
    /// Why it was skipped (`no_contact`, `no_consent`) or the channel's error.
    pub reason: Option<String>,
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
}

impl From<&Delivery> for DeliveryDto {
    fn from(d: &Delivery) -> Self {
        Self {
            id: d.id.as_uuid(),
            mailing_id: d.mailing_id.as_uuid(),
            mailing_title: d.mailing_title.clone(),
            mailing_kind: d.mailing_kind.code(),
            client_id: d.client_id.as_uuid(),
            client_name: d.client_name.clone(),
            channel: d.channel.map(|c| c.code()),
            address: d.address.clone(),
            status: d.status.code(),
            reason: d.reason.clone(),
            attempts: d.attempts,
            sent_at: d.sent_at,
            unsubscribed_at: d.unsubscribed_at,
        }
    }
}

/// A mailing's deliveries, one per recipient and channel.
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path), PageQuery), responses((status = 200, body = Vec<DeliveryDto>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailings/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<Vec<DeliveryDto>>, ApiError> {
    let list = mailings::deliveries(
        &state,
        &caller,
        MailingId::from_uuid(*id),
        query.limit.unwrap_or(100),
        query.offset.unwrap_or(0),
    )
    .await?;
    Ok(web::Json(list.iter().map(DeliveryDto::from).collect()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDto {
    pub id: Uuid,
    pub mailing_id: Uuid,
    pub kind: &'static str,
    pub subject: String,
    /// As written (`**bold**`, `- ` list items).
    pub text: String,
    /// The same formatted: an HTML fragment, everything typed escaped.
    pub html: String,
    pub created_at: DateTime<Utc>,
    pub files: Vec<MailingFileDto>,
}

impl From<&Notice> for NoticeDto {
    fn from(n: &Notice) -> Self {
        Self {
            id: n.id.as_uuid(),
            mailing_id: n.mailing_id.as_uuid(),
            kind: n.kind.code(),
            subject: n.subject.clone(),
            text: n.text.clone(),
            html: domovoy_domain::markup::to_html(&n.text),
            created_at: n.created_at,
            files: n.files.iter().map(MailingFileDto::from).collect(),
        }
    }
}

/// The signed-in resident's notices from mailings, the newest first.
#[utoipa::path(tag = "mailings", responses((status = 200, body = Vec<NoticeDto>)), security(("bearer" = [])))]
#[get("/api/v1/notices")]
pub async fn my_notices(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<NoticeDto>>, ApiError> {
    Ok(web::Json(mailings::my_notices(&state, &caller).await?.iter().map(NoticeDto::from).collect()))
}

/// A saved mailing text.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateDto {
    pub id: Uuid,
    pub name: String,
    pub title: String,
    pub body: String,
    pub kind: &'static str,
    pub channels: Vec<&'static str>,
    pub created_at: DateTime<Utc>,
}

impl From<&MailingTemplate> for TemplateDto {
    fn from(t: &MailingTemplate) -> Self {
        Self {
            id: t.id.as_uuid(),
            name: t.name.clone(),
            title: t.title.clone(),
            body: t.body.clone(),
            kind: t.kind.code(),
            channels: t.channels.iter().map(|c| c.code()).collect(),
            created_at: t.created_at,
        }
    }
}

/// The saved mailing templates, by name.
#[utoipa::path(tag = "mailings", responses((status = 200, body = Vec<TemplateDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailing-templates")]
pub async fn list_templates(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<Vec<TemplateDto>>, ApiError> {
    Ok(web::Json(mailings::templates(&state, &caller).await?.iter().map(TemplateDto::from).collect()))
}

/// Saves a template (texts checked as a mailing's); a name in use → 422
/// on `name` (`taken`).
#[utoipa::path(tag = "mailings", request_body = TemplateInput, responses((status = 201, body = TemplateDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/mailing-templates")]
pub async fn create_template(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<TemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let saved = mailings::save_template(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(TemplateDto::from(&saved)))
}

#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/mailing-templates/{id}")]
pub async fn delete_template(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    mailings::delete_template(&state, &caller, MailingTemplateId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A saved audience.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentDto {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = Object)]
    pub audience: domovoy_domain::mailing::Audience,
    pub created_at: DateTime<Utc>,
}

impl From<&Segment> for SegmentDto {
    fn from(s: &Segment) -> Self {
        Self { id: s.id.as_uuid(), name: s.name.clone(), audience: s.audience.clone(), created_at: s.created_at }
    }
}

/// The saved audiences (segments), by name.
#[utoipa::path(tag = "mailings", responses((status = 200, body = Vec<SegmentDto>), (status = 403, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/audience-segments")]
pub async fn list_segments(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<SegmentDto>>, ApiError> {
    Ok(web::Json(mailings::segments(&state, &caller).await?.iter().map(SegmentDto::from).collect()))
}

/// Saves an audience under a unique name (`taken` on `name` otherwise);
/// the caller must be allowed to send mailings to all of it.
#[utoipa::path(tag = "mailings", request_body = SegmentInput, responses((status = 201, body = SegmentDto), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[post("/api/v1/audience-segments")]
pub async fn create_segment(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<SegmentInput>,
) -> Result<HttpResponse, ApiError> {
    let saved = mailings::save_segment(&state, &caller, &body).await?;
    Ok(HttpResponse::Created().json(SegmentDto::from(&saved)))
}

#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/audience-segments/{id}")]
pub async fn delete_segment(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    mailings::delete_segment(&state, &caller, SegmentId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A file attached to a mailing.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailingFileDto {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// `/api/v1/mailing-files/<id>`.
    pub url: String,
}

impl From<&domovoy_store::mailings::MailingFile> for MailingFileDto {
    fn from(f: &domovoy_store::mailings::MailingFile) -> Self {
        Self {
            id: f.id,
            file_name: f.file_name.clone(),
            content_type: f.content_type.clone(),
            size_bytes: f.size_bytes,
            url: format!("/api/v1/mailing-files/{}", f.id),
        }
    }
}

/// Attaches a file to a draft: the raw bytes as the body, its name in
/// `?name=` (kinds as a ticket's attachments: photos, PDF, Word, Excel,
/// text). Every letter of the mailing carries its files; at most five,
/// 10 MB together (413 beyond). Not a draft → 422 `mailing_already_sent`.
#[utoipa::path(
    tag = "mailings",
    params(("id" = Uuid, Path), crate::tickets::api::UploadQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = MailingFileDto),
        (status = 403, body = ErrorBody),
        (status = 413, body = ErrorBody, description = "Over the size limit"),
        (status = 415, body = ErrorBody, description = "A kind of file not accepted"),
        (status = 422, body = ErrorBody),
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/mailings/{id}/files")]
pub async fn attach_file(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<crate::tickets::api::UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let file = mailing_files::attach(&state, &caller, MailingId::from_uuid(*id), &query.name, payload).await?;
    Ok(HttpResponse::Created().json(MailingFileDto::from(&file)))
}

#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 200, body = Vec<MailingFileDto>), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailings/{id}/files")]
pub async fn list_files(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<Vec<MailingFileDto>>, ApiError> {
    let files = mailing_files::list(&state, &caller, MailingId::from_uuid(*id)).await?;
    Ok(web::Json(files.iter().map(MailingFileDto::from).collect()))
}

/// Removes a file from a draft (204).
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path), ("file" = Uuid, Path)), responses((status = 204), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)), security(("bearer" = [])))]
#[delete("/api/v1/mailings/{id}/files/{file}")]
pub async fn detach_file(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, file) = path.into_inner();
    mailing_files::detach(&state, &caller, MailingId::from_uuid(id), file).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A mailing's file: for those who read the mailing, and for residents
/// who received it in the cabinet.
#[utoipa::path(tag = "mailings", params(("id" = Uuid, Path)), responses((status = 200, description = "The file"), (status = 404, body = ErrorBody)), security(("bearer" = [])))]
#[get("/api/v1/mailing-files/{id}")]
pub async fn download_file(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (file, path) = mailing_files::open(&state, &caller, *id).await?;
    crate::export::stored_file(&path, &file.file_name, &file.content_type, false).await
}

/// The longest secret word of the reports' address read.
const REPORT_SECRET_MAX: usize = 128;

/// SMS.ru's delivery reports (its «API → Callback», pointed at this address
/// with `[sms] report_secret`): form-encoded `data[]` entries, each
/// `sms_status\n<sms_id>\n<status>\n<time>`. A text reported delivered
/// (103) or not (104–108, 150) is marked so once; the rest is passed over.
/// Answers `100`, which SMS.ru waits for (it posts again otherwise). A
/// wrong secret is 404 and nothing is read; at most a thousand entries
/// are read (the default body limit is 256 KiB).
#[utoipa::path(
    tag = "mailings",
    params(("secret" = String, Path, description = "The address's secret word: [sms] report_secret")),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "data[]=sms_status\\n<sms_id>\\n<status>"),
    responses((status = 200, description = "100", body = String), (status = 404, body = ErrorBody))
)]
#[post("/api/v1/sms/smsru-reports/{secret}")]
pub async fn smsru_delivery_reports(
    state: web::Data<AppState>,
    secret: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if secret.len() > REPORT_SECRET_MAX {
        return Err(domovoy_app::AppError::NotFound.into());
    }
    // Read as a form whatever it holds (the decoding is lossy: it cannot
    // fail); what does not read as a report is passed over.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let reports = smsru_reports(pairs.iter().filter(|(name, _)| name.starts_with("data[")).map(|(_, v)| v.as_str()));
    channels::sms_reports(&state, &secret, reports).await?;
    Ok(HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("100"))
}
