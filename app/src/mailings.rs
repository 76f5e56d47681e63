//! Mailings: write one, see whom it reaches, send it, follow its
//! deliveries; residents read it in the cabinet and withdraw a channel's
//! consent by the link in a letter.
//!
//! Sending is one transaction: the mailing moves from draft to sent, and
//! every recipient's delivery rows and outbox messages are written with it.
//! A mailing is therefore queued whole or not at all, and once (a second
//! send finds it sent); the outbox sends each message until it is marked
//! sent, under a stable key (the letter's `Message-ID`).
//!
//! Texts are `minijinja` templates over the recipient's variables
//! ([`VARIABLES`]); unknown variables and broken syntax are refused when
//! the mailing is written, and every rendering is bounded ([`FUEL`]).

use std::collections::{BTreeMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, Utc};
use minijinja::{Environment, UndefinedBehavior, context};
use serde::{Deserialize, Serialize};

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::device::{PushKind, PushNotice};
use domovoy_domain::ids::{BuildingId, ClientId, MailingId, MailingTemplateId, SectionId, SegmentId, SurveyId};
use domovoy_domain::layout::SectionKind;
use domovoy_domain::mailing::{
    self as domain, Audience, DeliveryStatus, Exclusion, Mailing, MailingChannel, MailingKind, MailingStatus,
    MailingTemplate, NewMailing, NewSegment, NewTemplate, Reach, Segment,
};
use domovoy_domain::markup;
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_store::WriteTx;
use domovoy_store::audit::{self, Change};
use domovoy_store::clients;
use domovoy_store::devices::{self, PersonPush};
use domovoy_store::mail::{self, Letter, LetterFile};
use domovoy_store::mailings::{self as store, Delivery, NewDelivery, Notice, Recipient};
use domovoy_store::sms::{self, MAX_SMS_CHARS, Sms};
use futures_util::future::BoxFuture;

use crate::App;
use crate::error::{AppError, AppResult, Rule};
use crate::requester::{Channel, Requester};
use crate::secret::{new_secret, stored_secret};

/// The variables a mailing's title and text may use.
pub const VARIABLES: &[&str] = &["name", "unit", "building", "address", "date"];

/// The most work one rendering may do (minijinja's fuel: roughly one unit
/// per instruction); a loop over a long range stops here with an error.
pub const FUEL: u64 = 50_000;

/// A page of deliveries at most.
pub const MAX_PAGE: i64 = 500;

/// Room kept in a text message (which is the body alone: no subject) for
/// what is added to the written text: the variables' values and the
/// unsubscribe line with its link.
const SMS_ROOM: usize = 160;

/// The unsubscribe line of an outward message on a channel, from its link
/// (the door's catalogs word it: a letter's is a sentence, a text's is
/// short).
pub type Footer<'a> = &'a FooterFn;

/// Words the unsubscribe line of a channel from its link.
pub type FooterFn = dyn Fn(MailingChannel, &str) -> String + Send + Sync;

/// A [`Footer`] kept by the application for scheduled mailings.
#[derive(Clone)]
pub struct SharedFooter(pub std::sync::Arc<FooterFn>);

impl std::fmt::Debug for SharedFooter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedFooter")
    }
}

/// Scheduled mailings sent by one run of [`send_due`] at most.
const DUE_BATCH: i64 = 20;

/// How far ahead a mailing may be scheduled.
const SCHEDULE_HORIZON: chrono::Duration = chrono::Duration::days(366);

/// What a person writes.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailingInput {
    pub title: String,
    /// Plain text with variables: `{{ name }}`, `{{ unit }}`, `{{ building }}`,
    /// `{{ address }}`, `{{ date }}`.
    pub body: String,
    /// `news`, `works`, `emergency` or `billing`.
    pub kind: String,
    /// In the order they are tried: `push`, `sms`, `email`; and `in_app`.
    pub channels: Vec<String>,
    /// `building_ids`, `section_ids`, `unit_ids`, `link_roles`.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub audience: Audience,
}

/// Whom a mailing reaches, counted now (people change; the send counts
/// again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AudienceSize {
    /// People in the audience (each once, however many units they have).
    pub audience_size: usize,
    /// By the outward channel that reaches them (`email`, …).
    pub reached: BTreeMap<MailingChannel, usize>,
    /// Those no outward channel reaches, by why (`no_contact`, `no_consent`).
    pub excluded: BTreeMap<Exclusion, usize>,
    /// In the cabinet's notice list (everyone, when `in_app` is asked for).
    pub in_app: usize,
}

/// A mailing with where its deliveries are.
#[derive(Debug, Clone, Serialize)]
pub struct MailingView {
    #[serde(flatten)]
    pub mailing: Mailing,
    /// Deliveries by state: `queued`, `sent`, `delivered`, `failed`, `skipped`.
    pub counts: BTreeMap<DeliveryStatus, i64>,
}

impl MailingView {
    /// Deliveries no longer waiting, of all (100 when nothing waits).
    pub fn percent_done(&self) -> u8 {
        let all: i64 = self.counts.values().sum();
        let waiting = self.counts.get(&DeliveryStatus::Queued).copied().unwrap_or(0);
        if all == 0 {
            return 100;
        }
        u8::try_from((all - waiting) * 100 / all).unwrap_or(100)
    }
}

/// One recipient's texts, as they will read them (a text message's subject
/// is empty: it has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    pub client_name: String,
    /// The outward channel, or none (only the cabinet, or nothing).
    pub channel: Option<MailingChannel>,
    pub subject: String,
    pub text: String,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(FUEL));
    env
}

