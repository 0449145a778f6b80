//! Physics and episode rules of `docs/SAMPLESCENE.md`, without sockets.

mod common;
use ai4u_core::engine::Scene;
use ai4u_core::value::{Field, Value};
use ai4u_sim::*;
use common::{run, scene_at};
use std::f32::consts::{FRAC_PI_2, PI};

fn close(a: f32, b: f32, eps: f32) -> bool {
    (a - b).abs() <= eps
}

#[test]
fn walking_forward_moves_along_the_heading() {
    let yaw = 0.3f32;
    let mut s = scene_at(0.0, 0.0, yaw, (-8.0, -8.0));
    let r = run(&mut s, [1.0, 0.0, 0.0, 0.0], 10); // 40 frames = 0.8 s at 4 m/s
    let p = s.local_position(0);
    assert!(close(p[0], 3.2 * yaw.sin(), 1e-3) && close(p[2], 3.2 * yaw.cos(), 1e-3), "{p:?}");
    assert_eq!(p[1], 0.0);
    assert!(close(r, -0.1, 1e-5), "ten decisions cost 0.1, got {r}");
    // Backwards undoes it; half speed covers half the distance.
    run(&mut s, [-1.0, 0.0, 0.0, 0.0], 10);
    assert!(close(s.local_position(0)[0], 0.0, 1e-3) && close(s.local_position(0)[2], 0.0, 1e-3));
    run(&mut s, [0.5, 0.0, 0.0, 0.0], 10);
    assert!(close(s.local_position(0)[2], 1.6 * yaw.cos(), 1e-3));
}

#[test]
fn positive_lr_turns_right() {
    let mut s = scene_at(0.0, 0.0, 0.0, (8.0, 8.0));
    run(&mut s, [0.0, 1.0, 0.0, 0.0], 1); // 0.08 s at 180°/s
    assert!(close(s.yaw(0), 0.08 * PI, 1e-4), "yaw {}", s.yaw(0));
    // Facing +Z, the right is +X: walking after a right turn drifts to +X.
    run(&mut s, [1.0, 0.0, 0.0, 0.0], 5);
    assert!(s.local_position(0)[0] > 0.3);
    // The target on the right comes closer to the heading as the agent turns right.
    let mut s = scene_at(0.0, 0.0, 0.0, (6.0, 0.0));
    let before = s.array(0)[0];
    run(&mut s, [0.0, 1.0, 0.0, 0.0], 3);
    assert!(s.array(0)[0] > before + 0.3, "dot {before} -> {}", s.array(0)[0]);
    // Left is the mirror image; a full 2 s turn comes back to the start heading.
    run(&mut s, [0.0, -1.0, 0.0, 0.0], 3);
    assert!(close(s.yaw(0), 0.0, 1e-4));
    run(&mut s, [0.0, 1.0, 0.0, 0.0], 25);
    assert!(close(s.yaw(0), 0.0, 1e-3) || close(s.yaw(0).abs(), 2.0 * PI, 1e-3));
}

#[test]
fn jumps_only_from_the_ground() {
    let mut a = scene_at(0.0, 0.0, 0.0, (8.0, -8.0));
    let mut b = a.clone();
    // `a` holds jump for the whole flight, `b` presses it for one frame only.
    let mut max_y = 0.0f32;
    for frame in 0..60 {
        a.set_action(0, [0.0, 0.0, 1.0, 0.0]);
        b.set_action(0, [0.0, 0.0, if frame == 0 { 1.0 } else { 0.0 }, 0.0]);
        a.step_physics();
        b.step_physics();
        assert_eq!(a.local_position(0)[1], b.local_position(0)[1], "frame {frame}: air jumps must do nothing");
        if frame == 0 {
            assert!(!a.on_ground(0));
        }
        max_y = max_y.max(a.local_position(0)[1]);
        if a.on_ground(0) {
            break;
        }
    }
    // v²/2g = 25 / 19.62 = 1.27 m; the discrete integration lands close to it.
    assert!(close(max_y, 1.27, 0.06), "apex {max_y}");
    assert!(b.on_ground(0) && a.local_position(0)[1] == 0.0, "landed back on the platform");
    // A held jump starts again once on the ground.
    a.set_action(0, [0.0, 0.0, 1.0, 0.0]);
    a.step_physics();
    assert!(!a.on_ground(0));
}

