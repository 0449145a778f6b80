//! A small scripted engine for the recorder's tests and benchmark: agents with one or two
//! cameras (raw RGB frames whose pixels depend on the agent, the frame and the action) and
//! a few scalars, run by the real engine-side `Requestor` over TCP. It logs every state it
//! sends and every action it receives, so a test can compare a recording with the truth.
#![allow(dead_code)]

use ai4u_core::engine::{DecisionDefaults, EngineOptions, Requestor, RunEnd, Scene};
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Image, Value, ValueKind};
use ai4u_core::wire::AgentInfo;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the engine saw, per agent: every state it sent (fields) and every action it got.
#[derive(Debug, Default, Clone)]
pub struct Log {
    pub states: Vec<Vec<Vec<Field>>>,
    pub actions: Vec<Vec<Vec<f32>>>,
}

/// The reward of one frame under `action`.
pub fn reward(action: [f32; 2]) -> f32 {
    0.5 + action[0]
}

#[derive(Debug, Clone, Copy)]
pub struct CameraConfig {
    pub agents: usize,
    pub width: u32,
    pub height: u32,
    pub stereo: bool,
    /// Decisions after which an episode terminates (0 = never).
    pub done_after: u32,
}

pub struct CameraScene {
    cfg: CameraConfig,
    frame: Vec<u64>,
    decisions: Vec<u32>,
    action: Vec<[f32; 2]>,
    /// One frame's pixels per agent and camera, refreshed each physics frame.
    pixels: Vec<Vec<Vec<u8>>>,
    log: Arc<Mutex<Log>>,
}

pub fn pixel(agent: usize, cam: usize, frame: u64, action: [f32; 2], i: usize) -> u8 {
    (i as u64)
        .wrapping_mul(31)
        .wrapping_add(frame * 7 + agent as u64 * 50 + cam as u64 * 100)
        .wrapping_add((action[0] * 40.0) as i64 as u64) as u8
}

impl CameraScene {
    pub fn new(cfg: CameraConfig, log: Arc<Mutex<Log>>) -> CameraScene {
        {
            let mut l = log.lock().unwrap();
            l.states = vec![Vec::new(); cfg.agents];
            l.actions = vec![Vec::new(); cfg.agents];
        }
        let cams = if cfg.stereo { 2 } else { 1 };
        let mut s = CameraScene {
            cfg,
            frame: vec![0; cfg.agents],
            decisions: vec![0; cfg.agents],
            action: vec![[0.0; 2]; cfg.agents],
            pixels: vec![vec![Vec::new(); cams]; cfg.agents],
            log,
        };
        for a in 0..cfg.agents {
            s.render(a);
        }
        s
    }

    pub fn camera_names(&self) -> Vec<&'static str> {
        if self.cfg.stereo {
            vec!["left", "right"]
        } else {
            vec!["cam"]
        }
    }

    fn render(&mut self, a: usize) {
        let n = (self.cfg.width * self.cfg.height * 3) as usize;
        for c in 0..self.pixels[a].len() {
            let (frame, action) = (self.frame[a], self.action[a]);
            let px = &mut self.pixels[a][c];
            px.resize(n, 0);
            for (i, p) in px.iter_mut().enumerate() {
                *p = pixel(a, c, frame, action, i);
            }
        }
    }

    pub fn metadata(cfg: &CameraConfig) -> ModelMetadata {
        let (w, h) = (cfg.width, cfg.height);
        let mut inputs: Vec<InputSpec> = if cfg.stereo { vec!["left", "right"] } else { vec!["cam"] }
            .into_iter()
            .map(|name| InputSpec {
                name: name.into(),
                kind: ValueKind::Image,
                shape: vec![h, w, 3],
                range_min: 0.0,
                range_max: 255.0,
            })
            .collect();
        inputs.push(InputSpec {
            name: "speed".into(),
            kind: ValueKind::Float,
            shape: vec![],
            range_min: -1e9,
            range_max: 1e9,
        });
        inputs.push(InputSpec {
            name: "pos".into(),
            kind: ValueKind::FloatArray,
            shape: vec![2],
            range_min: -1e9,
            range_max: 1e9,
        });
        ModelMetadata {
            inputs,
            outputs: vec![OutputSpec {
                name: "drive".into(),
                continuous: true,
                shape: vec![2],
                range_min: vec![-1.0],
                range_max: vec![1.0],
            }],
        }
    }
}

impl Scene for CameraScene {
    fn agents(&self) -> Vec<AgentInfo> {
        (0..self.cfg.agents)
            .map(|i| AgentInfo { id: format!("cam{i}"), max_steps: 0, metadata: Self::metadata(&self.cfg) })
            .collect()
    }
    fn reset_agent(&mut self, a: usize, _fields: &[Field]) {
        self.decisions[a] = 0;
        self.action[a] = [0.0; 2];
        self.render(a);
    }
    fn act(&mut self, a: usize, _name: &str, args: &[Value], _fields: &[Field]) {
        if let Some(Value::FloatArray { data, .. }) = args.first() {
            self.action[a] = [data.first().copied().unwrap_or(0.0), data.get(1).copied().unwrap_or(0.0)];
        }
        self.log.lock().unwrap().actions[a].push(self.action[a].to_vec());
    }
    fn begin_decision(&mut self, a: usize) {
        self.decisions[a] += 1;
    }
    fn step_physics(&mut self) {
        for a in 0..self.cfg.agents {
            self.frame[a] += 1;
            self.render(a);
        }
    }
    fn frame_reward(&mut self, a: usize) -> f32 {
        reward(self.action[a])
    }
    fn is_done(&self, a: usize) -> bool {
        self.cfg.done_after > 0 && self.decisions[a] >= self.cfg.done_after
    }
    fn observe(&self, a: usize, out: &mut Vec<Field>) {
        let (w, h) = (self.cfg.width, self.cfg.height);
        out.push(Field::new("speed", self.frame[a] as f32 * 0.25));
        out.push(Field::new("gear", self.decisions[a] as i64));
        out.push(Field::new("pos", Value::floats(self.action[a].to_vec())));
        out.push(Field::new("label", "lap \"1\", sector 2"));
        for (c, name) in self.camera_names().into_iter().enumerate() {
            let img = Image::raw_u8(w, h, 3, self.pixels[a][c].clone()).unwrap();
            out.push(Field::new(name, img));
        }
        self.log.lock().unwrap().states[a].push(out.clone());
    }
}

/// Runs the engine against `addr` on a thread until every agent is stopped.
pub fn spawn(addr: String, cfg: CameraConfig) -> (Arc<Mutex<Log>>, std::thread::JoinHandle<Result<RunEnd, String>>) {
    let log = Arc::new(Mutex::new(Log::default()));
    let scene = CameraScene::new(cfg, log.clone());
    let t = std::thread::spawn(move || {
        let opts = EngineOptions { addr, connect_timeout: Duration::from_secs(30), ..EngineOptions::default() };
        let req = Requestor::connect(&opts, scene, DecisionDefaults { frame_skip: 1, repeat_action: true })
            .map_err(|e| e.to_string())?;
        req.run().map(|(end, _)| end).map_err(|e| e.to_string())
    });
    (log, t)
}