/// Refuses a template that does not parse or names a variable not in
/// [`VARIABLES`] (or in `extra`, the variables the crate's own mailings
/// fill in).
fn check_template(field: &'static str, source: &str, extra: &[&str]) -> AppResult<()> {
    let env = environment();
    let template = env.template_from_str(source).map_err(|_| AppError::field(field, FieldError::InvalidFormat))?;
    if template
        .undeclared_variables(false)
        .iter()
        .any(|v| !VARIABLES.contains(&v.as_str()) && !extra.contains(&v.as_str()))
    {
        return Err(AppError::field(field, FieldError::Unknown));
    }
    Ok(())
}

/// The title and text of a mailing, compiled once for all its recipients.
struct Texts {
    env: Environment<'static>,
    date: String,
}

impl Texts {
    fn new(mailing: &Mailing, today: NaiveDate) -> AppResult<Self> {
        let mut env = environment();
        env.add_template_owned("title", mailing.title.clone())
            .map_err(|_| AppError::field("title", FieldError::InvalidFormat))?;
        env.add_template_owned("body", mailing.body.clone())
            .map_err(|_| AppError::field("body", FieldError::InvalidFormat))?;
        Ok(Self { env, date: today.format("%d.%m.%Y").to_string() })
    }

    /// The subject and text for `to` (with `link` for a survey's
    /// reminder); a rendering that fails (out of fuel) is the body's fault.
    fn render(&self, to: &Recipient, link: Option<&str>) -> AppResult<(String, String)> {
        let vars = context! {
            name => to.name,
            unit => to.unit_label,
            building => to.building_name,
            address => to.building_address,
            date => self.date,
            link => link,
        };
        // Each template is named after the field it was written in.
        let one = |field: &'static str| {
            self.env
                .get_template(field)
                .and_then(|t| t.render(&vars))
                .map_err(|_| AppError::field(field, FieldError::InvalidFormat))
        };
        Ok((one("title")?.trim().to_owned(), one("body")?))
    }
}

/// `text` as a template that renders to itself: every `{` is written as an
/// expression, so nothing in it starts a tag (a survey's title inside a
/// reminder's text).
pub fn literal(text: &str) -> String {
    text.replace('{', "{{ '{' }}")
}

/// The outward channels a server can send by now.
fn check_channels(app: &App, channels: &[MailingChannel]) -> AppResult<()> {
    match channels.iter().find(|c| !app.config.sends_by(**c)) {
        None => Ok(()),
        Some(MailingChannel::Email) => Err(AppError::Rule(Rule::MailNotConfigured)),
        Some(_) => Err(AppError::Rule(Rule::ChannelUnavailable)),
    }
}

/// Of `channels` (in the order they are to be tried), those this server
/// sends by.
pub fn available(app: &App, channels: &[MailingChannel]) -> Vec<MailingChannel> {
    channels.iter().copied().filter(|c| app.config.sends_by(*c)).collect()
}

/// The requester has `permission` in every building the audience touches
/// (mailings and surveys alike); answers those buildings.
pub(crate) async fn require_on_audience(
    app: &App,
    requester: &Requester,
    permission: Permission,
    audience: &Audience,
) -> AppResult<Vec<BuildingId>> {
    let buildings = store::audience_buildings(&app.db, audience).await?;
    if buildings.is_empty() {
        return Err(AppError::field("audience", FieldError::Unknown));
    }
    for building in &buildings {
        requester.require(permission, &Target::building(*building))?;
    }
    Ok(buildings)
}

/// Whether the requester has `permission` in every building of `audience`:
/// what it takes to read a mailing or survey (its figures count people
/// there). Company-wide holders need no query.
pub(crate) async fn covers(
    app: &App,
    requester: &Requester,
    permission: Permission,
    audience: &Audience,
) -> AppResult<bool> {
    if requester.can(permission, &Target::SYSTEM) {
        return Ok(true);
    }
    let buildings = store::audience_buildings(&app.db, audience).await?;
    Ok(!buildings.is_empty() && buildings.iter().all(|b| requester.can(permission, &Target::building(*b))))
}

/// A mailing the requester may read (its audience is theirs).
pub(crate) async fn readable(app: &App, requester: &Requester, id: MailingId) -> AppResult<Mailing> {
    require_reader(requester)?;
    let mailing = store::get(&app.db, id).await?;
    if covers(app, requester, Permission::MailingsSend, &mailing.audience).await? {
        Ok(mailing)
    } else {
        Err(AppError::Forbidden)
    }
}

async fn require_send(app: &App, requester: &Requester, audience: &Audience) -> AppResult<Vec<BuildingId>> {
    require_on_audience(app, requester, Permission::MailingsSend, audience).await
}

fn require_reader(requester: &Requester) -> AppResult<()> {
    if requester.principal().can_somewhere(Permission::MailingsSend) { Ok(()) } else { Err(AppError::Forbidden) }
}

pub(crate) fn today(app: &App) -> NaiveDate {
    Utc::now().with_timezone(&app.config.display_time_zone).date_naive()
}

/// Where one recipient's mailing goes.
fn route_of(mailing: &Mailing, to: &Recipient) -> domain::Route {
    domain::route(mailing.kind, &mailing.channels, |channel| Reach {
        contact: match channel {
            MailingChannel::Email => to.email.is_some(),
            MailingChannel::Sms => to.phone.is_some(),
            MailingChannel::Push => to.app_user.is_some(),
            MailingChannel::InApp => false,
        },
        consent: channel.consent().is_some_and(|c| to.consents.contains(&c)),
    })
}

/// Every recipient's route, in recipient order.
fn routes_of(mailing: &Mailing, recipients: &[Recipient]) -> Vec<domain::Route> {
    recipients.iter().map(|to| route_of(mailing, to)).collect()
}

