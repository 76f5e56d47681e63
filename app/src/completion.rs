//! Checklists and the resident's signature: what a category asks before
//! its tickets may be done (`domain::completion`), ticking items on site,
//! and the gate on the move to done.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Serialize;

use domovoy_domain::FieldError;
use domovoy_domain::audit::AuditAction;
use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::completion::Requirements;
use domovoy_domain::ids::{ClassifierId, TicketId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::Target;
use domovoy_domain::ticket::Ticket;
use domovoy_store::audit::{self, Change};
use domovoy_store::{WriteTx, classifier, completion, tickets};

use crate::{App, AppError, AppResult, Requester, Rule};

/// A category with what it asks.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CategoryRequirements {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub category_id: ClassifierId,
    pub category: String,
    pub items: Vec<String>,
    pub signature: bool,
}

/// Every active category with what it asks (nothing for most), for the
/// settings page and `GET /api/v1/checklists`.
pub async fn list(app: &App, requester: &Requester) -> AppResult<Vec<CategoryRequirements>> {
    let principal = requester.principal();
    if !principal.can_somewhere(Permission::TicketsRead) && !principal.can_somewhere(Permission::TicketsCreate) {
        return Err(AppError::Forbidden);
    }
    let mut asked = completion::all(&app.db).await?;
    Ok(classifier::list(&app.db)
        .await?
        .into_iter()
        .filter(|i| i.kind == ClassifierKind::Category && i.active)
        .map(|i| {
            let Requirements { items, signature } = asked.remove(&i.id).unwrap_or_default();
            CategoryRequirements { category_id: i.id, category: i.name, items, signature }
        })
        .collect())
}

/// Sets what a category asks before done: its checklist's items (one a
/// line, or a list) and whether the resident signs. Nothing clears it.
pub async fn set(
    app: &App,
    requester: &Requester,
    category: ClassifierId,
    items: &[String],
    signature: bool,
) -> AppResult<CategoryRequirements> {
    requester.require(Permission::TicketsSettings, &Target::SYSTEM)?;
    let asked = Requirements::parse(items, signature).map_err(|e| AppError::field("items", e))?;
    let actor = requester.actor();
    app.write(move |tx| {
        Box::pin(async move {
            let item = classifier::get(&mut *tx, category).await?;
            if item.kind != ClassifierKind::Category {
                return Err(AppError::field("category_id", FieldError::NotAllowed));
            }
            let before = completion::requirements(&mut *tx, category).await?;
            completion::set(tx, category, &asked).await?;
            audit::record(
                tx,
                Change::new(&actor, AuditAction::CategoryRequirementsSet, category)
                    .summary(item.name.clone())
                    .before(&before)
                    .after(&asked),
            )
            .await?;
            Ok(CategoryRequirements { category_id: category, category: item.name, items: asked.items, signature })
        })
    })
    .await
}

/// A ticket's checklist as the person on site sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TicketChecklist {
    pub items: Vec<CheckItem>,
    /// Whether the resident must sign before done.
    pub signature_required: bool,
    /// Whether a signature was taken (or is on its way from the phone).
    pub signed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckItem {
    pub item: String,
    pub checked: bool,
    pub checked_at: Option<DateTime<Utc>>,
}

impl TicketChecklist {
    /// Whether the ticket's category asks anything.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && !self.signature_required
    }
}

/// The checklists of these tickets (their categories' requirements with
/// what was ticked), in the tickets' order; one query each for all.
pub async fn of_tickets(app: &App, list: &[Ticket]) -> AppResult<Vec<TicketChecklist>> {
    let asked = completion::all(&app.db).await?;
    let wanted: Vec<TicketId> =
        list.iter().filter(|t| t.category_id.is_some_and(|c| asked.contains_key(&c))).map(|t| t.id).collect();
    let ticks = completion::ticks(&app.db, &wanted).await?;
    let signed = completion::signed(&app.db, &wanted).await?;
    let mut out = Vec::with_capacity(list.len());
    for ticket in list {
        let Some(requirements) = ticket.category_id.and_then(|c| asked.get(&c)) else {
            out.push(TicketChecklist::default());
            continue;
        };
        let items = requirements
            .items
            .iter()
            .map(|item| {
                let tick = ticks.iter().find(|t| t.ticket_id == ticket.id && &t.item == item);
                CheckItem { item: item.clone(), checked: tick.is_some(), checked_at: tick.map(|t| t.checked_at) }
            })
            .collect();
        let signed = requirements.signature && signed.contains(&ticket.id);
        out.push(TicketChecklist { items, signature_required: requirements.signature, signed });
    }
    Ok(out)
}

/// Ticks (or unticks) an item of the ticket's checklist, inside the
/// transaction of the change that carries it (a sync's `ticket.check`, or
/// the API): whoever may move the ticket may, while it is open.
pub async fn check_in(
    tx: &mut WriteTx,
    requester: &Requester,
    ticket_id: TicketId,
    item: &str,
    checked: bool,
) -> AppResult<Ticket> {
    let ticket = tickets::get(&mut *tx, ticket_id).await?;
    requester.require(Permission::TicketsRead, &ticket.target())?;
    if requester.is_resident() {
        return Err(AppError::Forbidden);
    }
    requester.require(Permission::TicketsTransition, &ticket.target())?;
    if !ticket.status().is_open() {
        return Err(AppError::Rule(Rule::TicketFinished));
    }
    let asked = match ticket.category_id {
        Some(category) => completion::requirements(&mut *tx, category).await?,
        None => Requirements::default(),
    };
    if !asked.has_item(item) {
        return Err(AppError::field("item", FieldError::Unknown));
    }
    completion::tick(tx, ticket_id, item, requester.user_id(), checked).await?;
    Ok(ticket)
}

/// Ticks an item through the API.
pub async fn check(
    app: &App,
    requester: &Requester,
    ticket_id: TicketId,
    item: &str,
    checked: bool,
) -> AppResult<TicketChecklist> {
    let (requester_in, item) = (requester.clone(), item.to_owned());
    let ticket = app
        .write(move |tx| Box::pin(async move { check_in(tx, &requester_in, ticket_id, &item, checked).await }))
        .await?;
    Ok(of_tickets(app, std::slice::from_ref(&ticket)).await?.remove(0))
}

/// The gate on the move to done: every item ticked and, where asked, the
/// resident's signature taken.
pub(crate) async fn require_complete(tx: &mut WriteTx, ticket: &Ticket) -> AppResult<()> {
    let Some(category) = ticket.category_id else { return Ok(()) };
    let asked = completion::requirements(&mut *tx, category).await?;
    if asked.is_empty() {
        return Ok(());
    }
    let ticked: HashSet<String> =
        completion::ticks(&mut *tx, &[ticket.id]).await?.into_iter().map(|t| t.item).collect();
    let signed = asked.signature && completion::signed(&mut *tx, &[ticket.id]).await?.contains(&ticket.id);
    let missing = asked.missing(&ticked, signed);
    if !missing.items.is_empty() {
        return Err(AppError::Rule(Rule::ChecklistIncomplete));
    }
    if missing.signature {
        return Err(AppError::Rule(Rule::SignatureMissing));
    }
    Ok(())
}
