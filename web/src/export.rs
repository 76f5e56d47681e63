//! Tables to download: CSV and XLSX.
//!
//! CSV files open straight in a Russian Excel: UTF-8 with a byte-order
//! mark (without it Excel reads Cyrillic as Windows-1251 garbage) and `;`
//! between fields (the list separator of the Russian locale). A cell that a
//! spreadsheet would take for a formula (`=`, `+`, `-`, `@`, tab, carriage
//! return first) is written with a leading apostrophe: text a resident typed
//! never runs in the dispatcher's Excel. XLSX cells are written as strings
//! and need no such care.

use actix_web::HttpResponse;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use chrono::{Datelike, NaiveTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::error::ApiError;

/// A table: header row and data rows of text.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// `csv` or `xlsx` (default `csv`).
    pub fn parse(raw: Option<&str>) -> Result<Self, ApiError> {
        match raw {
            None | Some("csv") => Ok(Self::Csv),
            Some("xlsx") => Ok(Self::Xlsx),
            Some(_) => Err(ApiError::field("format", domovoy_domain::FieldError::Unknown)),
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// The cell as text a spreadsheet will not evaluate.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

pub fn csv_bytes(table: &Table) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::from(&b"\xEF\xBB\xBF"[..]);
    {
        let mut writer = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut out);
        writer.write_record(table.headers.iter().map(|h| inert(h).into_owned())).map_err(ApiError::internal)?;
        for row in &table.rows {
            writer.write_record(row.iter().map(|cell| inert(cell).into_owned())).map_err(ApiError::internal)?;
        }
        writer.flush().map_err(ApiError::internal)?;
    }
    Ok(out)
}

pub fn xlsx_bytes(table: &Table, sheet: &str) -> Result<Vec<u8>, ApiError> {
    let rows = table.rows.iter().map(|cells| cells.iter().map(|c| Cell::Text(c.clone())).collect()).collect();
    workbook_bytes(&[Sheet { name: sheet.to_owned(), headers: table.headers.clone(), rows }])
}

/// A typed cell: numbers, shares and dates stay numbers and dates in Excel
/// (sortable, summable), written with a Russian-readable format.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Integer(i64),
    /// A fraction 0–1, shown as a percentage.
    Percent(f64),
    /// A number with one decimal.
    Decimal(f64),
    Date(chrono::NaiveDate),
    /// A local date and time.
    Time(chrono::NaiveDateTime),
    Empty,
}

/// One sheet of a workbook.
#[derive(Debug, Clone, Default)]
pub struct Sheet {
    /// At most 31 characters (Excel's limit); longer names are cut.
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

fn excel_time(at: chrono::NaiveDateTime) -> Result<ExcelDateTime, ApiError> {
    let year = u16::try_from(at.year()).map_err(ApiError::internal)?;
    #[allow(clippy::cast_possible_truncation)]
    let (month, day, hour, minute, second) =
        (at.month() as u8, at.day() as u8, at.hour() as u16, at.minute() as u8, at.second() as u8);
    ExcelDateTime::from_ymd(year, month, day).and_then(|d| d.and_hms(hour, minute, second)).map_err(ApiError::internal)
}

/// Sheets as one XLSX workbook: bold frozen headers, fitted widths.
pub fn workbook_bytes(sheets: &[Sheet]) -> Result<Vec<u8>, ApiError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let percent = Format::new().set_num_format("0.0%");
    let decimal = Format::new().set_num_format("0.0");
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let time = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    for sheet in sheets {
        let worksheet = workbook.add_worksheet();
        let name: String = sheet.name.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        worksheet.set_name(&name).map_err(ApiError::internal)?;
        for (col, title) in (0u16..).zip(&sheet.headers) {
            worksheet.write_string_with_format(0, col, title, &bold).map_err(ApiError::internal)?;
        }
        for (row, cells) in (1u32..).zip(&sheet.rows) {
            for (col, cell) in (0u16..).zip(cells) {
                match cell {
                    Cell::Text(text) => worksheet.write_string(row, col, text),
                    #[allow(clippy::cast_precision_loss)]
                    Cell::Integer(n) => worksheet.write_number(row, col, *n as f64),
                    Cell::Percent(v) => worksheet.write_number_with_format(row, col, *v, &percent),
                    Cell::Decimal(v) => worksheet.write_number_with_format(row, col, *v, &decimal),
                    Cell::Date(d) => {
                        worksheet.write_datetime_with_format(row, col, excel_time(d.and_time(NaiveTime::MIN))?, &date)
                    }
                    Cell::Time(t) => worksheet.write_datetime_with_format(row, col, excel_time(*t)?, &time),
                    Cell::Empty => continue,
                }
                .map_err(ApiError::internal)?;
            }
        }
        worksheet.set_freeze_panes(1, 0).map_err(ApiError::internal)?;
        worksheet.autofit();
    }
    workbook.save_to_buffer().map_err(ApiError::internal)
}

