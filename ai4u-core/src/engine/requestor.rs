//! The agent lifecycle of `docs/PROTOCOL.md` §5, for any Rust program that exposes agents.
//!
//! A program implements [`Scene`] (physics and sensors, nothing about the protocol) and hands
//! it to a [`Requestor`], which decides which agents go into each tick, applies the
//! commands, repeats actions over the decision period, sums rewards and ends episodes.

use super::connection::{EngineConnection, EngineError, EngineOptions};
use crate::value::{Field, Value};
use crate::wire::{AgentInfo, AgentState, AgentStatus, Command, Mode};

/// A world with agents in it, as a [`Requestor`] drives it. Agents are addressed by index
/// into [`Scene::agents`].
pub trait Scene {
    /// The agents this scene exposes (ids, max steps, metadata), in a fixed order.
    fn agents(&self) -> Vec<AgentInfo>;
    /// Starts a new episode for one agent. `fields` are the Reset command's (e.g. `seed`).
    fn reset_agent(&mut self, agent: usize, fields: &[Field]);
    /// Applies an action to one agent for the coming physics frame.
    fn act(&mut self, agent: usize, name: &str, args: &[Value], fields: &[Field]);
    /// Advances the whole world by one fixed physics frame.
    fn step_physics(&mut self);
    /// Reward the agent earned during the last physics frame (read once per frame).
    fn frame_reward(&mut self, agent: usize) -> f32;
    /// True once the agent's episode has ended by the task's rule.
    fn is_done(&self, agent: usize) -> bool;
    /// The agent's sensor readings, appended to `out`.
    fn observe(&self, agent: usize, out: &mut Vec<Field>);
    /// Called when an agent accepts a new action (AI4U's begin-of-step event): the place for
    /// per-decision rewards, since one decision spans several physics frames.
    fn begin_decision(&mut self, _agent: usize) {}
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Running,
    Paused,
    Stopped,
}

#[derive(Debug, Clone)]
struct AgentRuntime {
    id: String,
    phase: Phase,
    max_steps: u32,
    frame_skip: u32,
    repeat_action: bool,
    steps: u32,
    reward: f32,
    /// Set after a Reset until the first state of the episode has been reported.
    new_episode: bool,
    /// Physics frames left in the current decision period; 0 = a decision is due.
    frames_left: u32,
    /// The action being applied, as (name, args, fields).
    action: Option<(String, Vec<Value>, Vec<Field>)>,
    applied_once: bool,
    done: bool,
    truncated: bool,
}

/// How a [`Requestor::run`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// The controller stopped every agent; Bye was sent.
    AllStopped,
}

/// Drives a [`Scene`] over one [`EngineConnection`].
pub struct Requestor<S: Scene> {
    conn: EngineConnection,
    scene: S,
    agents: Vec<AgentRuntime>,
    mode: Mode,
}

/// Per-agent defaults before the Welcome's config fields are applied.
#[derive(Debug, Clone, Copy)]
pub struct DecisionDefaults {
    /// Physics frames per decision (AI4U's skipFrame); at least 1.
    pub frame_skip: u32,
    /// Apply the action on every frame of the period (AI4U's repeatAction), else only the first.
    pub repeat_action: bool,
}

impl Default for DecisionDefaults {
    fn default() -> Self {
        DecisionDefaults { frame_skip: 4, repeat_action: true }
    }
}

impl<S: Scene> Requestor<S> {
    /// Connects `scene`'s agents to the controller.
    pub fn connect(opts: &EngineOptions, scene: S, defaults: DecisionDefaults) -> Result<Self, EngineError> {
        let infos = scene.agents();
        let conn = EngineConnection::connect(opts, infos.clone())?;
        let welcome = conn.welcome().clone();
        let agents = infos
            .iter()
            .map(|info| {
                let cfg = welcome.agents.iter().find(|c| c.id == info.id).map(|c| c.fields.as_slice()).unwrap_or(&[]);
                let int = |name: &str| {
                    cfg.iter().find(|f| f.name == name).and_then(|f| match f.value {
                        Value::Int(i) => u32::try_from(i).ok(),
                        _ => None,
                    })
                };
                let repeat = cfg.iter().find(|f| f.name == "repeat_action").and_then(|f| match f.value {
                    Value::Bool(b) => Some(b),
                    _ => None,
                });
                AgentRuntime {
                    id: info.id.clone(),
                    phase: Phase::Idle,
                    max_steps: int("max_steps").unwrap_or(info.max_steps),
                    frame_skip: int("frame_skip").unwrap_or(defaults.frame_skip).max(1),
                    repeat_action: repeat.unwrap_or(defaults.repeat_action),
                    steps: 0,
                    reward: 0.0,
                    new_episode: false,
                    frames_left: 0,
                    action: None,
                    applied_once: false,
                    done: false,
                    truncated: false,
                }
            })
            .collect::<Vec<_>>();
        Ok(Requestor { conn, scene, mode: welcome.mode, agents })
    }

    /// The scene being driven.
    pub fn scene(&self) -> &S {
        &self.scene
    }

    /// The scene being driven, mutably (to change the world between [`Requestor::frame`] calls).
    pub fn scene_mut(&mut self) -> &mut S {
        &mut self.scene
    }

    /// The mode the controller put in force.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Runs frames until every agent is stopped.
    pub fn run(mut self) -> Result<(RunEnd, S), EngineError> {
        loop {
            if !self.frame()? {
                self.conn.bye("all agents stopped")?;
                return Ok((RunEnd::AllStopped, self.scene));
            }
        }
    }

