//! Imports from housing-billing systems: files to sheets, sheets to plans,
//! plans written all or nothing.
//!
//! A file is CSV (UTF-8 or Windows-1251, found by trying UTF-8 strictly;
//! comma, semicolon or tab, found from the header line) or XLSX (the first
//! worksheet). [`domovoy_domain::import`] reads the rows; here units are
//! looked up in the building's layout, and the plan is applied in one
//! transaction. A repeated import finds clients by their billing key and
//! units by section and label, so it updates instead of duplicating, and a
//! file imported twice changes nothing the second time.

use std::collections::{HashMap, HashSet};
use std::io::Read as _;

use serde::Serialize;

use domovoy_domain::FieldError;
use domovoy_domain::client::{ClientInput, LinkRole, UnitLink};
use domovoy_domain::ids::{BuildingId, ClientId, UnitId};
use domovoy_domain::import::{
    ClientRow, Column, Mapping, Problem, ProblemCode, Sheet, read_client_rows, read_unit_rows,
};
use domovoy_domain::layout::{FloorPlan, Layout, SectionKind, SectionPlan, UnitKind, UnitPlan};
use domovoy_store::layout::{self, StoredLayout};
use domovoy_store::{Db, StoreError, WriteTx, clients};

/// Largest file accepted (a 100,000-client export is about 15 MB).
pub const MAX_FILE_BYTES: usize = 50 * 1024 * 1024;

/// Largest one member of an XLSX archive may unpack to. A 100,000-client
/// export's worksheet is about 40 MB of XML; a zip bomb of a few megabytes
/// unpacks to gigabytes and is refused at this line, never held.
pub const MAX_MEMBER_BYTES: u64 = 128 * 1024 * 1024;
/// Largest the members read from one archive may unpack to together.
pub const MAX_UNPACKED_BYTES: u64 = 192 * 1024 * 1024;
/// Columns a spreadsheet can have (Excel's last column is XFD).
pub const SPREADSHEET_COLUMNS: usize = 16_384;
/// Rows a spreadsheet can have.
pub const SPREADSHEET_ROWS: usize = 1_048_576;
/// Columns an import reads: billing exports have a few dozen; a row
/// reaching further is refused rather than padded out.
pub const MAX_COLUMNS: usize = 256;

/// What is imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Clients with their units, roles, shares and accounts.
    Clients,
    /// Units of one building: section, floor, label, kind, area, account.
    Units,
}

impl std::str::FromStr for ImportKind {
    type Err = FieldError;

    fn from_str(raw: &str) -> Result<Self, FieldError> {
        match raw.trim() {
            "clients" => Ok(Self::Clients),
            "units" => Ok(Self::Units),
            _ => Err(FieldError::Unknown),
        }
    }
}

/// How the file was read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileInfo {
    /// `csv` or `xlsx`.
    pub format: &'static str,
    /// `utf-8` or `windows-1251` (CSV only).
    pub encoding: Option<&'static str>,
    /// `;`, `,` or tab (CSV only).
    pub delimiter: Option<String>,
}

fn unreadable(what: impl std::fmt::Display) -> Problem {
    Problem { row: 0, column: String::new(), code: ProblemCode::Unreadable, value: what.to_string() }
}

/// Reads a file's first table.
pub fn read_sheet(bytes: &[u8]) -> Result<(Sheet, FileInfo), Problem> {
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes).map(|sheet| (sheet, FileInfo { format: "xlsx", encoding: None, delimiter: None }));
    }
    let (text, encoding) = match std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)) {
        Ok(text) => (text.to_owned(), "utf-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1251.decode(bytes);
            (text.into_owned(), "windows-1251")
        }
    };
    let first = text.lines().next().unwrap_or_default();
    let delimiter =
        [b';', b',', b'\t'].into_iter().max_by_key(|d| first.bytes().filter(|b| b == d).count()).unwrap_or(b';');
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().map_err(unreadable)?.iter().map(|h| h.trim().to_owned()).collect();
    if headers.len() > MAX_COLUMNS {
        return Err(too(ProblemCode::TooWide, "columns"));
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(unreadable)?;
        if record.len() > MAX_COLUMNS {
            return Err(too(ProblemCode::TooWide, "columns"));
        }
        if rows.len() >= SPREADSHEET_ROWS {
            return Err(too(ProblemCode::TooLarge, "rows"));
        }
        rows.push(record.iter().map(str::to_owned).collect());
    }
    let shown = if delimiter == b'\t' { "tab".to_owned() } else { (delimiter as char).to_string() };
    Ok((Sheet { headers, rows }, FileInfo { format: "csv", encoding: Some(encoding), delimiter: Some(shown) }))
}

