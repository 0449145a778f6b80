//! A server open to any agent id (`AppServer::serve_open`): ids are taken as engines
//! declare them, each once, up to a limit that is refused by name.

use ai4u_appserver::{AppServer, VecEnv};
use ai4u_controllers::{Controller, SampleSceneController};
use ai4u_core::engine::DecisionDefaults;
use ai4u_sim::SceneConfig;
use ai4u_sim::{IdPrefix, SampleScene};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn engine(
    addr: String,
    prefix: &str,
    agents: usize,
) -> std::thread::JoinHandle<Result<ai4u_sim::RunSummary, ai4u_core::engine::EngineError>> {
    let prefix = prefix.to_owned();
    std::thread::spawn(move || {
        let scene = IdPrefix::new(prefix, SampleScene::new(SceneConfig { agents, max_steps: 5, seed: 0 }));
        ai4u_sim::run_scene(&ai4u_sim::engine_options(addr), scene, DecisionDefaults::default()).map(|(s, _)| s)
    })
}

#[test]
fn ids_declared_by_engines_become_handles_once_and_the_limit_is_refused_by_name() {
    let server = AppServer::builder().port(0).step_timeout(Duration::from_secs(20)).bind().unwrap();
    let addr = server.local_addr().to_string();
    let made = Arc::new(AtomicUsize::new(0));
    let counter = made.clone();
    let open = server
        .serve_open(3, move |_id| {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(SampleSceneController::new()) as Box<dyn Controller>)
        })
        .unwrap();

    // Two ids nobody listed, from an instance with its own prefix.
    let first = engine(addr.clone(), "w7-", 2);
    let handles: Vec<_> = (0..2).map(|_| open.next_configured(Duration::from_secs(30)).expect("configured")).collect();
    let ids: BTreeSet<&str> = handles.iter().map(|h| h.id()).collect();
    assert_eq!(ids, BTreeSet::from(["w7-0", "w7-1"]));
    assert_eq!(made.load(Ordering::SeqCst), 2);

    // They step like any handles, as a batch too.
    let mut env = VecEnv::new(handles).unwrap();
    env.reset(Some(3), None).unwrap();
    let action = env.single_action_space().sample(&mut ai4u_core::spaces::rng(1));
    for _ in 0..12 {
        env.step(&[action.clone(), action.clone()]).unwrap();
    }

    // A second instance with two more ids would make four: refused, naming the limit; the
    // first engine goes on.
    let second = engine(addr.clone(), "w8-", 2);
    let err = second.join().unwrap().expect_err("over the limit");
    let msg = err.to_string();
    assert!(msg.contains("at most 3"), "{msg}");
    env.step(&[action.clone(), action.clone()]).unwrap();

    // The first engine goes away and comes back: the same handles serve it, no new one.
    env.close().unwrap();
    first.join().unwrap().unwrap();
    let handles = env.handles().to_vec();
    let again = engine(addr, "w7-", 2);
    let (obs, _) = handles[0].request_reset(vec![]).unwrap();
    assert!(handles[0].observation_space().contains(&obs));
    assert!(open.next_configured(Duration::from_millis(300)).is_none(), "a known id is given once");
    // w8-0 got a slot before w8-1 was refused; nothing else was made.
    assert_eq!(made.load(Ordering::SeqCst), 3);
    for h in &handles {
        h.stop().unwrap();
    }
    again.join().unwrap().unwrap();
}

#[test]
fn a_server_open_to_no_agent_is_a_usage_error() {
    let server = AppServer::builder().port(0).bind().unwrap();
    let err = server.serve_open(0, |_| Ok(Box::new(SampleSceneController::new()) as Box<dyn Controller>)).unwrap_err();
    assert!(err.to_string().contains("max_agents"), "{err}");
}

#[test]
fn a_failing_or_panicking_factory_refuses_that_engine_and_the_server_goes_on() {
    let server = AppServer::builder().port(0).step_timeout(Duration::from_secs(20)).bind().unwrap();
    let addr = server.local_addr().to_string();
    let open = server
        .serve_open(8, |id| match id {
            "bad-0" => Err("no such robot".into()),
            "boom-0" => panic!("factory bug"),
            _ => Ok(Box::new(SampleSceneController::new()) as Box<dyn Controller>),
        })
        .unwrap();
    let msg = engine(addr.clone(), "bad-", 1).join().unwrap().expect_err("refused").to_string();
    assert!(msg.contains("no controller for agent id `bad-0`: no such robot"), "{msg}");
    let msg = engine(addr.clone(), "boom-", 1).join().unwrap().expect_err("refused").to_string();
    assert!(msg.contains("the controller factory panicked"), "{msg}");
    // The network thread lives: a good engine is served.
    let good = engine(addr, "ok-", 1);
    let h = open.next_configured(Duration::from_secs(30)).expect("configured");
    assert_eq!(h.id(), "ok-0");
    h.request_reset(vec![]).unwrap();
    h.stop().unwrap();
    good.join().unwrap().unwrap();
}
