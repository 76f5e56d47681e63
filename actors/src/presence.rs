//! Presence: who is looking at (or editing) something right now.
//!
//! Presence is live state, not history: it is kept by the actor of the
//! thing being looked at, sent to the followers of its topic as a notice
//! (no sequence number), and never stored. With several nodes, each node
//! announces its own viewers through the cluster doorbell and keeps the
//! other nodes' lists until they expire.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use bytestring::ByteString;
use serde::{Deserialize, Serialize};

use domovoy_domain::event::Topic;
use domovoy_domain::ids::UserId;

use crate::building::BuildingsHandle;
use crate::hub::SubscriberId;
use crate::tickets::TicketsHandle;

/// Another node's viewer list is dropped when not renewed for this long; a
/// node renews its lists every [`PRESENCE_RENEW`].
pub const REMOTE_PRESENCE_TTL: Duration = Duration::from_secs(30);
/// How often a node re-announces its viewers to the others.
pub const PRESENCE_RENEW: Duration = Duration::from_secs(10);

/// What a viewer is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceState {
    Viewing,
    Editing,
    /// Left the page (or the tab is hidden): removed from the list.
    Away,
}

/// A viewer on this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub session: SubscriberId,
    pub user_id: UserId,
    pub name: String,
    pub state: PresenceState,
}

/// A viewer as shown to others (and sent between nodes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewerInfo {
    pub user_id: UserId,
    pub name: String,
    pub state: PresenceState,
}

/// The viewers of one topic, on this node and on others.
#[derive(Debug, Default)]
pub struct PresenceBook {
    local: HashMap<SubscriberId, Viewer>,
    remote: HashMap<String, (Vec<ViewerInfo>, Instant)>,
}

#[derive(Serialize)]
struct PresenceFrame<'a> {
    r#type: &'static str,
    topic: &'a Topic,
    viewers: &'a [ViewerInfo],
}

impl PresenceBook {
    /// Adds, updates or (state `Away`) removes a local viewer; returns
    /// whether anything changed.
    pub fn set(&mut self, viewer: Viewer) -> bool {
        if viewer.state == PresenceState::Away {
            return self.local.remove(&viewer.session).is_some();
        }
        self.local.insert(viewer.session, viewer.clone()) != Some(viewer)
    }

    pub fn leave(&mut self, session: SubscriberId) -> bool {
        self.local.remove(&session).is_some()
    }

    /// Replaces another node's list.
    pub fn set_remote(&mut self, node: &str, viewers: Vec<ViewerInfo>) {
        if viewers.is_empty() {
            self.remote.remove(node);
        } else {
            self.remote.insert(node.to_owned(), (viewers, Instant::now()));
        }
    }

    /// Drops other nodes' lists that were not renewed; returns whether any was.
    pub fn expire(&mut self) -> bool {
        let before = self.remote.len();
        self.remote.retain(|_, (_, at)| at.elapsed() < REMOTE_PRESENCE_TTL);
        before != self.remote.len()
    }

    pub fn has_local(&self) -> bool {
        !self.local.is_empty()
    }

    /// This node's viewers, one entry per person (their most active state).
    pub fn local_viewers(&self) -> Vec<ViewerInfo> {
        merge(self.local.values().map(|v| ViewerInfo { user_id: v.user_id, name: v.name.clone(), state: v.state }))
    }

    /// Everyone, on every node, one entry per person, by name.
    pub fn viewers(&self) -> Vec<ViewerInfo> {
        let remote = self.remote.values().flat_map(|(list, _)| list.iter().cloned());
        merge(self.local_viewers().into_iter().chain(remote))
    }

