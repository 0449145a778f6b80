//! `ai4u record` as a separate process against a scripted camera engine over TCP: the
//! recording holds the frames and scalars that were sent, loads back, survives Ctrl-C, and
//! becomes mp4s with `--video`.

#[path = "../../ai4u-appserver/tests/camera_engine/mod.rs"]
mod camera_engine;

use ai4u_appserver::record::{Dataset, Status};
use ai4u_core::value::State;
use camera_engine::{CameraConfig, Log};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ai4u-cli-record-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Starts `ai4u record` and returns it with the port it listens on.
fn record(out: &Path, args: &[&str]) -> (Child, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["record", "--out", out.to_str().unwrap(), "--port", "0", "--controller", "generic"])
        .args(["--policy", "random", "--ids", "cam0", "--seed", "3"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ai4u starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    let port = loop {
        line.clear();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("ai4u record ended before listening: {}", stderr_of(&mut child));
        }
        if let Some(p) = line.trim().strip_prefix("ai4u: listening on ") {
            break p.rsplit(':').next().unwrap().parse().unwrap();
        }
    };
    // Keep reading stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    (child, port)
}

fn wait(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let end = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > end {
            let _ = child.kill();
            panic!("process did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn stderr_of(child: &mut Child) -> String {
    let mut s = String::new();
    use std::io::Read;
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut s);
    }
    s
}

/// The states the engine sent, episode by episode (an episode starts at a state of gear 0).
fn episodes_sent(log: &Log) -> Vec<Vec<State>> {
    let mut eps: Vec<Vec<State>> = Vec::new();
    for s in &log.states[0] {
        let state = State::from_fields(s.clone());
        if state.get_i64("gear").unwrap() == 0 {
            eps.push(Vec::new());
        }
        eps.last_mut().unwrap().push(state);
    }
    eps
}

/// Every file of a recording is whole: each episode's CSV has the rows the manifest says,
/// every row loads, no PNG is left half written.
fn check_valid(dir: &Path) -> Dataset {
    let ds = Dataset::open(dir).unwrap();
    for e in ds.episodes() {
        let csv = std::fs::read_to_string(e.dir.join("steps.csv")).unwrap();
        assert!(csv.ends_with('\n'), "{} ends mid-row", e.dir.display());
        assert_eq!(csv.lines().count() as u32, e.rows + 1, "{}: rows vs manifest", e.dir.display());
        for cam in ["left", "right", "cam"] {
            if let Ok(rd) = std::fs::read_dir(e.dir.join(cam)) {
                for f in rd {
                    let name = f.unwrap().file_name().into_string().unwrap();
                    assert!(name.ends_with(".png"), "a half-written frame is left: {name}");
                }
            }
        }
    }
    for t in ds.transitions() {
        t.unwrap();
    }
    ds
}

#[test]
fn record_writes_frames_and_rows_that_load_back_as_sent() {
    let dir = fresh_dir("roundtrip");
    let (mut child, port) = record(&dir, &["--episodes", "2", "--max-steps", "5"]);
    let cfg = CameraConfig { agents: 1, width: 20, height: 12, stereo: true, done_after: 0 };
    let (log, engine) = camera_engine::spawn(format!("127.0.0.1:{port}"), cfg);
    let s = wait(&mut child, Duration::from_secs(120));
    assert!(s.success(), "ai4u record failed: {}", stderr_of(&mut child));
    engine.join().unwrap().unwrap();

    let ds = check_valid(&dir);
    assert_eq!(ds.manifest().status, Status::Complete);
    let eps = ds.episodes();
    assert_eq!(eps.len(), 2);
    assert!(eps.iter().all(|e| e.status == Status::Truncated && e.rows == 6), "{eps:?}");
    let log = log.lock().unwrap().clone();
    let sent = episodes_sent(&log);
    assert_eq!(sent.len(), 2);
    let loaded: Vec<_> = ds.transitions().map(Result::unwrap).collect();
    assert_eq!(loaded.len(), 10, "5 steps per episode");
    // Each transition's observation is the state sent before its action: every state but
    // the last of each episode, images decoded from the PNGs included.
    let expected: Vec<&State> = sent.iter().flat_map(|ep| &ep[..ep.len() - 1]).collect();
    for (i, (t, s)) in loaded.iter().zip(&expected).enumerate() {
        assert_eq!(&t.observation, *s, "observation {i}");
    }
    let actions: Vec<Vec<f32>> = loaded.iter().map(|t| t.action.as_f32().unwrap().iter().copied().collect()).collect();
    assert_eq!(actions, log.actions[0], "the actions the engine received");
    assert!(loaded.iter().filter(|t| t.truncated).count() == 2 && loaded.iter().all(|t| !t.terminated));
    let csv = std::fs::read_to_string(dir.join("cam0/episode_0002/steps.csv")).unwrap();
    assert_eq!(
        csv.lines().next().unwrap(),
        "step,time,reward,terminated,truncated,speed,gear,pos[0],pos[1],label,left,right,action[0],action[1]"
    );
    assert!(dir.join("cam0/episode_0002/right/000005.png").is_file());
}

