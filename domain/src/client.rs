//! Clients (клиенты): residents, owners, tenants and companies.
//!
//! A client is a person or a company with phones (E.164, see
//! [`crate::contact::Phone`]), e-mails, links to units (owner with a share,
//! tenant for a period, occupant), consents per channel, notes and tags.
//! Search words are derived here too ([`search_terms`], [`UnitQuery`],
//! [`within_typo`]) so the store only matches prepared text.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::contact::{Email, Phone};
use crate::error::{FieldError, bounded_text};
use crate::ids::{ClientId, UnitId, UserId};
use crate::layout::UnitKind;
use crate::text::fold;

code_enum! {
    /// A person or a company.
    ClientKind {
        Person = "person",
        Company = "company",
    }
}

code_enum! {
    /// How a client relates to a unit.
    LinkRole {
        /// Собственник (with a share of ownership).
        Owner = "owner",
        /// Арендатор / наниматель (for a period).
        Tenant = "tenant",
        /// Проживающий (family member, registered resident).
        Occupant = "occupant",
    }
}

code_enum! {
    /// A channel the client agreed to be contacted through.
    Channel {
        Push = "push",
        Email = "email",
        Sms = "sms",
    }
}

code_enum! {
    /// Who uses a unit, from its active links (the chessboard's overlay).
    Occupancy {
        /// An owner or occupants, no tenant.
        OwnerOccupied = "owner_occupied",
        /// A tenant holds a current lease.
        Rented = "rented",
        /// Nobody is linked.
        Vacant = "vacant",
    }
}

impl Occupancy {
    pub fn of(roles: impl IntoIterator<Item = LinkRole>) -> Self {
        let mut any = false;
        for role in roles {
            if role == LinkRole::Tenant {
                return Self::Rented;
            }
            any = true;
        }
        if any { Self::OwnerOccupied } else { Self::Vacant }
    }
}

/// An ownership share: `1/2`, `1/3`, or `1` for the whole unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub numerator: u32,
    pub denominator: u32,
}

impl Share {
    pub const WHOLE: Share = Share { numerator: 1, denominator: 1 };

    pub fn new(numerator: u32, denominator: u32) -> Result<Self, FieldError> {
        if numerator == 0 || denominator == 0 || numerator > denominator || denominator > 10_000 {
            return Err(FieldError::InvalidFormat);
        }
        Ok(Self { numerator, denominator })
    }

    pub fn as_f64(self) -> f64 {
        f64::from(self.numerator) / f64::from(self.denominator)
    }
}

impl FromStr for Share {
    type Err = FieldError;

    /// Reads `1/2`, `1`, `100%`, `50 %`, `0,5` or `0.25`.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(FieldError::Required);
        }
        if let Some((n, d)) = raw.split_once('/') {
            let n = n.trim().parse().map_err(|_| FieldError::InvalidFormat)?;
            let d = d.trim().parse().map_err(|_| FieldError::InvalidFormat)?;
            return Share::new(n, d);
        }
        let (number, scale) = match raw.strip_suffix('%') {
            Some(percent) => (percent.trim(), 100.0),
            None => (raw, 1.0),
        };
        let value: f64 = number.replace(',', ".").parse().map_err(|_| FieldError::InvalidFormat)?;
        let fraction = value / scale;
        if !(fraction > 0.0 && fraction <= 1.0) {
            return Err(FieldError::InvalidFormat);
        }
        // Decimal shares are kept to 1/10000.
        let numerator = (fraction * 10_000.0).round() as u32;
        let divisor = gcd(numerator, 10_000);
        Share::new(numerator / divisor, 10_000 / divisor)
    }
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 { a } else { gcd(b, a % b) }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.numerator == self.denominator {
            f.write_str("1")
        } else {
            write!(f, "{}/{}", self.numerator, self.denominator)
        }
    }
}

/// A phone as stored: the normalised number and the text it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientPhone {
    pub phone: Phone,
    /// As typed or imported (`8 (912) 345-67-89`).
    pub raw: String,
}

impl ClientPhone {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Ok(Self { phone: Phone::parse(raw)?, raw: raw.trim().to_owned() })
    }
}

/// A client's card fields, validated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClientDraft {
    pub kind: ClientKind,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    /// For a company, its name; for a person, built from the parts.
    pub name: String,
    pub inn: Option<String>,
    pub phones: Vec<ClientPhone>,
    pub emails: Vec<Email>,
    pub notes: String,
    pub tags: Vec<String>,
    pub user_id: Option<UserId>,
    pub external_id: Option<String>,
}

