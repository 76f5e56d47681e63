//! Building layouts: sections → floors → units, stored as rows.
//!
//! [`replace`] turns a building's stored layout into a new plan in one
//! transaction and keeps unit ids where it can (same billing id, or same
//! section, kind and label), so tickets and residents stay attached. A plan
//! that drops a unit still named by tickets or residents is refused whole.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use domovoy_domain::ids::{BuildingId, FloorId, SectionId, UnitId};
use domovoy_domain::layout::{FloorPlan, Layout, SectionKind, SectionPlan, UnitKind, UnitPlan};

use crate::db::{Source, WriteTx};
use crate::error::{StoreError, StoreResult, decode};

/// A stored unit with where it is.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unit {
    pub id: UnitId,
    pub building_id: BuildingId,
    pub section_id: SectionId,
    pub section_name: String,
    pub floor_id: FloorId,
    pub floor: i32,
    pub label: String,
    pub kind: UnitKind,
    pub area: Option<f64>,
    pub position: i32,
    pub external_id: Option<String>,
    /// The корпус the unit is in, when its building has several (flats are
    /// numbered from 1 in each, so «кв. 7» alone would be six flats).
    pub wing: Option<String>,
}

impl Unit {
    /// "кв. 45", "корп. 3, кв. 7", "офис 12", "м/м М3": how the unit is
    /// named in a ticket, unique in its building.
    pub fn title(&self) -> String {
        unit_title(self.kind, &self.label, self.wing.as_deref())
    }
}

/// "кв. 45", "офис 12", "м/м М3"; "корп. 3, кв. 7" in one of several wings.
pub fn unit_title(kind: UnitKind, label: &str, wing: Option<&str>) -> String {
    let prefix = match kind {
        UnitKind::Apartment => "кв.",
        UnitKind::Office => "офис",
        UnitKind::Retail => "пом.",
        UnitKind::Storage => "кладовая",
        UnitKind::Parking => "м/м",
    };
    match wing {
        Some(wing) if !wing.is_empty() => format!("корп. {wing}, {prefix} {label}"),
        _ => format!("{prefix} {label}"),
    }
}

/// The SQL for a unit's [`Unit::wing`], over `units u JOIN sections s`.
macro_rules! wing_sql {
    () => {
        "CASE WHEN s.kind = 'wing' AND (SELECT COUNT(*) FROM sections w \
         WHERE w.building_id = s.building_id AND w.kind = 'wing') > 1 THEN s.name END"
    };
}
pub(crate) use wing_sql;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Floor {
    pub id: FloorId,
    pub number: i32,
    pub name: Option<String>,
    /// Left to right.
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    pub id: SectionId,
    pub name: String,
    pub kind: SectionKind,
    /// Top-down (highest number first), as the chessboard draws them.
    pub floors: Vec<Floor>,
}

/// A building's stored layout, sections in display order.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StoredLayout {
    pub sections: Vec<Section>,
}

impl StoredLayout {
    pub fn units(&self) -> impl Iterator<Item = &Unit> {
        self.sections.iter().flat_map(|s| &s.floors).flat_map(|f| &f.units)
    }

