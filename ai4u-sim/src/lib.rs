//! # ai4u-sim
//!
//! Headless reference scenes that speak the ai4u protocol as a game engine would:
//!
//! - [`SampleScene`]: AI4U's SampleScene (`docs/SAMPLESCENE.md`) in plain Rust, seeded
//!   and deterministic, the embedded default for `ai4u demo`, tests and benchmarks;
//! - [`EchoScene`]: agents with no physics that echo their last action, to measure the
//!   protocol's own overhead;
//! - [`FsTrackScene`]: a Formula Student car on a coned track (acceleration, skidpad,
//!   seeded autocross) with telemetry and optional mono or stereo cameras
//!   (`docs/FSTRACK.md`), rendered by the headless camera in [`render`].
//!
//! All implement [`ai4u_core::engine::Scene`]; [`run_engine`] and [`spawn_engine`] connect
//! a scene to a controller through [`ai4u_core::engine::Requestor`] and run it until the
//! controller stops every agent. The `ai4u-sim` binary does the same as a separate process.
//!
//! ```
//! use ai4u_sim::{SampleScene, SceneConfig};
//! let mut scene = SampleScene::new(SceneConfig { agents: 2, seed: 7, ..SceneConfig::default() });
//! let mut rewards = [0.0; 2];
//! scene.decide(&[[1.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]], 4, &mut rewards);
//! assert!(rewards[1] < 0.0); // -0.01 per decision
//! ```

#![warn(missing_docs)]

mod echo;
pub mod fstrack;
mod geom;
mod pace;
mod prefix;
pub mod render;
mod sample;
mod vision;

pub use echo::{EchoConfig, EchoScene, ECHO_ACTION};
pub use fstrack::{CameraMode, FsTrackConfig, FsTrackScene};
pub use pace::WallClock;
pub use prefix::IdPrefix;
pub use sample::*;
pub use vision::{CODE_AGENT, CODE_FLOOR, CODE_NOTHING, CODE_TARGET, VISION_COLS, VISION_RANGE, VISION_ROWS};

use ai4u_core::engine::{DecisionDefaults, EngineError, EngineOptions, Requestor, Scene};
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::AgentInfo;
use std::cell::Cell;

/// The engine name this crate puts in Hello.
pub const ENGINE_NAME: &str = "ai4u-sim";

/// [`EngineOptions`] for `addr` that introduce the engine as `ai4u-sim`, other settings at
/// their defaults.
pub fn engine_options(addr: impl Into<String>) -> EngineOptions {
    EngineOptions {
        addr: addr.into(),
        engine: ENGINE_NAME.to_owned(),
        engine_version: env!("CARGO_PKG_VERSION").to_owned(),
        ..EngineOptions::default()
    }
}

/// What one engine run did, counted at the scene boundary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Physics frames simulated.
    pub frames: u64,
    /// Ticks that carried at least one running or paused agent's state, or whose reply
    /// reset an agent. A tick carrying only idle agents answered with Wait or Stop does not
    /// reach the scene and is not counted (the `Requestor` exposes no tick counter).
    pub ticks: u64,
    /// Agent states with observations sent (status new episode, step or paused).
    pub states: u64,
    /// Actions accepted (decisions begun).
    pub decisions: u64,
    /// Episodes started (Resets applied).
    pub episodes: u64,
}

/// Wraps a scene to count what crosses it; otherwise transparent. Cells because
/// [`Scene::observe`] takes `&self`.
struct Counting<S> {
    inner: S,
    summary: RunSummary,
    states: Cell<u64>,
    /// Something tick-related happened since the last physics frame.
    tick_seen: Cell<bool>,
}

impl<S: Scene> Scene for Counting<S> {
    fn agents(&self) -> Vec<AgentInfo> {
        self.inner.agents()
    }
    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        self.summary.episodes += 1;
        self.tick_seen.set(true);
        self.inner.reset_agent(agent, fields)
    }
    fn act(&mut self, agent: usize, name: &str, args: &[Value], fields: &[Field]) {
        self.inner.act(agent, name, args, fields)
    }
    fn step_physics(&mut self) {
        // A frame is an optional tick followed by physics, so at most one tick happened
        // since the previous physics frame.
        if self.tick_seen.replace(false) {
            self.summary.ticks += 1;
        }
        self.summary.frames += 1;
        self.inner.step_physics()
    }
    fn frame_reward(&mut self, agent: usize) -> f32 {
        self.inner.frame_reward(agent)
    }
    fn is_done(&self, agent: usize) -> bool {
        self.inner.is_done(agent)
    }
    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        self.states.set(self.states.get() + 1);
        self.tick_seen.set(true);
        self.inner.observe(agent, out)
    }
    fn begin_decision(&mut self, agent: usize) {
        self.summary.decisions += 1;
        self.tick_seen.set(true);
        self.inner.begin_decision(agent)
    }
}

/// Connects any scene, runs it until the controller stops every agent (then says Bye) and
/// returns the counts and the scene as it ended.
pub fn run_scene<S: Scene>(
    opts: &EngineOptions,
    scene: S,
    defaults: DecisionDefaults,
) -> Result<(RunSummary, S), EngineError> {
    let counting =
        Counting { inner: scene, summary: RunSummary::default(), states: Cell::new(0), tick_seen: Cell::new(false) };
    let (_, counting) = Requestor::connect(opts, counting, defaults)?.run()?;
    let mut summary = counting.summary;
    summary.states = counting.states.get();
    if counting.tick_seen.get() {
        summary.ticks += 1; // the final tick, after which every agent was stopped
    }
    Ok((summary, counting.inner))
}

/// Runs a [`SampleScene`] built from `config` against the controller at `opts.addr` until
/// the controller stops every agent.
pub fn run_engine(
    opts: &EngineOptions,
    config: SceneConfig,
    defaults: DecisionDefaults,
) -> Result<RunSummary, EngineError> {
    run_scene(opts, SampleScene::new(config), defaults).map(|(summary, _)| summary)
}

/// Runs an [`EchoScene`] built from `config`, like [`run_engine`].
pub fn run_echo_engine(
    opts: &EngineOptions,
    config: EchoConfig,
    defaults: DecisionDefaults,
) -> Result<RunSummary, EngineError> {
    run_scene(opts, EchoScene::new(config), defaults).map(|(summary, _)| summary)
}

/// [`run_engine`] on a new thread named `ai4u-sim`.
pub fn spawn_engine(
    opts: EngineOptions,
    config: SceneConfig,
    defaults: DecisionDefaults,
) -> std::thread::JoinHandle<Result<RunSummary, EngineError>> {
    std::thread::Builder::new()
        .name("ai4u-sim".into())
        .spawn(move || run_engine(&opts, config, defaults))
        .expect("cannot spawn the ai4u-sim engine thread")
}

/// [`run_echo_engine`] on a new thread named `ai4u-sim-echo`.
pub fn spawn_echo_engine(
    opts: EngineOptions,
    config: EchoConfig,
    defaults: DecisionDefaults,
) -> std::thread::JoinHandle<Result<RunSummary, EngineError>> {
    std::thread::Builder::new()
        .name("ai4u-sim-echo".into())
        .spawn(move || run_echo_engine(&opts, config, defaults))
        .expect("cannot spawn the ai4u-sim echo engine thread")
}