/// A client's card as typed: every field raw, parsed by [`ClientInput::parse`].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ClientInput {
    pub kind: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    /// A company's name, or a person's full name when the parts are not given
    /// ("Иванова Анна Петровна" is split into last, first and middle name).
    pub name: Option<String>,
    pub inn: Option<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    pub notes: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub user_id: Option<UserId>,
    pub external_id: Option<String>,
}

fn optional_text(raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded_text(text, 1, max).map(Some),
    }
}

impl ClientInput {
    /// Checks every field and reports each problem under its field name
    /// (`phones[1]`, `emails[0]`, …).
    pub fn parse(&self) -> Result<ClientDraft, Vec<(String, FieldError)>> {
        let mut errors: Vec<(String, FieldError)> = Vec::new();
        let mut check = |field: &str, result: Result<Option<String>, FieldError>| match result {
            Ok(value) => value,
            Err(e) => {
                errors.push((field.to_owned(), e));
                None
            }
        };
        let kind = match self.kind.as_deref().map(str::trim) {
            None | Some("") => Ok(ClientKind::Person),
            Some(code) => code.parse(),
        };
        let mut last_name = check("last_name", optional_text(self.last_name.as_deref(), 100));
        let mut first_name = check("first_name", optional_text(self.first_name.as_deref(), 100));
        let mut middle_name = check("middle_name", optional_text(self.middle_name.as_deref(), 100));
        let full = check("name", optional_text(self.name.as_deref(), 300));
        let inn = check("inn", optional_text(self.inn.as_deref(), 12));
        let notes = check("notes", optional_text(self.notes.as_deref(), 5000)).unwrap_or_default();
        let external_id = check("external_id", optional_text(self.external_id.as_deref(), 100));
        let kind = match kind {
            Ok(kind) => kind,
            Err(e) => {
                errors.push(("kind".to_owned(), e));
                ClientKind::Person
            }
        };
        if let Some(inn) = &inn
            && !(inn.len() == 10 || inn.len() == 12) | !inn.bytes().all(|b| b.is_ascii_digit())
        {
            errors.push(("inn".to_owned(), FieldError::InvalidFormat));
        }
        let name = match kind {
            ClientKind::Company => {
                last_name = None;
                first_name = None;
                middle_name = None;
                full
            }
            ClientKind::Person => {
                if last_name.is_none()
                    && first_name.is_none()
                    && let Some(full) = &full
                {
                    let mut words = full.split_whitespace().map(str::to_owned);
                    last_name = words.next();
                    first_name = words.next();
                    let rest: Vec<String> = words.collect();
                    middle_name = (!rest.is_empty()).then(|| rest.join(" "));
                }
                let parts: Vec<&str> =
                    [&last_name, &first_name, &middle_name].into_iter().flatten().map(String::as_str).collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            }
        };
        if name.is_none() && !errors.iter().any(|(f, _)| f == "name" || f == "last_name") {
            errors.push(("name".to_owned(), FieldError::Required));
        }
        let mut phones: Vec<ClientPhone> = Vec::new();
        for (i, raw) in self.phones.iter().enumerate().filter(|(_, raw)| !raw.trim().is_empty()) {
            match ClientPhone::parse(raw) {
                Ok(phone) if phones.iter().any(|p| p.phone == phone.phone) => {}
                Ok(phone) => phones.push(phone),
                Err(e) => errors.push((format!("phones[{i}]"), e)),
            }
        }
        let mut emails: Vec<Email> = Vec::new();
        for (i, raw) in self.emails.iter().enumerate().filter(|(_, raw)| !raw.trim().is_empty()) {
            match Email::parse(raw) {
                Ok(email) if emails.contains(&email) => {}
                Ok(email) => emails.push(email),
                Err(e) => errors.push((format!("emails[{i}]"), e)),
            }
        }
        if phones.len() > 10 {
            errors.push(("phones".to_owned(), FieldError::TooLong { max: 10 }));
        }
        if emails.len() > 10 {
            errors.push(("emails".to_owned(), FieldError::TooLong { max: 10 }));
        }
        let mut tags: Vec<String> = Vec::new();
        for (i, tag) in self.tags.iter().enumerate() {
            match bounded_text(tag, 1, 40) {
                Ok(tag) if tags.contains(&tag) => {}
                Ok(tag) => tags.push(tag),
                Err(e) => errors.push((format!("tags[{i}]"), e)),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ClientDraft {
            kind,
            last_name,
            first_name,
            middle_name,
            name: name.unwrap_or_default(),
            inn,
            phones,
            emails,
            notes,
            tags,
            user_id: self.user_id,
            external_id,
        })
    }
}

/// A stored client's card.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Client {
    pub id: ClientId,
    #[serde(flatten)]
    pub card: ClientDraft,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A client's link to a unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitLink {
    pub unit_id: UnitId,
    pub role: LinkRole,
    /// Owners only.
    pub share: Option<Share>,
    /// Tenants: the lease period (either end may be open).
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// Лицевой счёт.
    pub account: Option<String>,
}

