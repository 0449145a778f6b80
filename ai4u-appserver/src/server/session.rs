//! One engine connection after its handshake: ticks in, replies out (PROTOCOL.md §5), the
//! lockstep and realtime rules of when a reply may go, batches kept whole, and the engine's
//! part of each step's time.

use super::{lost, protocol_error, wire_failure, ConnectionEnd, SHUTDOWN_REASON};
use crate::daemon::{ConnCmd, DaemonMsg, Group, Ticket};
use crate::timing::StepClock;
use ai4u_core::wire::*;
use crossbeam_channel::Sender;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::UnboundedReceiver;

/// The outstanding tick of a connection.
struct OpenTick {
    seq: u64,
    /// Agent indices in tick order, and whether each needs an action.
    agents: Vec<(usize, bool)>,
    /// Lockstep: the hold deadline when no agent needs an action.
    hold_until: Option<tokio::time::Instant>,
}

pub(super) struct Session {
    mode: Mode,
    idle_hold: Duration,
    ids: Vec<String>,
    /// Commands not yet delivered, per agent, with their tickets; one goes out per reply.
    pending: Vec<std::collections::VecDeque<(Option<Ticket>, Command)>>,
    /// Per agent, the ticket of the last reset or action delivered.
    delivered: Vec<Option<Ticket>>,
    /// Per agent, whether it is in an episode (running, or reset and about to report).
    running: Vec<bool>,
    /// Per agent, whether a Reset was delivered whose new episode it has not reported yet.
    reset_sent: Vec<bool>,
    /// Batches still missing members served here: (batch, members still expected).
    groups: Vec<(Arc<Group>, Vec<usize>)>,
    tick: Option<OpenTick>,
    next_seq: u64,
    /// Per agent, where its steps spend their time; the session adds the engine's part.
    clocks: Vec<Arc<StepClock>>,
    /// When the last reply was written: the engine's time runs from there to the next tick.
    replied_at: Option<std::time::Instant>,
}

impl Session {
    /// A session of the agents `ids` (in Hello order), in `mode`.
    pub(super) fn new(mode: Mode, idle_hold: Duration, ids: Vec<String>, clocks: Vec<Arc<StepClock>>) -> Session {
        let n = ids.len();
        Session {
            mode,
            idle_hold,
            pending: vec![std::collections::VecDeque::new(); n],
            delivered: vec![None; n],
            running: vec![false; n],
            reset_sent: vec![false; n],
            groups: Vec::new(),
            tick: None,
            ids,
            next_seq: 0,
            clocks,
            replied_at: None,
        }
    }

