//! The access policy: one function decides every check.
//!
//! A user holds grants: a role's permissions, for all buildings, for one
//! building, or (residents) for what they own. Every layer — HTTP routes,
//! WebSocket subscriptions, sync, exports, reports, menus — asks
//! [`Principal::reach`] (what a permission reaches) or [`Principal::can`]
//! (whether it reaches one target), and `can` answers exactly what `reach`
//! covers (a property test holds them equal), so the two never disagree.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::account::AccountKind;
use crate::ids::{BuildingId, RoleId, UserId};
use crate::permission::{Permission, PermissionSet};

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "kind", content = "building_id", rename_all = "snake_case")]
pub enum GrantScope {
    /// Every building and the system itself (administration, audit).
    AllBuildings,
    /// One building.
    Building(BuildingId),
    /// Only what the account owns: a resident's own units, tickets, passes.
    Own,
}

impl GrantScope {
    /// Which scopes an account of `kind` may hold: staff work in buildings,
    /// residents only ever on their own things.
    pub fn fits(self, kind: AccountKind) -> bool {
        match kind {
            AccountKind::Staff => !matches!(self, Self::Own),
            AccountKind::Resident => matches!(self, Self::Own),
        }
    }
}

/// One role held by a user in one scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    pub role: RoleId,
    pub scope: GrantScope,
    pub permissions: PermissionSet,
}

/// What an action is done to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Target {
    /// The building it belongs to, if any.
    pub building: Option<BuildingId>,
    /// The resident account that owns it, if any (their ticket, pass, profile).
    pub owner: Option<UserId>,
}

impl Target {
    /// The system itself: users, roles, integrations, the whole audit log.
    /// Only all-buildings grants reach it.
    pub const SYSTEM: Target = Target { building: None, owner: None };

    /// Something in one building.
    pub const fn building(id: BuildingId) -> Target {
        Target { building: Some(id), owner: None }
    }

    /// Something owned by a resident account, optionally in a building.
    pub const fn owned_by(self, owner: UserId) -> Target {
        Target { building: self.building, owner: Some(owner) }
    }
}

/// Everything one permission reaches for one principal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Every building and the system.
    pub everywhere: bool,
    /// Buildings reached through building-scoped grants.
    pub buildings: BTreeSet<BuildingId>,
    /// Things owned by the principal.
    pub own: bool,
}

impl Reach {
    /// Whether nothing at all is reached (the menu item is hidden).
    pub fn is_nothing(&self) -> bool {
        !self.everywhere && self.buildings.is_empty() && !self.own
    }

    /// Whether some building is reached as such (not only through owned
    /// things): what building lists and menus need.
    pub fn reaches_buildings(&self) -> bool {
        self.everywhere || !self.buildings.is_empty()
    }

    /// Whether `target` is reached for the principal `me`.
    pub fn covers(&self, target: &Target, me: UserId) -> bool {
        if self.everywhere {
            return true;
        }
        if self.own && target.owner == Some(me) {
            return true;
        }
        target.building.is_some_and(|b| self.buildings.contains(&b))
    }

    /// The buildings reached, for filtering lists: `None` means all of them.
    pub fn building_filter(&self) -> Option<&BTreeSet<BuildingId>> {
        (!self.everywhere).then_some(&self.buildings)
    }
}

/// A signed-in account with its grants: the subject of every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub kind: AccountKind,
    grants: Vec<Grant>,
}

impl Principal {
    /// Builds a principal; grants that do not fit the account kind (a staff
    /// role on a resident account, say) are ignored rather than trusted.
    pub fn new(user_id: UserId, kind: AccountKind, grants: Vec<Grant>) -> Self {
        let grants = grants.into_iter().filter(|g| g.scope.fits(kind)).collect();
        Self { user_id, kind, grants }
    }

    /// The product itself acting: an operator's command, a background job,
    /// an integration's own bookkeeping. It holds every permission
    /// everywhere; its id is the nil UUID, which no account ever has (ids
    /// are UUID v7), so "own" checks never match it.
    pub fn system() -> Self {
        Self {
            user_id: UserId::from_uuid(uuid::Uuid::nil()),
            kind: AccountKind::Staff,
            grants: vec![Grant {
                role: RoleId::from_uuid(uuid::Uuid::nil()),
                scope: GrantScope::AllBuildings,
                permissions: PermissionSet::all(),
            }],
        }
    }

