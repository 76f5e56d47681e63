//! Building actors: the live state of one building on this node.
//!
//! A building actor starts the first time something of its building is
//! needed (someone opens its page) and stops after [`BUILDING_IDLE`] with
//! nobody looking. It follows its building's topic through the hub, so its
//! state is the state of the last delivered event. Today it holds presence
//! (who has the building open) and the last sequence number; the chessboard
//! cells and the guard log join it as those features land.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix::prelude::*;

use domovoy_domain::event::Topic;
use domovoy_domain::ids::BuildingId;

use crate::cluster::ClusterHandle;
use crate::hub::{Deliver, HubHandle, Lagged, LiveEvent, Notice, Subscriber, SubscriberId};
use crate::presence::{PRESENCE_RENEW, PresenceBook, Viewer, ViewerInfo};

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
    cluster: Option<ClusterHandle>,
    directory: Addr<Directory>,
    me: SubscriberId,
    presence: PresenceBook,
    last_seq: i64,
    idle_since: Option<Instant>,
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

    /// Tells this node's followers and the other nodes who is looking.
    fn presence_changed(&mut self) {
        self.hub.broadcast(self.topic(), self.presence.frame(&self.topic()));
        if let Some(cluster) = &self.cluster {
            cluster.announce_presence(self.topic(), self.presence.local_viewers());
        }
        self.idle_since = if self.presence.has_local() { None } else { Some(Instant::now()) };
    }
}

impl Actor for BuildingActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.follow(ctx);
        ctx.run_interval(PRESENCE_RENEW, |actor, ctx| {
            if actor.presence.expire() {
                actor.presence_changed();
            } else if actor.presence.has_local()
                && let Some(cluster) = &actor.cluster
            {
                cluster.announce_presence(actor.topic(), actor.presence.local_viewers());
            }
            if actor.idle_since.is_some_and(|since| since.elapsed() >= BUILDING_IDLE) {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, _ctx: &mut Context<Self>) {
        self.hub.forget(self.me);
        self.directory.do_send(Gone { id: self.id });
    }
}

/// Someone's presence on the building changed.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct SetPresence {
    building: BuildingId,
    viewer: Viewer,
}

/// A session stopped looking: at one building, or (`None`) at all.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Leave {
    building: Option<BuildingId>,
    session: SubscriberId,
}

/// Another node's viewers of a building.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct RemotePresence {
    building: BuildingId,
    node: Arc<str>,
    viewers: Vec<ViewerInfo>,
}

/// The live state of a building.
#[derive(Message, Debug)]
#[rtype(result = "BuildingLive")]
struct Snapshot {
    building: BuildingId,
}

/// A building actor stopped.
#[derive(Message, Debug)]
#[rtype(result = "()")]
struct Gone {
    id: BuildingId,
}

impl Handler<SetPresence> for BuildingActor {
    type Result = ();

    fn handle(&mut self, msg: SetPresence, _ctx: &mut Context<Self>) {
        if self.presence.set(msg.viewer) {
            self.presence_changed();
        }
    }
}

impl Handler<Leave> for BuildingActor {
    type Result = ();

    fn handle(&mut self, msg: Leave, _ctx: &mut Context<Self>) {
        if self.presence.leave(msg.session) {
            self.presence_changed();
        }
    }
}

impl Handler<RemotePresence> for BuildingActor {
    type Result = ();

    fn handle(&mut self, msg: RemotePresence, _ctx: &mut Context<Self>) {
        self.presence.set_remote(&msg.node, msg.viewers);
        self.hub.broadcast(self.topic(), self.presence.frame(&self.topic()));
    }
}

impl Handler<Snapshot> for BuildingActor {
    type Result = MessageResult<Snapshot>;

    fn handle(&mut self, _msg: Snapshot, _ctx: &mut Context<Self>) -> Self::Result {
        MessageResult(BuildingLive { viewers: self.presence.viewers(), last_seq: self.last_seq })
    }
}

impl Handler<Deliver> for BuildingActor {
    type Result = ();

