//! The demo: fresh data for a first look, one login per role.
//!
//! `domovoy demo` deletes the demo database, creates it anew and fills it
//! with three buildings of different kinds in three time zones, one staff
//! account per role (password `demo`) and a few residents who sign in with
//! their phone numbers. Later features add their own demo data here.

mod calls;
mod history;
mod mailings;
mod passes;
mod places;
mod surveys;

pub use calls::seed_calls;
pub use history::seed_history;

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

use domovoy_domain::account::{AccountKind, DisplayName, Locale, Login};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::{Address, BuildingDraft, BuildingKind, BuildingName, TimeZone};
use domovoy_domain::contact::{Email, Phone};
use domovoy_domain::ids::BuildingId;
use domovoy_domain::password::{NewPassword, hash_password};
use domovoy_domain::policy::GrantScope;
use domovoy_domain::role::RoleTemplate;
use domovoy_store::audit::{self, Actor, Change};
use domovoy_store::users::NewUser;
use domovoy_store::{Db, StoreError, assignments, buildings, roles, users};

/// Days of ticket history `domovoy demo` creates.
pub const HISTORY_DAYS: i64 = 365;

/// The password of every demo account (documented in the README).
pub const DEMO_PASSWORD: &str = "demo";

/// A demo building.
struct DemoBuilding {
    name: &'static str,
    address: &'static str,
    kind: BuildingKind,
    time_zone: &'static str,
}

const BUILDINGS: [DemoBuilding; 3] = [
    DemoBuilding {
        name: "ЖК «Северная звезда»",
        address: "г. Москва, Полярная ул., д. 31 — башня 25 этажей, 4 подъезда",
        kind: BuildingKind::Residential,
        time_zone: "Europe/Moscow",
    },
    DemoBuilding {
        name: "БЦ «Гранит»",
        address: "г. Екатеринбург, ул. Малышева, д. 51 — бизнес-центр класса B+",
        kind: BuildingKind::BusinessCentre,
        time_zone: "Asia/Yekaterinburg",
    },
    DemoBuilding {
        name: "Квартал «Сосновый бор»",
        address: "г. Новосибирск, ул. Лесная, д. 7 — малоэтажный квартал, 6 домов",
        kind: BuildingKind::Mixed,
        time_zone: "Asia/Novosibirsk",
    },
];

/// A demo staff account: login, name, role and the buildings it works in
/// (indexes into [`BUILDINGS`]; empty means all buildings).
struct DemoStaff {
    login: &'static str,
    name: &'static str,
    template: RoleTemplate,
    buildings: &'static [usize],
}

/// One staff login per role (DESIGN.md §12), and two more technicians so
/// that teams have someone to take turns with.
const STAFF: [DemoStaff; 10] = [
    DemoStaff {
        login: "admin",
        name: "Кузнецова Анна Сергеевна",
        template: RoleTemplate::Administrator,
        buildings: &[],
    },
    DemoStaff {
        login: "dispatcher",
        name: "Смирнова Ольга Викторовна",
        template: RoleTemplate::Dispatcher,
        buildings: &[],
    },
    DemoStaff {
        login: "manager",
        name: "Волков Дмитрий Андреевич",
        template: RoleTemplate::PropertyManager,
        buildings: &[0, 2],
    },
    DemoStaff {
        login: "client-manager",
        name: "Морозова Елена Игоревна",
        template: RoleTemplate::ClientManager,
        buildings: &[],
    },
    DemoStaff {
        login: "technician",
        name: "Петров Сергей Николаевич",
        template: RoleTemplate::Technician,
        buildings: &[0, 1],
    },
    DemoStaff {
        login: "guard", name: "Соколов Алексей Петрович", template: RoleTemplate::Guard, buildings: &[0]
    },
    DemoStaff {
        login: "concierge",
        name: "Лебедева Мария Олеговна",
        template: RoleTemplate::Concierge,
        buildings: &[1],
    },
    DemoStaff {
        login: "service",
        name: "Новикова Татьяна Юрьевна",
        template: RoleTemplate::ClientService,
        buildings: &[],
    },
    DemoStaff {
        login: "plumber", name: "Козлов Виктор Павлович", template: RoleTemplate::Technician, buildings: &[]
    },
    DemoStaff {
        login: "electrician",
        name: "Орлов Павел Константинович",
        template: RoleTemplate::Technician,
        buildings: &[],
    },
];