/// The first worksheet of an XLSX file as text cells: shared strings,
/// inline strings and numbers (as written, without the float noise of
/// `54.200000000000003`).
fn read_xlsx(bytes: &[u8]) -> Result<Sheet, Problem> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let mut unpacked = 0u64;
    let mut read = |name: &str| -> Result<Option<String>, Problem> {
        match archive.by_name(name) {
            Ok(file) => {
                // Read at most one byte past the limit, whatever the archive
                // claims the member's size is: the claim is input too.
                let allowed = MAX_MEMBER_BYTES.min(MAX_UNPACKED_BYTES - unpacked);
                let mut text = String::new();
                file.take(allowed + 1).read_to_string(&mut text).map_err(unreadable)?;
                let size = u64::try_from(text.len()).unwrap_or(u64::MAX);
                if size > allowed {
                    return Err(too(ProblemCode::TooLarge, name));
                }
                unpacked += size;
                Ok(Some(text))
            }
            Err(zip::result::ZipError::FileNotFound) => Ok(None),
            Err(e) => Err(unreadable(e)),
        }
    };
    let shared: Vec<String> = match read("xl/sharedStrings.xml")? {
        Some(xml) => elements(&xml, "si").map(|si| elements(si, "t").map(unescape).collect::<String>()).collect(),
        None => Vec::new(),
    };
    let sheet = read("xl/worksheets/sheet1.xml")?.ok_or_else(|| unreadable("xl/worksheets/sheet1.xml"))?;
    let mut table: Vec<Vec<String>> = Vec::new();
    for row in elements(&sheet, "row") {
        if table.len() >= SPREADSHEET_ROWS {
            return Err(too(ProblemCode::TooLarge, "rows"));
        }
        let mut cells: Vec<String> = Vec::new();
        for (attributes, body) in elements_with_attributes(row, "c") {
            let column = match attribute(attributes, "r").filter(|r| r.starts_with(|c: char| c.is_ascii_alphabetic())) {
                Some(reference) => column_index(reference).ok_or_else(|| too(ProblemCode::TooWide, reference))?,
                // No reference (or no column letters in it): the next cell.
                None => cells.len(),
            };
            // The row grows only up to columns an import reads: a cell
            // named far to the right never sizes a buffer.
            if column >= MAX_COLUMNS {
                return Err(too(ProblemCode::TooWide, attribute(attributes, "r").unwrap_or("")));
            }
            let kind = attribute(attributes, "t").unwrap_or("n");
            let value = match kind {
                "s" => elements(body, "v")
                    .next()
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .and_then(|i| shared.get(i).cloned())
                    .unwrap_or_default(),
                "inlineStr" => elements(body, "t").map(unescape).collect(),
                "b" => elements(body, "v")
                    .next()
                    .map(|v| if v.trim() == "1" { "1" } else { "0" }.to_owned())
                    .unwrap_or_default(),
                _ => elements(body, "v").next().map(|v| tidy_number(&unescape(v))).unwrap_or_default(),
            };
            if cells.len() <= column {
                cells.resize(column + 1, String::new());
            }
            cells[column] = value;
        }
        table.push(cells);
    }
    let mut rows = table.into_iter();
    let headers = rows.next().unwrap_or_default().into_iter().map(|h| h.trim().to_owned()).collect();
    Ok(Sheet { headers, rows: rows.collect() })
}

