//! Building layouts: sections (подъезд, корпус, parking) → floors → units.
//!
//! A [`Layout`] is a whole building's plan as a value: the layout generator
//! produces one from a few numbers ("floors 2–25, 6 units per floor,
//! numbering continues across sections, first floor retail"), condo's
//! `Property.map` JSON converts to and from one, and the store replaces a
//! building's stored layout with one in a single transaction. Units keep
//! their ids across replacements when their section and label stay the same,
//! so tickets and owners stay attached.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};

code_enum! {
    /// What a section is.
    SectionKind {
        /// Подъезд of a residential building.
        Entrance = "entrance",
        /// Корпус or wing of a complex or business centre.
        Wing = "wing",
        /// Parking (underground or multi-storey).
        Parking = "parking",
    }
}

code_enum! {
    /// What a unit (помещение) is.
    UnitKind {
        Apartment = "apartment",
        Office = "office",
        Retail = "retail",
        Storage = "storage",
        Parking = "parking",
    }
}

impl UnitKind {
    /// Whether people live in it (apartments); the rest are non-residential.
    pub const fn is_residential(self) -> bool {
        matches!(self, Self::Apartment)
    }
}

/// Most units one building may have (a large complex has a few thousand).
pub const MAX_UNITS: usize = 10_000;
/// Floors from `MIN_FLOOR` (underground) to `MAX_FLOOR`.
pub const MIN_FLOOR: i32 = -10;
pub const MAX_FLOOR: i32 = 150;

/// One unit in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitPlan {
    /// The number as written on the door: "45", "Н3", "М-120".
    pub label: String,
    pub kind: UnitKind,
    /// Square metres.
    pub area: Option<f64>,
    /// The unit's key in the billing system.
    pub external_id: Option<String>,
}

impl UnitPlan {
    pub fn new(label: impl Into<String>, kind: UnitKind) -> Self {
        Self { label: label.into(), kind, area: None, external_id: None }
    }
}

/// One floor of a section; units in order on the floor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FloorPlan {
    pub number: i32,
    /// A name other than the number ("Технический", "Мансарда").
    pub name: Option<String>,
    pub units: Vec<UnitPlan>,
}

/// One section; floors in any order (stored and shown by number).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionPlan {
    pub name: String,
    pub kind: SectionKind,
    pub floors: Vec<FloorPlan>,
}

/// A building's whole plan, sections in the order they are shown.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub sections: Vec<SectionPlan>,
}

/// Why a plan was refused: where, and what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {error}")]
pub struct LayoutError {
    /// Where in the plan: `sections[1].floors[3].units[0].label`.
    pub path: String,
    pub error: FieldError,
}

impl LayoutError {
    fn new(path: impl Into<String>, error: FieldError) -> Self {
        Self { path: path.into(), error }
    }
}

impl Layout {
    /// Every unit with its section and floor, in display order.
    pub fn units(&self) -> impl Iterator<Item = (&SectionPlan, &FloorPlan, &UnitPlan)> {
        self.sections.iter().flat_map(|s| s.floors.iter().flat_map(move |f| f.units.iter().map(move |u| (s, f, u))))
    }

    pub fn unit_count(&self) -> usize {
        self.sections.iter().flat_map(|s| &s.floors).map(|f| f.units.len()).sum()
    }