/// Demo residents: phone (their login) and name.
const RESIDENTS: [(&str, &str); 3] = [
    ("+7 900 100-00-01", "Иванов Иван Иванович"),
    ("+7 900 100-00-02", "Фёдорова Алёна Михайловна"),
    ("+7 900 100-00-03", "Белов Игорь Петрович"),
];

/// The demo logins, as printed at start: login, role, name.
pub fn staff_logins() -> impl Iterator<Item = (&'static str, RoleTemplate, &'static str)> {
    STAFF.iter().map(|s| (s.login, s.template, s.name))
}

/// The demo residents' logins (E.164 phones).
pub fn resident_logins() -> Vec<(String, &'static str)> {
    RESIDENTS.iter().filter_map(|(phone, name)| Phone::parse(phone).ok().map(|p| (p.to_string(), *name))).collect()
}

/// Deletes the demo database files in `dir`, so the demo starts fresh.
pub fn wipe(dir: &Path) -> anyhow::Result<()> {
    for name in ["domovoy.db", "domovoy.db-wal", "domovoy.db-shm"] {
        let path = dir.join(name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete {}", path.display())),
        }
    }
    let files = dir.join("files");
    match std::fs::remove_dir_all(&files) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot delete {}", files.display())),
    }
    Ok(())
}

