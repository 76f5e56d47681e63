//! The mailings' pages: `/mailings` (the list), `/mailings/new` (the
//! editor; the chessboard's selection posts to it), `/mailings/<id>` (whom
//! it reaches, how they read it, sending, the delivery progress and
//! report), and the public `/unsubscribe/<token>`.

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_actors::outbox::sms::SMSRU_UNDELIVERED;
use domovoy_app::AppError;
use domovoy_app::mailing_files;
use domovoy_app::mailings::{
    self, AudienceChoice, AudienceSize, MailingInput, MailingView, Preview, SegmentInput, TemplateInput,
};
use domovoy_domain::client::LinkRole;
use domovoy_domain::ids::{BuildingId, MailingId, MailingTemplateId, SectionId, SegmentId, UnitId};
use domovoy_domain::layout::UnitKind;
use domovoy_domain::mailing::{Audience, DeliveryStatus, FloorRange, MailingChannel, MailingKind, MailingStatus};
use domovoy_store::mailings::Delivery;

use crate::auth::csrf::{FormPairs, NoFields};
use crate::auth::{CsrfForm, PageCaller};
use crate::error::PageError;
use crate::export::{ExportFormat, Table, download};
use crate::i18n::Catalog;
use crate::pages::{Chrome, FormFailure, Section, fmt_time, html, html_with_status, see_other};
use crate::state::AppState;

/// Deliveries the page lists; the CSV has them all.
const SHOWN: i64 = 200;

/// One row of the list.
struct Line {
    id: String,
    title: String,
    kind: &'static str,
    kind_code: &'static str,
    status: &'static str,
    created: String,
    done_percent: u8,
    total: i64,
}

#[derive(Template)]
#[template(path = "mailings.html")]
struct ListPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    lines: Vec<Line>,
    /// Saved templates: id, name, kind.
    templates: Vec<(String, String, &'static str)>,
    /// Saved segments: id and name.
    segments: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    done: Option<String>,
}

#[get("/mailings")]
pub async fn list_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    req: HttpRequest,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let lines = mailings::list(&state, &caller)
        .await?
        .iter()
        .map(|view| Line {
            id: view.mailing.id.to_string(),
            title: view.mailing.title.clone(),
            kind: (t.ml.kind_label)(view.mailing.kind),
            kind_code: view.mailing.kind.code(),
            status: (t.ml.status_label)(view.mailing.status),
            created: fmt_time(view.mailing.created_at, zone),
            done_percent: view.percent_done(),
            total: view.counts.values().sum(),
        })
        .collect();
    let templates = mailings::templates(&state, &caller)
        .await?
        .into_iter()
        .map(|template| (template.id.to_string(), template.name, (t.ml.kind_label)(template.kind)))
        .collect();
    let segments = mailings::segments(&state, &caller).await?.into_iter().map(|s| (s.id.to_string(), s.name)).collect();
    let notice = match query.done.as_deref() {
        Some("template_deleted") => Some(t.ml.template_deleted.to_owned()),
        Some("segment_deleted") => Some(t.ml.segment_deleted.to_owned()),
        _ => None,
    };
    let chrome = Chrome::new(&caller, Section::Mailings, req.path()).with_notice(notice);
    html(&ListPage { t, chrome, lines, templates, segments })
}

/// The audience part of an editor (mailings' and surveys'): buildings,
/// sections, units from the chessboard, roles.
#[derive(Debug, Default)]
pub(crate) struct AudienceForm {
    pub buildings: HashSet<String>,
    pub sections: HashSet<String>,
    /// From the chessboard: comma-separated ids.
    pub units: String,
    pub roles: HashSet<String>,
    pub unit_kinds: HashSet<String>,
    /// Floor numbers as typed (both or neither).
    pub floor_from: String,
    pub floor_to: String,
}

