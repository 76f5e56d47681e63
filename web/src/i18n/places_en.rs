//! Layout, chessboard, client and search strings in English.

use domovoy_domain::client::{Channel, ClientKind, LinkRole, Occupancy};
use domovoy_domain::import::ProblemCode;
use domovoy_domain::layout::{SectionKind, UnitKind};

use super::places::PlaceCatalog;

pub static EN_PLACES: PlaceCatalog = PlaceCatalog {
    in_use: |names| {
        format!("These units cannot be removed: tickets or residents refer to them — {names}. Move them first")
    },

    section_kind_label,
    unit_kind_label,
    link_role_label,
    channel_label,
    client_kind_label,
    occupancy_label,
    section_title: |kind, name| match kind {
        SectionKind::Entrance => format!("Entrance {name}"),
        SectionKind::Wing => format!("Wing {name}"),
        SectionKind::Parking => name.to_owned(),
    },
    floor_title: |n| format!("Floor {n}"),

    nav_clients: "Clients",
    search_label: "Search",
    search_placeholder: "Phone, name, “apt 45”, address, ticket number",
    search_clients: "Clients",
    search_units: "Units",
    search_tickets: "Tickets",
    search_buildings: "Buildings",
    search_nothing: "Nothing found",
    search_hint: "↑↓ select, Enter open, Esc close",
    shortcut_search: "Search clients, units and tickets",

    chessboard: "Chessboard",
    chessboard_title: |name| format!("Chessboard — {name}"),
    chessboard_empty: "This building has no layout yet. Create one on the layout page.",
    chessboard_units: |n| format!("Units: {n}"),
    overlay: "Show",
    overlay_tickets: "Tickets",
    overlay_kind: "Unit kind",
    overlay_ownership: "Ownership",
    overlay_app: "Residents in the app",
    legend_no_tickets: "no open tickets",
    legend_emergency: "emergency",
    legend_app: "residents use the app",
    selection_hint: "Select by dragging or Shift+click; click a floor or section header to select it whole",
    selected_count: |n| format!("Units selected: {n}"),
    selection_clear: "Clear selection",
    export_csv: "Download CSV",
    export_xlsx: "Download XLSX",

    unit_card: "Unit",
    unit_area: "Area, m²",
    unit_floor: "Floor",
    unit_section: "Section",
    unit_people: "Residents and owners",
    unit_no_people: "Nobody linked",
    unit_tickets: "Tickets",
    unit_no_tickets: "No tickets",
    open_unit: "Open the unit card",

    layout_title: |name| format!("Layout — {name}"),
    layout_link: "Layout",
    layout_generate: "Generate a layout",
    layout_generate_hint: "For a regular building: sections, floors and units in order. Numbering continues from section to section.",
    layout_sections: "Sections",
    layout_section_kind: "Kind",
    layout_first_floor: "From floor",
    layout_last_floor: "To floor",
    layout_units_per_floor: "Units per floor",
    layout_unit_kind: "Unit kind",
    layout_first_number: "First number",
    layout_ground_floor: "The floor below holds non-residential units",
    layout_ground_none: "no",
    layout_ground_units: "Non-residential units per section",
    layout_parking_levels: "Parking levels",
    layout_parking_spaces: "Spaces per level",
    layout_editor: "Layout editor",
    layout_editor_hint: "For irregular buildings. A section starts with “[Подъезд 1]”, “[Корпус А]” or “[Паркинг]”; a floor line is “number: units separated by spaces”. Kind after a colon (кв, офис, пом, кл, мм), area after “=”: “12:офис=54.5”. Units with tickets or residents cannot be removed.",
    layout_save: "Save the layout",
    layout_condo: "Exchange with Condo",
    layout_condo_hint: "A Property.map (JSON) file from the Condo platform: uploading replaces the layout, downloading saves the current one.",
    layout_condo_import: "Upload Property.map",
    layout_condo_export: "Download Property.map",
    layout_replaced: |created, updated, removed| {
        format!("Layout saved: {created} new units, {updated} changed, {removed} removed")
    },
    layout_text_error: |line, text| format!("Line {line}: {text}"),
    layout_replace_warning: "Saving replaces the whole layout",

    clients_title: "Clients",
    client_new: "New client",
    client_edit: "Edit",
    client_save: "Save",
    client_kind: "Kind",
    client_last_name: "Last name",
    client_first_name: "First name",
    client_middle_name: "Patronymic",
    client_company_name: "Company name",
    client_inn: "INN",
    client_phones: "Phones",
    client_phones_hint: "One per line, in any form: 8 (912) 345-67-89",
    client_emails: "E-mail",
    client_notes: "Notes",
    client_tags: "Tags",
    client_tags_hint: "Comma-separated",
    client_external_id: "Billing code",
    client_contacts: "Contacts",
    client_contacts_hidden: "Contacts hidden: you lack the personal data permission",
    client_units: "Units",
    client_no_units: "Not linked to any unit",
    client_units_edit: "Client's units",
    client_units_hint: "One unit per line: “кв 45 собственник 1/2”, “офис 12 арендатор 2026-01-01..2026-12-31”, “кв 7 проживающий”",
    client_share: "Share",
    client_period: "Period",
    client_account: "Account",
    client_consents: "Consents to mailings",
    client_consent_given: |date| format!("given {date}"),
    client_consent_none: "not given",
    client_tickets_open: "Open tickets",
    client_tickets_past: "Past tickets",
    client_no_tickets: "No tickets",
    client_timeline: "History",
    client_timeline_created: "Card created",
    client_new_ticket: "New ticket",
    client_app_account: "Uses the app",
    client_saved: "Card saved",
    client_created: "Client created",
    client_version_conflict: "Someone else just changed this card. Reload the page and try again",

    import_problem,
    import_where: |row, column| match (row, column.is_empty()) {
        (0, _) => "File".to_owned(),
        (row, true) => format!("Row {row}"),
        (row, false) => format!("Row {row}, “{column}”"),
    },
    import_title: "Import from billing",
    import_hint: "CSV (UTF-8 or Windows-1251, “;” or “,”) or XLSX. Usual Russian headings are recognised. A check writes nothing; applying writes everything or nothing. Importing again updates instead of duplicating.",
    import_kind_clients: "Clients, ownership and accounts",
    import_kind_units: "Units of the building",
    import_file: "File",
    import_mapping: "Own headings",
    import_mapping_hint: "For unusual headings, one “Heading = column” per line; columns: full_name, last_name, first_name, middle_name, company, inn, phone, email, section, floor, unit, unit_kind, area, account, share, role, client_id, ignore",
    import_check: "Check",
    import_apply: "Apply",
    import_uploading: "Uploading…",
    import_checking: "Checking rows…",
    import_ok: "No problems. Ready to apply.",
    import_problems: |n| format!("{n} problems found. Nothing was written: fix the file and check again."),
    import_result: |rows, created, updated, unchanged| {
        format!("Rows: {rows}. To create: {created}, to update: {updated}, unchanged: {unchanged}")
    },
    import_applied: "Import applied",
    import_done: |rows, created, updated, unchanged| {
        format!("Rows: {rows}. Created: {created}, updated: {updated}, unchanged: {unchanged}")
    },
    import_file_info: |format, encoding, delimiter| {
        format!("Format {format}, encoding {encoding}, delimiter “{delimiter}”")
    },
    import_col_where: "Where",
    import_col_problem: "Problem",
    import_col_value: "Value",
};