    /// The plan this layout was stored from (floors bottom-up).
    pub fn to_plan(&self) -> Layout {
        Layout {
            sections: self
                .sections
                .iter()
                .map(|s| SectionPlan {
                    name: s.name.clone(),
                    kind: s.kind,
                    floors: s
                        .floors
                        .iter()
                        .rev()
                        .map(|f| FloorPlan {
                            number: f.number,
                            name: f.name.clone(),
                            units: f
                                .units
                                .iter()
                                .map(|u| UnitPlan {
                                    label: u.label.clone(),
                                    kind: u.kind,
                                    area: u.area,
                                    external_id: u.external_id.clone(),
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

#[derive(sqlx::FromRow)]
struct UnitRow {
    id: Uuid,
    building_id: Uuid,
    section_id: Uuid,
    section_name: String,
    floor_id: Uuid,
    floor: i64,
    label: String,
    kind: String,
    area: Option<f64>,
    position: i64,
    external_id: Option<String>,
    wing: Option<String>,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;

    fn try_from(row: UnitRow) -> StoreResult<Self> {
        Ok(Unit {
            id: UnitId::from_uuid(row.id),
            building_id: BuildingId::from_uuid(row.building_id),
            section_id: SectionId::from_uuid(row.section_id),
            section_name: row.section_name,
            floor_id: FloorId::from_uuid(row.floor_id),
            floor: row.floor as i32,
            label: row.label,
            kind: decode("units.kind", &row.kind, str::parse)?,
            area: row.area,
            position: row.position as i32,
            external_id: row.external_id,
            wing: row.wing,
        })
    }
}

const UNIT_COLUMNS: &str = concat!(
    "u.id, u.building_id, u.section_id, s.name AS section_name, u.floor_id, f.number AS floor, ",
    "u.label, u.kind, u.area, u.position, u.external_id, ",
    wing_sql!(),
    " AS wing"
);

/// The building's layout; empty when it has none yet.
pub async fn load<'a>(source: impl Into<Source<'a>>, building: BuildingId) -> StoreResult<StoredLayout> {
    type SectionRow = (Uuid, String, String);
    type FloorRow = (Uuid, Uuid, i64, Option<String>);
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM units u JOIN sections s ON s.id = u.section_id JOIN floors f ON f.id = u.floor_id
         WHERE u.building_id = $1 ORDER BY u.position"
    );
    let (sections, floors, units): (Vec<SectionRow>, Vec<FloorRow>, Vec<UnitRow>) = on_conn!(source, c => {
        let sections = sqlx::query_as("SELECT id, name, kind FROM sections WHERE building_id = $1 ORDER BY position")
            .bind(building.as_uuid())
            .fetch_all(&mut *c)
            .await?;
        let floors = sqlx::query_as(
            "SELECT f.id, f.section_id, f.number, f.name FROM floors f JOIN sections s ON s.id = f.section_id
             WHERE s.building_id = $1 ORDER BY f.number DESC",
        )
        .bind(building.as_uuid())
        .fetch_all(&mut *c)
        .await?;
        let units = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(building.as_uuid()).fetch_all(&mut *c).await?;
        (sections, floors, units)
    });
    let mut by_floor: HashMap<Uuid, Vec<Unit>> = HashMap::new();
    for row in units {
        let floor = row.floor_id;
        by_floor.entry(floor).or_default().push(row.try_into()?);
    }
    let mut by_section: HashMap<Uuid, Vec<Floor>> = HashMap::new();
    for (id, section, number, name) in floors {
        by_section.entry(section).or_default().push(Floor {
            id: FloorId::from_uuid(id),
            number: number as i32,
            name,
            units: by_floor.remove(&id).unwrap_or_default(),
        });
    }
    let sections = sections
        .into_iter()
        .map(|(id, name, kind)| {
            Ok(Section {
                id: SectionId::from_uuid(id),
                name,
                kind: decode("sections.kind", &kind, str::parse)?,
                floors: by_section.remove(&id).unwrap_or_default(),
            })
        })
        .collect::<StoreResult<_>>()?;
    Ok(StoredLayout { sections })
}

/// One unit with its section and floor.
pub async fn unit<'a>(source: impl Into<Source<'a>>, id: UnitId) -> StoreResult<Unit> {
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM units u JOIN sections s ON s.id = u.section_id JOIN floors f ON f.id = u.floor_id
         WHERE u.id = $1"
    );
    let row: UnitRow = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(id.as_uuid()).fetch_one(&mut *c).await?
    });
    row.try_into()
}

/// Units whose label is `label` (folded: case-insensitive for letters like
/// "Н1"), of `kind` when given, across all buildings; at most `limit`.
pub async fn find_by_label<'a>(
    source: impl Into<Source<'a>>,
    label: &str,
    kind: Option<UnitKind>,
    limit: i64,
) -> StoreResult<Vec<Unit>> {
    let sql = format!(
        "SELECT {UNIT_COLUMNS} FROM units u JOIN sections s ON s.id = u.section_id JOIN floors f ON f.id = u.floor_id
         WHERE (u.label = $1 OR u.label = $2) AND ($3 IS NULL OR u.kind = $3)
         ORDER BY u.building_id, u.position LIMIT $4"
    );
    let upper = label.to_uppercase();
    let rows: Vec<UnitRow> = on_conn!(source, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(label)
            .bind(&upper)
            .bind(kind.map(UnitKind::code))
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
    });
    rows.into_iter().map(Unit::try_from).collect()
}

/// What [`replace`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Replaced {
    pub created: usize,
    pub updated: usize,
    pub removed: usize,
}