impl AudienceForm {
    /// Takes a form pair that belongs to the audience; answers false for
    /// any other.
    pub fn take(&mut self, key: &str, value: &str) -> bool {
        match key {
            "building" => self.buildings.insert(value.to_owned()),
            "section" => self.sections.insert(value.to_owned()),
            "units" => {
                value.clone_into(&mut self.units);
                true
            }
            "role" => self.roles.insert(value.to_owned()),
            "unit_kind" => self.unit_kinds.insert(value.to_owned()),
            "floor_from" | "floor_to" => {
                let into = if key == "floor_from" { &mut self.floor_from } else { &mut self.floor_to };
                value.trim().clone_into(into);
                true
            }
            _ => return false,
        };
        true
    }

    /// A stored audience as the form holds it.
    pub fn of(audience: &Audience) -> Self {
        Self {
            buildings: audience.building_ids.iter().map(ToString::to_string).collect(),
            sections: audience.section_ids.iter().map(ToString::to_string).collect(),
            units: audience.unit_ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(","),
            roles: audience.link_roles.iter().map(|r| r.code().to_owned()).collect(),
            unit_kinds: audience.unit_kinds.iter().map(|k| k.code().to_owned()).collect(),
            floor_from: audience.floors.map(|f| f.from.to_string()).unwrap_or_default(),
            floor_to: audience.floors.map(|f| f.to.to_string()).unwrap_or_default(),
        }
    }

    /// The floors typed: none when both are empty; one alone means that
    /// floor only.
    fn floors(&self) -> Result<Option<FloorRange>, AppError> {
        let number = |raw: &str| {
            raw.parse::<i32>().map_err(|_| AppError::field("floors", domovoy_domain::FieldError::InvalidFormat))
        };
        Ok(match (self.floor_from.as_str(), self.floor_to.as_str()) {
            ("", "") => None,
            (one, "") | ("", one) => Some(FloorRange { from: number(one)?, to: number(one)? }),
            (from, to) => Some(FloorRange { from: number(from)?, to: number(to)? }),
        })
    }

    pub fn unit_ids(&self) -> Vec<&str> {
        self.units.split(',').map(str::trim).filter(|s| !s.is_empty()).collect()
    }

    /// The use-case's audience; ids that do not parse are refused on `audience`.
    pub fn audience(&self) -> Result<Audience, AppError> {
        fn ids<T>(raw: impl IntoIterator<Item = impl AsRef<str>>, make: fn(Uuid) -> T) -> Result<Vec<T>, AppError> {
            raw.into_iter()
                .map(|s| {
                    s.as_ref()
                        .parse::<Uuid>()
                        .map(make)
                        .map_err(|_| AppError::field("audience", domovoy_domain::FieldError::InvalidFormat))
                })
                .collect()
        }
        let link_roles = self
            .roles
            .iter()
            .map(|r| r.parse::<LinkRole>().map_err(|e| AppError::field("audience", e)))
            .collect::<Result<Vec<_>, _>>()?;
        let unit_kinds = self
            .unit_kinds
            .iter()
            .map(|k| k.parse::<UnitKind>().map_err(|e| AppError::field("audience", e)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Audience {
            building_ids: ids(&self.buildings, BuildingId::from_uuid)?,
            section_ids: ids(&self.sections, SectionId::from_uuid)?,
            unit_ids: ids(self.unit_ids(), UnitId::from_uuid)?,
            link_roles,
            unit_kinds,
            floors: self.floors()?,
        })
    }

    /// The editor's audience choices, those of the form marked.
    pub fn view(&self, t: &Catalog, choices: &[AudienceChoice]) -> AudienceView {
        let buildings = building_choices(t, choices, &self.buildings, &self.sections);
        let roles = LinkRole::ALL
            .iter()
            .map(|r| Choice {
                value: r.code().to_owned(),
                label: (t.ml.role_label)(*r).to_owned(),
                on: self.roles.contains(r.code()),
            })
            .collect();
        let unit_kinds = UnitKind::ALL
            .iter()
            .map(|k| Choice {
                value: k.code().to_owned(),
                label: (t.pl.unit_kind_label)(*k).to_owned(),
                on: self.unit_kinds.contains(k.code()),
            })
            .collect();
        AudienceView {
            buildings,
            roles,
            unit_kinds,
            floor_from: self.floor_from.clone(),
            floor_to: self.floor_to.clone(),
            units: self.units.clone(),
            units_chosen: self.unit_ids().len(),
        }
    }
}

/// The audience fieldset's contents (`audience_fields.html`).
pub(crate) struct AudienceView {
    pub buildings: Vec<BuildingChoice>,
    pub roles: Vec<Choice>,
    pub unit_kinds: Vec<Choice>,
    pub floor_from: String,
    pub floor_to: String,
    /// The chessboard's units, passed on as they came.
    pub units: String,
    pub units_chosen: usize,
}

/// What the editor holds (also after a refused save).
#[derive(Debug, Default)]
struct Draft {
    title: String,
    body: String,
    kind: String,
    channels: Vec<String>,
    audience: AudienceForm,
    /// The name to save the texts under as a template.
    template_name: String,
    /// The name to save the audience under as a segment.
    segment_name: String,
}

impl Draft {
    fn from_pairs(pairs: FormPairs) -> Self {
        let mut draft = Self::default();
        for (key, value) in pairs {
            if draft.audience.take(&key, &value) {
                continue;
            }
            match key.as_str() {
                "title" => draft.title = value,
                "body" => draft.body = value,
                "kind" => draft.kind = value,
                "channel" => draft.channels.push(value),
                "template_name" => draft.template_name = value,
                "segment_name" => draft.segment_name = value,
                _ => {}
            }
        }
        draft
    }

