//! The fixed permission catalog.
//!
//! Permissions are compiled into the product; roles are data composed from
//! them by an administrator. Each permission has a stable code (used in the
//! database, the API and the role editor) and belongs to a group for display.
//! Adding a permission is appending a variant here (and its labels in the UI
//! catalogs); codes are never renamed once released.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! permissions {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal in $group:ident ),+ $(,)?) => {
        /// One thing a user may do. See the module docs.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum Permission {
            $( $(#[$doc])* $variant, )+
        }

        impl Permission {
            /// Every permission, in catalog order.
            pub const ALL: &'static [Permission] = &[$(Permission::$variant),+];

            /// The stable code, e.g. `tickets.read`.
            pub const fn code(self) -> &'static str {
                match self {
                    $(Permission::$variant => $code,)+
                }
            }

            /// The group the role editor shows it under.
            pub const fn group(self) -> PermissionGroup {
                match self {
                    $(Permission::$variant => PermissionGroup::$group,)+
                }
            }
        }

        impl FromStr for Permission {
            type Err = UnknownPermission;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code {
                    $($code => Ok(Permission::$variant),)+
                    _ => Err(UnknownPermission(code.to_owned())),
                }
            }
        }
    };
}

permissions! {
    /// See tickets and their history.
    TicketsRead = "tickets.read" in Tickets,
    /// Register a new ticket.
    TicketsCreate = "tickets.create" in Tickets,
    /// Assign a ticket to a technician or team.
    TicketsAssign = "tickets.assign" in Tickets,
    /// Move a ticket through its workflow.
    TicketsTransition = "tickets.transition" in Tickets,
    /// Close, reject or cancel a ticket.
    TicketsClose = "tickets.close" in Tickets,
    /// Edit the classifier, SLA policies, the production calendar, teams
    /// and assignment rules.
    TicketsSettings = "tickets.settings" in Tickets,
    /// See client cards (without personal contacts).
    ClientsRead = "clients.read" in Clients,
    /// Edit client cards and their links to units.
    ClientsEdit = "clients.edit" in Clients,
    /// See personal contact data: phones and e-mails.
    ClientsContactsRead = "clients.contacts.read" in Clients,
    /// See buildings.
    BuildingsRead = "buildings.read" in Buildings,
    /// Create and edit buildings and their layout.
    BuildingsManage = "buildings.manage" in Buildings,
    /// See the building chessboard.
    ChessboardRead = "chessboard.read" in Buildings,
    /// Issue visitor passes.
    PassesIssue = "passes.issue" in Passes,
    /// Check passes at the entrance.
    PassesCheck = "passes.check" in Passes,
    /// Mark visitor arrival and departure.
    PassesMark = "passes.mark" in Passes,
    /// Receive incoming calls and their pop-ups.
    CallsReceive = "calls.receive" in Calls,
    /// Prepare, publish and analyse surveys.
    SurveysManage = "surveys.manage" in Communication,
    /// Prepare and send mailings.
    MailingsSend = "mailings.send" in Communication,
    /// Register outages and close them: their emergency notices go to the
    /// affected residents without `mailings.send`.
    OutagesManage = "outages.manage" in Communication,
    /// See reports.
    ReportsRead = "reports.read" in Reports,
    /// Export reports and lists to CSV and XLSX.
    ReportsExport = "reports.export" in Reports,
    /// Manage user accounts and their role assignments.
    AdminUsers = "admin.users" in Administration,
    /// Compose roles from the catalog.
    AdminRoles = "admin.roles" in Administration,
    /// Manage integrations: PBX, resident app, push providers.
    AdminIntegrations = "admin.integrations" in Administration,
    /// Read the audit log.
    AuditRead = "audit.read" in Administration,
}

impl Permission {
    /// The bit of this permission in a [`PermissionSet`].
    const fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Permission {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Permission {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

/// A code that is not in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown permission `{0}`")]
pub struct UnknownPermission(pub String);

/// How the role editor groups permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PermissionGroup {
    Tickets,
    Clients,
    Buildings,
    Passes,
    Calls,
    Communication,
    Reports,
    Administration,
}

impl PermissionGroup {
    pub const ALL: &'static [PermissionGroup] = &[
        Self::Tickets,
        Self::Clients,
        Self::Buildings,
        Self::Passes,
        Self::Calls,
        Self::Communication,
        Self::Reports,
        Self::Administration,
    ];

    /// The permissions of this group, in catalog order.
    pub fn permissions(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| p.group() == self)
    }

    pub const fn code(self) -> &'static str {
        match self {
            Self::Tickets => "tickets",
            Self::Clients => "clients",
            Self::Buildings => "buildings",
            Self::Passes => "passes",
            Self::Calls => "calls",
            Self::Communication => "communication",
            Self::Reports => "reports",
            Self::Administration => "administration",
        }
    }
}

/// A set of permissions, stored as a bit set (the catalog has fewer than 64).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(u64);

impl PermissionSet {
    pub const fn empty() -> Self {
        Self(0)
    }

    /// Every permission of the catalog.
    pub fn all() -> Self {
        Permission::ALL.iter().copied().collect()
    }

    pub const fn contains(self, permission: Permission) -> bool {
        self.0 & permission.bit() != 0
    }

    pub fn insert(&mut self, permission: Permission) {
        self.0 |= permission.bit();
    }

    pub fn remove(&mut self, permission: Permission) {
        self.0 &= !permission.bit();
    }

    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The permissions in catalog order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL.iter().copied().filter(move |p| self.contains(*p))
    }
}

impl fmt::Debug for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter().map(Permission::code)).finish()
    }
}

impl FromIterator<Permission> for PermissionSet {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Self::empty();
        for permission in iter {
            set.insert(permission);
        }
        set
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let list = Vec::<Permission>::deserialize(deserializer)?;
        Ok(list.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalog_fits_the_bit_set() {
        assert!(Permission::ALL.len() <= 64);
    }

    #[test]
    fn every_code_parses_back_to_its_permission() {
        for permission in Permission::ALL {
            assert_eq!(permission.code().parse::<Permission>(), Ok(*permission));
        }
        assert!("tickets.delete".parse::<Permission>().is_err());
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = Permission::ALL.iter().map(|p| p.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Permission::ALL.len());
    }

    #[test]
    fn every_permission_belongs_to_a_listed_group() {
        let grouped: usize = PermissionGroup::ALL.iter().map(|g| g.permissions().count()).sum();
        assert_eq!(grouped, Permission::ALL.len());
    }

    #[test]
    fn a_set_serialises_as_a_list_of_codes() {
        let set: PermissionSet = [Permission::AuditRead, Permission::TicketsRead].into_iter().collect();
        let json = serde_json::to_string(&set).unwrap();
        assert_eq!(json, r#"["tickets.read","audit.read"]"#);
        let back: PermissionSet = serde_json::from_str(&json).unwrap();
        assert_eq!(back, set);
        assert!(serde_json::from_str::<PermissionSet>(r#"["tickets.fly"]"#).is_err());
    }
}
