//! Runs episodes on every handle at once (one thread per agent, since in lockstep a tick
//! shared by several agents is answered only when all of them have acted) and gathers
//! per-episode statistics.

use ai4u_appserver::ControllerHandle;
use ai4u_controllers::samplescene::ScriptedPilot;
use ai4u_controllers::Controller;
use ai4u_core::spaces::{self, Sample, Space};
use ai4u_core::value::Field;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::time::{Duration, Instant};

/// How actions are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Policy {
    /// The SampleScene pilot: turn to the cube, walk, avoid the edge.
    Scripted,
    /// Uniform samples of the action space.
    Random,
    /// The zero action (clamped into the space): episodes end by max steps.
    Noop,
}

#[derive(Debug, Clone, Serialize)]
pub struct Episode {
    pub agent: String,
    pub episode: u32,
    #[serde(rename = "return")]
    pub ret: f64,
    pub steps: u32,
    pub terminated: bool,
    pub truncated: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub episodes: Vec<Episode>,
    pub observations_checked: u64,
    pub seconds: f64,
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

/// One agent's episodes; `on_episode` is called as each one ends.
fn run_agent(
    handle: &ControllerHandle,
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> Result<(Vec<Episode>, u64)> {
    let mut rng = spaces::rng(episode_seed(seed.unwrap_or(0), handle.id(), 0) as u64);
    let pilot = ScriptedPilot;
    let mut out = Vec::new();
    let mut checked = 0u64;
    let mut e = 0u32;
    while episodes == 0 || e < episodes {
        e += 1;
        let fields = match seed {
            Some(s) => vec![Field::new("seed", episode_seed(s, handle.id(), e))],
            None => vec![],
        };
        let (mut obs, _) =
            handle.request_reset(fields).with_context(|| format!("resetting agent `{}`", handle.id()))?;
        check(handle, &obs)?;
        checked += 1;
        let mut ret = 0.0f64;
        let mut steps = 0u32;
        loop {
            let action = match policy {
                Policy::Scripted => pilot.act(&obs),
                Policy::Random => handle.action_space().sample(&mut rng),
                Policy::Noop => noop_action(handle.action_space(), &mut rng),
            };
            let r = handle.request_step(&action).with_context(|| format!("stepping agent `{}`", handle.id()))?;
            check(handle, &r.obs)?;
            checked += 1;
            ret += r.reward as f64;
            steps += 1;
            let done = r.ended();
            obs = r.obs;
            if done {
                let ep = Episode {
                    agent: handle.id().to_owned(),
                    episode: e,
                    ret,
                    steps,
                    terminated: r.terminated,
                    truncated: r.truncated,
                };
                on_episode(&ep);
                out.push(ep);
                break;
            }
        }
    }
    Ok((out, checked))
}

/// Runs `episodes` per agent (0 = forever), then stops every agent and waits for the
/// engines to say goodbye.
pub fn run(
    handles: &[ControllerHandle],
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> Result<Report> {
    if policy == Policy::Scripted {
        let sample = ai4u_controllers::SampleSceneController::new();
        if let Some(h) = handles.iter().find(|h| h.observation_space() != sample.observation_space()) {
            bail!("the scripted policy drives SampleScene agents; agent `{}` has another observation space", h.id());
        }
    }
    let start = Instant::now();
    let results: Vec<Result<(Vec<Episode>, u64)>> = std::thread::scope(|s| {
        let workers: Vec<_> = handles
            .iter()
            .map(|h| {
                s.spawn(move || {
                    let r = run_agent(h, episodes, policy, seed, on_episode);
                    // Stop even after a failure, so the engine is not left waiting.
                    let _ = h.stop();
                    r
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err(anyhow::anyhow!("an agent thread panicked"))))
            .collect()
    });
    let seconds = start.elapsed().as_secs_f64();
    let mut report = Report { episodes: Vec::new(), observations_checked: 0, seconds };
    for r in results {
        let (eps, checked) = r?;
        report.episodes.extend(eps);
        report.observations_checked += checked;
    }
    for h in handles {
        if !h.wait_disconnected(Duration::from_secs(10)) {
            eprintln!("ai4u: the engine of agent `{}` did not say goodbye within 10 s", h.id());
        }
    }
    Ok(report)
}

/// The summary table printed at the end of `serve` and `demo`.
pub fn summary(report: &Report) -> String {
    let n = report.episodes.len().max(1) as f64;
    let steps: u64 = report.episodes.iter().map(|e| e.steps as u64).sum();
    let mean_return = report.episodes.iter().map(|e| e.ret).sum::<f64>() / n;
    let successes = report.episodes.iter().filter(|e| e.terminated && e.ret > 0.0).count();
    let truncated = report.episodes.iter().filter(|e| e.truncated).count();
    let rows = [
        ("episodes", report.episodes.len().to_string()),
        ("mean return", format!("{mean_return:.3}")),
        ("success rate", format!("{:.1} %", 100.0 * successes as f64 / n)),
        ("truncated", truncated.to_string()),
        ("mean episode length", format!("{:.1} steps", steps as f64 / n)),
        ("steps per second", format!("{:.0}", steps as f64 / report.seconds.max(1e-9))),
        ("observations checked", report.observations_checked.to_string()),
    ];
    let mut s = String::from("+----------------------+----------------+\n");
    for (k, v) in rows {
        s.push_str(&format!("| {k:<20} | {v:>14} |\n"));
    }
    s.push_str("+----------------------+----------------+\n");
    s
}
