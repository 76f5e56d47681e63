//! Building actors: the live state of one building on this node.
//!
//! A building actor starts the first time something of its building is
//! needed (someone opens its page) and stops after [`BUILDING_IDLE`] with
//! nobody looking; the generic [`Directory`] starts and forgets them. It follows its building's topic through the hub, so its
//! state is the state of the last delivered event. Today it holds presence
//! (who has the building open) and the last sequence number; the chessboard
//! cells and the guard log join it as those features land.

use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use domovoy_domain::event::Topic;
use domovoy_domain::ids::BuildingId;

use crate::cluster::ClusterHandle;
use crate::directory::{
    Ask, Directory, Gone, Keyed, Leave, LivePresence, RemotePresence, SetPresence, To, ToAll, ToRunning,
    presence_handlers,
};
use crate::hub::{Deliver, HubHandle, Lagged, LiveEvent, Notice, Subscriber, SubscriberId};
use crate::presence::{PRESENCE_RENEW, Viewer, ViewerInfo};

/// A building actor with nobody looking stops after this long. Short
/// enough that a node does not keep every building of the company in
/// memory, long enough that someone flipping between pages keeps it warm.
pub const BUILDING_IDLE: Duration = Duration::from_secs(300);

/// What a page needs to show the building live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingLive {
    pub viewers: Vec<ViewerInfo>,
    /// The last event the actor has seen on the building's topic (0: none
    /// since it started).
    pub last_seq: i64,
}

struct BuildingActor {
    id: BuildingId,
    hub: HubHandle,
    directory: Addr<Directory<BuildingActor>>,
    me: SubscriberId,
    presence: LivePresence,
    last_seq: i64,
    idle_since: Option<Instant>,
}

/// What every building actor shares.
struct BuildingDeps {
    hub: HubHandle,
    cluster: Option<ClusterHandle>,
}

impl Keyed for BuildingActor {
    type Key = BuildingId;
    type Deps = BuildingDeps;

    fn start_for(id: BuildingId, deps: &BuildingDeps, directory: Addr<Directory<Self>>) -> Addr<Self> {
        BuildingActor {
            id,
            hub: deps.hub.clone(),
            directory,
            me: deps.hub.subscriber_id(),
            presence: LivePresence::new(Topic::Building(id), deps.hub.clone(), deps.cluster.clone()),
            last_seq: 0,
            idle_since: Some(Instant::now()),
        }
        .start()
    }
}

impl BuildingActor {
    fn topic(&self) -> Topic {
        Topic::Building(self.id)
    }

    /// Follows the building's topic through the hub (at start, and again
    /// after the hub dropped this actor as lagging; its presence timer is
    /// not restarted).
    fn follow(&mut self, ctx: &mut Context<Self>) {
        let addr = ctx.address();
        let subscriber = Subscriber {
            id: self.me,
            deliver: addr.clone().recipient(),
            notice: addr.clone().recipient(),
            lagged: addr.recipient(),
        };
        let (hub, topic) = (self.hub.clone(), self.topic());
        ctx.spawn(fut::wrap_future::<_, Self>(async move { hub.subscribe(topic, subscriber).await }).map(
            |result, actor, _ctx| {
                if let Ok(Some(last)) = result {
                    actor.last_seq = actor.last_seq.max(last);
                }
            },
        ));
    }

    /// After a local presence change: the actor is idle when nobody here looks.
    fn presence_changed(&mut self) {
        self.idle_since = if self.presence.has_local() { None } else { Some(Instant::now()) };
    }
}

impl Actor for BuildingActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.follow(ctx);
        // Renews presence and stops the actor when idle; ends with it.
        ctx.run_interval(PRESENCE_RENEW, |actor, ctx| {
            actor.presence.renew();
            if actor.idle_since.is_some_and(|since| since.elapsed() >= BUILDING_IDLE) {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.hub.forget(self.me);
        self.directory.do_send(Gone(self.id));
    }
}

presence_handlers!(BuildingActor, presence_changed);

/// The live state of a building.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "BuildingLive")]
struct Snapshot;

impl Handler<Snapshot> for BuildingActor {
    type Result = MessageResult<Snapshot>;

    fn handle(&mut self, _msg: Snapshot, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(BuildingLive { viewers: self.presence.viewers(), last_seq: self.last_seq })
    }
}

impl Handler<Deliver> for BuildingActor {
    type Result = ();

    fn handle(&mut self, msg: Deliver, _ctx: &mut Context<Self>) {
        let newest = msg.0.iter().map(|event: &Arc<LiveEvent>| event.seq).max();
        self.last_seq = self.last_seq.max(newest.unwrap_or_default());
    }
}

impl Handler<Notice> for BuildingActor {
    type Result = ();

    /// Its own presence notices come back to it; nothing to do.
    fn handle(&mut self, _msg: Notice, _ctx: &mut Context<Self>) {}
}

impl Handler<Lagged> for BuildingActor {
    type Result = ();

    /// Dropped by the hub for a full mailbox (a burst of events while the
    /// node was busy): follow the topic again.
    fn handle(&mut self, _msg: Lagged, ctx: &mut Context<Self>) {
        self.follow(ctx);
    }
}

/// The typed handle to the building actors of this node.
#[derive(Clone)]
pub struct BuildingsHandle {
    directory: Addr<Directory<BuildingActor>>,
}

impl std::fmt::Debug for BuildingsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildingsHandle").finish_non_exhaustive()
    }
}

impl BuildingsHandle {
    pub fn start(hub: HubHandle, cluster: Option<ClusterHandle>) -> Self {
        Self { directory: Directory::start(BuildingDeps { hub, cluster }) }
    }

    pub fn set_presence(&self, building: BuildingId, viewer: Viewer) {
        self.directory.do_send(To { key: building, msg: SetPresence(viewer) });
    }

    /// A session stopped looking at one building, or (`None`) at all.
    pub fn leave(&self, building: Option<BuildingId>, session: SubscriberId) {
        match building {
            Some(key) => self.directory.do_send(ToRunning { key, msg: Leave(session) }),
            None => self.directory.do_send(ToAll(Leave(session))),
        }
    }

    /// Another node announced its viewers of a building. A building opened
    /// here later must show them, so its actor starts.
    pub fn remote_presence(&self, building: BuildingId, node: Arc<str>, viewers: Vec<ViewerInfo>) {
        self.directory.do_send(To { key: building, msg: RemotePresence { node, viewers } });
    }

    /// The building's live state, starting its actor if needed.
    pub async fn live(&self, building: BuildingId) -> BuildingLive {
        let empty = BuildingLive { viewers: Vec::new(), last_seq: 0 };
        self.directory.send(Ask { key: building, msg: Snapshot }).await.ok().flatten().unwrap_or(empty)
    }
}