/// The table as a file download named `{stem}.{csv|xlsx}`.
pub fn download(table: &Table, format: ExportFormat, stem: &str, sheet: &str) -> Result<HttpResponse, ApiError> {
    let body = match format {
        ExportFormat::Csv => csv_bytes(table)?,
        ExportFormat::Xlsx => xlsx_bytes(table, sheet)?,
    };
    Ok(attachment(body, format, stem))
}

/// Bytes of `format` as a file download named `{stem}.{csv|xlsx}`.
pub fn attachment(body: Vec<u8>, format: ExportFormat, stem: &str) -> HttpResponse {
    let filename = format!("{stem}.{}", format.extension());
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .body(body)
}

/// A stored file's bytes as a download: images and PDFs open in the
/// browser (`inline`, or a thumbnail), anything else downloads; the page
/// it opens in is sandboxed. A file missing from the disk is logged and
/// answers 404.
pub async fn stored_file(
    path: &std::path::Path,
    file_name: &str,
    content_type: &str,
    inline: bool,
) -> Result<HttpResponse, ApiError> {
    let bytes = tokio::fs::read(path).await.map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => {
            tracing::error!(path = %path.display(), "a stored file is missing");
            ApiError::not_found()
        }
        _ => ApiError::internal(error),
    })?;
    let inline =
        inline || domovoy_app::attachments::FileKind::is_image(content_type) || content_type == "application/pdf";
    let disposition = format!(
        "{}; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        crate::pages::url_encode(file_name).replace('+', "%20")
    );
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, disposition))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=3600"))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .body(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        Table {
            headers: vec!["Кто".into(), "Что".into()],
            rows: vec![vec!["Иванов; И.И.".into(), "вход".into()], vec!["system".into(), "\"кавычки\"".into()]],
        }
    }

    #[test]
    fn csv_has_a_bom_semicolons_and_quoting() {
        let bytes = csv_bytes(&sample()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert_eq!(text, "Кто;Что\n\"Иванов; И.И.\";вход\nsystem;\"\"\"кавычки\"\"\"\n");
    }

    #[test]
    fn typed_sheets_make_one_workbook() {
        let sheets = [
            Sheet {
                name: "Сводка: объект [1]".into(),
                headers: vec!["Объект".into(), "Доля".into()],
                rows: vec![vec![Cell::Text("Дом".into()), Cell::Percent(0.5)], vec![Cell::Empty, Cell::Integer(3)]],
            },
            Sheet {
                name: "x".repeat(40),
                headers: vec!["День".into()],
                rows: vec![vec![Cell::Date(chrono::NaiveDate::from_ymd_opt(2026, 12, 6).unwrap())]],
            },
        ];
        let bytes = workbook_bytes(&sheets).unwrap();
        assert!(bytes.starts_with(b"PK"));
    }

    #[test]
    fn xlsx_is_a_zip_file() {
        let bytes = xlsx_bytes(&sample(), "Журнал").unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
