//! The agent ids a server serves, each with its daemon's inbox, the connection serving it
//! now and its step clock. A fixed set of ids is known from the start
//! ([`AppServer::serve`](crate::AppServer::serve)); with open ids
//! ([`AppServer::serve_open`](crate::AppServer::serve_open)) an id an engine declares for
//! the first time gets a daemon and a controller of its own there and then, up to a limit.
//!
//! Invariant: a slot, once made, is never removed, and its index (its position in `order`)
//! never changes; the index is what a daemon's `Ready` names.

use crate::daemon::{Daemon, DaemonMsg, Ready};
use crate::error::AppError;
use crate::timing::StepClock;
use ai4u_controllers::Controller;
use crossbeam_channel::Sender;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// One agent id's place in the server.
pub(crate) struct Slot {
    pub id: String,
    pub tx: Sender<DaemonMsg>,
    /// The connection serving the id now, if any.
    pub owner: Mutex<Option<u64>>,
    pub clock: Arc<StepClock>,
}

/// Makes the controller of an id that was not known in advance.
pub(crate) type ControllerFactory = Box<dyn Fn(&str) -> Result<Box<dyn Controller>, FactoryError> + Send + Sync>;

/// Why a controller factory could not make a controller.
pub type FactoryError = Box<dyn std::error::Error + Send + Sync>;

/// What an open registry needs to make new slots.
pub(crate) struct Open {
    pub factory: ControllerFactory,
    pub max_agents: usize,
    pub ready: Sender<Ready>,
    pub step_timeout: Duration,
}

#[derive(Default)]
struct Slots {
    by_id: HashMap<String, Arc<Slot>>,
    order: Vec<Arc<Slot>>,
}

/// The ids of one server.
pub(crate) struct Registry {
    slots: RwLock<Slots>,
    open: Option<Open>,
}

/// Starts the daemon thread of one id.
pub(crate) fn spawn_daemon(
    id: &str,
    index: usize,
    controller: Box<dyn Controller>,
    ready: Sender<Ready>,
    step_timeout: Duration,
) -> Result<Slot, AppError> {
    let (tx, rx) = crossbeam_channel::unbounded();
    let clock = Arc::new(StepClock::default());
    let daemon = Daemon {
        id: id.to_owned(),
        index,
        controller,
        rx,
        ready: Some(ready),
        timeout: step_timeout,
        clock: clock.clone(),
        blank: Default::default(),
    };
    std::thread::Builder::new()
        .name(format!("ai4u-agent-{id}"))
        .spawn(move || daemon.run())
        .map_err(|source| AppError::Spawn { what: format!("the daemon thread of agent `{id}`"), source })?;
    Ok(Slot { id: id.to_owned(), tx, owner: Mutex::new(None), clock })
}

impl Registry {
    /// A registry of these slots, in this order (their indices), open to new ids or not.
    pub fn new(slots: Vec<Slot>, open: Option<Open>) -> Registry {
        let order: Vec<Arc<Slot>> = slots.into_iter().map(Arc::new).collect();
        let by_id = order.iter().map(|s| (s.id.clone(), s.clone())).collect();
        Registry { slots: RwLock::new(Slots { by_id, order }), open }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Slots> {
        self.slots.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The slot of a known id.
    pub fn get(&self, id: &str) -> Option<Arc<Slot>> {
        self.read().by_id.get(id).cloned()
    }

    /// The slot at `index`.
    pub fn at(&self, index: usize) -> Option<Arc<Slot>> {
        self.read().order.get(index).cloned()
    }

    /// The slot of an id an engine declares: a known one, or (open registry) a new one with
    /// its own daemon. The error is the reason to give the engine.
    pub fn declare(&self, id: &str) -> Result<Arc<Slot>, String> {
        if let Some(s) = self.get(id) {
            return Ok(s);
        }
        let Some(open) = &self.open else {
            return Err(format!("unknown agent id `{id}` (this server serves {})", self.describe()));
        };
        let mut slots = self.slots.write().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slots.by_id.get(id) {
            return Ok(s.clone());
        }
        if slots.order.len() >= open.max_agents {
            return Err(format!(
                "agent id `{id}` would be agent {} of a server that takes at most {} (any ids)",
                slots.order.len() + 1,
                open.max_agents
            ));
        }
        let index = slots.order.len();
        // The factory is user code running on the network thread: a panic must not end it.
        let controller = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (open.factory)(id)))
            .map_err(|_| format!("no controller for agent id `{id}`: the controller factory panicked"))?
            .map_err(|e| format!("no controller for agent id `{id}`: {e}"))?;
        let slot = Arc::new(
            spawn_daemon(id, index, controller, open.ready.clone(), open.step_timeout).map_err(|e| e.to_string())?,
        );
        slots.by_id.insert(id.to_owned(), slot.clone());
        slots.order.push(slot.clone());
        Ok(slot)
    }

    /// For messages: the ids served, or what an open registry takes.
    pub fn describe(&self) -> String {
        let slots = self.read();
        let ids: Vec<&str> = slots.order.iter().map(|s| s.id.as_str()).collect();
        match &self.open {
            None => ids.join(", "),
            Some(o) if ids.is_empty() => format!("any ids, at most {}", o.max_agents),
            Some(o) => format!("any ids, at most {}; now {}", o.max_agents, ids.join(", ")),
        }
    }

    /// Every daemon's inbox (to shut them all down).
    pub fn inboxes(&self) -> Vec<Sender<DaemonMsg>> {
        self.read().order.iter().map(|s| s.tx.clone()).collect()
    }
}