    /// One physics frame: a tick for the agents that are due (if any), then physics.
    /// Returns false once every agent is stopped.
    pub fn frame(&mut self) -> Result<bool, EngineError> {
        let due: Vec<usize> = (0..self.agents.len()).filter(|&i| self.is_due(i)).collect();
        if !due.is_empty() {
            let states = due.iter().map(|&i| self.state_of(i)).collect();
            let reply = self.conn.exchange(states)?;
            for &i in &due {
                self.after_report(i);
            }
            let mut commanded = vec![false; self.agents.len()];
            for ac in reply.commands {
                // Commands for agents that were not in the tick are ignored, as specified.
                if let Some(&i) = due.iter().find(|&&i| self.agents[i].id == ac.id) {
                    commanded[i] = true;
                    self.apply(i, ac.command);
                }
            }
            // An agent of the tick left out of the reply gets Wait (PROTOCOL §5), which in
            // realtime keeps its last action going rather than asking again next frame.
            for &i in &due {
                if !commanded[i] {
                    self.apply(i, Command::Wait);
                }
            }
        }
        if self.agents.iter().all(|a| a.phase == Phase::Stopped) {
            return Ok(false);
        }
        self.physics();
        Ok(true)
    }

    fn is_due(&self, i: usize) -> bool {
        let a = &self.agents[i];
        match a.phase {
            Phase::Idle | Phase::Paused => true,
            Phase::Running if a.new_episode => {
                // A fresh episode reports with the next decision of the agents already
                // running, so agents reset at different frames decide together again (a
                // controller stepping them as a batch would otherwise wait on itself). An
                // episode that ends in mid-period is no decision: the batch still waits for
                // the others' period ends, and a fresh agent reported with that end would
                // want the next batch's action before this batch is complete.
                let acting = || self.agents.iter().filter(|b| b.phase == Phase::Running && !b.new_episode);
                acting().next().is_none() || acting().any(|b| b.frames_left == 0 && !b.done)
            }
            Phase::Running => a.frames_left == 0,
            Phase::Stopped => false,
        }
    }

    fn state_of(&mut self, i: usize) -> AgentState {
        let mut fields = Vec::new();
        let a = &self.agents[i];
        let status = match a.phase {
            Phase::Idle => AgentStatus::Idle,
            Phase::Paused => AgentStatus::Paused,
            _ if a.new_episode => AgentStatus::NewEpisode,
            _ => AgentStatus::Step,
        };
        if status != AgentStatus::Idle {
            self.scene.observe(i, &mut fields);
        }
        let a = &self.agents[i];
        AgentState {
            id: a.id.clone(),
            status,
            reward: a.reward,
            done: a.done,
            truncated: a.truncated,
            steps: a.steps,
            fields,
        }
    }

    /// Bookkeeping once an agent's state has been sent.
    fn after_report(&mut self, i: usize) {
        let a = &mut self.agents[i];
        a.reward = 0.0;
        if a.phase == Phase::Running && (a.done || a.truncated) {
            a.phase = Phase::Idle;
            a.action = None;
        }
    }

    fn apply(&mut self, i: usize, cmd: Command) {
        let a = &mut self.agents[i];
        match cmd {
            Command::Act { name, args, fields } => {
                if a.phase == Phase::Running && a.frames_left == 0 {
                    a.new_episode = false;
                    a.action = Some((name, args, fields));
                    a.applied_once = false;
                    a.frames_left = a.frame_skip;
                    a.steps += 1;
                    self.scene.begin_decision(i);
                }
            }
            Command::Reset { fields } => {
                if a.phase != Phase::Stopped {
                    a.phase = Phase::Running;
                    a.steps = 0;
                    a.reward = 0.0;
                    a.done = false;
                    a.truncated = false;
                    a.new_episode = true;
                    a.frames_left = 0;
                    a.action = None;
                    self.scene.reset_agent(i, &fields);
                }
            }
            Command::Wait => {
                // Realtime: keep going with the last action for another period. Lockstep:
                // no decision yet, so the agent stays due and is reported again next tick.
                if self.mode == Mode::Realtime
                    && a.phase == Phase::Running
                    && a.frames_left == 0
                    && !a.new_episode
                    && a.action.is_some()
                {
                    a.frames_left = a.frame_skip;
                }
            }
            Command::Pause => {
                if a.phase == Phase::Running {
                    a.phase = Phase::Paused;
                }
            }
            Command::Resume => {
                if a.phase == Phase::Paused {
                    a.phase = Phase::Running;
                }
            }
            Command::Stop => {
                a.phase = Phase::Stopped;
                a.action = None;
            }
        }
    }

    fn physics(&mut self) {
        for i in 0..self.agents.len() {
            let a = &mut self.agents[i];
            if a.phase == Phase::Running && a.frames_left > 0 && (a.repeat_action || !a.applied_once) {
                match &a.action {
                    // An Act with no name drives several actuators: each field names one
                    // and carries its one argument (PROTOCOL §4, "several actuators").
                    Some((name, _, fields)) if name.is_empty() => {
                        for f in fields {
                            self.scene.act(i, &f.name, std::slice::from_ref(&f.value), &[]);
                        }
                    }
                    Some((name, args, fields)) => self.scene.act(i, name, args, fields),
                    None => {}
                }
                a.applied_once = true;
            }
        }
        self.scene.step_physics();
        for i in 0..self.agents.len() {
            let reward = self.scene.frame_reward(i);
            let done = self.scene.is_done(i);
            let a = &mut self.agents[i];
            if a.phase != Phase::Running || a.frames_left == 0 {
                continue;
            }
            a.reward += reward;
            a.frames_left -= 1;
            if done {
                a.done = true;
                a.frames_left = 0;
            }
            if a.frames_left == 0 && a.max_steps > 0 && a.steps >= a.max_steps && !a.done {
                a.truncated = true;
            }
        }
    }
}
