use super::*;
use ai4u_core::value::State;

fn scene(track: TrackKind, seed: u64, camera: CameraMode) -> FsTrackScene {
    FsTrackScene::new(FsTrackConfig { track, seed, camera, ..FsTrackConfig::default() }).unwrap()
}

/// A minimal pure-pursuit driver on the `path` field (the full one lives in
/// ai4u-controllers): steer towards a lookahead point, slow for the bends ahead.
fn pursue(s: &FsTrackScene, k: usize) -> [f32; 3] {
    let path = s.path(k);
    let v = s.telemetry(k).speed;
    let ld = (0.5 * v + 3.0).clamp(4.0, 12.0);
    let [x, z] = path[((ld / PATH_STEP).round() as usize).clamp(1, PATH_POINTS) - 1];
    let steer = (car::WHEELBASE * 2.0 * x / (x * x + z * z)).atan() / car::MAX_STEER;
    let radius = |a: [f32; 2], b: [f32; 2], c: [f32; 2]| {
        let cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
        let d = |p: [f32; 2], q: [f32; 2]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
        d(a, b) * d(b, c) * d(c, a) / (2.0 * cross.abs()).max(1e-6)
    };
    let r = (0..PATH_POINTS - 4).map(|i| radius(path[i], path[i + 2], path[i + 4])).fold(f32::INFINITY, f32::min);
    let target = (7.0 * r).sqrt().min(14.0);
    if v < target {
        [steer, 0.6, 0.0]
    } else {
        [steer, 0.0, ((v - target) / 4.0).min(1.0)]
    }
}

/// Runs decisions of 4 frames until the episode ends; returns the final telemetry.
fn drive(s: &mut FsTrackScene, policy: impl Fn(&FsTrackScene) -> [f32; 3]) -> (Telemetry, f32) {
    let mut ret = 0.0;
    for _ in 0..5000 {
        let a = policy(s);
        for _ in 0..4 {
            s.set_action(0, a);
            s.step_physics();
            ret += s.frame_reward(0);
        }
        if s.is_done(0) {
            break;
        }
    }
    (s.telemetry(0), ret)
}

#[test]
fn the_declaration_names_every_field_and_the_cameras() {
    let names = |m: CameraMode| -> Vec<String> {
        scene(TrackKind::Accel, 0, m).metadata().inputs.into_iter().map(|i| i.name).collect()
    };
    let base = [
        "speed",
        "steering",
        "throttle",
        "brake",
        "lap_time",
        "cones_hit",
        "progress",
        "lateral",
        "heading_error",
        "finished",
        "path",
        "cones",
    ];
    assert_eq!(names(CameraMode::None), base);
    assert_eq!(names(CameraMode::Mono).last().unwrap(), "camera");
    assert_eq!(names(CameraMode::Stereo)[base.len()..], ["left", "right"]);
    let spec = CameraSpec { width: 96, height: 64, gray: true, ..CameraSpec::default() };
    let s =
        FsTrackScene::new(FsTrackConfig { camera: CameraMode::Stereo, camera_spec: spec, ..FsTrackConfig::default() })
            .unwrap();
    let m = s.metadata();
    let left = m.inputs.iter().find(|i| i.name == "left").unwrap();
    assert_eq!((left.kind, left.shape.clone()), (ValueKind::Image, vec![64, 96, 1]));
    assert_eq!(m.outputs[0].name, "drive");
}

#[test]
fn observations_match_the_declaration() {
    for mode in [CameraMode::None, CameraMode::Mono, CameraMode::Stereo] {
        let s = scene(TrackKind::Autocross, 1, mode);
        let mut fields = Vec::new();
        s.observe(0, &mut fields);
        let m = s.metadata();
        assert_eq!(fields.len(), m.inputs.len());
        for (f, i) in fields.iter().zip(&m.inputs) {
            assert_eq!(f.name, i.name);
            assert_eq!(f.value.kind(), i.kind, "{}", f.name);
            f.value.validate().unwrap();
            let shape: Vec<u32> = f.value.shape().iter().map(|&d| d as u32).collect();
            if i.kind != ValueKind::Float {
                assert_eq!(shape, i.shape, "{}", f.name);
            }
        }
        let state = State { fields };
        assert_eq!(state.get_f32("speed").unwrap(), 0.0);
    }
}

#[test]
fn bad_configurations_are_refused() {
    let e = FsTrackScene::new(FsTrackConfig { agents: 0, ..FsTrackConfig::default() }).unwrap_err();
    assert_eq!(e.to_string(), "an fs-track scene needs at least one agent");
    let spec = CameraSpec { width: 5000, ..CameraSpec::default() };
    let e =
        FsTrackScene::new(FsTrackConfig { camera: CameraMode::Mono, camera_spec: spec, ..FsTrackConfig::default() })
            .unwrap_err();
    assert!(e.to_string().contains("5000x84 is out of range"), "{e}");
    assert_eq!("fisheye".parse::<CameraMode>().unwrap_err(), "`fisheye` is not a camera setting: none, mono or stereo");
}

#[test]
fn full_throttle_on_the_straight_finishes_the_acceleration_run() {
    let mut s = scene(TrackKind::Accel, 0, CameraMode::None);
    let (t, ret) = drive(&mut s, |_| [0.0, 1.0, 0.0]);
    assert!(t.finished && s.is_done(0), "{t:?}");
    assert!(t.progress >= ACCEL_LENGTH_CHECK && t.cones_hit == 0, "{t:?}");
    // About 4 to 5 s for 75 m from a standing start at 10 m/s² fading with speed.
    assert!(t.lap_time > 3.0 && t.lap_time < 7.0, "{t:?}");
    assert!((ret - (t.progress * PROGRESS_REWARD + FINISH_REWARD)).abs() < 0.1, "return {ret}, {t:?}");
}

