//! The Rust side of `bench/bench_step.py`: the same engine, appserver and steps as the
//! Python environments use, timed in a loop that never enters Python, in the same process.

use crate::engines::{EngineSpec, Engines, SceneKind};
use crate::errors;
use ai4u_appserver::{AppServer, VecEnv};
use ai4u_controllers::{Controller, GenericController};
use ai4u_core::spaces;
use ai4u_core::wire::Mode;
use pyo3::prelude::*;
use std::time::{Duration, Instant};

fn rate(seconds: f64, warm: u32, mut f: impl FnMut() -> ai4u_appserver::Result<()>) -> ai4u_appserver::Result<f64> {
    for _ in 0..warm {
        f()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..20 {
            f()?;
        }
        n += 20;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn measure(scene: SceneKind, agents: usize, seconds: f64) -> ai4u_appserver::Result<f64> {
    let server = AppServer::builder().port(0).connect_timeout(Duration::from_secs(20)).bind()?;
    let spec = EngineSpec {
        kind: scene,
        instances: 1,
        agents,
        seed: 0,
        max_steps: 0,
        frame_skip: 1,
        token: None,
        mode: Mode::Lockstep,
    };
    let _engines = Engines::spawn(&server.local_addr().to_string(), &spec);
    let ids: Vec<String> = (0..agents).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers: Vec<Box<dyn Controller>> =
        ids.iter().map(|_| Box::new(GenericController::new()) as Box<dyn Controller>).collect();
    let handles = server.start(&refs, controllers)?;
    let action = handles[0].action_space().sample(&mut spaces::rng(1));
    if agents == 1 {
        let h = &handles[0];
        h.request_reset(vec![])?;
        // Episodes can end (the SampleScene agent may walk off); both sides then reset.
        let r = rate(seconds, 200, || {
            let s = h.request_step(&action)?;
            if s.terminated || s.truncated {
                h.request_reset(vec![])?;
            }
            Ok(())
        })?;
        h.stop()?;
        return Ok(r);
    }
    let actions = vec![action; agents];
    let mut venv = VecEnv::new(handles)?;
    crate::compat::vec_reset(&mut venv, None, None)?;
    let r = rate(seconds, 50, || venv.step(&actions).map(drop))?;
    venv.close()?;
    Ok(r)
}

/// Steps per second of `request_step` (1 agent) or `VecEnv::step` (more), in Rust, against
/// an in-process engine with frame skip 1 and no episode limit.
#[pyfunction]
#[pyo3(signature = (scene="echo", agents=1, seconds=2.0, width=8))]
pub fn rust_step_rate(py: Python<'_>, scene: &str, agents: usize, seconds: f64, width: usize) -> PyResult<f64> {
    let kind = SceneKind::parse(scene, width)?;
    py.detach(|| measure(kind, agents.max(1), seconds)).map_err(errors::app)
}
