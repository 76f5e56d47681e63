//! Strings of the ticket pages, API errors and labels, one set per
//! language (`tickets_ru.rs`, `tickets_en.rs`), reached as `t.tk`.

use domovoy_domain::classifier::ClassifierKind;
use domovoy_domain::sla::{DayKind, SlaState};
use domovoy_domain::ticket::{HoldReason, Priority, TicketSource, TicketStatus, WorkflowError};

macro_rules! ticket_catalog {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),+ $(,)?) => {
        /// The ticket strings of one language.
        #[derive(Debug)]
        pub struct TicketCatalog {
            $( $(#[$doc])* pub $field: $ty, )+
        }
    };
}

ticket_catalog! {
    // API errors
    idempotency_reused: &'static str,
    duplicate_request: &'static str,
    not_rateable: &'static str,
    /// Someone saved the ticket first; the argument is its current version.
    version_conflict: fn(i64) -> String,
    workflow_error: fn(&WorkflowError) -> String,
    /// The largest size, in megabytes.
    attachment_too_large: fn(u64) -> String,
    attachment_type: &'static str,
    attachment_empty: &'static str,

    // Labels of domain values
    status_label: fn(TicketStatus) -> &'static str,
    /// The button that moves a ticket to the status.
    transition_label: fn(TicketStatus) -> &'static str,
    priority_label: fn(Priority) -> &'static str,
    source_label: fn(TicketSource) -> &'static str,
    hold_reason_label: fn(HoldReason) -> &'static str,
    sla_state_label: fn(SlaState) -> &'static str,
    classifier_kind_label: fn(ClassifierKind) -> &'static str,
    day_kind_label: fn(DayKind) -> &'static str,
    /// A rating's meaning, 1 to 5.
    rating_label: fn(u8) -> &'static str,
    /// A span of minutes in words: "2 ч 15 мин".
    duration: fn(i64) -> String,
    /// "Through X" (X from `duration`).
    due_in: fn(&str) -> String,
    /// "Overdue by X".
    overdue_by: fn(&str) -> String,

    // Navigation and shortcuts
    nav_tickets: &'static str,
    nav_ticket_settings: &'static str,
    shortcut_new_ticket: &'static str,
    shortcut_next: &'static str,
    shortcut_prev: &'static str,
    shortcut_open: &'static str,
    shortcut_assign: &'static str,
    shortcut_status: &'static str,

    // Board
    board_title: &'static str,
    my_tickets_title: &'static str,
    new_ticket: &'static str,
    view_list: &'static str,
    view_kanban: &'static str,
    filter_building: &'static str,
    filter_status: &'static str,
    filter_open: &'static str,
    filter_category: &'static str,
    filter_priority: &'static str,
    filter_assignee: &'static str,
    filter_mine: &'static str,
    filter_unassigned: &'static str,
    filter_source: &'static str,
    filter_sla: &'static str,
    filter_text: &'static str,
    filter_text_placeholder: &'static str,
    filter_flagged: &'static str,
    sort_label: &'static str,
    sort_urgency: &'static str,
    sort_newest: &'static str,
    sort_oldest: &'static str,
    saved_filters: &'static str,
    save_filter: &'static str,
    filter_name_field: &'static str,
    filter_saved: &'static str,
    filter_deleted: &'static str,
    col_number: &'static str,
    col_created: &'static str,
    col_building: &'static str,
    col_location: &'static str,
    col_description: &'static str,
    col_category: &'static str,
    col_priority: &'static str,
    col_status: &'static str,
    col_assignee: &'static str,
    col_due: &'static str,
    unassigned: &'static str,
    /// "Found: N".
    total: fn(i64) -> String,
    kanban_hint: &'static str,
    move_failed: &'static str,
    board_updated: &'static str,

    // New ticket
    field_source: &'static str,
    field_building: &'static str,
    building_search_placeholder: &'static str,
    field_location: &'static str,
    location_placeholder: &'static str,
    field_description: &'static str,
    description_placeholder: &'static str,
    field_category: &'static str,
    field_place: &'static str,
    field_problem: &'static str,
    problem_search: &'static str,
    problem_search_placeholder: &'static str,
    field_priority: &'static str,
    emergency_hint: &'static str,
    field_contact_name: &'static str,
    field_contact_phone: &'static str,
    create_ticket: &'static str,
    /// "Ticket N created".
    ticket_created: fn(&str) -> String,
    ticket_created_notice: &'static str,
    open_in_building: &'static str,
    not_chosen: &'static str,
    resident_new_hint: &'static str,

    // Ticket page
    /// "Ticket № N".
    ticket_heading: fn(&str) -> String,
    section_details: &'static str,
    section_timeline: &'static str,
    section_actions: &'static str,
    section_contact: &'static str,
    section_sla: &'static str,
    section_attachments: &'static str,
    section_classification: &'static str,
    label_created: &'static str,
    label_updated: &'static str,
    label_team: &'static str,
    label_response_due: &'static str,
    label_resolution_due: &'static str,
    label_sla_used: &'static str,
    label_sla_policy: &'static str,
    label_responded: &'static str,
    label_hold_reason: &'static str,
    label_end_reason: &'static str,
    label_rating: &'static str,
    label_flagged: &'static str,
    no_sla: &'static str,
    comment_field: &'static str,
    comment_public: &'static str,
    comment_internal: &'static str,
    add_comment: &'static str,
    comment_added: &'static str,
    internal_badge: &'static str,
    reason_field: &'static str,
    hold_reason_field: &'static str,
    assignee_field: &'static str,
    assign_submit: &'static str,
    assign_me: &'static str,
    nobody: &'static str,
    assigned_notice: &'static str,
    status_changed: &'static str,
    reclassify: &'static str,
    classified_notice: &'static str,
    watch: &'static str,
    unwatch: &'static str,
    watchers: &'static str,
    upload: &'static str,
    /// Limits under the upload field; the argument is megabytes.
    upload_hint: fn(u64) -> String,
    uploaded: &'static str,
    no_attachments: &'static str,
    other_tickets_phone: &'static str,
    no_other_tickets: &'static str,
    conflict_reload: &'static str,
    history_created: &'static str,
    /// "from → to".
    history_status: fn(&str, &str) -> String,
    /// "assigned: name".
    history_assigned: fn(&str) -> String,
    history_unassigned: &'static str,
    history_classified: &'static str,
    /// "rated N of 5".
    history_rating: fn(u8) -> String,
    /// "SLA: state".
    history_sla: fn(&str) -> String,
    rate_title: &'static str,
    rating_field: &'static str,
    rating_comment_field: &'static str,
    rate_submit: &'static str,
    rated_notice: &'static str,

    // Settings: classifier, SLA, calendar, teams
    settings_title: &'static str,
    tab_classifier: &'static str,
    tab_sla: &'static str,
    tab_calendar: &'static str,
    tab_teams: &'static str,
    code_field: &'static str,
    parent_field: &'static str,
    sort_field: &'static str,
    active_field: &'static str,
    add_item: &'static str,
    item_created: &'static str,
    any_building: &'static str,
    any_category: &'static str,
    any_priority: &'static str,
    policy_name_field: &'static str,
    response_minutes_field: &'static str,
    resolution_minutes_field: &'static str,
    warn_percent_field: &'static str,
    schedule_field: &'static str,
    schedule_around_the_clock: &'static str,
    schedule_working_hours: &'static str,
    work_start_field: &'static str,
    work_end_field: &'static str,
    add_policy: &'static str,
    policy_created: &'static str,
    policy_deleted: &'static str,
    sla_intro: &'static str,
    templates_title: &'static str,
    basis_col: &'static str,
    adopt: &'static str,
    template_adopted: &'static str,
    adopted: &'static str,
    calendar_intro: &'static str,
    day_col: &'static str,
    note_col: &'static str,
    year_field: &'static str,
    add_day: &'static str,
    import_calendar: &'static str,
    calendar_file_field: &'static str,
    calendar_format_hint: &'static str,
    /// "Days added: N".
    calendar_imported: fn(u64) -> String,
    /// A calendar file's error; the arguments are the line and the message.
    calendar_line_error: fn(usize, &str) -> String,
    day_removed: &'static str,
    teams_intro: &'static str,
    team_name_field: &'static str,
    members_field: &'static str,
    add_team: &'static str,
    team_created: &'static str,
    members_saved: &'static str,
    rules_title: &'static str,
    rules_intro: &'static str,
    rule_assignee_field: &'static str,
    /// "Team «X» in turn".
    rule_team: fn(&str) -> String,
    /// "Employee X".
    rule_user: fn(&str) -> String,
    add_rule: &'static str,
    rule_added: &'static str,
    rule_deleted: &'static str,
}

impl TicketCatalog {
    pub fn status(&self, status: &TicketStatus) -> &'static str {
        (self.status_label)(*status)
    }

    pub fn priority(&self, priority: &Priority) -> &'static str {
        (self.priority_label)(*priority)
    }

    pub fn source(&self, source: &TicketSource) -> &'static str {
        (self.source_label)(*source)
    }

    pub fn hold_reason(&self, reason: &HoldReason) -> &'static str {
        (self.hold_reason_label)(*reason)
    }

    pub fn sla_state(&self, state: &SlaState) -> &'static str {
        (self.sla_state_label)(*state)
    }

    pub fn transition(&self, to: &TicketStatus) -> &'static str {
        (self.transition_label)(*to)
    }

    pub fn workflow(&self, error: &WorkflowError) -> String {
        (self.workflow_error)(error)
    }

    pub fn minutes(&self, minutes: &i64) -> String {
        (self.duration)(*minutes)
    }

    pub fn heading(&self, number: &str) -> String {
        (self.ticket_heading)(number)
    }

    pub fn found(&self, count: &i64) -> String {
        (self.total)(*count)
    }

    pub fn upload_limits(&self, megabytes: &u64) -> String {
        (self.upload_hint)(*megabytes)
    }
}
