//! The first AI4U guide's client in Rust: one agent driven by action names, no spaces or
//! controller to write. It moves SampleScene's agent towards its target for three episodes.
//!
//! `cargo run -p ai4u-examples --example remote_env [-- --external]`
//!
//! With `--external` it waits on 127.0.0.1:8080 for your engine (press Play, or run
//! `ai4u-sim`); add `--legacy` to serve a scene made with the original AI4U packages.

use ai4u_appserver::{AppServer, RemoteEnv};
use ai4u_core::engine::DecisionDefaults;
use std::time::Duration;

fn main() -> anyhow::Result<()> {
    let external = std::env::args().any(|a| a == "--external");
    let legacy = std::env::args().any(|a| a == "--legacy");
    let server = AppServer::builder().port(if external { 8080 } else { 0 }).legacy_udp(legacy);
    let mut env = RemoteEnv::listen(server, "0")?;
    let addr = env.local_addr().expect("listening");
    if external {
        println!("waiting for an engine on {addr} (press Play in Unity/Godot, or run ai4u-sim)");
    } else {
        let config = ai4u_sim::SceneConfig { agents: 1, max_steps: 300, seed: 1 };
        ai4u_sim::spawn_engine(ai4u_sim::engine_options(addr.to_string()), config, DecisionDefaults::default());
    }
    let mut state = env.open(Duration::from_secs(if external { 300 } else { 30 }))?;
    println!("the engine declares actuators {:?}", env.action_names());
    for episode in 1..=3 {
        let (mut ret, mut steps) = (0.0, 0);
        loop {
            // SampleScene's `array` starts with dot(heading, direction to the target): turn
            // right until facing the target, then walk to it.
            let facing = state.get_floats("array").ok().and_then(|a| a.first().copied()).unwrap_or(0.0);
            let (walk, turn) = if facing > 0.95 { (1.0, 0.0) } else { (0.0, 0.5) };
            state = env.stepfv("move", &[walk, turn, 0.0, 0.0])?;
            ret += state.reward;
            steps += 1;
            if state.ended() {
                let how = if state.terminated { "terminated" } else { "truncated" };
                println!("episode {episode}: return {ret:.2} after {steps} steps ({how})");
                break;
            }
        }
        state = env.reset(vec![])?;
    }
    env.close()?;
    Ok(())
}
