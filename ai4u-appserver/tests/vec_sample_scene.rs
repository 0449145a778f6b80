//! A `VecEnv` of four SampleScene agents on one headless engine, stepped with random
//! actions (forward jumps included) through many episode ends.
//!
//! Regression: a fresh episode used to report with another agent's mid-period episode end;
//! with a third agent still in its period, the batch then waited on itself (the step timed
//! out after about a thousand steps). PROTOCOL.md §5, "Which agents a tick carries".

use ai4u_appserver::{AppServer, VecEnv};
use ai4u_controllers::{Controller, SampleSceneController};
use ai4u_core::engine::DecisionDefaults;
use ai4u_core::spaces;
use std::time::Duration;

#[test]
fn four_agents_on_one_engine_step_through_many_episode_ends() {
    let server = AppServer::builder()
        .port(0)
        .connect_timeout(Duration::from_secs(30))
        .step_timeout(Duration::from_secs(20))
        .bind()
        .unwrap();
    let opts = ai4u_sim::engine_options(server.local_addr().to_string());
    let config = ai4u_sim::SceneConfig { agents: 4, max_steps: 300, seed: 0 };
    let engine = ai4u_sim::spawn_engine(opts, config, DecisionDefaults::default());
    let ids = ["0", "1", "2", "3"];
    let controllers = ids.iter().map(|_| Box::new(SampleSceneController::new()) as Box<dyn Controller>).collect();
    let handles = server.start(&ids, controllers).unwrap();
    let mut env = VecEnv::new(handles).unwrap();
    env.reset(Some(1), None).unwrap();
    let mut rng = spaces::rng(3);
    let mut ends = 0;
    for step in 0..4000 {
        let actions: Vec<_> = (0..4).map(|_| env.single_action_space().sample(&mut rng)).collect();
        let r = env.step(&actions).unwrap_or_else(|e| panic!("step {step} after {ends} episode ends: {e}"));
        ends += r.terminated.iter().zip(&r.truncated).filter(|(t, u)| **t || **u).count();
    }
    assert!(ends >= 20, "only {ends} episode ends");
    env.close().unwrap();
    engine.join().unwrap().unwrap();
}
