//! Headless engines started in this process: the SampleScene or the echo scene of
//! `ai4u-sim`, one thread per instance, each connecting over loopback TCP like any engine.

use ai4u_core::engine::{DecisionDefaults, EngineError, Scene};
use ai4u_core::value::{Field, Image, Value, ValueKind};
use ai4u_core::wire::{AgentInfo, Mode};
use ai4u_sim::{EchoConfig, EchoScene, RunSummary, SampleScene, SceneConfig};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SceneKind {
    Sample,
    /// The SampleScene with its vision grid sent as a raw uint8 image, as a camera is.
    SampleImage,
    Echo {
        width: usize,
    },
}

impl SceneKind {
    pub fn parse(name: &str, width: usize) -> pyo3::PyResult<SceneKind> {
        match name {
            "samplescene" => Ok(SceneKind::Sample),
            "samplescene-image" => Ok(SceneKind::SampleImage),
            "echo" => Ok(SceneKind::Echo { width }),
            other => {
                Err(crate::errors::usage(format!("no built-in scene `{other}` (samplescene, samplescene-image, echo)")))
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct EngineSpec {
    pub kind: SceneKind,
    pub instances: usize,
    pub agents: usize,
    pub seed: u64,
    pub max_steps: u32,
    pub frame_skip: u32,
    pub token: Option<String>,
    pub mode: Mode,
}

/// Renames agents so several instances can serve one appserver (ids `offset..offset+K`
/// instead of every instance claiming `0..K`), and lets tests stop the engine abruptly.
struct Hosted<S> {
    inner: S,
    offset: usize,
    faults: Arc<Faults>,
    /// Send the `vision` float grid as a raw u8 image (declared as an image input).
    vision_image: bool,
}

fn as_image(v: &mut Value) {
    if let Value::FloatArray { shape, data } = v {
        if let [h, w, c] = shape[..] {
            // The grid holds object codes 0..=255, so the cast is exact.
            let bytes = data.iter().map(|&x| x as u8).collect();
            if let Ok(img) = Image::raw_u8(w, h, c, bytes) {
                *v = Value::Image(img);
            }
        }
    }
}

/// What tests can do to a running engine.
#[derive(Default)]
struct Faults {
    killed: AtomicBool,
    stalled: AtomicBool,
}

impl<S> Hosted<S> {
    fn check_alive(&self) {
        while self.faults.stalled.load(Ordering::Relaxed) && !self.faults.killed.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10));
        }
        if self.faults.killed.load(Ordering::Relaxed) {
            // Unwinding ends the engine thread and drops its socket, as a crash would;
            // resume_unwind skips the panic hook, so nothing is printed.
            std::panic::resume_unwind(Box::new("engine killed"));
        }
    }
}

impl<S: Scene> Scene for Hosted<S> {
    fn agents(&self) -> Vec<AgentInfo> {
        let mut agents = self.inner.agents();
        for (k, a) in agents.iter_mut().enumerate() {
            a.id = (self.offset + k).to_string();
            if self.vision_image {
                a.metadata.inputs.iter_mut().filter(|i| i.name == "vision").for_each(|i| i.kind = ValueKind::Image);
            }
        }
        agents
    }
    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        self.check_alive();
        self.inner.reset_agent(agent, fields)
    }
    fn act(&mut self, agent: usize, name: &str, args: &[Value], fields: &[Field]) {
        self.inner.act(agent, name, args, fields)
    }
    fn step_physics(&mut self) {
        self.check_alive();
        self.inner.step_physics()
    }
    fn frame_reward(&mut self, agent: usize) -> f32 {
        self.inner.frame_reward(agent)
    }
    fn is_done(&self, agent: usize) -> bool {
        self.inner.is_done(agent)
    }
    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        let first = out.len();
        self.inner.observe(agent, out);
        if self.vision_image {
            out[first..].iter_mut().filter(|f| f.name == "vision").for_each(|f| as_image(&mut f.value));
        }
    }
    fn begin_decision(&mut self, agent: usize) {
        self.inner.begin_decision(agent)
    }
}

pub type EngineThread = JoinHandle<Result<RunSummary, EngineError>>;

/// The running instances.
pub struct Engines {
    pub threads: Vec<EngineThread>,
    faults: Arc<Faults>,
}