/// How many the routes reach, by channel, and why the others are not
/// reached outward (said only of a mailing that asks for an outward
/// channel: a cabinet-only notice leaves no one out).
fn size_of(mailing: &Mailing, routes: &[domain::Route]) -> AudienceSize {
    let outward = mailing.channels.iter().any(|c| *c != MailingChannel::InApp);
    let mut size = AudienceSize { audience_size: routes.len(), ..AudienceSize::default() };
    for route in routes {
        if route.in_app {
            size.in_app += 1;
        }
        match route.outward {
            Ok(channel) => *size.reached.entry(channel).or_default() += 1,
            Err(why) if outward => *size.excluded.entry(why).or_default() += 1,
            Err(_) => {}
        }
    }
    size
}

/// A building the requester may write to, with its sections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceChoice {
    pub building_id: BuildingId,
    pub building_name: String,
    pub sections: Vec<(SectionId, SectionKind, String)>,
}

/// The buildings (and their sections) the requester may send mailings to.
pub async fn audience_choices(app: &App, requester: &Requester) -> AppResult<Vec<AudienceChoice>> {
    require_reader(requester)?;
    choices_for(app, requester, Permission::MailingsSend).await
}

/// The buildings (and their sections) where the requester has `permission`.
pub(crate) async fn choices_for(
    app: &App,
    requester: &Requester,
    permission: Permission,
) -> AppResult<Vec<AudienceChoice>> {
    let buildings = domovoy_store::buildings::list(&app.db).await?;
    let sections = store::sections(&app.db).await?;
    Ok(buildings
        .into_iter()
        .filter(|b| requester.can(permission, &Target::building(b.id)))
        .map(|b| AudienceChoice {
            building_id: b.id,
            building_name: b.name.to_string(),
            sections: sections
                .iter()
                .filter(|(of, ..)| *of == b.id)
                .map(|(_, id, kind, name)| (*id, *kind, name.clone()))
                .collect(),
        })
        .collect())
}

/// A mailing's (or template's) kind and channels as typed, read.
fn kind_and_channels(kind: &str, channels: &[String]) -> AppResult<(MailingKind, Vec<MailingChannel>)> {
    let kind = kind.parse().map_err(|e| AppError::field("kind", e))?;
    let channels = channels
        .iter()
        .map(|c| c.parse::<MailingChannel>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| AppError::field("channels", e))?;
    Ok((kind, channels))
}

/// A text message: the body and, under it, the unsubscribe line; a body
/// that would not fit (long names and addresses filled in) is cut with «…»
/// so that the line and the message's limit both hold.
fn sms_text(body: &str, footer: Option<&str>) -> String {
    let footer_len = footer.map_or(0, |f| f.chars().count() + 1);
    let room = MAX_SMS_CHARS.saturating_sub(footer_len);
    let body = if body.chars().count() > room {
        let mut cut: String = body.chars().take(room.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else {
        body.to_owned()
    };
    match footer {
        Some(footer) => format!("{body}\n{footer}"),
        None => body,
    }
}

/// A deletion that found nothing is [`AppError::NotFound`].
fn found(deleted: bool) -> AppResult<()> {
    if deleted { Ok(()) } else { Err(AppError::NotFound) }
}

/// Writes a draft and counts whom it would reach.
pub async fn create(app: &App, requester: &Requester, input: &MailingInput) -> AppResult<(Mailing, AudienceSize)> {
    create_with(app, requester, input, &[], Permission::MailingsSend).await
}

/// [`create`], the texts also naming the variables `extra` (a survey's
/// reminder: `link`), by someone holding `authority` over the audience
/// (an outage's notice: `outages.manage`).
pub(crate) async fn create_with(
    app: &App,
    requester: &Requester,
    input: &MailingInput,
    extra: &[&str],
    authority: Permission,
) -> AppResult<(Mailing, AudienceSize)> {
    let (kind, channels) = kind_and_channels(&input.kind, &input.channels)?;
    let new = NewMailing::new(&input.title, &input.body, kind, channels, input.audience.clone())
        .map_err(|(field, e)| AppError::field(field, e))?;
    check_template("title", &new.title, extra)?;
    check_template("body", &new.body, extra)?;
    check_channels(app, &new.channels)?;
    // What a person writes for a text is bounded here; the crate's own
    // texts (a survey's reminder) are cut to fit when sent.
    let sms_max = MAX_SMS_CHARS - SMS_ROOM;
    if extra.is_empty() && new.channels.contains(&MailingChannel::Sms) && new.body.chars().count() > sms_max {
        return Err(AppError::field("body", FieldError::TooLong { max: sms_max }));
    }
    let buildings = require_on_audience(app, requester, authority, &new.audience).await?;
    let actor = requester.actor();
    let by = requester.user_id();
    let mailing = app
        .write(move |tx| {
            Box::pin(async move {
                let mailing = store::insert(tx, &new, by).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::MailingCreated, mailing.id)
                        .summary(mailing.title.clone())
                        .building(buildings.first().copied().filter(|_| buildings.len() == 1)),
                )
                .await?;
                Ok(mailing)
            })
        })
        .await?;
    let recipients = store::recipients(&app.db, &mailing.audience, today(app)).await?;
    let size = size_of(&mailing, &routes_of(&mailing, &recipients));
    Ok((mailing, size))
}

/// A mailing with its delivery counts.
pub async fn get(app: &App, requester: &Requester, id: MailingId) -> AppResult<MailingView> {
    let mailing = readable(app, requester, id).await?;
    let counts = store::counts(&app.db, id).await?;
    Ok(MailingView { mailing, counts })
}

