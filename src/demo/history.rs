//! The demo's ticket routing and its past: teams, assignment rules, SLA
//! policies, and a year of tickets that went through the whole workflow.
//!
//! The history is generated, deterministically (a fixed seed), from what a
//! dispatch service of three buildings sees: mostly plumbing, electrics and
//! lifts, more in the heating season, few at night; most tickets closed in
//! time, some late, a few rejected or cancelled; most residents rate the
//! work well, some poorly. Tickets of the last days are still open, in
//! every status, so the board has live work with deadlines near.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use chrono::{DateTime, Datelike, Duration, TimeZone as _, Timelike, Utc};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};

use domovoy_domain::building::BuildingKind;
use domovoy_domain::completion::Requirements;
use domovoy_domain::contact::Phone;
use domovoy_domain::ids::{BuildingId, ClassifierId, ClientId, TicketId, UnitId, UserId};
use domovoy_domain::layout::{SectionKind, UnitKind};
use domovoy_domain::sla::{
    CalendarDay, ProductionCalendar, RUSSIAN_CALENDAR, SLA_TEMPLATES, Schedule, SlaTargets, parse_calendar,
};
use domovoy_domain::ticket::{
    Description, HistoryChange, HoldReason, Priority, Rating, Ticket, TicketNumber, TicketParts, TicketSla,
    TicketSource, TicketStatus,
};
use domovoy_store::classifier::ClassifierItem;
use domovoy_store::sla::PolicyDraft;
use domovoy_store::teams::Assignee;
use domovoy_store::{
    Db, StoreError, StoreResult, WriteTx, buildings, classifier, clients, completion, layout, sla, teams, tickets,
    users,
};

/// Seeds the classifier, the calendar, teams, assignment rules and SLA
/// policies (the regulated templates and the company's own).
/// The demo's checklists: category, items, whether the resident signs.
const DEMO_CHECKLISTS: &[(&str, &[&str], bool)] = &[
    (
        "gas",
        &[
            "Перекрыт кран на опуске",
            "Соединения проверены мыльным раствором, утечки нет",
            "Жильцу объяснены правила пользования газом",
        ],
        true,
    ),
    (
        "lift",
        &[
            "Лифт отключён на время работ, вывешена табличка",
            "Двери шахты проверены на всех этажах",
            "Пробный пуск без замечаний",
        ],
        false,
    ),
];

pub(super) async fn seed_routing(tx: &mut WriteTx, staff: &HashMap<&str, UserId>) -> StoreResult<()> {
    classifier::ensure_seed(tx).await?;
    if sla::calendar_days(&mut *tx).await?.is_empty() {
        let days = parse_calendar(RUSSIAN_CALENDAR).map_err(|(line, error)| {
            tracing::error!(line, "the built-in calendar is invalid");
            StoreError::invalid("calendar", error)
        })?;
        sla::add_calendar_days(tx, &days).await?;
    }
    let person = |login: &str| staff.get(login).copied().ok_or(StoreError::NotFound);
    let (technician, plumber, electrician) = (person("technician")?, person("plumber")?, person("electrician")?);
    let plumbers = teams::create(tx, "Сантехники", None, &[plumber, technician]).await?;
    let electricians = teams::create(tx, "Электрики", None, &[electrician, technician]).await?;
    let everyone = teams::create(tx, "Дежурная смена", None, &[technician, plumber, electrician]).await?;
    for (category, team) in [
        ("plumbing", plumbers),
        ("sewer", plumbers),
        ("heating", plumbers),
        ("electric", electricians),
        ("intercom", electricians),
        ("lift", electricians),
        ("roof", everyone),
        ("doors", everyone),
        ("landscaping", everyone),
        ("cleaning", everyone),
    ] {
        let id = classifier::find_by_code(&mut *tx, category).await?;
        teams::add_rule(tx, None, id, Assignee::Team(team)).await?;
    }
    // Tickets without a category, and complaints, billing and the like,
    // wait for the dispatcher to triage them: no rule covers them.

    // What the technician ticks on site before done, as a company would
    // ask it for gas and lifts (gas also wants the resident's signature).
    for (category, items, signature) in DEMO_CHECKLISTS {
        let Some(id) = classifier::find_by_code(&mut *tx, category).await? else { continue };
        let asked = Requirements::parse(items, *signature).map_err(|e| StoreError::invalid("checklist", e))?;
        completion::set(tx, id, &asked).await?;
    }

    for template in SLA_TEMPLATES {
        let category = classifier::find_by_code(&mut *tx, template.category).await?;
        let draft = PolicyDraft {
            name: template.name.chars().take(120).collect(),
            building_id: None,
            category_id: category,
            priority: Some(template.priority),
            targets: SlaTargets {
                response_minutes: template.response_minutes,
                resolution_minutes: template.resolution_minutes,
                warn_percent: 75,
            },
            schedule: if template.around_the_clock { Schedule::AroundTheClock } else { Schedule::office() },
            template: Some(template.code.to_owned()),
        };
        sla::insert(tx, &draft).await?;
    }
    let own: [(&str, Priority, Option<i64>, i64, Schedule); 3] = [
        (
            "Аварийная заявка: реакция 30 минут, устранение за сутки",
            Priority::Emergency,
            Some(30),
            24 * 60,
            Schedule::AroundTheClock,
        ),
        (
            "Срочная заявка: реакция 1 час, решение за 8 часов",
            Priority::High,
            Some(60),
            8 * 60,
            Schedule::AroundTheClock,
        ),
        (
            "Обычная заявка: реакция 2 рабочих часа, решение за 3 рабочих дня",
            Priority::Normal,
            Some(120),
            3 * 9 * 60,
            Schedule::office(),
        ),
    ];
    for (name, priority, response, resolution, schedule) in own {
        let draft = PolicyDraft {
            name: name.to_owned(),
            building_id: None,
            category_id: None,
            priority: Some(priority),
            targets: SlaTargets { response_minutes: response, resolution_minutes: Some(resolution), warn_percent: 75 },
            schedule,
            template: None,
        };
        sla::insert(tx, &draft).await?;
    }
    Ok(())
}