impl UnitLink {
    /// Checks the combination: a share only for owners, a period only for
    /// tenants and in order.
    pub fn validate(self) -> Result<Self, (&'static str, FieldError)> {
        if self.share.is_some() && self.role != LinkRole::Owner {
            return Err(("share", FieldError::NotAllowed));
        }
        if (self.valid_from.is_some() || self.valid_to.is_some()) && self.role != LinkRole::Tenant {
            return Err(("valid_to", FieldError::NotAllowed));
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to < from
        {
            return Err(("valid_to", FieldError::InvalidFormat));
        }
        if self.account.as_deref().is_some_and(|a| a.chars().count() > 50) {
            return Err(("account", FieldError::TooLong { max: 50 }));
        }
        Ok(self)
    }

    /// Whether the link holds on `day` (tenancies end).
    pub fn active_on(&self, day: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= day) && self.valid_to.is_none_or(|to| day <= to)
    }
}

/// The folded words a client is found by: every word of the name (a
/// company's too, quotes dropped), each with whether it leads the name (a
/// person's surname is how people search first).
pub fn search_terms(draft: &ClientDraft) -> Vec<(String, bool)> {
    let mut terms: Vec<(String, bool)> = Vec::new();
    for word in fold(&draft.name).split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 2) {
        let lead = terms.is_empty();
        match terms.iter_mut().find(|(t, _)| t == word) {
            Some((_, l)) => *l |= lead,
            None => terms.push((word.to_owned(), lead)),
        }
    }
    terms.sort();
    terms
}

/// The least number of typos with which `word` matches some word of `name`
/// (folded), within the word's budget; `None` when none matches.
pub fn name_match(word: &str, name_words: &[&str]) -> Option<usize> {
    let budget = typo_budget(word);
    name_words.iter().filter_map(|w| (0..=budget).find(|e| within_typo(word, w, *e))).min()
}

/// The words of a search query, folded, without punctuation.
pub fn query_words(query: &str) -> Vec<String> {
    fold(query).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned).collect()
}

