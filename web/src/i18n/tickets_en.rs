//! Ticket strings in English.

use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::sla::{DayKind, SlaState};
use domovoy_domain::ticket::{HoldReason, Priority, TicketSource, TicketStatus, WorkflowError};

use super::tickets::TicketCatalog;

pub static EN_TICKETS: TicketCatalog = TicketCatalog {
    idempotency_reused: "This Idempotency-Key was already used with a different request body",
    duplicate_request: "A request with the same text was filed within the last day — we are already on it",
    not_rateable: "Only finished work can be rated, and only once",
    version_conflict: |version| {
        format!("Someone else has just changed this ticket (version {version}). Reload it and try again")
    },
    workflow_error,
    attachment_too_large: |mb| format!("The file is larger than {mb} MB"),
    attachment_type: "Photos (JPEG, PNG, WebP, HEIC), MP4 video, PDF, Word and Excel documents and text can be attached",
    attachment_empty: "The file is empty",

    status_label,
    transition_label,
    priority_label,
    source_label,
    hold_reason_label,
    sla_state_label,
    classifier_kind_label,
    day_kind_label,
    rating_label,
    duration,
    due_in: |span| format!("in {span}"),
    overdue_by: |span| format!("overdue by {span}"),

    nav_tickets: "Tickets",
    nav_ticket_settings: "Reference data",
    shortcut_new_ticket: "New ticket",
    shortcut_next: "Next ticket in the list",
    shortcut_prev: "Previous ticket in the list",
    shortcut_open: "Open the selected ticket",
    shortcut_assign: "Assign",
    shortcut_status: "Change status",

    board_title: "Tickets",
    my_tickets_title: "My requests",
    new_ticket: "New ticket",
    view_list: "List",
    view_kanban: "Kanban",
    filter_building: "Building",
    filter_status: "Status",
    filter_open: "Open",
    filter_category: "Category",
    filter_priority: "Priority",
    filter_assignee: "Assignee",
    filter_mine: "Mine",
    filter_unassigned: "Unassigned",
    filter_source: "Source",
    filter_sla: "SLA",
    filter_text: "Search",
    filter_text_placeholder: "Number, text, phone, apartment",
    filter_flagged: "Need attention",
    sort_label: "Order",
    sort_urgency: "Most urgent first",
    sort_newest: "Newest first",
    sort_oldest: "Oldest first",
    saved_filters: "Saved filters",
    save_filter: "Save filter",
    filter_name_field: "Filter name",
    filter_saved: "Filter saved",
    filter_deleted: "Filter deleted",
    col_number: "No.",
    col_created: "Created",
    col_building: "Building",
    col_location: "Where",
    col_description: "Summary",
    col_category: "Category",
    col_priority: "Priority",
    col_status: "Status",
    col_assignee: "Assignee",
    col_due: "Due",
    unassigned: "unassigned",
    total: |n| format!("Found: {n}"),
    kanban_hint: "Drag a card to another column to change its status",
    move_failed: "The status was not changed",
    board_updated: "The list was updated",

    field_source: "Source",
    field_building: "Building",
    building_search_placeholder: "Start typing a name or address",
    field_location: "Where exactly",
    location_placeholder: "apt. 45, entrance 2, 5th floor",
    field_description: "What happened",
    description_placeholder: "Briefly: what, where, since when",
    field_category: "Category",
    field_place: "Place",
    field_problem: "Problem",
    problem_search: "Quick pick",
    problem_search_placeholder: "Start typing: leak, lift, light…",
    field_priority: "Priority",
    emergency_hint: "Emergency — water, electricity, gas, people stuck in a lift: 30 minutes to contain",
    field_contact_name: "Caller's name",
    field_contact_phone: "Caller's phone",
    create_ticket: "Create ticket",
    ticket_created: |number| format!("Ticket No. {number} created"),
    ticket_created_notice: "Ticket created",
    open_in_building: "Open tickets in this building",
    not_chosen: "— not chosen —",
    resident_new_hint: "Describe what happened and where. The dispatcher sees it at once; status and answers appear here.",

    ticket_heading: |number| format!("Ticket No. {number}"),
    section_details: "Details",
    section_timeline: "Timeline",
    section_actions: "Actions",
    section_contact: "Requester",
    section_sla: "Deadlines",
    section_attachments: "Attachments",
    section_classification: "Classification",
    label_created: "Created",
    label_updated: "Changed",
    label_team: "Team",
    label_response_due: "Respond by",
    label_resolution_due: "Resolve by",
    label_sla_used: "Working time used",
    label_sla_policy: "Policy",
    label_responded: "First response",
    label_hold_reason: "Waiting for",
    label_end_reason: "Reason",
    label_rating: "Resident's rating",
    label_flagged: "Needs a manager's attention",
    no_sla: "No policy applies",
    comment_field: "Comment",
    comment_public: "Visible to the resident",
    comment_internal: "Internal",
    add_comment: "Add comment",
    comment_added: "Comment added",
    internal_badge: "internal",
    reason_field: "Reason",
    hold_reason_field: "Waiting for",
    assignee_field: "Assignee",
    assign_submit: "Assign",
    assign_me: "Take it",
    nobody: "— nobody —",
    assigned_notice: "Assignee set",
    status_changed: "Status changed",
    reclassify: "Save classification",
    classified_notice: "Classification saved",
    watch: "Watch",
    unwatch: "Stop watching",
    watchers: "Watching",
    upload: "Attach a file",
    upload_hint: |mb| format!("Up to {mb} MB: photos, video, PDF, documents"),
    uploaded: "File attached",
    no_attachments: "No attachments",
    other_tickets_phone: "Other tickets from this phone",
    no_other_tickets: "No other tickets",
    conflict_reload: "Someone else has just changed this ticket. It is shown as it is now — please repeat your action.",
    history_created: "created the ticket",
    history_status: |from, to| format!("{from} → {to}"),
    history_assigned: |name| format!("assigned: {name}"),
    history_unassigned: "assignee removed",
    history_classified: "changed classification or priority",
    history_rating: |value| format!("rated {value} of 5"),
    history_sla: |state| format!("SLA: {state}"),
    rate_title: "Rate the work",
    rating_field: "Rating",
    rating_comment_field: "Comment on the rating",
    rate_submit: "Rate",
    rated_notice: "Thank you for your rating!",

    settings_title: "Ticket reference data",
    tab_classifier: "Classifier",
    tab_sla: "SLA policies",
    tab_calendar: "Production calendar",
    tab_teams: "Teams and assignment",
    code_field: "Code",
    parent_field: "Category",
    sort_field: "Order",
    active_field: "Active",
    add_item: "Add",
    item_created: "Item added",
    any_building: "Any building",
    any_category: "Any category",
    any_priority: "Any priority",
    policy_name_field: "Name",
    response_minutes_field: "Response, min",
    resolution_minutes_field: "Resolution, min",
    warn_percent_field: "Warn at, %",
    schedule_field: "Time",
    schedule_around_the_clock: "Around the clock",
    schedule_working_hours: "Working hours by the calendar",
    work_start_field: "From",
    work_end_field: "To",
    add_policy: "Add policy",
    policy_created: "Policy added",
    policy_deleted: "Policy deleted",
    sla_intro: "A ticket gets the most specific policy: building, category and priority beat general rules. Time runs in the building's time zone.",
    templates_title: "Templates from regulations",
    basis_col: "Basis",
    adopt: "Adopt",
    template_adopted: "Policy added from the template",
    adopted: "adopted",
    calendar_intro: "Holidays, moved working days and short days. Saturdays and Sundays are days off by default. The 2025–2027 calendar ships with the product.",
    day_col: "Date",
    note_col: "Note",
    year_field: "Year",
    add_day: "Add day",
    import_calendar: "Import calendar",
    calendar_file_field: "Calendar file",
    calendar_format_hint: "A text file: one \"YYYY-MM-DD kind note\" per line, kind is holiday, workday or short; lines starting with # are skipped.",
    calendar_imported: |n| format!("Days added: {n}"),
    calendar_line_error: |line, message| format!("Line {line}: {message}"),
    day_removed: "Day removed from the calendar",
    teams_intro: "A team gets tickets in turn: each new one goes to whoever has waited longest.",
    team_name_field: "Team name",
    members_field: "Members",
    add_team: "Create team",
    team_created: "Team created",
    members_saved: "Members saved",
    rules_title: "Assignment rules",
    rules_intro: "A new ticket is assigned by the most specific rule: building and category beat either alone. Dispatchers can always reassign.",
    rule_assignee_field: "To",
    rule_team: |name| format!("team “{name}” in turn"),
    rule_user: |name| format!("employee {name}"),
    add_rule: "Add rule",
    rule_added: "Rule added",
    rule_deleted: "Rule deleted",
};