    /// The notice followers of `topic` receive.
    pub fn frame(&self, topic: &Topic) -> ByteString {
        let viewers = self.viewers();
        serde_json::to_string(&PresenceFrame { r#type: "presence", topic, viewers: &viewers })
            .unwrap_or_default()
            .into()
    }
}

/// One entry per person: someone with two tabs open, one editing, is editing.
fn merge(all: impl Iterator<Item = ViewerInfo>) -> Vec<ViewerInfo> {
    let mut people: BTreeMap<(String, UserId), ViewerInfo> = BTreeMap::new();
    for viewer in all {
        people
            .entry((viewer.name.clone(), viewer.user_id))
            .and_modify(|known| {
                if viewer.state == PresenceState::Editing {
                    known.state = PresenceState::Editing;
                }
            })
            .or_insert(viewer);
    }
    people.into_values().collect()
}

/// Routes presence to the actor of the thing a topic is about.
#[derive(Debug, Clone)]
pub struct PresenceHandle {
    buildings: BuildingsHandle,
    tickets: TicketsHandle,
}

impl PresenceHandle {
    pub fn new(buildings: BuildingsHandle, tickets: TicketsHandle) -> Self {
        Self { buildings, tickets }
    }

    /// A session's viewer on `topic` appears or changes state. Topics
    /// without a live object (a user's queue) keep no presence.
    pub fn set(&self, topic: Topic, viewer: Viewer) {
        match topic {
            Topic::Building(id) => self.buildings.set_presence(id, viewer),
            Topic::Ticket(id) => self.tickets.set_presence(id, viewer),
            _ => {}
        }
    }

    pub fn leave(&self, topic: Topic, session: SubscriberId) {
        match topic {
            Topic::Building(id) => self.buildings.leave(Some(id), session),
            Topic::Ticket(id) => self.tickets.leave(Some(id), session),
            _ => {}
        }
    }

    /// A session is gone: it leaves everything it was looking at.
    pub fn leave_all(&self, session: SubscriberId) {
        self.buildings.leave(None, session);
        self.tickets.leave(None, session);
    }

    /// Another node announced its viewers of `topic`.
    pub fn remote(&self, topic: Topic, node: std::sync::Arc<str>, viewers: Vec<ViewerInfo>) {
        match topic {
            Topic::Building(id) => self.buildings.remote_presence(id, node, viewers),
            Topic::Ticket(id) => self.tickets.remote_presence(id, node, viewers),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn viewer(session: u64, user: UserId, name: &str, state: PresenceState) -> Viewer {
        Viewer { session: crate::hub::test_subscriber_id(session), user_id: user, name: name.to_owned(), state }
    }

    #[test]
    fn one_person_with_two_tabs_is_listed_once_with_the_busier_state() {
        let mut book = PresenceBook::default();
        let anna = UserId::new();
        assert!(book.set(viewer(1, anna, "Анна", PresenceState::Viewing)));
        assert!(book.set(viewer(2, anna, "Анна", PresenceState::Editing)));
        assert!(!book.set(viewer(2, anna, "Анна", PresenceState::Editing)), "no change");
        let list = book.viewers();
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].state, PresenceState::Editing);
        assert!(book.set(viewer(2, anna, "Анна", PresenceState::Away)));
        assert_eq!(book.viewers()[0].state, PresenceState::Viewing);
        assert!(book.leave(crate::hub::test_subscriber_id(1)));
        assert!(book.viewers().is_empty());
    }

    #[test]
    fn other_nodes_viewers_are_merged_until_replaced() {
        let mut book = PresenceBook::default();
        let (anna, boris) = (UserId::new(), UserId::new());
        book.set(viewer(1, anna, "Анна", PresenceState::Viewing));
        book.set_remote(
            "node-b",
            vec![ViewerInfo { user_id: boris, name: "Борис".into(), state: PresenceState::Editing }],
        );
        let names: Vec<String> = book.viewers().into_iter().map(|v| v.name).collect();
        assert_eq!(names, vec!["Анна", "Борис"]);
        assert_eq!(book.local_viewers().len(), 1);
        book.set_remote("node-b", Vec::new());
        assert_eq!(book.viewers().len(), 1);
        assert!(!book.expire());
    }
}
