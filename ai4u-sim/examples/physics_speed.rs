//! Quick, criterion-free measure of the SampleScene's cost without sockets:
//! `cargo run --release -p ai4u-sim --example physics_speed`.
//!
//! Reports, for 1 and 64 agents: world frames per second of `step_physics` alone, of
//! `step_physics` + `observe` of every agent on every frame (worst case), and of the usual
//! pattern (observe once per decision of 4 frames).

use ai4u_core::engine::Scene;
use ai4u_sim::{SampleScene, SceneConfig};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Runs frames for about `budget` and returns world frames per second.
fn measure(agents: usize, observe_every: Option<u64>, budget: Duration) -> f64 {
    let mut scene = SampleScene::new(SceneConfig { agents, max_steps: 0, seed: 1 });
    let mut fields = Vec::with_capacity(2);
    let start = Instant::now();
    let mut frames = 0u64;
    // Countdowns rather than `frames % n`: the crate's MSRV predates `is_multiple_of`.
    let mut until_jump = 0u32;
    let mut until_observe = 0u64;
    while start.elapsed() < budget {
        for _ in 0..256 {
            let jump = if until_jump == 0 { 1.0 } else { 0.0 };
            until_jump = if until_jump == 0 { 399 } else { until_jump - 1 };
            let observe = observe_every.is_some() && until_observe == 0;
            until_observe = if until_observe == 0 { observe_every.unwrap_or(1) - 1 } else { until_observe - 1 };
            for k in 0..agents {
                // Walk a circle of ~2 m radius: moving, turning, rarely falling.
                scene.set_action(k, [0.5, 0.3, 0.0, jump]);
            }
            scene.step_physics();
            for k in 0..agents {
                black_box(scene.frame_reward(k));
                if scene.is_done(k) {
                    scene.reset_agent(k, &[]);
                }
                if observe {
                    fields.clear();
                    scene.observe(k, &mut fields);
                    black_box(&fields);
                }
            }
            frames += 1;
        }
    }
    frames as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let budget = Duration::from_millis(1500);
    for agents in [1usize, 64] {
        let physics = measure(agents, None, budget);
        let every = measure(agents, Some(1), budget);
        let decision = measure(agents, Some(4), budget);
        println!(
            "{agents:>3} agents: physics only {physics:>12.0} frames/s ({:>12.0} agent-frames/s)",
            physics * agents as f64
        );
        println!(
            "{agents:>3} agents: + observe every frame {every:>8.0} frames/s ({:>12.0} agent-frames/s)",
            every * agents as f64
        );
        println!(
            "{agents:>3} agents: + observe per decision (4 frames) {decision:>8.0} frames/s ({:>10.0} agent-frames/s)",
            decision * agents as f64
        );
    }
}