#[test]
fn ctrl_c_mid_recording_leaves_valid_files() {
    let dir = fresh_dir("sigint");
    let report = std::env::temp_dir().join(format!("ai4u-cli-record-{}-sigint.json", std::process::id()));
    let (mut child, port) = record(&dir, &["--max-steps", "40", "--report", report.to_str().unwrap()]);
    let cfg = CameraConfig { agents: 1, width: 64, height: 48, stereo: true, done_after: 0 };
    let (log, engine) = camera_engine::spawn(format!("127.0.0.1:{port}"), cfg);
    let end = Instant::now() + Duration::from_secs(60);
    while log.lock().unwrap().states.first().map_or(0, Vec::len) < 60 {
        assert!(Instant::now() < end, "the engine sent fewer than 60 states in 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    let ok = Command::new("kill").arg("-INT").arg(child.id().to_string()).status().unwrap().success();
    assert!(ok, "kill -INT failed");
    let s = wait(&mut child, Duration::from_secs(60));
    let err = stderr_of(&mut child);
    assert!(s.success(), "ai4u record after Ctrl-C: {s}: {err}");
    engine.join().unwrap().unwrap();
    let ds = check_valid(&dir);
    let eps = ds.episodes();
    assert!(eps.len() >= 2, "{eps:?}");
    assert_eq!(eps[0].status, Status::Truncated);
    assert!(eps.iter().all(|e| e.status != Status::Recording), "every episode is closed: {eps:?}");
    assert!(matches!(ds.manifest().status, Status::Interrupted | Status::Complete));
    // Every state the controller delivered is a row: each episode's first and one per step
    // (the report counts the steps). Only a state in flight when the stop came is not.
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let delivered: u64 = report["episodes"].as_array().unwrap().iter().map(|e| e["steps"].as_u64().unwrap() + 1).sum();
    let rows: u64 = eps.iter().map(|e| e.rows as u64).sum();
    assert_eq!(rows, delivered, "one row per state delivered, none lost at the stop: {report}");
    let sent = log.lock().unwrap().states[0].len() as u64;
    assert!(rows == sent || rows + 1 == sent, "{rows} rows, {sent} states sent");
}

#[test]
fn an_unwritable_out_folder_is_a_clear_error() {
    let base = fresh_dir("unwritable");
    std::fs::create_dir_all(&base).unwrap();
    std::fs::write(base.join("file"), "x").unwrap();
    let target = base.join("file").join("rec");
    let out = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["record", "--port", "0", "--out", target.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot record into") && err.contains(target.to_str().unwrap()), "{err}");
}

#[test]
fn video_without_ffmpeg_says_how_to_install_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["record", "--port", "0", "--video", "--out"])
        .arg(fresh_dir("noffmpeg"))
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("apt-get install ffmpeg"), "{err}");
}

#[test]
fn video_makes_an_mp4_per_camera() {
    if !ai4u_appserver::record::ffmpeg_available() {
        println!("NOTICE: ffmpeg is not installed; skipping the --video test (apt-get install -y ffmpeg)");
        return;
    }
    let dir = fresh_dir("video");
    let (mut child, port) = record(&dir, &["--episodes", "1", "--max-steps", "7", "--video"]);
    let cfg = CameraConfig { agents: 1, width: 33, height: 21, stereo: true, done_after: 0 };
    let (_log, engine) = camera_engine::spawn(format!("127.0.0.1:{port}"), cfg);
    let s = wait(&mut child, Duration::from_secs(120));
    assert!(s.success(), "ai4u record --video failed: {}", stderr_of(&mut child));
    engine.join().unwrap().unwrap();
    for cam in ["left", "right"] {
        let mp4 = dir.join(format!("cam0/episode_0001/{cam}.mp4"));
        let probe = Command::new("ffprobe")
            .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
            .args(["-show_entries", "stream=nb_read_frames,codec_name", "-of", "csv=p=0"])
            .arg(&mp4)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&probe.stdout);
        assert!(probe.status.success(), "{}: {}", mp4.display(), String::from_utf8_lossy(&probe.stderr));
        assert!(text.trim().ends_with(",8"), "8 frames (the first state and 7 steps) in {}: {text}", mp4.display());
    }
}