/// "54.200000000000003" → "54.2"; integers stay as they are.
fn tidy_number(raw: &str) -> String {
    match raw.parse::<f64>() {
        Ok(n) if raw.contains(['.', 'E', 'e']) => {
            let short = format!("{n:.10}");
            short.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        _ => raw.to_owned(),
    }
}

/// "AB12" → 27 (zero-based column); `None` beyond the last column a
/// spreadsheet can have (XFD), or for a reference without letters.
fn column_index(reference: &str) -> Option<usize> {
    let mut column = 0usize;
    for letter in reference.bytes().take_while(u8::is_ascii_alphabetic) {
        column = column * 26 + usize::from(letter.to_ascii_uppercase() - b'A' + 1);
        if column > SPREADSHEET_COLUMNS {
            return None;
        }
    }
    column.checked_sub(1)
}

/// A file refused for its size or shape, naming what was too much.
fn too(code: ProblemCode, what: &str) -> Problem {
    Problem { row: 0, column: String::new(), code, value: what.chars().take(64).collect() }
}

/// The bodies of `<tag …>body</tag>` elements (not nested in themselves).
fn elements<'a>(xml: &'a str, tag: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    elements_with_attributes(xml, tag).map(|(_, body)| body)
}

/// `(attributes, body)` of each `<tag …>body</tag>` or `<tag …/>`.
fn elements_with_attributes<'a>(xml: &'a str, tag: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    let open = format!("<{tag}");
    let close = format!("</{tag}>");
    let mut rest = xml;
    std::iter::from_fn(move || {
        loop {
            let start = rest.find(&open)?;
            let after = &rest[start + open.len()..];
            // `<t` must not match `<tr…`: the name ends at space, `>` or `/`.
            if !after.starts_with([' ', '>', '/', '\t', '\n', '\r']) {
                rest = after;
                continue;
            }
            let end_of_tag = after.find('>')?;
            let attributes = &after[..end_of_tag];
            if attributes.ends_with('/') {
                rest = &after[end_of_tag + 1..];
                return Some((attributes.trim_end_matches('/'), ""));
            }
            let body_start = &after[end_of_tag + 1..];
            let body_end = body_start.find(&close)?;
            rest = &body_start[body_end + close.len()..];
            return Some((attributes, &body_start[..body_end]));
        }
    })
}

fn attribute<'a>(attributes: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = format!(" {attributes}").find(&key)? + key.len() - 1;
    let value = &attributes[start..];
    value.split('"').next()
}

fn unescape(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let Some(end) = tail.find(';') else {
            out.push_str(tail);
            return out;
        };
        let entity = &tail[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => out.push(c),
            None => out.push_str(&tail[..=end]),
        }
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    out
}

/// What an import found and did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub file: FileInfo,
    /// Data rows read.
    pub rows: usize,
    /// What each heading was taken for (`heading`, column code).
    pub columns: Vec<(String, &'static str)>,
    /// Every problem; nothing is written while there is one.
    pub problems: Vec<Problem>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Whether the changes were written (not a dry run, no problems).
    pub applied: bool,
}

/// Where each unit of a building is, for rows to point at.
struct UnitIndex {
    by_section_label: HashMap<(String, String), UnitId>,
    by_label: HashMap<String, Vec<UnitId>>,
    kinds: HashMap<UnitId, UnitKind>,
}

impl UnitIndex {
    fn new(layout: &StoredLayout) -> Self {
        let mut index = UnitIndex { by_section_label: HashMap::new(), by_label: HashMap::new(), kinds: HashMap::new() };
        for unit in layout.units() {
            let label = domovoy_domain::text::fold(&unit.label);
            index.by_section_label.insert((domovoy_domain::text::fold(&unit.section_name), label.clone()), unit.id);
            index.by_label.entry(label).or_default().push(unit.id);
            index.kinds.insert(unit.id, unit.kind);
        }
        index
    }

    /// The unit a row names: by section and label, or by label alone when
    /// only one unit (of the asked kind) has it.
    fn find(&self, section: Option<&str>, label: &str, kind: Option<UnitKind>) -> Option<UnitId> {
        let label = domovoy_domain::text::fold(label);
        if let Some(section) = section {
            return self.by_section_label.get(&(domovoy_domain::text::fold(section), label)).copied();
        }
        let candidates: Vec<UnitId> = self
            .by_label
            .get(&label)?
            .iter()
            .copied()
            .filter(|id| kind.is_none_or(|k| self.kinds.get(id) == Some(&k)))
            .collect();
        match candidates.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }
}

/// A clients import, read and resolved, ready to apply.
#[derive(Debug)]
pub struct ClientPlan {
    rows: Vec<(ClientRow, Option<UnitId>)>,
}