    /// Serves ticks until the engine leaves or the server shuts down.
    pub(super) async fn run<R, W>(
        &mut self,
        reader: &mut AsyncFrameReader<R>,
        writer: &mut AsyncFrameWriter<W>,
        cmd_rx: &mut UnboundedReceiver<ConnCmd>,
        index: &HashMap<String, usize>,
        daemons: &[Sender<DaemonMsg>],
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
    ) -> ConnectionEnd
    where
        R: AsyncRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        loop {
            let hold = self.tick.as_ref().and_then(|t| t.hold_until);
            let event = tokio::select! {
                biased;
                cmd = cmd_rx.recv() => Event::Command(cmd),
                // Read even while a tick is open: an engine that dies while the controller
                // thinks must be noticed now, not at the next command.
                msg = reader.read_message() => Event::Message(msg),
                _ = shutdown.changed() => Event::Command(None),
                _ = sleep_until(hold), if hold.is_some() => Event::HoldExpired,
            };
            match event {
                Event::Command(Some(c)) => self.on_command(c),
                // The server is shutting down (or every daemon is gone): say so, never a bare close.
                Event::Command(None) => {
                    let _ = writer.write_message(&Message::Error { reason: SHUTDOWN_REASON.into() }).await;
                    return ConnectionEnd::Shutdown;
                }
                Event::HoldExpired => {
                    if let Some(t) = &mut self.tick {
                        t.hold_until = None;
                    }
                    if let Err(e) = self.send_reply(writer, true).await {
                        return lost(e);
                    }
                    continue;
                }
                Event::Message(msg) => match msg {
                    Ok(Some(Message::Tick(t))) => {
                        let opened = match &self.tick {
                            Some(open) => Err(format!("tick {} arrived before the reply to tick {}", t.seq, open.seq)),
                            None => self.open_tick(t, index, daemons),
                        };
                        if let Err(reason) = opened {
                            return protocol_error(writer, reason).await;
                        }
                    }
                    Ok(Some(Message::Bye { reason })) => return ConnectionEnd::Goodbye(reason),
                    Ok(Some(Message::Error { reason })) => return ConnectionEnd::EngineError(reason),
                    Ok(Some(other)) => {
                        return protocol_error(writer, format!("unexpected {} from the engine", other.kind_name()))
                            .await
                    }
                    Ok(None) => return ConnectionEnd::Lost("engine closed the connection".into()),
                    Err(e) => return wire_failure(writer, e).await,
                },
            }
            if let Err(e) = self.send_reply(writer, false).await {
                return lost(e);
            }
        }
    }

    fn on_command(&mut self, c: ConnCmd) {
        if let Some(g) = &c.group {
            let at = match self.groups.iter().position(|(h, _)| Arc::ptr_eq(h, g)) {
                Some(at) => at,
                None => {
                    let expected = g.members.iter().filter_map(|m| self.ids.iter().position(|id| id == m)).collect();
                    self.groups.push((g.clone(), expected));
                    self.groups.len() - 1
                }
            };
            self.groups[at].1.retain(|&i| i != c.index);
            if self.groups[at].1.is_empty() {
                self.groups.remove(at);
            }
        }
        if let Some(cmd) = c.command {
            self.pending[c.index].push_back((c.ticket, cmd));
        }
    }

    fn open_tick(
        &mut self,
        t: Tick,
        index: &HashMap<String, usize>,
        daemons: &[Sender<DaemonMsg>],
    ) -> Result<(), String> {
        if t.seq != self.next_seq {
            return Err(format!("tick seq {} out of order (expected {})", t.seq, self.next_seq));
        }
        self.next_seq += 1;
        let engine_time = self.replied_at.take().map(|at| at.elapsed());
        let mut agents: Vec<(usize, bool)> = Vec::with_capacity(t.agents.len());
        for s in &t.agents {
            match index.get(&s.id) {
                Some(&i) if agents.iter().any(|&(j, _)| j == i) => {
                    return Err(format!("tick names agent `{}` twice", s.id))
                }
                Some(&i) => agents.push((i, s.needs_action())),
                None => return Err(format!("tick names agent `{}`, which this connection did not declare", s.id)),
            }
        }
        // After a Reset the agent's next report must open the new episode; anything else
        // would leave the user's reset waiting for a state that never comes.
        for s in &t.agents {
            let i = index[&s.id];
            if self.reset_sent[i] {
                if s.status != AgentStatus::NewEpisode {
                    return Err(format!(
                        "agent `{}` reported status {} after a Reset; its next report must be new episode (PROTOCOL.md section 5)",
                        s.id,
                        format!("{:?}", s.status).to_lowercase()
                    ));
                }
                self.reset_sent[i] = false;
            }
        }
        let any_needs = agents.iter().any(|a| a.1);
        for &(i, needs) in &agents {
            self.running[i] = needs;
        }
        for s in t.agents {
            let i = index[&s.id];
            if let (Some(d), AgentStatus::Step) = (engine_time, s.status) {
                self.clocks[i].engine(d);
            }
            // Idle states matter to nobody unless a reset is under way; the daemon sorts it out.
            let _ = daemons[i].send(DaemonMsg::State(s, self.delivered[i]));
        }
        // Hold only when nothing could happen anyway: no agent of this tick needs an action
        // and none of the connection is running (one in mid-decision would be slowed down).
        let hold_until = (self.mode == Mode::Lockstep && !any_needs && !self.running.contains(&true))
            .then(|| tokio::time::Instant::now() + self.idle_hold);
        self.tick = Some(OpenTick { seq: t.seq, agents, hold_until });
        Ok(())
    }

    /// Sends the reply to the open tick if the mode's rule allows it now (or `force`).
    async fn send_reply<W: AsyncWrite + Unpin>(
        &mut self,
        writer: &mut AsyncFrameWriter<W>,
        force: bool,
    ) -> Result<(), WireError> {
        let Some(t) = &self.tick else { return Ok(()) };
        let has = |i: usize| !self.pending[i].is_empty();
        // A batch from a VecEnv or ParallelEnv goes out whole or not at all.
        let batch_open = !self.groups.is_empty();
        // Lockstep: answer once every agent that needs an action has one; when none needs
        // one (all idle or paused), answer as soon as any command is there.
        let all_decided = t.agents.iter().all(|&(i, needs)| !needs || has(i));
        let any_needs = t.agents.iter().any(|&(_, needs)| needs);
        let any_command = t.agents.iter().any(|&(i, _)| has(i));
        // A tick nobody needs to act on is held only when nothing could happen anyway
        // (`hold_until` is set); otherwise it is answered at once.
        let nothing_to_wait_for = !any_needs && t.hold_until.is_none();
        let ready = force
            || (!batch_open
                && (self.mode == Mode::Realtime || (all_decided && (any_needs || any_command || nothing_to_wait_for))));
        if !ready {
            return Ok(());
        }
        let t = self.tick.take().expect("checked above");
        // A forced answer while a batch is incomplete must not split it: Wait for everyone,
        // the batch goes out whole with a later tick.
        let hold_back = force && batch_open;
        let commands = t
            .agents
            .iter()
            .map(|&(i, _)| {
                let next = if hold_back { None } else { self.pending[i].pop_front() };
                let command = match next {
                    Some((ticket, cmd)) => {
                        if ticket.is_some() {
                            self.delivered[i] = ticket;
                        }
                        // What the agent does next, until its next state says otherwise.
                        if matches!(cmd, Command::Reset { .. }) {
                            self.reset_sent[i] = true;
                        }
                        match cmd {
                            Command::Reset { .. } | Command::Resume => self.running[i] = true,
                            Command::Stop | Command::Pause => self.running[i] = false,
                            _ => {}
                        }
                        cmd
                    }
                    None => Command::Wait,
                };
                AgentCommand { id: self.ids[i].clone(), command }
            })
            .collect();
        writer.write_message(&Message::Reply(Reply { seq: t.seq, commands })).await?;
        self.replied_at = Some(std::time::Instant::now());
        Ok(())
    }
}

enum Event {
    Command(Option<ConnCmd>),
    Message(Result<Option<Message>, WireError>),
    HoldExpired,
}

async fn sleep_until(t: Option<tokio::time::Instant>) {
    match t {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