    fn handle(&mut self, msg: Deliver, _ctx: &mut Context<Self>) {
        let event: &LiveEvent = &msg.0;
        self.last_seq = self.last_seq.max(event.seq);
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

/// Finds or starts the actor of each building.
struct Directory {
    hub: HubHandle,
    cluster: Option<ClusterHandle>,
    actors: HashMap<BuildingId, Addr<BuildingActor>>,
}

impl Actor for Directory {
    type Context = Context<Self>;
}

impl Directory {
    fn actor(&mut self, id: BuildingId, ctx: &Context<Self>) -> Addr<BuildingActor> {
        if let Some(addr) = self.actors.get(&id).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = BuildingActor {
            id,
            hub: self.hub.clone(),
            cluster: self.cluster.clone(),
            directory: ctx.address(),
            me: self.hub.subscriber_id(),
            presence: PresenceBook::default(),
            last_seq: 0,
            idle_since: Some(Instant::now()),
        }
        .start();
        self.actors.insert(id, addr.clone());
        addr
    }
}

impl Handler<SetPresence> for Directory {
    type Result = ();

    fn handle(&mut self, msg: SetPresence, ctx: &mut Context<Self>) {
        self.actor(msg.building, ctx).do_send(msg);
    }
}

impl Handler<Leave> for Directory {
    type Result = ();

    fn handle(&mut self, msg: Leave, _ctx: &mut Context<Self>) {
        match msg.building {
            Some(id) => {
                if let Some(addr) = self.actors.get(&id) {
                    addr.do_send(msg);
                }
            }
            None => {
                for addr in self.actors.values() {
                    addr.do_send(Leave { building: None, session: msg.session });
                }
            }
        }
    }
}

impl Handler<RemotePresence> for Directory {
    type Result = ();

    fn handle(&mut self, msg: RemotePresence, ctx: &mut Context<Self>) {
        // Another node's viewers only matter where someone here looks too;
        // but a building opened later must show them, so the actor starts.
        self.actor(msg.building, ctx).do_send(msg);
    }
}

impl Handler<Snapshot> for Directory {
    type Result = ResponseFuture<BuildingLive>;

    fn handle(&mut self, msg: Snapshot, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.actor(msg.building, ctx);
        Box::pin(async move { addr.send(msg).await.unwrap_or(BuildingLive { viewers: Vec::new(), last_seq: 0 }) })
    }
}

impl Handler<Gone> for Directory {
    type Result = ();

    fn handle(&mut self, msg: Gone, _ctx: &mut Context<Self>) {
        if self.actors.get(&msg.id).is_some_and(|a| !a.connected()) {
            self.actors.remove(&msg.id);
        }
    }
}

/// The typed handle to the building actors of this node.
#[derive(Clone)]
pub struct BuildingsHandle {
    directory: Addr<Directory>,
}

impl std::fmt::Debug for BuildingsHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BuildingsHandle").finish_non_exhaustive()
    }
}

impl BuildingsHandle {
    pub fn start(hub: HubHandle, cluster: Option<ClusterHandle>) -> Self {
        let directory = Directory { hub, cluster, actors: HashMap::new() }.start();
        Self { directory }
    }

    pub fn set_presence(&self, building: BuildingId, viewer: Viewer) {
        self.directory.do_send(SetPresence { building, viewer });
    }

    pub fn leave(&self, building: Option<BuildingId>, session: SubscriberId) {
        self.directory.do_send(Leave { building, session });
    }

    /// Another node announced its viewers of a building.
    pub fn remote_presence(&self, building: BuildingId, node: Arc<str>, viewers: Vec<ViewerInfo>) {
        self.directory.do_send(RemotePresence { building, node, viewers });
    }

    /// The building's live state, starting its actor if needed.
    pub async fn live(&self, building: BuildingId) -> BuildingLive {
        self.directory.send(Snapshot { building }).await.unwrap_or(BuildingLive { viewers: Vec::new(), last_seq: 0 })
    }
}
