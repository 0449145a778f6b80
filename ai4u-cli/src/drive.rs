//! Runs episodes on every handle at once (one thread per agent, since in lockstep a tick
//! shared by several agents is answered only when all of them have acted) and gathers
//! per-episode statistics.
//!
//! Engines may come and go: an episode cut short by a disconnect or a stalled engine is
//! recorded as *interrupted* (neither success nor failure, not counted towards the episode
//! target), and the agent waits for an engine to serve it again. A controller error ends
//! only its agent. A [`Stop`] (Ctrl-C, SIGTERM) ends every agent's run, keeping what was done.

use crate::live::Live;
use ai4u_appserver::{AppError, ControllerHandle, Info, StepResult};
use ai4u_controllers::fs_track::PurePursuit;
use ai4u_controllers::samplescene::ScriptedPilot;
use ai4u_controllers::Controller;
use ai4u_core::spaces::{self, Sample, Space};
use ai4u_core::value::Field;
use anyhow::{bail, Result};
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Set once to end every agent's run (by the Ctrl-C / SIGTERM handler); cheap to poll.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<AtomicBool>);

impl Stop {
    /// Asks every run to end.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether a stop was asked.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// Sees every reset and step of a run, on the agent's thread (`ai4u record` records them).
/// An error ends the agent's run as a controller error would.
pub trait Tap: Sync {
    /// An episode started with this observation.
    fn reset(&self, handle: &ControllerHandle, obs: &Sample, info: &Info) -> Result<()>;
    /// `action` was taken and `result` came back.
    fn step(&self, handle: &ControllerHandle, action: &Sample, result: &StepResult) -> Result<()>;
    /// The running episode was cut short (the engine went away, a stop).
    fn interrupted(&self, handle: &ControllerHandle);
}

/// How actions are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Policy {
    /// The scene's scripted driver: for SampleScene, turn to the cube, walk, avoid the edge;
    /// for fs-track (an observation with `path`), pure pursuit on the centre line.
    Scripted,
    /// Uniform samples of the action space.
    Random,
    /// The zero action (clamped into the space): episodes end by max steps.
    Noop,
}

/// One episode of one agent, as the report lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Episode {
    pub agent: String,
    /// Counts every episode the agent started, interrupted ones included.
    pub episode: u32,
    #[serde(rename = "return")]
    pub ret: f64,
    pub steps: u32,
    pub terminated: bool,
    pub truncated: bool,
    /// Cut short by the engine going away (or by a stop): neither success nor failure.
    pub interrupted: bool,
    /// Why it was interrupted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// How many of each agent's episodes a [`Report`] lists (the most recent ones): a run of
/// `serve --episodes 0` may go on for millions of episodes, and one record is about 140 B.
/// [`Report::totals`] counts every episode.
pub const EPISODES_LISTED: usize = 1000;

/// Every episode of one agent, summed (whether or not [`Report::episodes`] still lists it).
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentTotals {
    pub agent: String,
    /// Episodes that ended (terminated or truncated); interrupted ones are apart.
    pub episodes: u64,
    pub interrupted: u64,
    /// Steps of every episode, interrupted ones included.
    pub steps: u64,
    /// Steps of the episodes that ended.
    pub ended_steps: u64,
    /// Sum of the returns of the episodes that ended.
    pub return_sum: f64,
    /// Ended episodes that were terminated with a positive return.
    pub successes: u64,
    pub truncated: u64,
}

impl AgentTotals {
    fn add(&mut self, e: &Episode) {
        self.steps += e.steps as u64;
        if e.interrupted {
            self.interrupted += 1;
            return;
        }
        self.episodes += 1;
        self.ended_steps += e.steps as u64;
        self.return_sum += e.ret;
        self.successes += (e.terminated && e.ret > 0.0) as u64;
        self.truncated += e.truncated as u64;
    }

