//! Validation errors with stable codes.
//!
//! Domain parsers return a [`FieldError`]: a stable snake_case code that
//! programs can rely on, plus the parameters a message needs. The human
//! message (Russian by default) is chosen by the web layer from its string
//! catalog, so the domain stays free of presentation.

use std::fmt;

/// Why one input value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// The value is empty but must not be.
    #[error("required")]
    Required,
    /// The value is shorter than `min` characters.
    #[error("too short: at least {min} characters")]
    TooShort { min: usize },
    /// The value is longer than `max` characters.
    #[error("too long: at most {max} characters")]
    TooLong { max: usize },
    /// The value does not have the expected form (see the field's docs).
    #[error("invalid format")]
    InvalidFormat,
    /// The value names something unknown (a time zone, a permission, a kind).
    #[error("unknown value")]
    Unknown,
    /// The value collides with an existing one (a login, a role name).
    #[error("already taken")]
    Taken,
    /// The value is not allowed in this combination (see the message).
    #[error("not allowed here")]
    NotAllowed,
    /// The text holds control characters (other than line breaks and tabs)
    /// or characters that are not characters (U+FFFE, U+FFFF, …).
    #[error("unprintable characters")]
    Unprintable,
}

impl FieldError {
    /// The stable code that appears in API errors under `fields`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort { .. } => "too_short",
            Self::TooLong { .. } => "too_long",
            Self::InvalidFormat => "invalid_format",
            Self::Unknown => "unknown",
            Self::Taken => "taken",
            Self::NotAllowed => "not_allowed",
            Self::Unprintable => "unprintable",
        }
    }
}

/// Errors of several fields of one input, in field order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, FieldError)>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `error` for `field`.
    pub fn add(&mut self, field: &'static str, error: FieldError) {
        self.0.push((field, error));
    }

    /// Keeps the parsed value, or records its error and returns `None`.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, FieldError>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'static str, FieldError)> {
        self.0.iter()
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), Self> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (field, error) in &self.0 {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            write!(f, "{field}: {error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

impl FromIterator<(&'static str, FieldError)> for FieldErrors {
    fn from_iter<I: IntoIterator<Item = (&'static str, FieldError)>>(errors: I) -> Self {
        Self(errors.into_iter().collect())
    }
}

impl From<(&'static str, FieldError)> for FieldErrors {
    fn from((field, error): (&'static str, FieldError)) -> Self {
        Self(vec![(field, error)])
    }
}

/// Text as it may be stored: in Unicode's composed form (NFC: «ё» typed
/// as «е» + a combining mark equals «ё»), line breaks as `\n`, and without
/// control characters (other than `\n` and tab) or non-characters — a NUL,
/// an escape sequence or U+FFFF never reaches the database, a page or an
/// exported spreadsheet. Every text input passes here once, at the
/// boundary, through the parsers of this crate.
pub fn clean_text(raw: &str) -> Result<String, FieldError> {
    use unicode_normalization::UnicodeNormalization as _;
    let unified = raw.replace("\r\n", "\n").replace('\r', "\n");
    let refused = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || ('\u{FDD0}'..='\u{FDEF}').contains(&c)
            || (u32::from(c) & 0xFFFE) == 0xFFFE
    };
    if unified.chars().any(refused) {
        return Err(FieldError::Unprintable);
    }
    Ok(unified.nfc().collect())
}

/// Cleans `raw` ([`clean_text`]), trims it and checks its length in
/// characters; shared by the text newtypes.
pub fn bounded_text(raw: &str, min: usize, max: usize) -> Result<String, FieldError> {
    let cleaned = clean_text(raw)?;
    let trimmed = cleaned.trim();
    let len = trimmed.chars().count();
    if len == 0 && min > 0 {
        Err(FieldError::Required)
    } else if len < min {
        Err(FieldError::TooShort { min })
    } else if len > max {
        Err(FieldError::TooLong { max })
    } else {
        Ok(trimmed.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_composed_and_control_characters_are_refused() {
        assert_eq!(clean_text("Е\u{0308}лка\r\nдом"), Ok("Ёлка\nдом".to_owned()));
        assert_eq!(clean_text("таб\tи строка\n"), Ok("таб\tи строка\n".to_owned()));
        for bad in ["a\u{0}b", "звонок\u{7}", "\u{1b}[31mкрасный", "x\u{FFFE}", "y\u{FFFF}", "\u{FDD0}", "\u{1FFFF}"]
        {
            assert_eq!(clean_text(bad), Err(FieldError::Unprintable), "{bad:?}");
        }
        assert_eq!(bounded_text("  a\u{0}  ", 1, 10), Err(FieldError::Unprintable));
    }
}
