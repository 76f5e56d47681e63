//! One directory for every kind of keyed live actor (a building's, a
//! ticket's): it starts the actor of a key on first use, routes messages to
//! it, and forgets it when it stops. Presence (who is looking) is kept the
//! same way by each of them ([`LivePresence`]) and reached through the same
//! messages.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

use actix::dev::ToEnvelope;
use actix::prelude::*;

use domovoy_domain::event::Topic;

use crate::cluster::ClusterHandle;
use crate::hub::{HubHandle, SubscriberId};
use crate::presence::{PresenceBook, Viewer, ViewerInfo};

/// A live actor per key, started by a [`Directory`].
pub(crate) trait Keyed: Actor<Context = Context<Self>> {
    type Key: Copy + Eq + Hash + Debug + Send + Unpin + 'static;
    /// What every actor of the kind shares (the hub, the database, …).
    type Deps: Unpin + 'static;

    /// Starts the actor of `key`; it tells `directory` [`Gone`] when it stops.
    fn start_for(key: Self::Key, deps: &Self::Deps, directory: Addr<Directory<Self>>) -> Addr<Self>;
}

/// Finds or starts the actor of each key. Its state is private; each kind
/// reaches it through its own typed handle.
pub(crate) struct Directory<A: Keyed> {
    deps: A::Deps,
    actors: HashMap<A::Key, Addr<A>>,
}

impl<A: Keyed> Actor for Directory<A> {
    type Context = Context<Self>;
}

impl<A: Keyed> Directory<A> {
    pub(crate) fn start(deps: A::Deps) -> Addr<Self> {
        Self { deps, actors: HashMap::new() }.start()
    }

    pub(crate) fn deps(&self) -> &A::Deps {
        &self.deps
    }

    /// The actor of `key`, started if it is not running.
    pub(crate) fn actor(&mut self, key: A::Key, ctx: &Context<Self>) -> Addr<A> {
        if let Some(addr) = self.actors.get(&key).filter(|a| a.connected()) {
            return addr.clone();
        }
        let addr = A::start_for(key, &self.deps, ctx.address());
        self.actors.insert(key, addr.clone());
        addr
    }
}

/// `msg` for the actor of `key`, started if needed.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub(crate) struct To<K, M> {
    pub key: K,
    pub msg: M,
}

impl<A, M> Handler<To<A::Key, M>> for Directory<A>
where
    A: Keyed + Handler<M>,
    M: Message<Result = ()> + Send + 'static,
    A::Context: ToEnvelope<A, M>,
{
    type Result = ();

    fn handle(&mut self, to: To<A::Key, M>, ctx: &mut Context<Self>) {
        self.actor(to.key, ctx).do_send(to.msg);
    }
}

/// `msg` for the actor of `key` if it runs (nothing to start for it).
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub(crate) struct ToRunning<K, M> {
    pub key: K,
    pub msg: M,
}

impl<A, M> Handler<ToRunning<A::Key, M>> for Directory<A>
where
    A: Keyed + Handler<M>,
    M: Message<Result = ()> + Send + 'static,
    A::Context: ToEnvelope<A, M>,
{
    type Result = ();

    fn handle(&mut self, to: ToRunning<A::Key, M>, _ctx: &mut Context<Self>) {
        if let Some(addr) = self.actors.get(&to.key) {
            addr.do_send(to.msg);
        }
    }
}

/// `msg` for every running actor.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub(crate) struct ToAll<M>(pub M);

impl<A, M> Handler<ToAll<M>> for Directory<A>
where
    A: Keyed + Handler<M>,
    M: Message<Result = ()> + Clone + Send + 'static,
    A::Context: ToEnvelope<A, M>,
{
    type Result = ();

    fn handle(&mut self, to: ToAll<M>, _ctx: &mut Context<Self>) {
        for addr in self.actors.values() {
            addr.do_send(to.0.clone());
        }
    }
}

/// Asks the actor of `key` (started if needed); `None` when it stopped
/// before answering.
#[derive(Debug)]
pub(crate) struct Ask<K, M> {
    pub key: K,
    pub msg: M,
}

impl<K, M> Message for Ask<K, M>
where
    M: Message,
    M::Result: Send + 'static,
{
    type Result = Option<M::Result>;
}

impl<A, M> Handler<Ask<A::Key, M>> for Directory<A>
where
    A: Keyed + Handler<M>,
    M: Message + Send + 'static,
    M::Result: Send + 'static,
    A::Context: ToEnvelope<A, M>,
{
    type Result = ResponseFuture<Option<M::Result>>;

    fn handle(&mut self, ask: Ask<A::Key, M>, ctx: &mut Context<Self>) -> Self::Result {
        let addr = self.actor(ask.key, ctx);
        Box::pin(async move { addr.send(ask.msg).await.ok() })
    }
}