fn mapping_of(sheet: &Sheet, explicit: &HashMap<String, Column>, report: &mut Report) -> Option<Mapping> {
    match Mapping::new(&sheet.headers, explicit) {
        Ok(mapping) => {
            report.columns = sheet.headers.iter().cloned().zip(mapping.columns.iter().map(|c| c.code())).collect();
            Some(mapping)
        }
        Err(problems) => {
            report.problems.extend(problems);
            None
        }
    }
}

/// Reads a clients file against the building's layout (when rows name units).
pub async fn plan_clients(
    db: &Db,
    building: Option<BuildingId>,
    sheet: &Sheet,
    explicit: &HashMap<String, Column>,
    report: &mut Report,
) -> Result<Option<ClientPlan>, StoreError> {
    report.rows = sheet.rows.len();
    let Some(mapping) = mapping_of(sheet, explicit, report) else { return Ok(None) };
    let (rows, problems) = read_client_rows(sheet, &mapping);
    report.problems.extend(problems);
    let index = match building {
        Some(b) => Some(UnitIndex::new(&layout::load(db, b).await?)),
        None => None,
    };
    let unit_heading = mapping
        .columns
        .iter()
        .position(|c| *c == Column::Unit)
        .and_then(|i| sheet.headers.get(i))
        .cloned()
        .unwrap_or_default();
    let mut resolved = Vec::with_capacity(rows.len());
    for row in rows {
        let unit = match (&row.unit, &index) {
            (None, _) => None,
            (Some(unit), Some(index)) => {
                let kind = unit.kind.or(unit.query.kind);
                match index.find(unit.section.as_deref(), &unit.query.label, kind) {
                    Some(id) => Some(id),
                    None => {
                        report.problems.push(Problem {
                            row: row.row,
                            column: unit_heading.clone(),
                            code: ProblemCode::UnknownUnit,
                            value: unit.query.label.clone(),
                        });
                        None
                    }
                }
            }
            (Some(unit), None) => {
                report.problems.push(Problem {
                    row: row.row,
                    column: unit_heading.clone(),
                    code: ProblemCode::UnknownUnit,
                    value: unit.query.label.clone(),
                });
                None
            }
        };
        resolved.push((row, unit));
    }
    report.problems.sort_by_key(|p| p.row);
    Ok(report.problems.is_empty().then_some(ClientPlan { rows: resolved }))
}

fn input_of(row: &ClientRow) -> ClientInput {
    let company = row.company.is_some() || row.inn.as_deref().is_some_and(|i| i.len() == 10);
    ClientInput {
        kind: Some(if company { "company" } else { "person" }.to_owned()),
        last_name: row.last_name.clone(),
        first_name: row.first_name.clone(),
        middle_name: row.middle_name.clone(),
        name: row.company.clone().or_else(|| row.full_name.clone()),
        inn: row.inn.clone(),
        phones: row.phones.iter().map(|p| p.raw.clone()).collect(),
        emails: row.emails.iter().map(|e| e.as_str().to_owned()).collect(),
        notes: None,
        tags: Vec::new(),
        user_id: None,
        external_id: row.external_id(),
    }
}

/// Writes a clients plan: a client found by its billing key is updated
/// (contacts merged, notes, tags and account kept), others are created; each
/// row's unit link is added once.
pub async fn apply_clients(tx: &mut WriteTx, plan: &ClientPlan, report: &mut Report) -> Result<(), StoreError> {
    let mut touched: HashSet<ClientId> = HashSet::new();
    for (row, unit) in &plan.rows {
        let mut draft = input_of(row).parse().map_err(|mut e| {
            let (field, error) = e.remove(0);
            StoreError::Corrupt(format!("row {}: {field}: {error}", row.row))
        })?;
        let existing = match &draft.external_id {
            Some(key) => clients::find_by_external(&mut *tx, key).await?,
            None => None,
        };
        match existing {
            Some(id) => {
                let current = clients::get(&mut *tx, id).await?;
                // Keep what the import does not know; add contacts it brings.
                let mut merged = current.card.clone();
                for phone in &draft.phones {
                    if !merged.phones.iter().any(|p| p.phone == phone.phone) {
                        merged.phones.push(phone.clone());
                    }
                }
                for email in &draft.emails {
                    if !merged.emails.contains(email) {
                        merged.emails.push(email.clone());
                    }
                }
                merged.kind = draft.kind;
                merged.name = std::mem::take(&mut draft.name);
                merged.last_name = draft.last_name.take();
                merged.first_name = draft.first_name.take();
                merged.middle_name = draft.middle_name.take();
                merged.inn = draft.inn.take().or(merged.inn);
                let changed = merged != current.card;
                if changed {
                    clients::update(tx, id, &merged, None).await?;
                }
                let linked = link(tx, id, row, *unit).await?;
                if (changed || linked) && touched.insert(id) {
                    report.updated += 1;
                } else if !changed && !linked && !touched.contains(&id) {
                    report.unchanged += 1;
                }
            }
            None => {
                let client = clients::insert(tx, &draft).await?;
                link(tx, client.id, row, *unit).await?;
                report.created += 1;
                touched.insert(client.id);
            }
        }
    }
    Ok(())
}

