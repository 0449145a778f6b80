//! Criterion-free measure of the headless camera:
//! `cargo run --release -p ai4u-sim --example bench_render`.
//!
//! Renders a track-like world (grass, an asphalt strip painted by a ground map, 200 cones in
//! two rows along a curve, a few boxes) at 84x84 and 640x480, RGB and grey, mono and stereo,
//! and prints milliseconds per frame next to a baseline measured in the same run: copying
//! one frame's bytes (the least any camera must do to hand a frame over). Then it runs itself
//! again pinned to one core (`taskset -c 0`) when `taskset` is available.
//!
//! Then it times one fs-track decision (4 physics frames and `observe`) with each camera
//! setting, against the same decision without a camera as the baseline: how much of a step
//! the camera costs.

use ai4u_core::engine::Scene;
use ai4u_sim::fstrack::CameraMode;
use ai4u_sim::render::{BoxShape, Camera, CameraSpec, ConeShape, GroundMap, Pose, StereoCamera, World};
use ai4u_sim::{FsTrackConfig, FsTrackScene};
use std::hint::black_box;
use std::time::{Duration, Instant};

const PINNED_ENV: &str = "AI4U_BENCH_RENDER_PINNED";

fn world() -> World {
    let (cols, rows, cell) = (200usize, 200usize, 0.5f32);
    let centre = |z: f32| 6.0 * (z / 15.0).sin();
    let mut cells = vec![255u8; cols * rows];
    for k in 0..rows {
        let z = -10.0 + (k as f32 + 0.5) * cell;
        for i in 0..cols {
            let x = -50.0 + (i as f32 + 0.5) * cell;
            if (x - centre(z)).abs() < 1.6 {
                cells[k * cols + i] = 0;
            }
        }
    }
    let mut cones = Vec::new();
    for n in 0..100 {
        let z = n as f32 * 2.5;
        for (side, color, band) in [(-1.5f32, [30, 70, 210], [240, 240, 240]), (1.5, [240, 200, 20], [20, 20, 20])] {
            cones.push(ConeShape {
                base: [centre(z) + side, 0.0, z],
                radius: 0.114,
                height: 0.325,
                color,
                band: Some(band),
            });
        }
    }
    let boxes = (0..4)
        .map(|k| {
            let z = 10.0 + 20.0 * k as f32;
            BoxShape { lo: [8.0, 0.0, z], hi: [10.0, 2.5, z + 3.0], color: [200, 40, 40] }
        })
        .collect();
    World {
        ground_map: Some(GroundMap { x0: -50.0, z0: -10.0, cell, cols, rows, cells, palette: vec![[70, 70, 75]] }),
        cones,
        boxes,
        range: 80.0,
        ..World::default()
    }
}

/// Seconds per call of `f`, run for about `budget`: the best of 10 equal slices of the
/// budget (each slice's mean), so other load on a shared machine inflates it less.
fn per_call(budget: Duration, mut f: impl FnMut(u32)) -> f64 {
    f(0); // warm-up: buffers reach their size
    let slice = budget / 10;
    let mut best = f64::INFINITY;
    let mut n = 0u32;
    for _ in 0..10 {
        let start = Instant::now();
        let mut calls = 0u32;
        while calls == 0 || start.elapsed() < slice {
            f(n);
            n = n.wrapping_add(1);
            calls += 1;
        }
        best = best.min(start.elapsed().as_secs_f64() / calls as f64);
    }
    best
}

fn main() {
    let pinned = std::env::var_os(PINNED_ENV).is_some();
    let budget = Duration::from_millis(if pinned { 700 } else { 1000 });
    let world = world();
    // The eye drives along the strip so every frame differs a little.
    let pose = |n: u32| {
        let z = (n % 50) as f32 * 0.2;
        Pose { eye: [6.0 * (z / 15.0).sin(), 1.0, z], yaw: 0.35, pitch: -0.05 }
    };
    println!("{}", if pinned { "pinned (taskset -c 0):" } else { "unpinned:" });
    println!(
        "{:<10} {:<5} {:>11} {:>11} {:>13} {:>9}",
        "size", "pix", "mono ms", "stereo ms", "copy base ms", "mono/copy"
    );
    for (w, h) in [(84u32, 84u32), (640, 480)] {
        for gray in [false, true] {
            let spec = CameraSpec { width: w, height: h, fov_deg: 90.0, gray };
            let mut cam = Camera::new(spec).expect("valid spec");
            let mut out = Vec::new();
            let mono = per_call(budget, |n| {
                cam.render(&world, &pose(n), &mut out);
                black_box(&out);
            });
            let mut pair = StereoCamera::new(spec, 0.12).expect("valid spec");
            let (mut l, mut r) = (Vec::new(), Vec::new());
            let stereo = per_call(budget, |n| {
                pair.render(&world, &pose(n), &mut l, &mut r);
                black_box((&l, &r));
            });
            let src = vec![7u8; spec.frame_len()];
            let mut dst = vec![0u8; spec.frame_len()];
            let copy = per_call(budget, |n| {
                dst.copy_from_slice(&src);
                let len = dst.len();
                dst[n as usize % len] ^= 1;
                black_box(&dst);
            });
            println!(
                "{:<10} {:<5} {:>11.3} {:>11.3} {:>13.4} {:>8.0}x",
                format!("{w}x{h}"),
                if gray { "grey" } else { "rgb" },
                mono * 1e3,
                stereo * 1e3,
                copy * 1e3,
                mono / copy
            );
        }
    }
    println!("fs-track decision (4 frames + observe), autocross seed 0:");
    println!("{:<22} {:>10} {:>12}", "camera", "ms", "vs none");
    let mut base = f64::NAN;
    for (mode, w, h) in [
        (CameraMode::None, 84, 84),
        (CameraMode::Mono, 84, 84),
        (CameraMode::Stereo, 84, 84),
        (CameraMode::Mono, 640, 480),
        (CameraMode::Stereo, 640, 480),
    ] {
        let spec = CameraSpec { width: w, height: h, ..CameraSpec::default() };
        let config = FsTrackConfig { camera: mode, camera_spec: spec, max_steps: 0, ..FsTrackConfig::default() };
        let mut scene = FsTrackScene::new(config).expect("valid config");
        let mut fields = Vec::new();
        let t = per_call(budget, |_| {
            if scene.is_done(0) {
                scene.reset_agent(0, &[]);
            }
            for _ in 0..4 {
                scene.set_action(0, [0.05, 0.3, 0.0]);
                scene.step_physics();
                black_box(scene.frame_reward(0));
            }
            fields.clear();
            scene.observe(0, &mut fields);
            black_box(&fields);
        });
        if mode == CameraMode::None {
            base = t;
        }
        let label = if mode == CameraMode::None { "none".to_owned() } else { format!("{mode} {w}x{h}") };
        println!("{label:<22} {:>10.4} {:>11.1}x", t * 1e3, t / base);
    }
    if !pinned {
        let exe = std::env::current_exe().expect("own path");
        match std::process::Command::new("taskset").arg("-c").arg("0").arg(exe).env(PINNED_ENV, "1").status() {
            Ok(s) if s.success() => {}
            Ok(s) => eprintln!("pinned run failed: {s}"),
            Err(e) => eprintln!("no pinned run: taskset not available ({e})"),
        }
    }
}