/// An actor of the directory stopped.
#[derive(Message, Debug)]
#[rtype(result = "()")]
pub(crate) struct Gone<K>(pub K);

impl<A: Keyed> Handler<Gone<A::Key>> for Directory<A> {
    type Result = ();

    fn handle(&mut self, gone: Gone<A::Key>, _ctx: &mut Context<Self>) {
        if self.actors.get(&gone.0).is_some_and(|a| !a.connected()) {
            self.actors.remove(&gone.0);
        }
    }
}

/// Someone's presence on the actor's topic changed.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub(crate) struct SetPresence(pub Viewer);

/// A session stopped looking.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "()")]
pub(crate) struct Leave(pub SubscriberId);

/// Another node's viewers of the actor's topic.
#[derive(Message, Debug, Clone)]
#[rtype(result = "()")]
pub(crate) struct RemotePresence {
    pub node: Arc<str>,
    pub viewers: Vec<ViewerInfo>,
}

/// Who looks at the actor's topic now, on every node.
#[derive(Message, Debug, Clone, Copy)]
#[rtype(result = "Vec<ViewerInfo>")]
pub(crate) struct Viewers;

/// The presence of one topic on this node: who looks, told to this node's
/// followers on every change and to the other nodes through the doorbell.
pub(crate) struct LivePresence {
    book: PresenceBook,
    topic: Topic,
    hub: HubHandle,
    cluster: Option<ClusterHandle>,
}

impl LivePresence {
    pub(crate) fn new(topic: Topic, hub: HubHandle, cluster: Option<ClusterHandle>) -> Self {
        Self { book: PresenceBook::default(), topic, hub, cluster }
    }

    /// Tells this node's followers and the other nodes who is looking.
    fn announce(&self) {
        self.hub.broadcast(self.topic, self.book.frame(&self.topic));
        if let Some(cluster) = &self.cluster {
            cluster.announce_presence(self.topic, self.book.local_viewers());
        }
    }

    /// A local viewer appears, changes or leaves; returns whether anything
    /// changed (and then it was announced).
    pub(crate) fn set(&mut self, viewer: Viewer) -> bool {
        let changed = self.book.set(viewer);
        if changed {
            self.announce();
        }
        changed
    }

    pub(crate) fn leave(&mut self, session: SubscriberId) -> bool {
        let changed = self.book.leave(session);
        if changed {
            self.announce();
        }
        changed
    }

    /// Another node's list arrived: this node's followers see it.
    pub(crate) fn remote(&mut self, node: &str, viewers: Vec<ViewerInfo>) {
        self.book.set_remote(node, viewers);
        self.hub.broadcast(self.topic, self.book.frame(&self.topic));
    }

    /// Every [`crate::presence::PRESENCE_RENEW`]: drops the other nodes'
    /// lists that were not renewed, and re-announces this node's.
    pub(crate) fn renew(&mut self) {
        if self.book.expire() {
            self.announce();
        } else if self.book.has_local()
            && let Some(cluster) = &self.cluster
        {
            cluster.announce_presence(self.topic, self.book.local_viewers());
        }
    }

    pub(crate) fn has_local(&self) -> bool {
        self.book.has_local()
    }

    pub(crate) fn viewers(&self) -> Vec<ViewerInfo> {
        self.book.viewers()
    }
}

/// The presence messages of a keyed actor whose [`LivePresence`] is
/// `self.presence`; `$changed` runs after a local change (idle bookkeeping).
macro_rules! presence_handlers {
    ($actor:ty, $changed:ident) => {
        impl Handler<$crate::directory::SetPresence> for $actor {
            type Result = ();

            fn handle(&mut self, msg: $crate::directory::SetPresence, _ctx: &mut Context<Self>) {
                if self.presence.set(msg.0) {
                    self.$changed();
                }
            }
        }

        impl Handler<$crate::directory::Leave> for $actor {
            type Result = ();

            fn handle(&mut self, msg: $crate::directory::Leave, _ctx: &mut Context<Self>) {
                if self.presence.leave(msg.0) {
                    self.$changed();
                }
            }
        }

        impl Handler<$crate::directory::RemotePresence> for $actor {
            type Result = ();

            fn handle(&mut self, msg: $crate::directory::RemotePresence, _ctx: &mut Context<Self>) {
                self.presence.remote(&msg.node, msg.viewers);
            }
        }

        impl Handler<$crate::directory::Viewers> for $actor {
            type Result = MessageResult<$crate::directory::Viewers>;

            fn handle(&mut self, _msg: $crate::directory::Viewers, _ctx: &mut Context<Self>) -> Self::Result {
                MessageResult(self.presence.viewers())
            }
        }
    };
}

pub(crate) use presence_handlers;
