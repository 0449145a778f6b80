//! The scene as an engine over a real loopback socket, against a minimal controller
//! written directly on the wire types: lifecycle, reward sums, truncation and Bye. Also
//! the `ai4u-sim` binary as a separate process.

mod common;
use ai4u_core::engine::DecisionDefaults;
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::{AgentStatus, Command, Mode, Tick};
use ai4u_sim::{engine_options, spawn_echo_engine, spawn_engine, EchoConfig, SceneConfig, ENGINE_NAME};
use common::MiniController;
use std::process::{Command as Process, Stdio};

fn assert_all(tick: &Tick, status: AgentStatus, steps: u32) {
    for a in &tick.agents {
        assert_eq!((a.status, a.steps), (status, steps), "agent {} in tick {}", a.id, tick.seq);
    }
}

/// Drives two agents through one episode truncated at 5 steps, then stops them. Returns
/// the number of ticks the controller saw.
fn drive_truncated_episode(c: &mut MiniController) -> u64 {
    let t = c.tick();
    assert_eq!(t.seq, 0);
    assert_all(&t, AgentStatus::Idle, 0);
    assert!(t.agents.iter().all(|a| a.fields.is_empty()), "idle agents carry no observations");
    c.reply_all(&t, Command::Reset { fields: vec![Field::new("seed", Value::Int(3))] });

    let t = c.tick();
    assert_all(&t, AgentStatus::NewEpisode, 0);
    for a in &t.agents {
        assert_eq!((a.reward, a.done, a.truncated), (0.0, false, false));
        let names: Vec<&str> = a.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["array", "vision"]);
        assert_eq!(a.fields[1].value.shape(), vec![10, 10, 1]);
    }
    // Same seed in both areas: the same first observation.
    assert_eq!(t.agents[0].fields, t.agents[1].fields);
    c.reply_all(&t, Command::act("move", vec![0.0, 0.0, 0.0, 0.0])); // stand still: no event

    let mut ticks = 2;
    for step in 1..=5u32 {
        let t = c.tick();
        ticks += 1;
        assert_all(&t, AgentStatus::Step, step);
        for a in &t.agents {
            assert!((a.reward + 0.01).abs() < 1e-6, "one decision's reward is -0.01, got {}", a.reward);
            assert!(!a.done);
            assert_eq!(a.truncated, step == 5, "truncated exactly at max_steps");
        }
        if step < 5 {
            c.reply_all(&t, Command::act("move", vec![0.0, 0.5, 0.0, 0.0]));
        } else {
            c.reply_all(&t, Command::Wait);
        }
    }
    let t = c.tick();
    assert_all(&t, AgentStatus::Idle, 5);
    c.reply_all(&t, Command::Stop);
    c.expect_bye();
    ticks + 1
}

#[test]
fn lockstep_lifecycle_over_loopback() {
    let (listener, addr) = MiniController::listen();
    let engine = spawn_engine(
        engine_options(addr),
        SceneConfig { agents: 2, max_steps: 5, seed: 1 },
        DecisionDefaults::default(),
    );
    let (mut c, hello) = MiniController::accept(&listener, Mode::Lockstep, vec![]);
    assert_eq!(hello.engine, ENGINE_NAME);
    assert_eq!(hello.mode, Mode::Lockstep);
    assert_eq!(hello.agents.len(), 2);
    assert!(hello.agents.iter().all(|a| a.max_steps == 5 && a.metadata.output("move").is_some()));
    let ticks = drive_truncated_episode(&mut c);
    let summary = engine.join().unwrap().unwrap();
    assert_eq!(summary.episodes, 2);
    assert_eq!(summary.decisions, 10);
    // Reset frame, 5 decisions of 4 frames, the frame after the truncated tick.
    assert_eq!(summary.frames, 22);
    // The final idle tick answered with Stop never reaches the scene (see `RunSummary`).
    assert_eq!(summary.ticks, ticks - 1);
    assert_eq!(summary.states, 2 * 6);
}

#[test]
fn welcome_fields_override_max_steps_and_frame_skip() {
    let (listener, addr) = MiniController::listen();
    let engine = spawn_engine(
        engine_options(addr),
        SceneConfig { agents: 1, max_steps: 50, seed: 0 },
        DecisionDefaults::default(),
    );
    let config = vec![Field::new("max_steps", Value::Int(2)), Field::new("frame_skip", Value::Int(1))];
    let (mut c, _) = MiniController::accept(&listener, Mode::Lockstep, config);
    let t = c.tick();
    c.reply_all(&t, Command::Reset { fields: vec![] });
    let t = c.tick();
    c.reply_all(&t, Command::act("move", vec![1.0, 0.0, 0.0, 0.0]));
    let t = c.tick();
    assert_all(&t, AgentStatus::Step, 1);
    c.reply_all(&t, Command::act("move", vec![1.0, 0.0, 0.0, 0.0]));
    let t = c.tick();
    assert!(t.agents[0].truncated);
    // Walking 2 frames at 4 m/s moved it 0.16 m; the last action is reported back.
    let array = t.agents[0].fields[0].value.to_f32_vec().unwrap();
    assert_eq!(&array[3..], &[1.0, 0.0, 0.0, 0.0]);
    c.reply_all(&t, Command::Stop);
    c.expect_bye();
    let summary = engine.join().unwrap().unwrap();
    assert_eq!((summary.frames, summary.decisions), (3, 2));
}