/// Makes `plan` (validated by [`Layout::validate`]) the building's layout.
///
/// A unit keeps its id when the plan has a unit with the same billing id,
/// or else the same section name, kind and label; a kept unit planned
/// without a billing id keeps the stored one (the text editor has none). Units the plan drops are
/// deleted, unless tickets or clients still name them: then nothing changes
/// and [`StoreError::InUse`] lists them.
pub async fn replace(tx: &mut WriteTx, building: BuildingId, plan: &Layout) -> StoreResult<Replaced> {
    let existing = load(&mut *tx, building).await?;
    let now = tx.now();
    let mut by_external: HashMap<&str, &Unit> = HashMap::new();
    // A section is known by its kind and name (an entrance and a parking
    // level may share a name).
    let section_kinds: HashMap<SectionId, SectionKind> = existing.sections.iter().map(|s| (s.id, s.kind)).collect();
    let mut by_label: HashMap<(SectionKind, String, UnitKind, String), &Unit> = HashMap::new();
    for unit in existing.units() {
        if let Some(external) = unit.external_id.as_deref() {
            by_external.insert(external, unit);
        }
        let kind = section_kinds.get(&unit.section_id).copied().unwrap_or(SectionKind::Entrance);
        by_label.insert((kind, unit.section_name.to_lowercase(), unit.kind, unit.label.to_lowercase()), unit);
    }
    // Which stored unit each planned one becomes (None: a new unit).
    let mut kept: HashSet<UnitId> = HashSet::new();
    let mut targets: Vec<Option<UnitId>> = Vec::with_capacity(plan.unit_count());
    for (section, _, unit) in plan.units() {
        let found = unit
            .external_id
            .as_deref()
            .and_then(|e| by_external.get(e))
            .or_else(|| {
                by_label.get(&(section.kind, section.name.to_lowercase(), unit.kind, unit.label.to_lowercase()))
            })
            .map(|u| u.id)
            .filter(|id| !kept.contains(id));
        if let Some(id) = found {
            kept.insert(id);
        }
        targets.push(found);
    }
    let dropped: Vec<&Unit> = existing.units().filter(|u| !kept.contains(&u.id)).collect();
    let in_use = units_in_use(tx, &dropped).await?;
    if !in_use.is_empty() {
        return Err(StoreError::InUse { what: "units", names: in_use });
    }

    let mut outcome = Replaced { removed: dropped.len(), ..Replaced::default() };
    on_conn!(&mut *tx, c => {
        for unit in &dropped {
            sqlx::query("DELETE FROM units WHERE id = $1").bind(unit.id.as_uuid()).execute(&mut *c).await?.rows_affected();
        }
        // Move kept labels out of the way first, so that swapping two labels
        // does not trip the unique (section, kind, label) index midway.
        sqlx::query("UPDATE units SET label = $2 || label WHERE building_id = $1")
            .bind(building.as_uuid())
            .bind("\u{1}")
            .execute(&mut *c)
            .await?
            .rows_affected();
    });

    let mut sections_kept = Vec::new();
    let mut floors_kept = Vec::new();
    let mut targets = targets.into_iter();
    for (position, section) in plan.sections.iter().enumerate() {
        let stored = existing
            .sections
            .iter()
            .find(|s| s.kind == section.kind && s.name.to_lowercase() == section.name.to_lowercase());
        let section_id = match stored {
            Some(stored) => {
                on_conn!(&mut *tx, c => {
                    sqlx::query("UPDATE sections SET name = $2, kind = $3, position = $4 WHERE id = $1")
                        .bind(stored.id.as_uuid())
                        .bind(&section.name)
                        .bind(section.kind.code())
                        .bind(position as i64)
                        .execute(&mut *c)
                        .await?
                        .rows_affected()
                });
                stored.id
            }
            None => {
                let id = SectionId::new();
                on_conn!(&mut *tx, c => {
                    sqlx::query(
                        "INSERT INTO sections (id, building_id, name, kind, position, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id.as_uuid())
                    .bind(building.as_uuid())
                    .bind(&section.name)
                    .bind(section.kind.code())
                    .bind(position as i64)
                    .bind(now)
                    .execute(&mut *c)
                    .await?
                    .rows_affected()
                });
                id
            }
        };
        sections_kept.push(section_id);
        let stored_floors = existing.sections.iter().find(|s| s.id == section_id).map(|s| s.floors.as_slice());
        for floor in &section.floors {
            let floor_id = match stored_floors.unwrap_or_default().iter().find(|f| f.number == floor.number) {
                Some(stored) => {
                    on_conn!(&mut *tx, c => {
                        sqlx::query("UPDATE floors SET name = $2 WHERE id = $1")
                            .bind(stored.id.as_uuid())
                            .bind(floor.name.as_deref())
                            .execute(&mut *c)
                            .await?
                            .rows_affected()
                    });
                    stored.id
                }
                None => {
                    let id = FloorId::new();
                    on_conn!(&mut *tx, c => {
                        sqlx::query("INSERT INTO floors (id, section_id, number, name) VALUES ($1, $2, $3, $4)")
                            .bind(id.as_uuid())
                            .bind(section_id.as_uuid())
                            .bind(i64::from(floor.number))
                            .bind(floor.name.as_deref())
                            .execute(&mut *c)
                            .await?
                            .rows_affected()
                    });
                    id
                }
            };
            floors_kept.push(floor_id);
            for (position, unit) in floor.units.iter().enumerate() {
                let target = targets.next().flatten();
                let id = target.unwrap_or_default();
                let sql = if target.is_some() {
                    outcome.updated += 1;
                    "UPDATE units SET section_id = $3, floor_id = $4, label = $5, kind = $6, area = $7, position = $8,
                            external_id = COALESCE($9, external_id), updated_at = $10
                     WHERE id = $1 AND building_id = $2"
                } else {
                    outcome.created += 1;
                    "INSERT INTO units (id, building_id, section_id, floor_id, label, kind, area, position, external_id,
                                        created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)"
                };
                on_conn!(&mut *tx, c => {
                    sqlx::query(sql)
                        .bind(id.as_uuid())
                        .bind(building.as_uuid())
                        .bind(section_id.as_uuid())
                        .bind(floor_id.as_uuid())
                        .bind(&unit.label)
                        .bind(unit.kind.code())
                        .bind(unit.area)
                        .bind(position as i64)
                        .bind(unit.external_id.as_deref())
                        .bind(now)
                        .execute(&mut *c)
                        .await?
                        .rows_affected()
                });
            }
        }
    }
    // Floors and sections the plan no longer has are empty now.
    for floor in existing.sections.iter().flat_map(|s| &s.floors).filter(|f| !floors_kept.contains(&f.id)) {
        on_conn!(&mut *tx, c => {
            sqlx::query("DELETE FROM floors WHERE id = $1").bind(floor.id.as_uuid()).execute(&mut *c).await?.rows_affected()
        });
    }
    for section in existing.sections.iter().filter(|s| !sections_kept.contains(&s.id)) {
        on_conn!(&mut *tx, c => {
            sqlx::query("DELETE FROM sections WHERE id = $1").bind(section.id.as_uuid()).execute(&mut *c).await?.rows_affected()
        });
    }
    Ok(outcome)
}

/// Titles of the units among `units` that tickets or clients name.
async fn units_in_use(tx: &mut WriteTx, units: &[&Unit]) -> StoreResult<Vec<String>> {
    let mut names = Vec::new();
    for unit in units {
        let used: bool = on_conn!(&mut *tx, c => {
            sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM tickets WHERE unit_id = $1)
                     OR EXISTS (SELECT 1 FROM client_units WHERE unit_id = $1)",
            )
            .bind(unit.id.as_uuid())
            .fetch_one(&mut *c)
            .await?
        });
        if used {
            names.push(format!("{} (подъезд {})", unit.title(), unit.section_name));
        }
    }
    Ok(names)
}