#[test]
fn forward_jump_goes_further_than_walking() {
    let mut walk = scene_at(0.0, -8.0, 0.0, (8.0, 8.0));
    let mut jump = walk.clone();
    run(&mut walk, [1.0, 0.0, 0.0, 0.0], 1);
    jump.set_action(0, [1.0, 0.0, 0.0, 1.0]);
    for _ in 0..3 {
        jump.step_physics();
        jump.set_action(0, [1.0, 0.0, 0.0, 0.0]);
    }
    jump.step_physics();
    assert!(jump.local_position(0)[2] > walk.local_position(0)[2] + 0.2);
    assert!(jump.local_position(0)[1] > 0.0);
}

#[test]
fn falling_off_ends_the_episode_with_minus_one() {
    let mut s = scene_at(9.0, 0.0, FRAC_PI_2, (-8.0, 0.0)); // facing +X, 1 m from the edge
    let mut total = 0.0;
    let mut decisions = 0;
    while !s.is_done(0) {
        total += run(&mut s, [1.0, 0.0, 0.0, 0.0], 1);
        decisions += 1;
        assert!(decisions < 100, "never fell");
    }
    assert!(s.local_position(0)[1] < -1.0);
    assert!(!s.on_ground(0));
    assert!(close(total, -1.0 - 0.01 * decisions as f32, 1e-4), "total {total} after {decisions}");
    // Frozen until reset: no more movement, no more reward.
    let p = s.position(0);
    assert_eq!(run(&mut s, [1.0, 0.0, 1.0, 0.0], 5), 0.0);
    assert_eq!(s.position(0), p);
    s.reset_agent(0, &[]);
    assert!(!s.is_done(0) && s.on_ground(0));
}

#[test]
fn touching_the_cube_gives_ten_and_ends() {
    let mut s = scene_at(0.0, 0.0, 0.0, (0.0, 3.0));
    let mut total = 0.0;
    let mut decisions = 0;
    while !s.is_done(0) {
        total += run(&mut s, [1.0, 0.0, 0.0, 0.0], 1);
        decisions += 1;
        assert!(decisions < 20, "never reached the cube");
    }
    // 2 m to go before within 1 m: 0.5 s = 7 decisions of 0.08 s.
    assert_eq!(decisions, 7);
    assert!(close(total, 10.0 - 0.07, 1e-4), "total {total}");
    let d = s.target(0)[2] - s.position(0)[2];
    assert!(d <= 1.0 && d > 0.8);
    // Jumping over the cube also counts: within 1 m on XZ and at most 1.5 m above it.
    let mut s = scene_at(0.0, 0.0, 0.0, (0.0, 2.5));
    s.set_action(0, [0.0, 0.0, 0.0, 1.0]);
    while !s.is_done(0) {
        s.step_physics();
    }
    assert!(s.local_position(0)[1] > 0.0 && s.frame_reward(0) == 10.0);
}

#[test]
fn actions_are_clamped_and_nan_reads_as_zero() {
    let mut s = scene_at(0.0, 0.0, 0.0, (8.0, 8.0));
    s.set_action(0, [5.0, -5.0, 2.0, -1.0]);
    assert_eq!(s.last_action(0), [1.0, -1.0, 1.0, 0.0]);
    s.act(0, "move", &[Value::floats(vec![f32::NAN, 0.5])], &[]);
    assert_eq!(s.last_action(0), [0.0, 0.5, 0.0, 0.0]);
    assert_eq!(&s.array(0)[3..], &[0.0, 0.5, 0.0, 0.0]);
    s.act(0, "other", &[Value::floats(vec![1.0; 4])], &[]);
    assert_eq!(s.last_action(0), [0.0, 0.5, 0.0, 0.0], "unknown actions are ignored");
    s.act(0, "move", &[Value::Float(1.0), Value::Float(-1.0)], &[]);
    assert_eq!(s.last_action(0), [1.0, -1.0, 0.0, 0.0], "scalar arguments work too");
}

#[test]
fn array_reports_direction_distance_and_ground() {
    let s = scene_at(0.0, 0.0, 0.0, (0.0, 6.0));
    let a = s.array(0);
    assert!(close(a[0], 1.0, 1e-6) && close(a[1], 0.2, 1e-6) && a[2] == 1.0);
    let s = scene_at(0.0, 0.0, PI, (0.0, 6.0));
    assert!(close(s.array(0)[0], -1.0, 1e-6));
    let s = scene_at(-7.0, -7.0, FRAC_PI_2, (8.0, -7.0));
    assert!(close(s.array(0)[0], 1.0, 1e-5) && close(s.array(0)[1], 0.5, 1e-6));
}

