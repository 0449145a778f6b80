//! Holding a legacy agent's "nothing new" answer until its daemon's command arrives.
//!
//! Why: an AI4U engine answered `__waitnewaction__` (or `__noop__` while waiting) asks again
//! at once, every frame. Measured with the shared engine emulator and both processes on one
//! core (`taskset -c 0`, `perf sched`): the engine and the network thread then ping-pong
//! (~35 us a round trip) and the scheduler keeps running that pair, while the two threads that
//! make the action (the agent's daemon, then the user's thread, then the daemon again) sat
//! runnable ~1.5 ms per hop. ~3 ms per decision and ~100 polls answered in the meantime: the
//! polls were not slow to answer, they stole the core from the decision. An answer held here
//! keeps the engine asleep in its receive, so the decision runs at once; the answer leaves the
//! moment the command is queued, or with "nothing new" after [`HOLD`], so a slow controller
//! still sees the engine poll (and the engine never waits near its receive timeout).
//!
//! Per agent: one engine socket has one request in flight, and a held answer never delays
//! another agent's datagrams on the same server socket.

use super::{reply_running, reply_waiting, Agent};
use crate::daemon::ConnCmd;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::task::Poll;
use std::time::Duration;
use tokio::time::Instant;

/// The longest an answer is held: well under the shortest receive timeout of an AI4U engine
/// (Godot 3 edition, 200 ms) and under one 60 Hz physics frame, so a controller slower
/// than this sees the engine poll at least every [`HOLD`], as AI4U's realtime loop expects.
pub(crate) const HOLD: Duration = Duration::from_millis(10);

/// What the held answer answers, to compute it again when a command arrives.
#[derive(Clone, Copy, Debug)]
pub(super) enum Asked {
    /// A wait message (the agent is stopped or paused).
    Waiting,
    /// A state (a poll is a state sent again).
    Running { done: bool },
}

struct Held {
    peer: SocketAddr,
    until: Instant,
    asked: Asked,
    /// The answer to send if nothing arrives in time.
    nothing: String,
}

/// The held answers of a server socket, by agent id.
#[derive(Default)]
pub(super) struct Holds {
    held: HashMap<String, Held>,
    /// Answers displaced by a datagram from another address, to send at once.
    displaced: Vec<(SocketAddr, String)>,
}

/// Whether `reply` is one of AI4U's "nothing new" answers (under any edition's argument list).
fn says_nothing(reply: &str) -> bool {
    matches!(reply.split(';').next(), Some("__waitnewaction__" | "__noop__"))
}

/// Computes the answer to `asked` from what the agent has pending now.
fn answer(agent: &mut Agent, asked: Asked) -> String {
    match asked {
        Asked::Waiting => reply_waiting(agent),
        Asked::Running { done } => reply_running(agent, done),
    }
}

impl Holds {
    /// Takes the answer just computed for agent `id`: returns it to send now, or keeps it
    /// when it says nothing new (then `None`: it leaves with a command or at the deadline).
    pub(super) fn offer(&mut self, id: &str, peer: SocketAddr, asked: Asked, reply: String) -> Option<String> {
        if !says_nothing(&reply) {
            return Some(reply);
        }
        let held = Held { peer, until: Instant::now() + HOLD, asked, nothing: reply };
        self.held.insert(id.to_owned(), held);
        None
    }

    /// A new datagram for agent `id` from `peer`. From the same address, the engine no longer
    /// waits for the held answer (one request in flight), which would be read as the reply to
    /// the new request: it is dropped. From another address (a restarted engine, or another
    /// sender using the id), the held one is answered now rather than left to time out.
    pub(super) fn forget(&mut self, id: &str, peer: SocketAddr) {
        if let Some(h) = self.held.remove(id) {
            if h.peer != peer {
                self.displaced.push((h.peer, h.nothing));
            }
        }
    }

    /// The answers [`forget`](Self::forget) displaced, to send now.
    pub(super) fn take_displaced(&mut self) -> Vec<(SocketAddr, String)> {
        std::mem::take(&mut self.displaced)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// When the next held answer is due.
    pub(super) fn next_deadline(&self) -> Option<Instant> {
        self.held.values().map(|h| h.until).min()
    }

    /// Waits for a command for any agent with a held answer; gives its id and the command
    /// (`None` when the agent's daemon is gone).
    pub(super) async fn command(&self, agents: &mut HashMap<String, Agent>) -> (String, Option<ConnCmd>) {
        std::future::poll_fn(|cx| {
            for (id, agent) in agents.iter_mut() {
                if self.held.contains_key(id) {
                    if let Poll::Ready(c) = agent.rx.poll_recv(cx) {
                        return Poll::Ready((id.clone(), c));
                    }
                }
            }
            Poll::Pending
        })
        .await
    }

    /// A command `c` arrived for agent `id`: the answer to send now, with its address, if the
    /// command changes what a poll would get; otherwise the answer stays held.
    pub(super) fn on_command(
        &mut self,
        id: &str,
        c: Option<ConnCmd>,
        agents: &mut HashMap<String, Agent>,
    ) -> Option<(SocketAddr, String)> {
        let agent = agents.get_mut(id);
        let (Some(agent), Some(c)) = (agent, c) else {
            // The agent or its daemon is gone: say nothing new now rather than wait.
            return self.held.remove(id).map(|h| (h.peer, h.nothing));
        };
        let cmd = c.command?;
        agent.pending.push_back((c.ticket, cmd));
        let held = self.held.get_mut(id)?;
        let reply = answer(agent, held.asked);
        if says_nothing(&reply) {
            // E.g. an action for a stopped agent, dropped: keep waiting for one that counts.
            held.nothing = reply;
            return None;
        }
        self.held.remove(id).map(|h| (h.peer, reply))
    }

    /// The held answers whose time is up, to send as they are.
    pub(super) fn expired(&mut self, now: Instant) -> Vec<(SocketAddr, String)> {
        let due: Vec<String> = self.held.iter().filter(|(_, h)| h.until <= now).map(|(id, _)| id.clone()).collect();
        due.into_iter().filter_map(|id| self.held.remove(&id)).map(|h| (h.peer, h.nothing)).collect()
    }

    /// Every held answer, at shutdown: the engines get an answer rather than a timeout.
    pub(super) fn drain(&mut self) -> Vec<(SocketAddr, String)> {
        self.held.drain().map(|(_, h)| (h.peer, h.nothing)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::says_nothing;

    #[test]
    fn only_the_nothing_new_answers_are_held() {
        assert!(says_nothing("__waitnewaction__;0;"));
        assert!(says_nothing("__waitnewaction__;1;0"));
        assert!(says_nothing("__noop__;1;0"));
        assert!(!says_nothing("move;2;0.5;-0.5"));
        assert!(!says_nothing("__restart__;0;@seed;1;7"));
        assert!(!says_nothing("__stop__;0;"));
        assert!(!says_nothing("max_steps;1;0@id;1;0"));
    }
}