/// What a demo ticket is about: category, problem, how urgent it usually is,
/// and what people say.
struct Scenario {
    category: &'static str,
    problem: Option<&'static str>,
    place: &'static str,
    /// Relative frequency.
    weight: u32,
    /// Chance of being an emergency, and of being urgent.
    emergency: f64,
    high: f64,
    texts: &'static [&'static str],
    /// More frequent in the heating season (October–April).
    winter: bool,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        category: "plumbing",
        problem: Some("plumbing_leak"),
        place: "place_unit",
        weight: 14,
        emergency: 0.3,
        high: 0.4,
        texts: &[
            "Течёт вода с потолка в ванной, соседи сверху не открывают",
            "Капает из-под раковины на кухне, подставили таз",
            "Протечка на стояке в туалете, мокрое пятно растёт",
            "Вода на полу в коридоре, откуда — непонятно",
        ],
        winter: false,
    },
    Scenario {
        category: "plumbing",
        problem: Some("plumbing_no_hot"),
        place: "place_unit",
        weight: 8,
        emergency: 0.0,
        high: 0.5,
        texts: &[
            "Нет горячей воды с утра",
            "Горячая вода еле тёплая уже второй день",
            "Из крана горячей воды идёт холодная",
        ],
        winter: false,
    },
    Scenario {
        category: "plumbing",
        problem: Some("plumbing_meter"),
        place: "place_unit",
        weight: 5,
        emergency: 0.0,
        high: 0.0,
        texts: &["Нужно опломбировать новый счётчик воды", "Прошу заменить счётчик холодной воды, истёк срок поверки"],
        winter: false,
    },
    Scenario {
        category: "sewer",
        problem: Some("sewer_blockage"),
        place: "place_unit",
        weight: 7,
        emergency: 0.0,
        high: 0.9,
        texts: &[
            "Засор канализации, вода в ванной не уходит",
            "Забился стояк, на первом этаже поднимается вода из унитаза",
        ],
        winter: false,
    },
    Scenario {
        category: "heating",
        problem: Some("heating_cold"),
        place: "place_unit",
        weight: 9,
        emergency: 0.1,
        high: 0.4,
        texts: &["Холодные батареи в детской", "В квартире +17, батареи едва тёплые", "Не греет полотенцесушитель"],
        winter: true,
    },
    Scenario {
        category: "heating",
        problem: Some("heating_airlock"),
        place: "place_unit",
        weight: 4,
        emergency: 0.0,
        high: 0.1,
        texts: &["Завоздушило батарею, нужно стравить воздух", "Батарея журчит и греет только сверху"],
        winter: true,
    },
    Scenario {
        category: "electric",
        problem: Some("electric_lighting"),
        place: "place_common",
        weight: 10,
        emergency: 0.0,
        high: 0.1,
        texts: &["Не горит свет на лестничной площадке", "Мигает лампа в лифтовом холле", "Темно у входа в подъезд"],
        winter: true,
    },
    Scenario {
        category: "electric",
        problem: Some("electric_no_power"),
        place: "place_unit",
        weight: 4,
        emergency: 0.5,
        high: 0.4,
        texts: &["Пропало электричество в квартире, у соседей есть", "Выбивает автомат в щитке на этаже"],
        winter: false,
    },
    Scenario {
        category: "lift",
        problem: Some("lift_stopped"),
        place: "place_lift",
        weight: 7,
        emergency: 0.1,
        high: 0.8,
        texts: &["Не работает грузовой лифт во втором подъезде", "Лифт стоит на 7 этаже, не реагирует на вызов"],
        winter: false,
    },
    Scenario {
        category: "lift",
        problem: Some("lift_stuck"),
        place: "place_lift",
        weight: 1,
        emergency: 1.0,
        high: 0.0,
        texts: &["Застряли в лифте между 3 и 4 этажом, двое взрослых и ребёнок"],
        winter: false,
    },
    Scenario {
        category: "intercom",
        problem: Some("intercom_broken"),
        place: "place_common",
        weight: 5,
        emergency: 0.0,
        high: 0.1,
        texts: &["Не работает домофон, не слышно гостей", "Трубка домофона не открывает дверь"],
        winter: false,
    },
    Scenario {
        category: "intercom",
        problem: Some("intercom_key"),
        place: "place_common",
        weight: 4,
        emergency: 0.0,
        high: 0.0,
        texts: &["Нужен ещё один ключ-брелок", "Потерял брелок, прошу заблокировать"],
        winter: false,
    },
    Scenario {
        category: "cleaning",
        problem: Some("cleaning_entrance"),
        place: "place_common",
        weight: 6,
        emergency: 0.0,
        high: 0.0,
        texts: &["Не моют лестницу уже неделю", "Грязно в холле после ремонта в соседней квартире"],
        winter: false,
    },
    Scenario {
        category: "cleaning",
        problem: Some("cleaning_waste"),
        place: "place_yard",
        weight: 4,
        emergency: 0.0,
        high: 0.3,
        texts: &["Контейнерная площадка переполнена", "Не вывезли крупногабаритный мусор"],
        winter: false,
    },
    Scenario {
        category: "landscaping",
        problem: Some("landscaping_snow"),
        place: "place_yard",
        weight: 5,
        emergency: 0.0,
        high: 0.4,
        texts: &["Наледь на крыльце, люди падают", "Не чищен снег на парковке", "Сосульки над входом в подъезд"],
        winter: true,
    },
    Scenario {
        category: "landscaping",
        problem: Some("landscaping_playground"),
        place: "place_yard",
        weight: 2,
        emergency: 0.0,
        high: 0.0,
        texts: &["Сломаны качели на детской площадке"],
        winter: false,
    },
    Scenario {
        category: "roof",
        problem: Some("roof_leak"),
        place: "place_roof",
        weight: 2,
        emergency: 0.0,
        high: 0.8,
        texts: &["После дождя течёт с потолка на последнем этаже"],
        winter: false,
    },
    Scenario {
        category: "doors",
        problem: Some("doors_entrance"),
        place: "place_common",
        weight: 4,
        emergency: 0.0,
        high: 0.2,
        texts: &["Входная дверь подъезда не закрывается", "Доводчик на двери сломан, дверь хлопает"],
        winter: false,
    },
    Scenario {
        category: "gas",
        problem: Some("gas_smell"),
        place: "place_common",
        weight: 1,
        emergency: 1.0,
        high: 0.0,
        texts: &["Запах газа на лестничной клетке 5 этажа"],
        winter: false,
    },
    Scenario {
        category: "noise",
        problem: None,
        place: "place_unit",
        weight: 3,
        emergency: 0.0,
        high: 0.0,
        texts: &["Соседи сверлят в воскресенье с утра", "Шумная компания в квартире сверху по ночам"],
        winter: false,
    },
    Scenario {
        category: "billing",
        problem: None,
        place: "place_unit",
        weight: 3,
        emergency: 0.0,
        high: 0.0,
        texts: &["Прошу пересчитать начисления за отопление", "Не пришла квитанция за прошлый месяц"],
        winter: false,
    },
];

