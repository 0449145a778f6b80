//! `close()` waits for the engine's goodbye: a program that drops everything right after it
//! leaves its engine ending cleanly (Bye), never seeing the connection cut.

mod common;

use ai4u_appserver::{Env, ParallelEnv, VecEnv};
use common::*;

#[test]
fn dropping_everything_right_after_close_leaves_the_engine_ending_cleanly_every_time() {
    for round in 0..10 {
        let (mut handles, engine) = start_line(&["0"], builder());
        let mut env = handles.remove(0);
        env.reset(None, None).unwrap();
        env.step(&dx(1.0)).unwrap();
        env.close().unwrap();
        drop(env); // the last handle: the server shuts down now
        let end = engine.join().unwrap();
        assert!(end.is_ok(), "round {round}: the engine saw {end:?}");
    }
}

#[test]
fn vec_and_parallel_envs_close_with_a_goodbye_too() {
    let (handles, engine) = start_line(&["0", "1"], builder());
    let mut venv = VecEnv::new(handles).unwrap();
    venv.reset(None, None).unwrap();
    venv.close().unwrap();
    drop(venv);
    assert!(engine.join().unwrap().is_ok());
    let (handles, engine) = start_line(&["a", "b"], builder());
    let mut penv = ParallelEnv::new(handles).unwrap();
    penv.reset(None, None).unwrap();
    penv.close().unwrap();
    drop(penv);
    assert!(engine.join().unwrap().is_ok());
}
