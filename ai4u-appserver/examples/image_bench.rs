//! Image observations over loopback: lockstep steps per second with 84x84x3 mono and
//! 640x480x3 stereo frames (engine -> server observation, action back, through
//! `GenericController` and `Env::step`), next to a raw TCP ping-pong of the same bytes per
//! step measured in the same run, and the same stack recorded by `record::Recording`.
//!
//! ```sh
//! cargo run --release -p ai4u-appserver --example image_bench -- [SECONDS] [--pinned]
//! bash scripts/bench_images.sh   # unpinned, then under `taskset -c 0`
//! ```
//! Recordings go to the temporary folder, or to `$AI4U_BENCH_DIR` (`/dev/shm` measures the
//! recorder without the disk).
//! Figures are printed, never asserted (shared machines are noisy); read the ratios.

use ai4u_appserver::record::{RecordOptions, Recorder, Recording};
use ai4u_appserver::{AppServer, ControllerHandle, Env};
use ai4u_controllers::GenericController;
use ai4u_core::engine::{DecisionDefaults, EngineOptions, Requestor, Scene};
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::spaces::{self, Sample};
use ai4u_core::value::{Field, Image, Value, ValueKind};
use ai4u_core::wire::{self, AgentCommand, AgentInfo, AgentState, AgentStatus, Command, Message, Reply, Tick};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

type Error = Box<dyn std::error::Error>;

/// One agent with `cameras` fixed frames (one byte changes per step, so frames differ) and
/// a speed; its observation is what the engine would send, its cost the protocol's.
struct FrameScene {
    w: u32,
    h: u32,
    frames: Vec<Vec<u8>>,
    step: u64,
}

const NAMES: [&str; 2] = ["left", "right"];

impl FrameScene {
    fn new(w: u32, h: u32, cameras: usize) -> FrameScene {
        let n = (w * h * 3) as usize;
        let frames = (0..cameras).map(|c| (0..n).map(|i| ((i * 7 + c * 50) % 251) as u8).collect()).collect();
        FrameScene { w, h, frames, step: 0 }
    }

    fn fields(&self) -> Vec<Field> {
        let mut out = vec![Field::new("speed", self.step as f32)];
        for (c, f) in self.frames.iter().enumerate() {
            out.push(Field::new(NAMES[c], Image::raw_u8(self.w, self.h, 3, f.clone()).expect("a valid frame")));
        }
        out
    }
}

impl Scene for FrameScene {
    fn agents(&self) -> Vec<AgentInfo> {
        let mut inputs: Vec<InputSpec> = (0..self.frames.len())
            .map(|c| InputSpec {
                name: NAMES[c].into(),
                kind: ValueKind::Image,
                shape: vec![self.h, self.w, 3],
                range_min: 0.0,
                range_max: 255.0,
            })
            .collect();
        inputs.push(InputSpec {
            name: "speed".into(),
            kind: ValueKind::Float,
            shape: vec![],
            range_min: 0.0,
            range_max: 1e12,
        });
        let outputs = vec![OutputSpec {
            name: "drive".into(),
            continuous: true,
            shape: vec![2],
            range_min: vec![-1.0],
            range_max: vec![1.0],
        }];
        vec![AgentInfo { id: "0".into(), max_steps: 0, metadata: ModelMetadata { inputs, outputs } }]
    }
    fn reset_agent(&mut self, _: usize, _: &[Field]) {}
    fn act(&mut self, _: usize, _: &str, _: &[Value], _: &[Field]) {}
    fn step_physics(&mut self) {
        self.step += 1;
        let i = self.step as usize % self.frames[0].len();
        for f in &mut self.frames {
            f[i] = f[i].wrapping_add(1);
        }
    }
    fn frame_reward(&mut self, _: usize) -> f32 {
        0.0
    }
    fn is_done(&self, _: usize) -> bool {
        false
    }
    fn observe(&self, _: usize, out: &mut Vec<Field>) {
        out.extend(self.fields());
    }
}

/// Bytes on the wire per step (length prefix included): the tick up, the reply down.
fn frame_sizes(scene: &FrameScene) -> (usize, usize) {
    let tick = Message::Tick(Tick {
        seq: 1,
        agents: vec![AgentState {
            id: "0".into(),
            status: AgentStatus::Step,
            reward: 0.0,
            done: false,
            truncated: false,
            steps: 1,
            fields: scene.fields(),
        }],
    });
    let reply = Message::Reply(Reply {
        seq: 1,
        commands: vec![AgentCommand { id: "0".into(), command: Command::act("drive", vec![0.0; 2]) }],
    });
    (wire::encode_to_vec(&tick).len() + 4, wire::encode_to_vec(&reply).len() + 4)
}