    /// Whether this is [`Principal::system`].
    pub fn is_system(&self) -> bool {
        self.user_id.as_uuid().is_nil()
    }

    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Everything `permission` reaches for this principal.
    pub fn reach(&self, permission: Permission) -> Reach {
        let mut reach = Reach::default();
        for grant in self.grants.iter().filter(|g| g.permissions.contains(permission)) {
            match grant.scope {
                GrantScope::AllBuildings => reach.everywhere = true,
                GrantScope::Building(id) => {
                    reach.buildings.insert(id);
                }
                GrantScope::Own => reach.own = true,
            }
        }
        reach
    }

    /// THE policy decision: may this principal use `permission` on `target`?
    /// Exactly `self.reach(permission).covers(target, self.user_id)` (a
    /// property test holds them equal), computed without building the
    /// reach: live sessions ask it for every event they forward.
    pub fn can(&self, permission: Permission, target: &Target) -> bool {
        self.grants.iter().filter(|g| g.permissions.contains(permission)).any(|g| match g.scope {
            GrantScope::AllBuildings => true,
            GrantScope::Building(id) => target.building == Some(id),
            GrantScope::Own => target.owner == Some(self.user_id),
        })
    }

    /// Whether `permission` reaches anything at all (menus, home page).
    pub fn can_somewhere(&self, permission: Permission) -> bool {
        !self.reach(permission).is_nothing()
    }