    /// Trims names and labels and checks the plan: names 1–100 characters,
    /// section names unique per kind (condo keeps residential sections and
    /// parking apart, so an entrance «1» and a parking level «1» may
    /// coexist), unique floor numbers within a section, floors
    /// within [`MIN_FLOOR`]..=[`MAX_FLOOR`], labels 1–20 characters and unique
    /// per section and kind, areas positive, at most [`MAX_UNITS`] units.
    /// Returns every problem, not only the first.
    pub fn validate(mut self) -> Result<Self, Vec<LayoutError>> {
        let mut errors = Vec::new();
        let mut section_names = HashSet::new();
        let mut external_ids = HashSet::new();
        for (si, section) in self.sections.iter_mut().enumerate() {
            match bounded_text(&section.name, 1, 100) {
                Ok(name) if !section_names.insert((section.kind, name.to_lowercase())) => {
                    errors.push(LayoutError::new(format!("sections[{si}].name"), FieldError::Taken));
                }
                Ok(name) => section.name = name,
                Err(e) => errors.push(LayoutError::new(format!("sections[{si}].name"), e)),
            }
            let mut numbers = HashSet::new();
            let mut labels = HashSet::new();
            for (fi, floor) in section.floors.iter_mut().enumerate() {
                let at = format!("sections[{si}].floors[{fi}]");
                if !(MIN_FLOOR..=MAX_FLOOR).contains(&floor.number) {
                    errors.push(LayoutError::new(format!("{at}.number"), FieldError::InvalidFormat));
                } else if !numbers.insert(floor.number) {
                    errors.push(LayoutError::new(format!("{at}.number"), FieldError::Taken));
                }
                floor.name = match floor.name.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(name) => match bounded_text(name, 1, 50) {
                        Ok(name) => Some(name),
                        Err(e) => {
                            errors.push(LayoutError::new(format!("{at}.name"), e));
                            None
                        }
                    },
                };
                for (ui, unit) in floor.units.iter_mut().enumerate() {
                    let at = format!("{at}.units[{ui}]");
                    match bounded_text(&unit.label, 1, 20) {
                        Ok(label) if label.chars().any(char::is_control) => {
                            errors.push(LayoutError::new(format!("{at}.label"), FieldError::InvalidFormat));
                        }
                        Ok(label) if !labels.insert((unit.kind, label.to_lowercase())) => {
                            errors.push(LayoutError::new(format!("{at}.label"), FieldError::Taken));
                        }
                        Ok(label) => unit.label = label,
                        Err(e) => errors.push(LayoutError::new(format!("{at}.label"), e)),
                    }
                    if unit.area.is_some_and(|a| !a.is_finite() || a <= 0.0 || a > 100_000.0) {
                        errors.push(LayoutError::new(format!("{at}.area"), FieldError::InvalidFormat));
                    }
                    unit.external_id = match unit.external_id.as_deref().map(str::trim) {
                        None | Some("") => None,
                        Some(id) if id.chars().count() > 100 => {
                            errors
                                .push(LayoutError::new(format!("{at}.external_id"), FieldError::TooLong { max: 100 }));
                            None
                        }
                        Some(id) if !external_ids.insert(id.to_owned()) => {
                            errors.push(LayoutError::new(format!("{at}.external_id"), FieldError::Taken));
                            None
                        }
                        Some(id) => Some(id.to_owned()),
                    };
                }
            }
        }
        if self.unit_count() > MAX_UNITS {
            errors.push(LayoutError::new("sections", FieldError::TooLong { max: MAX_UNITS }));
        }
        if errors.is_empty() { Ok(self) } else { Err(errors) }
    }
}

/// The kind a unit has when the text editor does not say.
const fn default_kind(section: SectionKind) -> UnitKind {
    match section {
        SectionKind::Entrance => UnitKind::Apartment,
        SectionKind::Wing => UnitKind::Office,
        SectionKind::Parking => UnitKind::Parking,
    }
}

/// Short kind words of the text editor.
const KIND_WORDS: &[(&str, UnitKind)] = &[
    ("кв", UnitKind::Apartment),
    ("офис", UnitKind::Office),
    ("пом", UnitKind::Retail),
    ("кл", UnitKind::Storage),
    ("мм", UnitKind::Parking),
];

/// A line of the text editor that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct TextError {
    /// 1-based.
    pub line: usize,
    pub problem: TextProblem,
}

/// What is wrong with a line of the text editor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextProblem {
    #[error("a floor line before any [section] line")]
    NoSection,
    #[error("expected `floor: units`")]
    NoColon,
    #[error("floor number {0:?} is not a whole number")]
    BadFloor(String),
    #[error("unknown unit kind {0:?}")]
    BadKind(String),
    #[error("area {0:?} is not a number")]
    BadArea(String),
}