fn workflow_error(error: &WorkflowError) -> String {
    match error {
        WorkflowError::NotAllowed { from, to } => {
            format!("A ticket cannot go from “{}” to “{}”", status_label(*from), status_label(*to))
        }
        WorkflowError::ReasonRequired => "Give a reason for rejecting or cancelling".to_owned(),
        WorkflowError::HoldReasonRequired => "Say what the ticket waits for: the resident or parts".to_owned(),
        WorkflowError::AssigneeRequired => "Assign someone first".to_owned(),
        WorkflowError::Unchanged(status) => format!("The ticket is already “{}”", status_label(*status)),
    }
}

fn status_label(status: TicketStatus) -> &'static str {
    match status {
        TicketStatus::New => "New",
        TicketStatus::Accepted => "Accepted",
        TicketStatus::Assigned => "Assigned",
        TicketStatus::InProgress => "In progress",
        TicketStatus::OnHold => "On hold",
        TicketStatus::Done => "Done",
        TicketStatus::Closed => "Closed",
        TicketStatus::Reopened => "Reopened",
        TicketStatus::Rejected => "Rejected",
        TicketStatus::Cancelled => "Cancelled",
    }
}

fn transition_label(to: TicketStatus) -> &'static str {
    match to {
        TicketStatus::New => "Back to new",
        TicketStatus::Accepted => "Accept",
        TicketStatus::Assigned => "Back to the assignee's queue",
        TicketStatus::InProgress => "Start work",
        TicketStatus::OnHold => "Put on hold",
        TicketStatus::Done => "Done",
        TicketStatus::Closed => "Close",
        TicketStatus::Reopened => "Reopen",
        TicketStatus::Rejected => "Reject",
        TicketStatus::Cancelled => "Cancel ticket",
    }
}

