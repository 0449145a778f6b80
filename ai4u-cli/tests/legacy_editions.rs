//! `ai4u serve --legacy-udp` against an engine emulator of each AI4U edition (Unity AI4UUE,
//! Godot 3 AI4UGE, Godot 4), with the unchanged built-in controllers: whole episodes over
//! real UDP against the real program, its report read back.

mod legacy_emu;

use legacy_emu::{Edition, Emu, EmuEnd};
use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `ai4u serve --legacy-udp --port 0 ...`: its UDP address, and where its report goes.
struct Serve {
    child: Child,
    addr: SocketAddr,
    report: PathBuf,
    _dir: TempDir,
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn serve(name: &str, args: &[&str]) -> Serve {
    let dir = std::env::temp_dir().join(format!("ai4u-legacy-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("report.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["serve", "--legacy-udp", "--port", "0", "--report", report.to_str().unwrap()])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ai4u starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let port: u16 =
        first.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("first line: {first:?}"));
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    Serve { child, addr: SocketAddr::from(([127, 0, 0, 1], port)), report, _dir: TempDir(dir) }
}

impl Serve {
    /// Waits (bounded) for the program to exit; returns whether it succeeded and its stderr.
    fn finish(mut self) -> (bool, String, serde_json::Value) {
        let end = Instant::now() + Duration::from_secs(90);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > end {
                let _ = self.child.kill();
                let mut err = String::new();
                if let Some(mut e) = self.child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("ai4u serve did not finish within 90 s; its stderr:\n{err}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut err);
        }
        let report = std::fs::read_to_string(&self.report)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or(serde_json::Value::Null);
        (status.success(), err, report)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn episodes(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["episodes"].as_array().cloned().unwrap_or_default()
}

fn completed(report: &serde_json::Value) -> Vec<serde_json::Value> {
    episodes(report).into_iter().filter(|e| e["interrupted"] == false).collect()
}

fn interrupted(report: &serde_json::Value) -> Vec<serde_json::Value> {
    episodes(report).into_iter().filter(|e| e["interrupted"] == true).collect()
}

/// The emulator as the tests run it: a receive timeout that survives a loaded machine.
fn emu(edition: Edition, addr: SocketAddr) -> Emu {
    Emu::new(edition, "0", addr).with_timeout(Duration::from_secs(3))
}

/// Runs `emu` on a thread until the server has gone away; returns it for inspection.
fn drive(mut emu: Emu) -> std::thread::JoinHandle<(Emu, Option<EmuEnd>)> {
    std::thread::spawn(move || {
        let end = emu.run_until_gone(Duration::from_secs(90));
        (emu, end)
    })
}

fn n_real_episodes(edition: Edition, detected: &str) {
    let s = serve(&format!("n-{edition:?}"), &["--ids", "0", "--episodes", "3"]);
    let mut e = emu(edition, s.addr);
    assert_eq!(e.configure().unwrap(), "max_steps;1;3000@id;1;0");
    let engine = drive(e);
    let (ok, err, report) = s.finish();
    assert!(ok, "serve failed: {err}");
    let (e, end) = engine.join().unwrap();
    assert_eq!(end, Some(EmuEnd::NotConnected), "the emulator ends when the server is gone");
    assert!(err.contains(detected), "the edition is detected ({detected}): {err}");
    // The final stop lets the agent go: the program does not wait for a goodbye AI4U
    // engines never send.
    assert!(!err.contains("did not say goodbye"), "{err}");
    // Exactly N real episodes: each reaches the cube in 10 steps, none is a phantom.
    let eps = episodes(&report);
    assert_eq!(eps.len(), 3, "{report:#}");
    for ep in &eps {
        assert_eq!(ep["terminated"], true, "{ep}");
        assert_eq!(ep["steps"], 10, "{ep}");
        assert!((ep["return"].as_f64().unwrap() - 9.9).abs() < 1e-3, "{ep}");
    }
    assert_eq!(e.phantoms, 0);
    assert_eq!(e.dones, 3);
    let start = if edition == Edition::Godot4 { "__reset__;1;0" } else { "__restart__;0;" };
    assert_eq!(e.replies.iter().filter(|r| *r == start).count(), 3, "{:?}", e.replies);
    let moves = e.replies.iter().filter(|r| r.starts_with("move;4;")).count();
    assert_eq!(moves, 30, "{:?}", e.replies);
    // Where the steps' time went is measured for legacy agents too (the emulator sleeps
    // 0.5 ms a frame, so its part is never zero).
    let f = &report["figures"][0];
    assert!(f["engine_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{f}");
    assert!(f["step_ms"].as_f64().is_some_and(|ms| ms > 0.0), "{f}");
}

#[test]
fn unity_runs_n_real_episodes_with_its_stacked_shapes() {
    n_real_episodes(Edition::Unity, "AI4U Unity (AI4UUE) or Godot 3 (AI4UGE) edition");
}

#[test]
fn godot3_runs_n_real_episodes() {
    n_real_episodes(Edition::Godot3, "AI4U Unity (AI4UUE) or Godot 3 (AI4UGE) edition");
}

#[test]
fn godot4_runs_n_real_episodes_without_a_phantom() {
    n_real_episodes(Edition::Godot4, "AI4U Godot 4 edition");
}

#[test]
fn godot4_window_close_interrupts_and_a_new_run_is_served() {
    let s = serve("close", &["--ids", "0", "--episodes", "3"]);
    let mut first = emu(Edition::Godot4, s.addr);
    first.configure().unwrap();
    // Close the window in the middle of the second episode.
    let there = first.run_until(Duration::from_secs(30), |e| e.starts == 2 && e.episode_actions >= 4).unwrap();
    assert!(there, "the first run got to its second episode");
    assert_eq!(first.close_window().unwrap(), "halt");
    // A new run of the game, on a new socket.
    let mut second = emu(Edition::Godot4, s.addr);
    second.configure().unwrap();
    let engine = drive(second);
    let (ok, err, report) = s.finish();
    assert!(ok, "serve failed: {err}");
    let (second, _) = engine.join().unwrap();
    assert_eq!(completed(&report).len(), 3, "{report:#}");
    let cut = interrupted(&report);
    assert_eq!(cut.len(), 1, "{report:#}");
    assert!(cut[0]["reason"].as_str().unwrap().contains("window was closed"), "{}", cut[0]);
    assert!(completed(&report).iter().all(|e| e["terminated"] == true && e["steps"] == 10), "{report:#}");
    assert_eq!(first.phantoms + second.phantoms, 0);
    assert_eq!(second.starts, 2, "the new run played the remaining episodes");
}

#[test]
fn unity_stop_then_play_mid_episode_interrupts_it_and_training_goes_on() {
    let s = serve("stop-play", &["--ids", "0", "--episodes", "3"]);
    let mut e = emu(Edition::Unity, s.addr);
    e.configure().unwrap();
    let there = e.run_until(Duration::from_secs(30), |e| e.starts == 2 && e.episode_actions >= 4).unwrap();
    assert!(there, "the scene got to its second episode");
    // Stop -> Play: the same id configures again, and the scene waits to be started.
    assert_eq!(e.stop_and_play().unwrap(), "max_steps;1;3000@id;1;0");
    let engine = drive(e);
    let (ok, err, report) = s.finish();
    assert!(ok, "serve failed: {err}");
    let (e, _) = engine.join().unwrap();
    assert_eq!(completed(&report).len(), 3, "{report:#}");
    let cut = interrupted(&report);
    assert_eq!(cut.len(), 1, "{report:#}");
    assert!(cut[0]["reason"].as_str().unwrap().contains("configured the agent again"), "{}", cut[0]);
    assert_eq!(e.starts, 4, "two episodes before the restart, two after");
}

#[test]
fn a_unity_scene_silent_past_the_step_timeout_is_interrupted_not_fatal() {
    let s = serve("silent", &["--ids", "0", "--episodes", "2", "--step-timeout", "1"]);
    let mut e = emu(Edition::Unity, s.addr);
    e.configure().unwrap();
    assert!(e.run_until(Duration::from_secs(30), |e| e.starts == 1 && e.episode_actions >= 3).unwrap());
    // The editor is paused: nothing is sent for longer than the step timeout.
    std::thread::sleep(Duration::from_millis(2500));
    e.stop_and_play().unwrap();
    let engine = drive(e);
    let (ok, err, report) = s.finish();
    assert!(ok, "serve failed: {err}");
    engine.join().unwrap();
    assert_eq!(completed(&report).len(), 2, "{report:#}");
    assert_eq!(interrupted(&report).len(), 1, "{report:#}");
}

#[test]
fn max_steps_is_enforced_on_the_server_side() {
    for edition in [Edition::Unity, Edition::Godot4] {
        let s = serve(&format!("max-{edition:?}"), &["--ids", "0", "--episodes", "2", "--max-steps", "4"]);
        let mut e = emu(edition, s.addr);
        // The reply says 4; the engine, like every edition, keeps its own length (3000).
        assert_eq!(e.configure().unwrap(), "max_steps;1;4@id;1;0");
        let engine = drive(e);
        let (ok, err, report) = s.finish();
        assert!(ok, "{edition:?}: serve failed: {err}");
        let (e, _) = engine.join().unwrap();
        let eps = episodes(&report);
        assert_eq!(eps.len(), 2, "{edition:?}: {report:#}");
        for ep in &eps {
            assert_eq!(ep["truncated"], true, "{edition:?}: {ep}");
            assert_eq!(ep["terminated"], false, "{edition:?}: {ep}");
            assert_eq!(ep["steps"], 4, "{edition:?}: {ep}");
        }
        // Four actions per episode reached the engine, no more; it never saw `done`.
        assert_eq!(e.actions, 8, "{edition:?}: {:?}", e.replies);
        assert_eq!(e.dones, 0);
        assert_eq!(e.starts, 2);
    }
}

#[test]
fn the_generic_controller_reads_unity_shapes() {
    // Random actions rarely reach the cube: the engine's own length (20) ends the episodes.
    let s = serve("generic", &["--ids", "0", "--episodes", "2", "--controller", "generic", "--policy", "random"]);
    let mut e = emu(Edition::Unity, s.addr).with_engine_max_steps(20);
    e.configure().unwrap();
    let engine = drive(e);
    let (ok, err, report) = s.finish();
    assert!(ok, "serve failed: {err}");
    engine.join().unwrap();
    assert_eq!(completed(&report).len(), 2, "{report:#}");
    assert!(report["failed_agents"].as_array().unwrap().is_empty(), "{report:#}");
}

#[test]
fn a_forced_edition_overrides_detection() {
    // Forced to Unity, a Godot 4 scene gets Unity's words: `__restart__` only starts it,
    // so its episodes after the first are phantoms (what auto-detection avoids). Its
    // shapes are read as Unity's too, which `samplescene` refuses: `generic` takes them.
    let args =
        ["--ids", "0", "--episodes", "2", "--legacy-edition", "unity", "--controller", "generic", "--policy", "random"];
    let s = serve("forced", &args);
    let mut e = emu(Edition::Godot4, s.addr).with_engine_max_steps(20);
    e.configure().unwrap();
    let engine = drive(e);
    let (ok, err, _) = s.finish();
    assert!(ok, "serve failed: {err}");
    let (e, _) = engine.join().unwrap();
    assert!(e.replies.iter().any(|r| r == "__restart__;0;"), "{:?}", e.replies);
    assert!(!e.replies.iter().any(|r| r.starts_with("__reset__")), "{:?}", e.replies);
    assert!(e.phantoms >= 1, "{:?}", e.replies);
    assert!(!err.contains("AI4U Godot 4 edition"), "{err}");
    // Forced to Godot 4, the same scene is served right.
    let s = serve("forced4", &["--ids", "0", "--episodes", "2", "--legacy-edition", "godot4"]);
    let mut e = emu(Edition::Godot4, s.addr);
    e.configure().unwrap();
    let engine = drive(e);
    let (ok, err, report) = s.finish();
    assert!(ok, "serve failed: {err}");
    let (e, _) = engine.join().unwrap();
    assert_eq!(e.phantoms, 0);
    assert_eq!(completed(&report).len(), 2, "{report:#}");
    assert!(completed(&report).iter().all(|e| e["steps"] == 10), "{report:#}");
}

#[test]
fn an_unknown_edition_is_refused_by_name() {
    let out = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["serve", "--legacy-udp", "--legacy-edition", "godot5"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("godot5") && err.contains("godot4"), "{err}");
}

#[test]
fn network_text_in_legacy_log_lines_is_escaped() {
    use ai4u_core::legacy;
    use ai4u_core::value::Field;
    let s = serve("escape", &["--ids", "0", "--episodes", "1"]);
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    probe.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // An unknown id that tries to forge a log line.
    let forged = "9\nai4u: forged line";
    let config = [
        Field::new("__target__", "envcontrol"),
        Field::new("max_steps", 5i64),
        Field::new("id", forged),
        Field::new("config", 1i64),
    ];
    probe.send_to(&legacy::encode_request(&config), s.addr).unwrap();
    let mut buf = [0u8; 1000];
    let (n, _) = probe.recv_from(&mut buf).expect("an unknown id is answered");
    assert_eq!(&buf[..n], b"__stop__;0;");
    // Then a real agent, so the run ends.
    let mut e = emu(Edition::Unity, s.addr);
    e.configure().unwrap();
    let engine = drive(e);
    let (ok, err, _) = s.finish();
    assert!(ok, "serve failed: {err}");
    engine.join().unwrap();
    assert!(err.contains("9\\u{a}ai4u: forged line"), "{err}");
    assert!(!err.lines().any(|l| l.starts_with("ai4u: forged")), "{err}");
}