const CALLERS: &[&str] = &[
    "Иванов Иван",
    "Петрова Светлана",
    "Сидоров Алексей",
    "Кузьмина Ольга",
    "Григорьев Николай",
    "Васильева Наталья",
    "Зайцев Артём",
    "Павлова Екатерина",
    "Семёнов Денис",
    "Голубева Ирина",
    "Виноградов Максим",
    "Богданова Юлия",
];

const PUBLIC_REPLIES: &[&str] = &[
    "Мастер будет сегодня до 18:00, просьба обеспечить доступ",
    "Перекрыли стояк, ремонт после обеда",
    "Заказали деталь, поставим в течение двух дней",
    "Проверили, всё работает. Если повторится — сообщите",
];

const INTERNAL_NOTES: &[&str] = &[
    "Повторная заявка по этому стояку за месяц — нужен плановый ремонт",
    "Жилец просит звонить после 19:00",
    "Запчасть есть на складе в БЦ",
    "Подрядчик обещал до конца недели",
];

/// Everything the generator needs to know about the installation.
struct World {
    buildings: Vec<BuildingId>,
    items: HashMap<String, ClassifierItem>,
    dispatcher: (UserId, String),
    residents: Vec<(UserId, String, String)>,
    staff_names: HashMap<UserId, String>,
    calendar: Arc<ProductionCalendar>,
    /// Per building, its apartments and offices: id, title ("кв. 45") and
    /// the client to put on a ticket about it.
    units: HashMap<BuildingId, Vec<DemoUnit>>,
    /// The demo residents' own homes.
    homes: HashMap<UserId, DemoUnit>,
    /// Per building, what it is and its common areas: where a stairwell or a
    /// lift problem can be («подъезд 2, 5 этаж», «корп. 3, 2 этаж»).
    kinds: HashMap<BuildingId, BuildingKind>,
    common: HashMap<BuildingId, Vec<CommonArea>>,
}

