//! Outages: register one (the affected units selected, their residents
//! sent an emergency notice, their tickets linked, a banner on the
//! dispatchers' screens and on the pop-up of calls from those units) and
//! close it (the same people told it is over), each in one transaction
//! with its notice: an outage is never registered without its notice sent,
//! nor a notice sent for an outage that was not registered.
//!
//! The notices' words come from the door (its catalogs): the use-cases
//! take a title and a text like any mailing's.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use domovoy_domain::audit::AuditAction;
use domovoy_domain::device::PushKind;
use domovoy_domain::event::{Event, OutageNotice};
use domovoy_domain::ids::{BuildingId, ClientId, MailingId, OutageId, SectionId, TicketId, UnitId};
use domovoy_domain::mailing::{Audience, DeliveryStatus, MailingChannel, MailingKind};
use domovoy_domain::outage::{NewOutage, Outage, OutageKind};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::ticket::Ticket;
use domovoy_store::audit::{self, Change};
use domovoy_store::mailings as mailing_store;
use domovoy_store::outages as store;
use domovoy_store::tickets::{TicketQuery, TicketSort};

use crate::App;
use crate::error::{AppError, AppResult, Rule};
use crate::mailings::{self, AudienceSize, Extras, Footer, MailingInput};
use crate::requester::Requester;

/// The most outages a list shows.
pub const MAX_LIST: i64 = 200;

/// The most linked tickets an outage's view lists.
pub const MAX_TICKETS: u32 = 500;

/// A notice's words (its title is a letter's subject; a text carries the
/// body alone). May use the mailing variables (`{{ name }}`, …).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoticeInput {
    pub title: String,
    pub body: String,
}

/// What a person registers.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutageInput {
    /// `cold_water`, `hot_water`, `heating`, `electricity`, `gas`,
    /// `sewerage`, `elevator`, `other`.
    pub kind: String,
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub building_ids: Vec<BuildingId>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<uuid::Uuid>))]
    pub section_ids: Vec<SectionId>,
    /// Expected start, `2026-12-10T09:00` on the buildings' clocks.
    pub starts_at: String,
    /// Expected end, same form.
    pub ends_at: String,
    /// The emergency notice to the residents of the units.
    pub notice: NoticeInput,
}

/// An outage with the names of its buildings.
#[derive(Debug, Clone, Serialize)]
pub struct Listed {
    #[serde(flatten)]
    pub outage: Outage,
    /// Its buildings' names, in the order of its ids.
    pub building_names: Vec<String>,
}

/// An outage with what it did.
#[derive(Debug, Clone, Serialize)]
pub struct OutageView {
    #[serde(flatten)]
    pub outage: Outage,
    pub building_names: Vec<String>,
    /// The opening notice's title and text, as sent.
    pub notice_title: String,
    pub notice_body: String,
    /// Units it covers.
    pub units: i64,
    /// Tickets linked to it that the requester reads, the newest first
    /// (at most [`MAX_TICKETS`]).
    pub tickets: Vec<Ticket>,
    /// The opening notice's deliveries by state.
    pub notice: BTreeMap<DeliveryStatus, i64>,
    /// The closing notice's, once closed.
    pub closing_notice: BTreeMap<DeliveryStatus, i64>,
}

/// What registering did: the outage, whom its notice reached, how many
/// tickets were linked.
#[derive(Debug, Clone)]
pub struct Opened {
    pub outage: Outage,
    pub building_names: Vec<String>,
    pub reach: AudienceSize,
    pub units: i64,
    pub tickets: i64,
}

/// Whether the requester may register outages somewhere.
pub fn may_manage(requester: &Requester) -> bool {
    !requester.is_resident() && requester.principal().can_somewhere(Permission::OutagesManage)
}

/// The buildings (and their sections) where the requester may register
/// outages.
pub async fn choices(app: &App, requester: &Requester) -> AppResult<Vec<mailings::AudienceChoice>> {
    if !may_manage(requester) {
        return Ok(Vec::new());
    }
    mailings::choices_for(app, requester, Permission::OutagesManage).await
}

/// Staff see an outage where they hold one of these: they read tickets,
/// receive calls or manage outages there.
const SEEING: [Permission; 3] = [Permission::TicketsRead, Permission::CallsReceive, Permission::OutagesManage];

/// Whether the requester sees outages at all (the banner, the list).
pub fn may_see_any(requester: &Requester) -> bool {
    !requester.is_resident() && SEEING.into_iter().any(|p| requester.principal().can_somewhere(p))
}