/// The newest mailings with their counts.
pub async fn list(app: &App, requester: &Requester) -> AppResult<Vec<MailingView>> {
    require_reader(requester)?;
    let mut mailings = Vec::new();
    for mailing in store::list(&app.db, 100).await? {
        if covers(app, requester, Permission::MailingsSend, &mailing.audience).await? {
            mailings.push(mailing);
        }
    }
    let ids: Vec<MailingId> = mailings.iter().map(|m| m.id).collect();
    let mut counts = store::counts_of(&app.db, &ids).await?;
    Ok(mailings
        .into_iter()
        .map(|mailing| {
            let counts = counts.remove(&mailing.id).unwrap_or_default();
            MailingView { mailing, counts }
        })
        .collect())
}

/// What a draft's preview shows.
#[derive(Debug, Clone)]
pub struct Previews {
    /// Whom it reaches now.
    pub size: AudienceSize,
    /// How the first recipients read it, each by their own channel.
    pub recipients: Vec<Preview>,
    /// How the first recipient would read it on each of the mailing's
    /// channels, as it goes out: a push's title and start, a text with
    /// its unsubscribe line, a letter with its footer, the cabinet's
    /// notice.
    pub channels: Vec<Preview>,
}

/// Whom a draft would reach now, how the first `limit` recipients would
/// read it, and how the first would on each channel (`footer` words the
/// unsubscribe line, its link shown as a placeholder).
pub async fn preview(
    app: &App,
    requester: &Requester,
    id: MailingId,
    limit: usize,
    footer: Footer<'_>,
) -> AppResult<Previews> {
    let mailing = readable(app, requester, id).await?;
    let today = today(app);
    let recipients = store::recipients(&app.db, &mailing.audience, today).await?;
    let texts = Texts::new(&mailing, today)?;
    let routes = routes_of(&mailing, &recipients);
    let mut previews = Vec::new();
    for (to, route) in recipients.iter().zip(&routes).take(limit) {
        let (subject, text) = texts.render(to, None)?;
        let channel = route.outward.ok();
        // A text (SMS) has no subject: it is read without one.
        let subject = if channel == Some(MailingChannel::Sms) { String::new() } else { subject };
        previews.push(Preview { client_name: to.name.clone(), channel, subject, text });
    }
    let mut channels = Vec::new();
    if let Some(to) = recipients.first() {
        let (subject, text) = texts.render(to, None)?;
        let link = format!("{}{}", app.config.public_url, unsubscribe_path("…"));
        let line = |channel| (mailing.kind != MailingKind::Emergency).then(|| footer(channel, &link));
        for &channel in &mailing.channels {
            let (subject, text) = match channel {
                MailingChannel::Push => {
                    (subject.clone(), markup::to_plain(&text).chars().take(devices::PERSON_PUSH_TEXT).collect())
                }
                MailingChannel::Sms => {
                    (String::new(), sms_text(markup::to_plain(&text).trim(), line(channel).as_deref()))
                }
                MailingChannel::Email => match line(channel) {
                    Some(footer) => (subject.clone(), format!("{text}\n\n-- \n{footer}")),
                    None => (subject.clone(), text.clone()),
                },
                MailingChannel::InApp => (subject.clone(), text.clone()),
            };
            channels.push(Preview { client_name: to.name.clone(), channel: Some(channel), subject, text });
        }
    }
    Ok(Previews { size: size_of(&mailing, &routes), recipients: previews, channels })
}

/// The signed-in page of a survey (a resident's cabinet).
pub fn survey_path(survey: SurveyId) -> String {
    format!("/surveys/{survey}")
}

/// The path of a personal survey link (the door serves it without signing
/// in).
pub fn survey_link_path(token: &str) -> String {
    format!("/s/{token}")
}

/// The path of an unsubscribe link (the door serves it without signing in).
pub fn unsubscribe_path(token: &str) -> String {
    format!("/unsubscribe/{token}")
}

/// Sends a draft to everyone it reaches now: one transaction writes the
/// deliveries and queues the messages. `footer` words the unsubscribe line
/// of a letter or text from the link; emergency notices carry none.
/// Answers whom it reached.
pub async fn send(app: &App, requester: &Requester, id: MailingId, footer: Footer<'_>) -> AppResult<AudienceSize> {
    Ok(send_with(app, requester, id, footer, Extras::default(), nothing_more).await?.0)
}

/// The sending transaction's own work and nothing more (see [`send_with`]).
pub(crate) fn nothing_more(_: &mut WriteTx) -> BoxFuture<'_, AppResult<()>> {
    Box::pin(async { Ok(()) })
}

/// What a survey's reminder adds to the sending of its mailing.
#[derive(Debug, Default)]
pub(crate) struct Extras {
    /// People left out (they have answered).
    pub exclude: HashSet<ClientId>,
    /// The texts' `{{ link }}`: in a letter or text, its reader's personal
    /// link to this survey (a new secret, stored in the sending transaction); in
    /// the cabinet and in the delivery row (which staff read), the
    /// signed-in page's link.
    pub survey: Option<SurveyId>,
    /// Pushes written in the sending transaction.
    pub notify: Vec<PushNotice>,
    /// A push of this kind and detail to every recipient with an account
    /// (an outage's notices), added to `notify` once the recipients are
    /// known.
    pub push: Option<(PushKind, String)>,
    /// Its scheduled time came ([`send_due`]): it moves from scheduled,
    /// and each recipient's messages leave when their building's clock
    /// shows the time.
    pub scheduled: bool,
    /// Only these people of the audience (an outage's closing notice goes
    /// to those its opening notice went to).
    pub only: Option<HashSet<ClientId>>,
    /// What the sender holds over the audience instead of `mailings.send`
    /// (an outage's notice: `outages.manage`).
    pub authority: Option<Permission>,
    /// The mailing is the crate's own draft, written just before (a
    /// reminder, an outage's notice): if sending fails it is deleted, so
    /// nothing is left half-done. A person's draft is always kept.
    pub discard_on_failure: bool,
}

