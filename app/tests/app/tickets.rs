//! Ticket use-cases: who may do what, and the buttons agree with the rules.

use domovoy_app::tickets::{self, NewTicket, TicketUpdate, TransitionRequest, capabilities};
use domovoy_app::{AppError, Requester};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::ids::{BuildingId, TicketId};
use domovoy_domain::policy::GrantScope;
use domovoy_domain::role::RoleTemplate;
use domovoy_domain::ticket::{Ticket, TicketStatus};
use domovoy_store::audit::AuditQuery;
use domovoy_store::{Db, audit};

use crate::{app, building, person};

fn render(ticket: &Ticket, _: &domovoy_domain::ticket::TicketSummary) -> serde_json::Value {
    serde_json::json!({ "id": ticket.id })
}

async fn file(app: &domovoy_app::App, who: &Requester, building: BuildingId, source: &str) -> Ticket {
    let input = NewTicket {
        building_id: Some(building.to_string()),
        description: Some(format!("Не работает домофон, обращение {}", TicketId::new())),
        source: Some(source.to_owned()),
        ..NewTicket::default()
    };
    match tickets::create(app, who, &input, None, render).await.unwrap() {
        tickets::Intake::Created { ticket, .. } => *ticket,
        tickets::Intake::Replayed { .. } => unreachable!("no key, no replay"),
    }
}

async fn move_to(app: &domovoy_app::App, who: &Requester, id: TicketId, to: TicketStatus) -> Result<Ticket, AppError> {
    let request = TransitionRequest {
        to: to.code().to_owned(),
        reason: Some("проверка".to_owned()),
        hold_reason: Some("waiting_parts".to_owned()),
        version: None,
    };
    tickets::transition(app, who, id, &request).await
}

/// Priority moves the deadline: a technician works on tickets but may not
/// change it; a dispatcher may, and the change is audited.
async fn priority_needs_the_right_to_assign_and_is_audited(db: &Db) {
    let app = app(db).await;
    let north = building(&app, "ЖК Север").await;
    let dispatcher = person(db, "disp", RoleTemplate::Dispatcher, GrantScope::Building(north)).await;
    let technician = person(db, "tech", RoleTemplate::Technician, GrantScope::Building(north)).await;
    let ticket = file(&app, &dispatcher, north, "phone").await;
    let lower = TicketUpdate { priority: Some("emergency".to_owned()), ..TicketUpdate::default() };

    assert!(!capabilities(&technician, &ticket).classify);
    assert!(matches!(tickets::update(&app, &technician, ticket.id, &lower).await, Err(AppError::Forbidden)));
    assert!(capabilities(&dispatcher, &ticket).classify);
    let changed = tickets::update(&app, &dispatcher, ticket.id, &lower).await.unwrap();
    assert_eq!(changed.priority.code(), "emergency");

    let mut query = AuditQuery::everything(10);
    query.action = Some(AuditAction::TicketClassified);
    let entries = audit::list(db, &query).await.unwrap().entries;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].entity_id.as_deref(), Some(ticket.id.to_string().as_str()));
    assert_eq!(entries[0].before.as_ref().unwrap()["priority"], "normal");
    assert_eq!(entries[0].after.as_ref().unwrap()["priority"], "emergency");
}

/// For every status, the moves a person's page offers are exactly the moves
/// the use-case accepts from them.
async fn the_buttons_offered_are_the_moves_accepted(db: &Db) {
    let app = app(db).await;
    let north = building(&app, "ЖК Север").await;
    let resident = person(db, "+79001234567", RoleTemplate::Resident, GrantScope::Own).await;
    let technician = person(db, "tech", RoleTemplate::Technician, GrantScope::Building(north)).await;
    let dispatcher = person(db, "disp", RoleTemplate::Dispatcher, GrantScope::Building(north)).await;
    for who in [&resident, &technician, &dispatcher] {
        for to in TicketStatus::ALL {
            // A fresh ticket (the resident's own when the resident acts),
            // assigned to the technician.
            let ticket = if who.is_resident() {
                file(&app, &resident, north, "web_cabinet").await
            } else {
                file(&app, &dispatcher, north, "phone").await
            };
            let ticket = tickets::assign(&app, &dispatcher, ticket.id, technician.user_id(), None).await.unwrap();
            let offered = capabilities(who, &ticket).moves.contains(to);
            let result = move_to(&app, who, ticket.id, *to).await;
            assert_eq!(offered, result.is_ok(), "{:?} moving assigned → {to}: {result:?}", who.display_name());
        }
    }
}

domovoy_store::backend_tests!(
    priority_needs_the_right_to_assign_and_is_audited,
    the_buttons_offered_are_the_moves_accepted
);