    fn merge(&mut self, o: &AgentTotals) {
        self.episodes += o.episodes;
        self.interrupted += o.interrupted;
        self.steps += o.steps;
        self.ended_steps += o.ended_steps;
        self.return_sum += o.return_sum;
        self.successes += o.successes;
        self.truncated += o.truncated;
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The last [`EPISODES_LISTED`] episodes of each agent, in agent order.
    pub episodes: Vec<Episode>,
    /// Older episodes no longer listed (their figures are in `totals`).
    pub episodes_omitted: u64,
    /// Per agent, every episode of the run.
    pub totals: Vec<AgentTotals>,
    pub observations_checked: u64,
    pub seconds: f64,
    /// The run was ended by Ctrl-C or SIGTERM.
    pub stopped: bool,
    /// Agents whose run ended with an error, with the error.
    pub failed_agents: Vec<AgentFailure>,
    /// The live figures per engine instance at the end (serve only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub figures: Vec<crate::live::Figures>,
}

/// An agent whose run ended early because of an error of its own.
#[derive(Debug, Clone, Serialize)]
pub struct AgentFailure {
    pub agent: String,
    pub error: String,
}

/// Errors after which an agent waits for an engine and starts a new episode: the engine
/// went away, stalled, or ended the episode on its own.
fn engine_went_away(e: &AppError) -> bool {
    matches!(e, AppError::Disconnected { .. } | AppError::Timeout { .. } | AppError::NoEpisode { .. })
}

/// The zero action, clamped into the space (Box), or a sample where zero means nothing.
fn noop_action(space: &Space, rng: &mut spaces::SpaceRng) -> Sample {
    match space {
        Space::Box(b) => {
            let zeros = ndarray::Zip::from(b.low()).and(b.high()).map_collect(|&l, &h| 0f64.max(l).min(h));
            b.cast(&zeros).unwrap_or_else(|_| space.sample(rng))
        }
        _ => space.sample(rng),
    }
}

fn check(handle: &ControllerHandle, obs: &Sample) -> Result<()> {
    if !handle.observation_space().contains(obs) {
        bail!(
            "agent `{}` sent an observation outside its observation space {}: {:?}",
            handle.id(),
            handle.observation_space(),
            obs
        );
    }
    Ok(())
}

/// A distinct, reproducible seed per (run seed, agent, episode).
fn episode_seed(seed: u64, agent: &str, episode: u32) -> i64 {
    let agent = agent.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    (seed.wrapping_mul(1_000_003).wrapping_add(agent.wrapping_mul(10_007)).wrapping_add(episode as u64)
        & (i64::MAX as u64)) as i64
}

/// What one agent's run produced.
pub(crate) struct AgentRun {
    episodes: VecDeque<Episode>,
    omitted: u64,
    totals: AgentTotals,
    checked: u64,
    error: Option<anyhow::Error>,
}

impl AgentRun {
    /// A run that ended with `error` before it began.
    pub(crate) fn failed(agent: &str, error: anyhow::Error) -> AgentRun {
        AgentRun { error: Some(error), ..AgentRun::new(agent) }
    }

    pub(crate) fn new(agent: &str) -> AgentRun {
        AgentRun {
            episodes: VecDeque::new(),
            omitted: 0,
            totals: AgentTotals { agent: agent.to_owned(), ..AgentTotals::default() },
            checked: 0,
            error: None,
        }
    }

