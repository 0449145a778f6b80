//! [`ControllerHandle`]: the user's side of one agent.

use crate::daemon::DaemonMsg;
use crate::error::{AppError, Result};
use crate::responder::Responder;
use crate::timing::{StepClock, StepTimes};
use crate::ServerGuard;
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::{Field, State};
use ai4u_core::wire::Command;
use crossbeam_channel::{bounded, Receiver, Sender};
use std::sync::Arc;
use std::time::Duration;

/// Extra information about a reset or a step: the engine's raw state fields, as AI4U's
/// `info` was.
pub type Info = State;

/// What a step returns, as Gymnasium's `step`.
#[derive(Debug, Clone)]
pub struct StepResult {
    /// The observation after the step, from the controller's `observation`.
    pub obs: Sample,
    /// Reward summed over the frames of this decision (after the controller's `reward`).
    pub reward: f32,
    /// The episode ended by the task's rule.
    pub terminated: bool,
    /// The episode was cut off (max steps) without ending by the task's rule.
    pub truncated: bool,
    /// The engine's raw state fields after the step.
    pub info: Info,
}

impl StepResult {
    /// True when the episode is over either way (terminated or truncated). Named `ended`,
    /// not `done`: on the wire `done` means terminated only.
    pub fn ended(&self) -> bool {
        self.terminated || self.truncated
    }
}

/// One agent, as [`startasdaemon`](crate::startasdaemon) returns it. Calls block until the
/// engine answers, and fail with a clear [`AppError`] within the step timeout when it
/// does not (a dead engine, a disconnect, a stall).
///
/// ```no_run
/// use ai4u_appserver::startasdaemon;
/// use ai4u_controllers::SampleSceneController;
///
/// let handles = startasdaemon(&["0"], vec![Box::new(SampleSceneController::new())]).unwrap();
/// let agent = &handles[0];
/// let (obs, _info) = agent.request_reset(vec![]).unwrap();
/// let action = agent.action_space().sample(&mut ai4u_core::spaces::rng(0));
/// let step = agent.request_step(&action).unwrap();
/// println!("reward {} terminated {}", step.reward, step.terminated);
/// # let _ = obs;
/// ```
#[derive(Clone)]
pub struct ControllerHandle {
    pub(crate) id: String,
    pub(crate) tx: Sender<DaemonMsg>,
    pub(crate) clock: Arc<StepClock>,
    pub(crate) action_space: Space,
    pub(crate) observation_space: Space,
    pub(crate) timeout: Duration,
    pub(crate) _server: Arc<ServerGuard>,
}

/// A step sent but not yet answered; see [`ControllerHandle::send_step`].
pub struct Pending<T> {
    id: String,
    rx: Receiver<Result<T>>,
    timeout: Duration,
}

impl<T> Pending<T> {
    /// Waits for the answer.
    pub fn wait(self) -> Result<T> {
        // The daemon enforces the step timeout itself; the margin only covers a daemon
        // that can no longer answer at all.
        match self.rx.recv_timeout(self.timeout + Duration::from_secs(5)) {
            Ok(r) => r,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                Err(AppError::Timeout { id: self.id, what: "the agent's daemon", waited: self.timeout })
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => Err(AppError::ServerGone),
        }
    }
}

impl ControllerHandle {
    /// The agent id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Where this agent's steps spent their time so far (controller, engine, server), for
    /// all handles of the agent together; subtract an earlier reading with
    /// [`StepTimes::since`] for an interval.
    pub fn step_times(&self) -> StepTimes {
        self.clock.read()
    }

    /// The action space, as the controller gave it when the engine first configured the agent.
    pub fn action_space(&self) -> &Space {
        &self.action_space
    }

    /// The observation space, as the controller gave it when the engine first configured the agent.
    pub fn observation_space(&self) -> &Space {
        &self.observation_space
    }

    fn send<T>(&self, make: impl FnOnce(Responder<T>) -> DaemonMsg) -> Result<Pending<T>> {
        let (tx, rx) = bounded(1);
        self.tx.send(make(Responder::channel(tx))).map_err(|_| AppError::ServerGone)?;
        Ok(Pending { id: self.id.clone(), rx, timeout: self.timeout })
    }

    /// Sends a request whose answer goes to its responder (a batch slot). If the daemon is
    /// gone the request is dropped, and with it the responder, which then answers `ServerGone`.
    pub(crate) fn send_into(&self, msg: DaemonMsg) {
        let _ = self.tx.send(msg);
    }

    /// Starts a new episode; `fields` go to the engine (e.g. `Field::new("seed", 7i64)`).
    /// Waits for an engine to connect if none is (up to the step timeout).
    pub fn request_reset(&self, fields: Vec<Field>) -> Result<(Sample, Info)> {
        self.send_reset(fields)?.wait()
    }

    /// Sends a reset without waiting for it (to reset many agents at once).
    pub fn send_reset(&self, fields: Vec<Field>) -> Result<Pending<(Sample, Info)>> {
        self.send(|responder| DaemonMsg::Reset { fields, responder, group: None })
    }

    /// Takes one decision step with `action` (an element of the action space).
    pub fn request_step(&self, action: &Sample) -> Result<StepResult> {
        self.send_step(action.clone())?.wait()
    }

    /// Sends a step without waiting for it (to step many agents at once).
    pub fn send_step(&self, action: Sample) -> Result<Pending<StepResult>> {
        self.send(|responder| DaemonMsg::Step { action, responder, group: None })
    }

    fn control(&self, command: Command) -> Result<()> {
        self.send(|responder| DaemonMsg::Control { command, responder })?.wait()
    }

    /// Pauses the agent in the engine; steps fail until [`ControllerHandle::resume`].
    pub fn pause(&self) -> Result<()> {
        self.control(Command::Pause)
    }

    /// Resumes a paused agent.
    pub fn resume(&self) -> Result<()> {
        self.control(Command::Resume)
    }

    /// Waits until no engine serves this agent any more (it said goodbye or dropped), up to
    /// `timeout`. True if it is disconnected.
    pub fn wait_disconnected(&self, timeout: Duration) -> bool {
        let (tx, rx) = bounded(1);
        let msg = DaemonMsg::WaitDisconnected { responder: tx, deadline: std::time::Instant::now() + timeout };
        if self.tx.send(msg).is_err() {
            return true;
        }
        rx.recv_timeout(timeout + Duration::from_secs(1)).unwrap_or(false)
    }

    /// Tells the engine the controller is done with this agent. An engine whose agents are
    /// all stopped says goodbye (and may quit).
    pub fn stop(&self) -> Result<()> {
        self.control(Command::Stop)
    }
}

impl std::fmt::Debug for ControllerHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerHandle").field("id", &self.id).finish_non_exhaustive()
    }
}
