//! Gymnasium-style environments on top of controller handles: [`Env`] for one agent,
//! [`VecEnv`] for many stepped together, [`ParallelEnv`] for PettingZoo's Parallel API.
//!
//! All three take the same `reset(seed, options)`: a seed travels to the engine as the
//! reset field `seed` (int), `options` are extra reset fields. In a batch, agent `i` gets
//! `seed + i`, so a seeded batch starts the same way every time without repeating itself.

use crate::daemon::{DaemonMsg, Group};
use crate::error::{AppError, Result};
use crate::handle::{ControllerHandle, Info, StepResult};
use crate::responder::{Latch, Responder};
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::Field;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// One request of a batch.
enum Request {
    Reset(Vec<Field>),
    Step(Sample),
}

/// Its answer.
enum Answer {
    Reset(Sample, Info),
    Step(StepResult),
}

/// Sends `requests[i]` to `handles[i]`, all as one group (so a connection sends them in one
/// reply), and waits once for every answer (so the caller wakes once, not once per agent).
fn batch(handles: &[&ControllerHandle], requests: Vec<Request>) -> Vec<Result<Answer>> {
    let group = Arc::new(Group { members: handles.iter().map(|h| h.id().to_owned()).collect() });
    let n_resets = requests.iter().filter(|r| matches!(r, Request::Reset(_))).count();
    let resets = Latch::new(n_resets);
    let steps = Latch::new(requests.len() - n_resets);
    let (mut reset_ids, mut step_ids, mut is_reset) = (Vec::new(), Vec::new(), Vec::new());
    for (h, req) in handles.iter().zip(requests) {
        let group = Some(group.clone());
        is_reset.push(matches!(req, Request::Reset(_)));
        h.send_into(match req {
            Request::Reset(fields) => {
                reset_ids.push(h.id());
                DaemonMsg::Reset { fields, responder: Responder::batch(&resets, reset_ids.len() - 1), group }
            }
            Request::Step(action) => {
                step_ids.push(h.id());
                DaemonMsg::Step { action, responder: Responder::batch(&steps, step_ids.len() - 1), group }
            }
        });
    }
    // The daemons enforce the step timeout; the margin covers daemons that cannot answer.
    let wait = handles.iter().map(|h| h.timeout).max().unwrap_or_default() + Duration::from_secs(5);
    let mut reset_answers = resets.wait(wait, &reset_ids).into_iter();
    let mut step_answers = steps.wait(wait, &step_ids).into_iter();
    is_reset
        .into_iter()
        .map(|reset| {
            if reset {
                reset_answers.next().expect("one answer per reset").map(|(o, i)| Answer::Reset(o, i))
            } else {
                step_answers.next().expect("one answer per step").map(Answer::Step)
            }
        })
        .collect()
}

/// Gymnasium's `Env`: `reset(seed, options) -> (obs, info)`, `step(action) -> StepResult`.
pub trait Env {
    /// Starts an episode. A `seed` travels to the engine as the reset field `seed` (int),
    /// so a seeded scene starts the same way every time; `options` are extra reset fields.
    fn reset(&mut self, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<(Sample, Info)>;
    /// Takes one decision step with `action` (an element of the action space).
    fn step(&mut self, action: &Sample) -> Result<StepResult>;
    /// The space actions belong to.
    fn action_space(&self) -> &Space;
    /// The space observations belong to.
    fn observation_space(&self) -> &Space;
    /// Stops the agent in the engine, then waits (at most [`CLOSE_WAIT`]) for the engine to
    /// say goodbye, which it does once all of its agents are stopped; so a program that ends
    /// right after `close` leaves its engine exiting cleanly instead of seeing the connection
    /// drop.
    fn close(&mut self) -> Result<()>;
}

/// How long `close` waits for the engine's goodbye.
pub const CLOSE_WAIT: Duration = Duration::from_secs(5);

/// Waits, within one [`CLOSE_WAIT`] for all, until no engine serves any of `handles`.
fn wait_goodbye<'a>(handles: impl Iterator<Item = &'a ControllerHandle>) {
    let deadline = std::time::Instant::now() + CLOSE_WAIT;
    for h in handles {
        h.wait_disconnected(deadline.saturating_duration_since(std::time::Instant::now()));
    }
}

