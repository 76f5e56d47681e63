//! Client pages: search, the client card, creating and editing clients,
//! their units and consents.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, get, post, web};
use askama::Template;
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use domovoy_domain::FieldError;
use domovoy_domain::client::{Channel, ClientInput, ClientKind, LinkRole, Share, UnitLink};
use domovoy_domain::ids::{BuildingId, ClientId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;

use crate::auth::csrf::FormPairs;
use crate::auth::{CsrfForm, PageCaller};
use crate::pages::{Chrome, DoneQuery, FormFailure, Section, html, html_with_status, notice, see_other};
use crate::places::pages::ticket_lines;
use crate::tickets::pages::Choice;
use domovoy_app::AppError;

use crate::error::PageError;
use crate::i18n::Catalog;
use crate::state::AppState;
use domovoy_app::buildings;
use domovoy_app::clients::{self, ClientCard};
use domovoy_app::search::{self, SearchResults};

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    title: &'a str,
    q: String,
    results: SearchResults,
    searched: bool,
    can_create: bool,
}

#[derive(Debug, Deserialize)]
pub struct SearchQuery {
    q: Option<String>,
}

async fn render_search(
    state: &AppState,
    caller: &PageCaller,
    section: Section,
    path: &str,
    q: Option<String>,
    done: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let q = q.unwrap_or_default();
    let results = search::search(state, caller, &q).await?;
    let page = SearchPage {
        t,
        chrome: Chrome::new(caller, section, path).with_notice(notice(t, done)),
        title: if section == Section::Clients { t.pl.clients_title } else { t.pl.search_label },
        searched: !q.trim().is_empty(),
        q,
        results,
        can_create: caller.principal().reach(Permission::ClientsEdit).reaches_buildings(),
    };
    html(&page)
}

/// The search page: what the header box finds, without JavaScript too.
#[get("/search")]
pub async fn search_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    render_search(&state, &caller, Section::Home, "/search", query.into_inner().q, None).await
}

