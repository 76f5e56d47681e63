//! The outward channels (e-mail and text messages) as an administrator
//! sees them (`admin.integrations`): the server's `[mail]` and `[sms]` (without
//! credentials), each channel's last success, last error and backlog, and
//! a test letter or text to themselves; and the SMS gateway's delivery
//! reports.

use chrono::Utc;
use uuid::Uuid;

use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::mail::{self, EMAIL_CHANNEL, Letter};
use domovoy_store::outbox::{self, ChannelStatus, Report};
use domovoy_store::sms::{self, SMS_CHANNEL, Sms};

use crate::secret::same_secret;
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
    /// Where the gateway posts its delivery reports (to enter in SMS.ru's
    /// «API → Callback»), when `report_secret` is set.
    pub reports_url: Option<String>,
    pub status: ChannelStatus,
}

/// The path SMS.ru's delivery reports are posted to, with the secret word.
pub fn sms_reports_path(secret: &str) -> String {
    format!("/api/v1/sms/smsru-reports/{secret}")
}

pub async fn sms_overview(app: &App, requester: &Requester) -> AppResult<SmsOverview> {
    requester.require(Permission::AdminIntegrations, &Target::SYSTEM)?;
    Ok(SmsOverview {
        gateway: app.config.sms.clone(),
        reports_url: app
            .config
            .sms_report_secret
            .as_deref()
            .map(|s| format!("{}{}", app.config.public_url, sms_reports_path(s))),
        status: outbox::channel_status(&app.db, SMS_CHANNEL).await?,
    })
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

/// Records the SMS gateway's delivery reports, posted to the address with
/// the secret word (`[sms] report_secret`): each text it names is marked
/// delivered or not delivered, once. Without the secret set, or with
/// another word, the address does not exist (`NotFound`) and nothing is
/// read. Answers how many texts changed.
pub async fn sms_reports(app: &App, secret: &str, reports: Vec<(String, Report)>) -> AppResult<u64> {
    if !app.config.sms_report_secret.as_deref().is_some_and(|known| same_secret(known, secret)) {
        return Err(AppError::NotFound);
    }
    if reports.is_empty() {
        return Ok(0);
    }
    let at = Utc::now();
    app.write(move |tx| Box::pin(async move { Ok(outbox::record_reports(tx, SMS_CHANNEL, &reports, at).await?) })).await
}
