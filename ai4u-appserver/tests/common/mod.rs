//! Test fixtures: a tiny scene driven by the real engine-side `Requestor`, a matching
//! controller, and a raw protocol client for misbehaving-engine cases.
#![allow(dead_code)]

use ai4u_appserver::{AppServer, AppServerBuilder, ControllerHandle};
use ai4u_controllers::Controller;
use ai4u_core::engine::{DecisionDefaults, EngineError, EngineOptions, Requestor, RunEnd, Scene};
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::spaces::{BoxSpace, DType, Sample, Space};
use ai4u_core::value::{Field, Value, ValueKind};
use ai4u_core::wire::*;
use ndarray::{ArrayD, IxDyn};
use std::net::{SocketAddr, TcpStream};
use std::thread::JoinHandle;
use std::time::Duration;

/// A line world: each agent has a position; `move [dx]` adds dx (clamped to [-1, 1]);
/// reaching position 5 ends the episode (done). Observation `obs` = [position, seed].
/// Reward = dx per decision. A `seed` reset field starts the agent at seed mod 3.
pub struct LineScene {
    pub ids: Vec<String>,
    pub max_steps: u32,
    pos: Vec<f32>,
    seed: Vec<i64>,
    reward: Vec<f32>,
    pending: Vec<f32>,
}

impl LineScene {
    pub fn new(ids: &[&str], max_steps: u32) -> LineScene {
        let n = ids.len();
        LineScene {
            ids: ids.iter().map(|s| s.to_string()).collect(),
            max_steps,
            pos: vec![0.0; n],
            seed: vec![0; n],
            reward: vec![0.0; n],
            pending: vec![0.0; n],
        }
    }
}

pub fn line_metadata() -> ModelMetadata {
    ModelMetadata {
        inputs: vec![InputSpec {
            name: "obs".into(),
            kind: ValueKind::FloatArray,
            shape: vec![2],
            range_min: -100.0,
            range_max: 100.0,
        }],
        outputs: vec![OutputSpec {
            name: "move".into(),
            continuous: true,
            shape: vec![1],
            range_min: vec![-1.0],
            range_max: vec![1.0],
        }],
    }
}

impl Scene for LineScene {
    fn agents(&self) -> Vec<AgentInfo> {
        self.ids
            .iter()
            .map(|id| AgentInfo { id: id.clone(), max_steps: self.max_steps, metadata: line_metadata() })
            .collect()
    }
    fn reset_agent(&mut self, i: usize, fields: &[Field]) {
        let seed = fields.iter().find(|f| f.name == "seed").and_then(|f| match f.value {
            Value::Int(s) => Some(s),
            _ => None,
        });
        self.seed[i] = seed.unwrap_or(0);
        self.pos[i] = (self.seed[i].rem_euclid(3)) as f32;
    }
    fn act(&mut self, i: usize, _name: &str, args: &[Value], _fields: &[Field]) {
        if let Some(Value::FloatArray { data, .. }) = args.first() {
            self.pending[i] = data.first().copied().unwrap_or(0.0).clamp(-1.0, 1.0);
        }
    }
    fn step_physics(&mut self) {
        for i in 0..self.pos.len() {
            self.pos[i] += self.pending[i];
            self.reward[i] += self.pending[i];
            self.pending[i] = 0.0;
        }
    }
    fn frame_reward(&mut self, i: usize) -> f32 {
        std::mem::take(&mut self.reward[i])
    }
    fn is_done(&self, i: usize) -> bool {
        self.pos[i] >= 5.0
    }
    fn observe(&self, i: usize, out: &mut Vec<Field>) {
        out.push(Field::new("obs", Value::floats(vec![self.pos[i], self.seed[i] as f32])));
    }
}

/// The controller for [`LineScene`]; `panic_on` makes `step_behavior` panic on that dx.
pub struct LineController {
    pub panic_on: Option<f32>,
    action: Space,
    observation: Space,
}

impl LineController {
    pub fn new(panic_on: Option<f32>) -> LineController {
        LineController {
            panic_on,
            action: BoxSpace::uniform(-1.0, 1.0, &[1], DType::F32).unwrap().into(),
            observation: BoxSpace::uniform(-100.0, 100.0, &[2], DType::F32).unwrap().into(),
        }
    }
}

