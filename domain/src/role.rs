//! Roles: named sets of permissions, composed by an administrator.
//!
//! The product ships a template for every role of the company (DESIGN.md §1);
//! a fresh installation creates one role from each template, and an
//! administrator may edit them or compose new ones. A role created from a
//! template remembers it, so upgrades can tell the built-in roles apart.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::account::AccountKind;
use crate::error::{FieldError, bounded_text};
use crate::ids::RoleId;
use crate::permission::{Permission, PermissionSet};

/// A built-in role template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleTemplate {
    /// Администратор: roles, users, buildings, integrations.
    Administrator,
    /// Управляющий объекта: owns buildings, their board, SLA and reports.
    PropertyManager,
    /// Диспетчер: answers calls, creates and routes tickets.
    Dispatcher,
    /// Менеджер по работе с клиентами: client cards and communication.
    ClientManager,
    /// Техник: does the work of assigned tickets.
    Technician,
    /// Охрана: checks passes, marks arrivals and departures.
    Guard,
    /// Консьерж: reception, visitors, requests on behalf of residents.
    Concierge,
    /// Отдел клиентского сервиса: surveys, mailings, quality reports.
    ClientService,
    /// Клиент (собственник / арендатор / жилец): own units, tickets, passes.
    Resident,
}

impl RoleTemplate {
    pub const ALL: &'static [RoleTemplate] = &[
        Self::Administrator,
        Self::PropertyManager,
        Self::Dispatcher,
        Self::ClientManager,
        Self::Technician,
        Self::Guard,
        Self::Concierge,
        Self::ClientService,
        Self::Resident,
    ];

    /// The stable key stored with roles made from this template.
    pub const fn key(self) -> &'static str {
        match self {
            Self::Administrator => "administrator",
            Self::PropertyManager => "property_manager",
            Self::Dispatcher => "dispatcher",
            Self::ClientManager => "client_manager",
            Self::Technician => "technician",
            Self::Guard => "guard",
            Self::Concierge => "concierge",
            Self::ClientService => "client_service",
            Self::Resident => "resident",
        }
    }

    /// The name a fresh installation gives the role (Russian: the company's
    /// working language; an administrator may rename it).
    pub const fn default_name(self) -> &'static str {
        match self {
            Self::Administrator => "Администратор",
            Self::PropertyManager => "Управляющий объекта",
            Self::Dispatcher => "Диспетчер",
            Self::ClientManager => "Менеджер по работе с клиентами",
            Self::Technician => "Техник",
            Self::Guard => "Охрана",
            Self::Concierge => "Консьерж",
            Self::ClientService => "Отдел клиентского сервиса",
            Self::Resident => "Клиент (собственник, арендатор, жилец)",
        }
    }

    /// What the role is for, shown in the role editor.
    pub const fn default_description(self) -> &'static str {
        match self {
            Self::Administrator => "Роли, пользователи, объекты и интеграции",
            Self::PropertyManager => "Ведёт объекты: доска заявок, SLA, отчёты",
            Self::Dispatcher => "Принимает звонки, создаёт и распределяет заявки",
            Self::ClientManager => "Карточки клиентов, коммуникация, обслуживание в офисе и на объекте",
            Self::Technician => "Получает заявки в мобильном приложении и выполняет работы",
            Self::Guard => "Проверяет пропуска, отмечает приход и уход посетителей",
            Self::Concierge => "Ресепшн: посетители, пропуска, заявки от имени жителей",
            Self::ClientService => "Опросы, рассылки, отчёты о качестве сервиса",
            Self::Resident => "Свои помещения, заявки, пропуска и опросы",
        }
    }

    /// Which accounts may hold roles made from this template.
    pub const fn account_kind(self) -> AccountKind {
        match self {
            Self::Resident => AccountKind::Resident,
            _ => AccountKind::Staff,
        }
    }

    /// The permissions a fresh role of this template gets.
    pub fn permissions(self) -> PermissionSet {
        use Permission::*;
        let list: &[Permission] = match self {
            Self::Administrator => return PermissionSet::all(),
            Self::PropertyManager => &[
                TicketsRead,
                TicketsCreate,
                TicketsAssign,
                TicketsTransition,
                TicketsClose,
                TicketsSettings,
                ClientsRead,
                ClientsEdit,
                ClientsContactsRead,
                BuildingsRead,
                BuildingsManage,
                ChessboardRead,
                PassesIssue,
                PassesCheck,
                PassesMark,
                ReportsRead,
                ReportsExport,
                OutagesManage,
            ],
            // The night shift registers an outage when the calls start.
            Self::Dispatcher => &[
                TicketsRead,
                TicketsCreate,
                TicketsAssign,
                TicketsTransition,
                ClientsRead,
                ClientsContactsRead,
                BuildingsRead,
                ChessboardRead,
                CallsReceive,
                OutagesManage,
            ],
            Self::ClientManager => &[
                TicketsRead,
                TicketsCreate,
                ClientsRead,
                ClientsEdit,
                ClientsContactsRead,
                BuildingsRead,
                ChessboardRead,
                PassesIssue,
                CallsReceive,
                ReportsRead,
            ],
            // A technician calls the resident before a visit, hence contacts.
            Self::Technician => &[TicketsRead, TicketsTransition, ClientsRead, ClientsContactsRead, BuildingsRead],
            // A guard sees the visitor and the unit, never the owner's phone.
            Self::Guard => &[BuildingsRead, ChessboardRead, ClientsRead, PassesCheck, PassesMark],
            Self::Concierge => &[
                TicketsRead,
                TicketsCreate,
                ClientsRead,
                BuildingsRead,
                ChessboardRead,
                PassesIssue,
                PassesCheck,
                PassesMark,
            ],
            // The chessboard: a floor or a section chosen there becomes a
            // mailing's audience («write to these»).
            Self::ClientService => &[
                TicketsRead,
                ClientsRead,
                ClientsContactsRead,
                BuildingsRead,
                ChessboardRead,
                SurveysManage,
                MailingsSend,
                ReportsRead,
                ReportsExport,
            ],
            // Applied to the resident's own units and requests only.
            Self::Resident => {
                &[TicketsRead, TicketsCreate, PassesIssue, BuildingsRead, ClientsRead, ClientsContactsRead]
            }
        };
        list.iter().copied().collect()
    }
}

