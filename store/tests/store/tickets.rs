//! Tickets and what routes and times them: numbering, optimistic saves,
//! the board's query, history, idempotency keys, the classifier, SLA
//! policies and the calendar, teams and assignment rules, saved filters.

use chrono::{Duration, NaiveDate, Utc};
use serde_json::json;

use domovoy_domain::account::User;
use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::ids::{BuildingId, ClassifierId, TicketId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::GrantScope;
use domovoy_domain::role::RoleTemplate;
use domovoy_domain::sla::{CalendarDay, DayKind, Schedule, SlaState, SlaTargets};
use domovoy_domain::ticket::{Description, HistoryChange, PhotoStage, Priority, Ticket, TicketSource, TicketStatus};
use domovoy_store::classifier::NewItem;
use domovoy_store::idempotency::{self, Recorded};
use domovoy_store::sla::PolicyDraft;
use domovoy_store::teams::Assignee;
use domovoy_store::tickets::{self, AssigneeFilter, Cursor, TicketQuery, TicketSort};
use domovoy_store::{
    Db, StoreError, assignments, buildings, classifier, intake, roles, saved_filters, sla, teams, users,
};

use crate::helpers::{add_user, building_draft, insert, staff, ticket};

async fn building(db: &Db, name: &str) -> BuildingId {
    let draft = building_draft(name, "Europe/Moscow");
    db.write(move |tx| Box::pin(async move { buildings::insert(tx, &draft).await })).await.unwrap().value.id
}

async fn save(db: &Db, ticket: Ticket) -> Result<Ticket, StoreError> {
    db.write(move |tx| Box::pin(async move { tickets::save(tx, &ticket).await })).await.map(|c| c.value)
}

async fn numbers_count_per_year_and_saves_detect_conflicts(db: &Db) {
    let north = building(db, "ЖК Север").await;
    let first = insert(db, ticket(north, "Течёт кран", None)).await;
    let second = insert(db, ticket(north, "Нет света", None)).await;
    let mut next_year = ticket(north, "Новогодняя заявка", None);
    next_year.number.year = 2027;
    let next_year = insert(db, next_year).await;
    assert_eq!(first.number.to_string(), "2026-000001");
    assert_eq!(second.number.to_string(), "2026-000002");
    assert_eq!(next_year.number.to_string(), "2027-000001");
    let found = tickets::find_by_number(db, "2026-2".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(found, second);
    assert!(tickets::find_by_number(db, "2026-99".parse().unwrap()).await.unwrap().is_none());

    // Every field round-trips.
    let stored = tickets::get(db, first.id).await.unwrap();
    assert_eq!(stored, first);

    let mut changed = stored.clone().into_parts();
    changed.status = TicketStatus::Accepted;
    changed.location = Some("кв. 46".into());
    let changed = Ticket::from_parts(changed);
    let saved = save(db, changed.clone()).await.unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.status(), TicketStatus::Accepted);
    assert_eq!(saved.location.as_deref(), Some("кв. 46"));
    // The same old version again: someone was faster.
    let late = save(db, changed).await;
    assert!(matches!(late, Err(StoreError::Conflict(_))), "{late:?}");
    assert_eq!(tickets::get(db, first.id).await.unwrap().version, 2);
    // A ticket that is not there is not found, not a conflict.
    let ghost = Ticket::from_parts(ticket(north, "Призрак", None));
    assert!(matches!(save(db, ghost).await, Err(StoreError::NotFound)));
}

/// Intake takes the year's next number as it stores the ticket (after one
/// numbered the other way); concurrent intakes get distinct numbers, and
/// the number is what the text search finds.
async fn intake_numbering_gives_concurrent_intakes_distinct_numbers(db: &Db) {
    let north = building(db, "ЖК Север").await;
    let earlier = insert(db, ticket(north, "Первая заявка года", None)).await;
    assert_eq!(earlier.number.to_string(), "2026-000001");
    let mut writers = Vec::new();
    for n in 0..16 {
        let db = db.clone();
        let mut ticket = Ticket::from_parts(ticket(north, &format!("Одновременная заявка {n}"), None));
        writers.push(tokio::spawn(async move {
            db.write(move |tx| {
                Box::pin(async move {
                    ticket.number.year = 2026;
                    tickets::insert_numbered(tx, &mut ticket, (None, "Диспетчер")).await?;
                    Ok::<_, StoreError>(ticket)
                })
            })
            .await
            .unwrap()
            .value
        }));
    }
    let mut numbers = Vec::new();
    for writer in writers {
        let ticket = writer.await.unwrap();
        let stored = tickets::get(db, ticket.id).await.unwrap();
        assert_eq!(stored.number, ticket.number);
        // Stored with its first history entry.
        let history = tickets::history(db, ticket.id, true).await.unwrap();
        assert_eq!(
            history.iter().map(|h| (h.change.kind(), h.actor_name.as_str())).collect::<Vec<_>>(),
            [("created", "Диспетчер")]
        );
        numbers.push(ticket.number.seq);
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (2..=17).collect::<Vec<i64>>());
    let found =
        tickets::list(db, &TicketQuery { text: Some("2026-000017".into()), limit: 5, ..TicketQuery::default() })
            .await
            .unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].number.seq, 17);
}