impl Engines {
    pub fn spawn(addr: &str, spec: &EngineSpec) -> Engines {
        let faults = Arc::new(Faults::default());
        let threads = (0..spec.instances)
            .map(|i| {
                let mut opts = ai4u_sim::engine_options(addr);
                opts.token = spec.token.clone();
                opts.mode = spec.mode;
                opts.connect_timeout = Duration::from_secs(10);
                let defaults = DecisionDefaults { frame_skip: spec.frame_skip.max(1), repeat_action: true };
                let offset = i * spec.agents;
                let faults = faults.clone();
                let (kind, agents, max_steps) = (spec.kind, spec.agents, spec.max_steps);
                // Instances differ unless reset with explicit seeds.
                let seed = spec.seed.wrapping_add(i as u64);
                std::thread::Builder::new()
                    .name(format!("ai4u-sim-{i}"))
                    .spawn(move || match kind {
                        SceneKind::Sample | SceneKind::SampleImage => {
                            let inner = SampleScene::new(SceneConfig { agents, max_steps, seed });
                            let vision_image = kind == SceneKind::SampleImage;
                            let scene = Hosted { inner, offset, faults, vision_image };
                            ai4u_sim::run_scene(&opts, scene, defaults).map(|r| r.0)
                        }
                        SceneKind::Echo { width } => {
                            let inner = EchoScene::new(EchoConfig { agents, width, max_steps });
                            let scene = Hosted { inner, offset, faults, vision_image: false };
                            ai4u_sim::run_scene(&opts, scene, defaults).map(|r| r.0)
                        }
                    })
                    .expect("cannot start an ai4u-sim engine thread")
            })
            .collect();
        Engines { threads, faults }
    }

    /// Makes every instance drop its connection at its next frame, as a crashed engine does.
    pub fn kill(&self) {
        self.faults.killed.store(true, Ordering::Relaxed);
    }

    /// Makes every instance hang at its next frame (until killed), as a stalled engine does.
    pub fn stall(&self) {
        self.faults.stalled.store(true, Ordering::Relaxed);
    }

    /// The error of the first instance that has already ended with one, if any.
    pub fn failure(&mut self) -> Option<EngineError> {
        let mut i = 0;
        while i < self.threads.len() {
            if self.threads[i].is_finished() {
                let t = self.threads.remove(i);
                match t.join() {
                    Ok(Err(e)) => return Some(e),
                    Ok(Ok(_)) | Err(_) => continue,
                }
            }
            i += 1;
        }
        None
    }
}

/// Headless engines started from Python toward any address, as a separate engine program
/// would be (for setups and tests that wait for an engine to connect).
#[pyo3::pyclass(module = "ai4u_rs._core")]
pub struct Engine {
    engines: Engines,
}

#[pyo3::pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (address, scene="samplescene", *, instances=1, agents=1, seed=0, max_steps=1000, frame_skip=4,
        width=4, token=None, mode="lockstep"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        address: &str,
        scene: &str,
        instances: usize,
        agents: usize,
        seed: u64,
        max_steps: u32,
        frame_skip: u32,
        width: usize,
        token: Option<String>,
        mode: &str,
    ) -> pyo3::PyResult<Engine> {
        let kind = SceneKind::parse(scene, width)?;
        let mode = match mode {
            "lockstep" => Mode::Lockstep,
            "realtime" => Mode::Realtime,
            other => return Err(crate::errors::usage(format!("mode must be `lockstep` or `realtime`, not `{other}`"))),
        };
        if instances == 0 || agents == 0 {
            return Err(crate::errors::usage("a scene needs at least one instance and one agent"));
        }
        let spec = EngineSpec { kind, instances, agents, seed, max_steps, frame_skip, token, mode };
        Ok(Engine { engines: Engines::spawn(address, &spec) })
    }

    /// True while any instance still runs.
    #[getter]
    fn running(&self) -> bool {
        self.engines.threads.iter().any(|t| !t.is_finished())
    }

    /// Raises the error of an instance that has ended with one (a refused handshake, a
    /// controller that never came), if any.
    fn check(&mut self) -> pyo3::PyResult<()> {
        match self.engines.failure() {
            Some(e) => Err(crate::errors::engine(e)),
            None => Ok(()),
        }
    }

    /// Drops every instance's connection at its next frame, as a crash would.
    fn kill(&self) {
        self.engines.kill()
    }

    /// Makes every instance hang at its next frame, until killed.
    fn stall(&self) {
        self.engines.stall()
    }
}
