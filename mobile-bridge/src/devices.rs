//! Registering and removing a person's devices.

use serde::Deserialize;

use domovoy_app::{App, AppError, AppResult, Requester, Rule};
use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::device::{Platform, PushAddress, WebPushSubscription, parse_token};
use domovoy_domain::error::bounded_text;
use domovoy_domain::ids::DeviceId;
use domovoy_store::audit::{self, Change};
use domovoy_store::devices::{self, Device, NewDevice};

use crate::BridgeConfig;

/// A device as registered (`POST /api/v1/devices`).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRequest {
    /// `webpush`, `apns`, `fcm` or `none` (sync only).
    pub platform: String,
    /// Web Push: `PushSubscription.toJSON()` of the browser.
    pub subscription: Option<SubscriptionRequest>,
    /// APNs or FCM: the device token.
    pub token: Option<String>,
    /// The app's version, shown to administrators.
    pub app_version: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionRequest {
    pub endpoint: String,
    pub keys: SubscriptionKeys,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SubscriptionKeys {
    pub p256dh: String,
    pub auth: String,
}

/// Reads where a device's pushes go, naming every field that is wrong.
fn push_address(request: &DeviceRequest, config: &BridgeConfig) -> AppResult<(Platform, PushAddress)> {
    let platform: Platform = request.platform.trim().parse().map_err(|e| AppError::field("platform", e))?;
    let address = match platform {
        Platform::Webpush => {
            let Some(s) = &request.subscription else {
                return Err(AppError::field("subscription", FieldError::Required));
            };
            let parsed =
                WebPushSubscription::parse(&s.endpoint, &s.keys.p256dh, &s.keys.auth, config.allow_http_endpoints)
                    .map_err(|errors| AppError::Validation(errors.into_iter().collect()))?;
            PushAddress::WebPush(parsed)
        }
        Platform::Apns | Platform::Fcm => {
            let token = parse_token(platform, request.token.as_deref().unwrap_or_default())
                .map_err(|e| AppError::field("token", e))?;
            PushAddress::Token(token)
        }
        Platform::None => PushAddress::None,
    };
    Ok((platform, address))
}

/// Registers a device of the requester, bound to the sign-in it presents
/// (revoking that sign-in on the account page ends the device).
pub async fn register(
    app: &App,
    requester: &Requester,
    config: &BridgeConfig,
    request: &DeviceRequest,
) -> AppResult<Device> {
    let user = requester.account()?.id;
    let (platform, push) = push_address(request, config)?;
    let app_version = match request.app_version.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => Some(bounded_text(v, 1, 40).map_err(|e| AppError::field("app_version", e))?),
        None => None,
    };
    let new = NewDevice { user_id: user, token_id: requester.token(), platform, push, app_version };
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let device = devices::insert(tx, &new).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::DeviceRegistered, device.id).summary(platform.code().to_owned()),
            )
            .await?;
            Ok(device)
        })
    })
    .await
}

/// Changes where one of the requester's devices gets its pushes (the
/// staff app asks for Web Push once the person allows notifications).
pub async fn set_push(
    app: &App,
    requester: &Requester,
    config: &BridgeConfig,
    id: DeviceId,
    request: &DeviceRequest,
) -> AppResult<Device> {
    let user = requester.account()?.id;
    let (platform, push) = push_address(request, config)?;
    app.write(move |tx| Box::pin(async move { Ok(devices::set_push(tx, user, id, platform, &push).await?) })).await
}

/// Sends a test notification to one of the requester's devices, through
/// the outbox like every push.
pub async fn test_push(app: &App, requester: &Requester, id: DeviceId) -> AppResult<()> {
    let device = own(app, requester, id).await?;
    if matches!(device.push, PushAddress::None) {
        return Err(AppError::Rule(Rule::NoPushAddress));
    }
    app.write(move |tx| Box::pin(async move { Ok(devices::enqueue_test(tx, id).await?) })).await
}

/// The requester's devices.
pub async fn mine(app: &App, requester: &Requester) -> AppResult<Vec<Device>> {
    Ok(devices::list_for_user(&app.db, requester.account()?.id).await?)
}

/// A device of the requester's, or not found (another person's device is
/// not found either: nothing tells it exists).
pub async fn own(app: &App, requester: &Requester, id: DeviceId) -> AppResult<Device> {
    let user = requester.account()?.id;
    match devices::get(&app.db, id).await {
        Ok(device) if device.user_id == user => Ok(device),
        Ok(_) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}

/// Removes one of the requester's devices: it gets no more pushes and its
/// sync stops.
pub async fn remove(app: &App, requester: &Requester, id: DeviceId) -> AppResult<()> {
    let user = requester.account()?.id;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            devices::delete(tx, user, id).await?;
            audit::record(tx, Change::new(&actor, AuditAction::DeviceRemoved, id)).await?;
            Ok(())
        })
    })
    .await
}