    /// The use-case's input.
    fn input(&self) -> Result<MailingInput, AppError> {
        Ok(MailingInput {
            title: self.title.clone(),
            body: self.body.clone(),
            kind: self.kind.clone(),
            channels: self.channels.clone(),
            audience: self.audience.audience()?,
        })
    }
}

/// A choice in an editor: value, words, chosen.
pub(crate) struct Choice {
    pub value: String,
    pub label: String,
    pub on: bool,
}

/// Buildings and their sections to tick (`templates/building_choices.html`),
/// those in `buildings` and `sections` (ids as the form sent them) ticked.
pub(crate) fn building_choices(
    t: &Catalog,
    choices: &[AudienceChoice],
    buildings: &HashSet<String>,
    sections: &HashSet<String>,
) -> Vec<BuildingChoice> {
    choices
        .iter()
        .map(|b| BuildingChoice {
            building: Choice {
                value: b.building_id.to_string(),
                label: b.building_name.clone(),
                on: buildings.contains(&b.building_id.to_string()),
            },
            sections: b
                .sections
                .iter()
                .map(|(id, kind, name)| Choice {
                    value: id.to_string(),
                    label: (t.pl.section_title)(*kind, name),
                    on: sections.contains(&id.to_string()),
                })
                .collect(),
        })
        .collect()
}

pub(crate) struct BuildingChoice {
    pub building: Choice,
    pub sections: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "mailing_new.html")]
struct EditorPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    draft: Draft,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    audience: AudienceView,
    /// Saved templates to start from: id and name.
    templates: Vec<(String, String)>,
    /// Saved audiences to write to: id and name.
    segments: Vec<(String, String)>,
    errors: Vec<(String, String)>,
    message: Option<String>,
}