fn import_problem(code: ProblemCode) -> &'static str {
    match code {
        ProblemCode::NoNameColumn => "no column names the client (ФИО, Фамилия or Организация)",
        ProblemCode::NoUnitColumn => "no column names the unit (Квартира, Кв., Помещение)",
        ProblemCode::DuplicateColumn => "another column already means this",
        ProblemCode::UnknownHeading => "the file has no such heading",
        ProblemCode::Required => "empty, but required",
        ProblemCode::BadPhone => "not a phone number",
        ProblemCode::BadEmail => "not an e-mail address",
        ProblemCode::BadShare => "not a share (write 1/2, 1, 50%)",
        ProblemCode::BadArea => "not an area",
        ProblemCode::BadFloor => "not a floor",
        ProblemCode::BadRole => "not owner, tenant or occupant",
        ProblemCode::BadUnitKind => "unknown unit kind",
        ProblemCode::BadUnit => "not a unit number",
        ProblemCode::BadInn => "an INN has 10 or 12 digits",
        ProblemCode::TooLong => "too long",
        ProblemCode::UnknownUnit => "no such unit in the building's layout",
        ProblemCode::DuplicateRow => "a repeated row (see the first one's number)",
        ProblemCode::Unreadable => "not a readable CSV or XLSX file",
        ProblemCode::Empty => "no data rows",
    }
}

fn section_kind_label(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::Entrance => "Entrance",
        SectionKind::Wing => "Wing",
        SectionKind::Parking => "Parking",
    }
}

fn unit_kind_label(kind: UnitKind) -> &'static str {
    match kind {
        UnitKind::Apartment => "Apartment",
        UnitKind::Office => "Office",
        UnitKind::Retail => "Retail",
        UnitKind::Storage => "Storage",
        UnitKind::Parking => "Parking space",
    }
}

fn link_role_label(role: LinkRole) -> &'static str {
    match role {
        LinkRole::Owner => "Owner",
        LinkRole::Tenant => "Tenant",
        LinkRole::Occupant => "Occupant",
    }
}

fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Push => "Push notifications",
        Channel::Email => "E-mail",
        Channel::Sms => "SMS",
    }
}

fn client_kind_label(kind: ClientKind) -> &'static str {
    match kind {
        ClientKind::Person => "Person",
        ClientKind::Company => "Company",
    }
}

fn occupancy_label(occupancy: Occupancy) -> &'static str {
    match occupancy {
        Occupancy::OwnerOccupied => "Owner-occupied",
        Occupancy::Rented => "Rented",
        Occupancy::Vacant => "No residents recorded",
    }
}