/// [`send`] with [`Extras`], and `also` written in the same transaction
/// (an outage registered with its notice); answers whom it reached and
/// what `also` answered.
pub(crate) async fn send_with<T, A>(
    app: &App,
    requester: &Requester,
    id: MailingId,
    footer: Footer<'_>,
    extras: Extras,
    also: A,
) -> AppResult<(AudienceSize, T)>
where
    A: for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, AppResult<T>> + Send + 'static,
    T: Send + 'static,
{
    let discard = extras.discard_on_failure;
    let sent = send_once(app, requester, id, footer, extras, also).await;
    if sent.is_err() && discard {
        let dropped = app.write(move |tx| Box::pin(async move { Ok(store::delete_draft(tx, id).await?) })).await;
        if let Err(error) = dropped {
            tracing::warn!(mailing = %id, %error, "a draft whose sending failed could not be removed");
        }
    }
    sent
}

async fn send_once<T, A>(
    app: &App,
    requester: &Requester,
    id: MailingId,
    footer: Footer<'_>,
    extras: Extras,
    also: A,
) -> AppResult<(AudienceSize, T)>
where
    A: for<'c> FnOnce(&'c mut WriteTx) -> BoxFuture<'c, AppResult<T>> + Send + 'static,
    T: Send + 'static,
{
    let authority = extras.authority.unwrap_or(Permission::MailingsSend);
    if !requester.principal().can_somewhere(authority) {
        return Err(AppError::Forbidden);
    }
    let mailing = store::get(&app.db, id).await?;
    let from = if extras.scheduled { MailingStatus::Scheduled } else { MailingStatus::Draft };
    if mailing.status != from {
        return Err(AppError::Rule(Rule::MailingAlreadySent));
    }
    let at = mailing.scheduled_for.filter(|_| extras.scheduled);
    check_channels(app, &mailing.channels)?;
    require_on_audience(app, requester, authority, &mailing.audience).await?;
    let user = requester.account()?.id;
    let today = today(app);
    let mut recipients = store::recipients(&app.db, &mailing.audience, today).await?;
    recipients.retain(|to| {
        !extras.exclude.contains(&to.client_id) && extras.only.as_ref().is_none_or(|only| only.contains(&to.client_id))
    });
    let mut notify = extras.notify;
    if let Some((kind, detail)) = &extras.push {
        let people: Vec<ClientId> = recipients.iter().map(|to| to.client_id).collect();
        notify.extend(clients::users_of(&app.db, &people).await?.into_iter().map(|user| PushNotice {
            user,
            kind: *kind,
            ticket_id: None,
            number: String::new(),
            detail: Some(detail.clone()),
        }));
    }
    let cabinet = extras.survey.map(|survey| format!("{}{}", app.config.public_url, survey_path(survey)));
    let mut links = Vec::new();
    let texts = Texts::new(&mailing, today)?;
    // Each letter names the files; the sender reads them when it sends.
    let files: Vec<LetterFile> = store::files(&app.db, id)
        .await?
        .into_iter()
        .map(|f| LetterFile {
            name: f.file_name,
            content_type: f.content_type,
            base64: String::new(),
            stored: Some(f.id),
        })
        .collect();
    let routes = routes_of(&mailing, &recipients);
    let mut rows = Vec::with_capacity(recipients.len() * 2);
    let mut letters = Vec::new();
    let mut texts_out = Vec::new();
    let mut pushes_out = Vec::new();
    let now = Utc::now();
    for (to, route) in recipients.iter().zip(&routes) {
        let (subject, text) = texts.render(to, cabinet.as_deref())?;
        if route.in_app {
            rows.push(NewDelivery::in_app(to.client_id, subject.clone(), text.clone()));
        }
        match route.outward {
            Ok(MailingChannel::InApp) => return Err(AppError::Rule(Rule::ChannelUnavailable)),
            Ok(channel) => {
                let key = format!("mailing:{}:{}", mailing.id, to.client_id);
                // At the scheduled time on the building's clock, and not at
                // night unless it is an emergency.
                let zone = to.time_zone.tz();
                let leaves = at.and_then(|at| domain::instant_in(at, zone)).map_or(now, |at| at.max(now));
                let not_before = app
                    .config
                    .quiet_hours
                    .filter(|_| mailing.kind != MailingKind::Emergency)
                    .map_or(leaves, |quiet| quiet.release(leaves, zone));
                let not_before = (not_before > now).then_some(not_before);
                if channel == MailingChannel::Push {
                    // The route took push because the person has an account
                    // that pushes reach; the phone's settings turn it off.
                    let user = to.app_user.ok_or(AppError::Rule(Rule::ChannelUnavailable))?;
                    let push = PersonPush {
                        user,
                        kind: PushKind::Mailing,
                        detail: subject.clone(),
                        text: markup::to_plain(&text),
                    };
                    pushes_out.push((key.clone(), push, not_before));
                    rows.push(NewDelivery {
                        client_id: to.client_id,
                        channel: Some(channel),
                        address: None,
                        status: DeliveryStatus::Queued,
                        reason: None,
                        outbox_key: Some(key),
                        unsubscribe_token: None,
                        subject,
                        text,
                    });
                    continue;
                }
                let address = match channel {
                    MailingChannel::Email => to.email.clone(),
                    _ => to.phone.clone(),
                }
                .unwrap_or_default();
                let token = (mailing.kind != MailingKind::Emergency).then(new_secret);
                let link = token.as_deref().map(|t| format!("{}{}", app.config.public_url, unsubscribe_path(t)));
                let personal = match extras.survey {
                    Some(_) => {
                        let secret = new_secret();
                        links.push((to.client_id, stored_secret(&secret)));
                        let personal = format!("{}{}", app.config.public_url, survey_link_path(&secret));
                        texts.render(to, Some(&personal))?.1
                    }
                    None => text.clone(),
                };
                let footer = link.as_deref().map(|link| footer(channel, link));
                if channel == MailingChannel::Email {
                    // Plain words and the same formatted, the footer under a rule.
                    let (plain, html) = (markup::to_plain(&personal), markup::to_html(&personal));
                    let (text, html) = match footer {
                        Some(footer) => {
                            (format!("{plain}\n\n-- \n{footer}"), format!("{html}<hr>{}", markup::to_html(&footer)))
                        }
                        None => (plain, html),
                    };
                    let letter = Letter {
                        to: address.clone(),
                        subject: subject.clone(),
                        text,
                        html: Some(html),
                        attachments: files.clone(),
                        unsubscribe: link,
                    };
                    letters.push((key.clone(), letter, not_before));
                } else {
                    // A text has no subject: the body says it all.
                    let text = sms_text(markup::to_plain(&personal).trim(), footer.as_deref());
                    texts_out.push((key.clone(), Sms { to: address.clone(), text }, not_before));
                }
                rows.push(NewDelivery {
                    client_id: to.client_id,
                    channel: Some(channel),
                    address: Some(address),
                    status: DeliveryStatus::Queued,
                    reason: None,
                    outbox_key: Some(key),
                    unsubscribe_token: token.as_deref().map(stored_secret),
                    subject,
                    text,
                });
            }
            Err(why) if !route.in_app => rows.push(NewDelivery {
                client_id: to.client_id,
                channel: None,
                address: None,
                status: DeliveryStatus::Skipped,
                reason: Some(why),
                outbox_key: None,
                unsubscribe_token: None,
                subject,
                text,
            }),
            Err(_) => {}
        }
    }
    let size = size_of(&mailing, &routes);
    let actor = requester.actor();
    let summary = format!("{} ({})", mailing.title, recipients.len());
    let value = app
        .write(move |tx| {
            Box::pin(async move {
                if !store::mark_sent(tx, id, from, user).await? {
                    return Err(AppError::Rule(Rule::MailingAlreadySent));
                }
                store::insert_deliveries(tx, id, &rows).await?;
                if let Some(survey) = extras.survey {
                    domovoy_store::surveys::insert_links(tx, survey, &links).await?;
                }
                mail::enqueue_many(tx, letters.iter().map(|(key, letter, at)| (key.as_str(), letter, *at))).await?;
                sms::enqueue_many(tx, texts_out.iter().map(|(key, text, at)| (key.as_str(), text, *at))).await?;
                devices::enqueue_to_people(tx, pushes_out.iter().map(|(key, push, at)| (key.as_str(), push, *at)))
                    .await?;
                for notice in notify {
                    tx.notify(notice);
                }
                audit::record(tx, Change::new(&actor, AuditAction::MailingSent, id).summary(summary)).await?;
                also(tx).await
            })
        })
        .await?;
    Ok((size, value))
}