#[test]
fn realtime_keeps_simulating_on_wait() {
    let (listener, addr) = MiniController::listen();
    let mut opts = engine_options(addr);
    opts.mode = Mode::Realtime;
    let engine = spawn_engine(opts, SceneConfig { agents: 1, max_steps: 0, seed: 0 }, DecisionDefaults::default());
    let (mut c, hello) = MiniController::accept(&listener, Mode::Realtime, vec![]);
    assert_eq!(hello.mode, Mode::Realtime);
    let t = c.tick();
    c.reply_all(&t, Command::Reset { fields: vec![] });
    let t = c.tick();
    c.reply_all(&t, Command::act("move", vec![0.0, 1.0, 0.0, 0.0]));
    // Each Wait keeps the last action going for another period without a new decision:
    // ticks keep coming every 4 frames, the step count stays.
    for _ in 0..3 {
        let t = c.tick();
        assert_all(&t, AgentStatus::Step, 1);
        c.reply_all(&t, Command::Wait);
    }
    let t = c.tick();
    assert_all(&t, AgentStatus::Step, 1);
    c.reply_all(&t, Command::Stop);
    c.expect_bye();
    assert_eq!(engine.join().unwrap().unwrap().frames, 1 + 4 * 4);
}

#[test]
fn echo_scene_over_loopback() {
    let (listener, addr) = MiniController::listen();
    let engine = spawn_echo_engine(
        engine_options(addr),
        EchoConfig { agents: 3, width: 2, max_steps: 2 },
        DecisionDefaults::default(),
    );
    let (mut c, _) = MiniController::accept(&listener, Mode::Lockstep, vec![]);
    let t = c.tick();
    c.reply_all(&t, Command::Reset { fields: vec![] });
    let t = c.tick();
    assert!(t.agents.iter().all(|a| a.fields[0].value == Value::floats(vec![0.0, 0.0])));
    c.reply_all(&t, Command::act("echo", vec![0.25, -0.75]));
    let t = c.tick();
    assert!(t.agents.iter().all(|a| a.fields[0].value == Value::floats(vec![0.25, -0.75]) && a.reward == 0.0));
    c.reply_all(&t, Command::act("echo", vec![1.0, 1.0]));
    let t = c.tick();
    assert!(t.agents.iter().all(|a| a.truncated && !a.done));
    c.reply_all(&t, Command::Stop);
    c.expect_bye();
    engine.join().unwrap().unwrap();
}

#[test]
fn binary_runs_as_a_separate_process() {
    let (listener, addr) = MiniController::listen();
    let port = addr.rsplit(':').next().unwrap().to_owned();
    let child = Process::new(env!("CARGO_BIN_EXE_ai4u-sim"))
        .args(["--host", "127.0.0.1", "--port", &port, "--agents", "2", "--max-steps", "5", "--seed", "9"])
        .args(["--mode", "lockstep"])
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut c, hello) = MiniController::accept(&listener, Mode::Lockstep, vec![]);
    assert_eq!(hello.agents.len(), 2);
    drive_truncated_episode(&mut c);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("22 frames"), "{stderr}");
}

#[test]
fn binary_rejects_bad_arguments_clearly() {
    let out = Process::new(env!("CARGO_BIN_EXE_ai4u-sim")).args(["--mode", "fast"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--mode: `fast` is not lockstep or realtime"));
    let out = Process::new(env!("CARGO_BIN_EXE_ai4u-sim")).arg("--help").output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("--max-steps"));
}

#[test]
fn reaching_the_cube_over_loopback_reports_done_and_the_reward_sum() {
    let (listener, addr) = MiniController::listen();
    let engine = spawn_engine(engine_options(addr), SceneConfig::default(), DecisionDefaults::default());
    let (mut c, _) = MiniController::accept(&listener, Mode::Lockstep, vec![]);
    let t = c.tick();
    c.reply_all(&t, Command::Reset { fields: vec![Field::new("seed", Value::Int(4))] });
    let mut rule = common::Rule::default();
    let mut total = 0.0f32;
    loop {
        let t = c.tick();
        let a = &t.agents[0];
        total += a.reward;
        if a.done {
            assert!(!a.truncated);
            assert!((a.reward - 9.99).abs() < 1e-4, "last decision: +10 - 0.01, got {}", a.reward);
            assert!((total - (10.0 - 0.01 * a.steps as f32)).abs() < 1e-3, "sum {total} over {} steps", a.steps);
            c.reply_all(&t, Command::Stop);
            break;
        }
        assert!(a.steps < 500, "the rule did not reach the cube");
        let vision: [f32; 100] = a.fields[1].value.to_f32_vec().unwrap().try_into().unwrap();
        c.reply_all(&t, Command::act("move", rule.act(&vision).to_vec()));
    }
    c.expect_bye();
    assert_eq!(engine.join().unwrap().unwrap().episodes, 1);
}
