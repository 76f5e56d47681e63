//! Bounded fuzzing of what reads files and text from outside: the XLSX and
//! CSV importers, condo's map, the search query. Every case must end in a
//! value or a clear refusal, quickly, within the documented limits, never a
//! panic or an allocation sized by the input.
//!
//! `cargo test` runs [`DEFAULT_CASES`] cases per target; `.ci/run` runs more
//! (`DOMOVOY_FUZZ_CASES`) under a time limit. The inputs that once took the
//! server down are the first cases (`seeds_*`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use domovoy_app::import::{MAX_COLUMNS, read_sheet};
use domovoy_domain::client::{UnitQuery, phone_digits, phone_start, query_words, within_typo};
use domovoy_domain::import::{ProblemCode, Sheet};
use domovoy_domain::layout::Layout;
use domovoy_domain::layout::condo::CondoMap;

const DEFAULT_CASES: u32 = 256;

/// No single input may take longer than this to read (debug build).
const PER_CASE: Duration = Duration::from_secs(5);

fn runner() -> TestRunner {
    let cases = std::env::var("DOMOVOY_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(DEFAULT_CASES);
    TestRunner::new(Config { cases, failure_persistence: None, ..Config::default() })
}

/// An XLSX (a zip) with these members, deflated.
fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in members {
            zip.start_file(*name, options).unwrap();
            zip.write_all(body).unwrap();
        }
        zip.finish().unwrap();
    }
    out.into_inner()
}

/// What every read must satisfy: an answer in time, and a sheet no wider
/// than the limit.
fn check_read(bytes: &[u8]) -> Result<Option<Sheet>, TestCaseError> {
    let started = Instant::now();
    let result = read_sheet(bytes);
    prop_assert!(started.elapsed() < PER_CASE, "took {:?}", started.elapsed());
    Ok(match result {
        Ok((sheet, _)) => {
            prop_assert!(sheet.headers.len() <= MAX_COLUMNS);
            for row in &sheet.rows {
                prop_assert!(row.len() <= MAX_COLUMNS, "a row of {} cells", row.len());
            }
            Some(sheet)
        }
        Err(problem) => {
            // A refusal names a row or a column, or the file as a whole.
            prop_assert!(!problem.code.code().is_empty());
            None
        }
    })
}

#[test]
fn seeds_a_cell_named_past_the_last_column_is_refused() {
    // The 239-byte file that once asked for five terabytes.
    let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="ZZZZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row></sheetData></worksheet>"#;
    let file = zip_of(&[("xl/worksheets/sheet1.xml", sheet)]);
    let problem = read_sheet(&file).unwrap_err();
    assert_eq!(problem.code, ProblemCode::TooWide);
    // Row numbers never size anything: a row numbered 99,999,999 is just
    // the next row read.
    let tall = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="99999999"><c r="A99999999"><v>2</v></c></row></sheetData></worksheet>"#;
    let (sheet, _) = read_sheet(&zip_of(&[("xl/worksheets/sheet1.xml", tall)])).unwrap();
    assert_eq!(sheet.rows, vec![vec!["2".to_owned()]]);
}

#[test]
fn seeds_shared_strings_inflating_to_a_gigabyte_are_refused_at_the_limit() {
    // 1 GiB of one letter deflates to about a megabyte.
    let mut strings = b"<sst><si><t>".to_vec();
    strings.resize(1024 * 1024 * 1024, b'a');
    let sheet = br#"<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>"#;
    let file = zip_of(&[("xl/sharedStrings.xml", &strings), ("xl/worksheets/sheet1.xml", sheet)]);
    drop(strings);
    assert!(file.len() < 4 * 1024 * 1024, "the bomb is small: {} bytes", file.len());
    let started = Instant::now();
    let problem = read_sheet(&file).unwrap_err();
    assert_eq!(problem.code, ProblemCode::TooLarge);
    assert!(started.elapsed() < PER_CASE, "refused after {:?}", started.elapsed());
}

/// A cell reference: mostly plausible, sometimes absurd.
fn cell_ref() -> impl Strategy<Value = String> {
    prop_oneof![
        ("[A-Z]{1,3}", 1u32..2000).prop_map(|(c, r)| format!("{c}{r}")),
        ("[A-Z]{1,12}", any::<u64>()).prop_map(|(c, r)| format!("{c}{r}")),
        "[A-Za-z0-9$:]{0,16}",
    ]
}