/// Schedules a draft for `at` (`2026-12-10T10:00`), a wall-clock time read
/// in each recipient's building's zone: it is sent when the first of its
/// buildings' clocks shows it (resolving its recipients then), and each
/// recipient's messages leave when their own building's clock does.
pub async fn schedule(app: &App, requester: &Requester, id: MailingId, at: &str) -> AppResult<MailingView> {
    require_reader(requester)?;
    let at = NaiveDateTime::parse_from_str(at.trim(), domain::SCHEDULE_FORMAT)
        .map_err(|_| AppError::field("at", FieldError::InvalidFormat))?;
    let mailing = store::get(&app.db, id).await?;
    if mailing.status != MailingStatus::Draft {
        return Err(AppError::Rule(Rule::MailingAlreadySent));
    }
    check_channels(app, &mailing.channels)?;
    let buildings = require_send(app, requester, &mailing.audience).await?;
    let zones = store::zones_of(&app.db, &buildings).await?;
    let due = zones
        .iter()
        .filter_map(|zone| domain::instant_in(at, zone.tz()))
        .min()
        .ok_or(AppError::field("at", FieldError::InvalidFormat))?;
    let now = Utc::now();
    if due <= now {
        return Err(AppError::field("at", FieldError::NotAllowed));
    }
    if due > now + SCHEDULE_HORIZON {
        return Err(AppError::field("at", FieldError::TooLong { max: 366 }));
    }
    let user = requester.account()?.id;
    let actor = requester.actor();
    let summary = format!("{} ({})", mailing.title, at.format("%d.%m.%Y %H:%M"));
    app.write(move |tx| {
        Box::pin(async move {
            if !store::schedule(tx, id, at, due, user).await? {
                return Err(AppError::Rule(Rule::MailingAlreadySent));
            }
            audit::record(tx, Change::new(&actor, AuditAction::MailingScheduled, id).summary(summary)).await?;
            Ok(())
        })
    })
    .await?;
    get(app, requester, id).await
}

/// Takes a scheduled mailing back to a draft (nothing was sent).
pub async fn unschedule(app: &App, requester: &Requester, id: MailingId) -> AppResult<MailingView> {
    let mailing = readable(app, requester, id).await?;
    require_send(app, requester, &mailing.audience).await?;
    let actor = requester.actor();
    let summary = mailing.title.clone();
    app.write(move |tx| {
        Box::pin(async move {
            if !store::unschedule(tx, id).await? {
                return Err(AppError::Rule(Rule::MailingAlreadySent));
            }
            audit::record(tx, Change::new(&actor, AuditAction::MailingUnscheduled, id).summary(summary)).await?;
            Ok(())
        })
    })
    .await?;
    get(app, requester, id).await
}