/// The reset fields for `options` plus `seed` (which wins over an option of that name).
fn reset_fields(seed: Option<u64>, options: Option<Vec<Field>>) -> Vec<Field> {
    let mut fields = options.unwrap_or_default();
    if let Some(seed) = seed {
        fields.retain(|f| f.name != "seed");
        fields.push(Field::new("seed", seed as i64));
    }
    fields
}

/// Reset requests for `n` agents: agent `i` gets `seed + i` and the same options.
fn reset_requests(n: usize, seed: Option<u64>, options: Option<Vec<Field>>) -> Vec<Request> {
    (0..n).map(|i| Request::Reset(reset_fields(seed.map(|s| s.wrapping_add(i as u64)), options.clone()))).collect()
}

impl Env for ControllerHandle {
    fn reset(&mut self, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<(Sample, Info)> {
        self.request_reset(reset_fields(seed, options))
    }

    fn step(&mut self, action: &Sample) -> Result<StepResult> {
        self.request_step(action)
    }

    fn action_space(&self) -> &Space {
        ControllerHandle::action_space(self)
    }

    fn observation_space(&self) -> &Space {
        ControllerHandle::observation_space(self)
    }

    fn close(&mut self) -> Result<()> {
        self.stop()?;
        wait_goodbye(std::iter::once(&*self));
        Ok(())
    }
}

/// One agent twice in a batch would send two requests to one daemon at once.
fn refuse_duplicates(handles: &[ControllerHandle]) -> Result<()> {
    for (i, h) in handles.iter().enumerate() {
        if handles[..i].iter().any(|o| o.id() == h.id()) {
            return Err(AppError::Usage(format!("agent `{}` appears twice", h.id())));
        }
    }
    Ok(())
}

/// The answers of a batch of resets, in order, or the first error.
fn collect_resets(answers: Vec<Result<Answer>>) -> Result<Vec<(Sample, Info)>> {
    answers
        .into_iter()
        .map(|a| match a? {
            Answer::Reset(obs, info) => Ok((obs, info)),
            Answer::Step(_) => unreachable!("only resets were sent"),
        })
        .collect()
}

/// The answers of a batch of steps (an autoreset answers as a step with reward 0 and both
/// flags false), in order. Every answer is returned, so the caller can keep the bookkeeping
/// of each agent right even when another one failed.
fn collect_steps(answers: Vec<Result<Answer>>) -> Vec<Result<StepResult>> {
    answers
        .into_iter()
        .map(|a| {
            a.map(|a| match a {
                Answer::Reset(obs, info) => StepResult { obs, reward: 0.0, terminated: false, truncated: false, info },
                Answer::Step(r) => r,
            })
        })
        .collect()
}

/// What a [`VecEnv`] step returns: one entry per sub-environment, in order.
#[derive(Debug, Clone)]
pub struct VecStep {
    /// Each sub-environment's observation (after an autoreset: the new episode's first).
    pub obs: Vec<Sample>,
    /// Each sub-environment's reward for this step (0 for an autoreset).
    pub rewards: Vec<f32>,
    /// Whether each sub-environment's episode ended by the task's rule at this step.
    pub terminated: Vec<bool>,
    /// Whether each sub-environment's episode was cut off (max steps) at this step.
    pub truncated: Vec<bool>,
    /// Each sub-environment's raw state fields.
    pub infos: Vec<Info>,
}

/// Several agents stepped together, with Gymnasium's next-step autoreset.
///
/// Each call sends every sub-environment's request before waiting, as one batch: agents
/// served by one engine connection share one tick and one reply.
///
/// **Autoreset (next step).** When sub-environment `i` ends at step `t` (terminated or
/// truncated), step `t` returns its last observation as usual. At step `t + 1` its action is
/// ignored and it is reset instead: that step returns the first observation of the new
/// episode with reward 0 and both flags false. This is Gymnasium 1.x's default
/// `AutoresetMode.NEXT_STEP`.
///
/// **Errors.** When one sub-environment fails, `step` returns the first error; the others'
/// bookkeeping still advances, and the failed one is reset at the next step.
pub struct VecEnv {
    envs: Vec<ControllerHandle>,
    needs_reset: Vec<bool>,
}

impl VecEnv {
    /// At least one handle, all with the same spaces, no agent twice.
    pub fn new(envs: Vec<ControllerHandle>) -> Result<VecEnv> {
        let Some(first) = envs.first() else {
            return Err(AppError::Usage("a VecEnv needs at least one environment".into()));
        };
        refuse_duplicates(&envs)?;
        for e in &envs[1..] {
            if e.action_space() != first.action_space() || e.observation_space() != first.observation_space() {
                return Err(AppError::Usage(format!(
                    "agent `{}` has other spaces than agent `{}`; a VecEnv needs identical spaces",
                    e.id(),
                    first.id()
                )));
            }
        }
        let n = envs.len();
        Ok(VecEnv { envs, needs_reset: vec![true; n] })
    }

