//! Imports from housing-billing systems: recognising columns and reading
//! rows into typed records, with every problem named by row and column.
//!
//! The web crate turns a file (CSV in UTF-8 or Windows-1251, comma or
//! semicolon; XLSX) into a [`Sheet`] of text cells; this module decides what
//! each column means ([`Column::recognise`], or an explicit mapping) and reads
//! each row ([`read_rows`]). Nothing is written until every row reads.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::client::{ClientPhone, LinkRole, Share, UnitQuery};
use crate::contact::Email;
use crate::error::FieldError;
use crate::layout::UnitKind;
use crate::text::fold;

code_enum! {
    /// What a column holds.
    Column {
        FullName = "full_name",
        LastName = "last_name",
        FirstName = "first_name",
        MiddleName = "middle_name",
        Company = "company",
        Inn = "inn",
        Phone = "phone",
        Email = "email",
        Section = "section",
        Floor = "floor",
        Unit = "unit",
        UnitKind = "unit_kind",
        Area = "area",
        Account = "account",
        Share = "share",
        Role = "role",
        ClientId = "client_id",
        /// A column the import leaves alone.
        Ignore = "ignore",
    }
}

impl Column {
    /// The column a usual Russian heading stands for, and the role a
    /// heading implies ("Собственник" is the owner's name).
    pub fn recognise(heading: &str) -> Option<(Column, Option<LinkRole>)> {
        let h = fold(heading).replace(['.', ':', '№', '"', '«', '»'], " ");
        let h = h.split_whitespace().collect::<Vec<_>>().join(" ");
        let column = match h.as_str() {
            "фио"
            | "ф и о"
            | "фамилия имя отчество"
            | "ф и о собственника"
            | "фио собственника"
            | "клиент"
            | "житель"
            | "плательщик"
            | "фио плательщика"
            | "владелец" => Column::FullName,
            "собственник" | "собственники" => {
                return Some((Column::FullName, Some(LinkRole::Owner)));
            }
            "арендатор" | "наниматель" => return Some((Column::FullName, Some(LinkRole::Tenant))),
            "проживающий" | "проживающие" | "жилец" => {
                return Some((Column::FullName, Some(LinkRole::Occupant)));
            }
            "фамилия" => Column::LastName,
            "имя" => Column::FirstName,
            "отчество" => Column::MiddleName,
            "организация" | "наименование" | "наименование организации" | "компания" | "юрлицо" | "юр лицо" => {
                Column::Company
            }
            "инн" => Column::Inn,
            "телефон" | "тел" | "телефоны" | "моб телефон" | "мобильный телефон" | "контактный телефон" | "phone" => {
                Column::Phone
            }
            "e-mail" | "email" | "e mail" | "эл почта" | "электронная почта" | "почта" => {
                Column::Email
            }
            "подъезд" | "секция" | "корпус" | "строение" => Column::Section,
            "этаж" => Column::Floor,
            "квартира" | "кв" | "помещение" | "номер помещения" | "помещения" | "номер квартиры" | "офис" => {
                Column::Unit
            }
            "тип помещения" | "вид помещения" | "назначение" => Column::UnitKind,
            "площадь" | "общая площадь" | "площадь м2" | "площадь кв м" | "площадь, м2" | "s" => {
                Column::Area
            }
            "лицевой счет" | "лицевой счёт" | "л/с" | "лс" | "л с" | "номер лс" | "номер лицевого счета" => {
                Column::Account
            }
            "доля" | "доля в праве" | "доля собственности" => Column::Share,
            "роль" | "статус" | "отношение" | "тип собственности" | "тип жильца" | "вид права" => {
                Column::Role
            }
            "код" | "код клиента" | "id" | "ид" | "идентификатор" | "внешний код" => {
                Column::ClientId
            }
            _ => return None,
        };
        Some((column, None))
    }
}

/// A table of text cells with its header row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// Data rows (header excluded); row `i` is line `i + 2` of the file.
    pub rows: Vec<Vec<String>>,
}

/// One problem: where (row of the file, 1 = header; column heading) and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// 1-based, as a spreadsheet numbers rows; 0 for the whole file.
    pub row: usize,
    /// The column's heading as in the file, empty for the whole row.
    pub column: String,
    pub code: ProblemCode,
    /// The offending text, or what is missing.
    pub value: String,
}

