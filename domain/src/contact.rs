//! Contact values: phone numbers normalised to E.164 and e-mail addresses.
//!
//! Russian callers write numbers in many ways (`8 (912) 345-67-89`,
//! `+7 912 3456789`, `89123456789`, `912-345-67-89`); all of them mean
//! `+79123456789`. Caller ID from a PBX, resident logins and client search
//! all go through [`Phone::parse`], so one number is one key everywhere.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::FieldError;

/// A phone number in E.164 form, with an optional extension (добавочный).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone {
    e164: String,
    extension: Option<String>,
}

/// Shortest and longest international numbers E.164 allows (without `+`).
const E164_MIN_DIGITS: usize = 8;
const E164_MAX_DIGITS: usize = 15;
/// Longest extension we keep; PBX extensions are short.
const EXTENSION_MAX_DIGITS: usize = 6;

impl Phone {
    /// Parses a number as a Russian dispatcher or resident would type it.
    ///
    /// Numbers without a country code are taken as Russian (`8…` and `7…`
    /// with 11 digits, or 10 digits alone). International numbers need `+`,
    /// `00` or the Russian `810` prefix. An extension may follow after
    /// `доб.`, `ext`, `x`, `#` or `,`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        let (number, extension) = split_extension(raw)?;
        let plus = number.trim_start().starts_with('+');
        let mut digits = String::with_capacity(number.len());
        for (i, c) in number.trim().chars().enumerate() {
            match c {
                '0'..='9' => digits.push(c),
                '+' if i == 0 => {}
                ' ' | '-' | '(' | ')' | '.' | '\u{a0}' => {}
                _ => return Err(FieldError::InvalidFormat),
            }
        }
        let international = if plus {
            digits
        } else if let Some(rest) = digits.strip_prefix("810").filter(|_| digits.len() > 11) {
            rest.to_owned()
        } else if let Some(rest) = digits.strip_prefix("00") {
            rest.to_owned()
        } else if digits.len() == 11 && (digits.starts_with('8') || digits.starts_with('7')) {
            format!("7{}", &digits[1..])
        } else if digits.len() == 10 {
            format!("7{digits}")
        } else {
            return Err(FieldError::InvalidFormat);
        };
        if !(E164_MIN_DIGITS..=E164_MAX_DIGITS).contains(&international.len()) || international.starts_with('0') {
            return Err(FieldError::InvalidFormat);
        }
        // Zone 7 (Russia and Kazakhstan) numbers have exactly ten national
        // digits and start with 3..9. No area code starts with 89, so such a
        // "national" number is a mobile number typed with its trunk 8 and a
        // digit missing.
        if let Some(national) = international.strip_prefix('7') {
            let digits = national.as_bytes();
            let valid =
                national.len() == 10 && (b'3'..=b'9').contains(&digits[0]) && !(digits[0] == b'8' && digits[1] == b'9');
            if !valid {
                return Err(FieldError::InvalidFormat);
            }
        }
        Ok(Self { e164: format!("+{international}"), extension })
    }

    /// The number in E.164 form, e.g. `+79123456789`.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The extension, if one was given.
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// Whether the number is in zone 7 (Russia, Kazakhstan).
    pub fn is_russian(&self) -> bool {
        self.e164.starts_with("+7")
    }
}

/// Splits `8 800 100-00-00 доб. 123` into the number and `123`.
fn split_extension(raw: &str) -> Result<(&str, Option<String>), FieldError> {
    const MARKERS: &[&str] = &["доб.", "доб", "ext.", "ext", "x", "#", ","];
    let lower = raw.to_lowercase();
    // Markers are found in the lower-cased copy and cut from the original,
    // which is only sound while both have the same byte offsets. Input whose
    // length changes when lower-cased holds letters no number has; the digit
    // scan refuses it.
    if lower.len() != raw.len() {
        return Ok((raw, None));
    }
    let Some((at, marker)) = MARKERS.iter().find_map(|m| lower.find(m).map(|at| (at, *m))) else {
        return Ok((raw, None));
    };
    let tail = raw[at + marker.len()..].trim();
    if tail.is_empty() || tail.len() > EXTENSION_MAX_DIGITS || !tail.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::InvalidFormat);
    }
    Ok((&raw[..at], Some(tail.to_owned())))
}