/// Whether the requester sees this outage (see [`SEEING`]) in one of its
/// buildings.
fn sees(requester: &Requester, outage: &Outage) -> bool {
    let me = requester.principal().user_id;
    !requester.is_resident()
        && outage
            .building_ids
            .iter()
            .any(|b| SEEING.into_iter().any(|p| requester.principal().reach(p).covers(&Target::building(*b), me)))
}

fn notice_of(outage: &Outage) -> OutageNotice {
    OutageNotice {
        outage_id: outage.id,
        kind: outage.kind.code().to_owned(),
        building_ids: outage.building_ids.clone(),
        starts_at: outage.starts_at,
        ends_at: outage.ends_at,
    }
}

/// The emergency notice's mailing: every channel the server sends by, the
/// cabinet included, to everyone linked to the units.
fn notice_mailing(app: &App, notice: &NoticeInput, audience: &Audience) -> MailingInput {
    let channels = mailings::available(app, &[MailingChannel::Sms, MailingChannel::Email, MailingChannel::InApp]);
    MailingInput {
        title: notice.title.clone(),
        body: notice.body.clone(),
        kind: MailingKind::Emergency.code().to_owned(),
        channels: channels.into_iter().map(|c| c.code().to_owned()).collect(),
        audience: audience.clone(),
    }
}

/// Registers an outage and, in the same transaction, sends its emergency
/// notice, selects its units and links their open tickets.
pub async fn open(app: &App, requester: &Requester, input: &OutageInput, footer: Footer<'_>) -> AppResult<Opened> {
    if !may_manage(requester) {
        return Err(AppError::Forbidden);
    }
    let new = NewOutage::new(
        &input.kind,
        &input.details,
        input.building_ids.clone(),
        input.section_ids.clone(),
        &input.starts_at,
        &input.ends_at,
    )
    .map_err(|errors| AppError::Validation(errors.into_iter().collect()))?;
    let buildings = mailings::require_on_audience(app, requester, Permission::OutagesManage, &new.audience).await?;
    let (mailing, _) = mailings::create_with(
        app,
        requester,
        &notice_mailing(app, &input.notice, &new.audience),
        &[],
        Permission::OutagesManage,
    )
    .await?;
    let extras = Extras {
        push: Some((PushKind::OutageNotice, mailing.title.clone())),
        authority: Some(Permission::OutagesManage),
        discard_on_failure: true,
        ..Extras::default()
    };
    let actor = requester.actor();
    let by = requester.user_id();
    let (reach, (outage, units, tickets)) =
        mailings::send_with(app, requester, mailing.id, footer, extras, move |tx| {
            Box::pin(async move {
                let (outage, units, tickets) = store::insert(tx, &new, &buildings, mailing.id, by).await?;
                audit::record(
                    tx,
                    Change::new(&actor, AuditAction::OutageOpened, outage.id)
                        .summary(format!("{} ({units}, {tickets})", outage.kind.code()))
                        .building(buildings.first().copied().filter(|_| buildings.len() == 1)),
                )
                .await?;
                tx.emit(&Event::OutageOpened(notice_of(&outage)));
                Ok((outage, units, tickets))
            })
        })
        .await?;
    let building_names = names_of(&building_names(app).await?, &outage);
    Ok(Opened { outage, building_names, reach, units, tickets })
}

/// Closes an open outage and tells it is over to those its notice went to
/// (in `words` for its kind), in one transaction; a second close is refused (`outage_closed`).
pub async fn close(
    app: &App,
    requester: &Requester,
    id: OutageId,
    words: &dyn Fn(OutageKind) -> NoticeInput,
    footer: Footer<'_>,
) -> AppResult<(Outage, AudienceSize)> {
    if !may_see_any(requester) {
        return Err(AppError::Forbidden);
    }
    let outage = store::get(&app.db, id).await?;
    if !sees(requester, &outage) {
        return Err(AppError::NotFound);
    }
    for building in &outage.building_ids {
        requester.require(Permission::OutagesManage, &Target::building(*building))?;
    }
    if !outage.is_open() {
        return Err(AppError::Rule(Rule::OutageClosed));
    }
    let only: HashSet<ClientId> = match outage.notice_id {
        Some(notice) => mailing_store::recipients_of(&app.db, notice).await?.into_iter().collect(),
        None => HashSet::new(),
    };
    let (mailing, _) = mailings::create_with(
        app,
        requester,
        &notice_mailing(app, &words(outage.kind), &outage.audience),
        &[],
        Permission::OutagesManage,
    )
    .await?;
    let extras = Extras {
        push: Some((PushKind::OutageNotice, mailing.title.clone())),
        only: Some(only),
        authority: Some(Permission::OutagesManage),
        discard_on_failure: true,
        ..Extras::default()
    };
    let actor = requester.actor();
    let user = requester.account()?.id;
    let single = outage.building_ids.first().copied().filter(|_| outage.building_ids.len() == 1);
    let (reach, outage) = mailings::send_with(app, requester, mailing.id, footer, extras, move |tx| {
        Box::pin(async move {
            if !store::close(tx, id, mailing.id, user).await? {
                return Err(AppError::Rule(Rule::OutageClosed));
            }
            audit::record(
                tx,
                Change::new(&actor, AuditAction::OutageClosed, id)
                    .summary(outage.kind.code().to_owned())
                    .building(single),
            )
            .await?;
            let closed = store::get(&mut *tx, id).await?;
            tx.emit(&Event::OutageClosed(notice_of(&closed)));
            Ok(closed)
        })
    })
    .await?;
    Ok((outage, reach))
}