    /// Every permission held anywhere, for the UI.
    pub fn permissions_anywhere(&self) -> PermissionSet {
        self.grants.iter().fold(PermissionSet::empty(), |set, g| set.union(g.permissions))
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::role::RoleTemplate;

    fn staff_with(template: RoleTemplate, scope: GrantScope) -> Principal {
        Principal::new(
            UserId::new(),
            template.account_kind(),
            vec![Grant { role: RoleId::new(), scope, permissions: template.permissions() }],
        )
    }

    /// Every built-in role × every permission × in-scope and out-of-scope
    /// buildings, exhaustively (the catalog is small enough to enumerate).
    #[test]
    fn building_scoped_roles_act_in_their_building_only() {
        let mine = BuildingId::new();
        let other = BuildingId::new();
        for template in RoleTemplate::ALL.iter().filter(|t| t.account_kind() == AccountKind::Staff) {
            let principal = staff_with(*template, GrantScope::Building(mine));
            for permission in Permission::ALL {
                let held = template.permissions().contains(*permission);
                assert_eq!(
                    principal.can(*permission, &Target::building(mine)),
                    held,
                    "{template} {permission} in scope"
                );
                assert!(!principal.can(*permission, &Target::building(other)), "{template} {permission} out of scope");
                assert!(!principal.can(*permission, &Target::SYSTEM), "{template} {permission} on the system");
            }
        }
    }

    #[test]
    fn all_buildings_roles_act_everywhere_they_hold_the_permission() {
        for template in RoleTemplate::ALL.iter().filter(|t| t.account_kind() == AccountKind::Staff) {
            let principal = staff_with(*template, GrantScope::AllBuildings);
            for permission in Permission::ALL {
                let held = template.permissions().contains(*permission);
                assert_eq!(principal.can(*permission, &Target::building(BuildingId::new())), held);
                assert_eq!(principal.can(*permission, &Target::SYSTEM), held);
            }
        }
    }

    #[test]
    fn residents_reach_only_what_they_own() {
        let resident = staff_with(RoleTemplate::Resident, GrantScope::Own);
        let neighbour = UserId::new();
        let building = BuildingId::new();
        for permission in Permission::ALL {
            let held = RoleTemplate::Resident.permissions().contains(*permission);
            let own = Target::building(building).owned_by(resident.user_id);
            let theirs = Target::building(building).owned_by(neighbour);
            assert_eq!(resident.can(*permission, &own), held, "{permission}");
            assert!(!resident.can(*permission, &theirs), "{permission}");
            assert!(!resident.can(*permission, &Target::building(building)), "{permission}");
            assert!(!resident.can(*permission, &Target::SYSTEM), "{permission}");
        }
    }

    #[test]
    fn grants_that_do_not_fit_the_account_are_ignored() {
        let admin_on_resident = Principal::new(
            UserId::new(),
            AccountKind::Resident,
            vec![Grant { role: RoleId::new(), scope: GrantScope::AllBuildings, permissions: PermissionSet::all() }],
        );
        assert!(!admin_on_resident.can(Permission::AdminUsers, &Target::SYSTEM));
        let own_on_staff = Principal::new(
            UserId::new(),
            AccountKind::Staff,
            vec![Grant { role: RoleId::new(), scope: GrantScope::Own, permissions: PermissionSet::all() }],
        );
        assert!(own_on_staff.grants().is_empty());
    }

    #[test]
    fn the_building_filter_lists_only_granted_buildings() {
        let a = BuildingId::new();
        let b = BuildingId::new();
        let principal = Principal::new(
            UserId::new(),
            AccountKind::Staff,
            vec![
                Grant {
                    role: RoleId::new(),
                    scope: GrantScope::Building(a),
                    permissions: RoleTemplate::Guard.permissions(),
                },
                Grant {
                    role: RoleId::new(),
                    scope: GrantScope::Building(b),
                    permissions: RoleTemplate::Dispatcher.permissions(),
                },
            ],
        );
        let passes = principal.reach(Permission::PassesCheck);
        assert_eq!(passes.building_filter(), Some(&BTreeSet::from([a])));
        let tickets = principal.reach(Permission::TicketsRead);
        assert_eq!(tickets.building_filter(), Some(&BTreeSet::from([b])));
        assert!(principal.reach(Permission::AuditRead).is_nothing());
    }

    fn any_scope(buildings: Vec<BuildingId>) -> impl Strategy<Value = GrantScope> {
        prop_oneof![Just(GrantScope::AllBuildings), proptest::sample::select(buildings).prop_map(GrantScope::Building),]
    }

    fn any_permissions() -> impl Strategy<Value = PermissionSet> {
        proptest::collection::vec(proptest::sample::select(Permission::ALL.to_vec()), 0..8)
            .prop_map(|list| list.into_iter().collect())
    }

    proptest! {
        /// For any mix of grants, a permission reaches a building exactly
        /// when some grant holding it is for that building or for all.
        #[test]
        fn can_agrees_with_the_grants(
            scopes in proptest::collection::vec((any_scope(vec![BuildingId::from_uuid(uuid::Uuid::from_u128(1)), BuildingId::from_uuid(uuid::Uuid::from_u128(2)), BuildingId::from_uuid(uuid::Uuid::from_u128(3))]), any_permissions()), 0..5),
            permission in proptest::sample::select(Permission::ALL.to_vec()),
            building in (1u128..=4).prop_map(|n| BuildingId::from_uuid(uuid::Uuid::from_u128(n))),
        ) {
            let grants: Vec<Grant> = scopes
                .iter()
                .map(|(scope, permissions)| Grant { role: RoleId::new(), scope: *scope, permissions: *permissions })
                .collect();
            let principal = Principal::new(UserId::new(), AccountKind::Staff, grants.clone());
            let expected = grants.iter().any(|g| {
                g.permissions.contains(permission)
                    && matches!(g.scope, GrantScope::AllBuildings)
                    || g.permissions.contains(permission) && g.scope == GrantScope::Building(building)
            });
            prop_assert_eq!(principal.can(permission, &Target::building(building)), expected);
            // `can` is `reach` then `covers`, for buildings, the system and
            // owned things alike.
            for target in [Target::building(building), Target::SYSTEM, Target::building(building).owned_by(principal.user_id), Target::SYSTEM.owned_by(principal.user_id)] {
                prop_assert_eq!(
                    principal.can(permission, &target),
                    principal.reach(permission).covers(&target, principal.user_id)
                );
            }
            // Adding a grant never takes access away.
            let mut more = grants;
            more.push(Grant { role: RoleId::new(), scope: GrantScope::AllBuildings, permissions: PermissionSet::empty() });
            let widened = Principal::new(principal.user_id, AccountKind::Staff, more);
            prop_assert_eq!(widened.can(permission, &Target::building(building)), expected);
        }
    }
}