impl fmt::Display for Phone {
    /// Russian numbers print as `+7 912 345-67-89`, others as E.164.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.e164;
        if self.is_russian() && d.len() == 12 {
            write!(f, "+7 {} {}-{}-{}", &d[2..5], &d[5..8], &d[8..10], &d[10..12])?;
        } else {
            f.write_str(d)?;
        }
        if let Some(ext) = &self.extension {
            write!(f, " доб. {ext}")?;
        }
        Ok(())
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.extension {
            None => serializer.serialize_str(&self.e164),
            Some(ext) => serializer.serialize_str(&format!("{};ext={ext}", self.e164)),
        }
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        let (number, ext) = match raw.split_once(";ext=") {
            Some((number, ext)) => (number, Some(ext)),
            None => (raw.as_str(), None),
        };
        let mut phone = Phone::parse(number).map_err(serde::de::Error::custom)?;
        phone.extension = ext.map(str::to_owned);
        Ok(phone)
    }
}

/// An e-mail address: trimmed, one `@`, a dotted domain, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let value = raw.trim();
        if value.is_empty() {
            return Err(FieldError::Required);
        }
        if value.len() > Self::MAX {
            return Err(FieldError::TooLong { max: Self::MAX });
        }
        let (local, domain) = value.split_once('@').ok_or(FieldError::InvalidFormat)?;
        let valid = !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.chars().any(char::is_whitespace);
        if valid {
            // The domain part is case-insensitive; the local part is kept.
            Ok(Self(format!("{local}@{}", domain.to_lowercase())))
        } else {
            Err(FieldError::InvalidFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = FieldError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> String {
        email.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn russian_forms_normalise_to_one_e164_number() {
        let table = [
            ("8 (912) 345-67-89", "+79123456789"),
            ("+7 912 3456789", "+79123456789"),
            ("89123456789", "+79123456789"),
            ("79123456789", "+79123456789"),
            ("9123456789", "+79123456789"),
            ("912-345-67-89", "+79123456789"),
            ("+7(495)123-45-67", "+74951234567"),
            ("8 495 123 45 67", "+74951234567"),
            ("  +7 912 345 67 89  ", "+79123456789"),
            ("8.912.345.67.89", "+79123456789"),
            ("8 800 100-00-00", "+78001000000"),
        ];
        for (raw, expected) in table {
            let phone = Phone::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(phone.e164(), expected, "{raw}");
            assert_eq!(phone.extension(), None, "{raw}");
        }
    }

    #[test]
    fn foreign_numbers_need_an_international_prefix() {
        let table = [
            ("+49 30 1234567", "+49301234567"),
            ("0049 30 1234567", "+49301234567"),
            ("810 49 30 1234567", "+49301234567"),
            ("+375 29 123-45-67", "+375291234567"),
            ("+1 (202) 555-0143", "+12025550143"),
        ];
        for (raw, expected) in table {
            assert_eq!(Phone::parse(raw).unwrap().e164(), expected, "{raw}");
        }
    }

    #[test]
    fn extensions_are_kept_apart() {
        let table = [
            ("8 800 100-00-00 доб. 123", "+78001000000", "123"),
            ("+7 495 123-45-67 ext 45", "+74951234567", "45"),
            ("+7 495 123-45-67 Доб 7", "+74951234567", "7"),
            ("84951234567#12", "+74951234567", "12"),
            ("+74951234567,3", "+74951234567", "3"),
        ];
        for (raw, e164, ext) in table {
            let phone = Phone::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(phone.e164(), e164, "{raw}");
            assert_eq!(phone.extension(), Some(ext), "{raw}");
        }
    }

    #[test]
    fn malformed_numbers_are_refused() {
        for raw in [
            "",
            "   ",
            "12345",
            "345-67-89",
            "8 912 345 67 8",
            "8 912 345 67 899",
            "+7 012 345 67 89",
            "+7 912 345 67 8",
            "телефон",
            "8912345678a",
            "+7 912 345 67 89 доб.",
            "+7 912 345 67 89 доб. 1234567",
            "+12",
            "+1234567890123456",
            "++79123456789",
        ] {
            assert!(Phone::parse(raw).is_err(), "{raw:?} should be refused");
        }
    }

    #[test]
    fn display_groups_russian_numbers() {
        assert_eq!(Phone::parse("89123456789").unwrap().to_string(), "+7 912 345-67-89");
        assert_eq!(Phone::parse("8 800 100-00-00 доб. 12").unwrap().to_string(), "+7 800 100-00-00 доб. 12");
        assert_eq!(Phone::parse("+49301234567").unwrap().to_string(), "+49301234567");
    }

    #[test]
    fn e_mail_addresses_are_checked_loosely_but_surely() {
        assert_eq!(Email::parse(" Ivan@Example.RU ").unwrap().as_str(), "Ivan@example.ru");
        for raw in ["", "ivan", "ivan@", "@example.ru", "ivan@example", "iv an@example.ru", "a@b@c.ru"] {
            assert!(Email::parse(raw).is_err(), "{raw:?}");
        }
    }
}