async fn editor(
    state: &AppState,
    caller: &PageCaller,
    draft: Draft,
    failure: FormFailure,
    status: StatusCode,
    notice: Option<String>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let choices: Vec<AudienceChoice> = mailings::audience_choices(state, caller).await?;
    let kinds = MailingKind::ALL
        .iter()
        .map(|k| Choice {
            value: k.code().to_owned(),
            label: (t.ml.kind_label)(*k).to_owned(),
            on: draft.kind == k.code(),
        })
        .collect();
    // The channels this server sends by, in the order they are tried.
    let channels = mailings::available(
        state,
        &[MailingChannel::Push, MailingChannel::Sms, MailingChannel::Email, MailingChannel::InApp],
    )
    .into_iter()
    .map(|c| Choice {
        value: c.code().to_owned(),
        label: (t.ml.channel_label)(c).to_owned(),
        on: draft.channels.iter().any(|d| d == c.code()),
    })
    .collect();
    let audience = draft.audience.view(t, &choices);
    let templates = mailings::templates(state, caller).await?.into_iter().map(|t| (t.id.to_string(), t.name)).collect();
    let segments = mailings::segments(state, caller).await?.into_iter().map(|s| (s.id.to_string(), s.name)).collect();
    let page = EditorPage {
        t,
        chrome: Chrome::new(caller, Section::Mailings, "/mailings/new").with_notice(notice),
        draft,
        kinds,
        channels,
        audience,
        templates,
        segments,
        errors: failure.fields,
        message: failure.message,
    };
    html_with_status(&page, status)
}

/// A fresh draft: news, to everyone, by push to those with the app, by
/// e-mail to the others (when the server sends mail), and in the cabinet.
fn fresh(state: &AppState) -> Draft {
    let channels = mailings::available(state, &[MailingChannel::Push, MailingChannel::Email, MailingChannel::InApp])
        .into_iter()
        .map(|c| c.code().to_owned())
        .collect();
    Draft { kind: MailingKind::News.code().to_owned(), channels, ..Draft::default() }
}

#[derive(Debug, Deserialize)]
pub struct NewQuery {
    /// Start from this saved template.
    template: Option<Uuid>,
    /// Write to this saved audience.
    segment: Option<Uuid>,
    done: Option<String>,
}

#[get("/mailings/new")]
pub async fn new_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, PageError> {
    let mut draft = fresh(&state);
    if let Some(id) = query.template {
        let template = mailings::template(&state, &caller, MailingTemplateId::from_uuid(id)).await?;
        draft = Draft {
            title: template.title,
            body: template.body,
            kind: template.kind.code().to_owned(),
            channels: template.channels.iter().map(|c| c.code().to_owned()).collect(),
            ..draft
        };
    }
    if let Some(id) = query.segment {
        let segment = mailings::segment(&state, &caller, SegmentId::from_uuid(id)).await?;
        draft.audience = AudienceForm::of(&segment.audience);
    }
    let t = caller.t();
    let notice = match query.done.as_deref() {
        Some("template_saved") => Some(t.ml.template_saved.to_owned()),
        Some("segment_saved") => Some(t.ml.segment_saved.to_owned()),
        _ => None,
    };
    editor(&state, &caller, draft, FormFailure::default(), StatusCode::OK, notice).await
}

/// A saving's failure, the name's error shown at the editor's `name_field`
/// (the editor has several names: a template's, a segment's).
fn named_failure(error: AppError, t: &Catalog, name_field: &str) -> Result<FormFailure, PageError> {
    let mut failure = FormFailure::from_error(error, t)?;
    for (field, _) in &mut failure.fields {
        if field == "name" {
            name_field.clone_into(field);
        }
    }
    Ok(failure)
}

