//! Several agents in one scene through the PettingZoo-style `ParallelEnv`, driven by the
//! scripted SampleScene pilot. Agents that reach the cube leave `agents()` until the next reset.
//!
//! `cargo run -p ai4u-examples --example multi_agent [-- --external]`

#[path = "common/mod.rs"]
mod common;

use ai4u_appserver::ParallelEnv;
use ai4u_controllers::samplescene::ScriptedPilot;
use std::collections::BTreeMap;

fn main() -> anyhow::Result<()> {
    let mut env = ParallelEnv::new(common::start(4, 3)?)?;
    let pilot = ScriptedPilot;
    println!("possible agents: {:?}", env.possible_agents());
    for round in 1..=2 {
        let (mut obs, _) = env.reset(Some(round * 100), None)?;
        let mut returns: BTreeMap<String, f32> = BTreeMap::new();
        let mut steps = 0;
        while !env.agents().is_empty() {
            let actions = env.agents().iter().map(|id| (id.clone(), pilot.act(&obs[id]))).collect();
            let s = env.step(&actions)?;
            for (id, r) in &s.rewards {
                *returns.entry(id.clone()).or_default() += r;
            }
            obs = s.observations;
            steps += 1;
        }
        println!("round {round}: all agents done after {steps} parallel steps; returns {returns:?}");
    }
    env.close()?;
    Ok(())
}
