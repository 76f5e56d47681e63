//! `/api/v1/devices` (a person's own devices) and `/api/v1/sync` (the staff
//! app's offline changes in, what changed out).

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use domovoy_app::AppError;
use domovoy_domain::device::{Platform, PushAddress};
use domovoy_domain::ids::DeviceId;
use domovoy_mobile_bridge::admin;
use domovoy_mobile_bridge::devices::{self, DeviceRequest};
use domovoy_mobile_bridge::notifications::{self, NotificationList};
use domovoy_mobile_bridge::sync::{self, SyncRequest};
use domovoy_store::devices::Device;

use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, detail_of};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceDto {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub platform: Platform,
    /// Whether pushes can reach it.
    pub push: bool,
    pub app_version: Option<String>,
    /// The number of the device's last offline change applied.
    pub applied_seq: i64,
    /// Registered with the sign-in this request presents.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl DeviceDto {
    fn of(device: &Device, caller: &Caller) -> Self {
        Self {
            id: device.id.as_uuid(),
            platform: device.platform,
            push: !matches!(device.push, PushAddress::None),
            app_version: device.app_version.clone(),
            applied_seq: device.applied_seq,
            current: device.token_id == Some(caller.token.id),
            created_at: device.created_at,
            last_seen_at: device.last_seen_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedDeviceDto {
    pub id: Uuid,
}

/// Registers a device of the signed-in person: for Web Push (the staff
/// app in a browser), APNs or FCM (native wrappers), or `none` (sync only).
#[utoipa::path(
    tag = "staff app",
    request_body = DeviceRequest,
    responses((status = 201, body = CreatedDeviceDto), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/devices")]
pub async fn register_device(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<DeviceRequest>,
) -> Result<HttpResponse, ApiError> {
    let device = devices::register(&state, &caller, &state.web().bridge, &body).await?;
    Ok(HttpResponse::Created().json(CreatedDeviceDto { id: device.id.as_uuid() }))
}

/// Changes where one of the signed-in person's devices gets its pushes
/// (the same body as registering).
#[utoipa::path(
    tag = "staff app",
    params(("id" = Uuid, Path)),
    request_body = DeviceRequest,
    responses((status = 200, body = DeviceDto), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[put("/api/v1/devices/{id}/push")]
pub async fn set_device_push(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    body: web::Json<DeviceRequest>,
) -> Result<web::Json<DeviceDto>, ApiError> {
    let device = devices::set_push(&state, &caller, &state.web().bridge, DeviceId::from_uuid(*id), &body).await?;
    Ok(web::Json(DeviceDto::of(&device, &caller)))
}

/// Sends a test notification to one of the signed-in person's devices.
#[utoipa::path(
    tag = "staff app",
    params(("id" = Uuid, Path)),
    responses((status = 202), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/devices/{id}/test")]
pub async fn test_device_push(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    devices::test_push(&state, &caller, DeviceId::from_uuid(*id)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderDto {
    /// `webpush`, `apns`, `fcm`.
    pub platform: String,
    pub configured: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AdminDeviceDto {
    pub id: Uuid,
    pub user_id: Uuid,
    pub user_name: String,
    pub platform: String,
    pub push: bool,
    pub app_version: Option<String>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PushOverviewDto {
    pub providers: Vec<ProviderDto>,
    pub last_success: Option<DateTime<Utc>>,
    pub last_error_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Pushes waiting to be sent (or sent again).
    pub waiting: i64,
    pub devices: Vec<AdminDeviceDto>,
}

/// Pushes for administrators: each provider, the last success and error,
/// every device.
#[utoipa::path(
    tag = "staff app",
    responses((status = 200, body = PushOverviewDto), (status = 403, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/admin/push")]
pub async fn push_overview(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<PushOverviewDto>, ApiError> {
    let overview = admin::overview(&state, &caller, &state.web().bridge).await?;
    Ok(web::Json(PushOverviewDto {
        providers: overview
            .providers
            .iter()
            .map(|p| ProviderDto { platform: p.platform.code().to_owned(), configured: p.configured })
            .collect(),
        last_success: overview.status.last_success,
        last_error_at: overview.status.last_error_at,
        last_error: overview.status.last_error.clone(),
        waiting: overview.status.waiting,
        devices: overview
            .devices
            .iter()
            .map(|(d, name)| AdminDeviceDto {
                id: d.id.as_uuid(),
                user_id: d.user_id.as_uuid(),
                user_name: name.clone(),
                platform: d.platform.code().to_owned(),
                push: !matches!(d.push, PushAddress::None),
                app_version: d.app_version.clone(),
                last_seen_at: d.last_seen_at,
            })
            .collect(),
    }))
}

/// Sends a test push to any device (administrators).
#[utoipa::path(
    tag = "staff app",
    params(("id" = Uuid, Path)),
    responses((status = 202), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("bearer" = []))
)]
#[post("/api/v1/admin/devices/{id}/test")]
pub async fn admin_test_push(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    admin::send_test(&state, &caller, DeviceId::from_uuid(*id)).await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VapidKeyDto {
    /// The `applicationServerKey` for `PushManager.subscribe` (base64url).
    pub public_key: String,
}

/// The key browsers subscribe to this server's Web Push with.
#[utoipa::path(
    tag = "staff app",
    responses((status = 200, body = VapidKeyDto), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[get("/api/v1/push/vapid-public-key")]
pub async fn vapid_public_key(state: web::Data<AppState>, _caller: Caller) -> Result<web::Json<VapidKeyDto>, ApiError> {
    match &state.web().bridge.vapid_public_key {
        Some(key) => Ok(web::Json(VapidKeyDto { public_key: key.clone() })),
        None => Err(ApiError::not_found()),
    }
}

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct NotificationsQuery {
    /// How many, newest first (1–200; 50 when absent).
    pub limit: Option<i64>,
}

/// The signed-in person's notifications (everything pushed to them, also
/// without a phone), newest first, with how many are unread.
#[utoipa::path(tag = "staff app", params(NotificationsQuery), responses((status = 200, body = NotificationList)), security(("bearer" = [])))]
#[get("/api/v1/notifications")]
pub async fn list_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<NotificationsQuery>,
) -> Result<web::Json<NotificationList>, ApiError> {
    Ok(web::Json(notifications::list(&state, &caller, query.limit.unwrap_or(50)).await?))
}

#[derive(Debug, serde::Deserialize, ToSchema)]
pub struct ReadInput {
    /// The newest notification the person saw: it and those before it are
    /// marked read.
    pub up_to: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadDto {
    pub unread: i64,
}

/// Marks the signed-in person's notifications read up to one they saw.
#[utoipa::path(tag = "staff app", request_body = ReadInput, responses((status = 200, body = UnreadDto)), security(("bearer" = [])))]
#[post("/api/v1/notifications/read")]
pub async fn read_notifications(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<ReadInput>,
) -> Result<web::Json<UnreadDto>, ApiError> {
    Ok(web::Json(UnreadDto { unread: notifications::mark_read(&state, &caller, body.up_to).await? }))
}

/// The signed-in person's devices, the most recently seen first.
#[utoipa::path(tag = "staff app", responses((status = 200, body = Vec<DeviceDto>)), security(("bearer" = [])))]
#[get("/api/v1/devices")]
pub async fn list_devices(state: web::Data<AppState>, caller: Caller) -> Result<web::Json<Vec<DeviceDto>>, ApiError> {
    let list = devices::mine(&state, &caller).await?;
    Ok(web::Json(list.iter().map(|d| DeviceDto::of(d, &caller)).collect()))
}

/// Removes one of the signed-in person's devices (no more pushes or sync).
#[utoipa::path(
    tag = "staff app",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)),
    security(("bearer" = []))
)]
#[delete("/api/v1/devices/{id}")]
pub async fn delete_device(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    devices::remove(&state, &caller, DeviceId::from_uuid(*id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The staff app's sync: applies the device's numbered offline changes
/// exactly once (each answered `applied`, `duplicate`, `conflict` with the
/// ticket as it is, or `rejected`) and answers what changed for the person
/// since `cursor`. A change missing before the batch: 409 `sync_gap` with
/// `expected_seq`. ARCHITECTURE.md «Staff app sync» has the protocol.
#[utoipa::path(
    tag = "staff app",
    request_body = SyncRequest,
    responses(
        (status = 200, description = "`{\"results\":[…],\"changes\":{…},\"cursor\"}`"),
        (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)
    ),
    security(("bearer" = []))
)]
#[post("/api/v1/sync")]
pub async fn sync_device(
    state: web::Data<AppState>,
    caller: Caller,
    body: web::Json<SyncRequest>,
) -> Result<HttpResponse, ApiError> {
    let t = caller.t();
    let describe = |error: &AppError| -> serde_json::Value {
        // The error object of the API, as a person reads it in the app.
        serde_json::to_value(detail_of(error, t)).unwrap_or_default()
    };
    let answer = sync::sync(&state, &caller, &body, &describe).await?;
    Ok(HttpResponse::Ok().json(answer))
}