/// Adds the row's link when missing; whether it was added or changed.
async fn link(tx: &mut WriteTx, client: ClientId, row: &ClientRow, unit: Option<UnitId>) -> Result<bool, StoreError> {
    let Some(unit) = unit else { return Ok(false) };
    let wanted = UnitLink {
        unit_id: unit,
        role: row.role,
        share: row.share.filter(|_| row.role == LinkRole::Owner),
        valid_from: None,
        valid_to: None,
        account: row.account.clone(),
    };
    let mut links: Vec<UnitLink> = clients::links(&mut *tx, client).await?.into_iter().map(|l| l.link).collect();
    match links.iter_mut().find(|l| l.unit_id == unit && l.role == row.role) {
        Some(existing) if existing.share == wanted.share && existing.account == wanted.account => Ok(false),
        Some(existing) => {
            existing.share = wanted.share;
            existing.account = wanted.account;
            clients::set_links(tx, client, &links).await?;
            Ok(true)
        }
        None => {
            links.push(wanted);
            clients::set_links(tx, client, &links).await?;
            Ok(true)
        }
    }
}

/// Reads a units file and merges it into the building's current layout
/// (the merged plan, or `None` with the problems in the report):
/// a unit found by section and label is updated, others are added (their
/// floor must be given). Nothing is removed.
pub async fn plan_units(
    db: &Db,
    building: BuildingId,
    sheet: &Sheet,
    explicit: &HashMap<String, Column>,
    report: &mut Report,
) -> Result<Option<Layout>, StoreError> {
    report.rows = sheet.rows.len();
    let Some(mapping) = mapping_of(sheet, explicit, report) else { return Ok(None) };
    let (rows, problems) = read_unit_rows(sheet, &mapping);
    report.problems.extend(problems);
    let stored = layout::load(db, building).await?;
    let mut plan = stored.to_plan();
    let floor_heading = mapping
        .columns
        .iter()
        .position(|c| *c == Column::Floor)
        .and_then(|i| sheet.headers.get(i))
        .cloned()
        // A file without a floor column: problems name the row only.
        .unwrap_or_default();
    for row in rows {
        let section_name = row
            .unit
            .section
            .clone()
            .unwrap_or_else(|| plan.sections.first().map(|s| s.name.clone()).unwrap_or_else(|| "1".to_owned()));
        let label = row.label.clone();
        let section_index =
            match plan.sections.iter().position(|s| s.name.to_lowercase() == section_name.to_lowercase()) {
                Some(i) => i,
                None => {
                    plan.sections.push(SectionPlan {
                        name: section_name.clone(),
                        kind: SectionKind::Entrance,
                        floors: Vec::new(),
                    });
                    plan.sections.len() - 1
                }
            };
        let section = &mut plan.sections[section_index];
        let kind = row.unit.kind.or(row.unit.query.kind).unwrap_or(match section.kind {
            SectionKind::Parking => UnitKind::Parking,
            SectionKind::Wing => UnitKind::Office,
            SectionKind::Entrance => UnitKind::Apartment,
        });
        let found = section
            .floors
            .iter_mut()
            .flat_map(|f| f.units.iter_mut())
            .find(|u| u.kind == kind && domovoy_domain::text::fold(&u.label) == domovoy_domain::text::fold(&label));
        match found {
            Some(unit) => {
                let before = unit.clone();
                if row.unit.area.is_some() {
                    unit.area = row.unit.area;
                }
                if row.account.is_some() {
                    unit.external_id = row.account.clone();
                }
                if *unit == before {
                    report.unchanged += 1;
                } else {
                    report.updated += 1;
                }
            }
            None => {
                let Some(number) = row.unit.floor else {
                    report.problems.push(Problem {
                        row: row.row,
                        column: floor_heading.clone(),
                        code: ProblemCode::Required,
                        value: label.clone(),
                    });
                    continue;
                };
                let unit = UnitPlan { label, kind, area: row.unit.area, external_id: row.account.clone() };
                match section.floors.iter_mut().find(|f| f.number == number) {
                    Some(floor) => floor.units.push(unit),
                    None => section.floors.push(FloorPlan { number, name: None, units: vec![unit] }),
                }
                report.created += 1;
            }
        }
    }
    match plan.validate() {
        Ok(plan) if report.problems.is_empty() => Ok(Some(plan)),
        Ok(_) => Ok(None),
        Err(errors) => {
            report.problems.extend(errors.into_iter().map(|e| Problem {
                row: 0,
                column: e.path,
                code: ProblemCode::BadUnit,
                value: e.error.to_string(),
            }));
            Ok(None)
        }
    }
}

