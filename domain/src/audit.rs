//! The audit vocabulary: what kinds of changes are recorded.
//!
//! Every change records who did it, when, to what, and the state before and
//! after; sign-ins are recorded too, because an administrator investigating
//! an incident asks "who was in the system" first.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::error::FieldError;

macro_rules! audit_actions {
    ($($(#[$meta:meta])* $variant:ident = $code:literal),+ $(,)?) => {
        /// One kind of audited change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum AuditAction {
            $($(#[$meta])* $variant,)+
        }

        impl AuditAction {
            pub const ALL: &'static [AuditAction] = &[$(AuditAction::$variant),+];

            /// The stable code, e.g. `user.created`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(AuditAction::$variant => $code,)+
                }
            }
        }

        impl FromStr for AuditAction {
            type Err = FieldError;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code {
                    $($code => Ok(AuditAction::$variant),)+
                    _ => Err(FieldError::Unknown),
                }
            }
        }
    };
}

audit_actions! {
    UserCreated = "user.created",
    UserUpdated = "user.updated",
    UserDisabled = "user.disabled",
    UserEnabled = "user.enabled",
    UserUnlocked = "user.unlocked",
    PasswordChanged = "user.password_changed",
    PasswordReset = "user.password_reset",
    RoleCreated = "role.created",
    RoleUpdated = "role.updated",
    RoleDeleted = "role.deleted",
    RoleGranted = "assignment.granted",
    RoleRevoked = "assignment.revoked",
    BuildingCreated = "building.created",
    BuildingUpdated = "building.updated",
    LayoutReplaced = "building.layout_replaced",
    ClientCreated = "client.created",
    ClientUpdated = "client.updated",
    ClientUnitsChanged = "client.units_changed",
    ClientConsentChanged = "client.consent_changed",
    ClientContactsViewed = "client.contacts_viewed",
    /// A search that looked through clients (by name or phone).
    ClientsSearched = "client.searched",
    ImportApplied = "import.applied",
    TicketStatusChanged = "ticket.status_changed",
    TicketAssigned = "ticket.assigned",
    TicketClassified = "ticket.classified",
    TicketRated = "ticket.rated",
    ClassifierItemCreated = "classifier.created",
    ClassifierItemUpdated = "classifier.updated",
    /// A category's checklist or signature requirement changed.
    CategoryRequirementsSet = "classifier.requirements_set",
    SlaPolicyCreated = "sla_policy.created",
    SlaPolicyDeleted = "sla_policy.deleted",
    CalendarChanged = "calendar.changed",
    TeamCreated = "team.created",
    TeamUpdated = "team.updated",
    RuleCreated = "assignment_rule.created",
    RuleDeleted = "assignment_rule.deleted",
    WebhookCreated = "webhook.created",
    WebhookDeleted = "webhook.deleted",
    TokenCreated = "token.created",
    TokenRevoked = "token.revoked",
    SignedIn = "auth.signed_in",
    SignInFailed = "auth.sign_in_failed",
    AccountLocked = "auth.account_locked",
    SignedOut = "auth.signed_out",
    PassIssued = "pass.issued",
    PassApproved = "pass.approved",
    PassDenied = "pass.denied",
    PassCancelled = "pass.cancelled",
    /// A guard looked visitors up at the desk.
    PassesChecked = "pass.checked",
    VisitArrived = "visit.arrived",
    VisitDeparted = "visit.departed",
    /// The desk rang a pass's host (the number is never shown to the desk).
    HostCalled = "pass.host_called",
    BlocklistAdded = "blocklist.added",
    BlocklistRemoved = "blocklist.removed",
    /// Someone on the blocklist was let in anyway, with a reason.
    BlocklistOverridden = "blocklist.overridden",
    PbxIntegrationCreated = "pbx_integration.created",
    PbxIntegrationRevoked = "pbx_integration.revoked",
    CallRouteSet = "call_route.set",
    CallRouteDeleted = "call_route.deleted",
    NumberBlocked = "blocked_number.added",
    NumberUnblocked = "blocked_number.removed",
    /// A missed call was called back (or marked so by hand).
    CallbackDone = "call.callback_done",
    /// A phone or browser registered for the staff app.
    DeviceRegistered = "device.registered",
    DeviceRemoved = "device.removed",
    MailingCreated = "mailing.created",
    MailingSent = "mailing.sent",
    MailingScheduled = "mailing.scheduled",
    MailingUnscheduled = "mailing.unscheduled",
    OutageOpened = "outage.opened",
    OutageClosed = "outage.closed",
    SurveyCreated = "survey.created",
    /// A draft rewritten (a published survey's questions are frozen).
    SurveyUpdated = "survey.updated",
    SurveyPublished = "survey.published",
    SurveyClosed = "survey.closed",
}

impl AuditAction {
    /// The kind of entity the action is about (`user`, `role`, …).
    pub fn entity(self) -> &'static str {
        let code = self.code();
        match code.split_once('.') {
            Some(("auth", _)) => "user",
            Some((entity, _)) => entity,
            None => code,
        }
    }
}

impl fmt::Display for AuditAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back_and_name_their_entity() {
        for action in AuditAction::ALL {
            assert_eq!(action.code().parse::<AuditAction>(), Ok(*action));
            assert!(!action.entity().is_empty());
        }
        assert_eq!(AuditAction::SignedIn.entity(), "user");
        assert_eq!(AuditAction::RoleGranted.entity(), "assignment");
    }
}
