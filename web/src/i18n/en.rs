//! English catalog: mirrors the Russian one.

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, Locale};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::BuildingKind;
use domovoy_domain::permission::{Permission, PermissionGroup};

use super::Catalog;

pub static EN: Catalog = Catalog {
    locale: Locale::En,
    html_lang: "en",
    app_name: "Domovoy",
    app_tagline: "Property-management CRM",
    skip_to_content: "Skip to content",
    switch_language: "Русский",
    switch_language_to: Locale::Ru,

    nav_home: "Home",
    nav_buildings: "Buildings",
    nav_users: "Users",
    nav_roles: "Roles",
    nav_assignments: "Assignments",
    nav_audit: "Audit log",
    nav_account: "Profile",
    nav_api: "API",
    sign_out: "Sign out",
    main_menu: "Main menu",

    save: "Save",
    cancel: "Cancel",
    create: "Create",
    delete: "Delete",
    edit: "Edit",
    search: "Search",
    apply_filter: "Show",
    reset_filter: "Reset",
    next_page: "Next page →",
    first_page: "← First page",
    nothing_found: "Nothing found",
    yes: "yes",
    no: "no",
    never: "never",
    optional: "optional",
    saved: "Changes saved",
    confirm_action: "Please confirm",
    export_csv: "Download CSV",
    export_xlsx: "Download XLSX",
    all: "All",
    details: "Details",

    login_title: "Sign in",
    login_field: "Login or phone",
    login_hint: "Staff sign in with their login, residents with their phone number.",
    password_field: "Password",
    login_submit: "Sign in",
    login_invalid: "Wrong login or password.",
    login_disabled: "This account is disabled. Please contact the administrator.",
    login_locked: |until| {
        format!(
            "Too many failed attempts. Sign-in is locked until {until}; an administrator can lift the lock earlier."
        )
    },
    login_rate_limited: |seconds| format!("Too many sign-in attempts from this address. Try again in {seconds} s."),
    form_expired: "The form has expired. Reload the page and submit it again.",
    signed_out: "You have signed out.",

    home_greeting: |name| format!("Hello, {name}!"),
    home_roles: "Your roles",
    home_no_roles: "You have no roles yet. Please contact the administrator.",
    home_sections: "Sections",
    home_buildings: "Buildings in your area",
    home_no_buildings: "No buildings available.",
    home_resident_intro: "Your requests, passes and surveys will appear here. Please check that the contacts in your profile are correct.",
    scope_all: "all buildings",
    scope_own: "own units and requests",
    scope_building: |name| format!("building “{name}”"),

    account_title: "Profile",
    profile_section: "Personal details",
    display_name_field: "Name",
    email_field: "E-mail",
    phone_field: "Phone",
    locale_field: "Interface language",
    password_section: "Change password",
    current_password_field: "Current password",
    new_password_field: "New password",
    repeat_password_field: "Repeat the new password",
    change_password: "Change password",
    passwords_differ: "The passwords differ",
    wrong_current_password: "Wrong current password",
    password_changed: "Password changed. Your other sessions were signed out.",
    password_rule: |min| format!("At least {min} characters; a phrase of several words works well."),
    tokens_section: "Sessions and access tokens",
    token_kind_col: "Kind",
    token_name_col: "Name",
    created_col: "Created",
    last_used_col: "Last used",
    expires_col: "Expires",
    ip_col: "IP address",
    revoke: "Revoke",
    current_session: "this session",
    new_api_token: "New API token",
    token_name_field: "Name (for example, “PBX integration”)",
    create_token: "Create token",
    token_created: "Token created. Copy it now — it will not be shown again:",
    token_kind_session: "Browser",
    token_kind_api: "API",
    token_kind_device: "Device",

    users_title: "Users",
    users_search_placeholder: "Name, login, phone or e-mail",
    kind_filter_staff: "Staff",
    kind_filter_residents: "Residents",
    show_disabled: "Show disabled",
    login_col: "Login",
    name_col: "Name",
    kind_col: "Kind",
    last_sign_in_col: "Last sign-in",
    state_col: "State",
    state_active: "Active",
    state_disabled: "Disabled",
    state_locked: |until| format!("Locked until {until}"),
    new_user: "New user",
    staff_login_field: "Staff login",
    staff_login_hint: "Latin letters, digits, dot, hyphen and underscore; starts with a letter.",
    resident_phone_field: "Resident's phone (also the login)",
    initial_password_field: "Initial password",
    initial_password_hint: "Leave empty to generate one.",
    user_created: |password| format!("User created. Initial password: {password} — hand it to the user in person."),
    user_title: "User",
    disable_user: "Disable",
    enable_user: "Enable",
    unlock_user: "Lift the lock",
    reset_password: "Reset password",
    password_reset_done: |password| {
        format!("New password: {password} — hand it to the user. All their sessions were ended.")
    },
    user_disabled_notice: "The account is disabled and all its sessions ended.",
    user_enabled_notice: "The account is enabled.",
    user_unlocked_notice: "The lock was lifted.",
    user_roles_section: "Roles and area",
    role_col: "Role",
    scope_col: "Applies to",
    grant_role: "Grant role",
    revoke_role: "Revoke",
    scope_field: "Applies to",
    role_granted: "Role granted.",
    role_revoked: "Role revoked.",
    last_admin_refused: "Refused: no active administrator able to manage users and roles would remain.",
    self_disable_refused: "You cannot disable your own account.",

    roles_title: "Roles and permissions",
    roles_intro: "A role is a set of permissions from the catalog. Tick permissions in a role's column and save. A role is granted to a user for one building or for all buildings.",
    permission_col: "Permission",
    save_matrix: "Save permissions",
    new_role: "New role",
    role_name_field: "Name",
    role_description_field: "Description",
    role_kind_field: "For",
    delete_role: "Delete role",
    role_template: |template| format!("based on the “{template}” template"),
    role_in_use: "The role is granted to users — revoke it first.",
    roles_saved: "Role permissions saved.",
    role_created: "Role created.",
    role_deleted: "Role deleted.",

    assignments_title: "Assignments by building",
    assignments_intro: "Who works in which role at a building. All-buildings roles are shown at every building.",
    building_field: "Building",
    user_field: "Staff member (login)",
    role_field: "Role",
    assign: "Assign",
    this_building: "this building",
    choose: "— choose —",

    audit_title: "Audit log",
    action_field: "Action",
    actor_field: "Who (login)",
    from_field: "From",
    until_field: "Until",
    time_col: "Time",
    actor_col: "Who",
    action_col: "Action",
    entity_col: "What",
    summary_col: "Description",
    before_label: "Before",
    after_label: "After",
    system_actor: "system",

    buildings_title: "Buildings",
    building_name_field: "Name",
    address_field: "Address",
    building_kind_field: "Kind",
    time_zone_field: "Time zone",
    new_building: "New building",
    building_created: "Building created.",
    building_title: "Building",
    building_people: "Who works here",

    error_not_found_title: "Page not found",
    error_not_found: "There is no such page or record. It may have been deleted, or the link is out of date.",
    error_forbidden_title: "Not allowed",
    error_forbidden: "You are not allowed to do this. If you need it for your work, please contact the administrator.",
    error_internal_title: "Internal error",
    error_internal: "Something went wrong. The error was logged; if it repeats, give the administrator the request id.",
    error_unavailable: "The service is temporarily unavailable. Please try again in a minute.",
    error_request_id: |id| format!("Request id: {id}"),
    back_home: "Home",
    invalid_json: "The request body is not valid JSON of the expected shape.",
    invalid_input: "Please check the form fields.",
    conflict: "The data changed at the same time as your request. Reload and try again.",
    unauthenticated: "Please sign in.",
    csrf_failed: "Request refused: no valid CSRF token. Reload the page.",
    field_error,

    live_offline: "No connection to the server — data may be out of date",
    live_reconnecting: "Reconnecting…",
    live_resync: "Data refreshed",
    shortcuts_title: "Keyboard shortcuts",
    shortcuts_hint: "Press ? to see keyboard shortcuts",
    shortcut_go_home: "Home",
    shortcut_go_account: "Profile",
    shortcut_go_users: "Users",
    shortcut_go_roles: "Roles",
    shortcut_go_audit: "Audit log",
    shortcut_go_buildings: "Buildings",
    shortcut_focus_search: "Search or filter on the page",
    shortcut_help: "This help",
    shortcut_close: "Close the dialog",

    presence_title: "On this page now",
    presence_editing: "editing",
    presence_nobody: "Nobody else",
    nav_integrations: "Integrations",
    integrations_title: "Integrations: webhooks",
    integrations_intro: "A webhook sends chosen events to another system (accounting, PBX, the resident app) as a JSON POST. X-Domovoy-Signature is the HMAC-SHA256 of the body under the secret; X-Domovoy-Delivery identifies the delivery, to ignore repeats.",
    webhook_name_field: "Name",
    webhook_url_field: "URL",
    webhook_events_field: "Events",
    webhook_all_events: "all events",
    new_webhook: "New webhook",
    webhook_created: "Webhook created. The signing secret — save it now, it will not be shown again:",
    webhook_deleted: "Webhook deleted.",
    deliveries_title: "Recent deliveries",
    delivery_state_sent: "sent",
    delivery_state_waiting: "waiting",
    delivery_state_failed: "failed",
    attempts_col: "Attempts",
    error_col: "Error",
    shortcut_go_integrations: "Integrations",
    permission_label,
    entity_label,
    permission_group_label,
    audit_action_label,
    building_kind_label,
    account_kind_label,
    locale_label,
};