#[test]
fn starts_follow_the_contract_and_seeds_repeat() {
    let mut s = SampleScene::new(SceneConfig { agents: 3, max_steps: 3000, seed: 11 });
    for i in 0..300 {
        let k = i % 3;
        s.reset_agent(k, &[]);
        let p = s.local_position(k);
        let t = s.target(k);
        let (tx, tz) = (t[0] - s.area_center(k), t[2]);
        assert!(p[0].abs() <= 7.0 && p[2].abs() <= 7.0 && p[1] == 0.0);
        assert!(tx.abs() <= 8.0 && tz.abs() <= 8.0 && t[1] == 0.5);
        assert!((tx - p[0]).hypot(tz - p[2]) >= 4.0);
        assert!((-PI..PI).contains(&s.yaw(k)));
    }
    let seeded = [Field::new("seed", Value::Int(42))];
    s.reset_agent(1, &seeded);
    let first = (s.local_position(1), s.yaw(1), s.target(1)[2]);
    s.reset_agent(1, &[]);
    assert_ne!(first.0, s.local_position(1), "no seed: the next start");
    s.reset_agent(1, &seeded);
    assert_eq!(first, (s.local_position(1), s.yaw(1), s.target(1)[2]));
    // The same seed gives the same start in any area.
    s.reset_agent(2, &seeded);
    assert_eq!(first.0, s.local_position(2));
}

#[test]
fn metadata_matches_the_contract() {
    let s = SampleScene::new(SceneConfig { agents: 3, max_steps: 77, seed: 0 });
    let infos = s.agents();
    assert_eq!(infos.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["0", "1", "2"]);
    let m = &infos[0].metadata;
    assert_eq!(infos[2].max_steps, 77);
    let array = m.input("array").unwrap();
    assert_eq!((array.shape.clone(), array.range_min, array.range_max), (vec![7], -1.0, 1.0));
    let vision = m.input("vision").unwrap();
    assert_eq!((vision.shape.clone(), vision.range_min, vision.range_max), (vec![10, 10, 1], 0.0, 255.0));
    let out = m.output("move").unwrap();
    assert!(out.continuous);
    assert_eq!(out.shape, vec![4]);
    assert_eq!(out.range_min, vec![-1.0, -1.0, 0.0, 0.0]);
    assert_eq!(out.range_max, vec![1.0; 4]);
    let mut fields = Vec::new();
    s.observe(1, &mut fields);
    assert_eq!(fields.len(), 2);
    assert_eq!(fields[0].value.shape(), vec![7]);
    assert_eq!(fields[1].value.shape(), vec![10, 10, 1]);
    assert!(fields.iter().all(|f| f.value.validate().is_ok()));
}

#[test]
fn echo_scene_echoes_the_last_action() {
    let mut e = EchoScene::new(EchoConfig { agents: 2, width: 3, max_steps: 5 });
    assert_eq!(e.agents()[1].max_steps, 5);
    e.act(1, "echo", &[Value::floats(vec![0.5, -0.5, 0.25, 9.0])], &[]);
    e.act(0, "echo", &[Value::floats(vec![1.0])], &[]);
    assert_eq!(e.echo(1), &[0.5, -0.5, 0.25]);
    assert_eq!(e.echo(0), &[1.0, 0.0, 0.0]);
    let mut fields = Vec::new();
    e.observe(1, &mut fields);
    assert_eq!(fields[0].name, "obs");
    assert_eq!(fields[0].value, Value::floats(vec![0.5, -0.5, 0.25]));
    e.reset_agent(1, &[]);
    assert_eq!(e.echo(1), &[0.0; 3]);
    e.step_physics();
    assert!(!e.is_done(0) && e.frame_reward(0) == 0.0);
}

#[test]
fn observations_stay_inside_their_declared_ranges() {
    use ai4u_sim::{SampleScene, SceneConfig};
    let mut scene = SampleScene::new(SceneConfig { agents: 1, max_steps: 0, seed: 0 });
    // Exactly facing the target is where the cosine can round past 1.
    for k in 0..2000 {
        let a = k as f32 * 0.0031;
        scene.set_pose(0, 1.0 + a.sin(), -2.0 + a.cos(), a * 7.0);
        scene.set_target(0, 1.0 + a.sin() + 3.0 * (a * 7.0).sin(), -2.0 + a.cos() + 3.0 * (a * 7.0).cos());
        let arr = scene.array(0);
        assert!(arr.iter().all(|v| (-1.0..=1.0).contains(v)), "{arr:?} at k={k}");
    }
}
