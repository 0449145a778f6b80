//! One daemon thread per agent id. It owns that agent's [`Controller`], so controller code
//! never needs to be `Sync` and never runs on the network runtime. It meets two parties:
//! the engine connection task (states in, commands out) and the user's
//! [`ControllerHandle`](crate::ControllerHandle) (requests in, results out).
//!
//! Invariant: at most one user request is in flight per agent (`waiting`), and every
//! request is answered exactly once: with a result, a disconnect, a timeout or a failure.

use crate::blank::BlankFrames;
use crate::error::AppError;
use crate::handle::{Info, StepResult};
use crate::timing::StepClock;
use ai4u_controllers::{Controller, ControllerError};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::{Field, State};
use ai4u_core::wire::{AgentState, AgentStatus, Command};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use std::num::NonZeroU64;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Numbers the resets and actions a daemon sends (from 1, per daemon). The connection stamps
/// each state it forwards with the ticket of the last such command it delivered (`None`
/// before the first), so a daemon can tell the answer to its command from an earlier state
/// that was reported again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Ticket(NonZeroU64);

/// Whether a state stamped `stamp` comes after the command numbered `ticket` was delivered.
fn answers(stamp: Option<Ticket>, ticket: Ticket) -> bool {
    stamp.is_some_and(|s| s >= ticket)
}

/// A command for the engine connection.
pub(crate) struct ConnCmd {
    /// The agent's index in that connection.
    pub index: usize,
    /// Set for resets and actions, whose answer the daemon waits for.
    pub ticket: Option<Ticket>,
    /// `None` only acknowledges a group request that produced no command (it was refused).
    pub command: Option<Command>,
    pub group: Option<Arc<Group>>,
}

/// Requests a [`VecEnv`](crate::VecEnv) or [`ParallelEnv`](crate::ParallelEnv) sends
/// together. A connection holds its reply until every member it serves has answered, so
/// a batch reaches the engine in one reply however the daemon threads interleave.
#[derive(Debug)]
pub(crate) struct Group {
    pub members: Vec<String>,
}

/// Where a configured agent's commands go.
#[derive(Clone)]
pub(crate) struct ConnLink {
    pub conn_id: u64,
    pub index: usize,
    pub tx: tokio::sync::mpsc::UnboundedSender<ConnCmd>,
    /// Native engines report the reward earned since the agent's previous report, so
    /// rewards of reports that answer no step must be kept; AI4U's legacy engines repeat
    /// the last step's reward in every datagram, so theirs must not.
    pub reward_per_report: bool,
}

impl ConnLink {
    fn send(&self, ticket: Option<Ticket>, command: Option<Command>, group: Option<Arc<Group>>) -> bool {
        self.tx.send(ConnCmd { index: self.index, ticket, command, group }).is_ok()
    }
}

pub(crate) use crate::responder::Responder;

pub(crate) enum DaemonMsg {
    /// An engine declared this agent. The answer goes back before the Welcome is sent.
    Configure {
        link: ConnLink,
        max_steps: u32,
        metadata: ModelMetadata,
        done: tokio::sync::oneshot::Sender<Result<(), String>>,
    },
    /// A state, stamped with the ticket of the last reset or action delivered before it.
    State(AgentState, Option<Ticket>),
    Disconnected {
        conn_id: u64,
        reason: String,
    },
    Reset {
        fields: Vec<Field>,
        responder: Responder<(Sample, Info)>,
        group: Option<Arc<Group>>,
    },
    Step {
        action: Sample,
        responder: Responder<StepResult>,
        group: Option<Arc<Group>>,
    },
    Control {
        command: Command,
        responder: Responder<()>,
    },
    /// Answered (true) once no engine serves this agent, or (false) at the deadline.
    WaitDisconnected {
        responder: Sender<bool>,
        deadline: Instant,
    },
    Shutdown,
}

/// What the starter learns once the agent is configured for the first time.
pub(crate) struct Ready {
    pub index: usize,
    pub action_space: Space,
    pub observation_space: Space,
}

enum Waiting {
    None,
    /// A reset asked while no engine was connected: sent when one configures the agent.
    Connect {
        fields: Vec<Field>,
        responder: Responder<(Sample, Info)>,
        deadline: Instant,
        group: Option<Arc<Group>>,
    },
    Reset {
        responder: Responder<(Sample, Info)>,
        deadline: Instant,
        ticket: Ticket,
    },
    Step {
        responder: Responder<StepResult>,
        deadline: Instant,
        ticket: Ticket,
        /// When the daemon took the request (the step's time runs from there).
        started: Instant,
    },
}