fn field_error(field: &str, error: &FieldError) -> String {
    match (field, error) {
        ("login", FieldError::InvalidFormat) => {
            "Latin letters, digits, dot, hyphen and underscore; starts with a letter".to_owned()
        }
        ("login", FieldError::Taken) => "This login is taken".to_owned(),
        ("phone" | "login_phone", FieldError::InvalidFormat) => {
            "Not a valid phone number; for example, +7 912 345-67-89".to_owned()
        }
        ("email", FieldError::InvalidFormat) => "Not a valid e-mail address".to_owned(),
        ("time_zone", FieldError::Unknown) => "Unknown time zone".to_owned(),
        ("name", FieldError::Taken) => "This name is taken".to_owned(),
        ("password" | "new_password", FieldError::NotAllowed) => "The password must differ from the login".to_owned(),
        ("role", FieldError::Taken) => "This role is already granted here".to_owned(),
        ("role", FieldError::NotAllowed) => "This role does not fit this kind of account".to_owned(),
        ("scope", FieldError::NotAllowed) => "This scope does not fit this kind of account".to_owned(),
        ("building_id", FieldError::Unknown) => "Building not found".to_owned(),
        (_, FieldError::Required) => "Required".to_owned(),
        (_, FieldError::TooShort { min }) => format!("At least {min} characters"),
        (_, FieldError::TooLong { max }) => format!("At most {max} characters"),
        (_, FieldError::InvalidFormat) => "Invalid format".to_owned(),
        (_, FieldError::Unknown) => "Unknown value".to_owned(),
        (_, FieldError::Taken) => "Already taken".to_owned(),
        (_, FieldError::NotAllowed) => "Not allowed".to_owned(),
    }
}