/// Saves the editor's texts as a template and reopens the editor from it.
#[post("/mailings/templates")]
pub async fn save_template_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let mut draft = Draft::from_pairs(pairs.0);
    let input = TemplateInput {
        name: draft.template_name.clone(),
        title: draft.title.clone(),
        body: draft.body.clone(),
        kind: draft.kind.clone(),
        channels: draft.channels.clone(),
    };
    match mailings::save_template(&state, &caller, &input).await {
        Ok(saved) => Ok(see_other(&format!("/mailings/new?template={}&done=template_saved", saved.id))),
        Err(error) => {
            let failure = named_failure(error, caller.t(), "template_name")?;
            draft.template_name = input.name;
            editor(&state, &caller, draft, failure, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
    }
}

/// Saves the editor's audience as a segment and reopens the editor with it.
#[post("/mailings/segments")]
pub async fn save_segment_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let draft = Draft::from_pairs(pairs.0);
    let result = match draft.audience.audience() {
        Ok(audience) => {
            let input = SegmentInput { name: draft.segment_name.clone(), audience };
            mailings::save_segment(&state, &caller, &input).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(saved) => Ok(see_other(&format!("/mailings/new?segment={}&done=segment_saved", saved.id))),
        Err(error) => {
            let failure = named_failure(error, caller.t(), "segment_name")?;
            editor(&state, &caller, draft, failure, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
    }
}

/// Deletes a saved segment.
#[post("/mailings/segments/{id}/delete")]
pub async fn delete_segment_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    mailings::delete_segment(&state, &caller, SegmentId::from_uuid(*id)).await?;
    Ok(see_other("/mailings?done=segment_deleted"))
}

/// Deletes a saved template.
#[post("/mailings/templates/{id}/delete")]
pub async fn delete_template_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    mailings::delete_template(&state, &caller, MailingTemplateId::from_uuid(*id)).await?;
    Ok(see_other("/mailings?done=template_deleted"))
}

/// The chessboard's «write to these»: the editor with the selected units.
#[post("/mailings/new")]
pub async fn new_for_units(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let chosen = Draft::from_pairs(pairs.0);
    let draft =
        Draft { audience: AudienceForm { units: chosen.audience.units, ..AudienceForm::default() }, ..fresh(&state) };
    editor(&state, &caller, draft, FormFailure::default(), StatusCode::OK, None).await
}

#[post("/mailings")]
pub async fn create_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let draft = Draft::from_pairs(pairs.0);
    let result = match draft.input() {
        Ok(input) => mailings::create(&state, &caller, &input).await,
        Err(error) => Err(error),
    };
    match result {
        Ok((mailing, _)) => Ok(see_other(&format!("/mailings/{}?done=mailing_created", mailing.id))),
        Err(error) => {
            let failure = FormFailure::from_error(error, caller.t())?;
            editor(&state, &caller, draft, failure, StatusCode::UNPROCESSABLE_ENTITY, None).await
        }
    }
}

struct DeliveryLine {
    client_id: String,
    client_name: String,
    channel: &'static str,
    address: String,
    status: &'static str,
    status_code: &'static str,
    reason: String,
    attempts: i64,
    sent: String,
    unsubscribed: bool,
}

struct Count {
    code: &'static str,
    label: &'static str,
    value: i64,
}

#[derive(Template)]
#[template(path = "mailing.html")]
struct DetailPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    id: String,
    title: String,
    /// The text as written, formatted (an escaped HTML fragment).
    body_html: String,
    kind: &'static str,
    kind_code: &'static str,
    channels: String,
    status: &'static str,
    draft: bool,
    /// While scheduled: when, as written (`10.12.2026 10:00`).
    scheduled: Option<String>,
    created: String,
    sent: Option<String>,
    size: Option<SizeView>,
    previews: Vec<PreviewLine>,
    /// The first recipient's text on each of the mailing's channels.
    channel_previews: Vec<PreviewLine>,
    done_percent: u8,
    waiting: bool,
    counts: Vec<Count>,
    deliveries: Vec<DeliveryLine>,
    more: bool,
    /// Attached files: id, name, size as read.
    files: Vec<(String, String, String)>,
}

/// A size as people read it: `340 КБ`, `2,1 МБ`.
fn file_size(bytes: i64, t: &Catalog) -> String {
    let kb = (bytes.max(1) + 1023) / 1024;
    if kb < 1024 { (t.ml.size_kb)(kb) } else { (t.ml.size_mb)(format!("{:.1}", kb as f64 / 1024.0).replace('.', ",")) }
}

