//! Demo layouts and clients: the tower with about a thousand units, the
//! business centre's offices let to companies, the low-rise quarter's six
//! houses; owners, tenants and occupants with Russian names and phones; the
//! demo residents linked to their own flats.

use std::collections::HashMap;

use anyhow::Context as _;
use chrono::{Duration, NaiveDate};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};

use domovoy_domain::client::{Channel, ClientInput, LinkRole, Share, UnitLink};
use domovoy_domain::ids::{BuildingId, UnitId, UserId};
use domovoy_domain::layout::{
    FloorPlan, GroundFloor, Layout, LayoutSpec, ParkingSpec, SectionKind, SectionPlan, UnitKind, UnitPlan,
};
use domovoy_store::layout::{self, Unit};
use domovoy_store::{Db, StoreError, clients, stored_now};

const MALE_SURNAMES: &[&str] = &[
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
];
const MALE_NAMES: &[&str] = &[
    "Александр",
    "Сергей",
    "Дмитрий",
    "Андрей",
    "Алексей",
    "Максим",
    "Евгений",
    "Иван",
    "Михаил",
    "Артём",
    "Николай",
    "Владимир",
    "Павел",
    "Роман",
    "Олег",
    "Игорь",
    "Виктор",
    "Константин",
    "Юрий",
    "Григорий",
];
const FEMALE_NAMES: &[&str] = &[
    "Елена",
    "Ольга",
    "Наталья",
    "Татьяна",
    "Ирина",
    "Светлана",
    "Анна",
    "Мария",
    "Екатерина",
    "Юлия",
    "Анастасия",
    "Людмила",
    "Галина",
    "Марина",
    "Дарья",
    "Алёна",
    "Ксения",
    "Валентина",
    "Вера",
    "Полина",
];
const FATHERS: &[&str] = &[
    "Александров",
    "Сергеев",
    "Дмитриев",
    "Андреев",
    "Алексеев",
    "Иванов",
    "Михайлов",
    "Николаев",
    "Владимиров",
    "Павлов",
    "Викторов",
    "Юрьев",
    "Петров",
    "Олегов",
    "Игорев",
];
const COMPANIES: &[&str] = &[
    "ООО «Уралтехснаб»",
    "ООО «Малахит Консалт»",
    "АО «Екатеринбургэнергосбыт»",
    "ООО «Синара-Логистик»",
    "ИП Шестаков Д. В.",
    "ООО «Стоматология Улыбка»",
    "ООО «Юридическое бюро Право»",
    "ООО «ИТ-Решения»",
    "ООО «Кофейня Зерно»",
    "ООО «Бюро переводов Лингва»",
    "АО «Уральский банк развития»",
    "ООО «Турагентство Горизонт»",
    "ООО «Проектный институт Гипрострой»",
    "ООО «Фитнес Атлант»",
    "ООО «Аптека Здоровье»",
    "ООО «Кадровое агентство Персонал»",
];

/// Where the demo residents live: phone (their login) → building index,
/// unit label, role.
const RESIDENT_HOMES: [(&str, usize, &str, LinkRole); 3] = [
    ("+79001000001", 0, "45", LinkRole::Owner),
    ("+79001000002", 0, "118", LinkRole::Owner),
    ("+79001000003", 2, "5", LinkRole::Tenant),
];

fn tower() -> LayoutSpec {
    LayoutSpec {
        sections: 4,
        kind: SectionKind::Entrance,
        first_floor: 2,
        last_floor: 25,
        units_per_floor: 10,
        unit_kind: UnitKind::Apartment,
        first_number: 1,
        by_floor: false,
        ground_floor: Some(GroundFloor { kind: UnitKind::Retail, units_per_section: 2 }),
        parking: Some(ParkingSpec { levels: 1, spaces_per_level: 60 }),
    }
}

fn business_centre() -> LayoutSpec {
    LayoutSpec {
        sections: 1,
        kind: SectionKind::Wing,
        first_floor: 1,
        last_floor: 12,
        units_per_floor: 10,
        unit_kind: UnitKind::Office,
        first_number: 1,
        by_floor: true,
        ground_floor: None,
        parking: Some(ParkingSpec { levels: 2, spaces_per_level: 30 }),
    }
}

/// Six three-storey houses, each numbered from 1.
fn quarter() -> Layout {
    let sections = (1..=6)
        .map(|house| SectionPlan {
            name: house.to_string(),
            kind: SectionKind::Wing,
            floors: (1..=3)
                .map(|floor| FloorPlan {
                    number: floor,
                    name: None,
                    units: (1..=4)
                        .map(|i| {
                            let mut unit = UnitPlan::new(((floor - 1) * 4 + i).to_string(), UnitKind::Apartment);
                            unit.area = Some(if i % 2 == 0 { 48.5 } else { 71.2 });
                            unit
                        })
                        .collect(),
                })
                .collect(),
        })
        .collect();
    Layout { sections }
}