const ACCEL_LENGTH_CHECK: f32 = track::ACCEL_LENGTH;

#[test]
fn steering_off_the_track_ends_the_episode_unfinished() {
    let mut s = scene(TrackKind::Accel, 0, CameraMode::None);
    let (t, ret) = drive(&mut s, |_| [1.0, 0.5, 0.0]);
    assert!(s.is_done(0) && !t.finished, "{t:?}");
    assert!(t.lateral > track::Track::new(TrackKind::Accel, 0).half_width + OFF_TRACK_MARGIN, "{t:?}");
    assert!(ret < LEAVE_REWARD + 2.0, "return {ret}");
    // Reset puts the car back at the start with a clean slate.
    s.reset_agent(0, &[]);
    let t = s.telemetry(0);
    assert!(!s.is_done(0) && t.progress == 0.0 && t.cones_hit == 0 && t.lap_time == 0.0);
}

#[test]
fn knocking_a_cone_is_counted_once_and_costs_reward() {
    let mut s = scene(TrackKind::Accel, 0, CameraMode::None);
    let cone = s.track(0).cones.iter().find(|c| c.color == ConeColor::Blue && c.z > 20.0).copied().unwrap();
    // Just behind the cone, facing it, rolling slowly.
    s.set_car(0, Car { speed: 1.0, ..Car::at(cone.x, cone.z - 1.6, 0.0) });
    let mut ret = 0.0;
    for _ in 0..50 {
        s.step_physics();
        ret += s.frame_reward(0);
    }
    // The body is longer than the cone spacing: it may touch the cone behind too.
    let hit = s.telemetry(0).cones_hit;
    assert!((1..=2).contains(&hit), "{hit} cones hit");
    assert!(ret < 0.0, "return {ret}");
    // Standing on them counts nothing more.
    for _ in 0..50 {
        s.step_physics();
    }
    assert_eq!(s.telemetry(0).cones_hit, hit);
    // The cameras see the knocked cone moved; a reset stands it up where it was.
    let placed = |s: &FsTrackScene| s.world(0).cones.iter().any(|c| c.base == [cone.x, 0.0, cone.z]);
    assert!(!placed(&s), "the knocked cone was moved in the world");
    s.reset_agent(0, &[]);
    assert!(placed(&s), "a reset puts it back");
}

#[test]
fn a_reset_seed_lays_out_another_autocross() {
    let mut s = scene(TrackKind::Autocross, 5, CameraMode::None);
    let before = s.track(0).points.clone();
    s.reset_agent(0, &[Field::new("seed", 6i64)]);
    assert_ne!(s.track(0).points, before);
    assert_eq!(s.track(0).seed, 6);
    s.reset_agent(0, &[Field::new("seed", 5i64)]);
    assert_eq!(s.track(0).points, before);
}

#[test]
fn the_pursuit_driver_completes_every_track_without_leaving_it() {
    for (kind, seed) in [
        (TrackKind::Accel, 0),
        (TrackKind::Skidpad, 0),
        (TrackKind::Autocross, 0),
        (TrackKind::Autocross, 1),
        (TrackKind::Autocross, 2),
    ] {
        let mut s = scene(kind, seed, CameraMode::None);
        let (t, _) = drive(&mut s, |s| pursue(s, 0));
        assert!(t.finished, "{kind} seed {seed}: {t:?}");
        assert!(t.progress >= s.track(0).finish, "{kind} seed {seed}: {t:?}");
    }
}

#[test]
fn the_camera_sees_blue_cones_left_and_yellow_cones_right() {
    for kind in [TrackKind::Accel, TrackKind::Autocross] {
        let spec = CameraSpec { width: 160, height: 120, ..CameraSpec::default() };
        let s = FsTrackScene::new(FsTrackConfig {
            track: kind,
            camera: CameraMode::Mono,
            camera_spec: spec,
            ..FsTrackConfig::default()
        })
        .unwrap();
        let img = s.render(0).remove(0);
        let (mut blue, mut yellow) = ([0usize; 2], [0usize; 2]);
        for (k, p) in img.data.chunks(3).enumerate() {
            let half = (k % 160 >= 80) as usize;
            if p[2] > 120 && p[0] < 80 && p[1] < 120 {
                blue[half] += 1;
            }
            if p[0] > 150 && p[1] > 120 && p[2] < 60 {
                yellow[half] += 1;
            }
        }
        assert!(blue[0] > 20 && blue[0] > 5 * blue[1], "{kind}: blue left/right {blue:?}");
        assert!(yellow[1] > 20 && yellow[1] > 5 * yellow[0], "{kind}: yellow left/right {yellow:?}");
    }
}

#[test]
fn stereo_frames_differ_and_both_show_the_track() {
    let s = scene(TrackKind::Accel, 0, CameraMode::Stereo);
    let frames = s.render(0);
    assert_eq!(frames.len(), 2);
    assert_eq!(frames[0].data.len(), 84 * 84 * 3);
    assert_ne!(frames[0].data, frames[1].data);
}

#[test]
fn the_same_seed_and_actions_give_the_same_run() {
    let run = || {
        let mut s = scene(TrackKind::Autocross, 9, CameraMode::None);
        let mut trace = Vec::new();
        for k in 0..300 {
            let a = if k % 50 < 25 { pursue(&s, 0) } else { [0.3, 0.4, 0.0] };
            s.set_action(0, a);
            s.step_physics();
            let t = s.telemetry(0);
            trace.push((t.progress.to_bits(), t.lateral.to_bits(), s.frame_reward(0).to_bits()));
        }
        trace
    };
    assert_eq!(run(), run());
}