struct SizeView {
    total: usize,
    reached: Vec<(&'static str, usize)>,
    in_app: usize,
    excluded: Vec<(&'static str, usize)>,
}

struct PreviewLine {
    client_name: String,
    channel: &'static str,
    subject: String,
    words: Words,
    /// A text message's length ("123 знаков из 536").
    sms_chars: Option<String>,
}

/// The words as a channel shows them.
enum Words {
    /// A text or a push: plain.
    Plain(String),
    /// A letter or the cabinet: formatted, an escaped HTML fragment.
    Formatted(String),
}

fn size_view(size: &AudienceSize, t: &Catalog) -> SizeView {
    SizeView {
        total: size.audience_size,
        reached: size.reached.iter().map(|(c, n)| ((t.ml.channel_label)(*c), *n)).collect(),
        in_app: size.in_app,
        excluded: size.excluded.iter().map(|(e, n)| ((t.ml.exclusion_label)(*e), *n)).collect(),
    }
}

fn delivery_line(d: &Delivery, t: &Catalog, zone: chrono_tz::Tz) -> DeliveryLine {
    let reason = match (d.status, d.reason.as_deref()) {
        (DeliveryStatus::Skipped, Some(code)) => {
            code.parse().map_or_else(|_| code.to_owned(), |why| (t.ml.exclusion_label)(why).to_owned())
        }
        // A gateway's report, worded from its code.
        (_, Some(reason)) if reason.starts_with(SMSRU_UNDELIVERED) => reason[SMSRU_UNDELIVERED.len()..]
            .parse()
            .map_or_else(|_| reason.to_owned(), |code| (t.ml.smsru_undelivered)(code)),
        (_, reason) => reason.unwrap_or_default().to_owned(),
    };
    DeliveryLine {
        client_id: d.client_id.to_string(),
        client_name: d.client_name.clone(),
        channel: d.channel.map_or("—", |c| (t.ml.channel_label)(c)),
        address: d.address.clone().unwrap_or_default(),
        status: (t.ml.delivery_label)(d.status),
        status_code: d.status.code(),
        reason,
        attempts: d.attempts,
        sent: d.sent_at.map(|at| fmt_time(at, zone)).unwrap_or_default(),
        unsubscribed: d.unsubscribed_at.is_some(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    pub done: Option<String>,
    /// `csv`: the deliveries as a file.
    pub format: Option<String>,
}

#[get("/mailings/{id}")]
pub async fn detail_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<DetailQuery>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let zone = state.config.display_time_zone;
    let id = MailingId::from_uuid(*id);
    if let Some(format) = query.format.as_deref() {
        let format = ExportFormat::parse(Some(format))?;
        let all = mailings::all_deliveries(&state, &caller, id).await?;
        return Ok(download(&deliveries_table(&all, t, zone), format, &format!("mailing-{id}"), t.ml.deliveries)?);
    }
    let view: MailingView = mailings::get(&state, &caller, id).await?;
    let draft = view.mailing.status == MailingStatus::Draft;
    let unsent = view.mailing.status != MailingStatus::Sent;
    let (size, previews, channel_previews) = if unsent {
        let previews = mailings::preview(&state, &caller, id, 3, &t.ml.footer).await?;
        let lines = |all: &[Preview]| all.iter().map(|p| preview_line(p, t)).collect();
        // Each channel's look, when there is more than the cabinet's.
        let outward = previews.channels.iter().any(|p| p.channel != Some(MailingChannel::InApp));
        let channels = if outward { lines(&previews.channels) } else { Vec::new() };
        (Some(size_view(&previews.size, t)), lines(&previews.recipients), channels)
    } else {
        (None, Vec::new(), Vec::new())
    };
    let deliveries = if unsent { Vec::new() } else { mailings::deliveries(&state, &caller, id, SHOWN, 0).await? };
    let total: i64 = view.counts.values().sum();
    let files = mailing_files::list(&state, &caller, id)
        .await?
        .iter()
        .map(|f| (f.id.to_string(), f.file_name.clone(), file_size(f.size_bytes, t)))
        .collect();
    let m = &view.mailing;
    let page = DetailPage {
        files,
        t,
        chrome: Chrome::new(&caller, Section::Mailings, &format!("/mailings/{id}"))
            .with_notice(notice(t, query.done.as_deref())),
        id: id.to_string(),
        title: m.title.clone(),
        body_html: domovoy_domain::markup::to_html(&m.body),
        kind: (t.ml.kind_label)(m.kind),
        kind_code: m.kind.code(),
        channels: m.channels.iter().map(|c| (t.ml.channel_label)(*c)).collect::<Vec<_>>().join(", "),
        status: (t.ml.status_label)(m.status),
        draft,
        scheduled: m.scheduled_for.map(|at| at.format("%d.%m.%Y %H:%M").to_string()),
        created: fmt_time(m.created_at, zone),
        sent: m.sent_at.map(|at| fmt_time(at, zone)),
        size,
        previews,
        channel_previews,
        done_percent: view.percent_done(),
        waiting: view.counts.get(&DeliveryStatus::Queued).copied().unwrap_or(0) > 0,
        counts: view
            .counts
            .iter()
            .map(|(s, n)| Count { code: s.code(), label: (t.ml.delivery_label)(*s), value: *n })
            .collect(),
        more: total > SHOWN,
        deliveries: deliveries.iter().map(|d| delivery_line(d, t, zone)).collect(),
    };
    html(&page)
}

fn preview_line(p: &Preview, t: &Catalog) -> PreviewLine {
    let words = match p.channel {
        Some(MailingChannel::Sms | MailingChannel::Push) => Words::Plain(domovoy_domain::markup::to_plain(&p.text)),
        _ => Words::Formatted(domovoy_domain::markup::to_html(&p.text)),
    };
    let sms_chars = match (&words, p.channel) {
        (Words::Plain(text), Some(MailingChannel::Sms)) => {
            Some((t.ml.sms_chars)(text.chars().count(), domovoy_store::sms::MAX_SMS_CHARS))
        }
        _ => None,
    };
    PreviewLine {
        client_name: p.client_name.clone(),
        channel: p.channel.map_or(t.ml.preview_only_cabinet, |c| (t.ml.channel_label)(c)),
        subject: p.subject.clone(),
        sms_chars,
        words,
    }
}

fn notice(t: &Catalog, done: Option<&str>) -> Option<String> {
    match done? {
        "mailing_created" => Some(t.ml.mailing_created.to_owned()),
        "mailing_sent" => Some(t.ml.mailing_sent.to_owned()),
        "mailing_scheduled" => Some(t.ml.mailing_scheduled.to_owned()),
        "mailing_unscheduled" => Some(t.ml.mailing_unscheduled.to_owned()),
        "file_removed" => Some(t.ml.file_removed.to_owned()),
        _ => None,
    }
}

fn deliveries_table(all: &[Delivery], t: &Catalog, zone: chrono_tz::Tz) -> Table {
    Table {
        headers: [
            t.ml.col_recipient,
            t.ml.col_channel,
            t.ml.col_address,
            t.ml.col_status,
            t.ml.col_reason,
            t.ml.col_attempts,
            t.ml.col_sent,
            t.ml.unsubscribed_mark,
        ]
        .iter()
        .map(|h| (*h).to_owned())
        .collect(),
        rows: all
            .iter()
            .map(|d| {
                let line = delivery_line(d, t, zone);
                vec![
                    line.client_name,
                    line.channel.to_owned(),
                    line.address,
                    line.status.to_owned(),
                    line.reason,
                    line.attempts.to_string(),
                    line.sent,
                    d.unsubscribed_at.map(|at| fmt_time(at, zone)).unwrap_or_default(),
                ]
            })
            .collect(),
    }
}

/// A mailing's button refused by a rule (sent meanwhile, a channel
/// switched off): a message with the way back to the mailing.
fn refused(caller: &PageCaller, id: MailingId, error: AppError) -> Result<HttpResponse, PageError> {
    crate::pages::refusal(caller, Section::Mailings, format!("/mailings/{id}"), error, StatusCode::UNPROCESSABLE_ENTITY)
}

#[post("/mailings/{id}/send")]
pub async fn send_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let id = MailingId::from_uuid(*id);
    match mailings::send(&state, &caller, id, &t.ml.footer).await {
        Ok(_) => Ok(see_other(&format!("/mailings/{id}?done=mailing_sent"))),
        Err(error) => refused(&caller, id, error),
    }
}

#[derive(Debug, Deserialize)]
pub struct ScheduleForm {
    at: String,
}

/// Schedules a draft for a time read in each building's zone.
#[post("/mailings/{id}/schedule")]
pub async fn schedule_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ScheduleForm>,
) -> Result<HttpResponse, PageError> {
    let id = MailingId::from_uuid(*id);
    match mailings::schedule(&state, &caller, id, &form.0.at).await {
        Ok(_) => Ok(see_other(&format!("/mailings/{id}?done=mailing_scheduled"))),
        Err(AppError::Validation(_)) => {
            let t = caller.t();
            let back = format!("/mailings/{id}");
            let page = crate::pages::MessagePage {
                t,
                chrome: Chrome::new(&caller, Section::Mailings, &back),
                message: t.ml.schedule_invalid.to_owned(),
                back,
            };
            html_with_status(&page, StatusCode::UNPROCESSABLE_ENTITY)
        }
        Err(error) => refused(&caller, id, error),
    }
}

/// Takes a scheduled mailing back to a draft.
#[post("/mailings/{id}/unschedule")]
pub async fn unschedule_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let id = MailingId::from_uuid(*id);
    match mailings::unschedule(&state, &caller, id).await {
        Ok(_) => Ok(see_other(&format!("/mailings/{id}?done=mailing_unscheduled"))),
        Err(error) => refused(&caller, id, error),
    }
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage<'a> {
    t: &'a Catalog,
    css: String,
    token: String,
    /// The question, or what was done.
    text: String,
    /// The button is shown (the link was not used yet).
    ask: bool,
}

