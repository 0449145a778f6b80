//! The ray-cast vision of `docs/SAMPLESCENE.md`: layout, codes and range.

mod common;
use ai4u_core::engine::Scene;
use ai4u_sim::*;
use common::scene_at;
use std::f32::consts::FRAC_PI_2;

fn grid(s: &SampleScene, agent: usize) -> [[f32; VISION_COLS]; VISION_ROWS] {
    let mut flat = [0.0; VISION_ROWS * VISION_COLS];
    s.vision(agent, &mut flat);
    let mut g = [[0.0; VISION_COLS]; VISION_ROWS];
    for (r, row) in g.iter_mut().enumerate() {
        row.copy_from_slice(&flat[r * VISION_COLS..(r + 1) * VISION_COLS]);
    }
    g
}

fn show(g: &[[f32; VISION_COLS]; VISION_ROWS]) -> String {
    g.iter().map(|r| r.iter().map(|&c| format!("{c:4}")).collect::<String>() + "\n").collect()
}

#[test]
fn cube_three_metres_ahead_fills_the_centre_columns() {
    let s = scene_at(0.0, 0.0, 0.0, (0.0, 3.0));
    let g = grid(&s, 0);
    // Rows 1..=5 meet the cube (its top face, then its front face); lower rows meet the
    // floor before it, the top row passes over it.
    for (r, row) in g.iter().enumerate() {
        let expect = if (1..=5).contains(&r) {
            CODE_TARGET
        } else if r == 0 {
            CODE_NOTHING
        } else {
            CODE_FLOOR
        };
        assert_eq!((row[4], row[5]), (expect, expect), "row {r}\n{}", show(&g));
        // ±15° and beyond pass beside a 1 m cube at 3 m.
        assert!(row[..4].iter().chain(&row[6..]).all(|&c| c != CODE_TARGET), "row {r}\n{}", show(&g));
    }
}

#[test]
fn open_floor_fills_the_lower_rows_and_nothing_is_seen_beyond_fifteen_metres() {
    let s = scene_at(0.0, 0.0, 0.0, (0.0, -6.0)); // cube behind
    let g = grid(&s, 0);
    // Row 0 looks 5° down from 1.5 m: the floor would be 17 m away, beyond the range.
    assert!(g[0].iter().all(|&c| c == CODE_NOTHING), "\n{}", show(&g));
    for row in &g[1..] {
        assert!(row.iter().all(|&c| c == CODE_FLOOR), "\n{}", show(&g));
    }
}

#[test]
fn the_edge_cuts_the_floor_off() {
    // 2 m from the edge facing out: row 1 would meet the floor 8.5 m ahead, past the edge,
    // and then there is only the void below. Steep rows still see the platform.
    let s = scene_at(8.0, 0.0, FRAC_PI_2, (-6.0, 0.0));
    let g = grid(&s, 0);
    assert!(g[1].iter().all(|&c| c == CODE_NOTHING), "\n{}", show(&g));
    assert!(g[9].iter().all(|&c| c == CODE_FLOOR), "\n{}", show(&g));
}

#[test]
fn other_agents_and_platforms_of_other_areas_are_seen() {
    let mut s = SampleScene::new(SceneConfig { agents: 2, max_steps: 0, seed: 3 });
    // Agent 0 at its +X edge, its column 4 (-5°) pointing exactly along +X, at agent 1
    // standing at the -X edge of its own area: 11 m between them.
    s.set_pose(0, 9.5, 0.0, FRAC_PI_2 + 5f32.to_radians());
    s.set_pose(1, -9.5, 0.0, 0.0);
    s.set_target(0, -5.0, 0.0);
    s.set_target(1, 5.0, 5.0);
    let g = grid(&s, 0);
    assert_eq!(g[0][4], CODE_AGENT, "\n{}", show(&g));
    // Row 1 drops below the gap's top and meets the side of area 1's platform.
    assert_eq!(g[1][4], CODE_FLOOR, "\n{}", show(&g));
    // Vision is symmetric: agent 1 turned towards agent 0 sees it too.
    s.set_pose(1, -9.5, 0.0, -FRAC_PI_2 - 5f32.to_radians());
    assert_eq!(grid(&s, 1)[0][5], CODE_AGENT, "\n{}", show(&grid(&s, 1)));
    // An agent never sees itself, even mid-jump.
    let mut solo = scene_at(0.0, 0.0, 0.0, (0.0, -6.0));
    solo.set_action(0, [0.0, 0.0, 1.0, 0.0]);
    solo.step_physics();
    assert!(grid(&solo, 0).iter().flatten().all(|&c| c != CODE_AGENT));
}

#[test]
fn turning_sweeps_the_cube_across_the_columns_left_to_right() {
    // The cube 5 m ahead and 30° to the right shows in the right half; turning right
    // brings it towards the centre.
    let right = (5.0 * 30f32.to_radians().sin(), 5.0 * 30f32.to_radians().cos());
    let s = scene_at(0.0, 0.0, 0.0, right);
    let cols: Vec<usize> = (0..VISION_COLS).filter(|&c| grid(&s, 0).iter().any(|r| r[c] == CODE_TARGET)).collect();
    assert!(!cols.is_empty() && cols.iter().all(|&c| c >= 6), "columns {cols:?}");
    let s = scene_at(0.0, 0.0, 30f32.to_radians(), right);
    let cols: Vec<usize> = (0..VISION_COLS).filter(|&c| grid(&s, 0).iter().any(|r| r[c] == CODE_TARGET)).collect();
    assert_eq!(cols, vec![4, 5]);
}