fn phone(rng: &mut StdRng) -> String {
    // The forms people type, normalised on the way in.
    let (a, b, c, d) = (
        rng.random_range(900..1000),
        rng.random_range(100..1000),
        rng.random_range(10..100),
        rng.random_range(10..100),
    );
    match rng.random_range(0..3) {
        0 => format!("8 ({a}) {b}-{c}-{d}"),
        1 => format!("+7 {a} {b}{c}{d}"),
        _ => format!("8{a}{b}{c}{d}"),
    }
}

fn person(rng: &mut StdRng, surname: Option<&str>) -> (String, bool) {
    let female = rng.random_bool(0.55);
    let base = surname.unwrap_or_else(|| MALE_SURNAMES.choose(rng).copied().unwrap_or("Иванов"));
    let last = if female { format!("{base}а") } else { base.to_owned() };
    let first = if female { FEMALE_NAMES.choose(rng) } else { MALE_NAMES.choose(rng) }.copied().unwrap_or("Анна");
    let father = FATHERS.choose(rng).copied().unwrap_or("Иванов");
    let middle = if female { format!("{father}на") } else { format!("{father}ич") };
    (format!("{last} {first} {middle}"), female)
}

/// One client to create, with their links.
struct Planned {
    input: ClientInput,
    links: Vec<UnitLink>,
    consents: Vec<Channel>,
}

fn link(unit: UnitId, role: LinkRole, share: Option<Share>, account: Option<String>) -> UnitLink {
    UnitLink { unit_id: unit, role, share, valid_from: None, valid_to: None, account }
}

/// People for the residential units: most flats have an owner (some two,
/// with shares), some are let to a tenant, families add occupants.
fn residents(rng: &mut StdRng, units: &[Unit], today: NaiveDate, billing_prefix: &str) -> Vec<Planned> {
    let mut out = Vec::new();
    for unit in units.iter().filter(|u| u.kind == UnitKind::Apartment) {
        if rng.random_bool(0.18) {
            continue; // No data from the billing system yet.
        }
        let account = Some(format!("{billing_prefix}{:05}", unit.label.parse::<u32>().unwrap_or(0)));
        let surname = MALE_SURNAMES.choose(rng).copied();
        let (owner, _) = person(rng, surname);
        let co_owned = rng.random_bool(0.2);
        let share = if co_owned { Share::new(1, 2).ok() } else { Some(Share::WHOLE) };
        let mut consents = vec![Channel::Sms];
        if rng.random_bool(0.6) {
            consents.push(Channel::Email);
        }
        out.push(Planned {
            input: ClientInput {
                name: Some(owner),
                phones: vec![phone(rng)],
                emails: if rng.random_bool(0.5) {
                    vec![format!("owner{}@mail.demo", out.len() + 1)]
                } else {
                    Vec::new()
                },
                external_id: Some(format!("{billing_prefix}-{}-o", unit.id)),
                ..ClientInput::default()
            },
            links: vec![link(unit.id, LinkRole::Owner, share, account.clone())],
            consents,
        });
        if co_owned {
            let (second, _) = person(rng, surname);
            out.push(Planned {
                input: ClientInput { name: Some(second), phones: vec![phone(rng)], ..ClientInput::default() },
                links: vec![link(unit.id, LinkRole::Owner, Share::new(1, 2).ok(), account.clone())],
                consents: Vec::new(),
            });
        }
        if rng.random_bool(0.15) {
            let (tenant, _) = person(rng, None);
            let from = today - Duration::days(rng.random_range(30..500));
            out.push(Planned {
                input: ClientInput {
                    name: Some(tenant),
                    phones: vec![phone(rng)],
                    tags: vec!["арендатор".to_owned()],
                    ..ClientInput::default()
                },
                links: vec![UnitLink {
                    unit_id: unit.id,
                    role: LinkRole::Tenant,
                    share: None,
                    valid_from: Some(from),
                    valid_to: Some(from + Duration::days(365 * 2)),
                    account: None,
                }],
                consents: vec![Channel::Sms],
            });
        } else if rng.random_bool(0.3) {
            let (occupant, _) = person(rng, surname);
            out.push(Planned {
                input: ClientInput { name: Some(occupant), ..ClientInput::default() },
                links: vec![link(unit.id, LinkRole::Occupant, None, None)],
                consents: Vec::new(),
            });
        }
    }
    out
}