impl fmt::Display for RoleTemplate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for RoleTemplate {
    type Err = FieldError;

    fn from_str(key: &str) -> Result<Self, Self::Err> {
        Self::ALL.iter().copied().find(|t| t.key() == key).ok_or(FieldError::Unknown)
    }
}

/// A role's display name: 1 to 80 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct RoleName(String);

impl RoleName {
    pub const MAX: usize = 80;

    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        bounded_text(raw, 1, Self::MAX).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A role as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Role {
    pub id: RoleId,
    pub name: RoleName,
    pub description: String,
    pub permissions: PermissionSet,
    /// The template this role was created from, if any.
    pub template: Option<RoleTemplate>,
    /// Which accounts may hold this role.
    pub account_kind: AccountKind,
}

/// Longest role description accepted.
pub const ROLE_DESCRIPTION_MAX: usize = 500;

/// Trims and bounds a role description (may be empty).
pub fn parse_role_description(raw: &str) -> Result<String, FieldError> {
    bounded_text(raw, 0, ROLE_DESCRIPTION_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_administrator_template_holds_every_permission() {
        assert_eq!(RoleTemplate::Administrator.permissions(), PermissionSet::all());
    }

    #[test]
    fn a_guard_cannot_read_personal_contacts() {
        assert!(!RoleTemplate::Guard.permissions().contains(Permission::ClientsContactsRead));
        assert!(RoleTemplate::Guard.permissions().contains(Permission::PassesCheck));
    }

    #[test]
    fn only_the_administrator_template_administers() {
        for template in RoleTemplate::ALL {
            let admin = template.permissions().contains(Permission::AdminUsers);
            assert_eq!(admin, *template == RoleTemplate::Administrator, "{template}");
        }
    }

    #[test]
    fn template_keys_parse_back() {
        for template in RoleTemplate::ALL {
            assert_eq!(template.key().parse::<RoleTemplate>(), Ok(*template));
        }
    }

    #[test]
    fn role_names_are_trimmed_and_bounded() {
        assert_eq!(RoleName::parse("  Диспетчер ").unwrap().as_str(), "Диспетчер");
        assert_eq!(RoleName::parse("   "), Err(FieldError::Required));
        assert_eq!(RoleName::parse(&"я".repeat(81)), Err(FieldError::TooLong { max: 80 }));
    }
}