    /// Counts the episode and lists it, forgetting the oldest listed one past the limit.
    fn record(&mut self, ep: Episode) {
        self.totals.add(&ep);
        if self.episodes.len() == EPISODES_LISTED {
            self.episodes.pop_front();
            self.omitted += 1;
        }
        self.episodes.push_back(ep);
    }
}

/// One agent's episodes until `episodes` of them completed (0 = until stopped);
/// `on_episode` is called as each one ends, interrupted ones included.
#[allow(clippy::too_many_arguments)]
pub(crate) fn run_agent(
    handle: &ControllerHandle,
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    stop: &Stop,
    live: Option<&Live>,
    tap: Option<&dyn Tap>,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> AgentRun {
    let mut rng = spaces::rng(episode_seed(seed.unwrap_or(0), handle.id(), 0) as u64);
    let mut run = AgentRun::new(handle.id());
    let mut completed = 0u32;
    let mut started = 0u32;
    // Set while the agent waits for an engine, so the wait is announced once.
    let mut waiting_since: Option<Instant> = None;
    while !stop.is_set() && (episodes == 0 || completed < episodes) {
        let fields = match seed {
            Some(s) => vec![Field::new("seed", episode_seed(s, handle.id(), started + 1))],
            None => vec![],
        };
        let mut obs = match handle.request_reset(fields) {
            Ok((obs, info)) => match tap.map_or(Ok(()), |t| t.reset(handle, &obs, &info)) {
                Ok(()) => obs,
                Err(e) => {
                    run.error = Some(e.context(format!("recording agent `{}`", handle.id())));
                    break;
                }
            },
            Err(_) if stop.is_set() => break,
            Err(e) if engine_went_away(&e) => {
                if waiting_since.is_none() {
                    println!("ai4u: agent {} waits for an engine ({e})", handle.id());
                    waiting_since = Some(Instant::now());
                }
                continue;
            }
            Err(e) => {
                run.error = Some(anyhow::Error::new(e).context(format!("resetting agent `{}`", handle.id())));
                break;
            }
        };
        if let Some(since) = waiting_since.take() {
            println!("ai4u: agent {} is served again after {:.1} s", handle.id(), since.elapsed().as_secs_f64());
        }
        started += 1;
        let mut ep = Episode {
            agent: handle.id().to_owned(),
            episode: started,
            ret: 0.0,
            steps: 0,
            terminated: false,
            truncated: false,
            interrupted: false,
            reason: None,
        };
        if let Err(e) = check(handle, &obs) {
            run.error = Some(e);
            break;
        }
        run.checked += 1;
        let ended = loop {
            let action = match policy {
                Policy::Scripted if obs.get("path").is_some() => PurePursuit::default().act(&obs),
                Policy::Scripted => ScriptedPilot.act(&obs),
                Policy::Random => handle.action_space().sample(&mut rng),
                Policy::Noop => noop_action(handle.action_space(), &mut rng),
            };
            let r = match handle.request_step(&action) {
                Ok(r) => r,
                Err(e) if stop.is_set() || engine_went_away(&e) => {
                    ep.interrupted = true;
                    ep.reason = Some(if stop.is_set() { "stopped".to_owned() } else { e.to_string() });
                    break true;
                }
                Err(e) => {
                    run.error = Some(anyhow::Error::new(e).context(format!("stepping agent `{}`", handle.id())));
                    break false;
                }
            };
            if let Err(e) = check(handle, &r.obs) {
                run.error = Some(e);
                break false;
            }
            if let Some(Err(e)) = tap.map(|t| t.step(handle, &action, &r)) {
                run.error = Some(e.context(format!("recording agent `{}`", handle.id())));
                break false;
            }
            run.checked += 1;
            ep.ret += r.reward as f64;
            ep.steps += 1;
            if let Some(live) = live {
                live.step(handle.id());
            }
            let ended = r.ended();
            obs = r.obs;
            if ended {
                ep.terminated = r.terminated;
                ep.truncated = r.truncated;
                completed += 1;
                break true;
            }
        };
        if let Some(t) = tap.filter(|_| !ended || ep.interrupted) {
            t.interrupted(handle);
        }
        if !ended {
            break;
        }
        // The engine went away: say so now, not when the reset that waits for it gives up.
        let went_away = (ep.interrupted && !stop.is_set()).then(|| ep.reason.clone().unwrap_or_default());
        if let Some(live) = live {
            live.episode(&ep);
        }
        on_episode(&ep);
        run.record(ep);
        if let (Some(reason), None) = (went_away, waiting_since) {
            println!("ai4u: agent {} waits for an engine ({reason})", handle.id());
            waiting_since = Some(Instant::now());
        }
    }
    run
}

/// Runs `episodes` per agent (0 = until `stop`), then stops every agent and waits (briefly)
/// for the engines to say goodbye. An agent's own error ends only its run; it is listed in
/// the report's `failed_agents`.
pub fn run(
    handles: &[ControllerHandle],
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    stop: &Stop,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> Result<Report> {
    run_live(handles, episodes, policy, seed, stop, None, on_episode)
}

/// [`run`], counting every step and episode into `live` as it happens.
pub fn run_live(
    handles: &[ControllerHandle],
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    stop: &Stop,
    live: Option<&Live>,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> Result<Report> {
    run_tapped(handles, episodes, policy, seed, stop, live, None, on_episode)
}

/// [`run_live`], showing every reset and step to `tap`.
#[allow(clippy::too_many_arguments)]
pub fn run_tapped(
    handles: &[ControllerHandle],
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    stop: &Stop,
    live: Option<&Live>,
    tap: Option<&dyn Tap>,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> Result<Report> {
    handles.iter().try_for_each(|h| check_policy(policy, h))?;
    let start = Instant::now();
    let finished = AtomicBool::new(false);
    let runs: Vec<AgentRun> = std::thread::scope(|s| {
        // Turns a stop into Stop commands: they end the requests the agents wait on.
        s.spawn(|| {
            while !finished.load(Ordering::SeqCst) {
                if stop.is_set() {
                    handles.iter().for_each(|h| {
                        let _ = h.stop();
                    });
                    return;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let workers: Vec<_> = handles
            .iter()
            .map(|h| {
                s.spawn(move || {
                    let r = run_agent(h, episodes, policy, seed, stop, live, tap, on_episode);
                    // Stop even after a failure, so the engine is not left waiting.
                    let _ = h.stop();
                    r
                })
            })
            .collect();
        let runs = workers
            .into_iter()
            .map(|w| {
                w.join().unwrap_or_else(|_| AgentRun {
                    error: Some(anyhow::anyhow!("an agent thread panicked")),
                    ..AgentRun::new("")
                })
            })
            .collect();
        finished.store(true, Ordering::SeqCst);
        runs
    });
    Ok(assemble(handles, runs, start, stop, live))
}

/// Refuses the scripted policy for an agent it cannot drive.
pub(crate) fn check_policy(policy: Policy, h: &ControllerHandle) -> Result<()> {
    if policy == Policy::Scripted {
        let sample = ai4u_controllers::SampleSceneController::new();
        // fs-track cars are recognised by their `path` field, whatever cameras they carry.
        let drivable = h.observation_space() == sample.observation_space()
            || matches!(h.observation_space(), Space::Dict(d) if d.get("path").is_some());
        if !drivable {
            bail!(
                "the scripted policy drives SampleScene and fs-track agents; agent `{}` has another observation space",
                h.id()
            );
        }
    }
    Ok(())
}

/// The report of the agents' runs (in the order of `handles`), once their engines said
/// goodbye (or 10 s passed).
pub(crate) fn assemble(
    handles: &[ControllerHandle],
    runs: Vec<AgentRun>,
    start: Instant,
    stop: &Stop,
    live: Option<&Live>,
) -> Report {
    let seconds = start.elapsed().as_secs_f64();
    let mut report = Report {
        episodes: Vec::new(),
        episodes_omitted: 0,
        totals: Vec::new(),
        observations_checked: 0,
        seconds,
        stopped: stop.is_set(),
        failed_agents: Vec::new(),
        figures: live.map(Live::figures).unwrap_or_default(),
    };
    for (h, r) in handles.iter().zip(runs) {
        report.episodes.extend(r.episodes);
        report.episodes_omitted += r.omitted;
        report.totals.push(AgentTotals { agent: h.id().to_owned(), ..r.totals });
        report.observations_checked += r.checked;
        if let Some(e) = r.error {
            report.failed_agents.push(AgentFailure { agent: h.id().to_owned(), error: format!("{e:#}") });
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    for h in handles {
        if !h.wait_disconnected(deadline.saturating_duration_since(Instant::now())) {
            eprintln!("ai4u: the engine of agent `{}` did not say goodbye within 10 s", h.id());
        }
    }
    report
}

/// The summary table printed at the end of `serve` and `demo`.
/// Interrupted episodes are counted apart: they are neither successes nor failures.
pub fn summary(report: &Report) -> String {
    let mut t = AgentTotals::default();
    report.totals.iter().for_each(|a| t.merge(a));
    let n = t.episodes.max(1) as f64;
    let rows = [
        ("episodes", t.episodes.to_string()),
        ("interrupted", t.interrupted.to_string()),
        ("mean return", format!("{:.3}", t.return_sum / n)),
        ("success rate", format!("{:.1} %", 100.0 * t.successes as f64 / n)),
        ("truncated", t.truncated.to_string()),
        ("mean episode length", format!("{:.1} steps", t.ended_steps as f64 / n)),
        ("steps per second", format!("{:.0}", t.steps as f64 / report.seconds.max(1e-9))),
        ("observations checked", report.observations_checked.to_string()),
    ];
    let mut s = String::from("+----------------------+----------------+\n");
    for (k, v) in rows {
        s.push_str(&format!("| {k:<20} | {v:>14} |\n"));
    }
    s.push_str("+----------------------+----------------+\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn episode(i: u32, interrupted: bool) -> Episode {
        Episode {
            agent: "a".into(),
            episode: i,
            ret: if i % 2 == 0 { 1.0 } else { -1.0 },
            steps: 10,
            terminated: !interrupted,
            truncated: false,
            interrupted,
            reason: None,
        }
    }

    #[test]
    fn a_long_run_lists_its_last_episodes_and_counts_them_all() {
        let mut run = AgentRun::new("a");
        let n = EPISODES_LISTED as u32 * 3 + 7;
        for i in 1..=n {
            run.record(episode(i, i % 100 == 0));
        }
        assert_eq!(run.episodes.len(), EPISODES_LISTED);
        assert_eq!(run.omitted, n as u64 - EPISODES_LISTED as u64);
        assert_eq!(run.episodes.back().unwrap().episode, n);
        assert_eq!(run.episodes.front().unwrap().episode, n - EPISODES_LISTED as u32 + 1);
        let interrupted = (n / 100) as u64;
        let t = &run.totals;
        assert_eq!((t.episodes, t.interrupted, t.steps), (n as u64 - interrupted, interrupted, 10 * n as u64));
        // Even episodes succeed, and every hundredth (even) one was interrupted instead.
        assert_eq!(t.successes, (n / 2) as u64 - interrupted);
        let report = Report {
            episodes: run.episodes.into(),
            episodes_omitted: run.omitted,
            totals: vec![run.totals],
            observations_checked: 0,
            seconds: 1.0,
            stopped: false,
            failed_agents: vec![],
            figures: vec![],
        };
        let s = summary(&report);
        assert!(s.contains(&format!("| episodes             | {:>14} |", n as u64 - interrupted)), "{s}");
        assert!(s.contains(&format!("| steps per second     | {:>14} |", 10 * n)), "{s}");
    }
}
