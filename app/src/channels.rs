//! The outward channels (e-mail and text messages) as an administrator
//! sees them (`admin.integrations`): the server's `[mail]` and `[sms]` (without
//! credentials), each channel's last success, last error and backlog, and
//! a test letter or text to themselves.

use uuid::Uuid;

use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::mail::{self, EMAIL_CHANNEL, Letter};
use domovoy_store::outbox::{self, ChannelStatus};
use domovoy_store::sms::{self, SMS_CHANNEL, Sms};

use crate::{App, AppError, AppResult, MailConfig, Requester, Rule};

#[derive(Debug, Clone)]
pub struct MailOverview {
    /// `None` when `[mail]` is not set up.
    pub config: Option<MailConfig>,
    pub status: ChannelStatus,
}

pub async fn overview(app: &App, requester: &Requester) -> AppResult<MailOverview> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    Ok(MailOverview { config: app.config.mail.clone(), status: outbox::channel_status(&app.db, EMAIL_CHANNEL).await? })
}

/// Queues a test letter to the administrator's own address (`subject`
/// and `text` in their language, from the door); answers the address.
pub async fn send_test(app: &App, requester: &Requester, subject: &str, text: &str) -> AppResult<String> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    if !app.config.mail_enabled() {
        return Err(AppError::Rule(Rule::MailNotConfigured));
    }
    let to = requester.account()?.email.clone().ok_or(AppError::Rule(Rule::NoEmail))?;
    let letter = Letter {
        to: to.as_str().to_owned(),
        subject: subject.to_owned(),
        text: text.to_owned(),
        html: None,
        attachments: Vec::new(),
        unsubscribe: None,
    };
    let key = format!("test:{}", Uuid::now_v7());
    app.write(move |tx| Box::pin(async move { Ok(mail::enqueue(tx, &key, &letter).await?) })).await?;
    Ok(to.as_str().to_owned())
}

#[derive(Debug, Clone)]
pub struct SmsOverview {
    /// The gateway (`SMS.ru (sms.ru)`); `None` when `[sms]` is not set up.
    pub gateway: Option<String>,
    pub status: ChannelStatus,
}

pub async fn sms_overview(app: &App, requester: &Requester) -> AppResult<SmsOverview> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    Ok(SmsOverview { gateway: app.config.sms.clone(), status: outbox::channel_status(&app.db, SMS_CHANNEL).await? })
}

/// Queues a test text (`text` in their language, from the door) to the
/// administrator's own phone; answers the number.
pub async fn send_test_sms(app: &App, requester: &Requester, text: &str) -> AppResult<String> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    if !app.config.sms_enabled() {
        return Err(AppError::Rule(Rule::ChannelUnavailable));
    }
    let phone = requester.account()?.phone.clone().ok_or(AppError::Rule(Rule::NoPhone))?;
    let text = Sms { to: phone.e164().to_owned(), text: text.to_owned() };
    let key = format!("test:{}", Uuid::now_v7());
    app.write(move |tx| Box::pin(async move { Ok(sms::enqueue_many(tx, [(key.as_str(), &text, None)]).await?) }))
        .await?;
    Ok(phone.to_string())
}