/// Whether `word` is `term` or its beginning with at most `max_edits`
/// typos (insertions, deletions, substitutions): "ивонов" finds "иванов",
/// "ивано" finds "иванова".
pub fn within_typo(word: &str, term: &str, max_edits: usize) -> bool {
    let word: Vec<char> = word.chars().collect();
    let term: Vec<char> = term.chars().collect();
    // Edit distance of `word` against every prefix of `term`; the best
    // prefix counts (the rest of the term is what is not typed yet).
    let mut previous: Vec<usize> = (0..=term.len()).map(|_| 0).collect();
    for (i, slot) in previous.iter_mut().enumerate() {
        *slot = i;
    }
    for (i, wc) in word.iter().enumerate() {
        let mut current = vec![i + 1; term.len() + 1];
        for (j, tc) in term.iter().enumerate() {
            let substitution = previous[j] + usize::from(wc != tc);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous.into_iter().min().unwrap_or(0) <= max_edits
}

/// How many typos a word of this length may carry and still match.
pub fn typo_budget(word: &str) -> usize {
    match word.chars().count() {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// A unit as a dispatcher types it: "45", "кв 45", "кв. 45", "офис 12",
/// "м/м 3", "пом. Н1".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitQuery {
    pub kind: Option<UnitKind>,
    pub label: String,
}

impl UnitQuery {
    pub fn parse(query: &str) -> Option<Self> {
        let folded = fold(query);
        let (kind, rest) = [
            ("квартира", Some(UnitKind::Apartment)),
            ("кв.", Some(UnitKind::Apartment)),
            ("кв", Some(UnitKind::Apartment)),
            ("офис", Some(UnitKind::Office)),
            ("оф.", Some(UnitKind::Office)),
            ("оф", Some(UnitKind::Office)),
            ("помещение", None),
            ("пом.", None),
            ("пом", None),
            ("м/м", Some(UnitKind::Parking)),
            ("машиноместо", Some(UnitKind::Parking)),
            ("кладовая", Some(UnitKind::Storage)),
        ]
        .into_iter()
        .find_map(|(prefix, kind)| folded.strip_prefix(prefix).map(|rest| (kind, rest.trim())))
        .unwrap_or((None, folded.as_str()));
        let label = rest.trim_start_matches(['№', '#']).trim();
        let looks_like_label = !label.is_empty()
            && label.chars().count() <= 20
            && !label.contains(' ')
            && label.chars().any(|c| c.is_ascii_digit());
        looks_like_label.then(|| Self { kind, label: label.to_owned() })
    }
}

/// The digits of a (partial) phone number typed into search, or `None` when
/// the query is not a phone: at least 4 digits and nothing but digits,
/// spaces, `+`, `-`, `(`, `)`. A leading Russian `8` becomes `7`.
pub fn phone_digits(query: &str) -> Option<String> {
    let query = query.trim();
    if !query.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c)) {
        return None;
    }
    let digits: String = query.chars().filter(char::is_ascii_digit).collect();
    if digits.len() < 4 || digits.len() > 15 {
        return None;
    }
    Some(match Phone::parse(query) {
        Ok(phone) => phone.e164().trim_start_matches('+').to_owned(),
        Err(_) => digits,
    })
}

/// The beginning of an E.164 number a partly typed Russian number stands
/// for: "8 912 3" → "+79123", "+7 912" → "+7912"; `None` for other input.
pub fn phone_start(query: &str) -> Option<String> {
    let digits = phone_digits(query)?;
    let query = query.trim();
    let russian = query.starts_with("+7") || query.starts_with('8') || query.starts_with('7');
    if !russian {
        return None;
    }
    // The country digit (7, or the trunk 8) becomes +7.
    Some(format!("+7{}", &digits[1..]))
}

/// `digits` reversed: stored beside each phone so that the end of a number
/// ("67-89", the part people remember) is an indexable prefix.
pub fn reversed_digits(digits: &str) -> String {
    digits.chars().filter(char::is_ascii_digit).rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, phones: &[&str]) -> ClientInput {
        ClientInput {
            name: Some(name.into()),
            phones: phones.iter().map(|p| p.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn full_name_is_split_and_phones_normalised_and_deduplicated() {
        let draft = person("Фёдорова  Анна Петровна", &["8 (912) 345-67-89", "+7 912 3456789", " "]).parse().unwrap();
        assert_eq!(draft.last_name.as_deref(), Some("Фёдорова"));
        assert_eq!(draft.first_name.as_deref(), Some("Анна"));
        assert_eq!(draft.middle_name.as_deref(), Some("Петровна"));
        assert_eq!(draft.name, "Фёдорова Анна Петровна");
        assert_eq!(draft.phones.len(), 1);
        assert_eq!(draft.phones[0].phone.e164(), "+79123456789");
        assert_eq!(draft.phones[0].raw, "8 (912) 345-67-89");
        assert_eq!(
            search_terms(&draft),
            [("анна".to_owned(), false), ("петровна".to_owned(), false), ("федорова".to_owned(), true)]
        );
        assert_eq!(name_match("анма", &["федорова", "анна"]), Some(1));
        assert_eq!(name_match("анн", &["федорова", "анна"]), Some(0));
        assert_eq!(name_match("петр", &["федорова", "анна"]), None);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let input = ClientInput {
            kind: Some("alien".into()),
            phones: vec!["12".into(), "89123456789".into()],
            emails: vec!["not-an-email".into()],
            inn: Some("12345".into()),
            ..Default::default()
        };
        let errors = input.parse().unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["kind", "inn", "name", "phones[0]", "emails[0]"]);
    }

    #[test]
    fn company_keeps_its_name_whole() {
        let input = ClientInput {
            kind: Some("company".into()),
            name: Some("ООО «Ромашка»".into()),
            inn: Some("7701234567".into()),
            ..Default::default()
        };
        let draft = input.parse().unwrap();
        assert_eq!(draft.name, "ООО «Ромашка»");
        assert_eq!(draft.last_name, None);
        assert_eq!(search_terms(&draft), [("ооо".to_owned(), true), ("ромашка".to_owned(), false)]);
    }

    #[test]
    fn shares_read_fractions_percents_and_decimals() {
        assert_eq!("1/2".parse::<Share>().unwrap(), Share::new(1, 2).unwrap());
        assert_eq!("1".parse::<Share>().unwrap(), Share::WHOLE);
        assert_eq!("50 %".parse::<Share>().unwrap(), Share::new(1, 2).unwrap());
        assert_eq!("0,25".parse::<Share>().unwrap(), Share::new(1, 4).unwrap());
        assert_eq!(Share::new(1, 3).unwrap().to_string(), "1/3");
        for bad in ["", "3/2", "0", "0/1", "abc", "150%", "1/0"] {
            assert!(bad.parse::<Share>().is_err(), "{bad}");
        }
    }

    #[test]
    fn links_check_their_combination() {
        let owner = UnitLink {
            unit_id: UnitId::new(),
            role: LinkRole::Owner,
            share: Some(Share::WHOLE),
            valid_from: None,
            valid_to: None,
            account: None,
        };
        assert!(owner.clone().validate().is_ok());
        let tenant_with_share = UnitLink { role: LinkRole::Tenant, ..owner.clone() };
        assert_eq!(tenant_with_share.validate().unwrap_err().0, "share");
        let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
        let backwards = UnitLink {
            role: LinkRole::Tenant,
            share: None,
            valid_from: Some(day(10)),
            valid_to: Some(day(1)),
            ..owner
        };
        assert_eq!(backwards.clone().validate().unwrap_err(), ("valid_to", FieldError::InvalidFormat));
        let lease = UnitLink { valid_to: Some(day(20)), ..backwards };
        assert!(lease.active_on(day(15)));
        assert!(!lease.active_on(day(21)));
    }

    #[test]
    fn occupancy_follows_the_links() {
        assert_eq!(Occupancy::of([]), Occupancy::Vacant);
        assert_eq!(Occupancy::of([LinkRole::Owner, LinkRole::Occupant]), Occupancy::OwnerOccupied);
        assert_eq!(Occupancy::of([LinkRole::Owner, LinkRole::Tenant]), Occupancy::Rented);
    }

    #[test]
    fn typos_within_budget_match_prefixes() {
        assert!(within_typo("иванов", "иванов", 0));
        assert!(within_typo("ива", "иванова", 0));
        assert!(within_typo("ивонов", "иванов", 1));
        assert!(within_typo("ивнов", "иванова", 1));
        assert!(!within_typo("петров", "иванов", 2));
        assert!(within_typo("константинопольскй", "константинопольский", typo_budget("константинопольскй")));
        assert_eq!(typo_budget("кот"), 0);
    }

    #[test]
    fn unit_queries() {
        let q = |s| UnitQuery::parse(s);
        assert_eq!(q("45"), Some(UnitQuery { kind: None, label: "45".into() }));
        assert_eq!(q("кв 45"), Some(UnitQuery { kind: Some(UnitKind::Apartment), label: "45".into() }));
        assert_eq!(q("Кв. 45"), Some(UnitQuery { kind: Some(UnitKind::Apartment), label: "45".into() }));
        assert_eq!(q("офис 12"), Some(UnitQuery { kind: Some(UnitKind::Office), label: "12".into() }));
        assert_eq!(q("пом. Н1"), Some(UnitQuery { kind: None, label: "н1".into() }));
        assert_eq!(q("Иванов"), None);
        assert_eq!(q("ленина 5 кв 3"), None);
    }

    #[test]
    fn phone_queries() {
        assert_eq!(phone_digits("8 (912) 345-67-89").as_deref(), Some("79123456789"));
        assert_eq!(phone_digits("67-89").as_deref(), Some("6789"));
        assert_eq!(phone_digits("45"), None);
        assert_eq!(phone_digits("кв 45"), None);
        assert_eq!(reversed_digits("+79123456789"), "98765432197");
        assert_eq!(phone_start("8 912 3").as_deref(), Some("+79123"));
        assert_eq!(phone_start("+7 912").as_deref(), Some("+7912"));
        assert_eq!(phone_start("8 (912) 345-67-89").as_deref(), Some("+79123456789"));
        assert_eq!(phone_start("67-89"), None);
    }
}
