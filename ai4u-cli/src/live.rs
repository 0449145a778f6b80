//! Live figures of a `serve` run: per engine instance (or for all agents when no launcher
//! tells instances apart) the agent-steps, their rate, the episodes, the mean return of
//! the last 100 and where a step's time goes (controller, engine, server: the handles'
//! `step_times`), for the progress display, the `--metrics` CSV and the report.

use crate::drive::Episode;
use ai4u_appserver::{ControllerHandle, StepTimes};
use serde::Serialize;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Returns kept for the running mean.
const WINDOW: usize = 100;

struct Group {
    name: String,
    agents: AtomicUsize,
    steps: AtomicU64,
    episodes: Mutex<Episodes>,
    /// The group's agents, whose step times are read for the figures.
    handles: Mutex<Vec<ControllerHandle>>,
}

#[derive(Default)]
struct Episodes {
    completed: u64,
    interrupted: u64,
    last: VecDeque<f64>,
}

/// Counters shared by the agents' threads (cheap: one atomic add per step).
pub struct Live {
    groups: Vec<Group>,
    of_agent: HashMap<String, usize>,
    /// The one group of a server that takes any id: every agent counts there (see `open`).
    open: Option<usize>,
    start: Instant,
}

/// One group's figures at one moment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Figures {
    pub group: String,
    pub agents: usize,
    pub seconds: f64,
    pub agent_steps: u64,
    /// Average since the start of the run.
    pub agent_steps_per_second: f64,
    pub episodes: u64,
    pub interrupted: u64,
    /// Over the last 100 completed episodes (`None` before the first).
    pub mean_return_last_100: Option<f64>,
    /// Mean time of a step since the start, in ms, and its parts: the controller's
    /// callbacks, the engine (reply written to next tick read) and the server (the rest).
    pub step_ms: Option<f64>,
    pub controller_ms: Option<f64>,
    pub engine_ms: Option<f64>,
    pub server_ms: Option<f64>,
}

impl Live {
    /// `groups`: a name and the agent ids of each group; `handles` give the step times.
    pub fn new(groups: Vec<(String, Vec<String>)>, handles: &[ControllerHandle]) -> Live {
        let mut of_agent = HashMap::new();
        let groups = groups
            .into_iter()
            .enumerate()
            .map(|(g, (name, ids))| {
                let agents = ids.len();
                let handles = handles.iter().filter(|h| ids.iter().any(|id| id == h.id())).cloned().collect();
                for id in ids {
                    of_agent.insert(id, g);
                }
                Group {
                    name,
                    agents: AtomicUsize::new(agents),
                    steps: AtomicU64::new(0),
                    episodes: Mutex::new(Episodes::default()),
                    handles: Mutex::new(handles),
                }
            })
            .collect();
        Live { groups, of_agent, open: None, start: Instant::now() }
    }

    /// One group, `name`, that agents [`join`](Self::join) as they come (`serve --ids any`).
    pub fn open(name: &str) -> Live {
        Live { open: Some(0), ..Live::new(vec![(name.to_owned(), vec![])], &[]) }
    }

    /// Counts an agent that came later (each once) in the open group.
    pub fn join(&self, handle: &ControllerHandle) {
        let Some(g) = self.open.map(|g| &self.groups[g]) else { return };
        g.agents.fetch_add(1, Ordering::Relaxed);
        g.handles.lock().unwrap_or_else(|p| p.into_inner()).push(handle.clone());
    }

    fn group(&self, agent: &str) -> Option<&Group> {
        self.of_agent.get(agent).copied().or(self.open).map(|g| &self.groups[g])
    }