/// A section of a building above ground, for locations in common areas.
#[derive(Debug, Clone)]
struct CommonArea {
    /// «подъезд 2», «корп. 3», or nothing in a single-wing building.
    section: Option<String>,
    floors: std::ops::RangeInclusive<i32>,
}

impl CommonArea {
    fn location(&self, rng: &mut StdRng) -> String {
        let floor = rng.random_range(self.floors.clone());
        match &self.section {
            Some(section) => format!("{section}, {floor} этаж"),
            None => format!("{floor} этаж"),
        }
    }
}

/// What a building's people can write about.
#[derive(Debug, Clone, Copy)]
struct Fit {
    /// A business centre: tenants do not write about flats, children's
    /// rooms, bathrooms and neighbours at night.
    offices: bool,
    /// Houses under six storeys have no lifts.
    lifts: bool,
}

impl Fit {
    fn of(world: &World, building: BuildingId) -> Self {
        let tallest =
            world.common.get(&building).and_then(|areas| areas.iter().map(|a| *a.floors.end()).max()).unwrap_or(0);
        Self {
            offices: world.kinds.get(&building).is_some_and(|k| *k == BuildingKind::BusinessCentre),
            lifts: tallest >= 6,
        }
    }

    fn allows(self, text: &str) -> bool {
        let lower = text.to_lowercase();
        let flats = ["квартир", "детской", "ванн", "полотенцесушител", "унитаз", "соседи"];
        !(self.offices && flats.iter().any(|w| lower.contains(w))) && (self.lifts || !lower.contains("лифт"))
    }
}

/// The share of app and web-cabinet requests filed by the demo's own
/// resident accounts (the rest come by phone): each of them files one every
/// week or two, not hundreds a year.
const DEMO_RESIDENT_SHARE: f64 = 0.04;

#[derive(Debug, Clone)]
struct DemoUnit {
    building: BuildingId,
    id: UnitId,
    title: String,
    client: Option<(ClientId, String, Option<String>)>,
}

impl World {
    fn item(&self, code: &str) -> Option<ClassifierId> {
        self.items.get(code).map(|i| i.id)
    }

    fn name(&self, user: Option<UserId>) -> String {
        user.and_then(|u| self.staff_names.get(&u).cloned()).unwrap_or_default()
    }
}

async fn load_world(db: &Db) -> anyhow::Result<World> {
    let items = classifier::list(db).await?.into_iter().map(|i| (i.code.clone(), i)).collect();
    let mut staff_names = HashMap::new();
    let mut dispatcher = None;
    let mut residents = Vec::new();
    let filter = users::UserFilter { limit: 1000, ..users::UserFilter::default() };
    for user in users::list(db, &filter).await? {
        staff_names.insert(user.id, user.display_name.to_string());
        match user.login.as_str() {
            "dispatcher" => dispatcher = Some((user.id, user.display_name.to_string())),
            _ if user.phone.is_some() => residents.push((
                user.id,
                user.display_name.to_string(),
                user.phone.as_ref().map(|p| p.e164().to_owned()).unwrap_or_default(),
            )),
            _ => {}
        }
    }
    let days: Vec<CalendarDay> = sla::calendar_days(db).await?;
    let all_buildings = buildings::list(db).await?;
    let building_ids: Vec<BuildingId> = all_buildings.iter().map(|b| b.id).collect();
    let kinds = all_buildings.iter().map(|b| (b.id, b.kind)).collect();
    let mut units = HashMap::new();
    let mut homes = HashMap::new();
    let mut common = HashMap::new();
    for building in &building_ids {
        let contacts = clients::unit_contacts(db, *building).await?;
        let stored = layout::load(db, *building).await?;
        let wings = stored.sections.iter().filter(|s| s.kind == SectionKind::Wing).count();
        let areas: Vec<CommonArea> = stored
            .sections
            .iter()
            .filter(|s| s.kind != SectionKind::Parking)
            .filter_map(|s| {
                let lowest = s.floors.iter().map(|f| f.number).filter(|n| *n > 0).min()?;
                let highest = s.floors.iter().map(|f| f.number).max()?;
                let section = match s.kind {
                    SectionKind::Entrance => Some(format!("подъезд {}", s.name)),
                    SectionKind::Wing if wings > 1 => Some(format!("корп. {}", s.name)),
                    _ => None,
                };
                Some(CommonArea { section, floors: lowest..=highest })
            })
            .collect();
        common.insert(*building, areas);
        let list: Vec<DemoUnit> = stored
            .units()
            .filter(|u| matches!(u.kind, UnitKind::Apartment | UnitKind::Office))
            .map(|u| DemoUnit { building: *building, id: u.id, title: u.title(), client: contacts.get(&u.id).cloned() })
            .collect();
        for unit in &list {
            if let Some((client, ..)) = &unit.client
                && let Some(user) = clients::get(db, *client).await?.card.user_id
            {
                homes.insert(user, unit.clone());
            }
        }
        units.insert(*building, list);
    }
    Ok(World {
        units,
        homes,
        kinds,
        common,
        buildings: building_ids,
        items,
        dispatcher: dispatcher.context("the demo dispatcher is missing")?,
        residents,
        staff_names,
        calendar: Arc::new(ProductionCalendar::new(&days)),
    })
}