code_enum! {
    /// What is wrong, as a stable code (the web layer words it).
    ProblemCode {
        /// No column says who the client is.
        NoNameColumn = "no_name_column",
        /// The file unpacks to more than an import may hold (a damaged or
        /// hostile archive).
        TooLarge = "too_large",
        /// More columns or rows than a spreadsheet can have, or than an
        /// import reads.
        TooWide = "too_wide",
        /// No column says which unit.
        NoUnitColumn = "no_unit_column",
        /// Two columns mean the same thing.
        DuplicateColumn = "duplicate_column",
        /// A heading of the explicit mapping is not in the file.
        UnknownHeading = "unknown_heading",
        Required = "required",
        BadPhone = "bad_phone",
        BadEmail = "bad_email",
        BadShare = "bad_share",
        BadArea = "bad_area",
        BadFloor = "bad_floor",
        BadRole = "bad_role",
        BadUnitKind = "bad_unit_kind",
        BadUnit = "bad_unit",
        BadInn = "bad_inn",
        TooLong = "too_long",
        /// The unit is not in the building's layout.
        UnknownUnit = "unknown_unit",
        /// The same row (or the same unit twice) appears again.
        DuplicateRow = "duplicate_row",
        /// The file is not a readable CSV or XLSX.
        Unreadable = "unreadable",
        /// The file has no data rows.
        Empty = "empty",
    }
}

/// What each column of a sheet means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub columns: Vec<Column>,
    /// The role a heading implies ("Собственник").
    pub implied_role: Option<LinkRole>,
}

impl Mapping {
    /// Recognises the headings; `explicit` ("Heading" → column) overrides
    /// them, for files whose headings are not the usual ones.
    pub fn new(headers: &[String], explicit: &HashMap<String, Column>) -> Result<Mapping, Vec<Problem>> {
        let mut problems = Vec::new();
        for heading in explicit.keys() {
            if !headers.iter().any(|h| h.trim() == heading.trim()) {
                problems.push(Problem {
                    row: 1,
                    column: heading.clone(),
                    code: ProblemCode::UnknownHeading,
                    value: heading.clone(),
                });
            }
        }
        let mut implied_role = None;
        let mut columns = Vec::with_capacity(headers.len());
        for heading in headers {
            let column = match explicit.get(heading.trim()) {
                Some(column) => *column,
                None => match Column::recognise(heading) {
                    Some((column, role)) => {
                        implied_role = implied_role.or(role);
                        column
                    }
                    None => Column::Ignore,
                },
            };
            if column != Column::Ignore && columns.contains(&column) && column != Column::Phone {
                problems.push(Problem {
                    row: 1,
                    column: heading.clone(),
                    code: ProblemCode::DuplicateColumn,
                    value: column.code().to_owned(),
                });
            }
            columns.push(column);
        }
        if problems.is_empty() { Ok(Mapping { columns, implied_role }) } else { Err(problems) }
    }

    pub fn has(&self, column: Column) -> bool {
        self.columns.contains(&column)
    }
}

/// A unit as a row names it.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRef {
    pub section: Option<String>,
    pub floor: Option<i32>,
    pub query: UnitQuery,
    pub kind: Option<UnitKind>,
    pub area: Option<f64>,
}

/// One client row, read.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientRow {
    /// 1-based row of the file.
    pub row: usize,
    /// The name as given ("Иванова Анна Петровна", or the parts joined).
    pub full_name: Option<String>,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub middle_name: Option<String>,
    pub company: Option<String>,
    pub inn: Option<String>,
    pub phones: Vec<ClientPhone>,
    pub emails: Vec<Email>,
    pub unit: Option<UnitRef>,
    pub account: Option<String>,
    pub share: Option<Share>,
    pub role: LinkRole,
    pub client_id: Option<String>,
}

impl ClientRow {
    /// The key a repeated import finds this client by: the billing system's
    /// client id, or else the account and the folded name.
    pub fn external_id(&self) -> Option<String> {
        if let Some(id) = &self.client_id {
            return Some(id.clone());
        }
        let name = self.company.clone().or_else(|| self.full_name.clone())?;
        let account = self.account.clone()?;
        Some(format!("ls:{account}:{}", fold(&name)))
    }
}

fn cell<'a>(row: &'a [String], mapping: &Mapping, column: Column) -> Option<&'a str> {
    mapping
        .columns
        .iter()
        .position(|c| *c == column)
        .and_then(|i| row.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
}

