//! `serve --ids any`: agents join the run as engines declare ids for the first time, each
//! on its own thread as in [`drive::run`](crate::drive::run), until the run is stopped.

use crate::drive::{self, AgentRun, Episode, Policy, Report, Stop};
use crate::live::Live;
use ai4u_appserver::{ControllerHandle, OpenServing};
use std::time::{Duration, Instant};

/// Runs `episodes` per agent (0 = until stopped) on every agent that joins, until `stop`;
/// agents join `live`, made with [`Live::open`].
pub fn run_open(
    open: &OpenServing,
    episodes: u32,
    policy: Policy,
    seed: Option<u64>,
    stop: &Stop,
    live: &Live,
    on_episode: &(dyn Fn(&Episode) + Sync),
) -> Report {
    let start = Instant::now();
    let mut handles: Vec<ControllerHandle> = Vec::new();
    let runs: Vec<AgentRun> = std::thread::scope(|s| {
        let mut workers = Vec::new();
        while !stop.is_set() {
            let Some(h) = open.next_configured(Duration::from_millis(100)) else { continue };
            println!("ai4u: agent {} joined", h.id());
            live.join(&h);
            let mine = h.clone();
            workers.push(s.spawn(move || {
                let r = match drive::check_policy(policy, &mine) {
                    Ok(()) => drive::run_agent(&mine, episodes, policy, seed, stop, Some(live), None, on_episode),
                    Err(e) => AgentRun::failed(mine.id(), e),
                };
                // Stop even after a failure, so the engine is not left waiting.
                let _ = mine.stop();
                r
            }));
            handles.push(h);
        }
        // Stop commands end the requests the agents wait on.
        for h in &handles {
            let _ = h.stop();
        }
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| AgentRun::failed("", anyhow::anyhow!("an agent thread panicked"))))
            .collect()
    });
    drive::assemble(&handles, runs, start, stop, Some(live))
}
