//! The guard desk's demo: passes of every kind in the tower (the guard's
//! building), two visitors on site now, one pass that expired yesterday,
//! a blocklist entry, and the demo resident's family car.

use chrono::{Duration, NaiveTime, Utc};
use rand::Rng as _;

use domovoy_domain::contact::Phone;
use domovoy_domain::ids::{BuildingId, UserId};
use domovoy_domain::pass::{PassKind, PassStatus, Pin, Plate, Validity, WeeklySchedule};
use domovoy_store::passes::{self, NewPass};
use domovoy_store::{Db, StoreError, clients};

/// One demo pass: kind, visitor, plate, for the resident's flat or not,
/// validity, and whether the visitor is on site.
struct DemoPass {
    kind: PassKind,
    visitor: &'static str,
    plate: Option<&'static str>,
    vehicle: &'static str,
    company: &'static str,
    work: &'static str,
    for_resident: bool,
    validity: fn(chrono::DateTime<Utc>) -> Validity,
    on_site: bool,
}

/// Monday to Friday, 8:00 to 19:00.
fn weekdays() -> WeeklySchedule {
    let at = |hour| NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or_default();
    WeeklySchedule { days: 0b1_1111, from: at(8), until: at(19) }
}

const PASSES: [DemoPass; 7] = [
    DemoPass {
        kind: PassKind::Vehicle,
        visitor: "Иванова Мария Сергеевна",
        plate: Some("Е245КХ750"),
        vehicle: "Toyota RAV4, белая",
        company: "",
        work: "",
        for_resident: true,
        validity: |now| Validity::Permanent { from: now - Duration::days(200) },
        on_site: false,
    },
    DemoPass {
        kind: PassKind::Guest,
        visitor: "Смирнов Дмитрий Алексеевич",
        plate: None,
        vehicle: "",
        company: "",
        work: "",
        for_resident: true,
        validity: |now| Validity::Once { from: now - Duration::hours(1), until: now + Duration::hours(10) },
        on_site: false,
    },
    DemoPass {
        kind: PassKind::Permanent,
        visitor: "Ахмедова Зарина (няня)",
        plate: None,
        vehicle: "",
        company: "",
        work: "",
        for_resident: true,
        validity: |now| Validity::Weekly { from: now - Duration::days(60), until: None, schedule: weekdays() },
        on_site: false,
    },
    DemoPass {
        kind: PassKind::Contractor,
        visitor: "Кузнецов Павел Игоревич",
        plate: Some("Т318ОР77"),
        vehicle: "ГАЗель, синяя",
        company: "ООО «ЛифтСервис»",
        work: "Плановое ТО лифтов, подъезды 1–4",
        for_resident: false,
        validity: |now| Validity::Period { from: now - Duration::hours(3), until: now + Duration::days(7) },
        on_site: true,
    },
    DemoPass {
        kind: PassKind::Delivery,
        visitor: "Курьер «Самокат»",
        plate: None,
        vehicle: "",
        company: "",
        work: "",
        for_resident: false,
        validity: |now| Validity::Once { from: now - Duration::minutes(30), until: now + Duration::hours(2) },
        on_site: true,
    },
    DemoPass {
        kind: PassKind::Guest,
        visitor: "Орлов Николай Викторович",
        plate: None,
        vehicle: "",
        company: "",
        work: "",
        for_resident: true,
        validity: |now| Validity::Once { from: now - Duration::days(2), until: now - Duration::days(1) },
        on_site: false,
    },
    DemoPass {
        kind: PassKind::Vehicle,
        visitor: "Громов Виталий",
        plate: Some("М666ММ77"),
        vehicle: "BMW X5, чёрный",
        company: "",
        work: "",
        for_resident: false,
        validity: |now| Validity::Once { from: now - Duration::hours(1), until: now + Duration::hours(5) },
        on_site: false,
    },
];

/// Seeds the desk of `tower`; `resident` is the demo resident of flat 45
/// there and `guard` marks the arrivals.
pub async fn seed_passes(db: &Db, tower: BuildingId, resident: UserId, guard: UserId) -> anyhow::Result<()> {
    let client = clients::find_by_user(db, resident).await?;
    let unit = match client {
        Some(client) => clients::links(db, client).await?.into_iter().find(|l| l.unit.building_id == tower),
        None => None,
    }
    .map(|l| l.unit.id);
    db.write(move |tx| {
        Box::pin(async move {
            let now = tx.now();
            for demo in &PASSES {
                let validity = (demo.validity)(now);
                let expired = validity.until().is_some_and(|until| until <= now);
                // Nobody knows a secret behind this: the demo's links do not open.
                let link_hash: [u8; 32] = rand::rng().random();
                let new = NewPass {
                    building_id: tower,
                    unit_id: if demo.for_resident { unit } else { None },
                    host_client_id: if demo.for_resident { client } else { None },
                    host_user_id: demo.for_resident.then_some(resident),
                    kind: demo.kind,
                    status: if expired { PassStatus::Expired } else { PassStatus::Active },
                    visitor_name: demo.visitor.to_owned(),
                    visitor_phone: Phone::parse("+7 926 410-22-81").ok().filter(|_| demo.for_resident),
                    plate: demo.plate.and_then(|p| Plate::parse(p).ok()),
                    vehicle: demo.vehicle.to_owned(),
                    parking_space: String::new(),
                    company: demo.company.to_owned(),
                    work: demo.work.to_owned(),
                    ticket_id: None,
                    validity,
                    pin: Pin::from_number(rand::rng().random_range(0..1_000_000)),
                    link_hash: link_hash.to_vec(),
                    note: String::new(),
                    issued_by: None,
                };
                let pass = passes::insert(tx, &new).await?;
                if demo.on_site {
                    passes::arrive(tx, pass.id, Some(guard), None).await?;
                }
            }
            let names = ["Громов Виталий".to_owned(), "Виталик".to_owned()];
            let plates = [Plate::parse("М666ММ77").map_err(|e| StoreError::invalid("plate", e))?];
            let reason = "Угрозы консьержу, решение совета дома от 12.10.2026";
            passes::add_blocked(tx, Some(tower), &names, &[], &plates, reason, None).await?;
            Ok::<_, StoreError>(())
        })
    })
    .await?;
    Ok(())
}