pub(crate) struct Daemon {
    pub id: String,
    pub index: usize,
    pub controller: Box<dyn Controller>,
    pub rx: Receiver<DaemonMsg>,
    pub ready: Option<Sender<Ready>>,
    pub timeout: Duration,
    /// Where this agent's steps spend their time (see `timing.rs`).
    pub clock: Arc<StepClock>,
    /// Cameras sending frames of one colour (see `blank.rs`).
    pub blank: BlankFrames,
}

struct Run {
    link: Option<ConnLink>,
    /// The last state of an episode that ended while no step was waiting (realtime).
    ended: Option<AgentState>,
    /// Rewards of running-episode states that answered no step (realtime decisions the user
    /// did not ask for, states re-reported after Wait): the engine resets its sum at every
    /// report, so they go into the next step's reward, and every reward counts once.
    unclaimed_reward: f32,
    /// The number of tickets handed out.
    tickets: u64,
    disconnect_waiters: Vec<(Sender<bool>, Instant)>,
    waiting: Waiting,
    episode: bool,
    paused: bool,
    failed: Option<String>,
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned())
}

impl Daemon {
    /// Runs a controller callback, turning a panic into an error for this agent only.
    fn guarded<T>(
        &mut self,
        callback: &'static str,
        f: impl FnOnce(&mut dyn Controller) -> Result<T, ControllerError>,
    ) -> Result<T, ControllerError> {
        let ctl = &mut *self.controller;
        let started = Instant::now();
        let r = match catch_unwind(AssertUnwindSafe(|| f(ctl))) {
            Ok(r) => r,
            Err(p) => Err(ControllerError::Panicked { callback, message: panic_message(p) }),
        };
        // The callbacks of a step (its command, then its observation and reward) are the
        // controller's part of the step's time.
        if matches!(callback, "step_behavior" | "observation") {
            self.clock.controller(started.elapsed());
        }
        r
    }

    pub fn run(mut self) {
        let mut run = Run {
            link: None,
            ended: None,
            unclaimed_reward: 0.0,
            tickets: 0,
            disconnect_waiters: Vec::new(),
            waiting: Waiting::None,
            episode: false,
            paused: false,
            failed: None,
        };
        loop {
            let msg = match run.wake_at() {
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(d) => self.rx.recv_deadline(d),
            };
            match msg {
                Ok(DaemonMsg::Shutdown) | Err(RecvTimeoutError::Disconnected) => {
                    run.fail_waiting(AppError::ServerGone);
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let now = Instant::now();
                    run.disconnect_waiters.retain(|(tx, d)| {
                        let expired = *d <= now;
                        if expired {
                            let _ = tx.send(false);
                        }
                        !expired
                    });
                    if run.deadline().is_some_and(|d| d <= now) {
                        self.time_out(&mut run);
                    }
                }
                Ok(m) => self.handle(&mut run, m),
            }
        }
    }

    fn time_out(&mut self, run: &mut Run) {
        let what = match &run.waiting {
            Waiting::Connect { .. } => "an engine to connect",
            Waiting::Reset { .. } => "the first state of the episode",
            Waiting::Step { .. } => "the state after the action",
            Waiting::None => return,
        };
        run.fail_waiting(AppError::Timeout { id: self.id.clone(), what, waited: self.timeout });
    }