impl Controller for LineController {
    fn action_space(&self) -> &Space {
        &self.action
    }
    fn observation_space(&self) -> &Space {
        &self.observation
    }
    fn step_behavior(&mut self, action: &Sample) -> ai4u_controllers::Result<Command> {
        let dx = action.as_f32().map(|a| a.iter().copied().next().unwrap_or(0.0)).unwrap_or(0.0);
        if self.panic_on == Some(dx) {
            panic!("boom at dx={dx}");
        }
        Ok(Command::act("move", vec![dx]))
    }
}

pub fn line_controllers(n: usize) -> Vec<Box<dyn Controller>> {
    (0..n).map(|_| Box::new(LineController::new(None)) as Box<dyn Controller>).collect()
}

pub fn dx(v: f32) -> Sample {
    Sample::F32(ArrayD::from_shape_vec(IxDyn(&[1]), vec![v]).unwrap())
}

pub fn pos(obs: &Sample) -> f32 {
    obs.as_f32().unwrap()[[0]]
}

pub fn builder() -> AppServerBuilder {
    AppServer::builder()
        .port(0)
        .connect_timeout(Duration::from_secs(20))
        .step_timeout(Duration::from_secs(10))
        .handshake_timeout(Duration::from_secs(5))
}

pub fn engine_opts(addr: SocketAddr) -> EngineOptions {
    EngineOptions {
        addr: addr.to_string(),
        engine: "line-test".into(),
        reply_timeout: Some(Duration::from_secs(30)),
        ..EngineOptions::default()
    }
}

/// Runs a LineScene engine on a thread until the controller stops every agent.
pub fn spawn_line_engine(opts: EngineOptions, ids: &[&str], max_steps: u32) -> JoinHandle<Result<RunEnd, EngineError>> {
    let scene = LineScene::new(ids, max_steps);
    std::thread::spawn(move || {
        let r = Requestor::connect(&opts, scene, DecisionDefaults { frame_skip: 1, repeat_action: false })?;
        r.run().map(|(end, _)| end)
    })
}

/// Binds, launches a LineScene engine serving `ids`, starts the server.
pub fn start_line(
    ids: &[&str],
    b: AppServerBuilder,
) -> (Vec<ControllerHandle>, JoinHandle<Result<RunEnd, EngineError>>) {
    let server = b.bind().unwrap();
    let engine = spawn_line_engine(engine_opts(server.local_addr()), ids, 0);
    let handles = server.start(ids, line_controllers(ids.len())).unwrap();
    (handles, engine)
}

/// A hand-driven engine connection for protocol misbehaviour.
pub struct RawEngine {
    pub reader: FrameReader<TcpStream>,
    pub writer: FrameWriter<TcpStream>,
}

impl RawEngine {
    pub fn connect(addr: SocketAddr) -> RawEngine {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        RawEngine { reader: FrameReader::new(s.try_clone().unwrap(), Limits::default()), writer: FrameWriter::new(s) }
    }

    pub fn hello(ids: &[&str]) -> Hello {
        Hello::new(
            "raw",
            "0",
            Mode::Lockstep,
            ids.iter().map(|id| AgentInfo { id: id.to_string(), max_steps: 0, metadata: line_metadata() }).collect(),
        )
    }

    pub fn send(&mut self, m: Message) {
        self.writer.write_message(&m).unwrap();
    }

    pub fn recv(&mut self) -> Option<Message> {
        self.reader.read_message().unwrap()
    }

    pub fn state(id: &str, status: AgentStatus, pos: f32) -> AgentState {
        AgentState {
            id: id.into(),
            status,
            reward: 0.0,
            done: false,
            truncated: false,
            steps: 0,
            fields: vec![Field::new("obs", Value::floats(vec![pos, 0.0]))],
        }
    }
}

/// A raw engine that has sent its Hello for `ids` and got the Welcome.
pub fn raw_welcomed(addr: std::net::SocketAddr, ids: &[&str]) -> RawEngine {
    let mut e = RawEngine::connect(addr);
    e.send(Message::Hello(RawEngine::hello(ids)));
    assert!(matches!(e.recv(), Some(Message::Welcome(_))));
    e
}

/// Reports agent "0" idle, tick after tick, until a reply resets it; returns the next seq.
pub fn idle_until_reset(e: &mut RawEngine) -> u64 {
    let mut seq = 0;
    loop {
        e.send(Message::Tick(Tick { seq, agents: vec![RawEngine::state("0", AgentStatus::Idle, 0.0)] }));
        seq += 1;
        match e.recv() {
            Some(Message::Reply(r)) if matches!(r.commands[0].command, Command::Reset { .. }) => return seq,
            Some(Message::Reply(_)) => continue,
            other => panic!("expected a reply, got {other:?}"),
        }
    }
}
