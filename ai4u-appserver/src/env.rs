//! Gymnasium-style environments on top of controller handles: [`Env`] for one agent,
//! [`VecEnv`] for many stepped together, [`ParallelEnv`] for PettingZoo's Parallel API.

use crate::daemon::{DaemonMsg, Group};
use crate::error::{AppError, Result};
use crate::handle::{ControllerHandle, Info, StepResult};
use crate::reply::{Latch, Reply};
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
                DaemonMsg::Reset { fields, reply: Reply::batch(&resets, reset_ids.len() - 1), group }
            }
            Request::Step(action) => {
                step_ids.push(h.id());
                DaemonMsg::Step { action, reply: Reply::batch(&steps, step_ids.len() - 1), group }
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
    fn step(&mut self, action: &Sample) -> Result<StepResult>;
    fn action_space(&self) -> &Space;
    fn observation_space(&self) -> &Space;
    /// Stops the agent in the engine.
    fn close(&mut self) -> Result<()>;
}

fn reset_fields(seed: Option<u64>, options: Option<Vec<Field>>) -> Vec<Field> {
    let mut fields = options.unwrap_or_default();
    if let Some(seed) = seed {
        fields.retain(|f| f.name != "seed");
        fields.push(Field::new("seed", seed as i64));
    }
    fields
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
        self.stop()
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

/// What a [`VecEnv`] step returns: one entry per sub-environment, in order.
#[derive(Debug, Clone)]
pub struct VecStep {
    pub obs: Vec<Sample>,
    pub rewards: Vec<f32>,
    pub terminated: Vec<bool>,
    pub truncated: Vec<bool>,
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
pub struct VecEnv {
    envs: Vec<ControllerHandle>,
    needs_reset: Vec<bool>,
}

impl VecEnv {
    /// At least one handle, all with the same spaces.
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

    pub fn num_envs(&self) -> usize {
        self.envs.len()
    }

    pub fn single_action_space(&self) -> &Space {
        self.envs[0].action_space()
    }

    pub fn single_observation_space(&self) -> &Space {
        self.envs[0].observation_space()
    }

    fn handles(&self) -> Vec<&ControllerHandle> {
        self.envs.iter().collect()
    }

    /// Resets every sub-environment; with a seed, sub-environment `i` gets `seed + i`.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(Vec<Sample>, Vec<Info>)> {
        let requests =
            (0..self.envs.len()).map(|i| Request::Reset(reset_fields(seed.map(|s| s + i as u64), None))).collect();
        let mut obs = Vec::with_capacity(self.envs.len());
        let mut infos = Vec::with_capacity(self.envs.len());
        for answer in batch(&self.handles(), requests) {
            match answer? {
                Answer::Reset(o, i) => {
                    obs.push(o);
                    infos.push(i);
                }
                Answer::Step(_) => unreachable!("only resets were sent"),
            }
        }
        self.needs_reset.iter_mut().for_each(|r| *r = false);
        Ok((obs, infos))
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
        for (i, answer) in batch(&self.handles(), requests).into_iter().enumerate() {
            let (obs, reward, terminated, truncated, info) = match answer {
                Ok(Answer::Reset(obs, info)) => (obs, 0.0, false, false, info),
                Ok(Answer::Step(r)) => (r.obs, r.reward, r.terminated, r.truncated, r.info),
                Err(e) => {
                    // Keep every other sub-environment's bookkeeping right; a failed one
                    // starts over with a reset.
                    self.needs_reset[i] = true;
                    first_error.get_or_insert(e);
                    continue;
                }
            };
            self.needs_reset[i] = terminated || truncated;
            out.obs.push(obs);
            out.rewards.push(reward);
            out.terminated.push(terminated);
            out.truncated.push(truncated);
            out.infos.push(info);
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(out),
        }
    }

    /// Stops every agent.
    pub fn close(&mut self) -> Result<()> {
        self.envs.iter().try_for_each(|e| e.stop())
    }
}

/// What a [`ParallelEnv`] step returns, keyed by agent id (PettingZoo's five dicts).
#[derive(Debug, Clone, Default)]
pub struct ParallelStep {
    pub observations: BTreeMap<String, Sample>,
    pub rewards: BTreeMap<String, f32>,
    pub terminations: BTreeMap<String, bool>,
    pub truncations: BTreeMap<String, bool>,
    pub infos: BTreeMap<String, Info>,
}

/// PettingZoo's Parallel API over several agents: every live agent acts at once.
///
/// `possible_agents` are all ids; `agents` are those whose episode is still running: an
/// agent that terminates or truncates leaves `agents` after the step that ended it, and
/// `reset` brings everyone back.
pub struct ParallelEnv {
    handles: BTreeMap<String, ControllerHandle>,
    possible: Vec<String>,
    agents: Vec<String>,
}

impl ParallelEnv {
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

    pub fn possible_agents(&self) -> &[String] {
        &self.possible
    }

    pub fn agents(&self) -> &[String] {
        &self.agents
    }

    pub fn action_space(&self, agent: &str) -> Option<&Space> {
        self.handles.get(agent).map(|h| h.action_space())
    }

    pub fn observation_space(&self, agent: &str) -> Option<&Space> {
        self.handles.get(agent).map(|h| h.observation_space())
    }

    /// Resets every agent; with a seed, the `i`-th possible agent gets `seed + i`.
    pub fn reset(&mut self, seed: Option<u64>) -> Result<(BTreeMap<String, Sample>, BTreeMap<String, Info>)> {
        let handles: Vec<&ControllerHandle> = self.possible.iter().map(|id| &self.handles[id]).collect();
        let requests =
            (0..handles.len()).map(|i| Request::Reset(reset_fields(seed.map(|s| s + i as u64), None))).collect();
        let mut obs = BTreeMap::new();
        let mut infos = BTreeMap::new();
        for (id, answer) in self.possible.iter().zip(batch(&handles, requests)) {
            if let Answer::Reset(o, i) = answer? {
                obs.insert(id.clone(), o);
                infos.insert(id.clone(), i);
            }
        }
        self.agents = self.possible.clone();
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
        let live = self.agents.clone();
        let handles: Vec<&ControllerHandle> = live.iter().map(|id| &self.handles[id]).collect();
        let requests = live.iter().map(|id| Request::Step(actions[id].clone())).collect();
        let mut out = ParallelStep::default();
        for (id, answer) in live.iter().zip(batch(&handles, requests)) {
            let Answer::Step(r) = answer? else { unreachable!("only steps were sent") };
            if r.done() {
                self.agents.retain(|a| a != id);
            }
            out.observations.insert(id.clone(), r.obs);
            out.rewards.insert(id.clone(), r.reward);
            out.terminations.insert(id.clone(), r.terminated);
            out.truncations.insert(id.clone(), r.truncated);
            out.infos.insert(id.clone(), r.info);
        }
        Ok(out)
    }

    /// Stops every agent.
    pub fn close(&mut self) -> Result<()> {
        self.handles.values().try_for_each(|h| h.stop())
    }
}