/// A checked import, ready to run.
#[derive(Debug)]
pub enum Prepared {
    Clients { building: Option<BuildingId>, plan: ClientPlan },
    Units { building: BuildingId, plan: Layout },
}

/// What to import and how.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: ImportKind,
    pub building: Option<BuildingId>,
    /// Heading → column, for headings the import does not recognise.
    pub mapping: HashMap<String, Column>,
}

/// Reads the file and checks every row; `None` when there are problems
/// (they are in the report). Reading is CPU work proportional to the file:
/// a server reads with [`prepare_read`] off the async workers.
pub async fn prepare(
    db: &Db,
    bytes: &[u8],
    request: &Request,
    report: &mut Report,
) -> Result<Option<Prepared>, StoreError> {
    prepare_read(db, read_sheet(bytes), request, report).await
}

/// Checks every row of a file already read (or the problem reading it).
pub async fn prepare_read(
    db: &Db,
    read: Result<(Sheet, FileInfo), Problem>,
    request: &Request,
    report: &mut Report,
) -> Result<Option<Prepared>, StoreError> {
    let (sheet, info) = match read {
        Ok(read) => read,
        Err(problem) => {
            report.problems.push(problem);
            return Ok(None);
        }
    };
    report.file = info;
    Ok(match request.kind {
        ImportKind::Clients => plan_clients(db, request.building, &sheet, &request.mapping, report)
            .await?
            .map(|plan| Prepared::Clients { building: request.building, plan }),
        ImportKind::Units => {
            let Some(building) = request.building else {
                report.problems.push(Problem {
                    row: 0,
                    column: String::new(),
                    code: ProblemCode::Required,
                    value: "building".to_owned(),
                });
                return Ok(None);
            };
            plan_units(db, building, &sheet, &request.mapping, report)
                .await?
                .map(|plan| Prepared::Units { building, plan })
        }
    })
}

/// A dry run ends its transaction with this, so nothing is kept.
#[derive(Debug)]
enum Outcome {
    Store(StoreError),
    DryRun(Box<Report>),
}

impl From<StoreError> for Outcome {
    fn from(e: StoreError) -> Self {
        Outcome::Store(e)
    }
}

