//! `RemoteEnv` (the first AI4U guide's client) against real engines over real sockets: the
//! engine-side `Requestor` running a LineScene or an argument-recording scene, and the
//! headless SampleScene of `ai4u-sim`.

mod common;

use ai4u_appserver::{AppError, RemoteEnv};
use ai4u_core::engine::{DecisionDefaults, Requestor, Scene};
use ai4u_core::metadata::{ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::AgentInfo;
use common::{builder, engine_opts, spawn_line_engine};
use std::time::Duration;

const OPEN: Duration = Duration::from_secs(20);

/// One agent that reports the last action it received (`last_name`, `last_arg`) and
/// declares the actuators `a` and `b`.
struct ArgScene {
    last: Option<(String, Value)>,
}

impl Scene for ArgScene {
    fn agents(&self) -> Vec<AgentInfo> {
        let out = |name: &str| OutputSpec {
            name: name.into(),
            continuous: true,
            shape: vec![1],
            range_min: vec![],
            range_max: vec![],
        };
        vec![AgentInfo {
            id: "0".into(),
            max_steps: 0,
            metadata: ModelMetadata { inputs: vec![], outputs: vec![out("a"), out("b")] },
        }]
    }
    fn reset_agent(&mut self, _: usize, _: &[Field]) {
        self.last = None;
    }
    fn act(&mut self, _: usize, name: &str, args: &[Value], _: &[Field]) {
        self.last = Some((name.to_owned(), args.first().cloned().unwrap_or(Value::Bool(false))));
    }
    fn step_physics(&mut self) {}
    fn frame_reward(&mut self, _: usize) -> f32 {
        1.0
    }
    fn is_done(&self, _: usize) -> bool {
        false
    }
    fn observe(&self, _: usize, out: &mut Vec<Field>) {
        if let Some((name, arg)) = &self.last {
            out.push(Field::new("last_name", Value::String(name.clone())));
            out.push(Field::new("last_arg", arg.clone()));
        }
    }
}

fn arg_env() -> (RemoteEnv, std::thread::JoinHandle<()>) {
    let mut env = RemoteEnv::listen(builder(), "0").unwrap();
    let opts = engine_opts(env.local_addr().unwrap());
    let engine = std::thread::spawn(move || {
        let r = Requestor::connect(
            &opts,
            ArgScene { last: None },
            DecisionDefaults { frame_skip: 1, repeat_action: false },
        )
        .unwrap();
        r.run().unwrap();
    });
    env.open(OPEN).unwrap();
    (env, engine)
}

#[test]
fn every_argument_type_of_the_guide_reaches_the_engine_as_given() {
    let (mut env, engine) = arg_env();
    assert_eq!(env.action_names(), ["a", "b"]);
    let cases: Vec<(&str, ai4u_appserver::Arg, Value)> = vec![
        ("a", 5.into(), Value::Int(5)),
        ("b", 0.25f32.into(), Value::Float(0.25)),
        ("a", true.into(), Value::Bool(true)),
        ("b", "jump".into(), Value::String("jump".into())),
        ("a", vec![1.0f32, 2.0, 3.0].into(), Value::floats(vec![1.0, 2.0, 3.0])),
    ];
    for (name, arg, expected) in cases {
        let state = env.step(name, arg).unwrap();
        assert_eq!(state.get_string("last_name").unwrap(), name);
        assert_eq!(state.get("last_arg"), Some(&expected), "{name}");
        assert_eq!(state.reward, 1.0);
    }
    let state = env.stepfv("b", &[0.5, -0.5]).unwrap();
    assert_eq!(state.get("last_arg"), Some(&Value::floats(vec![0.5, -0.5])));
    env.close().unwrap();
    engine.join().unwrap();
}

#[test]
fn an_actuator_the_engine_does_not_declare_is_refused_with_the_declared_ones() {
    let (mut env, engine) = arg_env();
    let err = env.step("move", 1.0).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, AppError::Controller { .. }), "{err:?}");
    assert!(msg.contains("no actuator `move`") && msg.contains("a [1], b [1]"), "{msg}");
    // The agent is still usable after the refusal.
    assert_eq!(env.step("a", 2).unwrap().get("last_arg"), Some(&Value::Int(2)));
    env.close().unwrap();
    engine.join().unwrap();
}

#[test]
fn episodes_end_and_restart_with_reset_and_a_step_after_the_end_says_to_reset() {
    let mut env = RemoteEnv::listen(builder(), "0").unwrap();
    let engine = spawn_line_engine(engine_opts(env.local_addr().unwrap()), &["0"], 0);
    let first = env.open(OPEN).unwrap();
    assert_eq!(first.get_floats("obs").unwrap(), [0.0, 0.0]);
    // The line ends at position 5: ten steps of 0.5.
    let mut steps = 0;
    let last = loop {
        let s = env.stepfv("move", &[0.5]).unwrap();
        steps += 1;
        assert_eq!(s.reward, 0.5);
        if s.ended() {
            break s;
        }
        assert!(steps < 100, "the episode never ended");
    };
    assert_eq!(steps, 10);
    assert!(last.terminated && !last.truncated);
    assert_eq!(last.get_floats("obs").unwrap()[0], 5.0);
    let err = env.stepfv("move", &[0.5]).unwrap_err();
    assert!(matches!(err, AppError::NoEpisode { .. }), "{err:?}");
    // A seed reaches the scene: the line starts at seed mod 3.
    let again = env.reset(vec![Field::new("seed", 4i64)]).unwrap();
    assert_eq!(again.get_floats("obs").unwrap(), [1.0, 4.0]);
    env.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn open_times_out_naming_the_address_and_can_be_called_again() {
    let mut env = RemoteEnv::listen(builder(), "0").unwrap();
    let addr = env.local_addr().unwrap();
    let err = env.open(Duration::from_millis(300)).unwrap_err();
    assert!(matches!(err, AppError::NotConfigured { .. }), "{err:?}");
    assert!(err.to_string().contains(&addr.to_string()), "{err}");
    // The server kept listening: an engine that comes late is served by a second open.
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    env.open(OPEN).unwrap();
    assert!(env.stepfv("move", &[1.0]).unwrap().get_floats("obs").unwrap()[0] == 1.0);
    env.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn steps_before_open_and_after_close_are_usage_errors() {
    let mut env = RemoteEnv::with_server(builder(), "0");
    assert!(matches!(env.step("a", 1), Err(AppError::Usage(_))));
    env.close().unwrap();
}

#[test]
fn the_headless_sample_scene_moves_with_named_float_actions() {
    let mut env = RemoteEnv::listen(builder(), "0").unwrap();
    let opts = ai4u_sim::engine_options(env.local_addr().unwrap().to_string());
    let engine = ai4u_sim::spawn_engine(
        opts,
        ai4u_sim::SceneConfig { agents: 1, max_steps: 50, seed: 3 },
        DecisionDefaults::default(),
    );
    env.open(OPEN).unwrap();
    assert!(env.action_names().contains(&"move".to_string()), "{:?}", env.action_names());
    let mut ended = false;
    for _ in 0..50 {
        let s = env.stepfv("move", &[1.0, 0.0, 0.0, 0.0]).unwrap();
        if s.ended() {
            ended = true;
            break;
        }
    }
    assert!(ended, "the 50-step episode did not end within 50 steps");
    env.close().unwrap();
    engine.join().unwrap().unwrap();
}