/// The outages the requester sees: open ones first, then (unless
/// `open_only`) closed ones, the newest first.
pub async fn list(app: &App, requester: &Requester, open_only: bool) -> AppResult<Vec<Listed>> {
    if !may_see_any(requester) {
        return Err(AppError::Forbidden);
    }
    let outages: Vec<Outage> =
        store::list(&app.db, open_only, MAX_LIST).await?.into_iter().filter(|o| sees(requester, o)).collect();
    if outages.is_empty() {
        return Ok(Vec::new());
    }
    let names = building_names(app).await?;
    Ok(outages
        .into_iter()
        .map(|outage| {
            let building_names = names_of(&names, &outage);
            Listed { outage, building_names }
        })
        .collect())
}

async fn building_names(app: &App) -> AppResult<HashMap<BuildingId, String>> {
    Ok(domovoy_store::buildings::list(&app.db).await?.into_iter().map(|b| (b.id, b.name.to_string())).collect())
}

fn names_of(names: &HashMap<BuildingId, String>, outage: &Outage) -> Vec<String> {
    outage.building_ids.iter().filter_map(|b| names.get(b).cloned()).collect()
}

/// One outage with its units, tickets and notices.
pub async fn get(app: &App, requester: &Requester, id: OutageId) -> AppResult<OutageView> {
    if !may_see_any(requester) {
        return Err(AppError::Forbidden);
    }
    let outage = store::get(&app.db, id).await?;
    if !sees(requester, &outage) {
        return Err(AppError::NotFound);
    }
    let units = store::unit_count(&app.db, id).await?;
    let reach = requester.principal().reach(Permission::TicketsRead);
    let tickets = if reach.reaches_buildings() {
        let query = TicketQuery {
            outage: Some(id),
            buildings: reach.building_filter().map(|b| b.iter().copied().collect()),
            sort: TicketSort::Newest,
            limit: MAX_TICKETS,
            ..TicketQuery::default()
        };
        domovoy_store::tickets::list(&app.db, &query).await?.items
    } else {
        Vec::new()
    };
    let counts = |mailing: Option<MailingId>| async move {
        match mailing {
            Some(m) => mailing_store::counts(&app.db, m).await,
            None => Ok(BTreeMap::new()),
        }
    };
    let notice = counts(outage.notice_id).await?;
    let closing_notice = counts(outage.closing_notice_id).await?;
    let (notice_title, notice_body) = match outage.notice_id {
        Some(id) => {
            let mailing = mailing_store::get(&app.db, id).await?;
            (mailing.title, mailing.body)
        }
        None => (String::new(), String::new()),
    };
    let building_names = names_of(&building_names(app).await?, &outage);
    Ok(OutageView { outage, building_names, notice_title, notice_body, units, tickets, notice, closing_notice })
}

/// The open outages covering `units`, for a call's pop-up (those the
/// requester sees).
pub async fn open_for_units(app: &App, requester: &Requester, units: &[UnitId]) -> AppResult<Vec<(UnitId, Outage)>> {
    Ok(store::open_for_units(&app.db, units).await?.into_iter().filter(|(_, o)| sees(requester, o)).collect())
}

/// The outages a ticket is linked to (for its page).
pub async fn of_ticket(app: &App, requester: &Requester, ticket: TicketId) -> AppResult<Vec<Outage>> {
    Ok(store::of_ticket(&app.db, ticket).await?.into_iter().filter(|o| sees(requester, o)).collect())
}
