//! Text folding for search.

/// Folds text for case- and ё-insensitive matching: lower case, `ё` → `е`,
/// runs of white space collapsed to one space.
///
/// Stored search columns hold folded text and queries are folded the same
/// way, so matching is a plain substring test on both database backends
/// (SQLite's own `lower()` only folds ASCII).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.trim().chars() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        for lower in c.to_lowercase() {
            out.push(if lower == 'ё' { 'е' } else { lower });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folding_ignores_case_yo_and_spacing() {
        assert_eq!(fold("  Фёдоров   Пётр "), "федоров петр");
        assert_eq!(fold("ЁЛКИН"), "елкин");
        assert_eq!(fold("Ivanov\tIvan"), "ivanov ivan");
        assert_eq!(fold(""), "");
    }
}