/// Sends the scheduled mailings due by `now`, each with the permissions of
/// whoever scheduled it as they are now; answers how many were sent. One
/// that can no longer be sent (its author lost the right or the account,
/// a channel was switched off) goes back to a draft, with the reason in
/// the log, so it never blocks the others or retries in a loop.
pub async fn send_due(app: &App, now: chrono::DateTime<Utc>) -> AppResult<usize> {
    let Some(footer) = app.mailing_footer().cloned() else {
        return Ok(0);
    };
    let mut sent = 0;
    for id in store::due(&app.db, now, DUE_BATCH).await? {
        let outcome = async {
            let mailing = store::get(&app.db, id).await?;
            let author = mailing.scheduled_by.ok_or(AppError::Forbidden)?;
            let requester = crate::users::as_job(app, author).await?;
            let extras = Extras { scheduled: true, ..Extras::default() };
            send_with(app, &requester, id, &*footer.0, extras, nothing_more).await.map(|(size, ())| size)
        }
        .await;
        match outcome {
            Ok(_) => sent += 1,
            Err(error @ AppError::Unavailable(_)) => return Err(error),
            // Sent or called off meanwhile (another node).
            Err(AppError::Rule(Rule::MailingAlreadySent)) => {}
            Err(error) => {
                tracing::warn!(mailing = %id, %error, "a scheduled mailing cannot be sent; it is a draft again");
                let actor = Requester::system("mailings", Channel::Job).actor();
                let why = error.code().to_owned();
                app.write(move |tx| {
                    Box::pin(async move {
                        if store::unschedule(tx, id).await? {
                            let change = Change::new(&actor, AuditAction::MailingUnscheduled, id).summary(why);
                            audit::record(tx, change).await?;
                        }
                        Ok(())
                    })
                })
                .await?;
            }
        }
    }
    Ok(sent)
}

/// A template as a person writes it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateInput {
    pub name: String,
    pub title: String,
    pub body: String,
    /// `news`, `works`, `emergency` or `billing`.
    pub kind: String,
    /// As a mailing's.
    pub channels: Vec<String>,
}

/// The saved templates, by name (for those who send mailings).
pub async fn templates(app: &App, requester: &Requester) -> AppResult<Vec<MailingTemplate>> {
    require_reader(requester)?;
    Ok(store::templates(&app.db).await?)
}

pub async fn template(app: &App, requester: &Requester, id: MailingTemplateId) -> AppResult<MailingTemplate> {
    require_reader(requester)?;
    Ok(store::template(&app.db, id).await?)
}

/// Saves a template; its texts are checked as a mailing's (variables and
/// syntax), a name in use is refused on `name`.
pub async fn save_template(app: &App, requester: &Requester, input: &TemplateInput) -> AppResult<MailingTemplate> {
    require_reader(requester)?;
    let (kind, channels) = kind_and_channels(&input.kind, &input.channels)?;
    let new = NewTemplate::new(&input.name, &input.title, &input.body, kind, channels)
        .map_err(|(field, e)| AppError::field(field, e))?;
    check_template("title", &new.title, &[])?;
    check_template("body", &new.body, &[])?;
    let by = requester.user_id();
    app.write(move |tx| Box::pin(async move { Ok(store::insert_template(tx, &new, by).await?) })).await
}

pub async fn delete_template(app: &App, requester: &Requester, id: MailingTemplateId) -> AppResult<()> {
    require_reader(requester)?;
    found(app.write(move |tx| Box::pin(async move { Ok(store::delete_template(tx, id).await?) })).await?)
}

/// A segment as a person saves it.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SegmentInput {
    pub name: String,
    /// As a mailing's.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub audience: Audience,
}

/// The saved segments, by name (for those who send mailings).
pub async fn segments(app: &App, requester: &Requester) -> AppResult<Vec<Segment>> {
    require_reader(requester)?;
    Ok(store::segments(&app.db).await?)
}

pub async fn segment(app: &App, requester: &Requester, id: SegmentId) -> AppResult<Segment> {
    require_reader(requester)?;
    Ok(store::segment(&app.db, id).await?)
}

/// Saves an audience under a name; the requester may send mailings to
/// all of it.
pub async fn save_segment(app: &App, requester: &Requester, input: &SegmentInput) -> AppResult<Segment> {
    require_reader(requester)?;
    let new = NewSegment::new(&input.name, input.audience.clone()).map_err(|(field, e)| AppError::field(field, e))?;
    require_send(app, requester, &new.audience).await?;
    let by = requester.user_id();
    app.write(move |tx| Box::pin(async move { Ok(store::insert_segment(tx, &new, by).await?) })).await
}

/// Deletes a segment; as saving it, this needs the right to send to all
/// of its audience (a building's manager cannot remove another's).
pub async fn delete_segment(app: &App, requester: &Requester, id: SegmentId) -> AppResult<()> {
    require_reader(requester)?;
    let segment = store::segment(&app.db, id).await?;
    require_send(app, requester, &segment.audience).await?;
    found(app.write(move |tx| Box::pin(async move { Ok(store::delete_segment(tx, id).await?) })).await?)
}

/// A mailing's deliveries, `limit` (at most [`MAX_PAGE`]) from `offset`.
pub async fn deliveries(
    app: &App,
    requester: &Requester,
    id: MailingId,
    limit: i64,
    offset: i64,
) -> AppResult<Vec<Delivery>> {
    readable(app, requester, id).await?;
    Ok(store::deliveries(&app.db, id, limit.clamp(1, MAX_PAGE), offset.max(0)).await?)
}