async fn the_board_query_filters_sorts_and_pages(db: &Db) {
    let north = building(db, "ЖК Север").await;
    let south = building(db, "ЖК Юг").await;
    let worker = add_user(db, staff("worker", "Петров Сергей")).await;
    let mut made = Vec::new();
    for n in 0..7 {
        let mut t = ticket(if n < 5 { north } else { south }, &format!("Заявка номер {n}"), None);
        t.created_at = Utc::now() - Duration::minutes(10 - n);
        if n == 1 {
            t.priority = Priority::Emergency;
        }
        if n == 2 {
            t.sla.state = SlaState::Breached;
        }
        if n == 3 {
            t.status = TicketStatus::Closed;
        }
        if n == 4 {
            t.assignee_id = Some(worker.id);
            t.status = TicketStatus::Assigned;
            t.description = Description::parse("Засор мусоропровода").unwrap();
        }
        made.push(insert(db, t).await);
    }
    let query = |q: TicketQuery| async move { tickets::list(db, &q).await.unwrap() };
    let all = query(TicketQuery { limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(all.items.len(), 7);
    assert!(all.next.is_none());
    // Urgency: breached first, then the emergency.
    assert_eq!(all.items[0].id, made[2].id);
    assert_eq!(all.items[1].id, made[1].id);

    let north_only = query(TicketQuery { buildings: Some(vec![north]), limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(north_only.items.len(), 5);
    let open = query(TicketQuery { open_only: true, limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(open.items.len(), 6);
    let closed = query(TicketQuery { statuses: vec![TicketStatus::Closed], limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(closed.items, vec![tickets::get(db, made[3].id).await.unwrap()]);
    let mine =
        query(TicketQuery { assignee: Some(AssigneeFilter::User(worker.id)), limit: 50, ..TicketQuery::default() })
            .await;
    assert_eq!(mine.items.len(), 1);
    let nobody =
        query(TicketQuery { assignee: Some(AssigneeFilter::Nobody), limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(nobody.items.len(), 6);
    let text = query(TicketQuery {
        text: Some("МУСОРОПРОВОДА засор".into()), limit: 50, ..TicketQuery::default()
    })
    .await;
    assert_eq!(text.items.len(), 1);
    let literal = query(TicketQuery { text: Some("100%".into()), limit: 50, ..TicketQuery::default() }).await;
    assert!(literal.items.is_empty(), "LIKE wildcards in the text match literally");
    let emergencies =
        query(TicketQuery { priority: Some(Priority::Emergency), limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(emergencies.items.len(), 1);
    let breached =
        query(TicketQuery { sla_state: Some(SlaState::Breached), limit: 50, ..TicketQuery::default() }).await;
    assert_eq!(breached.items.len(), 1);

    // Newest first, paged by cursor: every ticket once.
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = query(TicketQuery { sort: TicketSort::Newest, cursor, limit: 3, ..TicketQuery::default() }).await;
        seen.extend(page.items.iter().map(|t| t.id));
        match page.next {
            Some(next) => {
                assert!(matches!(next, Cursor::Before(_)));
                cursor = Some(next);
            }
            None => break,
        }
    }
    let mut expected: Vec<TicketId> = made.iter().map(|t| t.id).collect();
    expected.reverse();
    assert_eq!(seen, expected);
    // Urgency order pages by offset.
    let first = query(TicketQuery { limit: 4, ..TicketQuery::default() }).await;
    assert_eq!(first.next, Some(Cursor::Offset(4)));
    let rest = query(TicketQuery { limit: 4, cursor: first.next, ..TicketQuery::default() }).await;
    assert_eq!(rest.items.len(), 3);

    let counts = tickets::count_by_status(db, &TicketQuery { buildings: Some(vec![north]), ..TicketQuery::default() })
        .await
        .unwrap();
    let count = |s: TicketStatus| counts.iter().find(|(status, _)| *status == s).map_or(0, |(_, n)| *n);
    assert_eq!((count(TicketStatus::New), count(TicketStatus::Closed), count(TicketStatus::Assigned)), (3, 1, 1));
    assert_eq!(tickets::count_open(db).await.unwrap(), 6);
}

async fn history_comments_watchers_pauses_and_files_belong_to_their_ticket(db: &Db) {
    let north = building(db, "ЖК Север").await;
    let worker = add_user(db, staff("worker", "Петров Сергей")).await;
    let t = insert(db, ticket(north, "Течёт кран", None)).await;
    let (id, who) = (t.id, worker.id);
    let attachment = tickets::Attachment {
        id: uuid::Uuid::now_v7(),
        ticket_id: id.as_uuid(),
        file_name: "фото.jpg".into(),
        content_type: "image/jpeg".into(),
        size_bytes: 1234,
        sha256: "ab".repeat(32),
        has_thumbnail: true,
        stage: Some(PhotoStage::Before),
        caption: None,
        uploaded_by: Some(who),
        created_at: domovoy_store::stored_now(),
    };
    let plain = tickets::Attachment {
        id: uuid::Uuid::now_v7(),
        file_name: "акт.pdf".into(),
        content_type: "application/pdf".into(),
        has_thumbnail: false,
        stage: None,
        ..attachment.clone()
    };
    let announced = tickets::PhotoUpload {
        id: uuid::Uuid::now_v7(),
        ticket_id: id,
        user_id: who,
        stage: PhotoStage::Signature,
        caption: Some("Фёдорова А. М.".into()),
        size_bytes: 250_000,
        created_at: domovoy_store::stored_now(),
    };
    let (file, other, photo) = (attachment.clone(), plain.clone(), announced.clone());
    db.write(move |tx| {
        Box::pin(async move {
            let created =
                HistoryChange::Created { status: TicketStatus::New, assignee_id: None, source: TicketSource::Phone };
            tickets::add_history(tx, id, (Some(who), "Петров"), &created).await?;
            let sla = HistoryChange::Sla { from: SlaState::Active, to: SlaState::Warning };
            tickets::add_history(tx, id, (None, "sla"), &sla).await?;
            tickets::add_comment(tx, id, (Some(who), "Петров"), "Буду в 15:00", true).await?;
            tickets::add_comment(tx, id, (Some(who), "Петров"), "Нужен ключ от подвала", false).await?;
            tickets::watch(tx, id, who, true).await?;
            tickets::watch(tx, id, who, true).await?;
            tickets::start_pause(tx, id).await?;
            tickets::end_pause(tx, id).await?;
            tickets::add_attachment(tx, &file).await?;
            tickets::add_attachment(tx, &other).await?;
            tickets::announce_photo(tx, &photo).await?;
            tickets::announce_photo(tx, &photo).await?;
            Ok::<_, StoreError>(())
        })
    })
    .await
    .unwrap();
    let public = tickets::history(db, id, false).await.unwrap();
    assert_eq!(public.iter().map(|h| h.change.kind()).collect::<Vec<_>>(), ["created"]);
    let all = tickets::history(db, id, true).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].change, HistoryChange::Sla { from: SlaState::Active, to: SlaState::Warning });
    assert_eq!(tickets::comments(db, id, false).await.unwrap().len(), 1);
    let comments = tickets::comments(db, id, true).await.unwrap();
    assert_eq!(comments.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), ["Буду в 15:00", "Нужен ключ от подвала"]);
    assert_eq!(tickets::watchers(db, id).await.unwrap(), vec![(who, "Петров Сергей".to_owned())]);
    let pauses = tickets::pauses(db, id).await.unwrap();
    assert_eq!(pauses.len(), 1);
    assert!(pauses[0].1.is_some(), "the pause ended");
    assert_eq!(tickets::attachments(db, id).await.unwrap(), vec![attachment.clone(), plain.clone()]);
    let found = tickets::attachment(db, domovoy_domain::ids::AttachmentId::from_uuid(attachment.id)).await.unwrap();
    assert_eq!(found, attachment);
    assert_eq!(tickets::photos_of(db, &[id]).await.unwrap(), vec![attachment.clone()], "photos only");
    // An announced photo waits for its bytes; announcing it again changes
    // nothing; it is stale only after its time; removed once.
    assert_eq!(tickets::photo_upload(db, announced.id).await.unwrap(), Some(announced.clone()));
    let earlier = announced.created_at - Duration::seconds(1);
    assert!(tickets::stale_photo_uploads(db, earlier, 10).await.unwrap().is_empty());
    let later = announced.created_at + Duration::seconds(1);
    assert_eq!(tickets::stale_photo_uploads(db, later, 10).await.unwrap(), vec![announced.id]);
    let gone = announced.id;
    let removed = db
        .write(move |tx| {
            Box::pin(async move {
                Ok::<_, StoreError>((
                    tickets::remove_photo_upload(tx, gone).await?,
                    tickets::remove_photo_upload(tx, gone).await?,
                ))
            })
        })
        .await
        .unwrap();
    assert_eq!(removed.value, (true, false));
    assert_eq!(tickets::photo_upload(db, announced.id).await.unwrap(), None);
    db.write(move |tx| Box::pin(async move { tickets::watch(tx, id, who, false).await })).await.unwrap();
    assert!(tickets::watchers(db, id).await.unwrap().is_empty());
}

async fn a_resident_duplicate_and_daily_count_are_found(db: &Db) {
    let north = building(db, "ЖК Север").await;
    let resident = add_user(db, crate::helpers::resident("+79001234567", "Иванов Иван")).await;
    insert(db, ticket(north, "Не работает домофон", Some(resident.id))).await;
    let user = resident.id;
    let (same, other, count) = db
        .write(move |tx| {
            Box::pin(async move {
                let since = Utc::now() - Duration::hours(24);
                let same = tickets::has_identical(tx, user, "Не работает домофон", since).await?;
                let other = tickets::has_identical(tx, user, "Другое", since).await?;
                let count = tickets::count_created_since(tx, user, since).await?;
                Ok::<_, StoreError>((same, other, count))
            })
        })
        .await
        .unwrap()
        .value;
    assert!(same && !other);
    assert_eq!(count, 1);
}

async fn sla_due_lists_tickets_whose_clock_changes_soon(db: &Db) {
    let north = building(db, "ЖК Север").await;
    let mut soon = ticket(north, "Скоро срок", None);
    soon.sla.next_change = Some(Utc::now() + Duration::minutes(10));
    let mut later = ticket(north, "Срок не скоро", None);
    later.sla.next_change = Some(Utc::now() + Duration::days(2));
    let soon = insert(db, soon).await;
    insert(db, later).await;
    insert(db, ticket(north, "Без срока", None)).await;
    let due = tickets::sla_due(db, Utc::now() + Duration::hours(1), 100).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].0, soon.id);
}

async fn an_idempotency_key_records_one_answer(db: &Db) {
    let user = add_user(db, staff("disp", "Диспетчер")).await.id;
    let first = db
        .write(move |tx| {
            Box::pin(async move {
                let recorded = idempotency::begin(tx, user, "key-1", b"hash-a").await?;
                idempotency::finish(tx, user, "key-1", 201, &json!({ "id": 7 }));
                Ok::<_, StoreError>(recorded)
            })
        })
        .await
        .unwrap()
        .value;
    assert_eq!(first, Recorded::First);
    let again = db
        .write(move |tx| Box::pin(async move { idempotency::begin(tx, user, "key-1", b"hash-a").await }))
        .await
        .unwrap()
        .value;
    assert_eq!(again, Recorded::Answer { status: 201, body: json!({ "id": 7 }) });
    let other = db
        .write(move |tx| Box::pin(async move { idempotency::begin(tx, user, "key-1", b"hash-b").await }))
        .await
        .unwrap()
        .value;
    assert_eq!(other, Recorded::Mismatch);
    // A rolled-back request leaves its key free.
    let failed = db
        .write(move |tx| {
            Box::pin(async move {
                idempotency::begin(tx, user, "key-2", b"hash").await?;
                Err::<(), _>(StoreError::invalid("description", domovoy_domain::FieldError::Required))
            })
        })
        .await;
    assert!(failed.is_err());
    let fresh = db
        .write(move |tx| Box::pin(async move { idempotency::begin(tx, user, "key-2", b"hash").await }))
        .await
        .unwrap()
        .value;
    assert_eq!(fresh, Recorded::First);
    let pruned = db
        .write(|tx| Box::pin(async move { idempotency::prune(tx, Utc::now() + Duration::seconds(1)).await }))
        .await
        .unwrap()
        .value;
    assert_eq!(pruned, 2);
}

async fn the_classifier_is_seeded_once_and_editable(db: &Db) {
    let seeded = db.write(|tx| Box::pin(async move { classifier::ensure_seed(tx).await })).await.unwrap().value;
    assert_eq!(seeded, domovoy_domain::classifier::SEED.len());
    let again = db.write(|tx| Box::pin(async move { classifier::ensure_seed(tx).await })).await.unwrap().value;
    assert_eq!(again, 0);
    let plumbing = classifier::find_by_code(db, "plumbing").await.unwrap().unwrap();
    let leak =
        classifier::get(db, classifier::find_by_code(db, "plumbing_leak").await.unwrap().unwrap()).await.unwrap();
    assert_eq!(leak.parent_id, Some(plumbing));
    assert_eq!(leak.kind, ClassifierKind::Problem);
    let new = NewItem {
        kind: ClassifierKind::Problem,
        parent_id: Some(plumbing),
        code: "plumbing_tap".into(),
        name: "Кран".into(),
        sort_order: 5,
    };
    let item = db.write(move |tx| Box::pin(async move { classifier::insert(tx, &new).await })).await.unwrap().value;
    let id = item.id;
    let updated = db
        .write(move |tx| Box::pin(async move { classifier::update(tx, id, "Смеситель, кран", 6, false).await }))
        .await
        .unwrap()
        .value;
    assert_eq!((updated.name.as_str(), updated.sort_order, updated.active), ("Смеситель, кран", 6, false));
    let all = classifier::list(db).await.unwrap();
    assert_eq!(all.len(), domovoy_domain::classifier::SEED.len() + 1);
}

async fn the_most_specific_sla_policy_matches(db: &Db) {
    db.write(|tx| Box::pin(async move { classifier::ensure_seed(tx).await })).await.unwrap();
    let north = building(db, "ЖК Север").await;
    let plumbing = classifier::find_by_code(db, "plumbing").await.unwrap();
    let draft = |name: &str,
                 building: Option<BuildingId>,
                 category: Option<ClassifierId>,
                 priority: Option<Priority>| PolicyDraft {
        name: name.into(),
        building_id: building,
        category_id: category,
        priority,
        targets: SlaTargets { response_minutes: Some(30), resolution_minutes: Some(600), warn_percent: 75 },
        schedule: Schedule::office(),
        template: None,
    };
    let drafts = vec![
        draft("Общий", None, None, None),
        draft("Аварии", None, None, Some(Priority::Emergency)),
        draft("Сантехника", None, plumbing, None),
        draft("Сантехника в Севере", Some(north), plumbing, None),
    ];
    let ids = db
        .write(move |tx| {
            Box::pin(async move {
                let mut ids = Vec::new();
                for d in &drafts {
                    ids.push(sla::insert(tx, d).await?.id);
                }
                Ok::<_, StoreError>(ids)
            })
        })
        .await
        .unwrap()
        .value;
    let other = building(db, "ЖК Юг").await;
    let name = |p: Option<sla::SlaPolicy>| p.map(|p| p.name).unwrap_or_default();
    assert_eq!(name(sla::matching(db, north, plumbing, Priority::Normal).await.unwrap()), "Сантехника в Севере");
    assert_eq!(name(sla::matching(db, other, plumbing, Priority::Emergency).await.unwrap()), "Сантехника");
    assert_eq!(name(sla::matching(db, other, None, Priority::Emergency).await.unwrap()), "Аварии");
    assert_eq!(name(sla::matching(db, other, None, Priority::Normal).await.unwrap()), "Общий");
    let stored = sla::get(db, ids[3]).await.unwrap();
    assert_eq!(stored.schedule, Schedule::office());
    assert_eq!(stored.targets.response_minutes, Some(30));
    let gone = ids[3];
    db.write(move |tx| Box::pin(async move { sla::delete(tx, gone).await })).await.unwrap();
    assert_eq!(name(sla::matching(db, north, plumbing, Priority::Normal).await.unwrap()), "Сантехника");
    assert_eq!(sla::list(db).await.unwrap().len(), 3);
}

async fn calendar_days_are_added_once_and_removed(db: &Db) {
    let day = |d: u32, kind| CalendarDay {
        date: NaiveDate::from_ymd_opt(2028, 1, d).unwrap(),
        kind,
        note: format!("день {d}"),
    };
    let days = vec![day(1, DayKind::Holiday), day(2, DayKind::Holiday)];
    let copy = days.clone();
    assert_eq!(
        db.write(move |tx| Box::pin(async move { sla::add_calendar_days(tx, &copy).await })).await.unwrap().value,
        2
    );
    let more = vec![day(2, DayKind::Holiday), day(3, DayKind::Short)];
    assert_eq!(
        db.write(move |tx| Box::pin(async move { sla::add_calendar_days(tx, &more).await })).await.unwrap().value,
        1
    );
    assert_eq!(sla::calendar_days(db).await.unwrap().len(), 3);
    let calendar = sla::production_calendar(db).await.unwrap();
    assert!(!calendar.is_working_day(NaiveDate::from_ymd_opt(2028, 1, 2).unwrap()));
    assert!(calendar.is_short_day(NaiveDate::from_ymd_opt(2028, 1, 3).unwrap()));
    let date = NaiveDate::from_ymd_opt(2028, 1, 2).unwrap();
    assert_eq!(
        db.write(move |tx| Box::pin(async move { sla::remove_calendar_day(tx, date).await })).await.unwrap().value,
        1
    );
    assert_eq!(sla::calendar_days(db).await.unwrap().len(), 2);
}

async fn grant(db: &Db, user: &User, template: RoleTemplate, scope: GrantScope) {
    let id = user.id;
    db.write(move |tx| {
        Box::pin(async move {
            roles::ensure_templates(tx).await?;
            let role = roles::find_by_template(&mut *tx, template).await?.ok_or(StoreError::NotFound)?;
            assignments::grant(tx, id, role, scope).await
        })
    })
    .await
    .unwrap();
}

async fn teams_take_turns_and_rules_pick_the_most_specific(db: &Db) {
    db.write(|tx| Box::pin(async move { classifier::ensure_seed(tx).await })).await.unwrap();
    let north = building(db, "ЖК Север").await;
    let south = building(db, "ЖК Юг").await;
    let a = add_user(db, staff("a-tech", "Алексеев")).await;
    let b = add_user(db, staff("b-tech", "Борисов")).await;
    let c = add_user(db, staff("c-tech", "Васильев")).await;
    grant(db, &a, RoleTemplate::Technician, GrantScope::AllBuildings).await;
    grant(db, &b, RoleTemplate::Technician, GrantScope::Building(north)).await;
    grant(db, &c, RoleTemplate::Dispatcher, GrantScope::AllBuildings).await;
    let holders = assignments::holders(db, Permission::TicketsTransition).await.unwrap();
    let names: Vec<&str> = holders.iter().map(|h| h.display_name.as_str()).collect();
    assert_eq!(names, ["Алексеев", "Борисов", "Васильев"]);
    assert!(holders[1].reaches(north) && !holders[1].reaches(south));
    let plumbing = classifier::find_by_code(db, "plumbing").await.unwrap();
    let ids = vec![a.id, b.id];
    let (team, special) = db
        .write(move |tx| {
            Box::pin(async move {
                let team = teams::create(tx, "Сантехники", None, &ids).await?;
                teams::add_rule(tx, None, plumbing, Assignee::Team(team)).await?;
                let special = teams::add_rule(tx, Some(south), plumbing, Assignee::User(ids[0])).await?;
                Ok::<_, StoreError>((team, special))
            })
        })
        .await
        .unwrap()
        .value;
    let duplicate = db.write(|tx| Box::pin(async move { teams::create(tx, "Сантехники", None, &[]).await })).await;
    assert!(matches!(duplicate, Err(StoreError::Invalid { field: "name", .. })), "{duplicate:?}");
    let pick = |building: BuildingId, category: Option<ClassifierId>| async move {
        db.write(move |tx| Box::pin(async move { teams::pick(tx, building, category).await })).await.unwrap().value
    };
    let first = pick(north, plumbing).await.unwrap();
    let second = pick(north, plumbing).await.unwrap();
    let third = pick(north, plumbing).await.unwrap();
    assert_eq!(first.1, Some(team));
    assert_ne!(first.0, second.0, "members take turns");
    assert_eq!(first.0, third.0);
    assert_eq!(pick(south, plumbing).await, Some((Some(a.id), None)), "the building's own rule wins");
    assert_eq!(pick(north, None).await, None, "no rule for tickets without a category");
    let listed = teams::list(db).await.unwrap();
    assert_eq!(listed[0].members.len(), 2);
    db.write(move |tx| {
        Box::pin(async move {
            teams::set_members(tx, team, &[]).await?;
            teams::delete_rule(tx, special).await
        })
    })
    .await
    .unwrap();
    assert_eq!(pick(north, plumbing).await, Some((None, Some(team))), "an empty team still owns the ticket");
    assert_eq!(teams::rules(db).await.unwrap().len(), 1);
    let names = users::names(db, &[a.id, c.id]).await.unwrap();
    assert_eq!(names.len(), 2);
    assert_eq!(names[&c.id], "Васильев");
}

/// Intake reads building, rule and policy in one statement; it agrees with
/// `sla::matching` and `teams::pick`, takes a team's turn, and finds no
/// unknown building.
async fn the_intake_context_agrees_with_the_rule_and_the_policy(db: &Db) {
    db.write(|tx| Box::pin(async move { classifier::ensure_seed(tx).await })).await.unwrap();
    let north = building(db, "ЖК Север").await;
    let south = building(db, "ЖК Юг").await;
    let plumbing = classifier::find_by_code(db, "plumbing").await.unwrap();
    let a = add_user(db, staff("a-tech", "Алексеев")).await.id;
    let b = add_user(db, staff("b-tech", "Борисов")).await.id;
    let team = db
        .write(move |tx| {
            Box::pin(async move {
                let team = teams::create(tx, "Сантехники", None, &[a, b]).await?;
                teams::add_rule(tx, Some(north), plumbing, Assignee::Team(team)).await?;
                teams::add_rule(tx, None, None, Assignee::User(a)).await?;
                let policy = |name: &str, category, priority| PolicyDraft {
                    name: name.into(),
                    building_id: None,
                    category_id: category,
                    priority,
                    targets: SlaTargets { response_minutes: Some(30), resolution_minutes: Some(600), warn_percent: 75 },
                    schedule: Schedule::office(),
                    template: None,
                };
                sla::insert(tx, &policy("Сантехника", plumbing, None)).await?;
                sla::insert(tx, &policy("Аварии", None, Some(Priority::Emergency))).await?;
                Ok::<_, StoreError>(team)
            })
        })
        .await
        .unwrap()
        .value;
    let context = |building: BuildingId, category: Option<ClassifierId>, priority: Priority| async move {
        db.write(move |tx| Box::pin(async move { intake::context(tx, building, category, priority).await }))
            .await
            .unwrap()
            .value
    };
    for (building, category, priority) in [
        (north, plumbing, Priority::Normal),
        (south, plumbing, Priority::Emergency),
        (south, None, Priority::Emergency),
        (south, None, Priority::Normal),
    ] {
        let found = context(building, category, priority).await.expect("the building exists");
        let expected = sla::matching(db, building, category, priority).await.unwrap();
        assert_eq!(found.policy, expected, "{category:?} {priority:?}");
        assert_eq!(found.time_zone.to_string(), "Europe/Moscow");
    }
    assert_eq!(context(south, None, Priority::Normal).await.unwrap().policy, None);
    // The team's members take turns; elsewhere the company-wide rule.
    let first = context(north, plumbing, Priority::Normal).await.unwrap().assigned.unwrap();
    let second = context(north, plumbing, Priority::Normal).await.unwrap().assigned.unwrap();
    assert_eq!((first.1, second.1), (Some(team), Some(team)));
    assert_ne!(first.0, second.0, "members take turns");
    assert_eq!(context(south, plumbing, Priority::Normal).await.unwrap().assigned, Some((Some(a), None)));
    assert!(context(BuildingId::new(), None, Priority::Normal).await.is_none(), "no such building");
}

async fn saved_filters_are_per_user_and_replace_by_name(db: &Db) {
    let one = add_user(db, staff("one", "Первый")).await.id;
    let two = add_user(db, staff("two", "Второй")).await.id;
    db.write(move |tx| {
        Box::pin(async move {
            saved_filters::save(tx, one, "Мои аварии", "priority=emergency&assignee=me").await?;
            saved_filters::save(tx, one, "Мои аварии", "priority=emergency").await?;
            saved_filters::save(tx, two, "Всё", "").await
        })
    })
    .await
    .unwrap();
    let mine = saved_filters::list(db, one).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].query, "priority=emergency");
    let id = mine[0].id;
    let foreign = db.write(move |tx| Box::pin(async move { saved_filters::delete(tx, two, id).await })).await;
    assert!(matches!(foreign, Err(StoreError::NotFound)));
    db.write(move |tx| Box::pin(async move { saved_filters::delete(tx, one, id).await })).await.unwrap();
    assert!(saved_filters::list(db, one).await.unwrap().is_empty());
    assert_eq!(saved_filters::list(db, two).await.unwrap().len(), 1);
}

domovoy_store::backend_tests!(
    numbers_count_per_year_and_saves_detect_conflicts,
    intake_numbering_gives_concurrent_intakes_distinct_numbers,
    the_board_query_filters_sorts_and_pages,
    history_comments_watchers_pauses_and_files_belong_to_their_ticket,
    a_resident_duplicate_and_daily_count_are_found,
    sla_due_lists_tickets_whose_clock_changes_soon,
    an_idempotency_key_records_one_answer,
    the_classifier_is_seeded_once_and_editable,
    the_most_specific_sla_policy_matches,
    calendar_days_are_added_once_and_removed,
    teams_take_turns_and_rules_pick_the_most_specific,
    the_intake_context_agrees_with_the_rule_and_the_policy,
    saved_filters_are_per_user_and_replace_by_name,
);