/// Runs a prepared import in one transaction: everything or nothing. A dry
/// run does all the work and rolls it back, so its counts are exact.
/// Returns the report and the committed events (to publish).
pub async fn execute(
    db: &Db,
    prepared: Prepared,
    report: Report,
    actor: domovoy_store::audit::Actor,
    dry_run: bool,
) -> Result<(Report, Vec<domovoy_store::events::StoredEvent>), StoreError> {
    use domovoy_domain::audit::AuditAction;
    use domovoy_domain::event::{Event, LayoutChange, OccupancyChange};
    use domovoy_store::audit::{self, Change};

    let kind = match &prepared {
        Prepared::Clients { .. } => ImportKind::Clients,
        Prepared::Units { .. } => ImportKind::Units,
    };
    let result = db
        .write(move |tx| {
            Box::pin(async move {
                let mut report = report;
                let building = match &prepared {
                    Prepared::Clients { building, plan } => {
                        apply_clients(tx, plan, &mut report).await?;
                        *building
                    }
                    Prepared::Units { building, plan } => {
                        layout::replace(tx, *building, plan).await?;
                        tx.emit(&Event::LayoutChanged(LayoutChange {
                            building_id: Some(*building),
                            created: 0,
                            updated: 0,
                            removed: 0,
                            import: true,
                        }));
                        Some(*building)
                    }
                };
                if dry_run {
                    return Err(Outcome::DryRun(Box::new(report)));
                }
                if let (Prepared::Clients { .. }, Some(b)) = (&prepared, building) {
                    tx.emit(&Event::OccupancyChanged(OccupancyChange {
                        building_id: Some(b),
                        client_id: None,
                        unit_ids: Vec::new(),
                        import: true,
                    }));
                }
                report.applied = true;
                audit::record(
                    tx,
                    Change::new(
                        &actor,
                        AuditAction::ImportApplied,
                        building.map(|b| b.to_string()).unwrap_or_default(),
                    )
                    .building(building)
                    .summary(format!(
                        "{} rows: +{} ~{} ={}",
                        report.rows, report.created, report.updated, report.unchanged
                    )),
                )
                .await?;
                Ok(report)
            })
        })
        .await;
    match result {
        Ok(committed) => {
            let tables: &[&'static str] = match kind {
                ImportKind::Clients => {
                    &["clients", "client_terms", "client_phones", "client_emails", "client_units", "client_consents"]
                }
                ImportKind::Units => &["sections", "floors", "units"],
            };
            // The data is committed; stale statistics only slow searches down.
            if let Err(error) = db.refresh_statistics(tables).await {
                tracing::warn!(%error, "statistics not refreshed after the import");
            }
            Ok((committed.value, committed.events))
        }
        Err(Outcome::DryRun(report)) => Ok((*report, Vec::new())),
        Err(Outcome::Store(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1251_and_semicolons_are_found() {
        let text = "ФИО;Телефон\nИванова Анна;8 912 345-67-89\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(text);
        let (sheet, info) = read_sheet(&bytes).unwrap();
        assert_eq!(info.encoding, Some("windows-1251"));
        assert_eq!(info.delimiter.as_deref(), Some(";"));
        assert_eq!(sheet.headers, ["ФИО", "Телефон"]);
        assert_eq!(sheet.rows[0][0], "Иванова Анна");
        let (utf8, info) = read_sheet("\u{feff}ФИО,Кв\n\"Петров, Пётр\",5\n".as_bytes()).unwrap();
        assert_eq!(info.encoding, Some("utf-8"));
        assert_eq!(utf8.rows[0], ["Петров, Пётр", "5"]);
    }

    #[test]
    fn xlsx_written_by_our_exporter_reads_back() {
        let rows = [["ФИО", "Площадь", "Примечание"], ["Иванова & Ко <ООО>", "54,2", ""], ["Петров", "", "x"]];
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (row, cells) in (0u32..).zip(rows) {
            for (col, value) in (0u16..).zip(cells) {
                if !value.is_empty() {
                    sheet.write_string(row, col, value).unwrap();
                }
            }
        }
        let bytes = workbook.save_to_buffer().unwrap();
        let (sheet, info) = read_sheet(&bytes).unwrap();
        assert_eq!(info.format, "xlsx");
        assert_eq!(sheet.headers, ["ФИО", "Площадь", "Примечание"]);
        assert_eq!(sheet.rows[0][0], "Иванова & Ко <ООО>");
        assert_eq!(sheet.rows[1][2], "x");
    }

    #[test]
    fn xml_helpers() {
        assert_eq!(column_index("A1"), Some(0));
        assert_eq!(column_index("AB12"), Some(27));
        assert_eq!(column_index("XFD1"), Some(16_383));
        assert_eq!(column_index("XFE1"), None);
        assert_eq!(column_index("ZZZZZZZZ2"), None);
        assert_eq!(column_index("12"), None);
        assert_eq!(unescape("a &amp; b &#1071; &#x42;"), "a & b Я B");
        assert_eq!(tidy_number("54.200000000000003"), "54.2");
        assert_eq!(tidy_number("45"), "45");
        assert_eq!(attribute(r#"r="B2" t="s""#, "t"), Some("s"));
        assert_eq!(attribute(r#"r="B2" t="s""#, "r"), Some("B2"));
    }
}