/// Every delivery of a mailing, for its export.
pub async fn all_deliveries(app: &App, requester: &Requester, id: MailingId) -> AppResult<Vec<Delivery>> {
    readable(app, requester, id).await?;
    Ok(store::deliveries(&app.db, id, i64::MAX, 0).await?)
}

/// The signed-in resident's notices.
pub async fn my_notices(app: &App, requester: &Requester) -> AppResult<Vec<Notice>> {
    let user = requester.account()?;
    match clients::find_by_user(&app.db, user.id).await? {
        Some(client) => {
            let mut notices = store::notices(&app.db, client, 50).await?;
            for notice in &mut notices {
                notice.files = store::files(&app.db, notice.mailing_id).await?;
            }
            Ok(notices)
        }
        None => Ok(Vec::new()),
    }
}

/// What an unsubscribe link names, for its page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnsubscribeLink {
    pub mailing_title: String,
    pub channel: MailingChannel,
    /// The link was used before.
    pub done: bool,
}

/// A link's secret as [`new_secret`] makes them (URL-safe base64), or not
/// found: nothing else is looked up.
fn token_shape(token: &str) -> AppResult<()> {
    let shaped = token.len() == 43 && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if shaped { Ok(()) } else { Err(AppError::NotFound) }
}

/// The link's mailing and channel (no sign-in: the secret is the key).
pub async fn unsubscribe_link(app: &App, token: &str) -> AppResult<UnsubscribeLink> {
    token_shape(token)?;
    let found = store::by_unsubscribe_token(&app.db, &stored_secret(token)).await?;
    Ok(UnsubscribeLink {
        mailing_title: found.mailing_title,
        channel: found.channel,
        done: found.unsubscribed_at.is_some(),
    })
}

/// Withdraws the consent to the link's channel (audited on the client, as
/// a change of consents); using a link again changes nothing.
pub async fn unsubscribe(app: &App, token: &str) -> AppResult<UnsubscribeLink> {
    token_shape(token)?;
    let found = store::by_unsubscribe_token(&app.db, &stored_secret(token)).await?;
    let consent = found.channel.consent().ok_or(AppError::NotFound)?;
    let actor = Requester::system("unsubscribe link", Channel::Web).actor();
    let (delivery, client) = (found.delivery, found.client_id);
    app.write(move |tx| {
        Box::pin(async move {
            if !store::mark_unsubscribed(tx, delivery).await? {
                return Ok(());
            }
            let before = clients::consents(&mut *tx, client).await?;
            clients::set_consent(tx, client, consent, None).await?;
            let after = clients::consents(&mut *tx, client).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::ClientConsentChanged, client).before(&before).after(&after),
            )
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(UnsubscribeLink { mailing_title: found.mailing_title, channel: found.channel, done: true })
}

#[cfg(test)]
mod tests {
    use domovoy_domain::ids::ClientId;

    use super::*;

    #[test]
    fn templates_may_use_the_recipients_variables_only() {
        let ok = "Здравствуйте, {{ name }}! Кв. {{ unit }}, {{ building }}, {{ date }}";
        assert!(check_template("body", ok, &[]).is_ok());
        assert!(matches!(check_template("body", "{{ nmae }}", &[]), Err(AppError::Validation(_))));
        assert!(matches!(check_template("body", "{% if %}", &[]), Err(AppError::Validation(_))));
        // A survey's personal link is the crate's own reminders' alone.
        assert!(matches!(check_template("body", "{{ link }}", &[]), Err(AppError::Validation(_))));
        assert!(check_template("body", "{{ name }}: {{ link }}", &["link"]).is_ok());
    }

    #[test]
    fn a_text_too_long_is_cut_before_its_unsubscribe_line() {
        let footer = "Отписаться: https://crm.uk.example/unsubscribe/abc";
        assert_eq!(sms_text("Короткий текст", Some(footer)), format!("Короткий текст\n{footer}"));
        let long = "я".repeat(MAX_SMS_CHARS);
        let text = sms_text(&long, Some(footer));
        assert_eq!(text.chars().count(), MAX_SMS_CHARS);
        assert!(text.ends_with(&format!("…\n{footer}")), "{text}");
        assert_eq!(sms_text(&long, None).chars().count(), MAX_SMS_CHARS);
    }

    #[test]
    fn a_literal_renders_to_itself() {
        let title = "Опрос {{ name }} {% if x %} {# c #} }}";
        let env = environment();
        assert_eq!(env.render_str(&literal(title), context! {}).unwrap(), title);
        assert!(check_template("body", &literal(title), &[]).is_ok());
    }

    #[test]
    fn a_rendering_that_runs_away_is_stopped() {
        let mailing = Mailing {
            id: MailingId::new(),
            title: "t".to_owned(),
            body: "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}".to_owned(),
            kind: MailingKind::News,
            channels: vec![MailingChannel::InApp],
            audience: Audience::default(),
            status: MailingStatus::Draft,
            created_by: None,
            created_at: Utc::now(),
            sent_at: None,
            scheduled_for: None,
            scheduled_by: None,
        };
        let texts = Texts::new(&mailing, NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()).unwrap();
        let to = Recipient {
            client_id: ClientId::new(),
            name: "Иванова".to_owned(),
            unit_label: "12".to_owned(),
            building_name: "Дом".to_owned(),
            building_address: "ул. Ленина, 1".to_owned(),
            email: None,
            phone: None,
            consents: Vec::new(),
            app_user: None,
            time_zone: domovoy_domain::building::TimeZone::parse("Europe/Moscow").unwrap(),
        };
        assert!(texts.render(&to, None).is_err());
    }
}