    fn handle(&mut self, run: &mut Run, msg: DaemonMsg) {
        match msg {
            DaemonMsg::Configure { link, max_steps, metadata, done } => {
                let id = self.id.clone();
                // The spaces are callbacks too, and may panic like any other. The handle keeps
                // its own copy (made once per connection, not per step).
                let result = self.guarded("handle_configuration", |c| {
                    c.handle_configuration(&id, max_steps, &metadata)?;
                    c.check_declaration(&metadata)?;
                    Ok((c.action_space().clone(), c.observation_space().clone()))
                });
                match result {
                    Ok((action_space, observation_space)) => {
                        let _ = done.send(Ok(()));
                        run.link = Some(link);
                        run.episode = false;
                        run.paused = false;
                        if let Some(ready) = self.ready.take() {
                            let _ = ready.send(Ready { index: self.index, action_space, observation_space });
                        }
                        if let Waiting::Connect { fields, responder, group, .. } =
                            std::mem::replace(&mut run.waiting, Waiting::None)
                        {
                            self.send_reset(run, fields, responder, group);
                        }
                    }
                    Err(e) => {
                        let _ = done.send(Err(format!("agent `{}`: {e}", self.id)));
                    }
                }
            }
            DaemonMsg::Disconnected { conn_id, reason } => {
                if run.link.as_ref().is_some_and(|l| l.conn_id == conn_id) {
                    run.link = None;
                    run.ended = None;
                    run.unclaimed_reward = 0.0;
                    for (tx, _) in run.disconnect_waiters.drain(..) {
                        let _ = tx.send(true);
                    }
                    run.episode = false;
                    if !matches!(run.waiting, Waiting::Connect { .. }) {
                        run.fail_waiting(AppError::Disconnected { id: self.id.clone(), reason });
                    }
                }
            }
            DaemonMsg::State(s, ticket) => self.on_state(run, s, ticket),
            DaemonMsg::Reset { fields, responder, group } => {
                if let Some(reason) = &run.failed {
                    responder.send(Err(AppError::Failed { id: self.id.clone(), reason: reason.clone() }));
                    run.ack(group);
                } else if run.link.is_none() {
                    run.replace_waiting(
                        &self.id,
                        Waiting::Connect { fields, responder, deadline: Instant::now() + self.timeout, group },
                    );
                } else {
                    self.send_reset(run, fields, responder, group);
                }
            }
            DaemonMsg::Step { action, responder, group } => {
                let started = Instant::now();
                let refuse = if let Some(reason) = &run.failed {
                    Some(AppError::Failed { id: self.id.clone(), reason: reason.clone() })
                } else if run.link.is_none() {
                    Some(AppError::Disconnected { id: self.id.clone(), reason: "no engine is connected".into() })
                } else if !run.episode {
                    Some(AppError::NoEpisode { id: self.id.clone() })
                } else if run.paused {
                    Some(AppError::Paused { id: self.id.clone() })
                } else {
                    None
                };
                if let Some(e) = refuse {
                    responder.send(Err(e));
                    run.ack(group);
                    return;
                }
                if let Some(last) = run.ended.take() {
                    // The episode is already over: report its end; the action is not applied.
                    self.finish_step(run, last, responder, started);
                    run.ack(group);
                    return;
                }
                match self.guarded("step_behavior", |c| c.step_behavior(&action)) {
                    Ok(cmd) => {
                        if let Some(ticket) = run.send_ticketed(cmd, group) {
                            run.replace_waiting(
                                &self.id,
                                Waiting::Step { responder, deadline: Instant::now() + self.timeout, ticket, started },
                            );
                        } else {
                            responder.send(Err(self.gone()));
                        }
                    }
                    Err(e) => {
                        self.maybe_fail(run, &e);
                        responder.send(Err(AppError::Controller { id: self.id.clone(), source: e }));
                        run.ack(group);
                    }
                }
            }
            DaemonMsg::Control { command, responder } => {
                match command {
                    Command::Pause => run.paused = true,
                    Command::Resume => run.paused = false,
                    Command::Stop => {
                        run.episode = false;
                        run.fail_waiting(AppError::Disconnected {
                            id: self.id.clone(),
                            reason: "stopped by the user".into(),
                        });
                    }
                    _ => {}
                }
                let r = if run.link.is_none() || run.send(command) { Ok(()) } else { Err(self.gone()) };
                responder.send(r);
            }
            DaemonMsg::WaitDisconnected { responder, deadline } => {
                if run.link.is_none() {
                    let _ = responder.send(true);
                } else {
                    run.disconnect_waiters.push((responder, deadline));
                }
            }
            DaemonMsg::Shutdown => unreachable!("handled by run()"),
        }
    }

    fn gone(&self) -> AppError {
        AppError::Disconnected { id: self.id.clone(), reason: "the connection task has ended".into() }
    }

    fn send_reset(
        &mut self,
        run: &mut Run,
        fields: Vec<Field>,
        responder: Responder<(Sample, Info)>,
        group: Option<Arc<Group>>,
    ) {
        run.paused = false;
        run.ended = None;
        run.unclaimed_reward = 0.0;
        if let Some(ticket) = run.send_ticketed(Command::Reset { fields }, group) {
            run.replace_waiting(
                &self.id,
                Waiting::Reset { responder, deadline: Instant::now() + self.timeout, ticket },
            );
        } else {
            responder.send(Err(self.gone()));
        }
    }

    /// A panic puts the agent out of service: its engine gets Stop, every later call fails.
    fn maybe_fail(&mut self, run: &mut Run, e: &ControllerError) {
        if matches!(e, ControllerError::Panicked { .. }) {
            run.failed = Some(e.to_string());
            run.episode = false;
            run.send(Command::Stop);
        }
    }

