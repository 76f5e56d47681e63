//! Background jobs.

use chrono::{Duration, Utc};

use domovoy_app::jobs::auto_close;
use domovoy_domain::ids::{BuildingId, TicketId};
use domovoy_domain::sla::SlaState;
use domovoy_domain::ticket::{
    Description, HistoryChange, Priority, Ticket, TicketNumber, TicketParts, TicketSla, TicketSource, TicketStatus,
};
use domovoy_store::audit::AuditQuery;
use domovoy_store::{Db, StoreError, audit, tickets};

use crate::{app, building};

/// A ticket done `days_ago`, nobody confirmed.
fn done(building: BuildingId, days_ago: i64) -> Ticket {
    let resolved = domovoy_store::stored_now() - Duration::days(days_ago);
    Ticket::from_parts(TicketParts {
        id: TicketId::new(),
        number: TicketNumber { year: 2026, seq: 0 },
        source: TicketSource::Phone,
        building_id: building,
        unit_id: None,
        client_id: None,
        contact_name: None,
        contact_phone: None,
        location: None,
        place_id: None,
        category_id: None,
        problem_id: None,
        priority: Priority::Normal,
        description: Description::parse("Заменить лампу в тамбуре").unwrap(),
        team_id: None,
        created_by: None,
        version: 1,
        created_at: resolved - Duration::hours(2),
        updated_at: resolved,
        sla: TicketSla { state: SlaState::Met, ..TicketSla::none() },
        status: TicketStatus::Done,
        hold_reason: None,
        end_reason: None,
        assignee_id: None,
        en_route_at: None,
        responded_at: Some(resolved - Duration::hours(1)),
        resolved_at: Some(resolved),
        closed_at: None,
        rating: None,
        rating_comment: None,
        rated_at: None,
        flagged: false,
    })
}

/// Auto-close works through every due ticket, oldest first, in batches:
/// a backlog longer than a batch (after downtime) is cleared in one run,
/// and tickets done recently are left for the resident to confirm.
async fn auto_close_clears_a_backlog_longer_than_a_batch(db: &Db) {
    let app = app(db).await;
    let north = building(&app, "ЖК Север").await;
    let old: Vec<Ticket> = (0..450).map(|n| done(north, 10 + n % 30)).collect();
    let recent = done(north, 1);
    let mut all = old.clone();
    all.push(recent.clone());
    db.write(move |tx| {
        Box::pin(async move {
            for mut ticket in all {
                tickets::insert_numbered(tx, &mut ticket, (None, "test")).await?;
            }
            Ok::<_, StoreError>(())
        })
    })
    .await
    .unwrap();

    let closed = auto_close::run(&app, Duration::days(3)).await.unwrap();
    assert_eq!(closed, 450);
    for ticket in old.iter().step_by(37) {
        let stored = tickets::get(db, ticket.id).await.unwrap();
        assert_eq!(stored.status(), TicketStatus::Closed);
        let history = tickets::history(db, ticket.id, true).await.unwrap();
        let last = history.last().unwrap();
        assert_eq!(last.actor_name, "auto_close");
        assert_eq!(
            last.change,
            HistoryChange::Status {
                from: TicketStatus::Done,
                to: TicketStatus::Closed,
                reason: None,
                hold_reason: None
            }
        );
    }
    assert_eq!(tickets::get(db, recent.id).await.unwrap().status(), TicketStatus::Done);
    // Every close is audited like a person's.
    let mut query = AuditQuery::everything(1000);
    query.entity_kind = Some("ticket".to_owned());
    let entries = audit::list(db, &query).await.unwrap().entries;
    assert_eq!(entries.len(), 450);
    assert!(entries.iter().all(|e| e.actor_login == "auto_close"));
    // Nothing left: a second run closes nothing.
    assert_eq!(auto_close::run(&app, Duration::days(3)).await.unwrap(), 0);
    let _ = Utc::now();
}

domovoy_store::backend_tests!(auto_close_clears_a_backlog_longer_than_a_batch);