fn priority_label(priority: Priority) -> &'static str {
    match priority {
        Priority::Normal => "Normal",
        Priority::High => "High",
        Priority::Emergency => "Emergency",
    }
}

fn source_label(source: TicketSource) -> &'static str {
    match source {
        TicketSource::Phone => "Phone",
        TicketSource::ResidentApp => "Resident app",
        TicketSource::WebCabinet => "Web cabinet",
        TicketSource::Email => "E-mail",
        TicketSource::WalkIn => "Walk-in",
        TicketSource::Staff => "Staff",
    }
}

fn hold_reason_label(reason: HoldReason) -> &'static str {
    match reason {
        HoldReason::WaitingClient => "The resident's answer or access (the clock stops)",
        HoldReason::WaitingParts => "Parts or a contractor",
    }
}

fn sla_state_label(state: SlaState) -> &'static str {
    match state {
        SlaState::None => "No policy",
        SlaState::Met => "Met",
        SlaState::Paused => "Paused",
        SlaState::Active => "Running",
        SlaState::Warning => "Due soon",
        SlaState::Breached => "Breached",
    }
}

fn classifier_kind_label(kind: ClassifierKind) -> &'static str {
    match kind {
        ClassifierKind::Place => "Places",
        ClassifierKind::Category => "Categories",
        ClassifierKind::Problem => "Problems",
    }
}

fn day_kind_label(kind: DayKind) -> &'static str {
    match kind {
        DayKind::Holiday => "Day off",
        DayKind::Workday => "Working day",
        DayKind::Short => "Short day",
    }
}

fn rating_label(value: u8) -> &'static str {
    match value {
        1 => "1 — very bad",
        2 => "2 — bad",
        3 => "3 — fair",
        4 => "4 — good",
        _ => "5 — excellent",
    }
}

fn duration(minutes: i64) -> String {
    let minutes = minutes.max(0);
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (days, hours, mins) {
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}