impl Layout {
    /// The plan as the layout editor's text: a `[Подъезд 1]` line per
    /// section, then a `floor: units` line per floor, top-down. A unit is its
    /// label, `:kind` when it differs from the section's usual kind, and
    /// `=area` when known.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        for section in &self.sections {
            let header = match section.kind {
                SectionKind::Entrance => format!("[Подъезд {}]", section.name),
                SectionKind::Wing => format!("[Корпус {}]", section.name),
                SectionKind::Parking if section.name.starts_with("Паркинг") => format!("[{}]", section.name),
                SectionKind::Parking => format!("[Паркинг {}]", section.name),
            };
            out.push_str(&header);
            out.push('\n');
            let mut floors: Vec<&FloorPlan> = section.floors.iter().collect();
            floors.sort_by_key(|f| std::cmp::Reverse(f.number));
            for floor in floors {
                out.push_str(&floor.number.to_string());
                if let Some(name) = &floor.name {
                    out.push_str(&format!(" ({name})"));
                }
                out.push(':');
                for unit in &floor.units {
                    out.push(' ');
                    out.push_str(&unit.label);
                    if unit.kind != default_kind(section.kind)
                        && let Some((word, _)) = KIND_WORDS.iter().find(|(_, k)| *k == unit.kind)
                    {
                        out.push(':');
                        out.push_str(word);
                    }
                    if let Some(area) = unit.area {
                        out.push_str(&format!("={area}"));
                    }
                }
                out.push('\n');
            }
        }
        out
    }

    /// Reads the layout editor's text (see [`Layout::to_text`]); every line
    /// that does not read is reported. The result still needs
    /// [`Layout::validate`].
    pub fn parse_text(text: &str) -> Result<Layout, Vec<TextError>> {
        let mut sections: Vec<SectionPlan> = Vec::new();
        let mut errors = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = index + 1;
            let trimmed = raw.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
                let header = header.trim();
                let (kind, name) = if let Some(rest) = header.strip_prefix("Подъезд") {
                    (SectionKind::Entrance, rest.trim())
                } else if let Some(rest) = header.strip_prefix("Корпус") {
                    (SectionKind::Wing, rest.trim())
                } else if header.starts_with("Паркинг") {
                    (SectionKind::Parking, header)
                } else {
                    (SectionKind::Entrance, header)
                };
                sections.push(SectionPlan { name: name.to_owned(), kind, floors: Vec::new() });
                continue;
            }
            let Some(section) = sections.last_mut() else {
                errors.push(TextError { line, problem: TextProblem::NoSection });
                continue;
            };
            let Some((head, units)) = trimmed.split_once(':') else {
                errors.push(TextError { line, problem: TextProblem::NoColon });
                continue;
            };
            let (number, name) = match head.split_once('(') {
                Some((n, rest)) => (n.trim(), Some(rest.trim_end_matches(')').trim().to_owned())),
                None => (head.trim(), None),
            };
            let Ok(number) = number.parse::<i32>() else {
                errors.push(TextError { line, problem: TextProblem::BadFloor(number.to_owned()) });
                continue;
            };
            let mut plans = Vec::new();
            for token in units.split_whitespace() {
                let (rest, area) = match token.split_once('=') {
                    Some((rest, area)) => match area.replace(',', ".").parse::<f64>() {
                        Ok(a) => (rest, Some(a)),
                        Err(_) => {
                            errors.push(TextError { line, problem: TextProblem::BadArea(area.to_owned()) });
                            continue;
                        }
                    },
                    None => (token, None),
                };
                let (label, kind) = match rest.split_once(':') {
                    Some((label, word)) => {
                        let word = word.to_lowercase();
                        match KIND_WORDS.iter().find(|(w, _)| *w == word) {
                            Some((_, kind)) => (label, *kind),
                            None => {
                                errors.push(TextError { line, problem: TextProblem::BadKind(word) });
                                continue;
                            }
                        }
                    }
                    None => (rest, default_kind(section.kind)),
                };
                plans.push(UnitPlan { label: label.to_owned(), kind, area, external_id: None });
            }
            section.floors.push(FloorPlan { number, name, units: plans });
        }
        if errors.is_empty() { Ok(Layout { sections }) } else { Err(errors) }
    }
}

/// What the ground floor holds when it differs from the floors above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundFloor {
    /// Retail or office: non-residential units are labelled `Н1`, `Н2`, …
    /// across the building (нежилые помещения).
    pub kind: UnitKind,
    pub units_per_section: u32,
}

/// Parking levels below ground in their own section ("Паркинг"); spaces
/// are labelled `М1`, `М2`, … (машино-места).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkingSpec {
    pub levels: u32,
    pub spaces_per_level: u32,
}

