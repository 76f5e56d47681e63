//! The ticket classifier: where (place), what (category) and which problem.
//!
//! A fresh installation gets a classifier of a Russian management company;
//! administrators edit it (names, order, new items, switching items off).
//! Codes are stable keys for SLA templates and assignment rules.

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};

/// Which list an item belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClassifierKind {
    Place,
    Category,
    /// A problem within a category.
    Problem,
}

impl ClassifierKind {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Place => "place",
            Self::Category => "category",
            Self::Problem => "problem",
        }
    }
}

impl std::str::FromStr for ClassifierKind {
    type Err = FieldError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        match code {
            "place" => Ok(Self::Place),
            "category" => Ok(Self::Category),
            "problem" => Ok(Self::Problem),
            _ => Err(FieldError::Unknown),
        }
    }
}

/// An item's name: 1 to 120 characters.
pub fn parse_item_name(raw: &str) -> Result<String, FieldError> {
    bounded_text(raw, 1, 120)
}

/// An item's code: lowercase Latin letters, digits and `_`, 2 to 60.
pub fn parse_item_code(raw: &str) -> Result<String, FieldError> {
    let code = raw.trim();
    let valid = (2..=60).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && code.as_bytes()[0].is_ascii_lowercase();
    if valid { Ok(code.to_owned()) } else { Err(FieldError::InvalidFormat) }
}

/// A seeded item: code, name, and for problems the category's code.
#[derive(Debug, Clone, Copy)]
pub struct SeedItem {
    pub kind: ClassifierKind,
    pub code: &'static str,
    pub name: &'static str,
    pub parent: Option<&'static str>,
}

const fn place(code: &'static str, name: &'static str) -> SeedItem {
    SeedItem { kind: ClassifierKind::Place, code, name, parent: None }
}

const fn category(code: &'static str, name: &'static str) -> SeedItem {
    SeedItem { kind: ClassifierKind::Category, code, name, parent: None }
}

const fn problem(parent: &'static str, code: &'static str, name: &'static str) -> SeedItem {
    SeedItem { kind: ClassifierKind::Problem, code, name, parent: Some(parent) }
}

/// The classifier a fresh installation starts with.
pub const SEED: &[SeedItem] = &[
    place("place_unit", "Квартира / помещение"),
    place("place_common", "Места общего пользования (подъезд, холл, лестница)"),
    place("place_basement", "Подвал, технический этаж"),
    place("place_roof", "Кровля, чердак"),
    place("place_yard", "Придомовая территория"),
    place("place_parking", "Паркинг"),
    place("place_lift", "Лифт"),
    category("plumbing", "Сантехника и водоснабжение"),
    problem("plumbing", "plumbing_leak", "Течь, протечка"),
    problem("plumbing", "plumbing_no_cold", "Нет холодной воды"),
    problem("plumbing", "plumbing_no_hot", "Нет горячей воды"),
    problem("plumbing", "plumbing_pressure", "Слабый напор"),
    problem("plumbing", "plumbing_meter", "Счётчик воды: замена, опломбировка"),
    category("sewer", "Канализация"),
    problem("sewer", "sewer_blockage", "Засор"),
    problem("sewer", "sewer_smell", "Запах канализации"),
    category("heating", "Отопление"),
    problem("heating", "heating_cold", "Холодные батареи"),
    problem("heating", "heating_leak", "Течь радиатора или стояка"),
    problem("heating", "heating_airlock", "Завоздушивание, стравить воздух"),
    category("electric", "Электрика"),
    problem("electric", "electric_no_power", "Нет электричества"),
    problem("electric", "electric_lighting", "Не горит свет в подъезде"),
    problem("electric", "electric_sparking", "Искрит щиток, запах гари"),
    category("lift", "Лифт"),
    problem("lift", "lift_stopped", "Лифт не работает"),
    problem("lift", "lift_stuck", "Застряли люди"),
    problem("lift", "lift_doors", "Не закрываются двери"),
    category("intercom", "Домофон и видеонаблюдение"),
    problem("intercom", "intercom_broken", "Не работает домофон"),
    problem("intercom", "intercom_key", "Ключ-брелок: выдать, заблокировать"),
    category("cleaning", "Уборка"),
    problem("cleaning", "cleaning_entrance", "Грязно в подъезде"),
    problem("cleaning", "cleaning_chute", "Засор мусоропровода"),
    problem("cleaning", "cleaning_waste", "Не вывезен мусор"),
    category("landscaping", "Благоустройство"),
    problem("landscaping", "landscaping_snow", "Снег, наледь, сосульки"),
    problem("landscaping", "landscaping_playground", "Детская площадка"),
    problem("landscaping", "landscaping_greenery", "Озеленение, покос"),
    category("roof", "Кровля и фасад"),
    problem("roof", "roof_leak", "Протечка кровли"),
    problem("roof", "roof_facade", "Повреждение фасада"),
    category("doors", "Двери, окна, замки"),
    problem("doors", "doors_entrance", "Входная дверь подъезда"),
    problem("doors", "doors_window", "Окна в подъезде"),
    category("gas", "Газ"),
    problem("gas", "gas_smell", "Запах газа"),
    category("noise", "Шум и соседи"),
    category("billing", "Квитанции и начисления"),
    category("other", "Другое"),
];

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn the_seed_has_unique_valid_codes_and_known_parents() {
        let mut codes = HashSet::new();
        for item in SEED {
            assert!(parse_item_code(item.code).is_ok(), "{}", item.code);
            assert!(codes.insert(item.code), "duplicate {}", item.code);
            assert!(parse_item_name(item.name).is_ok());
            if let Some(parent) = item.parent {
                assert!(SEED.iter().any(|p| p.code == parent && p.kind == ClassifierKind::Category), "{parent}");
            }
        }
        // Every SLA template names a category of the seed.
        for template in crate::sla::SLA_TEMPLATES {
            assert!(SEED.iter().any(|i| i.code == template.category), "{}", template.code);
        }
    }
}
