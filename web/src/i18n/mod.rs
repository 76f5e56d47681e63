//! The interface strings: one catalog per language, checked at compile time.
//!
//! Every string the UI or the API shows a person lives in [`Catalog`]; the
//! Russian catalog (`ru.rs`) is the product's own language and the default,
//! the English one (`en.rs`) mirrors it. A string missing from one of them is
//! a compile error, and labels of enums (permissions, audit actions, …) are
//! exhaustive matches, so a new variant cannot go untranslated.

mod en;
pub mod places;
mod places_en;
mod places_ru;
mod ru;
pub mod tickets;
mod tickets_en;
mod tickets_ru;

use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, Locale};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::BuildingKind;
use domovoy_domain::permission::{Permission, PermissionGroup};

pub use en::EN;
pub use places::PlaceCatalog;
pub use ru::RU;
pub use tickets::TicketCatalog;

/// The catalog for `locale`.
pub fn catalog(locale: Locale) -> &'static Catalog {
    match locale {
        Locale::Ru => &RU,
        Locale::En => &EN,
    }
}

macro_rules! catalog_struct {
    ($( $(#[$doc:meta])* $field:ident : $ty:ty ),+ $(,)?) => {
        /// All interface strings of one language.
        #[derive(Debug)]
        pub struct Catalog {
            $( $(#[$doc])* pub $field: $ty, )+
        }
    };
}

catalog_struct! {
    locale: Locale,
    /// Ticket pages, labels and errors.
    tk: &'static TicketCatalog,
    /// Layouts, the chessboard, clients and search.
    pl: &'static PlaceCatalog,
    /// `<html lang>` value.
    html_lang: &'static str,
    app_name: &'static str,
    app_tagline: &'static str,
    skip_to_content: &'static str,
    switch_language: &'static str,
    switch_language_to: Locale,

    // Navigation
    nav_home: &'static str,
    nav_buildings: &'static str,
    nav_users: &'static str,
    nav_roles: &'static str,
    nav_assignments: &'static str,
    nav_audit: &'static str,
    nav_account: &'static str,
    nav_api: &'static str,
    sign_out: &'static str,
    main_menu: &'static str,

    // Common words
    save: &'static str,
    cancel: &'static str,
    create: &'static str,
    delete: &'static str,
    edit: &'static str,
    search: &'static str,
    apply_filter: &'static str,
    reset_filter: &'static str,
    next_page: &'static str,
    first_page: &'static str,
    nothing_found: &'static str,
    yes: &'static str,
    no: &'static str,
    never: &'static str,
    optional: &'static str,
    saved: &'static str,
    confirm_action: &'static str,
    export_csv: &'static str,
    export_xlsx: &'static str,
    all: &'static str,
    details: &'static str,

    // Sign-in
    login_title: &'static str,
    login_field: &'static str,
    login_hint: &'static str,
    password_field: &'static str,
    login_submit: &'static str,
    login_invalid: &'static str,
    login_disabled: &'static str,
    /// The account is locked; the argument is the local time it unlocks.
    login_locked: fn(&str) -> String,
    /// Too many attempts from this address; the argument is seconds to wait.
    login_rate_limited: fn(u64) -> String,
    form_expired: &'static str,
    signed_out: &'static str,

    // Home
    /// Greeting with the user's name.
    home_greeting: fn(&str) -> String,
    home_roles: &'static str,
    home_no_roles: &'static str,
    home_sections: &'static str,
    home_buildings: &'static str,
    home_no_buildings: &'static str,
    home_resident_intro: &'static str,
    scope_all: &'static str,
    scope_own: &'static str,
    /// "In building «X»".
    scope_building: fn(&str) -> String,

    // Account
    account_title: &'static str,
    profile_section: &'static str,
    display_name_field: &'static str,
    email_field: &'static str,
    phone_field: &'static str,
    locale_field: &'static str,
    password_section: &'static str,
    current_password_field: &'static str,
    new_password_field: &'static str,
    repeat_password_field: &'static str,
    change_password: &'static str,
    passwords_differ: &'static str,
    wrong_current_password: &'static str,
    password_changed: &'static str,
    /// Rule shown under a new-password field; the argument is the minimum length.
    password_rule: fn(usize) -> String,
    tokens_section: &'static str,
    token_kind_col: &'static str,
    token_name_col: &'static str,
    created_col: &'static str,
    last_used_col: &'static str,
    expires_col: &'static str,
    ip_col: &'static str,
    revoke: &'static str,
    current_session: &'static str,
    new_api_token: &'static str,
    token_name_field: &'static str,
    create_token: &'static str,
    token_created: &'static str,
    token_kind_session: &'static str,
    token_kind_api: &'static str,
    token_kind_device: &'static str,

    // Users
    users_title: &'static str,
    users_search_placeholder: &'static str,
    kind_filter_staff: &'static str,
    kind_filter_residents: &'static str,
    show_disabled: &'static str,
    login_col: &'static str,
    name_col: &'static str,
    kind_col: &'static str,
    last_sign_in_col: &'static str,
    state_col: &'static str,
    state_active: &'static str,
    state_disabled: &'static str,
    /// Locked until the given time.
    state_locked: fn(&str) -> String,
    new_user: &'static str,
    staff_login_field: &'static str,
    staff_login_hint: &'static str,
    resident_phone_field: &'static str,
    initial_password_field: &'static str,
    initial_password_hint: &'static str,
    /// The account was created; the argument is its initial password.
    user_created: fn(&str) -> String,
    user_title: &'static str,
    disable_user: &'static str,
    enable_user: &'static str,
    unlock_user: &'static str,
    reset_password: &'static str,
    /// A new password was set; the argument is the password.
    password_reset_done: fn(&str) -> String,
    user_disabled_notice: &'static str,
    user_enabled_notice: &'static str,
    user_unlocked_notice: &'static str,
    user_roles_section: &'static str,
    role_col: &'static str,
    scope_col: &'static str,
    grant_role: &'static str,
    revoke_role: &'static str,
    scope_field: &'static str,
    role_granted: &'static str,
    role_revoked: &'static str,
    last_admin_refused: &'static str,
    self_disable_refused: &'static str,

    // Roles
    roles_title: &'static str,
    roles_intro: &'static str,
    permission_col: &'static str,
    save_matrix: &'static str,
    new_role: &'static str,
    role_name_field: &'static str,
    role_description_field: &'static str,
    role_kind_field: &'static str,
    delete_role: &'static str,
    /// "Template: X".
    role_template: fn(&str) -> String,
    role_in_use: &'static str,
    roles_saved: &'static str,
    role_created: &'static str,
    role_deleted: &'static str,

    // Assignments
    assignments_title: &'static str,
    assignments_intro: &'static str,
    building_field: &'static str,
    user_field: &'static str,
    role_field: &'static str,
    assign: &'static str,
    this_building: &'static str,
    choose: &'static str,

    // Audit
    audit_title: &'static str,
    action_field: &'static str,
    actor_field: &'static str,
    from_field: &'static str,
    until_field: &'static str,
    time_col: &'static str,
    actor_col: &'static str,
    action_col: &'static str,
    entity_col: &'static str,
    summary_col: &'static str,
    before_label: &'static str,
    after_label: &'static str,
    system_actor: &'static str,

    // Buildings
    buildings_title: &'static str,
    building_name_field: &'static str,
    address_field: &'static str,
    building_kind_field: &'static str,
    time_zone_field: &'static str,
    new_building: &'static str,
    building_created: &'static str,
    building_title: &'static str,
    building_people: &'static str,

    // Errors
    error_not_found_title: &'static str,
    error_not_found: &'static str,
    error_forbidden_title: &'static str,
    error_forbidden: &'static str,
    error_internal_title: &'static str,
    error_internal: &'static str,
    error_unavailable: &'static str,
    /// "Request id: X" under a server error.
    error_request_id: fn(&str) -> String,
    back_home: &'static str,
    invalid_json: &'static str,
    invalid_input: &'static str,
    conflict: &'static str,
    unauthenticated: &'static str,
    csrf_failed: &'static str,
    /// Messages for fields, by field name and error.
    field_error: fn(&str, &FieldError) -> String,

    // Live updates and keyboard
    live_offline: &'static str,
    live_reconnecting: &'static str,
    live_resync: &'static str,
    shortcuts_title: &'static str,
    shortcuts_hint: &'static str,
    shortcut_go_home: &'static str,
    shortcut_go_account: &'static str,
    shortcut_go_users: &'static str,
    shortcut_go_roles: &'static str,
    shortcut_go_audit: &'static str,
    shortcut_go_buildings: &'static str,
    shortcut_focus_search: &'static str,
    shortcut_help: &'static str,
    shortcut_close: &'static str,

    // Live pages, integrations
    presence_title: &'static str,
    presence_editing: &'static str,
    presence_nobody: &'static str,
    nav_integrations: &'static str,
    integrations_title: &'static str,
    integrations_intro: &'static str,
    webhook_name_field: &'static str,
    webhook_url_field: &'static str,
    webhook_events_field: &'static str,
    webhook_all_events: &'static str,
    new_webhook: &'static str,
    webhook_created: &'static str,
    webhook_deleted: &'static str,
    deliveries_title: &'static str,
    delivery_state_sent: &'static str,
    delivery_state_waiting: &'static str,
    delivery_state_failed: &'static str,
    attempts_col: &'static str,
    error_col: &'static str,
    shortcut_go_integrations: &'static str,

    // Labels of domain values
    permission_label: fn(Permission) -> &'static str,
    /// The kind of entity an audit entry is about (`user`, `role`, …).
    entity_label: fn(&str) -> &'static str,
    permission_group_label: fn(PermissionGroup) -> &'static str,
    audit_action_label: fn(AuditAction) -> &'static str,
    building_kind_label: fn(BuildingKind) -> &'static str,
    account_kind_label: fn(AccountKind) -> &'static str,
    locale_label: fn(Locale) -> &'static str,
}

impl Catalog {
    pub fn permission(&self, permission: &Permission) -> &'static str {
        (self.permission_label)(*permission)
    }

    /// The entity kind in words, or the code itself when unknown.
    pub fn entity<'a>(&self, kind: &'a str) -> &'a str {
        match (self.entity_label)(kind) {
            "" => kind,
            label => label,
        }
    }

    pub fn permission_group(&self, group: &PermissionGroup) -> &'static str {
        (self.permission_group_label)(*group)
    }

    pub fn audit_action(&self, action: &AuditAction) -> &'static str {
        (self.audit_action_label)(*action)
    }

    pub fn building_kind(&self, kind: &BuildingKind) -> &'static str {
        (self.building_kind_label)(*kind)
    }

    pub fn account_kind(&self, kind: &AccountKind) -> &'static str {
        (self.account_kind_label)(*kind)
    }

    pub fn locale_name(&self, locale: &Locale) -> &'static str {
        (self.locale_label)(*locale)
    }

    pub fn field(&self, field: &str, error: &FieldError) -> String {
        (self.field_error)(field, error)
    }

    pub fn scope_in(&self, building: &str) -> String {
        (self.scope_building)(building)
    }

    pub fn greeting(&self, name: &str) -> String {
        (self.home_greeting)(name)
    }

    pub fn locked(&self, until: &str) -> String {
        (self.state_locked)(until)
    }

    pub fn template_of(&self, template: &str) -> String {
        (self.role_template)(template)
    }

    pub fn password_hint(&self, min: &usize) -> String {
        (self.password_rule)(*min)
    }

    pub fn request_id_line(&self, id: &str) -> String {
        (self.error_request_id)(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogs_label_every_permission_and_action() {
        for catalog in [&RU, &EN] {
            for permission in Permission::ALL {
                assert!(!catalog.permission(permission).is_empty());
            }
            for action in AuditAction::ALL {
                assert!(!catalog.audit_action(action).is_empty());
            }
        }
        assert_eq!(RU.permission(&Permission::TicketsRead), "Просмотр заявок");
    }

    #[test]
    fn field_messages_are_russian_by_default() {
        assert_eq!(RU.field("login", &FieldError::Required), "Обязательное поле");
        assert_eq!(EN.field("login", &FieldError::Required), "Required");
        assert!(RU.field("password", &FieldError::TooShort { min: 10 }).contains("10"));
    }

    #[test]
    fn the_language_switch_points_to_the_other_language() {
        assert_eq!(RU.switch_language_to, Locale::En);
        assert_eq!(EN.switch_language_to, Locale::Ru);
        assert_eq!(catalog(Locale::Ru).html_lang, "ru");
    }
}