/// The numbers the layout generator needs for a regular building.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayoutSpec {
    /// How many sections (подъезды), named 1, 2, …
    pub sections: u32,
    pub kind: SectionKind,
    /// The first and last floors with regular units (e.g. 2 and 25).
    pub first_floor: i32,
    pub last_floor: i32,
    pub units_per_floor: u32,
    /// Kind of the regular units (apartments in a tower, offices in a business centre).
    pub unit_kind: UnitKind,
    /// The first unit's number; numbering continues across sections.
    pub first_number: u32,
    /// Number by floor instead ("101, 102, … 201, …"), as offices are.
    #[serde(default)]
    pub by_floor: bool,
    /// A ground floor (floor 1, or the floor below `first_floor`) of other units.
    pub ground_floor: Option<GroundFloor>,
    pub parking: Option<ParkingSpec>,
}

impl LayoutSpec {
    /// Builds the plan: sections side by side, each with the floors from
    /// `first_floor` up; units numbered floor by floor within a section and
    /// on through the next section (as Russian residential buildings are).
    pub fn generate(&self) -> Result<Layout, Vec<LayoutError>> {
        let mut errors = Vec::new();
        if !(1..=50).contains(&self.sections) {
            errors.push(LayoutError::new("sections", FieldError::InvalidFormat));
        }
        if self.first_floor > self.last_floor || self.first_floor < MIN_FLOOR || self.last_floor > MAX_FLOOR {
            errors.push(LayoutError::new("last_floor", FieldError::InvalidFormat));
        }
        if !(1..=100).contains(&self.units_per_floor) {
            errors.push(LayoutError::new("units_per_floor", FieldError::InvalidFormat));
        }
        let ground_floor_number = self.first_floor - 1;
        if let Some(ground) = self.ground_floor
            && (!(1..=100).contains(&ground.units_per_section) || ground_floor_number < MIN_FLOOR)
        {
            errors.push(LayoutError::new("ground_floor", FieldError::InvalidFormat));
        }
        if let Some(parking) = self.parking
            && (!(1..=5).contains(&parking.levels) || !(1..=1000).contains(&parking.spaces_per_level))
        {
            errors.push(LayoutError::new("parking", FieldError::InvalidFormat));
        }
        let total = u64::from(self.sections)
            * (u64::from(self.units_per_floor) * (self.last_floor - self.first_floor + 1).max(0) as u64
                + self.ground_floor.map_or(0, |g| u64::from(g.units_per_section)))
            + self.parking.map_or(0, |p| u64::from(p.levels) * u64::from(p.spaces_per_level));
        if total > MAX_UNITS as u64 {
            errors.push(LayoutError::new("units_per_floor", FieldError::TooLong { max: MAX_UNITS }));
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut number = self.first_number;
        let mut non_residential = 1;
        let mut sections = Vec::new();
        for s in 1..=self.sections {
            let mut floors = Vec::new();
            if let Some(ground) = self.ground_floor {
                let units = (0..ground.units_per_section)
                    .map(|_| {
                        let unit = UnitPlan::new(format!("Н{non_residential}"), ground.kind);
                        non_residential += 1;
                        unit
                    })
                    .collect();
                floors.push(FloorPlan { number: ground_floor_number, name: None, units });
            }
            for floor in self.first_floor..=self.last_floor {
                let units = (0..self.units_per_floor)
                    .map(|i| {
                        let label = if self.by_floor {
                            let on_floor = format!("{}{:02}", floor, i + 1);
                            if self.sections > 1 { format!("{s}-{on_floor}") } else { on_floor }
                        } else {
                            number.to_string()
                        };
                        number += 1;
                        UnitPlan::new(label, self.unit_kind)
                    })
                    .collect();
                floors.push(FloorPlan { number: floor, name: None, units });
            }
            sections.push(SectionPlan { name: s.to_string(), kind: self.kind, floors });
        }
        if let Some(parking) = self.parking {
            let mut space = 1;
            let floors = (1..=parking.levels as i32)
                .map(|level| FloorPlan {
                    number: -level,
                    name: None,
                    units: (0..parking.spaces_per_level)
                        .map(|_| {
                            let unit = UnitPlan::new(format!("М{space}"), UnitKind::Parking);
                            space += 1;
                            unit
                        })
                        .collect(),
                })
                .collect();
            sections.push(SectionPlan { name: "Паркинг".to_owned(), kind: SectionKind::Parking, floors });
        }
        Layout { sections }.validate()
    }
}

/// condo's `Property.map` JSON (open-condo-software/condo, `dv: 1`).
pub mod condo {
    use serde::{Deserialize, Serialize};

