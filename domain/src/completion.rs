//! What a category asks before its tickets may be done: a checklist the
//! technician ticks off on site, and the resident's signature.
//!
//! The company defines them per category (settings → «Чек-листы»). Moving a
//! ticket of that category to done is refused until every item is ticked
//! and, where asked, a signature was taken; whoever moves it (technician or
//! dispatcher). Rejecting or cancelling is never held up.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{FieldError, bounded_text};

/// The most items a checklist may have.
pub const MAX_ITEMS: usize = 30;
/// The longest item, in characters.
pub const MAX_ITEM_CHARS: usize = 200;

/// What a category asks before done.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirements {
    /// The checklist's items, in order; each is its own key.
    pub items: Vec<String>,
    /// Whether the resident signs on the technician's phone.
    pub signature: bool,
}

impl Requirements {
    /// Reads a checklist as typed (one item a line, or a list): blank lines
    /// are skipped, each item is 1–200 printable characters, items are
    /// unique (case-insensitively), 30 at most.
    pub fn parse<S: AsRef<str>>(lines: &[S], signature: bool) -> Result<Self, FieldError> {
        let mut items = Vec::new();
        let mut seen = HashSet::new();
        for line in lines.iter().flat_map(|l| l.as_ref().lines()) {
            if line.trim().is_empty() {
                continue;
            }
            let item = bounded_text(line, 1, MAX_ITEM_CHARS)?;
            if !seen.insert(item.to_lowercase()) {
                return Err(FieldError::Taken);
            }
            items.push(item);
            if items.len() > MAX_ITEMS {
                return Err(FieldError::TooLong { max: MAX_ITEMS });
            }
        }
        Ok(Self { items, signature })
    }

    /// Whether the category asks nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && !self.signature
    }

    /// Whether `item` is one of the checklist's.
    pub fn has_item(&self, item: &str) -> bool {
        self.items.iter().any(|i| i == item)
    }

    /// What is still missing before done, given the ticked items and
    /// whether a signature was taken.
    pub fn missing<'a>(&'a self, ticked: &HashSet<String>, signed: bool) -> Missing<'a> {
        Missing {
            items: self.items.iter().filter(|i| !ticked.contains(*i)).map(String::as_str).collect(),
            signature: self.signature && !signed,
        }
    }
}

/// What keeps a ticket from done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing<'a> {
    pub items: Vec<&'a str>,
    pub signature: bool,
}

impl Missing<'_> {
    pub fn is_empty(&self) -> bool {
        self.items.is_empty() && !self.signature
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checklist_is_read_line_by_line_and_bounded() {
        let typed = Requirements::parse(&["Перекрыть воду\n\n  Проверить протечки  \r\nУбрать место"], true).unwrap();
        assert_eq!(typed.items, ["Перекрыть воду", "Проверить протечки", "Убрать место"]);
        assert!(typed.signature);
        assert!(Requirements::parse::<&str>(&[], false).unwrap().is_empty());
        assert_eq!(Requirements::parse(&["Вода", "вода"], false), Err(FieldError::Taken));
        assert_eq!(
            Requirements::parse(&["x".repeat(MAX_ITEM_CHARS + 1)], false),
            Err(FieldError::TooLong { max: MAX_ITEM_CHARS })
        );
        let many: Vec<String> = (0..=MAX_ITEMS).map(|i| format!("Пункт {i}")).collect();
        assert_eq!(Requirements::parse(&many, false), Err(FieldError::TooLong { max: MAX_ITEMS }));
        assert_eq!(Requirements::parse(&["ok\u{0007}"], false), Err(FieldError::Unprintable));
    }

    #[test]
    fn done_waits_for_every_item_and_the_signature() {
        let asked = Requirements::parse(&["Перекрыть воду", "Убрать место"], true).unwrap();
        let ticked: HashSet<String> = ["Перекрыть воду".to_owned()].into();
        let missing = asked.missing(&ticked, false);
        assert_eq!(missing.items, ["Убрать место"]);
        assert!(missing.signature);
        let all: HashSet<String> = asked.items.iter().cloned().collect();
        assert!(asked.missing(&all, true).is_empty());
        // A ticked item the checklist no longer has does not count.
        let stale: HashSet<String> = ["Старый пункт".to_owned()].into();
        assert_eq!(asked.missing(&stale, true).items.len(), 2);
    }
}