/// How a generated ticket's life went.
struct Life {
    responded: Option<DateTime<Utc>>,
    resolved: Option<DateTime<Utc>>,
    closed: Option<DateTime<Utc>>,
    status: TicketStatus,
    hold: Option<(HoldReason, DateTime<Utc>)>,
    rating: Option<u8>,
    end_reason: Option<&'static str>,
}

fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// Decides what happened to a ticket created at `created`, as seen `now`.
fn live(rng: &mut StdRng, priority: Priority, created: DateTime<Utc>, now: DateTime<Utc>) -> Life {
    let slow = rng.random_bool(0.12);
    let response = match priority {
        Priority::Emergency => rng.random_range(3..25),
        Priority::High => rng.random_range(10..if slow { 150 } else { 55 }),
        Priority::Normal => rng.random_range(15..if slow { 600 } else { 150 }),
    };
    let work = match priority {
        Priority::Emergency => rng.random_range(40..if slow { 1800 } else { 600 }),
        Priority::High => rng.random_range(60..if slow { 1200 } else { 420 }),
        Priority::Normal => rng.random_range(120..if slow { 9000 } else { 3000 }),
    };
    let responded = created + minutes(response);
    let resolved = responded + minutes(work);
    let mut life = Life {
        responded: Some(responded).filter(|r| *r <= now),
        resolved: None,
        closed: None,
        status: TicketStatus::New,
        hold: None,
        rating: None,
        end_reason: None,
    };
    if rng.random_bool(0.03) {
        life.status = TicketStatus::Cancelled;
        life.end_reason = Some("Жилец решил вопрос сам");
        life.closed = Some((created + minutes(response / 2 + 1)).min(now));
        life.responded = None;
        return life;
    }
    if rng.random_bool(0.02) {
        life.status = TicketStatus::Rejected;
        life.end_reason = Some("Не относится к общему имуществу: ремонт внутри квартиры за счёт собственника");
        life.closed = Some(responded.min(now));
        return life;
    }
    if resolved <= now {
        life.resolved = Some(resolved);
        let confirm = resolved + minutes(rng.random_range(30..4000));
        if confirm <= now {
            life.status = TicketStatus::Closed;
            life.closed = Some(confirm);
            if rng.random_bool(0.65) {
                let roll: f64 = rng.random();
                life.rating = Some(match roll {
                    r if r < 0.04 => 1,
                    r if r < 0.10 => 2,
                    r if r < 0.20 => 3,
                    r if r < 0.45 => 4,
                    _ => 5,
                });
            }
        } else {
            life.status = TicketStatus::Done;
        }
        return life;
    }
    // Still open: where is it now?
    life.status = match life.responded {
        None => TicketStatus::New,
        Some(at) if now - at < minutes(work / 4) => TicketStatus::Assigned,
        Some(_) if rng.random_bool(0.2) => {
            let reason = if rng.random_bool(0.5) { HoldReason::WaitingParts } else { HoldReason::WaitingClient };
            let since = responded + minutes(work / 3);
            life.hold = Some((reason, since.min(now)));
            TicketStatus::OnHold
        }
        Some(_) => TicketStatus::InProgress,
    };
    life
}

