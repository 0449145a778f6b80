//! The `ai4u` program against the headless scene run as a separate process: real
//! processes, real sockets, real kills.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

fn ai4u() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ai4u"))
}

/// The `ai4u-sim` binary, built once per test run (it belongs to another package, so cargo
/// does not build it for this one's tests).
fn sim_bin() -> &'static PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = Command::new(env!("CARGO"))
            .args(["build", "--quiet", "-p", "ai4u-sim", "--bin", "ai4u-sim"])
            .current_dir(&root)
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building ai4u-sim failed");
        let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
        target.join("debug").join("ai4u-sim")
    })
}

/// Starts `ai4u serve ...` and returns it with the port from its first line.
fn serve(args: &[&str]) -> (Child, u16, BufReader<std::process::ChildStdout>) {
    let mut child = ai4u()
        .arg("serve")
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ai4u starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    let port =
        first.trim().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_else(|| panic!("first line: {first:?}"));
    (child, port, out)
}

fn sim(port: u16, args: &[&str]) -> Child {
    Command::new(sim_bin())
        .args(["--port", &port.to_string()])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ai4u-sim starts")
}

/// Waits for a child with a deadline, killing it if it overruns (a test must not hang).
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

fn report(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn run_serve_and_sim(seed: &str, dir: &tempdir::Dir) -> serde_json::Value {
    let path = dir.0.join(format!("report-{seed}.json"));
    let (mut server, port, _out) = serve(&[
        "--ids",
        "0,1",
        "--episodes",
        "3",
        "--max-steps",
        "400",
        "--seed",
        seed,
        "--report",
        path.to_str().unwrap(),
    ]);
    let mut engine = sim(port, &["--agents", "2"]);
    let s = wait(&mut server, Duration::from_secs(120));
    assert!(s.success(), "serve failed: {}", stderr_of(&mut server));
    let e = wait(&mut engine, Duration::from_secs(30));
    assert!(e.success(), "the engine did not exit cleanly: {}", stderr_of(&mut engine));
    report(&path)
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(name: &str) -> Dir {
            let p = std::env::temp_dir().join(format!("ai4u-cli-{name}-{}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn serve_drives_the_headless_scene_process_and_seeded_runs_repeat() {
    let dir = tempdir::Dir::new("serve");
    let a = run_serve_and_sim("5", &dir);
    let episodes = a["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), 6, "3 episodes for each of 2 agents");
    let reached = episodes.iter().filter(|e| e["terminated"] == true && e["return"].as_f64().unwrap() > 0.0).count();
    assert!(reached >= 4, "the scripted pilot reached the cube only {reached}/6 times: {a}");
    assert!(a["observations_checked"].as_u64().unwrap() > 6);
    // Same seed, same episodes (returns and lengths per agent and episode).
    let b = run_serve_and_sim("5", &dir);
    let key = |r: &serde_json::Value| {
        let mut v: Vec<String> = r["episodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| format!("{} {} {} {:.4}", e["agent"], e["episode"], e["steps"], e["return"].as_f64().unwrap()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(key(&a), key(&b));
}

/// Reads `out` until a line starting with `prefix`, and returns every line read.
fn read_until(lines: &mut impl Iterator<Item = std::io::Result<String>>, prefix: &str) -> Vec<String> {
    let mut seen = Vec::new();
    for line in lines {
        let line = line.unwrap();
        let found = line.starts_with(prefix);
        seen.push(line);
        if found {
            return seen;
        }
    }
    panic!("serve ended before printing `{prefix}`; it printed:\n{}", seen.join("\n"));
}

/// Sends `signal` (e.g. "INT") to a child process.
fn signal(child: &Child, signal: &str) {
    let ok = Command::new("kill").arg(format!("-{signal}")).arg(child.id().to_string()).status().unwrap().success();
    assert!(ok, "kill -{signal} failed");
}

#[test]
fn serve_outlives_a_killed_engine_and_goes_on_with_the_next_one() {
    let dir = tempdir::Dir::new("outlive");
    let path = dir.0.join("report.json");
    let args = ["--ids", "0", "--episodes", "2", "--policy", "noop", "--report", path.to_str().unwrap()];
    let (mut server, port, out) = serve(&args);
    let mut lines = out.lines();
    // The first engine's episodes never end (no max steps, and noop never reaches the cube),
    // so the kill lands mid-episode.
    let mut first = sim(port, &["--agents", "1", "--max-steps", "0"]);
    read_until(&mut lines, "ai4u: 1 agent(s) configured");
    std::thread::sleep(Duration::from_millis(300));
    first.kill().unwrap();
    let _ = first.wait();
    let seen = read_until(&mut lines, "ai4u: agent 0 waits for an engine");
    assert!(seen.iter().any(|l| l.starts_with("agent 0 episode 1:") && l.contains("interrupted")), "{seen:?}");
    // A new engine (a restarted build) takes over; its episodes end after 50 steps.
    let mut second = sim(port, &["--agents", "1", "--max-steps", "50"]);
    let status = wait(&mut server, Duration::from_secs(60));
    assert!(status.success(), "serve failed: {}", stderr_of(&mut server));
    assert!(wait(&mut second, Duration::from_secs(30)).success(), "{}", stderr_of(&mut second));
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(rest.iter().any(|l| l.starts_with("ai4u: agent 0 is served again")), "{rest:?}");
    let r = report(&path);
    let episodes = r["episodes"].as_array().unwrap();
    assert_eq!(episodes.len(), 3, "{r}");
    assert_eq!(episodes[0]["interrupted"], true, "{r}");
    assert!(episodes[0]["reason"].as_str().unwrap().contains("disconnected"), "{r}");
    for e in &episodes[1..] {
        assert_eq!(
            (e["interrupted"].as_bool(), e["truncated"].as_bool(), e["steps"].as_u64()),
            (Some(false), Some(true), Some(50)),
            "{r}"
        );
    }
    assert_eq!(r["stopped"], false);
}

#[test]
fn ctrl_c_stops_the_engines_and_writes_the_summary_and_report() {
    let dir = tempdir::Dir::new("ctrl-c");
    let path = dir.0.join("report.json");
    let (mut server, port, out) = serve(&["--ids", "0,1", "--policy", "noop", "--report", path.to_str().unwrap()]);
    let mut lines = out.lines();
    let mut engine = sim(port, &["--agents", "2", "--max-steps", "20"]);
    read_until(&mut lines, "agent 1 episode 2:");
    signal(&server, "INT");
    let status = wait(&mut server, Duration::from_secs(30));
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(status.success(), "exit {status}: {}", stderr_of(&mut server));
    assert!(rest.iter().any(|l| l.contains("| episodes")), "no summary in {rest:?}");
    // The engine was told to stop, said goodbye and exited cleanly.
    assert!(wait(&mut engine, Duration::from_secs(30)).success(), "{}", stderr_of(&mut engine));
    let r = report(&path);
    assert_eq!(r["stopped"], true, "{r}");
    let episodes = r["episodes"].as_array().unwrap();
    let completed = episodes.iter().filter(|e| e["interrupted"] == false).count();
    assert!(completed >= 2, "{r}");
    assert!(episodes.iter().all(|e| e["interrupted"] == false || e["reason"] == "stopped"), "{r}");
}

#[test]
fn sigterm_while_waiting_for_engines_exits_cleanly() {
    let (mut server, _port, out) = serve(&["--ids", "0,7"]);
    let mut lines = out.lines();
    let seen = read_until(&mut lines, "ai4u: waiting for engines");
    assert!(seen.last().unwrap().ends_with("missing agent(s) 0, 7"), "{seen:?}");
    signal(&server, "TERM");
    let status = wait(&mut server, Duration::from_secs(20));
    assert!(status.success(), "exit {status}: {}", stderr_of(&mut server));
}

#[test]
fn serve_launches_four_instances_and_restarts_a_killed_one() {
    let dir = tempdir::Dir::new("launch");
    let path = dir.0.join("report.json");
    let engine =
        format!("{} --port {{port}} --agents 2 --id-prefix {{id_prefix}} --max-steps 100", sim_bin().display());
    let (mut server, _port, out) = serve(&[
        "--engine",
        &engine,
        "--instances",
        "4",
        "--ids",
        "0,1",
        "--episodes",
        "12",
        "--policy",
        "noop",
        "--log-dir",
        dir.0.to_str().unwrap(),
        "--report",
        path.to_str().unwrap(),
        "--metrics",
        dir.0.join("metrics.csv").to_str().unwrap(),
        "--metrics-every",
        "0.2",
    ]);
    let mut lines = out.lines();
    let seen = read_until(&mut lines, "ai4u: 8 agent(s) configured");
    let pid = seen
        .iter()
        .find_map(|l| l.strip_prefix("ai4u: instance 1 started: pid "))
        .and_then(|rest| rest.split(',').next())
        .unwrap_or_else(|| panic!("no start line for instance 1 in {seen:?}"))
        .to_owned();
    read_until(&mut lines, "agent w1-0 episode 2:");
    // The instance is a process group (the shell and the engine it started): kill it all,
    // as a crash of the engine would end it.
    assert!(Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status().unwrap().success());
    let status = wait(&mut server, Duration::from_secs(120));
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    assert!(status.success(), "serve failed: {}\n{rest:?}", stderr_of(&mut server));
    assert!(rest.iter().any(|l| l.starts_with("ai4u: instance 1 crashed")), "{rest:?}");
    assert!(rest.iter().any(|l| l.starts_with("ai4u: instance 1 started (restart 1)")), "{rest:?}");
    let r = report(&path);
    let episodes = r["episodes"].as_array().unwrap();
    let completed = episodes.iter().filter(|e| e["interrupted"] == false).count();
    assert_eq!(completed, 8 * 12, "every agent still completes its episodes");
    // The kill lands mid-episode (episodes last 100 steps; a reset takes one round trip).
    let interrupted: Vec<_> = episodes.iter().filter(|e| e["interrupted"] == true).collect();
    let waited = rest.iter().any(|l| l.starts_with("ai4u: agent w1-") && l.contains("waits for an engine"));
    assert!(interrupted.iter().all(|e| e["agent"].as_str().unwrap().starts_with("w1-")), "{interrupted:?}");
    assert!(!interrupted.is_empty() || waited, "{r}");
    // Each instance wrote its own log.
    assert!(std::fs::read_to_string(dir.0.join("instance-1.log")).unwrap().contains("ai4u-sim"));
    // Live figures per instance: the CSV's last rows and the report agree with the run.
    let csv = std::fs::read_to_string(dir.0.join("metrics.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows[0].starts_with("seconds,group,agents,agent_steps"), "{csv}");
    for (i, row) in rows[rows.len() - 4..].iter().enumerate() {
        let cols: Vec<&str> = row.split(',').collect();
        assert_eq!((cols[1], cols[2], cols[5]), (format!("instance {i}").as_str(), "2", "24"), "{csv}");
    }
    let figures = r["figures"].as_array().unwrap();
    assert_eq!(figures.len(), 4, "{r}");
    assert_eq!(figures.iter().map(|f| f["episodes"].as_u64().unwrap()).sum::<u64>(), 96);
    // Where the steps' time went: the parts add up to the step (the server's part is the rest).
    for f in figures {
        let ms = |k: &str| f[k].as_f64().unwrap_or_else(|| panic!("{k} missing in {f}"));
        let (step, c, e, v) = (ms("step_ms"), ms("controller_ms"), ms("engine_ms"), ms("server_ms"));
        assert!(step > 0.0 && e > 0.0 && c >= 0.0 && v >= 0.0, "{f}");
        assert!((c + e + v - step).abs() < 1e-6 || c + e > step, "{f}");
    }
}

#[test]
fn a_command_that_crashes_at_once_is_given_up_after_the_restart_limit() {
    let dir = tempdir::Dir::new("crash");
    let (mut server, _port, out) = serve(&[
        "--engine",
        "echo 'cannot open scene' >&2; exit 3",
        "--max-restarts",
        "2",
        "--log-dir",
        dir.0.to_str().unwrap(),
    ]);
    let status = wait(&mut server, Duration::from_secs(60));
    let printed: Vec<String> = out.lines().map(Result::unwrap).collect();
    assert_eq!(status.code(), Some(1), "{printed:?}");
    assert_eq!(printed.iter().filter(|l| l.starts_with("ai4u: instance 0 started")).count(), 3, "{printed:?}");
    let err = stderr_of(&mut server);
    assert!(err.contains("instance 0 crashed 3 times in a row (last: exit status: 3); gave up"), "{err}");
    assert!(std::fs::read_to_string(dir.0.join("instance-0.log")).unwrap().contains("cannot open scene"));
}

#[test]
fn a_taken_port_names_the_process_that_holds_it() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = held.local_addr().unwrap().port().to_string();
    let out = ai4u().args(["serve", "--port", &port]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("port {port} is held by pid {}", std::process::id())), "{err}");
}

#[test]
fn serve_names_the_missing_agents_when_no_engine_comes() {
    let (mut server, _port, _out) = serve(&["--ids", "0,7", "--episodes", "1", "--connect-timeout", "0.5"]);
    let status = wait(&mut server, Duration::from_secs(20));
    assert_eq!(status.code(), Some(1));
    let err = stderr_of(&mut server);
    assert!(err.contains("no engine configured agent(s) 0, 7 within 0.5 s"), "stderr: {err}");
}

#[test]
fn serve_refuses_an_unknown_controller() {
    let out = ai4u().args(["serve", "--controller", "nope", "--port", "0"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("unknown controller `nope` (built-in: samplescene, fs-track, generic)"));
}

#[test]
fn the_engine_reports_an_unreachable_controller() {
    // Nothing listens on this port (bound then released).
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut engine = sim(port, &["--agents", "1", "--connect-timeout", "0.5"]);
    let status = wait(&mut engine, Duration::from_secs(20));
    assert!(!status.success());
    let err = stderr_of(&mut engine);
    assert!(err.contains(&format!("cannot connect to the controller at 127.0.0.1:{port}")), "stderr: {err}");
}

#[test]
fn demo_reaches_the_cube() {
    let out = ai4u().args(["demo", "--agents", "2", "--episodes", "3", "--quiet"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let rate: f64 = text
        .lines()
        .find(|l| l.contains("success rate"))
        .and_then(|l| l.split('|').nth(2))
        .and_then(|v| v.trim().trim_end_matches('%').trim().parse().ok())
        .unwrap_or_else(|| panic!("no success rate in:\n{text}"));
    assert!(rate >= 50.0, "success rate {rate}:\n{text}");
}

#[test]
fn serve_with_ids_any_takes_the_ids_engines_declare_until_stopped() {
    let dir = tempdir::Dir::new("ids-any");
    let path = dir.0.join("report.json");
    let args = ["--ids", "any", "--max-agents", "3", "--policy", "noop", "--report", path.to_str().unwrap()];
    let (mut server, port, out) = serve(&args);
    let mut lines = out.lines();
    let mut a = sim(port, &["--agents", "2", "--max-steps", "20", "--id-prefix", "w1-"]);
    read_until(&mut lines, "agent w1-1 episode 2:");
    // A third instance would make four agents: refused by name; the others go on.
    let mut b = sim(port, &["--agents", "2", "--max-steps", "20", "--id-prefix", "w2-"]);
    assert!(!wait(&mut b, Duration::from_secs(30)).success());
    let err = stderr_of(&mut b);
    assert!(err.contains("at most 3"), "{err}");
    read_until(&mut lines, "agent w1-0 episode 4:");
    signal(&server, "TERM");
    let status = wait(&mut server, Duration::from_secs(30));
    assert!(status.success(), "exit {status}: {}", stderr_of(&mut server));
    assert!(wait(&mut a, Duration::from_secs(30)).success(), "{}", stderr_of(&mut a));
    let r = report(&path);
    let totals = r["totals"].as_array().unwrap();
    // In the order they joined; w2-0 took the third place before w2-1 was refused, but never configured.
    let mut agents: Vec<&str> = totals.iter().map(|t| t["agent"].as_str().unwrap()).collect();
    agents.sort();
    assert_eq!(agents, ["w1-0", "w1-1"], "{r}");
    assert!(totals.iter().all(|t| t["episodes"].as_u64().unwrap() >= 2), "{r}");
    // The live figures count the agents that joined, and every step they took.
    let steps: u64 = totals.iter().map(|t| t["steps"].as_u64().unwrap()).sum();
    assert_eq!(
        (r["figures"][0]["agents"].as_u64(), r["figures"][0]["agent_steps"].as_u64()),
        (Some(2), Some(steps)),
        "{r}"
    );
}