fn unsubscribe_page(
    t: &'static Catalog,
    token: &str,
    link: Option<mailings::UnsubscribeLink>,
) -> Result<HttpResponse, PageError> {
    let (text, ask, status) = match link {
        None => (t.ml.unsubscribe_unknown.to_owned(), false, StatusCode::NOT_FOUND),
        Some(link) if link.done => ((t.ml.unsubscribe_done)((t.ml.channel_label)(link.channel)), false, StatusCode::OK),
        Some(link) => {
            ((t.ml.unsubscribe_question)((t.ml.channel_label)(link.channel), &link.mailing_title), true, StatusCode::OK)
        }
    };
    let page = UnsubscribePage { t, css: crate::assets::url("app.css"), token: token.to_owned(), text, ask };
    html_with_status(&page, status)
}

fn known(result: Result<mailings::UnsubscribeLink, AppError>) -> Result<Option<mailings::UnsubscribeLink>, PageError> {
    match result {
        Ok(link) => Ok(Some(link)),
        Err(AppError::NotFound) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The page an unsubscribe link opens: a question and a button (a mail
/// scanner that opens links changes nothing). No sign-in.
#[get("/unsubscribe/{token}")]
pub async fn unsubscribe_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = crate::auth::RequestContext::of(&req).t();
    unsubscribe_page(t, &token, known(mailings::unsubscribe_link(&state, &token).await)?)
}

/// The button, and mail clients' one-click POST (RFC 8058): the secret in
/// the path is the authority, so no CSRF token is asked for.
#[post("/unsubscribe/{token}")]
pub async fn unsubscribe(
    state: web::Data<AppState>,
    token: web::Path<String>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let t = crate::auth::RequestContext::of(&req).t();
    unsubscribe_page(t, &token, known(mailings::unsubscribe(&state, &token).await)?)
}

/// Removes a file from a draft.
#[post("/mailings/{id}/files/{file}/delete")]
pub async fn detach_file_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    path: web::Path<(Uuid, Uuid)>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, PageError> {
    let (id, file) = path.into_inner();
    let id = MailingId::from_uuid(id);
    match mailing_files::detach(&state, &caller, id, file).await {
        Ok(()) => Ok(see_other(&format!("/mailings/{id}?done=file_removed"))),
        Err(error) => refused(&caller, id, error),
    }
}
