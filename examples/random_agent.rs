//! A random agent through the Gymnasium-style `Env` API.
//!
//! `cargo run -p ai4u-examples --example random_agent [-- --external]`

#[path = "common/mod.rs"]
mod common;

use ai4u_appserver::Env;
use ai4u_core::spaces;

fn main() -> anyhow::Result<()> {
    let mut env = common::start(1, 42)?.remove(0);
    let mut rng = spaces::rng(7);
    println!("action space {}, observation space {}", env.action_space(), env.observation_space());
    for episode in 1..=3 {
        let (_obs, _info) = env.reset(Some(episode), None)?;
        let (mut ret, mut steps) = (0.0, 0);
        loop {
            let action = env.action_space().sample(&mut rng);
            let r = env.step(&action)?;
            ret += r.reward;
            steps += 1;
            if r.terminated || r.truncated {
                let how = if r.terminated { "terminated" } else { "truncated" };
                println!("episode {episode}: return {ret:.2} after {steps} steps ({how})");
                break;
            }
        }
    }
    env.close()?;
    Ok(())
}
