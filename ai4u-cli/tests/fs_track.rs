//! `ai4u demo --scene fs-track` (the track in-process over loopback) and `ai4u serve
//! --controller fs-track` driving a separate `ai4u-sim --scene fs-track` process.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn ai4u() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ai4u"))
}

fn sim_bin() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let status = Command::new(env!("CARGO"))
        .args(["build", "--quiet", "-p", "ai4u-sim", "--bin", "ai4u-sim"])
        .current_dir(&root)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "building ai4u-sim failed");
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    target.join("debug").join("ai4u-sim")
}

#[test]
fn the_demo_completes_timed_laps() {
    let out = ai4u()
        .args(["demo", "--scene", "fs-track", "--agents", "2", "--episodes", "2", "--seed", "4", "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("laps: 4/4 completed, best "), "{text}");
    let laps: Vec<&str> = text.lines().filter(|l| l.contains(": completed in ")).collect();
    assert_eq!(laps.len(), 4, "{text}");
    assert!(laps.iter().all(|l| l.contains(" 0 cone(s)")), "{text}");
}

#[test]
fn the_demo_refuses_a_bad_camera_and_finishes_the_acceleration_run_with_stereo() {
    let out =
        ai4u().args(["demo", "--scene", "fs-track", "--camera", "mono", "--camera-size", "2x2"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("camera size 2x2 is out of range"));
    let out = ai4u()
        .args(["demo", "--scene", "fs-track", "--track", "accel", "--camera", "stereo", "--agents", "1"])
        .args(["--episodes", "1", "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("laps: 1/1 completed"), "{text}");
}

#[test]
fn serve_drives_a_separate_track_process() {
    let sim = sim_bin();
    let mut serve = ai4u()
        .args(["serve", "--port", "0", "--controller", "fs-track", "--episodes", "2", "--seed", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(serve.stdout.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    let port = first.trim().rsplit(':').next().unwrap().to_owned();
    let engine = Command::new(sim)
        .args(["--port", &port, "--scene", "fs-track", "--track", "skidpad"])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(engine.status.success(), "{}", String::from_utf8_lossy(&engine.stderr));
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = serve.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = serve.kill();
            panic!("ai4u serve did not exit after its episodes");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut text = String::new();
    std::io::Read::read_to_string(&mut out, &mut text).unwrap();
    assert!(status.success(), "{text}");
    assert!(text.contains("100.0 %"), "every run finished:\n{text}");
}

#[test]
fn the_demo_drives_in_realtime_at_wall_clock_rate() {
    let started = Instant::now();
    let out = ai4u()
        .args(["demo", "--scene", "fs-track", "--track", "accel", "--agents", "1", "--episodes", "1"])
        .args(["--mode", "realtime", "--quiet"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("laps: 1/1 completed"), "{text}");
    // Paced at 20 ms per frame, a run of about 6 s simulated cannot take less wall time (a
    // lower bound only: a busy machine can only make it slower).
    let lap: f32 = text
        .lines()
        .find_map(|l| l.split(" completed in ").nth(1))
        .and_then(|rest| rest.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no lap time in {text}"));
    assert!(started.elapsed().as_secs_f32() >= lap * 0.95, "{lap} s lap in {:?}", started.elapsed());
}
