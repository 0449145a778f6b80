//! The scene is solvable from its observations: a scripted rule that only reads `vision`
//! (turn until the cube shows, steer towards its columns, walk) reaches the cube in most
//! seeded episodes.

use ai4u_core::engine::Scene;
use ai4u_core::value::{Field, Value};
use ai4u_sim::{SampleScene, SceneConfig, VISION_COLS, VISION_ROWS};

mod common;
use common::Rule;

/// Runs one seeded episode with the rule; returns (reached, decisions).
fn episode(seed: i64) -> (bool, u32) {
    let mut scene = SampleScene::new(SceneConfig::default());
    scene.reset_agent(0, &[Field::new("seed", Value::Int(seed))]);
    let mut rule = Rule::default();
    let mut vision = [0.0; VISION_ROWS * VISION_COLS];
    for decision in 1..=1000 {
        scene.vision(0, &mut vision);
        let action = rule.act(&vision);
        let mut reward = [0.0f32];
        scene.decide(&[action], 4, &mut reward);
        if scene.is_done(0) {
            return (reward[0] > 5.0, decision);
        }
    }
    (false, 1000)
}

#[test]
fn a_scripted_rule_reaches_the_cube_in_most_episodes() {
    let results: Vec<(bool, u32)> = (0..20).map(episode).collect();
    let reached = results.iter().filter(|r| r.0).count();
    let mean_decisions = results.iter().filter(|r| r.0).map(|r| r.1).sum::<u32>() as f32 / reached.max(1) as f32;
    eprintln!("scripted rule: reached {reached}/20, mean {mean_decisions:.1} decisions: {results:?}");
    assert!(reached >= 14, "only {reached}/20 episodes reached the cube: {results:?}");
}
