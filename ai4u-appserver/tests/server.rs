//! The appserver over real loopback sockets, against the real engine-side `Requestor`
//! and against hand-driven engines that misbehave.

mod common;

use ai4u_appserver::{AppError, Env, ParallelEnv, VecEnv};
use ai4u_core::engine::{EngineError, Requestor};
use ai4u_core::value::Field;
use ai4u_core::wire::*;
use common::*;
use std::collections::BTreeMap;
use std::time::Duration;

#[test]
fn reset_and_step_round_trip() {
    let (handles, engine) = start_line(&["0"], builder());
    let h = &handles[0];
    let (obs, _) = h.request_reset(vec![]).unwrap();
    assert_eq!(pos(&obs), 0.0);
    let r = h.request_step(&dx(1.0)).unwrap();
    assert_eq!(pos(&r.obs), 1.0);
    assert_eq!(r.reward, 1.0);
    assert!(!r.terminated && !r.truncated);
    let r = h.request_step(&dx(-0.5)).unwrap();
    assert_eq!(pos(&r.obs), 0.5);
    assert_eq!(r.reward, -0.5);
    h.stop().unwrap();
    assert_eq!(engine.join().unwrap().unwrap(), ai4u_core::engine::RunEnd::AllStopped);
}

#[test]
fn episodes_end_by_done_and_by_max_steps() {
    let b = builder().agent_config(Field::new("max_steps", 3i64));
    let (handles, engine) = start_line(&["0"], b);
    let mut env = handles[0].clone();
    // Standing still: cut off after 3 steps.
    env.reset(None, None).unwrap();
    let mut last = None;
    for _ in 0..3 {
        last = Some(env.step(&dx(0.0)).unwrap());
    }
    let last = last.unwrap();
    assert!(last.truncated && !last.terminated);
    assert!(matches!(env.step(&dx(0.0)), Err(AppError::NoEpisode { .. })));
    // Walking from the seeded start 2 reaches 5 in 3 steps: terminated, not truncated.
    let (obs, _) = env.reset(Some(2), None).unwrap();
    assert_eq!(pos(&obs), 2.0);
    let mut r = env.step(&dx(1.0)).unwrap();
    r = if r.ended() { r } else { env.step(&dx(1.0)).unwrap() };
    r = if r.ended() { r } else { env.step(&dx(1.0)).unwrap() };
    assert!(r.terminated && !r.truncated, "{r:?}");
    env.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn several_agents_share_one_connection_and_vecenv_autoresets() {
    let (handles, engine) = start_line(&["a", "b", "c"], builder());
    let mut venv = VecEnv::new(handles).unwrap();
    let (obs, _) = venv.reset(Some(0), None).unwrap();
    // seed + i: starts at 0, 1, 2.
    assert_eq!(obs.iter().map(pos).collect::<Vec<_>>(), vec![0.0, 1.0, 2.0]);
    let ones = vec![dx(1.0), dx(1.0), dx(1.0)];
    let s = venv.step(&ones).unwrap();
    assert_eq!(s.obs.iter().map(pos).collect::<Vec<_>>(), vec![1.0, 2.0, 3.0]);
    venv.step(&ones).unwrap();
    let s = venv.step(&ones).unwrap(); // c reaches 5
    assert_eq!(s.terminated, vec![false, false, true]);
    // Next step: c is reset instead of stepped (reward 0, flags false, obs of the new episode).
    let s = venv.step(&ones).unwrap();
    assert_eq!(s.terminated, vec![false, true, false]);
    assert_eq!(s.rewards[2], 0.0);
    assert_eq!(pos(&s.obs[2]), 0.0);
    venv.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn parallel_env_drops_finished_agents() {
    let (handles, engine) = start_line(&["x", "y"], builder());
    let mut penv = ParallelEnv::new(handles).unwrap();
    assert_eq!(penv.possible_agents(), &["x".to_string(), "y".to_string()]);
    let (obs, _) = penv.reset(Some(1), None).unwrap(); // x starts at 1, y at 2
    assert_eq!(pos(&obs["y"]), 2.0);
    let act = |ids: &[String]| ids.iter().map(|id| (id.clone(), dx(1.0))).collect::<BTreeMap<_, _>>();
    for _ in 0..3 {
        let a = act(penv.agents());
        penv.step(&a).unwrap();
    }
    assert_eq!(penv.agents(), &["x".to_string()], "y reached 5 and left");
    let a = act(&["x".to_string(), "y".to_string()]);
    assert!(matches!(penv.step(&a), Err(AppError::Usage(m)) if m.contains("`y` is not live")));
    penv.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn two_engine_connections_serve_different_ids() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let e0 = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let e1 = spawn_line_engine(engine_opts(addr), &["1"], 0);
    let handles = server.start(&["0", "1"], line_controllers(2)).unwrap();
    let mut venv = VecEnv::new(handles).unwrap();
    venv.reset(None, None).unwrap();
    let s = venv.step(&[dx(1.0), dx(-1.0)]).unwrap();
    assert_eq!(s.rewards, vec![1.0, -1.0]);
    venv.close().unwrap();
    e0.join().unwrap().unwrap();
    e1.join().unwrap().unwrap();
}

#[test]
fn seeded_resets_give_the_same_trajectory() {
    let (handles, engine) = start_line(&["0"], builder());
    let mut env = handles[0].clone();
    let mut run = |seed| {
        let (o, _) = env.reset(Some(seed), None).unwrap();
        let mut traj = vec![pos(&o)];
        for a in [0.5, 1.0, -0.25] {
            traj.push(pos(&env.step(&dx(a)).unwrap().obs));
        }
        traj
    };
    let a = run(7);
    let b = run(7);
    let c = run(8);
    assert_eq!(a, b);
    assert_ne!(a, c);
    env.close().unwrap();
    engine.join().unwrap().unwrap();
}

/// Handshakes a raw engine for `ids` and answers its first idle tick.
#[test]
fn engine_dying_mid_step_fails_the_step_then_a_reconnect_resumes() {
    let server = builder().step_timeout(Duration::from_secs(5)).bind().unwrap();
    let addr = server.local_addr();
    let raw = std::thread::spawn(move || {
        let mut e = raw_welcomed(addr, &["0"]);
        let seq = idle_until_reset(&mut e);
        e.send(Message::Tick(Tick { seq, agents: vec![RawEngine::state("0", AgentStatus::NewEpisode, 0.0)] }));
        // Read the action, then die without answering.
        assert!(matches!(e.recv(), Some(Message::Reply(_))));
        drop(e);
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let h = &handles[0];
    h.request_reset(vec![]).unwrap();
    // A dead engine is reported as a disconnect (a stall would be a Timeout instead).
    let err = h.request_step(&dx(1.0)).unwrap_err();
    assert!(matches!(&err, AppError::Disconnected { id, .. } if id == "0"), "{err}");
    assert!(err.to_string().contains("engine closed the connection"), "{err}");
    raw.join().unwrap();
    // Later calls fail clearly too.
    assert!(matches!(h.request_step(&dx(1.0)), Err(AppError::Disconnected { .. })));
    // A new engine with the same id: the next reset starts a new episode there.
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let (obs, _) = h.request_reset(vec![]).unwrap();
    assert_eq!(pos(&obs), 0.0);
    assert_eq!(pos(&h.request_step(&dx(1.0)).unwrap().obs), 1.0);
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_stalled_engine_times_out_with_a_clear_error() {
    let server = builder().step_timeout(Duration::from_millis(500)).bind().unwrap();
    let addr = server.local_addr();
    let raw = std::thread::spawn(move || {
        let mut e = raw_welcomed(addr, &["0"]);
        e.send(Message::Tick(Tick { seq: 0, agents: vec![RawEngine::state("0", AgentStatus::Idle, 0.0)] }));
        // Read replies but never send another tick.
        let _ = e.recv();
        std::thread::sleep(Duration::from_secs(2));
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let err = handles[0].request_reset(vec![]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "agent `0`: no answer from the engine within 0.5 s while waiting for the first state of the episode"
    );
    raw.join().unwrap();
}

#[test]
fn bad_handshakes_are_rejected_with_reasons_and_others_keep_working() {
    let server = builder().token("s3cret").bind().unwrap();
    let addr = server.local_addr();
    let reject_reason = move |hello: Hello| {
        let mut e = RawEngine::connect(addr);
        e.send(Message::Hello(hello));
        match e.recv() {
            Some(Message::Reject { reason }) => reason,
            other => panic!("expected Reject, got {other:?}"),
        }
    };
    let mut good = RawEngine::hello(&["0"]);
    good.token = Some("s3cret".into());
    let checker = std::thread::spawn(move || {
        let mut h = good.clone();
        h.version = 1;
        assert_eq!(reject_reason(h), "protocol version 1 is not supported (this server speaks 2)");
        let mut h = good.clone();
        h.token = Some("nope".into());
        assert_eq!(reject_reason(h), "wrong or missing auth token");
        let mut h = good.clone();
        h.magic = 0xdeadbeef;
        assert_eq!(reject_reason(h), "not an ai4u engine: bad magic 0xdeadbeef");
        let mut h = good.clone();
        h.agents[0].id = "9".into();
        assert_eq!(reject_reason(h), "unknown agent id `9` (this server serves 0)");
        // Garbage instead of a Hello: an Error naming the problem.
        let mut e = RawEngine::connect(addr);
        use std::io::Write;
        e.writer.get_mut().write_all(&[5, 0, 0, 0, 9, 9, 9, 9, 9]).unwrap();
        match e.recv() {
            Some(Message::Error { reason }) => {
                assert_eq!(reason, "protocol error: unknown message tag 151587081")
            }
            other => panic!("{other:?}"),
        }
        // Now a real engine still gets in.
        let mut opts = engine_opts(addr);
        opts.token = Some("s3cret".into());
        let engine = spawn_line_engine(opts, &["0"], 0);
        // And a second engine for the same id is turned away while the first is connected.
        std::thread::sleep(Duration::from_millis(300));
        assert_eq!(reject_reason(good.clone()), "agent id `0` is already connected");
        engine
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let engine = checker.join().unwrap();
    handles[0].request_reset(vec![]).unwrap();
    assert_eq!(handles[0].request_step(&dx(1.0)).unwrap().reward, 1.0);
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_tick_for_an_undeclared_agent_is_an_error_for_that_connection_only() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let good = spawn_line_engine(engine_opts(addr), &["0"], 0);
    let bad = std::thread::spawn(move || {
        let mut e = raw_welcomed(addr, &["1"]);
        e.send(Message::Tick(Tick { seq: 0, agents: vec![RawEngine::state("7", AgentStatus::Idle, 0.0)] }));
        match e.recv() {
            Some(Message::Error { reason }) => reason,
            other => panic!("{other:?}"),
        }
    });
    let handles = server.start(&["0", "1"], line_controllers(2)).unwrap();
    assert_eq!(bad.join().unwrap(), "tick names agent `7`, which this connection did not declare");
    let h0 = &handles[0];
    h0.request_reset(vec![]).unwrap();
    assert_eq!(h0.request_step(&dx(1.0)).unwrap().reward, 1.0);
    assert!(matches!(handles[1].request_step(&dx(1.0)), Err(AppError::Disconnected { .. })));
    h0.stop().unwrap();
    good.join().unwrap().unwrap();
}

#[test]
fn missing_engines_are_named_after_the_connect_timeout() {
    let server = builder().connect_timeout(Duration::from_millis(300)).bind().unwrap();
    let addr = server.local_addr();
    let engine = spawn_line_engine(engine_opts(addr), &["a"], 0);
    let err = server.start(&["a", "b", "c"], line_controllers(3)).unwrap_err();
    assert!(matches!(&err, AppError::NotConfigured { missing, .. } if missing == &["b", "c"]), "{err}");
    assert!(err.to_string().starts_with("no engine configured agent(s) b, c within 0.3 s"), "{err}");
    // The engine learns the server went away rather than hanging.
    let r = engine.join().unwrap();
    assert!(r.is_err());
}

#[test]
fn a_panicking_controller_stops_only_its_agent() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let engine = spawn_line_engine(engine_opts(addr), &["0", "1"], 0);
    let controllers: Vec<Box<dyn ai4u_controllers::Controller>> =
        vec![Box::new(LineController::new(Some(0.75))), Box::new(LineController::new(None))];
    let handles = server.start(&["0", "1"], controllers).unwrap();
    let mut venv = VecEnv::new(handles.clone()).unwrap();
    venv.reset(None, None).unwrap();
    let err = handles[0].request_step(&dx(0.75)).unwrap_err();
    assert_eq!(err.to_string(), "agent `0`: controller panicked in step_behavior: boom at dx=0.75");
    let err = handles[0].request_reset(vec![]).unwrap_err();
    assert!(matches!(err, AppError::Failed { .. }), "{err}");
    // Agent 1 lives on (agent 0 was stopped in the engine, so lockstep does not wait for it).
    assert_eq!(handles[1].request_step(&dx(1.0)).unwrap().reward, 1.0);
    assert_eq!(handles[1].request_step(&dx(1.0)).unwrap().reward, 1.0);
    handles[1].stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_parallel_env_keeps_every_agents_bookkeeping_when_one_fails() {
    let server = builder().bind().unwrap();
    let engine = spawn_line_engine(engine_opts(server.local_addr()), &["0", "1"], 0);
    let controllers: Vec<Box<dyn ai4u_controllers::Controller>> =
        vec![Box::new(LineController::new(Some(0.75))), Box::new(LineController::new(None))];
    let mut penv = ParallelEnv::new(server.start(&["0", "1"], controllers).unwrap()).unwrap();
    penv.reset(Some(1), None).unwrap(); // "0" starts at 1, "1" at 2; 5 ends an episode
    let both = |a: f32, b: f32| [("0".to_owned(), dx(a)), ("1".to_owned(), dx(b))].into_iter().collect();
    penv.step(&both(1.0, 1.0)).unwrap();
    penv.step(&both(1.0, 1.0)).unwrap();
    // "0" fails while "1" reaches 5 in the same step: neither is live afterwards.
    let err = penv.step(&both(0.75, 1.0)).unwrap_err();
    assert_eq!(err.to_string(), "agent `0`: controller panicked in step_behavior: boom at dx=0.75");
    assert!(penv.agents().is_empty(), "{:?}", penv.agents());
    // A reset brings back whoever can come back, and still reports the failed one.
    let err = penv.reset(None, None).unwrap_err();
    assert!(matches!(err, AppError::Failed { .. }), "{err}");
    assert_eq!(penv.agents(), ["1"]);
    let only_1 = [("1".to_owned(), dx(1.0))].into_iter().collect();
    assert_eq!(penv.step(&only_1).unwrap().rewards["1"], 1.0);
    penv.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn the_engine_reports_a_rejection_clearly() {
    let server = builder().token("t").connect_timeout(Duration::from_secs(1)).bind().unwrap();
    let addr = server.local_addr();
    let opts = engine_opts(addr);
    let scene = LineScene::new(&["0"], 0);
    let t = std::thread::spawn(move || Requestor::connect(&opts, scene, Default::default()).err());
    let err = server.start(&["0"], line_controllers(1));
    assert!(err.is_err());
    let e = t.join().unwrap().expect("rejected");
    assert!(matches!(&e, EngineError::Rejected(r) if r == "wrong or missing auth token"), "{e}");
}

#[test]
fn realtime_rewards_earned_while_the_controller_thinks_all_reach_it() {
    // The engine keeps applying the last action between decisions and reports each stretch's
    // reward; every one must reach the user exactly once: the return equals the distance.
    let server = builder().mode(Mode::Realtime).bind().unwrap();
    let mut opts = engine_opts(server.local_addr());
    opts.mode = Mode::Realtime;
    let engine = std::thread::spawn(move || {
        let defaults = ai4u_core::engine::DecisionDefaults { frame_skip: 1, repeat_action: true };
        Requestor::connect(&opts, LineScene::new(&["0"], 0), defaults)?.run().map(|(end, _)| end)
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let h = &handles[0];
    for _episode in 0..3 {
        let (obs, _) = h.request_reset(vec![]).unwrap();
        let start = pos(&obs);
        let mut ret = 0.0f64;
        let mut steps = 0;
        let last = loop {
            std::thread::sleep(Duration::from_millis(2));
            let r = h.request_step(&dx(0.01)).unwrap();
            ret += r.reward as f64;
            steps += 1;
            if r.ended() {
                break r;
            }
            assert!(steps < 10_000, "the episode never ended");
        };
        let distance = (pos(&last.obs) - start) as f64;
        assert!((ret - distance).abs() < 1e-3, "return {ret} but the agent moved {distance}");
    }
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn realtime_episode_ends_reach_a_slow_controller() {
    // Realtime: the engine keeps applying the last action while the controller thinks, so
    // an episode can end (here: the goal reached during such a stretch) while the next
    // action is still on its way. That end must reach the user as the step's result.
    let server = builder().mode(Mode::Realtime).bind().unwrap();
    let addr = server.local_addr();
    let mut opts = engine_opts(addr);
    opts.mode = Mode::Realtime;
    let engine = std::thread::spawn(move || {
        let scene = LineScene::new(&["0"], 0);
        let r = Requestor::connect(
            &opts,
            scene,
            ai4u_core::engine::DecisionDefaults { frame_skip: 1, repeat_action: true },
        )?;
        r.run().map(|(end, _)| end)
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let h = &handles[0];
    for _episode in 0..3 {
        h.request_reset(vec![]).unwrap();
        let mut ended = false;
        for _ in 0..50 {
            std::thread::sleep(Duration::from_millis(5));
            let r = h.request_step(&dx(1.0)).unwrap();
            if r.ended() {
                assert!(r.terminated && pos(&r.obs) >= 5.0, "{r:?}");
                ended = true;
                break;
            }
        }
        assert!(ended, "the episode never ended");
    }
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn pause_refuses_steps_until_resume() {
    let (handles, engine) = start_line(&["0"], builder());
    let h = &handles[0];
    h.request_reset(vec![]).unwrap();
    assert_eq!(pos(&h.request_step(&dx(1.0)).unwrap().obs), 1.0);
    h.pause().unwrap();
    let err = h.request_step(&dx(1.0)).unwrap_err();
    assert_eq!(err.to_string(), "agent `0` is paused: resume it before stepping");
    h.resume().unwrap();
    // The episode goes on where it stopped.
    assert_eq!(pos(&h.request_step(&dx(1.0)).unwrap().obs), 2.0);
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn controllers_learn_the_real_episode_length() {
    use std::sync::{Arc, Mutex};
    struct Recorder(Arc<Mutex<Vec<u32>>>, LineController);
    impl ai4u_controllers::Controller for Recorder {
        fn action_space(&self) -> &ai4u_core::spaces::Space {
            self.1.action_space()
        }
        fn observation_space(&self) -> &ai4u_core::spaces::Space {
            self.1.observation_space()
        }
        fn step_behavior(&mut self, action: &ai4u_core::spaces::Sample) -> ai4u_controllers::Result<Command> {
            self.1.step_behavior(action)
        }
        fn handle_configuration(
            &mut self,
            _id: &str,
            max_steps: u32,
            _m: &ai4u_core::metadata::ModelMetadata,
        ) -> ai4u_controllers::Result<()> {
            self.0.lock().unwrap().push(max_steps);
            Ok(())
        }
    }
    let seen = Arc::new(Mutex::new(Vec::new()));
    let recorder = |seen: &Arc<Mutex<Vec<u32>>>| -> Vec<Box<dyn ai4u_controllers::Controller>> {
        vec![Box::new(Recorder(seen.clone(), LineController::new(None)))]
    };
    // The engine declares 40; without an override the controller hears 40.
    let server = builder().bind().unwrap();
    let engine = spawn_line_engine(engine_opts(server.local_addr()), &["0"], 40);
    let handles = server.start(&["0"], recorder(&seen)).unwrap();
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
    // The server overrides it with 7: the controller hears 7, and the engine truncates at 7.
    let server = builder().agent_config(Field::new("max_steps", 7i64)).bind().unwrap();
    let engine = spawn_line_engine(engine_opts(server.local_addr()), &["0"], 40);
    let handles = server.start(&["0"], recorder(&seen)).unwrap();
    handles[0].request_reset(vec![]).unwrap();
    let mut steps = 0;
    while !handles[0].request_step(&dx(0.0)).unwrap().truncated {
        steps += 1;
    }
    assert_eq!(steps + 1, 7);
    handles[0].stop().unwrap();
    engine.join().unwrap().unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![40, 7]);
}

#[test]
fn an_idle_agent_does_not_hold_up_one_in_mid_decision() {
    // With a hold far longer than the step timeout, any tick held while another agent of the
    // connection is still running would make its step fail.
    let server = builder().idle_hold(Duration::from_secs(60)).step_timeout(Duration::from_secs(5)).bind().unwrap();
    let opts = engine_opts(server.local_addr());
    let engine = std::thread::spawn(move || {
        let scene = LineScene::new(&["x", "y"], 0);
        let r = Requestor::connect(
            &opts,
            scene,
            ai4u_core::engine::DecisionDefaults { frame_skip: 4, repeat_action: false },
        )?;
        r.run().map(|(end, _)| end)
    });
    let handles = server.start(&["x", "y"], line_controllers(2)).unwrap();
    let mut penv = ParallelEnv::new(handles).unwrap();
    penv.reset(Some(1), None).unwrap(); // x starts at 1, y at 2: y is done a step earlier
    let mut steps = 0;
    while !penv.agents().is_empty() {
        let actions = penv.agents().iter().map(|id| (id.clone(), dx(1.0))).collect();
        penv.step(&actions).unwrap();
        steps += 1;
    }
    assert_eq!(steps, 4);
    penv.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn an_engine_dying_while_the_controller_thinks_is_noticed_at_once() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let raw = std::thread::spawn(move || {
        let mut e = raw_welcomed(addr, &["0"]);
        let seq = idle_until_reset(&mut e);
        // The first state of the episode; then the engine dies before any answer.
        e.send(Message::Tick(Tick { seq, agents: vec![RawEngine::state("0", AgentStatus::NewEpisode, 0.0)] }));
    });
    let handles = server.start(&["0"], line_controllers(1)).unwrap();
    let h = &handles[0];
    h.request_reset(vec![]).unwrap();
    raw.join().unwrap();
    // No command is sent: the connection must notice the close on its own.
    assert!(h.wait_disconnected(Duration::from_secs(5)), "the dead engine still holds agent 0");
    // And a restarted engine may take the id again.
    let engine = spawn_line_engine(engine_opts(addr), &["0"], 0);
    h.request_reset(vec![]).unwrap();
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_tick_naming_an_agent_twice_is_a_protocol_error() {
    let server = builder().bind().unwrap();
    let addr = server.local_addr();
    let raw = std::thread::spawn(move || {
        let mut e = raw_welcomed(addr, &["0"]);
        let s = RawEngine::state("0", AgentStatus::Idle, 0.0);
        e.send(Message::Tick(Tick { seq: 0, agents: vec![s.clone(), s] }));
        e.recv()
    });
    let _handles = server.start(&["0"], line_controllers(1)).unwrap();
    assert_eq!(raw.join().unwrap(), Some(Message::Error { reason: "tick names agent `0` twice".into() }));
}

#[test]
fn batches_refuse_the_same_agent_twice() {
    let (handles, engine) = start_line(&["0", "1"], builder());
    let twice = vec![handles[0].clone(), handles[1].clone(), handles[0].clone()];
    assert_eq!(VecEnv::new(twice.clone()).err().unwrap().to_string(), "agent `0` appears twice");
    assert_eq!(ParallelEnv::new(twice).err().unwrap().to_string(), "agent `0` appears twice");
    handles.iter().for_each(|h| h.stop().unwrap());
    engine.join().unwrap().unwrap();
}

#[test]
fn a_panicking_space_refuses_the_connection_with_the_panic() {
    struct BadSpaces(LineController);
    impl ai4u_controllers::Controller for BadSpaces {
        fn action_space(&self) -> &ai4u_core::spaces::Space {
            panic!("no action space today")
        }
        fn observation_space(&self) -> &ai4u_core::spaces::Space {
            self.0.observation_space()
        }
        fn action_name(&self) -> &str {
            "move"
        }
    }
    let server = builder().connect_timeout(Duration::from_secs(1)).bind().unwrap();
    let opts = engine_opts(server.local_addr());
    let t = std::thread::spawn(move || Requestor::connect(&opts, LineScene::new(&["0"], 0), Default::default()).err());
    let err = server.start(&["0"], vec![Box::new(BadSpaces(LineController::new(None)))]).unwrap_err();
    assert!(matches!(err, AppError::NotConfigured { .. }), "{err}");
    let e = t.join().unwrap().expect("rejected");
    assert_eq!(
        e.to_string(),
        "the controller rejected the connection: agent `0`: controller panicked in handle_configuration: no action space today"
    );
}
