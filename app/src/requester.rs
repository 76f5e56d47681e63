//! Who acts: the subject of every use-case.
//!
//! A [`Requester`] is a person signed in through some door (the web pages,
//! the API, the staff app's sync) or the product itself (an operator's
//! command, a background job, a PBX integration). Use-cases take one and
//! ask it two things: may it do this here (the one policy function), and
//! who to write in the audit log and the ticket's history.

use std::fmt;
use std::net::IpAddr;

use domovoy_domain::account::{AccountKind, User};
use domovoy_domain::ids::{TokenId, UserId};
use domovoy_domain::permission::Permission;
use domovoy_domain::policy::{Principal, Reach, Target};
use domovoy_store::audit::Actor;

use crate::error::AppError;

/// The door a request came through: recorded with what it changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// The server-rendered pages (browser session).
    Web,
    /// The JSON API (bearer token or a page's script).
    Api,
    /// The staff app's offline sync.
    Sync,
    /// An operator's command (`domovoy user …`, `domovoy import …`).
    Cli,
    /// The telephony integrations (PBX webhook, SIP, AMI).
    Telephony,
    /// A background job of the product itself.
    Job,
}

impl Channel {
    pub const fn code(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Api => "api",
            Self::Sync => "sync",
            Self::Cli => "cli",
            Self::Telephony => "telephony",
            Self::Job => "job",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Where a person's request came from, for the audit log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    pub ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// The door's request id (the web's `X-Request-Id`).
    pub request_id: Option<String>,
}

/// Who acts, with their grants and the door they came through.
#[derive(Debug, Clone)]
pub struct Requester {
    principal: Principal,
    /// The account of a person; `None` when the product itself acts.
    user: Option<User>,
    /// The session or token a person used (their own "current session").
    token: Option<TokenId>,
    /// What the product calls itself when it acts (`cli`, `auto_close`).
    label: &'static str,
    channel: Channel,
    origin: Origin,
}

impl Requester {
    /// A signed-in person with their grants.
    pub fn person(user: User, principal: Principal, token: Option<TokenId>, channel: Channel, origin: Origin) -> Self {
        Self { principal, user: Some(user), token, label: "", channel, origin }
    }

    /// The product itself: every permission, audited under `label`
    /// (`cli`, `auto_close`, `pbx`).
    pub fn system(label: &'static str, channel: Channel) -> Self {
        Self { principal: Principal::system(), user: None, token: None, label, channel, origin: Origin::default() }
    }

    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The person's account, `None` for the system.
    pub fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The person's account, for use-cases only a person can do (change
    /// their password, rate a ticket): the system is refused.
    pub fn account(&self) -> Result<&User, AppError> {
        self.user.as_ref().ok_or(AppError::Forbidden)
    }

    /// The person's id, `None` for the system.
    pub fn user_id(&self) -> Option<UserId> {
        self.user.as_ref().map(|u| u.id)
    }

    /// The session or token the person signed in with.
    pub fn token(&self) -> Option<TokenId> {
        self.token
    }

    pub fn channel(&self) -> Channel {
        self.channel
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// A resident (owner, tenant, occupant), as opposed to staff or the system.
    pub fn is_resident(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.kind == AccountKind::Resident)
    }

    /// Staff or the system: sees internal comments and history.
    pub fn is_staff(&self) -> bool {
        !self.is_resident()
    }

    /// The name written beside what this requester did (a ticket's history):
    /// the person's display name, or the system's label.
    pub fn display_name(&self) -> String {
        match &self.user {
            Some(user) => user.display_name.to_string(),
            None => self.label.to_owned(),
        }
    }

    /// Who to record in the audit log.
    pub fn actor(&self) -> Actor {
        match &self.user {
            Some(user) => Actor {
                user_id: Some(user.id),
                login: user.login.to_string(),
                ip: self.origin.ip.map(|ip| ip.to_string()),
                request_id: self.origin.request_id.clone(),
            },
            None => Actor::system(self.label),
        }
    }

    /// Refuses unless the policy allows `permission` on `target`.
    pub fn require(&self, permission: Permission, target: &Target) -> Result<(), AppError> {
        if self.principal.can(permission, target) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// What `permission` reaches; refuses when it reaches nothing.
    pub fn reach(&self, permission: Permission) -> Result<Reach, AppError> {
        let reach = self.principal.reach(permission);
        if reach.is_nothing() { Err(AppError::Forbidden) } else { Ok(reach) }
    }

    /// Whether the policy allows `permission` on `target` (no error).
    pub fn can(&self, permission: Permission, target: &Target) -> bool {
        self.principal.can(permission, target)
    }

    /// Whether this requester is the resident who owns `target`.
    pub fn owns(&self, owner: Option<UserId>) -> bool {
        owner.is_some() && owner == self.user_id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_may_do_everything_but_owns_nothing() {
        let system = Requester::system("cli", Channel::Cli);
        for permission in Permission::ALL {
            assert!(system.can(*permission, &Target::SYSTEM));
        }
        assert!(!system.owns(Some(UserId::new())));
        assert!(system.account().is_err());
        assert_eq!(system.actor().login, "cli");
        assert!(system.is_staff());
    }
}