    use super::{FloorPlan, Layout, SectionKind, SectionPlan, UnitKind, UnitPlan};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct CondoMap {
        pub dv: u32,
        #[serde(rename = "type", default = "building")]
        pub kind: String,
        #[serde(default)]
        pub sections: Vec<CondoSection>,
        #[serde(default)]
        pub parking: Vec<CondoSection>,
    }

    fn building() -> String {
        "building".to_owned()
    }

    /// A text condo may send as `null`: read as empty.
    fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        Option::<String>::deserialize(deserializer).map(Option::unwrap_or_default)
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct CondoSection {
        #[serde(default)]
        pub id: String,
        #[serde(rename = "type", default)]
        pub kind: String,
        #[serde(default)]
        pub index: i64,
        #[serde(default, deserialize_with = "null_as_empty")]
        pub name: String,
        #[serde(default)]
        pub preview: Option<bool>,
        #[serde(default)]
        pub floors: Vec<CondoFloor>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct CondoFloor {
        #[serde(default)]
        pub id: String,
        #[serde(rename = "type", default)]
        pub kind: String,
        pub index: i32,
        #[serde(default, deserialize_with = "null_as_empty")]
        pub name: String,
        #[serde(default)]
        pub units: Vec<CondoUnit>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    pub struct CondoUnit {
        #[serde(default)]
        pub id: String,
        #[serde(rename = "type", default)]
        pub kind: String,
        /// condo's schema: `string | null`.
        #[serde(default, deserialize_with = "null_as_empty")]
        pub name: String,
        pub label: String,
        #[serde(rename = "unitType", default)]
        pub unit_type: Option<String>,
        #[serde(default)]
        pub preview: Option<bool>,
    }

    /// condo's unit types as ours. condo's `apartment` (апартаменты) becomes
    /// an apartment and `commercial` a retail unit; a missing type is `flat`.
    fn unit_kind(unit_type: Option<&str>) -> Option<UnitKind> {
        match unit_type.unwrap_or("flat") {
            "flat" | "apartment" => Some(UnitKind::Apartment),
            "commercial" => Some(UnitKind::Retail),
            "warehouse" => Some(UnitKind::Storage),
            "parking" => Some(UnitKind::Parking),
            _ => None,
        }
    }

    /// Ours as condo's: offices and shops are both `commercial` there.
    pub fn unit_type(kind: UnitKind) -> &'static str {
        match kind {
            UnitKind::Apartment => "flat",
            UnitKind::Office | UnitKind::Retail => "commercial",
            UnitKind::Storage => "warehouse",
            UnitKind::Parking => "parking",
        }
    }

    /// Why a condo map could not be read: where, and what.
    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("{path}: unknown unitType {value:?}")]
    pub struct UnknownUnitType {
        pub path: String,
        pub value: String,
    }

    impl CondoMap {
        /// The map as a plan (not yet validated): `sections[]` become
        /// entrances, `parking[]` parking sections; a floor's `index` is its
        /// number.
        pub fn to_layout(&self) -> Result<Layout, UnknownUnitType> {
            let mut sections = Vec::new();
            for (group, list, kind) in
                [("sections", &self.sections, SectionKind::Entrance), ("parking", &self.parking, SectionKind::Parking)]
            {
                for (si, section) in list.iter().enumerate() {
                    let mut floors = Vec::new();
                    for (fi, floor) in section.floors.iter().enumerate() {
                        let mut units = Vec::new();
                        for (ui, unit) in floor.units.iter().enumerate() {
                            let default = if kind == SectionKind::Parking { "parking" } else { "flat" };
                            let unit_type = unit.unit_type.as_deref().unwrap_or(default);
                            let Some(kind) = unit_kind(Some(unit_type)) else {
                                return Err(UnknownUnitType {
                                    path: format!("{group}[{si}].floors[{fi}].units[{ui}].unitType"),
                                    value: unit_type.to_owned(),
                                });
                            };
                            units.push(UnitPlan::new(unit.label.clone(), kind));
                        }
                        let name = (floor.name.trim() != floor.index.to_string() && !floor.name.trim().is_empty())
                            .then(|| floor.name.trim().to_owned());
                        floors.push(FloorPlan { number: floor.index, name, units });
                    }
                    sections.push(SectionPlan { name: section.name.clone(), kind, floors });
                }
            }
            Ok(Layout { sections })
        }