/// Companies renting the business centre's offices, a few offices each.
fn companies(rng: &mut StdRng, units: &[Unit], today: NaiveDate) -> Vec<Planned> {
    let offices: Vec<&Unit> = units.iter().filter(|u| u.kind == UnitKind::Office).collect();
    let mut out = Vec::new();
    let mut next = 0;
    for (i, name) in COMPANIES.iter().enumerate() {
        let take = rng.random_range(1..6);
        let leased: Vec<&Unit> = offices.iter().skip(next).take(take).copied().collect();
        next += take + rng.random_range(0..3);
        let from = today - Duration::days(rng.random_range(60..900));
        out.push(Planned {
            input: ClientInput {
                kind: Some("company".to_owned()),
                name: Some((*name).to_owned()),
                inn: Some(format!("66{:08}", 71_000_000 + i * 7919)),
                phones: vec![format!(
                    "+7 343 {}-{:02}-{:02}",
                    rng.random_range(200..400),
                    i + 10,
                    rng.random_range(10..100)
                )],
                emails: vec![format!("office{}@company.demo", i + 1)],
                tags: vec!["арендатор БЦ".to_owned()],
                ..ClientInput::default()
            },
            links: leased
                .iter()
                .map(|u| UnitLink {
                    unit_id: u.id,
                    role: LinkRole::Tenant,
                    share: None,
                    valid_from: Some(from),
                    valid_to: Some(from + Duration::days(365 * 3)),
                    account: Some(format!("БЦ-{}", u.label)),
                })
                .collect(),
            consents: vec![Channel::Email],
        });
    }
    out
}

/// Lays out the three demo buildings and fills them with clients.
pub async fn seed_places(
    db: &Db,
    buildings: &[BuildingId],
    residents_by_phone: &HashMap<String, UserId>,
) -> anyhow::Result<()> {
    let plans = [
        tower().generate().map_err(|e| anyhow::anyhow!("tower layout: {e:?}"))?,
        business_centre().generate().map_err(|e| anyhow::anyhow!("business centre layout: {e:?}"))?,
        quarter().validate().map_err(|e| anyhow::anyhow!("quarter layout: {e:?}"))?,
    ];
    let mut rng = StdRng::seed_from_u64(20_261_127);
    let today = stored_now().date_naive();
    for (index, (building, plan)) in buildings.iter().zip(plans).enumerate() {
        let building = *building;
        let units = db
            .write(move |tx| {
                Box::pin(async move {
                    layout::replace(tx, building, &plan).await?;
                    Ok::<_, StoreError>(layout::load(&mut *tx, building).await?.units().cloned().collect::<Vec<_>>())
                })
            })
            .await
            .with_context(|| format!("cannot lay out demo building {index}"))?
            .value;
        let mut planned = match index {
            1 => companies(&mut rng, &units, today),
            _ => residents(&mut rng, &units, today, if index == 0 { "СЗ" } else { "СБ" }),
        };
        for (phone, home, label, role) in RESIDENT_HOMES {
            if home != index {
                continue;
            }
            let (Some(user), Some(unit)) = (residents_by_phone.get(phone), units.iter().find(|u| u.label == label))
            else {
                continue;
            };
            // The resident takes the place of whoever the generator put there.
            planned.retain(|p| !p.links.iter().any(|l| l.unit_id == unit.id && l.role == role));
            let name = match phone {
                "+79001000001" => "Иванов Иван Иванович",
                "+79001000002" => "Фёдорова Алёна Михайловна",
                _ => "Белов Игорь Петрович",
            };
            // Иванов reads mailings by e-mail too (the demo's letters go
            // to a local SMTP server when `[mail]` is set).
            let by_email = phone == "+79001000001";
            planned.push(Planned {
                input: ClientInput {
                    name: Some(name.to_owned()),
                    phones: vec![phone.to_owned()],
                    emails: if by_email { vec!["ivanov@mail.demo".to_owned()] } else { Vec::new() },
                    user_id: Some(*user),
                    ..ClientInput::default()
                },
                links: vec![UnitLink {
                    unit_id: unit.id,
                    role,
                    share: (role == LinkRole::Owner).then_some(Share::WHOLE),
                    valid_from: (role == LinkRole::Tenant).then(|| today - Duration::days(200)),
                    valid_to: (role == LinkRole::Tenant).then(|| today + Duration::days(530)),
                    account: None,
                }],
                consents: if by_email {
                    vec![Channel::Push, Channel::Sms, Channel::Email]
                } else {
                    vec![Channel::Push, Channel::Sms]
                },
            });
        }
        let drafts = planned
            .into_iter()
            .map(|p| {
                let draft = p.input.parse().map_err(|e| anyhow::anyhow!("demo client: {e:?}"))?;
                Ok((draft, p.links, p.consents))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        db.write(move |tx| {
            Box::pin(async move {
                let now = tx.now();
                for (draft, links, consents) in &drafts {
                    let client = clients::insert(tx, draft).await?;
                    clients::set_links(tx, client.id, links).await?;
                    for channel in consents {
                        clients::set_consent(tx, client.id, *channel, Some(now)).await?;
                    }
                }
                Ok::<_, StoreError>(())
            })
        })
        .await
        .with_context(|| format!("cannot create the clients of demo building {index}"))?;
    }
    Ok(())
}