/// Creates `days` days of tickets ending `now`; returns how many.
pub async fn seed_history(db: &Db, days: i64, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let world = Arc::new(load_world(db).await?);
    let mut rng = StdRng::seed_from_u64(20_261_126);
    let weights: u32 = SCENARIOS.iter().map(|s| s.weight).sum();
    let moscow = chrono_tz::Europe::Moscow;
    let mut total = 0;
    for day in (0..=days).rev() {
        let date = (now - Duration::days(day)).with_timezone(&moscow).date_naive();
        let winter = matches!(date.month(), 10..=12 | 1..=4);
        let mut planned = Vec::new();
        for building in &world.buildings {
            let count = rng.random_range(3..if winter { 11 } else { 8 });
            for _ in 0..count {
                // Few requests at night; most between 8 and 22.
                let hour = if rng.random_bool(0.1) { rng.random_range(0..8) } else { rng.random_range(8..23) };
                let local = moscow
                    .with_ymd_and_hms(
                        date.year(),
                        date.month(),
                        date.day(),
                        hour,
                        rng.random_range(0..60),
                        rng.random_range(0..60),
                    )
                    .single()
                    .context("a demo time does not exist")?;
                let created = local.with_timezone(&Utc);
                if created > now - minutes(5) {
                    continue;
                }
                let mut pick = rng.random_range(0..weights);
                let scenario = SCENARIOS
                    .iter()
                    .filter(|s| s.winter || !winter || rng.random_bool(0.8))
                    .find(|s| {
                        if pick < s.weight {
                            true
                        } else {
                            pick -= s.weight;
                            false
                        }
                    })
                    .unwrap_or(&SCENARIOS[0]);
                if scenario.winter && !winter && rng.random_bool(0.7) {
                    continue;
                }
                // No lifts in low houses, no flats in offices.
                let fit = Fit::of(&world, *building);
                if (scenario.place == "place_lift" && !fit.lifts) || !scenario.texts.iter().any(|t| fit.allows(t)) {
                    continue;
                }
                planned.push(plan(&mut rng, &world, *building, scenario, created, now));
            }
        }
        planned.sort_by_key(|p| p.ticket.created_at);
        total += planned.len();
        let world = world.clone();
        db.write(move |tx| Box::pin(async move { store_day(tx, &world, planned, now).await }))
            .await
            .with_context(|| format!("cannot store the demo tickets of {date}"))?;
    }
    Ok(total)
}