/// Calls per second of `f` over about `seconds` (after `warm` calls).
fn rate_of(seconds: f64, warm: u32, mut f: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    for _ in 0..warm {
        f()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        f()?;
        n += 1;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Round trips per second of a framed ping-pong: `up` bytes one way, `down` back, each
/// side reading the length prefix and then the body, nothing decoded.
fn raw_ping_pong(up: usize, down: usize, seconds: f64) -> Result<f64, Error> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    // The "engine" sends the big frame; the "server" answers the small one.
    let engine = std::thread::spawn(move || -> std::io::Result<()> {
        let mut s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        let mut msg = vec![0u8; up];
        msg[..4].copy_from_slice(&((up - 4) as u32).to_le_bytes());
        let mut back = vec![0u8; down];
        loop {
            if s.write_all(&msg).is_err() || s.read_exact(&mut back).is_err() {
                return Ok(());
            }
        }
    });
    let (mut s, _) = listener.accept()?;
    s.set_nodelay(true)?;
    let mut buf = vec![0u8; up];
    let mut out = vec![0u8; down];
    out[..4].copy_from_slice(&((down - 4) as u32).to_le_bytes());
    let rate = rate_of(seconds, 20, || {
        let mut len = [0u8; 4];
        s.read_exact(&mut len)?;
        let n = u32::from_le_bytes(len) as usize;
        s.read_exact(&mut buf[..n])?;
        s.write_all(&out)?;
        Ok(())
    })?;
    drop(s);
    let _ = engine.join();
    Ok(rate)
}

fn start(w: u32, h: u32, cameras: usize) -> Result<(ControllerHandle, std::thread::JoinHandle<()>), Error> {
    let server = AppServer::builder().port(0).connect_timeout(Duration::from_secs(30)).bind()?;
    let addr = server.local_addr().to_string();
    let engine = std::thread::spawn(move || {
        let opts = EngineOptions { addr, connect_timeout: Duration::from_secs(30), ..EngineOptions::default() };
        let defaults = DecisionDefaults { frame_skip: 1, repeat_action: true };
        match Requestor::connect(&opts, FrameScene::new(w, h, cameras), defaults) {
            Ok(r) => {
                if let Err(e) = r.run() {
                    eprintln!("engine: {e}");
                }
            }
            Err(e) => eprintln!("engine: {e}"),
        }
    });
    let mut handles = server.start(&["0"], vec![Box::new(GenericController::new())])?;
    Ok((handles.remove(0), engine))
}

/// Steps per second of `env` (already reset) with a fixed action.
fn step_rate(env: &mut impl Env, action: &Sample, seconds: f64) -> Result<f64, Error> {
    rate_of(seconds, 20, || {
        env.step(action)?;
        Ok(())
    })
}

struct Figures {
    raw: f64,
    ours: f64,
    recorded: f64,
    /// The same with uncompressed PNGs.
    uncompressed: f64,
    /// Recorder figures: steps that waited for the disk, frames written.
    waits: u64,
    frames: u64,
}

fn case(w: u32, h: u32, cameras: usize, seconds: f64) -> Result<Figures, Error> {
    let (up, down) = frame_sizes(&FrameScene::new(w, h, cameras));
    let raw = raw_ping_pong(up, down, seconds)?;
    let (handle, engine) = start(w, h, cameras)?;
    let action = handle.action_space().sample(&mut spaces::rng(1));
    let mut env = handle.clone();
    env.reset(None, None)?;
    let ours = step_rate(&mut env, &action, seconds)?;

    let (recorded, stats) = recorded_rate(&handle, &action, seconds, png::Compression::Fast)?;
    let (uncompressed, _) = recorded_rate(&handle, &action, seconds, png::Compression::NoCompression)?;
    handle.stop()?;
    drop(env);
    drop(handle);
    let _ = engine.join();
    Ok(Figures { raw, ours, recorded, uncompressed, waits: stats.full_waits, frames: stats.frames })
}

/// Steps per second of `handle` recorded with `compression`, writing what is still queued
/// at the end included: the disk's whole cost.
fn recorded_rate(
    handle: &ControllerHandle,
    action: &Sample,
    seconds: f64,
    compression: png::Compression,
) -> Result<(f64, ai4u_appserver::record::RecordStats), Error> {
    // AI4U_BENCH_DIR=/dev/shm takes the disk out of the figure, leaving the CPU's share.
    let base = std::env::var_os("AI4U_BENCH_DIR").map_or_else(std::env::temp_dir, std::path::PathBuf::from);
    let dir = base.join(format!("ai4u-image-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let recorder = Recorder::with_options(&dir, RecordOptions { compression, ..RecordOptions::default() })?;
    let mut rec = Recording::new(handle.clone(), &recorder)?;
    rec.reset(None, None)?;
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        rec.step(action)?;
        n += 1;
    }
    drop(rec);
    let stats = recorder.finish()?;
    let rate = n as f64 / start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&dir);
    Ok((rate, stats))
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seconds: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(2.0);
    let label = if args.iter().any(|a| a == "--pinned") { "taskset -c 0" } else { "none (as scheduled)" };
    let into = std::env::var("AI4U_BENCH_DIR").unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    println!("image bench, pinning: {label}, {seconds} s per measurement, lockstep, 1 agent, recording into {into}");
    println!(
        "{:<18} {:>10} {:>9} {:>11} {:>7} {:>11} {:>9} {:>6} {:>14} {:>9}",
        "case",
        "bytes/step",
        "steps/s",
        "raw steps/s",
        "vs raw",
        "recorded/s",
        "overhead",
        "waits",
        "uncompressed/s",
        "overhead"
    );
    for (name, w, h, cameras) in [("84x84x3 mono", 84, 84, 1), ("640x480x3 stereo", 640, 480, 2)] {
        let f = case(w, h, cameras, seconds)?;
        let (up, down) = frame_sizes(&FrameScene::new(w, h, cameras));
        println!(
            "{:<18} {:>10} {:>9.0} {:>11.0} {:>6.2}x {:>11.0} {:>8.1}% {:>6} {:>14.0} {:>8.1}%",
            name,
            up + down,
            f.ours,
            f.raw,
            f.ours / f.raw,
            f.recorded,
            100.0 * (1.0 - f.recorded / f.ours),
            f.waits,
            f.uncompressed,
            100.0 * (1.0 - f.uncompressed / f.ours),
        );
        let _ = f.frames;
    }
    Ok(())
}