fn permission_label(permission: Permission) -> &'static str {
    match permission {
        Permission::TicketsRead => "See tickets",
        Permission::TicketsCreate => "Create tickets",
        Permission::TicketsAssign => "Assign tickets",
        Permission::TicketsTransition => "Change ticket status",
        Permission::TicketsClose => "Close, reject and cancel tickets",
        Permission::ClientsRead => "See client cards",
        Permission::ClientsEdit => "Edit clients",
        Permission::ClientsContactsRead => "Personal data: phones and e-mails",
        Permission::BuildingsRead => "See buildings",
        Permission::BuildingsManage => "Manage buildings and layout",
        Permission::ChessboardRead => "Building chessboard",
        Permission::PassesIssue => "Issue passes",
        Permission::PassesCheck => "Check passes",
        Permission::PassesMark => "Mark arrival and departure",
        Permission::CallsReceive => "Receive calls",
        Permission::SurveysManage => "Surveys",
        Permission::MailingsSend => "Mailings",
        Permission::ReportsRead => "See reports",
        Permission::ReportsExport => "Export reports and lists",
        Permission::AdminUsers => "Manage users",
        Permission::AdminRoles => "Manage roles",
        Permission::AdminIntegrations => "Integrations: PBX, app, push",
        Permission::AuditRead => "Audit log",
    }
}

fn permission_group_label(group: PermissionGroup) -> &'static str {
    match group {
        PermissionGroup::Tickets => "Tickets",
        PermissionGroup::Clients => "Clients",
        PermissionGroup::Buildings => "Buildings",
        PermissionGroup::Passes => "Passes",
        PermissionGroup::Calls => "Calls",
        PermissionGroup::Communication => "Surveys and mailings",
        PermissionGroup::Reports => "Reports",
        PermissionGroup::Administration => "Administration",
    }
}

fn audit_action_label(action: AuditAction) -> &'static str {
    match action {
        AuditAction::UserCreated => "User created",
        AuditAction::UserUpdated => "User changed",
        AuditAction::UserDisabled => "User disabled",
        AuditAction::UserEnabled => "User enabled",
        AuditAction::UserUnlocked => "Sign-in lock lifted",
        AuditAction::PasswordChanged => "Password changed",
        AuditAction::PasswordReset => "Password reset by an administrator",
        AuditAction::RoleCreated => "Role created",
        AuditAction::RoleUpdated => "Role changed",
        AuditAction::RoleDeleted => "Role deleted",
        AuditAction::RoleGranted => "Role granted",
        AuditAction::RoleRevoked => "Role revoked",
        AuditAction::BuildingCreated => "Building created",
        AuditAction::BuildingUpdated => "Building changed",
        AuditAction::WebhookCreated => "Webhook created",
        AuditAction::WebhookDeleted => "Webhook deleted",
        AuditAction::TokenCreated => "Access token created",
        AuditAction::TokenRevoked => "Access token revoked",
        AuditAction::SignedIn => "Signed in",
        AuditAction::SignInFailed => "Failed sign-in",
        AuditAction::AccountLocked => "Sign-in locked after failures",
        AuditAction::SignedOut => "Signed out",
    }
}

fn building_kind_label(kind: BuildingKind) -> &'static str {
    match kind {
        BuildingKind::Residential => "Residential complex",
        BuildingKind::BusinessCentre => "Business centre",
        BuildingKind::Mixed => "Mixed-use complex",
    }
}

fn account_kind_label(kind: AccountKind) -> &'static str {
    match kind {
        AccountKind::Staff => "Staff",
        AccountKind::Resident => "Resident",
    }
}

fn locale_label(locale: Locale) -> &'static str {
    match locale {
        Locale::Ru => "Русский",
        Locale::En => "English",
    }
}

fn entity_label(kind: &str) -> &'static str {
    match kind {
        "user" => "User",
        "role" => "Role",
        "assignment" => "Role assignment",
        "building" => "Building",
        "token" => "Access token",
        "webhook" => "Webhook",
        _ => "",
    }
}
