//! The interface strings: one catalog per language, checked at compile time.
//!
//! Every string the UI or the API shows a person lives in [`Catalog`]
//! (with `t.tk` for tickets and `t.pl` for places and people). Each string
//! is declared once, in one line with its Russian and English wording
//! ([`catalog!`]); Russian is the product's own language and the default. A
//! string without both is a compile error, and labels of enums
//! (permissions, audit actions, statuses, …) are exhaustive matches with
//! both words per arm ([`labels!`]), so a new variant cannot go
//! untranslated. No other file of the web door holds Russian text (CI
//! checks it).

/// Declares a catalog struct and its Russian and English instances from one
/// list, each entry `field: Type = (russian, english)`: a string is written
/// once, both languages side by side, and a field without both is a
/// compile error.
macro_rules! catalog {
    (
        $(#[$sdoc:meta])* pub struct $name:ident { ru: $ru:ident, en: $en:ident }
        $( $(#[$doc:meta])* $field:ident : $ty:ty = ($ru_value:expr, $en_value:expr $(,)?) ),* $(,)?
    ) => {
        $(#[$sdoc])*
        #[derive(Debug)]
        pub struct $name {
            $( $(#[$doc])* pub $field: $ty, )*
        }

        pub static $ru: $name = $name { $( $field: $ru_value, )* };
        pub static $en: $name = $name { $( $field: $en_value, )* };
    };
}

/// Labels of domain values as exhaustive matches, each arm naming the
/// Russian and the English words together; generates one module of
/// functions per language (a new enum variant without a label is a compile
/// error in both).
macro_rules! labels {
    (
        ru: $ru:ident, en: $en:ident;
        $( $(#[$doc:meta])* fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = match $scrutinee:tt {
            $( $pat:pat => ($ru_value:expr, $en_value:expr $(,)?) ),+ $(,)?
        } )+
    ) => {
        #[allow(clippy::match_same_arms)] // Words may coincide in one language.
        mod $ru {
            use super::*;
            $( $(#[$doc])* pub fn $name($($arg: $ty),*) -> $ret { match $scrutinee { $( $pat => $ru_value, )+ } } )+
        }
        #[allow(clippy::match_same_arms)]
        mod $en {
            use super::*;
            $( $(#[$doc])* pub fn $name($($arg: $ty),*) -> $ret { match $scrutinee { $( $pat => $en_value, )+ } } )+
        }
    };
}

pub mod calls;
mod general;
pub mod mailings;
pub mod outages;
pub mod passes;
pub mod places;
pub mod reports;
pub mod surveys;
pub mod tickets;

use domovoy_app::Rule;
use domovoy_domain::FieldError;
use domovoy_domain::account::{AccountKind, Locale};
use domovoy_domain::audit::AuditAction;
use domovoy_domain::building::BuildingKind;
use domovoy_domain::permission::{Permission, PermissionGroup};

pub use calls::CallCatalog;
pub use general::{Catalog, EN, RU};
pub use mailings::MailingCatalog;
pub use outages::OutageCatalog;
pub use passes::PassCatalog;
pub use places::PlaceCatalog;
pub use reports::ReportCatalog;
pub use surveys::SurveyCatalog;
pub use tickets::TicketCatalog;

/// The catalog for `locale`.
pub fn catalog(locale: Locale) -> &'static Catalog {
    match locale {
        Locale::Ru => &RU,
        Locale::En => &EN,
    }
}

impl Catalog {
    /// The sentence for a refused business rule.
    pub fn rule(&self, rule: Rule) -> &'static str {
        match rule {
            Rule::IdempotencyKeyReused => self.tk.idempotency_reused,
            Rule::DuplicateRequest => self.tk.duplicate_request,
            Rule::NotRateable => self.tk.not_rateable,
            Rule::LastAdministrator => self.last_admin_refused,
            Rule::RoleInUse => self.role_in_use,
            Rule::SelfDisable => self.self_disable_refused,
            Rule::FileEmpty => self.tk.attachment_empty,
            Rule::UploadInterrupted | Rule::InvalidQuery => self.invalid_input,
            Rule::PassNotValid(refusal) => (self.ps.refusal_label)(refusal),
            Rule::Blocklisted => self.ps.blocklisted,
            Rule::AlreadyOnSite => self.ps.already_on_site,
            Rule::NotOnSite => self.ps.not_on_site,
            Rule::PassOnSite => self.ps.pass_on_site,
            Rule::PassFinished => self.ps.pass_finished,
            Rule::CallbackClosed => self.cl.callback_closed,
            Rule::NoExtension => self.cl.no_extension,
            Rule::DialerUnavailable => self.cl.dialer_unavailable,
            Rule::NoHostPhone => self.ps.no_host_phone,
            Rule::NoPushAddress => self.no_push_address,
            Rule::ChecklistIncomplete => self.tk.checklist_incomplete,
            Rule::SignatureMissing => self.tk.signature_missing,
            Rule::TicketFinished => self.tk.ticket_finished,
            Rule::NoEmail => self.rp.no_email,
            Rule::NoPhone => self.sms_no_phone,
            Rule::MailNotConfigured => self.rp.mail_not_configured,
            Rule::ChannelUnavailable => self.ml.channel_unavailable,
            Rule::MailingAlreadySent => self.ml.already_sent,
            Rule::AlreadyAnswered => self.sv.already_answered,
            Rule::SurveyNotOpen => self.sv.not_open,
            Rule::OutageClosed => self.ou.already_closed,
        }
    }

    /// The name of whoever did something: a person's name as recorded, or
    /// the product's own label in words.
    pub fn actor_name<'a>(
        &self,
        user: Option<domovoy_domain::ids::UserId>,
        recorded: &'a str,
    ) -> std::borrow::Cow<'a, str> {
        match user {
            Some(_) => std::borrow::Cow::Borrowed(recorded),
            None => std::borrow::Cow::Borrowed((self.system_actor_label)(recorded)),
        }
    }

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

    /// The sentence for a limit met, with the wait in seconds or minutes.
    pub fn too_many(&self, limit: domovoy_app::Limit, wait: std::time::Duration) -> String {
        let seconds = crate::error::whole_seconds(wait);
        let wait = if seconds < 120 { (self.wait_seconds)(seconds) } else { (self.wait_minutes)(seconds.div_ceil(60)) };
        match limit {
            domovoy_app::Limit::SignIn => (self.login_rate_limited)(&wait),
            domovoy_app::Limit::Search => (self.search_rate_limited)(&wait),
            domovoy_app::Limit::DailyRequests => (self.requests_rate_limited)(&wait),
        }
    }

    pub fn failed_sign_ins(&self, count: u32) -> String {
        (self.state_failed_sign_ins)(count)
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

    /// The phone's notification (the PWA's `kinds.js`) and the web's
    /// list word every kind alike.
    #[test]
    fn the_pwa_titles_every_push_kind_as_the_catalog_does() {
        let kinds = include_str!("../../pwa/kinds.js");
        for kind in domovoy_domain::device::PushKind::ALL {
            let line = format!("\"{}\": \"{}\",", kind.code(), (RU.push_kind_title)(*kind));
            assert!(kinds.contains(&line), "kinds.js lacks {line}");
        }
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