    fn on_state(&mut self, run: &mut Run, mut s: AgentState, stamp: Option<Ticket>) {
        match std::mem::replace(&mut run.waiting, Waiting::None) {
            Waiting::Reset { responder, ticket, .. }
                if answers(stamp, ticket) && s.status == AgentStatus::NewEpisode =>
            {
                let mut state = State::from_fields(std::mem::take(&mut s.fields));
                let blank = self.blank.check(&self.id, &state);
                let r = self.guarded("reset_behavior", |c| {
                    c.handle_new_episode(&state);
                    c.reset_behavior(&state)
                });
                state.fields.extend(blank);
                match r {
                    Ok(obs) => {
                        run.episode = true;
                        responder.send(Ok((obs, state)));
                    }
                    Err(e) => {
                        self.maybe_fail(run, &e);
                        responder.send(Err(AppError::Controller { id: self.id.clone(), source: e }));
                    }
                }
            }
            // A state answers the step when it comes after our action, or when it ends the
            // episode whatever it answers: in realtime an episode can end while our action
            // is still on its way, and then that action will never be applied.
            Waiting::Step { responder, ticket, started, .. }
                if s.status == AgentStatus::Step && (answers(stamp, ticket) || s.done || s.truncated) =>
            {
                self.finish_step(run, s, responder, started);
            }
            Waiting::Step { responder, ticket, .. } if answers(stamp, ticket) && s.status == AgentStatus::Idle => {
                // The engine ended the episode on its own (e.g. a scene reload).
                run.episode = false;
                responder.send(Err(AppError::NoEpisode { id: self.id.clone() }));
            }
            Waiting::None if run.episode && s.status == AgentStatus::Step && (s.done || s.truncated) => {
                // Realtime: the episode ended between two requests; the next step reports it.
                run.ended = Some(s);
            }
            other => {
                if run.episode
                    && s.status == AgentStatus::Step
                    && run.link.as_ref().is_some_and(|l| l.reward_per_report)
                {
                    run.unclaimed_reward += s.reward;
                }
                run.waiting = other;
            }
        }
    }

    /// Turns the state that answers a step into the user's [`StepResult`].
    fn finish_step(&mut self, run: &mut Run, mut s: AgentState, responder: Responder<StepResult>, started: Instant) {
        let mut state = State::from_fields(std::mem::take(&mut s.fields));
        let blank = self.blank.check(&self.id, &state);
        s.reward += std::mem::take(&mut run.unclaimed_reward);
        let ended = s.done || s.truncated;
        let r = self.guarded("observation", |c| {
            let obs = c.observation(&state)?;
            let reward = c.reward(s.reward, &state);
            if ended {
                c.handle_end_of_episode(&state);
            }
            Ok((obs, reward))
        });
        if ended {
            run.episode = false;
        }
        state.fields.extend(blank);
        let result = match r {
            Ok((obs, reward)) => {
                Ok(StepResult { obs, reward, terminated: s.done, truncated: s.truncated && !s.done, info: state })
            }
            Err(e) => {
                self.maybe_fail(run, &e);
                Err(AppError::Controller { id: self.id.clone(), source: e })
            }
        };
        if result.is_ok() {
            self.clock.step(started);
        }
        responder.send(result);
    }
}

impl Run {
    /// The deadline of the waiting request, if any.
    fn deadline(&self) -> Option<Instant> {
        match &self.waiting {
            Waiting::None => None,
            Waiting::Connect { deadline, .. } | Waiting::Reset { deadline, .. } | Waiting::Step { deadline, .. } => {
                Some(*deadline)
            }
        }
    }

    /// When the daemon must wake up next even if no message comes.
    fn wake_at(&self) -> Option<Instant> {
        self.disconnect_waiters.iter().map(|(_, d)| *d).chain(self.deadline()).min()
    }

    /// Sends a command that expects no particular answer.
    fn send(&self, cmd: Command) -> bool {
        self.link.as_ref().is_some_and(|l| l.send(None, Some(cmd), None))
    }

    /// Sends a reset or an action under a fresh ticket; `None` if no connection takes it.
    fn send_ticketed(&mut self, cmd: Command, group: Option<Arc<Group>>) -> Option<Ticket> {
        self.tickets += 1;
        let ticket = Ticket(NonZeroU64::new(self.tickets).expect("tickets count from 1"));
        self.link.as_ref().is_some_and(|l| l.send(Some(ticket), Some(cmd), group)).then_some(ticket)
    }

    /// Tells the connection a group request of ours was refused, so it stops waiting for it.
    fn ack(&self, group: Option<Arc<Group>>) {
        if let (Some(link), Some(g)) = (&self.link, group) {
            link.send(None, None, Some(g));
        }
    }

    fn fail_waiting(&mut self, e: AppError) {
        match std::mem::replace(&mut self.waiting, Waiting::None) {
            Waiting::None => {}
            Waiting::Connect { responder, .. } | Waiting::Reset { responder, .. } => {
                responder.send(Err(e));
            }
            Waiting::Step { responder, .. } => {
                responder.send(Err(e));
            }
        }
    }

    /// A new request replaces an older one still waiting: the older gets an error rather
    /// than silence (handles serialise requests, so this only happens across clones).
    fn replace_waiting(&mut self, id: &str, w: Waiting) {
        self.fail_waiting(AppError::Superseded { id: id.to_owned() });
        self.waiting = w;
    }
}