/// Fills a freshly migrated database with the demo data.
pub async fn seed(db: &Db) -> anyhow::Result<()> {
    let actor = Actor::system("demo");
    // Hash once: every demo account shares the password, and argon2 is slow
    // on purpose.
    let password_hash = hash_password(&NewPassword::demo(DEMO_PASSWORD));
    let drafts = BUILDINGS
        .iter()
        .map(|b| {
            Ok(BuildingDraft {
                name: BuildingName::parse(b.name)?,
                address: Address::parse(b.address)?,
                kind: b.kind,
                time_zone: TimeZone::parse(b.time_zone)?,
            })
        })
        .collect::<Result<Vec<_>, domovoy_domain::FieldError>>()
        .map_err(|e| anyhow::anyhow!("demo building: {e}"))?;
    let committed = db
        .write(move |tx| {
            Box::pin(async move {
                roles::ensure_templates(tx).await?;
                let mut building_ids: Vec<BuildingId> = Vec::new();
                for draft in &drafts {
                    let building = buildings::insert(tx, draft).await?;
                    audit::record(
                        tx,
                        Change::new(&actor, AuditAction::BuildingCreated, building.id)
                            .building(Some(building.id))
                            .summary(building.name.to_string()),
                    )
                    .await?;
                    building_ids.push(building.id);
                }
                let mut staff_ids = std::collections::HashMap::new();
                for staff in &STAFF {
                    let new = NewUser {
                        login: Login::staff(staff.login).map_err(|e| StoreError::invalid("login", e))?,
                        display_name: DisplayName::parse(staff.name).map_err(|e| StoreError::invalid("name", e))?,
                        kind: AccountKind::Staff,
                        email: Email::parse(&format!("{}@domovoy.demo", staff.login)).ok(),
                        phone: None,
                        locale: Locale::Ru,
                        password_hash: password_hash.clone(),
                    };
                    let user = users::insert(tx, &new).await?;
                    staff_ids.insert(staff.login, user.id);
                    audit::record(tx, Change::new(&actor, AuditAction::UserCreated, user.id).summary(staff.login))
                        .await?;
                    let role = roles::find_by_template(&mut *tx, staff.template).await?.ok_or(StoreError::NotFound)?;
                    if staff.buildings.is_empty() {
                        assignments::grant(tx, user.id, role, GrantScope::AllBuildings).await?;
                    } else {
                        for index in staff.buildings {
                            let building = *building_ids.get(*index).ok_or(StoreError::NotFound)?;
                            assignments::grant(tx, user.id, role, GrantScope::Building(building)).await?;
                        }
                    }
                }
                let mut residents_by_phone = std::collections::HashMap::new();
                let resident_role =
                    roles::find_by_template(&mut *tx, RoleTemplate::Resident).await?.ok_or(StoreError::NotFound)?;
                for (phone, name) in RESIDENTS {
                    let phone = Phone::parse(phone).map_err(|e| StoreError::invalid("phone", e))?;
                    let new = NewUser {
                        login: Login::resident(&phone),
                        display_name: DisplayName::parse(name).map_err(|e| StoreError::invalid("name", e))?,
                        kind: AccountKind::Resident,
                        email: None,
                        phone: Some(phone.clone()),
                        locale: Locale::Ru,
                        password_hash: password_hash.clone(),
                    };
                    let user = users::insert(tx, &new).await?;
                    residents_by_phone.insert(phone.e164().to_owned(), user.id);
                    assignments::grant(tx, user.id, resident_role, GrantScope::Own).await?;
                }
                history::seed_routing(tx, &staff_ids).await?;
                Ok::<_, StoreError>((building_ids, residents_by_phone))
            })
        })
        .await
        .context("cannot create the demo data")?;
    let (building_ids, residents_by_phone) = committed.value;
    places::seed_places(db, &building_ids, &residents_by_phone).await?;
    let tower = building_ids.first().copied().context("the demo has buildings")?;
    let first_resident = RESIDENTS
        .first()
        .and_then(|(phone, _)| Phone::parse(phone).ok())
        .and_then(|phone| residents_by_phone.get(phone.e164()).copied())
        .context("the demo has residents")?;
    let guard = users::find_by_login(db, &Login::staff("guard").map_err(|e| anyhow::anyhow!("{e}"))?)
        .await?
        .context("the demo has a guard")?;
    passes::seed_passes(db, tower, first_resident, guard.id).await?;
    let service = users::find_by_login(db, &Login::staff("service").map_err(|e| anyhow::anyhow!("{e}"))?)
        .await?
        .context("the demo has the client-service office")?;
    mailings::seed_mailings(db, tower, service.id).await?;
    let own: Vec<_> = residents_by_phone.values().copied().collect();
    surveys::seed_surveys(db, tower, service.id, &own).await?;
    Ok(())
}

/// Prints where the demo runs and how to sign in.
pub fn print_banner(out: &mut impl std::io::Write, url: &str, data_dir: &Path, pbx_token: &str) -> std::io::Result<()> {
    writeln!(out)?;
    writeln!(out, "Домовой — демо-стенд: {url}")?;
    writeln!(out, "Данные демо (SQLite): {} — создаются заново при каждом запуске.", data_dir.display())?;
    writeln!(out)?;
    writeln!(out, "Сотрудники (пароль у всех: {DEMO_PASSWORD}):")?;
    for (login, template, name) in staff_logins() {
        writeln!(out, "  {login:<16} {:<32} {name}", template.default_name())?;
    }
    writeln!(out)?;
    writeln!(out, "Жители входят по номеру телефона (пароль: {DEMO_PASSWORD}):")?;
    for (phone, name) in resident_logins() {
        writeln!(out, "  {phone:<18} {name}")?;
    }
    writeln!(out)?;
    writeln!(out, "Телефония: вебхук демо-АТС (Zammad generic CTI) — {url}/api/v1/cti/{pbx_token}")?;
    writeln!(out, "Проверочный звонок (всплывёт у диспетчера):")?;
    writeln!(out, "  domovoy call simulate --data-dir {} --from \"+7 900 100-00-02\"", data_dir.display())?;
    writeln!(out, "  или кнопка «Позвонить» на странице {url}/admin/integrations (вход: admin)")?;
    writeln!(out)?;
    writeln!(out, "Остановить: Ctrl+C")?;
    std::io::stdout().flush()
}