    /// One agent-step of `agent` was taken.
    pub fn step(&self, agent: &str) {
        if let Some(g) = self.group(agent) {
            g.steps.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// An episode ended (completed or interrupted).
    pub fn episode(&self, e: &Episode) {
        let Some(g) = self.group(&e.agent) else { return };
        let mut eps = g.episodes.lock().unwrap_or_else(|p| p.into_inner());
        if e.interrupted {
            eps.interrupted += 1;
            return;
        }
        eps.completed += 1;
        if eps.last.len() == WINDOW {
            eps.last.pop_front();
        }
        eps.last.push_back(e.ret);
    }

    /// Every group's figures now.
    pub fn figures(&self) -> Vec<Figures> {
        let seconds = self.start.elapsed().as_secs_f64();
        self.groups
            .iter()
            .map(|g| {
                let eps = g.episodes.lock().unwrap_or_else(|p| p.into_inner());
                let steps = g.steps.load(Ordering::Relaxed);
                let t = g
                    .handles
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .iter()
                    .fold(StepTimes::default(), |sum, h| sum.add(&h.step_times()));
                let ms = |d: Option<std::time::Duration>| d.map(|d| d.as_secs_f64() * 1e3);
                Figures {
                    step_ms: ms(t.mean_step()),
                    controller_ms: ms(t.mean_controller()),
                    engine_ms: ms(t.mean_engine()),
                    server_ms: ms(t.mean_server()),
                    group: g.name.clone(),
                    agents: g.agents.load(Ordering::Relaxed),
                    seconds,
                    agent_steps: steps,
                    agent_steps_per_second: steps as f64 / seconds.max(1e-9),
                    episodes: eps.completed,
                    interrupted: eps.interrupted,
                    mean_return_last_100: (!eps.last.is_empty())
                        .then(|| eps.last.iter().sum::<f64>() / eps.last.len() as f64),
                }
            })
            .collect()
    }
}

/// The `--metrics` CSV header and one row per group.
pub const CSV_HEADER: &str = "seconds,group,agents,agent_steps,agent_steps_per_second,episodes,interrupted,\
mean_return_last_100,step_ms,controller_ms,engine_ms,server_ms";

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map(|x| format!("{x:.digits$}")).unwrap_or_default()
}

/// One CSV row (no newline).
pub fn csv_row(f: &Figures) -> String {
    format!(
        "{:.3},{},{},{},{:.1},{},{},{},{},{},{},{}",
        f.seconds,
        f.group,
        f.agents,
        f.agent_steps,
        f.agent_steps_per_second,
        f.episodes,
        f.interrupted,
        opt(f.mean_return_last_100, 4),
        opt(f.step_ms, 4),
        opt(f.controller_ms, 4),
        opt(f.engine_ms, 4),
        opt(f.server_ms, 4),
    )
}

/// The progress line of a group.
pub fn line(f: &Figures) -> String {
    let ret = f.mean_return_last_100.map(|r| format!("{r:.3}")).unwrap_or_else(|| "-".into());
    let split = match (f.step_ms, f.controller_ms, f.engine_ms, f.server_ms) {
        (Some(s), Some(c), Some(e), Some(v)) => {
            format!(", step {s:.2} ms = controller {c:.2} + engine {e:.2} + server {v:.2}")
        }
        _ => String::new(),
    };
    format!(
        "{}: {} agent(s), {:.0} agent-steps/s, {} episodes ({} interrupted), mean return (last 100) {ret}{split}",
        f.group, f.agents, f.agent_steps_per_second, f.episodes, f.interrupted
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(agent: &str, ret: f64, interrupted: bool) -> Episode {
        Episode {
            agent: agent.into(),
            episode: 1,
            ret,
            steps: 3,
            terminated: !interrupted,
            truncated: false,
            interrupted,
            reason: None,
        }
    }

    #[test]
    fn groups_count_their_own_agents_and_keep_the_last_hundred_returns() {
        let live =
            Live::new(vec![("w0".into(), vec!["w0-0".into()]), ("w1".into(), vec!["w1-0".into(), "w1-1".into()])], &[]);
        for _ in 0..5 {
            live.step("w1-1");
        }
        live.step("nobody");
        for i in 0..150 {
            live.episode(&ep("w1-0", i as f64, false));
        }
        live.episode(&ep("w1-1", 1000.0, true));
        let f = live.figures();
        assert_eq!((f[0].agent_steps, f[0].episodes, f[0].mean_return_last_100), (0, 0, None));
        assert_eq!((f[1].agents, f[1].agent_steps, f[1].episodes, f[1].interrupted), (2, 5, 150, 1));
        // Returns 50..149: the interrupted one is not among them.
        assert_eq!(f[1].mean_return_last_100, Some(99.5));
        assert!(csv_row(&f[1]).contains(",w1,2,5,"), "{}", csv_row(&f[1]));
        // No handles: no step times, empty columns.
        assert!(csv_row(&f[1]).ends_with(",150,1,99.5000,,,,"), "{}", csv_row(&f[1]));
        assert_eq!(CSV_HEADER.split(',').count(), csv_row(&f[1]).split(',').count());
        assert!(line(&f[1]).contains("150 episodes (1 interrupted), mean return (last 100) 99.500"));
    }
}