fn cells<'a>(row: &'a [String], mapping: &Mapping, column: Column) -> Vec<&'a str> {
    mapping
        .columns
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == column)
        .filter_map(|(i, _)| row.get(i))
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect()
}

fn heading(headers: &[String], mapping: &Mapping, column: Column) -> String {
    mapping.columns.iter().position(|c| *c == column).and_then(|i| headers.get(i)).cloned().unwrap_or_default()
}

/// Reads "Собственник", "собств.", "арендатор", "owner"… as a role.
pub fn parse_role(raw: &str) -> Option<LinkRole> {
    let f = fold(raw);
    if f.starts_with("собств") || f == "owner" || f == "с" {
        Some(LinkRole::Owner)
    } else if f.starts_with("аренд") || f.starts_with("нанимат") || f == "tenant" || f == "а" {
        Some(LinkRole::Tenant)
    } else if f.starts_with("прожив") || f.starts_with("жил") || f.starts_with("зарег") || f == "occupant" || f == "п"
    {
        Some(LinkRole::Occupant)
    } else {
        None
    }
}

/// Reads "кв", "квартира", "офис", "нежилое", "кладовая", "м/м"… as a unit kind.
pub fn parse_unit_kind(raw: &str) -> Option<UnitKind> {
    let f = fold(raw);
    if f.starts_with("кв") || f.starts_with("жил") || f == "apartment" {
        Some(UnitKind::Apartment)
    } else if f.starts_with("офис") || f == "office" {
        Some(UnitKind::Office)
    } else if f.starts_with("нежил")
        || f.starts_with("магаз")
        || f.starts_with("торг")
        || f.starts_with("пом")
        || f == "retail"
    {
        Some(UnitKind::Retail)
    } else if f.starts_with("клад") || f.starts_with("хоз") || f == "storage" {
        Some(UnitKind::Storage)
    } else if f.starts_with("м/м") || f.starts_with("машин") || f.starts_with("парк") || f == "parking" {
        Some(UnitKind::Parking)
    } else {
        None
    }
}