fn cell_xml() -> impl Strategy<Value = String> {
    (cell_ref(), prop_oneof!["s", "inlineStr", "n", "str", "b", "[a-z]{0,4}"], "[^<>&]{0,20}", any::<u32>()).prop_map(
        |(r, t, text, index)| match t.as_str() {
            "inlineStr" => format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#),
            "s" => format!(r#"<c r="{r}" t="s"><v>{index}</v></c>"#),
            _ => format!(r#"<c r="{r}" t="{t}"><v>{text}</v></c>"#),
        },
    )
}

fn sheet_xml() -> impl Strategy<Value = String> {
    prop::collection::vec((any::<u32>(), prop::collection::vec(cell_xml(), 0..8)), 0..12).prop_map(|rows| {
        let body: String =
            rows.into_iter().map(|(r, cells)| format!(r#"<row r="{r}">{}</row>"#, cells.concat())).collect();
        format!("<worksheet><sheetData>{body}</sheetData></worksheet>")
    })
}

fn shared_strings_xml() -> impl Strategy<Value = String> {
    prop::collection::vec("[^<>&]{0,12}", 0..6).prop_map(|items| {
        format!("<sst>{}</sst>", items.iter().map(|s| format!("<si><t>{s}</t></si>")).collect::<String>())
    })
}

#[test]
fn xlsx_files_of_random_sheets_are_read_or_refused() {
    runner()
        .run(&(sheet_xml(), proptest::option::of(shared_strings_xml())), |(sheet, strings)| {
            let mut members: Vec<(&str, &[u8])> = vec![("xl/worksheets/sheet1.xml", sheet.as_bytes())];
            if let Some(strings) = &strings {
                members.push(("xl/sharedStrings.xml", strings.as_bytes()));
            }
            check_read(&zip_of(&members))?;
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_xlsx_files_are_refused() {
    // A valid file with bytes overwritten and cut short.
    let good = zip_of(&[(
        "xl/worksheets/sheet1.xml",
        r#"<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ФИО</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Иванов</t></is></c></row></sheetData></worksheet>"#.as_bytes(),
    )]);
    runner()
        .run(
            &(prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16), any::<prop::sample::Index>()),
            |(edits, cut)| {
                let mut file = good.clone();
                for (at, byte) in edits {
                    let i = at.index(file.len());
                    file[i] = byte;
                }
                file.truncate(cut.index(file.len()).max(4));
                check_read(&file)?;
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn csv_text_of_any_shape_is_read_or_refused() {
    let field = prop_oneof!["[^;\n]{0,12}", "\"[^\"]{0,8}", "=[A-Z]+\\(\\)", "[\u{0}-\u{1f}]{0,3}"];
    let line = prop::collection::vec(field, 0..300).prop_map(|cells| cells.join(";"));
    runner()
        .run(&(prop::collection::vec(line, 0..20), any::<bool>()), |(lines, bom)| {
            let mut bytes = if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() };
            bytes.extend(lines.join("\n").into_bytes());
            check_read(&bytes)?;
            Ok(())
        })
        .unwrap();
    // Bytes that are not text at all (read as Windows-1251).
    runner()
        .run(&prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
            check_read(&bytes)?;
            Ok(())
        })
        .unwrap();
}

fn condo_unit() -> impl Strategy<Value = serde_json::Value> {
    (
        "[a-z0-9]{1,4}",
        prop_oneof!["flat", "apartment", "commercial", "warehouse", "parking", "[a-z]{1,8}"],
        "[0-9А-я ]{0,6}",
        proptest::option::of("[0-9А-я ]{0,6}"),
    )
        .prop_map(|(id, kind, label, name)| serde_json::json!({"id": id, "type": "unit", "unitType": kind, "label": label, "name": name}))
}

fn condo_section() -> impl Strategy<Value = serde_json::Value> {
    (
        "[0-9А-я]{0,4}",
        prop::collection::vec((any::<i32>(), prop::collection::vec(condo_unit(), 0..5)), 0..5),
    )
        .prop_map(|(name, floors)| {
            let floors: Vec<_> = floors
                .into_iter()
                .map(|(index, units)| serde_json::json!({"id": "f", "type": "floor", "index": index, "name": index.to_string(), "units": units}))
                .collect();
            serde_json::json!({"id": "s", "type": "section", "index": 1, "name": name, "floors": floors})
        })
}

#[test]
fn condo_maps_of_any_shape_become_a_layout_or_a_clear_error() {
    let map = (prop::collection::vec(condo_section(), 0..4), prop::collection::vec(condo_section(), 0..2))
        .prop_map(|(sections, parking)| serde_json::json!({"dv": 1, "type": "building", "sections": sections, "parking": parking}));
    runner()
        .run(&map, |map| {
            let started = Instant::now();
            let map: CondoMap = serde_json::from_value(map).unwrap();
            if let Ok(layout) = map.to_layout()
                && let Ok(valid) = layout.validate()
            {
                // What is accepted exports and reads back to the same plan.
                let back = CondoMap::from_layout(&valid, str::to_owned).to_layout().unwrap().validate().unwrap();
                prop_assert_eq!(back.sections.len(), valid.sections.len());
            }
            prop_assert!(started.elapsed() < PER_CASE);
            Ok(())
        })
        .unwrap();
    // And text that is not a map at all.
    runner()
        .run(&"[\\[\\]{}\":,0-9a-z\\- ]{0,200}", |text| {
            if let Ok(map) = serde_json::from_str::<CondoMap>(&text) {
                let _ = map.to_layout().map(Layout::validate);
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn search_queries_of_any_text_are_understood_or_ignored() {
    runner()
        .run(&"\\PC{0,120}", |query| {
            let started = Instant::now();
            let words = query_words(&query);
            for word in &words {
                prop_assert!(!word.is_empty());
                within_typo(word, "федорова", 2);
            }
            if let Some(digits) = phone_digits(&query) {
                prop_assert!(digits.chars().all(|c| c.is_ascii_digit()), "{}", digits);
            }
            let _ = phone_start(&query);
            let _ = UnitQuery::parse(&query);
            prop_assert!(started.elapsed() < Duration::from_millis(500));
            Ok(())
        })
        .unwrap();
}