    /// The number of sub-environments.
    pub fn num_envs(&self) -> usize {
        self.envs.len()
    }

    /// The action space of each sub-environment (they are identical).
    pub fn single_action_space(&self) -> &Space {
        self.envs[0].action_space()
    }

    /// The observation space of each sub-environment (they are identical).
    pub fn single_observation_space(&self) -> &Space {
        self.envs[0].observation_space()
    }

    /// The sub-environments' handles, in order.
    pub fn handles(&self) -> &[ControllerHandle] {
        &self.envs
    }

    fn refs(&self) -> Vec<&ControllerHandle> {
        self.envs.iter().collect()
    }

    /// Resets every sub-environment; with a seed, sub-environment `i` gets `seed + i`;
    /// `options` go to every one.
    pub fn reset(&mut self, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<(Vec<Sample>, Vec<Info>)> {
        let answers = batch(&self.refs(), reset_requests(self.envs.len(), seed, options));
        // Whatever happens, the next step must reset anyone whose reset did not succeed.
        for (r, a) in self.needs_reset.iter_mut().zip(&answers) {
            *r = a.is_err();
        }
        Ok(collect_resets(answers)?.into_iter().unzip())
    }

    /// Steps every sub-environment with its action (see the autoreset rule above).
    pub fn step(&mut self, actions: &[Sample]) -> Result<VecStep> {
        let n = self.envs.len();
        if actions.len() != n {
            return Err(AppError::Usage(format!("{} actions for {n} environments", actions.len())));
        }
        let requests = actions
            .iter()
            .zip(&self.needs_reset)
            .map(|(a, &reset)| if reset { Request::Reset(Vec::new()) } else { Request::Step(a.clone()) })
            .collect();
        let mut out = VecStep {
            obs: Vec::with_capacity(n),
            rewards: Vec::with_capacity(n),
            terminated: Vec::with_capacity(n),
            truncated: Vec::with_capacity(n),
            infos: Vec::with_capacity(n),
        };
        let mut first_error = None;
        for (i, result) in collect_steps(batch(&self.refs(), requests)).into_iter().enumerate() {
            match result {
                Ok(r) => {
                    self.needs_reset[i] = r.ended();
                    out.obs.push(r.obs);
                    out.rewards.push(r.reward);
                    out.terminated.push(r.terminated);
                    out.truncated.push(r.truncated);
                    out.infos.push(r.info);
                }
                Err(e) => {
                    self.needs_reset[i] = true;
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Stops every agent (all are tried; the first error is returned), then waits for the
    /// engines' goodbyes as [`Env::close`] does.
    pub fn close(&mut self) -> Result<()> {
        let stopped = stop_all(self.envs.iter());
        wait_goodbye(self.envs.iter());
        stopped
    }
}

/// Stops every handle even if one fails, and returns the first failure.
fn stop_all<'a>(handles: impl Iterator<Item = &'a ControllerHandle>) -> Result<()> {
    let mut first_error = None;
    for h in handles {
        if let Err(e) = h.stop() {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// What a [`ParallelEnv`] step returns, keyed by agent id (PettingZoo's five dicts).
#[derive(Debug, Clone, Default)]
pub struct ParallelStep {
    /// Each stepped agent's observation.
    pub observations: BTreeMap<String, Sample>,
    /// Each stepped agent's reward for this step.
    pub rewards: BTreeMap<String, f32>,
    /// Whether each stepped agent's episode ended by the task's rule.
    pub terminations: BTreeMap<String, bool>,
    /// Whether each stepped agent's episode was cut off (max steps).
    pub truncations: BTreeMap<String, bool>,
    /// Each stepped agent's raw state fields.
    pub infos: BTreeMap<String, Info>,
}

/// The observations and infos of a [`ParallelEnv::reset`], keyed by agent id.
pub type ParallelReset = (BTreeMap<String, Sample>, BTreeMap<String, Info>);

/// PettingZoo's Parallel API over several agents: every live agent acts at once.
///
/// `possible_agents` are all ids; `agents` are those whose episode is still running: an
/// agent that terminates or truncates leaves `agents` after the step that ended it, and
/// `reset` brings everyone back. An agent whose step fails leaves `agents` too (its episode
/// is in an unknown state); the others' bookkeeping is kept, and `step` returns the first
/// error.
pub struct ParallelEnv {
    handles: BTreeMap<String, ControllerHandle>,
    possible: Vec<String>,
    agents: Vec<String>,
}

impl ParallelEnv {
    /// At least one handle, no agent twice; the spaces may differ per agent.
    pub fn new(handles: Vec<ControllerHandle>) -> Result<ParallelEnv> {
        if handles.is_empty() {
            return Err(AppError::Usage("a ParallelEnv needs at least one agent".into()));
        }
        refuse_duplicates(&handles)?;
        let possible: Vec<String> = handles.iter().map(|h| h.id().to_owned()).collect();
        Ok(ParallelEnv {
            handles: handles.into_iter().map(|h| (h.id().to_owned(), h)).collect(),
            possible,
            agents: vec![],
        })
    }

    /// Every agent id, in the order the handles were given.
    pub fn possible_agents(&self) -> &[String] {
        &self.possible
    }

    /// The agents whose episode is running.
    pub fn agents(&self) -> &[String] {
        &self.agents
    }

    /// An agent's action space; `None` for an unknown id.
    pub fn action_space(&self, agent: &str) -> Option<&Space> {
        self.handles.get(agent).map(|h| h.action_space())
    }

    /// An agent's observation space; `None` for an unknown id.
    pub fn observation_space(&self, agent: &str) -> Option<&Space> {
        self.handles.get(agent).map(|h| h.observation_space())
    }

    /// Resets every agent; with a seed, the `i`-th possible agent gets `seed + i`; `options`
    /// go to every agent. The agents whose reset succeeded are live afterwards.
    pub fn reset(&mut self, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<ParallelReset> {
        let handles: Vec<&ControllerHandle> = self.possible.iter().map(|id| &self.handles[id]).collect();
        let answers = batch(&handles, reset_requests(handles.len(), seed, options));
        self.agents = self.possible.iter().zip(&answers).filter(|(_, a)| a.is_ok()).map(|(id, _)| id.clone()).collect();
        let mut obs = BTreeMap::new();
        let mut infos = BTreeMap::new();
        for (id, (o, i)) in self.possible.iter().zip(collect_resets(answers)?) {
            obs.insert(id.clone(), o);
            infos.insert(id.clone(), i);
        }
        Ok((obs, infos))
    }

    /// Steps every live agent; `actions` must hold exactly one action per live agent.
    pub fn step(&mut self, actions: &BTreeMap<String, Sample>) -> Result<ParallelStep> {
        for id in actions.keys() {
            if !self.agents.contains(id) {
                return Err(AppError::Usage(format!(
                    "agent `{id}` is not live (live agents: {})",
                    self.agents.join(", ")
                )));
            }
        }
        if let Some(missing) = self.agents.iter().find(|id| !actions.contains_key(*id)) {
            return Err(AppError::Usage(format!("no action for live agent `{missing}`")));
        }
        let live = std::mem::take(&mut self.agents);
        let handles: Vec<&ControllerHandle> = live.iter().map(|id| &self.handles[id]).collect();
        let requests = live.iter().map(|id| Request::Step(actions[id].clone())).collect();
        let mut out = ParallelStep::default();
        let mut first_error = None;
        for (id, result) in live.iter().zip(collect_steps(batch(&handles, requests))) {
            let r = match result {
                Ok(r) => r,
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            if !r.ended() {
                self.agents.push(id.clone());
            }
            out.observations.insert(id.clone(), r.obs);
            out.rewards.insert(id.clone(), r.reward);
            out.terminations.insert(id.clone(), r.terminated);
            out.truncations.insert(id.clone(), r.truncated);
            out.infos.insert(id.clone(), r.info);
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Stops every agent (all are tried; the first error is returned), then waits for the
    /// engines' goodbyes as [`Env::close`] does.
    pub fn close(&mut self) -> Result<()> {
        let stopped = stop_all(self.handles.values());
        wait_goodbye(self.handles.values());
        stopped
    }
}