/// One generated ticket before it is stored.
struct Planned {
    ticket: TicketParts,
    life: Life,
    comments: Vec<(DateTime<Utc>, bool, &'static str)>,
}

fn plan(
    rng: &mut StdRng,
    world: &World,
    building: BuildingId,
    scenario: &Scenario,
    created: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Planned {
    let priority = if rng.random_bool(scenario.emergency) {
        Priority::Emergency
    } else if rng.random_bool(scenario.high) {
        Priority::High
    } else {
        Priority::Normal
    };
    let source = match rng.random_range(0..100) {
        0..45 => TicketSource::Phone,
        45..75 => TicketSource::ResidentApp,
        75..85 => TicketSource::WebCabinet,
        85..90 => TicketSource::Email,
        90..95 => TicketSource::WalkIn,
        _ => TicketSource::Staff,
    };
    let app = matches!(source, TicketSource::ResidentApp | TicketSource::WebCabinet);
    let by_resident = app && !world.residents.is_empty() && rng.random_bool(DEMO_RESIDENT_SHARE);
    // Other app users are not demo accounts: their requests came by phone.
    let source = if app && !by_resident { TicketSource::Phone } else { source };
    let resident = world.residents.choose(rng);
    let (created_by, contact_name, contact_phone) = match (by_resident, resident) {
        (true, Some((id, name, phone))) => (Some(*id), Some(name.clone()), Some(phone.clone())),
        _ => (
            Some(world.dispatcher.0),
            CALLERS.choose(rng).map(|n| (*n).to_owned()),
            Some(format!("+7916{:07}", rng.random_range(0..10_000_000))),
        ),
    };
    let mut building = building;
    // A resident writes about their own building.
    if by_resident && let Some(home) = resident.and_then(|(id, ..)| world.homes.get(id)) {
        building = home.building;
    }
    let mut unit = None;
    let mut client = None;
    let (mut contact_name, mut contact_phone) = (contact_name, contact_phone);
    if scenario.place == "place_unit" {
        let home = match (by_resident, resident) {
            (true, Some((id, ..))) => world.homes.get(id),
            _ => world.units.get(&building).and_then(|units| units.choose(rng)),
        };
        if let Some(home) = home {
            building = home.building;
            unit = Some(home.clone());
            if let Some((id, name, phone)) = &home.client {
                client = Some(*id);
                contact_name = Some(name.clone());
                contact_phone = phone.clone().or(contact_phone);
            }
        }
    }
    let location = match scenario.place {
        "place_unit" => {
            Some(unit.as_ref().map_or_else(|| format!("кв. {}", rng.random_range(1..400)), |u| u.title.clone()))
        }
        "place_common" | "place_lift" => {
            world.common.get(&building).and_then(|areas| areas.choose(rng)).map(|area| area.location(rng))
        }
        _ => None,
    };
    let fit = Fit::of(world, building);
    let texts: Vec<&str> = scenario.texts.iter().copied().filter(|t| fit.allows(t)).collect();
    let text = texts.choose(rng).copied().unwrap_or("Заявка");
    let life = live(rng, priority, created, now);
    let mut comments = Vec::new();
    if let Some(responded) = life.responded
        && rng.random_bool(0.4)
    {
        let at = responded + minutes(rng.random_range(1..30));
        if at < now {
            comments.push((at, true, PUBLIC_REPLIES.choose(rng).copied().unwrap_or_default()));
        }
    }
    if rng.random_bool(0.15) {
        comments.push((
            created + minutes(rng.random_range(1..20)),
            false,
            INTERNAL_NOTES.choose(rng).copied().unwrap_or_default(),
        ));
    }
    comments.retain(|(at, ..)| *at < now);
    comments.sort_by_key(|(at, ..)| *at);
    let ticket = TicketParts {
        id: TicketId::from_uuid(uuid_at(created, rng)),
        number: TicketNumber { year: created.year(), seq: 0 },
        source,
        building_id: building,
        unit_id: unit.map(|u| u.id),
        client_id: client,
        contact_name,
        contact_phone: contact_phone.and_then(|p| Phone::parse(&p).ok()),
        location,
        place_id: world.item(scenario.place),
        category_id: world.item(scenario.category),
        problem_id: scenario.problem.and_then(|p| world.item(p)),
        priority,
        description: Description::from_stored(text.to_owned()),
        status: life.status,
        hold_reason: life.hold.map(|(reason, _)| reason),
        end_reason: life.end_reason.map(str::to_owned),
        assignee_id: None,
        en_route_at: None,
        team_id: None,
        created_by,
        version: 1,
        created_at: created,
        updated_at: created,
        responded_at: life.responded,
        resolved_at: life.resolved,
        closed_at: life.closed,
        sla: TicketSla::none(),
        rating: life.rating.and_then(|r| Rating::parse(i64::from(r)).ok()),
        rating_comment: life
            .rating
            .filter(|r| *r <= 2)
            .map(|_| "Долго ждали, пришлось звонить несколько раз".to_owned()),
        rated_at: life.rating.and(life.closed),
        flagged: life.rating.is_some_and(|r| r <= 2),
    };
    Planned { ticket, life, comments }
}

/// A v7 id whose time part is `at`, so old tickets sort as old.
fn uuid_at(at: DateTime<Utc>, rng: &mut StdRng) -> uuid::Uuid {
    let seconds = u64::try_from(at.timestamp()).unwrap_or_default();
    let timestamp = uuid::Timestamp::from_unix(uuid::NoContext, seconds, at.nanosecond());
    let mut id = uuid::Uuid::new_v7(timestamp).into_bytes();
    // The random tail from the seeded generator: the same demo every time.
    rng.fill(&mut id[7..]);
    id[8] = (id[8] & 0x3F) | 0x80;
    uuid::Uuid::from_bytes(id)
}

async fn store_day(tx: &mut WriteTx, world: &World, planned: Vec<Planned>, now: DateTime<Utc>) -> StoreResult<()> {
    for Planned { mut ticket, life, comments } in planned {
        let year = ticket.created_at.with_timezone(&chrono_tz::Europe::Moscow).year();
        let picked = teams::pick(tx, ticket.building_id, ticket.category_id).await?.unwrap_or((None, None));
        if ticket.status != TicketStatus::New && ticket.status != TicketStatus::Cancelled {
            (ticket.assignee_id, ticket.team_id) = picked;
        }
        if ticket.status == TicketStatus::Assigned && ticket.assignee_id.is_none() {
            ticket.status = TicketStatus::Accepted;
        }
        if matches!(ticket.status, TicketStatus::InProgress | TicketStatus::OnHold) && ticket.assignee_id.is_none() {
            ticket.status = TicketStatus::Accepted;
            ticket.hold_reason = None;
        }
        ticket.updated_at =
            [life.responded, life.resolved, life.closed].into_iter().flatten().max().unwrap_or(ticket.created_at);
        let pauses = match life.hold {
            Some((HoldReason::WaitingClient, since)) if ticket.status == TicketStatus::OnHold => vec![(since, None)],
            _ => Vec::new(),
        };
        let mut ticket = Ticket::from_parts(ticket);
        ticket.sla =
            domovoy_actors::sla::compute(&mut *tx, world.calendar.clone(), &ticket, pauses.clone(), now).await?;
        ticket.number = tickets::next_number(tx, year).await?;
        tickets::insert(tx, &ticket).await?;
        for (started, ended) in pauses {
            tickets::record_pause(tx, ticket.id, started, ended).await?;
        }
        history(tx, world, &ticket, &life, comments).await?;
    }
    Ok(())
}

/// One entry of a generated history: when, who, what changed.
type Step<'a> = (DateTime<Utc>, (Option<UserId>, &'a str), HistoryChange);