        /// A plan as condo's map. `ids` names each section, floor and unit
        /// (our ids when exporting a stored layout); floors go top-down, as
        /// condo draws them.
        pub fn from_layout(layout: &Layout, mut ids: impl FnMut(&str) -> String) -> Self {
            let mut map = CondoMap { dv: 1, kind: building(), sections: Vec::new(), parking: Vec::new() };
            for (si, section) in layout.sections.iter().enumerate() {
                let mut floors: Vec<&FloorPlan> = section.floors.iter().collect();
                floors.sort_by_key(|f| std::cmp::Reverse(f.number));
                let condo = CondoSection {
                    id: ids(&format!("s{si}")),
                    kind: "section".to_owned(),
                    index: 0,
                    name: section.name.clone(),
                    preview: None,
                    floors: floors
                        .into_iter()
                        .map(|floor| CondoFloor {
                            id: ids(&format!("s{si}f{}", floor.number)),
                            kind: "floor".to_owned(),
                            index: floor.number,
                            name: floor.name.clone().unwrap_or_else(|| floor.number.to_string()),
                            units: floor
                                .units
                                .iter()
                                .enumerate()
                                .map(|(ui, unit)| CondoUnit {
                                    id: ids(&format!("s{si}f{}u{ui}", floor.number)),
                                    kind: "unit".to_owned(),
                                    name: String::new(),
                                    label: unit.label.clone(),
                                    unit_type: Some(unit_type(unit.kind).to_owned()),
                                    preview: None,
                                })
                                .collect(),
                        })
                        .collect(),
                };
                if section.kind == SectionKind::Parking {
                    map.parking.push(condo);
                } else {
                    map.sections.push(condo);
                }
            }
            for (i, section) in map.sections.iter_mut().enumerate() {
                section.index = i as i64 + 1;
            }
            for (i, section) in map.parking.iter_mut().enumerate() {
                section.index = i as i64 + 1;
            }
            map
        }
    }
}

#[cfg(test)]
mod tests {
    use super::condo::CondoMap;
    use super::*;

    fn tower() -> LayoutSpec {
        LayoutSpec {
            sections: 2,
            kind: SectionKind::Entrance,
            first_floor: 2,
            last_floor: 25,
            units_per_floor: 6,
            unit_kind: UnitKind::Apartment,
            first_number: 1,
            by_floor: false,
            ground_floor: Some(GroundFloor { kind: UnitKind::Retail, units_per_section: 3 }),
            parking: Some(ParkingSpec { levels: 2, spaces_per_level: 40 }),
        }
    }

    #[test]
    fn generator_numbers_across_sections_with_retail_and_parking() {
        let layout = tower().generate().unwrap();
        assert_eq!(layout.sections.len(), 3);
        assert_eq!(layout.unit_count(), 2 * (24 * 6 + 3) + 80);
        let first = &layout.sections[0];
        assert_eq!(first.floors[0].number, 1);
        assert_eq!(first.floors[0].units[0], UnitPlan::new("Н1", UnitKind::Retail));
        assert_eq!(first.floors[1].number, 2);
        assert_eq!(first.floors[1].units[0].label, "1");
        assert_eq!(first.floors.last().unwrap().units.last().unwrap().label, "144");
        let second = &layout.sections[1];
        assert_eq!(second.name, "2");
        assert_eq!(second.floors[0].units[0].label, "Н4");
        assert_eq!(second.floors[1].units[0].label, "145");
        assert_eq!(second.floors.last().unwrap().units.last().unwrap().label, "288");
        let parking = &layout.sections[2];
        assert_eq!(parking.kind, SectionKind::Parking);
        assert_eq!(parking.floors.iter().map(|f| f.number).collect::<Vec<_>>(), [-1, -2]);
        assert_eq!(parking.floors[1].units.last().unwrap().label, "М80");
    }