/// Reads every data row of a clients file. Problems of all rows are
/// collected; duplicates (the same row twice, or the same client twice) are
/// problems too.
pub fn read_client_rows(sheet: &Sheet, mapping: &Mapping) -> (Vec<ClientRow>, Vec<Problem>) {
    let mut problems = Vec::new();
    let named = mapping.has(Column::FullName) || mapping.has(Column::LastName) || mapping.has(Column::Company);
    if !named {
        problems.push(Problem { row: 1, column: String::new(), code: ProblemCode::NoNameColumn, value: String::new() });
        return (Vec::new(), problems);
    }
    if sheet.rows.is_empty() {
        problems.push(Problem { row: 0, column: String::new(), code: ProblemCode::Empty, value: String::new() });
    }
    let at = |column: Column| heading(&sheet.headers, mapping, column);
    let mut out = Vec::new();
    let mut seen_rows: HashMap<Vec<String>, usize> = HashMap::new();
    let mut seen_keys: HashMap<String, usize> = HashMap::new();
    for (index, raw) in sheet.rows.iter().enumerate() {
        let row = index + 2;
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut problem = |column: Column, code: ProblemCode, value: &str| {
            problems.push(Problem { row, column: at(column), code, value: value.to_owned() });
        };
        let normalised: Vec<String> = raw.iter().map(|c| fold(c)).collect();
        if let Some(first) = seen_rows.get(&normalised) {
            problems.push(Problem {
                row,
                column: String::new(),
                code: ProblemCode::DuplicateRow,
                value: first.to_string(),
            });
            continue;
        }
        seen_rows.insert(normalised, row);
        let text = |column: Column, max: usize, problem: &mut dyn FnMut(Column, ProblemCode, &str)| {
            cell(raw, mapping, column).and_then(|v| {
                if v.chars().count() > max {
                    problem(column, ProblemCode::TooLong, v);
                    None
                } else {
                    Some(v.to_owned())
                }
            })
        };
        let full_name = text(Column::FullName, 300, &mut problem);
        let last_name = text(Column::LastName, 100, &mut problem);
        let first_name = text(Column::FirstName, 100, &mut problem);
        let middle_name = text(Column::MiddleName, 100, &mut problem);
        let company = text(Column::Company, 300, &mut problem);
        let account = text(Column::Account, 50, &mut problem);
        let client_id = text(Column::ClientId, 100, &mut problem);
        let full_name = full_name.or_else(|| {
            let parts: Vec<&str> =
                [&last_name, &first_name, &middle_name].into_iter().flatten().map(String::as_str).collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        if full_name.is_none() && company.is_none() {
            let column = if mapping.has(Column::FullName) { Column::FullName } else { Column::LastName };
            problem(column, ProblemCode::Required, "");
        }
        let inn = cell(raw, mapping, Column::Inn).map(str::to_owned);
        if let Some(inn) = &inn
            && (!(inn.len() == 10 || inn.len() == 12) || !inn.bytes().all(|b| b.is_ascii_digit()))
        {
            problem(Column::Inn, ProblemCode::BadInn, inn);
        }
        let mut phones: Vec<ClientPhone> = Vec::new();
        for value in cells(raw, mapping, Column::Phone) {
            // One cell may hold several numbers: "8 912 345-67-89, 8 343 222-33-44".
            for part in value.split([',', ';', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
                match ClientPhone::parse(part) {
                    Ok(phone) if phones.iter().any(|p| p.phone == phone.phone) => {}
                    Ok(phone) => phones.push(phone),
                    Err(_) => problem(Column::Phone, ProblemCode::BadPhone, part),
                }
            }
        }
        let mut emails = Vec::new();
        if let Some(value) = cell(raw, mapping, Column::Email) {
            for part in value.split([',', ';', ' ']).map(str::trim).filter(|p| !p.is_empty()) {
                match Email::parse(part) {
                    Ok(email) if emails.contains(&email) => {}
                    Ok(email) => emails.push(email),
                    Err(_) => problem(Column::Email, ProblemCode::BadEmail, part),
                }
            }
        }
        let share = cell(raw, mapping, Column::Share).and_then(|v| match v.parse::<Share>() {
            Ok(share) => Some(share),
            Err(_) => {
                problem(Column::Share, ProblemCode::BadShare, v);
                None
            }
        });
        let role = match cell(raw, mapping, Column::Role) {
            Some(v) => parse_role(v).unwrap_or_else(|| {
                problem(Column::Role, ProblemCode::BadRole, v);
                LinkRole::Owner
            }),
            None => mapping.implied_role.unwrap_or(if share.is_some() || account.is_some() {
                LinkRole::Owner
            } else {
                LinkRole::Occupant
            }),
        };
        let unit = read_unit(raw, mapping, &mut problem);
        let record = ClientRow {
            row,
            full_name,
            last_name,
            first_name,
            middle_name,
            company,
            inn,
            phones,
            emails,
            unit,
            account,
            share: if role == LinkRole::Owner { share.or(Some(Share::WHOLE)) } else { None },
            role,
            client_id,
        };
        if let Some(key) = record.external_id() {
            let unit_key =
                record.unit.as_ref().map(|u| format!("{:?}{}", u.section, u.query.label)).unwrap_or_default();
            let key = format!("{key}|{unit_key}|{}", record.role.code());
            if let Some(first) = seen_keys.get(&key) {
                problems.push(Problem {
                    row,
                    column: String::new(),
                    code: ProblemCode::DuplicateRow,
                    value: first.to_string(),
                });
                continue;
            }
            seen_keys.insert(key, row);
        }
        out.push(record);
    }
    (out, problems)
}

/// One unit row, read.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitRow {
    /// 1-based row of the file.
    pub row: usize,
    /// The label as written ("45", "Н1"), not folded.
    pub label: String,
    pub unit: UnitRef,
    /// Лицевой счёт: kept as the unit's billing id.
    pub account: Option<String>,
}

/// Reads every data row of a units file (section, floor, label, kind,
/// area, account).
pub fn read_unit_rows(sheet: &Sheet, mapping: &Mapping) -> (Vec<UnitRow>, Vec<Problem>) {
    let mut problems = Vec::new();
    if !mapping.has(Column::Unit) {
        problems.push(Problem { row: 1, column: String::new(), code: ProblemCode::NoUnitColumn, value: String::new() });
        return (Vec::new(), problems);
    }
    if sheet.rows.is_empty() {
        problems.push(Problem { row: 0, column: String::new(), code: ProblemCode::Empty, value: String::new() });
    }
    let mut out = Vec::new();
    let mut seen: HashMap<(Option<String>, String, Option<UnitKind>), usize> = HashMap::new();
    for (index, raw) in sheet.rows.iter().enumerate() {
        let row = index + 2;
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut problem = |column: Column, code: ProblemCode, value: &str| {
            problems.push(Problem {
                row,
                column: heading(&sheet.headers, mapping, column),
                code,
                value: value.to_owned(),
            });
        };
        let Some(unit) = read_unit(raw, mapping, &mut problem) else {
            if cell(raw, mapping, Column::Unit).is_none() {
                problem(Column::Unit, ProblemCode::Required, "");
            }
            continue;
        };
        let label = cell(raw, mapping, Column::Unit).map(|l| {
            // "кв. 45" → "45"; "Н1" keeps its letter case.
            let folded = fold(l);
            let at = folded.find(unit.query.label.as_str()).unwrap_or(0);
            l.chars().skip(folded[..at].chars().count()).collect::<String>().trim().to_owned()
        });
        let label = label.filter(|l| !l.is_empty()).unwrap_or_else(|| unit.query.label.clone());
        let key = (unit.section.as_deref().map(fold), fold(&label), unit.kind.or(unit.query.kind));
        if let Some(first) = seen.get(&key) {
            problems.push(Problem {
                row,
                column: String::new(),
                code: ProblemCode::DuplicateRow,
                value: first.to_string(),
            });
            continue;
        }
        seen.insert(key, row);
        let account = cell(raw, mapping, Column::Account).map(str::to_owned);
        out.push(UnitRow { row, label, unit, account });
    }
    (out, problems)
}

fn read_unit(raw: &[String], mapping: &Mapping, problem: &mut dyn FnMut(Column, ProblemCode, &str)) -> Option<UnitRef> {
    let label = cell(raw, mapping, Column::Unit)?;
    let Some(query) = UnitQuery::parse(label).or_else(|| {
        // Plain labels without digits ("Н", "А") are labels too.
        let trimmed = label.trim();
        (!trimmed.is_empty() && trimmed.chars().count() <= 20 && !trimmed.contains(' '))
            .then(|| UnitQuery { kind: None, label: fold(trimmed) })
    }) else {
        problem(Column::Unit, ProblemCode::BadUnit, label);
        return None;
    };
    let kind = match cell(raw, mapping, Column::UnitKind) {
        Some(v) => parse_unit_kind(v).or_else(|| {
            problem(Column::UnitKind, ProblemCode::BadUnitKind, v);
            None
        }),
        None => query.kind,
    };
    let floor = cell(raw, mapping, Column::Floor).and_then(|v| match v.parse::<i32>() {
        Ok(f) if (-10..=150).contains(&f) => Some(f),
        _ => {
            problem(Column::Floor, ProblemCode::BadFloor, v);
            None
        }
    });
    let area =
        cell(raw, mapping, Column::Area).and_then(|v| match v.replace(',', ".").replace(' ', "").parse::<f64>() {
            Ok(a) if a > 0.0 && a < 100_000.0 => Some(a),
            _ => {
                problem(Column::Area, ProblemCode::BadArea, v);
                None
            }
        });
    Some(UnitRef { section: cell(raw, mapping, Column::Section).map(str::to_owned), floor, query, kind, area })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(headers: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows.iter().map(|r| r.iter().map(|c| c.to_string()).collect()).collect(),
        }
    }

    #[test]
    fn usual_russian_headings_are_recognised() {
        let headers: Vec<String> =
            ["Лицевой счёт", "ФИО", "Кв.", "Подъезд", "Этаж", "Площадь", "Доля", "Телефон", "E-mail", "Примечание"]
                .iter()
                .map(|s| s.to_string())
                .collect();
        let mapping = Mapping::new(&headers, &HashMap::new()).unwrap();
        assert_eq!(
            mapping.columns,
            [
                Column::Account,
                Column::FullName,
                Column::Unit,
                Column::Section,
                Column::Floor,
                Column::Area,
                Column::Share,
                Column::Phone,
                Column::Email,
                Column::Ignore
            ]
        );
        let owner = Mapping::new(&["Собственник".to_string(), "Помещение".to_string()], &HashMap::new()).unwrap();
        assert_eq!(owner.implied_role, Some(LinkRole::Owner));
        let explicit = HashMap::from([("Абонент".to_string(), Column::FullName)]);
        let mapped = Mapping::new(&["Абонент".to_string()], &explicit).unwrap();
        assert_eq!(mapped.columns, [Column::FullName]);
        let missing = HashMap::from([("Нет такой".to_string(), Column::Phone)]);
        assert_eq!(Mapping::new(&["ФИО".to_string()], &missing).unwrap_err()[0].code, ProblemCode::UnknownHeading);
    }

    #[test]
    fn rows_read_into_clients_with_every_problem_placed() {
        let s = sheet(
            &["Лицевой счет", "Фамилия", "Имя", "Отчество", "Квартира", "Доля", "Телефон", "Статус"],
            &[
                &["001", "Иванова", "Анна", "Петровна", "кв 45", "1/2", "8 (912) 345-67-89", "Собственник"],
                &["002", "", "", "", "46", "", "12-34", "арендатор"],
                &["003", "Петров", "Пётр", "", "47", "две трети", "+7 912 0001122", "дворник"],
                &["001", "Иванова", "Анна", "Петровна", "кв 45", "1/2", "8 (912) 345-67-89", "Собственник"],
            ],
        );
        let mapping = Mapping::new(&s.headers, &HashMap::new()).unwrap();
        let (rows, problems) = read_client_rows(&s, &mapping);
        let found: Vec<(usize, &str, ProblemCode)> =
            problems.iter().map(|p| (p.row, p.column.as_str(), p.code)).collect();
        assert_eq!(
            found,
            [
                (3, "Фамилия", ProblemCode::Required),
                (3, "Телефон", ProblemCode::BadPhone),
                (4, "Доля", ProblemCode::BadShare),
                (4, "Статус", ProblemCode::BadRole),
                (5, "", ProblemCode::DuplicateRow),
            ]
        );
        let first = &rows[0];
        assert_eq!(first.full_name.as_deref(), Some("Иванова Анна Петровна"));
        assert_eq!(first.share, Share::new(1, 2).ok());
        assert_eq!(first.phones[0].phone.e164(), "+79123456789");
        assert_eq!(first.unit.as_ref().unwrap().query.label, "45");
        assert_eq!(first.external_id().as_deref(), Some("ls:001:иванова анна петровна"));
        assert_eq!(rows[1].role, LinkRole::Tenant);
    }

    #[test]
    fn a_file_without_names_is_refused_at_once() {
        let s = sheet(&["Телефон", "Квартира"], &[&["89123456789", "1"]]);
        let mapping = Mapping::new(&s.headers, &HashMap::new()).unwrap();
        let (rows, problems) = read_client_rows(&s, &mapping);
        assert!(rows.is_empty());
        assert_eq!(problems[0].code, ProblemCode::NoNameColumn);
    }

    #[test]
    fn unit_rows_keep_labels_and_find_duplicates() {
        let s = sheet(
            &["Подъезд", "Этаж", "Помещение", "Тип помещения", "Площадь", "Лицевой счёт"],
            &[
                &["1", "2", "кв. 5", "квартира", "54,2", "СЗ-5"],
                &["1", "1", "Н1", "нежилое", "120", ""],
                &["1", "этаж", "6", "", "-3", ""],
                &["1", "2", "5", "квартира", "", ""],
            ],
        );
        let mapping = Mapping::new(&s.headers, &HashMap::new()).unwrap();
        let (rows, problems) = read_unit_rows(&s, &mapping);
        assert_eq!(rows[0].label, "5");
        assert_eq!(rows[0].unit.area, Some(54.2));
        assert_eq!(rows[1].label, "Н1");
        assert_eq!(rows[1].unit.kind, Some(UnitKind::Retail));
        let found: Vec<(usize, ProblemCode)> = problems.iter().map(|p| (p.row, p.code)).collect();
        assert_eq!(found, [(4, ProblemCode::BadFloor), (4, ProblemCode::BadArea), (5, ProblemCode::DuplicateRow)]);
    }

    #[test]
    fn roles_and_kinds_read_loosely() {
        assert_eq!(parse_role("Собств."), Some(LinkRole::Owner));
        assert_eq!(parse_role("ПРОЖИВАЮЩИЙ"), Some(LinkRole::Occupant));
        assert_eq!(parse_role("сосед"), None);
        assert_eq!(parse_unit_kind("Нежилое помещение"), Some(UnitKind::Retail));
        assert_eq!(parse_unit_kind("м/м"), Some(UnitKind::Parking));
    }
}