async fn history(
    tx: &mut WriteTx,
    world: &World,
    ticket: &Ticket,
    life: &Life,
    comments: Vec<(DateTime<Utc>, bool, &'static str)>,
) -> StoreResult<()> {
    let id = ticket.id;
    let creator = if ticket.created_by == Some(world.dispatcher.0) {
        (Some(world.dispatcher.0), world.dispatcher.1.clone())
    } else {
        let name =
            world.residents.iter().find(|r| Some(r.0) == ticket.created_by).map(|r| r.1.clone()).unwrap_or_default();
        (ticket.created_by, name)
    };
    let creator_ref = (creator.0, creator.1.as_str());
    let created = HistoryChange::Created { status: TicketStatus::New, assignee_id: None, source: ticket.source };
    tickets::add_history_at(tx, id, ticket.created_at, creator_ref, &created).await?;
    let dispatcher = (Some(world.dispatcher.0), world.dispatcher.1.as_str());
    let assignee_name = world.name(ticket.assignee_id());
    let assignee = (ticket.assignee_id(), assignee_name.as_str());
    let moved = |from, to| HistoryChange::Status { from, to, reason: None, hold_reason: None };
    let mut comments = comments.into_iter().peekable();
    let mut steps: Vec<Step<'_>> = Vec::new();
    if let Some(at) = life.responded {
        steps.push((at, dispatcher, moved(TicketStatus::New, TicketStatus::Accepted)));
        if ticket.assignee_id().is_some() {
            let assigned =
                HistoryChange::Assigned { from: None, to: ticket.assignee_id(), status: TicketStatus::Assigned };
            steps.push((at, dispatcher, assigned));
            steps.push((at + minutes(5), assignee, moved(TicketStatus::Assigned, TicketStatus::InProgress)));
        }
    }
    if let Some((reason, since)) = life.hold
        && ticket.status() == TicketStatus::OnHold
    {
        let held = HistoryChange::Status {
            from: TicketStatus::InProgress,
            to: TicketStatus::OnHold,
            reason: None,
            hold_reason: Some(reason),
        };
        steps.push((since, assignee, held));
    }
    if let Some(at) = life.resolved {
        steps.push((at, assignee, moved(TicketStatus::InProgress, TicketStatus::Done)));
    }
    if let (Some(at), TicketStatus::Closed) = (life.closed, ticket.status()) {
        match ticket.rating() {
            Some(rating) => {
                let rated =
                    HistoryChange::Rating { rating: rating.value(), comment: None, status: TicketStatus::Closed };
                steps.push((at, creator_ref, rated));
            }
            None => steps.push((at, (None, "auto_close"), moved(TicketStatus::Done, TicketStatus::Closed))),
        }
    }
    if let (Some(at), Some(reason)) = (life.closed, life.end_reason) {
        let who = if ticket.status() == TicketStatus::Cancelled { creator_ref } else { dispatcher };
        let ended = HistoryChange::Status {
            from: TicketStatus::New,
            to: ticket.status(),
            reason: Some(reason.to_owned()),
            hold_reason: None,
        };
        steps.push((at, who, ended));
    }
    steps.sort_by_key(|(at, ..)| *at);
    for (at, actor, change) in steps {
        while let Some((when, public, text)) = comments.next_if(|(when, ..)| *when <= at) {
            let author = if public { assignee } else { dispatcher };
            tickets::add_comment_at(tx, id, when, author, text, public).await?;
        }
        tickets::add_history_at(tx, id, at, actor, &change).await?;
    }
    for (when, public, text) in comments {
        let author = if public { assignee } else { dispatcher };
        tickets::add_comment_at(tx, id, when, author, text, public).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use domovoy_domain::classifier::ClassifierKind;

    use super::*;

    /// The demo's classifier item kinds, checked at start (a renamed seed code
    /// would otherwise silently leave demo tickets unclassified).
    fn check_codes() -> Result<(), String> {
        let seed = domovoy_domain::classifier::SEED;
        for scenario in SCENARIOS {
            for (code, kind) in [
                (Some(scenario.category), ClassifierKind::Category),
                (scenario.problem, ClassifierKind::Problem),
                (Some(scenario.place), ClassifierKind::Place),
            ] {
                if let Some(code) = code
                    && !seed.iter().any(|i| i.code == code && i.kind == kind)
                {
                    return Err(format!("unknown {kind:?} code {code}"));
                }
            }
        }
        Ok(())
    }

    #[test]
    fn every_scenario_uses_codes_of_the_seeded_classifier() {
        check_codes().unwrap();
    }

    #[test]
    fn generated_lives_are_consistent() {
        let mut rng = StdRng::seed_from_u64(1);
        let now = Utc::now();
        for _ in 0..2000 {
            let created = now - minutes(rng.random_range(1..60 * 24 * 30));
            let priority = *[Priority::Normal, Priority::High, Priority::Emergency].choose(&mut rng).unwrap();
            let life = live(&mut rng, priority, created, now);
            for at in [life.responded, life.resolved, life.closed].into_iter().flatten() {
                assert!(at >= created && at <= now, "{at} outside {created}..{now}");
            }
            match life.status {
                TicketStatus::Closed => assert!(life.resolved.is_some() && life.closed.is_some()),
                TicketStatus::Done => assert!(life.resolved.is_some() && life.closed.is_none()),
                TicketStatus::Cancelled | TicketStatus::Rejected => assert!(life.end_reason.is_some()),
                TicketStatus::OnHold => assert!(life.hold.is_some()),
                _ => assert!(life.resolved.is_none()),
            }
            assert!(life.rating.is_none() || life.status == TicketStatus::Closed);
        }
    }
}