    #[test]
    fn offices_can_be_numbered_by_floor() {
        let spec = LayoutSpec {
            sections: 1,
            kind: SectionKind::Wing,
            first_floor: 1,
            last_floor: 12,
            units_per_floor: 10,
            unit_kind: UnitKind::Office,
            first_number: 1,
            by_floor: true,
            ground_floor: None,
            parking: None,
        };
        let layout = spec.generate().unwrap();
        assert_eq!(layout.sections[0].floors[0].units[0].label, "101");
        assert_eq!(layout.sections[0].floors[11].units[9].label, "1210");
    }

    #[test]
    fn generator_refuses_impossible_numbers() {
        let mut spec = tower();
        spec.first_floor = 30;
        spec.units_per_floor = 0;
        spec.sections = 0;
        let errors = spec.generate().unwrap_err();
        let paths: Vec<_> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["sections", "last_floor", "units_per_floor"]);

        let mut huge = tower();
        huge.sections = 50;
        huge.units_per_floor = 100;
        assert!(huge.generate().unwrap_err().iter().any(|e| e.error == FieldError::TooLong { max: MAX_UNITS }));
    }

    #[test]
    fn validation_reports_every_problem_with_its_place() {
        let layout = Layout {
            sections: vec![
                SectionPlan {
                    name: " 1 ".into(),
                    kind: SectionKind::Entrance,
                    floors: vec![
                        FloorPlan {
                            number: 1,
                            name: Some("  ".into()),
                            units: vec![
                                UnitPlan::new("1", UnitKind::Apartment),
                                UnitPlan::new("1", UnitKind::Apartment),
                            ],
                        },
                        FloorPlan { number: 1, name: None, units: vec![UnitPlan::new("", UnitKind::Office)] },
                    ],
                },
                SectionPlan { name: "1".into(), kind: SectionKind::Entrance, floors: vec![] },
            ],
        };
        let errors = layout.validate().unwrap_err();
        let found: Vec<_> = errors.iter().map(|e| (e.path.as_str(), e.error.clone())).collect();
        assert_eq!(
            found,
            [
                ("sections[0].floors[0].units[1].label", FieldError::Taken),
                ("sections[0].floors[1].number", FieldError::Taken),
                ("sections[0].floors[1].units[0].label", FieldError::Required),
                ("sections[1].name", FieldError::Taken),
            ]
        );
    }

    #[test]
    fn same_label_may_repeat_for_different_kinds() {
        let layout = Layout {
            sections: vec![SectionPlan {
                name: "1".into(),
                kind: SectionKind::Entrance,
                floors: vec![FloorPlan {
                    number: 1,
                    name: None,
                    units: vec![UnitPlan::new("1", UnitKind::Apartment), UnitPlan::new("1", UnitKind::Storage)],
                }],
            }],
        };
        assert!(layout.validate().is_ok());
    }

    #[test]
    fn editor_text_round_trips_and_reports_bad_lines() {
        let mut layout = tower().generate().unwrap();
        layout.sections[0].floors[0].units[0].area = Some(120.5);
        layout.sections[0].floors[0].name = Some("Цоколь".into());
        let text = layout.to_text();
        assert!(text.starts_with("[Подъезд 1]\n25: 139 140 141 142 143 144\n"), "{text}");
        assert!(text.contains("1 (Цоколь): Н1:пом=120.5 Н2:пом Н3:пом\n"), "{text}");
        assert!(text.contains("[Паркинг]\n-1: М1 М2"), "{text}");
        let mut back = Layout::parse_text(&text).unwrap().validate().unwrap();
        // The text lists floors top-down; compare in the generator's order.
        for section in &mut back.sections {
            section.floors.sort_by_key(|f| f.number);
        }
        let mut expected = layout.clone();
        for section in &mut expected.sections {
            section.floors.sort_by_key(|f| f.number);
        }
        assert_eq!(back, expected);

        let errors = Layout::parse_text("5: 1 2\n[Корпус А]\nпятый: 1\n3 1 2\n2: 7:дворец 8=много\n").unwrap_err();
        let problems: Vec<_> = errors.iter().map(|e| (e.line, e.problem.clone())).collect();
        assert_eq!(
            problems,
            [
                (1, TextProblem::NoSection),
                (3, TextProblem::BadFloor("пятый".into())),
                (4, TextProblem::NoColon),
                (5, TextProblem::BadKind("дворец".into())),
                (5, TextProblem::BadArea("много".into())),
            ]
        );
        let wing = Layout::parse_text("[Корпус А]\n2: 201 202:кл\n").unwrap();
        assert_eq!(wing.sections[0].kind, SectionKind::Wing);
        assert_eq!(wing.sections[0].floors[0].units[0].kind, UnitKind::Office);
        assert_eq!(wing.sections[0].floors[0].units[1].kind, UnitKind::Storage);
    }