/// Clients: search and the button for a new client.
#[get("/clients")]
pub async fn clients_page(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, PageError> {
    caller.reach(Permission::ClientsRead)?;
    render_search(&state, &caller, Section::Clients, "/clients", query.into_inner().q, None).await
}

/// The card form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ClientForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    last_name: String,
    #[serde(default)]
    first_name: String,
    #[serde(default)]
    middle_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    inn: String,
    #[serde(default)]
    phones: String,
    #[serde(default)]
    emails: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    tags: String,
    #[serde(default)]
    external_id: String,
    version: Option<i64>,
    /// On creation: a first unit (building and "кв 45") and the role.
    #[serde(default)]
    building_id: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    role: String,
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

fn blank(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

impl ClientForm {
    fn input(&self) -> ClientInput {
        ClientInput {
            kind: blank(&self.kind),
            last_name: blank(&self.last_name),
            first_name: blank(&self.first_name),
            middle_name: blank(&self.middle_name),
            name: blank(&self.name),
            inn: blank(&self.inn),
            phones: lines(&self.phones),
            emails: lines(&self.emails),
            notes: blank(&self.notes),
            tags: self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect(),
            user_id: None,
            external_id: blank(&self.external_id),
        }
    }

    fn of(card: &ClientCard) -> Self {
        let c = &card.client.card;
        Self {
            kind: c.kind.code().to_owned(),
            last_name: c.last_name.clone().unwrap_or_default(),
            first_name: c.first_name.clone().unwrap_or_default(),
            middle_name: c.middle_name.clone().unwrap_or_default(),
            name: if c.kind == ClientKind::Company { c.name.clone() } else { String::new() },
            inn: c.inn.clone().unwrap_or_default(),
            phones: c.phones.iter().map(|p| p.raw.clone()).collect::<Vec<_>>().join("\n"),
            emails: c.emails.iter().map(|e| e.as_str().to_owned()).collect::<Vec<_>>().join("\n"),
            notes: c.notes.clone(),
            tags: c.tags.join(", "),
            external_id: c.external_id.clone().unwrap_or_default(),
            version: Some(card.client.version),
            ..Self::default()
        }
    }
}

/// Finds "кв 45" in a building: the unit link of a form row.
async fn resolve_unit(
    state: &AppState,
    caller: &crate::auth::Caller,
    building: &str,
    unit: &str,
    field: String,
) -> Result<domovoy_domain::ids::UnitId, AppError> {
    let unknown = || AppError::Problems(vec![(field.clone(), FieldError::Unknown)]);
    let building: BuildingId = building.trim().parse().map_err(|_| unknown())?;
    domovoy_app::places::find_unit(state, caller, building, unit).await?.ok_or_else(unknown)
}

#[derive(Template)]
#[template(path = "client_form.html")]
struct ClientFormPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    title: String,
    action: String,
    form: ClientForm,
    errors: Vec<(String, String)>,
    creating: bool,
    back: String,
    buildings: Vec<(String, String)>,
    roles: Vec<Choice>,
    kinds: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    caller: &PageCaller,
    id: Option<ClientId>,
    form: ClientForm,
    failure: FormFailure,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let (title, action, back) = match id {
        Some(id) => (t.pl.client_edit.to_owned(), format!("/clients/{id}/edit"), format!("/clients/{id}")),
        None => (t.pl.client_new.to_owned(), "/clients/new".to_owned(), "/clients".to_owned()),
    };
    let buildings = buildings::list(state, caller)
        .await?
        .into_iter()
        .filter(|b| caller.principal().can(Permission::ClientsEdit, &Target::building(b.id)))
        .map(|b| (b.id.to_string(), b.name.to_string()))
        .collect();
    let page = ClientFormPage {
        t,
        chrome: Chrome::new(caller, Section::Clients, &action).with_error(failure.message),
        title,
        action,
        form,
        errors: failure.fields,
        creating: id.is_none(),
        back,
        buildings,
        roles: LinkRole::ALL.iter().map(|r| Choice::new(&r.code(), (t.pl.link_role_label)(*r))).collect(),
        kinds: ClientKind::ALL.iter().map(|k| Choice::new(&k.code(), (t.pl.client_kind_label)(*k))).collect(),
    };
    html_with_status(&page, status)
}

fn failure_of(error: AppError, t: &Catalog) -> Result<FormFailure, PageError> {
    match error {
        AppError::Problems(problems) => Ok(FormFailure {
            fields: problems.iter().map(|(f, e)| (f.clone(), t.field(f, e))).collect(),
            message: Some(t.invalid_input.to_owned()),
        }),
        AppError::VersionConflict { .. } => {
            Ok(FormFailure { fields: Vec::new(), message: Some(t.pl.client_version_conflict.to_owned()) })
        }
        other => FormFailure::from_error(other, t),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewClientQuery {
    /// A caller's number, from the call pop-up.
    pub phone: Option<String>,
}

#[get("/clients/new")]
pub async fn new_client(
    state: web::Data<AppState>,
    caller: PageCaller,
    query: web::Query<NewClientQuery>,
) -> Result<HttpResponse, PageError> {
    caller.reach(Permission::ClientsEdit)?;
    let phones = query.phone.clone().unwrap_or_default();
    let form = ClientForm { kind: "person".into(), role: "owner".into(), phones, ..ClientForm::default() };
    form_page(&state, &caller, None, form, FormFailure::default(), StatusCode::OK).await
}

#[post("/clients/new")]
pub async fn create_client(
    state: web::Data<AppState>,
    caller: PageCaller,
    form: CsrfForm<ClientForm>,
) -> Result<HttpResponse, PageError> {
    let form = form.0;
    let result = async {
        let mut links = Vec::new();
        if !form.unit.trim().is_empty() {
            let unit = resolve_unit(&state, &caller, &form.building_id, &form.unit, "unit".to_owned()).await?;
            let role: LinkRole = form.role.parse().map_err(|e| AppError::Problems(vec![("role".to_owned(), e)]))?;
            let share = (role == LinkRole::Owner).then_some(Share::WHOLE);
            links.push(UnitLink { unit_id: unit, role, share, valid_from: None, valid_to: None, account: None });
        }
        clients::create(&state, &caller, &form.input(), links).await
    }
    .await;
    match result {
        Ok(client) => Ok(see_other(&format!("/clients/{}?done=client_created", client.id))),
        Err(error) => {
            let failure = failure_of(error, caller.t())?;
            form_page(&state, &caller, None, form, failure, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

struct UnitRow {
    building_id: String,
    building_name: String,
    unit_id: String,
    title: String,
    role: String,
    role_label: &'static str,
    share: String,
    from: String,
    to: String,
    account: String,
}

struct TimelineRow {
    at: String,
    text: String,
    link: String,
}

#[derive(Template)]
#[template(path = "client.html")]
struct ClientPage<'a> {
    t: &'a Catalog,
    chrome: Chrome,
    id: String,
    name: String,
    kind: &'static str,
    inn: String,
    contacts_visible: bool,
    phones: Vec<(String, String)>,
    emails: Vec<String>,
    notes: String,
    tags: Vec<String>,
    has_account: bool,
    external_id: String,
    units: Vec<UnitRow>,
    consents: Vec<(&'static str, &'static str, String)>,
    open_tickets: Vec<crate::places::pages::TicketLine>,
    past_tickets: Vec<crate::places::pages::TicketLine>,
    timeline: Vec<TimelineRow>,
    can_edit: bool,
    new_ticket: String,
    buildings: Vec<(String, String)>,
    roles: Vec<Choice>,
    /// Whether the caller receives calls (the card lists the client's).
    shows_calls: bool,
    /// «Позвонить» next to the phones (click-to-call through the PBX).
    click_to_call: bool,
    calls: Vec<crate::calls::pages::CallBrief>,
    calls_href: String,
    /// The mailings the client received: when, which, by what, how it went.
    mailings: Vec<MailingRow>,
}

struct MailingRow {
    at: String,
    mailing_id: String,
    title: String,
    channel: &'static str,
    status: &'static str,
    unsubscribed: bool,
}

fn day(d: Option<NaiveDate>) -> String {
    d.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

async fn render_card(
    state: &AppState,
    caller: &PageCaller,
    id: ClientId,
    done: Option<&str>,
    failure: FormFailure,
) -> Result<HttpResponse, PageError> {
    let t = caller.t();
    let card = clients::card(state, caller, id).await?;
    let zone = state.config.display_time_zone;
    let c = &card.client.card;
    let new_ticket = match card.units.first() {
        Some(l) if card.can_create_ticket => {
            format!("/tickets/new?building_id={}&unit_id={}&client_id={}", l.unit.building_id, l.unit.id, id)
        }
        _ => String::new(),
    };
    let buildings = if card.can_edit {
        buildings::list(state, caller)
            .await?
            .into_iter()
            .filter(|b| caller.principal().can(Permission::ClientsEdit, &Target::building(b.id)))
            .map(|b| (b.id.to_string(), b.name.to_string()))
            .collect()
    } else {
        Vec::new()
    };
    let shows_calls = !caller.is_resident() && caller.principal().can_somewhere(Permission::CallsReceive);
    let calls = domovoy_app::calls::of_client(state, caller, id, 10).await?;
    let page = ClientPage {
        click_to_call: shows_calls && state.dialer().is_some(),
        shows_calls,
        calls: crate::calls::pages::briefs(&calls, t, zone),
        calls_href: format!("/calls?client_id={id}"),
        t,
        chrome: Chrome::new(caller, Section::Clients, &format!("/clients/{id}"))
            .with_notice(notice(t, done))
            .with_error(failure.message),
        id: id.to_string(),
        name: c.name.clone(),
        kind: (t.pl.client_kind_label)(c.kind),
        inn: c.inn.clone().unwrap_or_default(),
        contacts_visible: card.contacts_visible,
        phones: c.phones.iter().map(|p| (p.phone.e164().to_owned(), p.phone.to_string())).collect(),
        emails: c.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        notes: c.notes.clone(),
        tags: c.tags.clone(),
        has_account: c.user_id.is_some(),
        external_id: c.external_id.clone().unwrap_or_default(),
        units: card
            .units
            .iter()
            .map(|l| UnitRow {
                building_id: l.unit.building_id.to_string(),
                building_name: l.building_name.clone(),
                unit_id: l.unit.id.to_string(),
                title: l.unit.title(),
                role: l.link.role.code().to_owned(),
                role_label: (t.pl.link_role_label)(l.link.role),
                share: l.link.share.map(|s| s.to_string()).unwrap_or_default(),
                from: day(l.link.valid_from),
                to: day(l.link.valid_to),
                account: l.link.account.clone().unwrap_or_default(),
            })
            .collect(),
        consents: Channel::ALL
            .iter()
            .map(|ch| {
                let given =
                    card.consents.iter().find(|(c, _)| c == ch).map(|(_, at)| crate::pages::fmt_time(*at, zone));
                (ch.code(), (t.pl.channel_label)(*ch), given.unwrap_or_default())
            })
            .collect(),
        open_tickets: ticket_lines(&card.open_tickets, t, state),
        past_tickets: ticket_lines(&card.past_tickets, t, state),
        timeline: card
            .timeline
            .iter()
            .map(|item| {
                let words = crate::clients::api::TimelineDto::new(item, t);
                TimelineRow {
                    at: crate::pages::fmt_time(item.at, zone),
                    text: words.text,
                    link: words.link.unwrap_or_default(),
                }
            })
            .collect(),
        mailings: card
            .mailings
            .iter()
            .map(|d| MailingRow {
                at: crate::pages::fmt_time(d.created_at, zone),
                mailing_id: d.mailing_id.to_string(),
                title: d.mailing_title.clone(),
                channel: d.channel.map_or("—", |c| (t.ml.channel_label)(c)),
                status: (t.ml.delivery_label)(d.status),
                unsubscribed: d.unsubscribed_at.is_some(),
            })
            .collect(),
        can_edit: card.can_edit,
        new_ticket,
        buildings,
        roles: LinkRole::ALL.iter().map(|r| Choice::new(&r.code(), (t.pl.link_role_label)(*r))).collect(),
    };
    html(&page)
}

/// The client card.
#[get("/clients/{id}")]
pub async fn show_client(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    query: web::Query<DoneQuery>,
) -> Result<HttpResponse, PageError> {
    render_card(&state, &caller, ClientId::from_uuid(*id), query.done.as_deref(), FormFailure::default()).await
}

#[get("/clients/{id}/edit")]
pub async fn edit_client(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = ClientId::from_uuid(*id);
    let card = clients::card(&state, &caller, id).await?;
    if !card.can_edit {
        return Err(PageError::forbidden());
    }
    form_page(&state, &caller, Some(id), ClientForm::of(&card), FormFailure::default(), StatusCode::OK).await
}

#[post("/clients/{id}/edit")]
pub async fn update_client(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ClientForm>,
) -> Result<HttpResponse, PageError> {
    let id = ClientId::from_uuid(*id);
    let form = form.0;
    match clients::update(&state, &caller, id, &form.input(), form.version).await {
        Ok(_) => Ok(see_other(&format!("/clients/{id}?done=client_saved"))),
        Err(error) => {
            let failure = failure_of(error, caller.t())?;
            form_page(&state, &caller, Some(id), form, failure, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

/// The units table of the card: parallel lists, one entry per row.
#[derive(Debug, Default, Deserialize)]
pub struct UnitsForm {
    #[serde(default)]
    building: Vec<String>,
    #[serde(default)]
    unit: Vec<String>,
    #[serde(default)]
    role: Vec<String>,
    #[serde(default)]
    share: Vec<String>,
    #[serde(default)]
    from: Vec<String>,
    #[serde(default)]
    to: Vec<String>,
    #[serde(default)]
    account: Vec<String>,
}

fn nth(list: &[String], i: usize) -> &str {
    list.get(i).map_or("", |s| s.trim())
}

#[post("/clients/{id}/units")]
pub async fn save_units(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    pairs: CsrfForm<FormPairs>,
) -> Result<HttpResponse, PageError> {
    let id = ClientId::from_uuid(*id);
    // One entry per row under repeated keys.
    let mut form = UnitsForm::default();
    for (key, value) in pairs.0 {
        let list = match key.as_str() {
            "building" => &mut form.building,
            "unit" => &mut form.unit,
            "role" => &mut form.role,
            "share" => &mut form.share,
            "from" => &mut form.from,
            "to" => &mut form.to,
            "account" => &mut form.account,
            _ => continue,
        };
        list.push(value);
    }
    let result = async {
        let mut links = Vec::new();
        let mut problems = Vec::new();
        for i in 0..form.unit.len() {
            if nth(&form.unit, i).is_empty() {
                continue;
            }
            let unit = match resolve_unit(
                &state,
                &caller,
                nth(&form.building, i),
                nth(&form.unit, i),
                format!("units[{i}].unit"),
            )
            .await
            {
                Ok(unit) => unit,
                Err(AppError::Problems(mut p)) => {
                    problems.append(&mut p);
                    continue;
                }
                Err(other) => return Err(other),
            };
            let role =
                nth(&form.role, i).parse::<LinkRole>().map_err(|e| problems.push((format!("units[{i}].role"), e))).ok();
            let share = match nth(&form.share, i) {
                "" => None,
                raw => raw.parse::<Share>().map_err(|e| problems.push((format!("units[{i}].share"), e))).ok(),
            };
            let date = |raw: &str, field: &str, problems: &mut Vec<(String, FieldError)>| match raw {
                "" => None,
                raw => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| problems.push((format!("units[{i}].{field}"), FieldError::InvalidFormat)))
                    .ok(),
            };
            let valid_from = date(nth(&form.from, i), "from", &mut problems);
            let valid_to = date(nth(&form.to, i), "to", &mut problems);
            if let Some(role) = role {
                links.push(UnitLink {
                    unit_id: unit,
                    role,
                    share: share.or((role == LinkRole::Owner).then_some(Share::WHOLE)),
                    valid_from,
                    valid_to,
                    account: blank(nth(&form.account, i)),
                });
            }
        }
        if !problems.is_empty() {
            return Err(AppError::Problems(problems));
        }
        clients::set_units(&state, &caller, id, links).await
    }
    .await;
    match result {
        Ok(()) => Ok(see_other(&format!("/clients/{id}?done=client_saved"))),
        Err(error) => {
            let failure = failure_of(error, caller.t())?;
            let mut failure = failure;
            if !failure.fields.is_empty() {
                let details: Vec<String> = failure.fields.iter().map(|(f, m)| format!("{f}: {m}")).collect();
                failure.message = Some(format!("{} — {}", failure.message.unwrap_or_default(), details.join("; ")));
            }
            render_card(&state, &caller, id, None, failure).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ConsentsForm {
    push: Option<String>,
    email: Option<String>,
    sms: Option<String>,
}

#[post("/clients/{id}/consents")]
pub async fn save_consents(
    state: web::Data<AppState>,
    caller: PageCaller,
    id: web::Path<Uuid>,
    form: CsrfForm<ConsentsForm>,
) -> Result<HttpResponse, PageError> {
    let id = ClientId::from_uuid(*id);
    let wanted = [
        (Channel::Push, form.0.push.is_some()),
        (Channel::Email, form.0.email.is_some()),
        (Channel::Sms, form.0.sms.is_some()),
    ];
    clients::set_consents(&state, &caller, id, &wanted).await?;
    Ok(see_other(&format!("/clients/{id}?done=client_saved")))
}
