//! What an administrator sees of pushes (`admin.integrations`): each
//! provider's state, every device, and a test push to any of them.

use domovoy_app::{App, AppError, AppResult, Requester, Rule};
use domovoy_domain::device::{Platform, PushAddress};
use domovoy_domain::ids::DeviceId;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::devices::{self, Device, PUSH_CHANNEL};
use domovoy_store::outbox::{self, ChannelStatus};

use crate::BridgeConfig;

/// Devices listed at most.
const DEVICES_SHOWN: i64 = 500;

/// A push provider as configured on this server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provider {
    pub platform: Platform,
    pub configured: bool,
}

#[derive(Debug, Clone)]
pub struct Overview {
    pub providers: Vec<Provider>,
    /// The `push` channel's last success, last error and backlog (all
    /// providers share it).
    pub status: ChannelStatus,
    /// Devices with their person's name, the most recently seen first.
    pub devices: Vec<(Device, String)>,
}

pub async fn overview(app: &App, requester: &Requester, config: &BridgeConfig) -> AppResult<Overview> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    let providers = vec![
        Provider { platform: Platform::Webpush, configured: config.vapid_public_key.is_some() },
        Provider { platform: Platform::Apns, configured: config.apns },
        Provider { platform: Platform::Fcm, configured: config.fcm },
    ];
    Ok(Overview {
        providers,
        status: outbox::channel_status(&app.db, PUSH_CHANNEL).await?,
        devices: devices::list_all(&app.db, DEVICES_SHOWN).await?,
    })
}

/// Sends a test push to any device (an administrator checking a person's
/// phone on their behalf).
pub async fn send_test(app: &App, requester: &Requester, id: DeviceId) -> AppResult<()> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    let device = devices::get(&app.db, id).await?;
    if matches!(device.push, PushAddress::None) {
        return Err(AppError::Rule(Rule::NoPushAddress));
    }
    app.write(move |tx| Box::pin(async move { Ok(devices::enqueue_test(tx, id).await?) })).await
}