    const CONDO: &str = r#"{
        "dv": 1, "type": "building",
        "sections": [
          {"id": "a", "type": "section", "index": 1, "name": "1", "preview": null, "floors": [
            {"id": "f2", "type": "floor", "index": 2, "name": "2", "units": [
              {"id": "u3", "type": "unit", "name": "", "label": "3", "unitType": "flat"},
              {"id": "u4", "type": "unit", "name": "", "label": "4", "unitType": "flat"}]},
            {"id": "f1", "type": "floor", "index": 1, "name": "1", "units": [
              {"id": "u1", "type": "unit", "name": "", "label": "1", "unitType": "commercial"},
              {"id": "u2", "type": "unit", "label": "2"}]},
            {"id": "f-1", "type": "floor", "index": -1, "name": "Подвал", "units": [
              {"id": "k1", "type": "unit", "label": "К1", "unitType": "warehouse"}]}]}
        ],
        "parking": [
          {"id": "p", "type": "section", "index": 1, "name": "Паркинг", "floors": [
            {"id": "pf", "type": "floor", "index": -1, "name": "-1", "units": [
              {"id": "m1", "type": "unit", "label": "1", "unitType": "parking"}]}]}
        ]
    }"#;

    #[test]
    fn condo_map_reads_sections_floors_units_and_parking() {
        let map: CondoMap = serde_json::from_str(CONDO).unwrap();
        let layout = map.to_layout().unwrap().validate().unwrap();
        assert_eq!(layout.sections.len(), 2);
        assert_eq!(layout.unit_count(), 6);
        let floor1 = &layout.sections[0].floors[1];
        assert_eq!(floor1.units[0].kind, UnitKind::Retail);
        assert_eq!(floor1.units[1].kind, UnitKind::Apartment);
        assert_eq!(layout.sections[0].floors[2].name.as_deref(), Some("Подвал"));
        assert_eq!(layout.sections[1].kind, SectionKind::Parking);
    }

    /// Import → export gives an equivalent map: the same sections, floors
    /// (top-down), labels and unit types; ids are ours after the trip.
    #[test]
    fn condo_map_round_trip_is_equivalent() {
        let map: CondoMap = serde_json::from_str(CONDO).unwrap();
        let layout = map.to_layout().unwrap().validate().unwrap();
        let again = CondoMap::from_layout(&layout, |k| k.to_owned());
        let shape = |m: &CondoMap| {
            [&m.sections, &m.parking]
                .into_iter()
                .flatten()
                .map(|s| {
                    let floors = s
                        .floors
                        .iter()
                        .map(|f| {
                            let units = f
                                .units
                                .iter()
                                .map(|u| (u.label.clone(), u.unit_type.clone().unwrap_or_else(|| "flat".into())))
                                .collect::<Vec<_>>();
                            (f.index, f.name.clone(), units)
                        })
                        .collect::<Vec<_>>();
                    (s.index, s.name.clone(), floors)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(shape(&again), shape(&map));
        // And the exported map reads back into the same plan.
        assert_eq!(again.to_layout().unwrap().validate().unwrap(), layout);
    }

    #[test]
    fn condo_unknown_unit_type_names_its_place() {
        let bad = CONDO.replace("\"warehouse\"", "\"castle\"");
        let map: CondoMap = serde_json::from_str(&bad).unwrap();
        let error = map.to_layout().unwrap_err();
        assert_eq!(error.path, "sections[0].floors[2].units[0].unitType");
        assert_eq!(error.value, "castle");
    }
}
