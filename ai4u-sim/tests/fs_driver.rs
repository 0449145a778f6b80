//! The scripted fs-track driver (`ai4u_controllers::fs_track`) drives the scene headless
//! through the controller's own conversions (state fields to the observation Dict, the action
//! to an `Act` command): it completes a lap of autocross on three seeds without leaving the
//! track or knocking a cone, and finishes the skidpad and the acceleration run; driving on the
//! `cones` field alone (midpoints of blue/yellow pairs) it also laps autocross. The car's
//! camera, read through the same controller as a u8 observation, shows blue cones left and
//! yellow cones right.

use ai4u_controllers::fs_track::{FsTrackController, PurePursuit};
use ai4u_controllers::{Command, Controller};
use ai4u_core::engine::Scene;
use ai4u_core::spaces::Sample;
use ai4u_core::value::State;
use ai4u_sim::fstrack::{CameraMode, Telemetry, TrackKind};
use ai4u_sim::render::CameraSpec;
use ai4u_sim::{FsTrackConfig, FsTrackScene};

fn observe(scene: &FsTrackScene, c: &mut FsTrackController) -> Sample {
    let mut fields = Vec::new();
    scene.observe(0, &mut fields);
    c.observation(&State { fields }).expect("the state fits the controller's observation")
}

/// One episode at the default decision period (4 frames, action repeated), driving on the
/// centre line (`path`).
fn lap(track: TrackKind, seed: u64) -> (Telemetry, u32, f32) {
    lap_with(track, seed, |p, obs| p.act(obs))
}

fn lap_with(track: TrackKind, seed: u64, policy: impl Fn(&PurePursuit, &Sample) -> Sample) -> (Telemetry, u32, f32) {
    // Progress and its rewards are pinned by the scene's own tests; here only where the car went.
    let mut scene = FsTrackScene::new(FsTrackConfig { track, seed, ..FsTrackConfig::default() }).unwrap();
    let mut c = FsTrackController::new();
    let agent = &scene.agents()[0];
    c.handle_configuration(&agent.id, agent.max_steps, &agent.metadata).unwrap();
    c.check_declaration(&agent.metadata).unwrap();
    let pilot = PurePursuit::default();
    let mut worst_lateral = 0.0f32;
    for decision in 1..=3000u32 {
        let action = policy(&pilot, &observe(&scene, &mut c));
        let Command::Act { name, args, fields } = c.step_behavior(&action).unwrap() else { panic!("an Act") };
        for _ in 0..4 {
            scene.act(0, &name, &args, &fields);
            scene.step_physics();
            scene.frame_reward(0);
            worst_lateral = worst_lateral.max(scene.telemetry(0).lateral.abs());
            if scene.is_done(0) {
                let t = scene.telemetry(0);
                eprintln!("{track} seed {seed}: {t:?}, {decision} decisions, worst lateral {worst_lateral:.2} m");
                return (t, decision, worst_lateral);
            }
        }
    }
    panic!("{track} seed {seed}: no end in 3000 decisions: {:?}", scene.telemetry(0));
}

#[test]
fn the_scripted_driver_completes_autocross_laps_on_three_seeds() {
    for seed in [11, 12, 13] {
        let (t, _, worst) = lap(TrackKind::Autocross, seed);
        assert!(t.finished, "seed {seed}: {t:?}");
        let half = ai4u_sim::fstrack::Track::new(TrackKind::Autocross, seed).half_width;
        assert!(worst < half, "seed {seed}: strayed {worst} m from the centre line (cones at {half} m)");
        assert_eq!(t.cones_hit, 0, "seed {seed}");
        assert!(t.lap_time > 5.0, "seed {seed}: {t:?}");
    }
}

#[test]
fn the_scripted_driver_finishes_the_skidpad_and_the_acceleration_run() {
    for track in [TrackKind::Skidpad, TrackKind::Accel] {
        let (t, _, worst) = lap(track, 0);
        assert!(t.finished && t.cones_hit == 0, "{track}: {t:?}");
        assert!(worst < 1.5, "{track}: strayed {worst} m");
    }
}

#[test]
fn driving_on_the_cones_alone_also_completes_autocross_laps() {
    for seed in [11, 12, 13] {
        let (t, _, worst) = lap_with(TrackKind::Autocross, seed, |p, obs| p.act_on_cones(obs));
        assert!(t.finished && t.cones_hit == 0, "seed {seed}: {t:?}");
        assert!(worst < 1.0, "seed {seed}: strayed {worst} m");
    }
    let (t, ..) = lap_with(TrackKind::Accel, 0, |p, obs| p.act_on_cones(obs));
    assert!(t.finished && t.cones_hit == 0, "accel: {t:?}");
}

#[test]
fn the_car_camera_shows_blue_cones_left_and_yellow_cones_right() {
    let spec = CameraSpec { width: 128, height: 96, ..CameraSpec::default() };
    for (track, seed) in [(TrackKind::Accel, 0), (TrackKind::Autocross, 11)] {
        let config = FsTrackConfig { track, seed, camera: CameraMode::Mono, camera_spec: spec, ..Default::default() };
        let scene = FsTrackScene::new(config).unwrap();
        let mut c = FsTrackController::new();
        c.handle_configuration("0", 0, &scene.agents()[0].metadata).unwrap();
        let obs = observe(&scene, &mut c);
        let Some(Sample::U8(img)) = obs.get("camera") else { panic!("a u8 camera observation") };
        assert_eq!(img.shape(), [96, 128, 3]);
        let (mut blue, mut yellow) = ([0usize; 2], [0usize; 2]);
        for i in 0..96 {
            for j in 0..128 {
                let (r, g, b) = (img[[i, j, 0]], img[[i, j, 1]], img[[i, j, 2]]);
                let half = (j >= 64) as usize;
                blue[half] += (b > 120 && r < 80 && g < 120) as usize;
                yellow[half] += (r > 150 && g > 120 && b < 60) as usize;
            }
        }
        assert!(blue[0] > 10 && blue[0] > 5 * blue[1], "{track}: blue pixels left/right {blue:?}");
        assert!(yellow[1] > 10 && yellow[1] > 5 * yellow[0], "{track}: yellow pixels left/right {yellow:?}");
    }
}
