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
use rust_xlsxwriter::{Format, Workbook};

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
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet).map_err(ApiError::internal)?;
    let bold = Format::new().set_bold();
    for (col, title) in (0u16..).zip(&table.headers) {
        worksheet.write_string_with_format(0, col, title, &bold).map_err(ApiError::internal)?;
    }
    for (row, cells) in (1u32..).zip(&table.rows) {
        for (col, value) in (0u16..).zip(cells) {
            worksheet.write_string(row, col, value).map_err(ApiError::internal)?;
        }
    }
    worksheet.set_freeze_panes(1, 0).map_err(ApiError::internal)?;
    worksheet.autofit();
    workbook.save_to_buffer().map_err(ApiError::internal)
}

/// The table as a file download named `{stem}.{csv|xlsx}`.
pub fn download(table: &Table, format: ExportFormat, stem: &str, sheet: &str) -> Result<HttpResponse, ApiError> {
    let body = match format {
        ExportFormat::Csv => csv_bytes(table)?,
        ExportFormat::Xlsx => xlsx_bytes(table, sheet)?,
    };
    let filename = format!("{stem}.{}", format.extension());
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, format.content_type()))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .body(body))
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
    fn xlsx_is_a_zip_file() {
        let bytes = xlsx_bytes(&sample(), "Журнал").unwrap();
        assert!(bytes.starts_with(b"PK"));
    }
}
