//! `ai4u bench`: lockstep steps per second through the whole stack (handle → daemon thread
//! → network runtime → TCP → engine → back) for 1 agent and for 64 agents in one scene,
//! next to a raw loopback TCP ping-pong of the same frame sizes measured in the same run.
//!
//! The engine is `ai4u-sim`'s EchoScene (no physics), so the figures are the protocol's.
//! Timings are printed, never asserted: shared machines are noisy; read the ratios.

use ai4u_appserver::{AppServer, ControllerHandle, VecEnv};
use ai4u_controllers::{Controller, GenericController};
use ai4u_core::engine::DecisionDefaults;
use ai4u_core::spaces::{self, Sample};
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::{self, AgentCommand, AgentState, AgentStatus, Command, Message, Reply, Tick};
use ai4u_sim::EchoConfig;
use anyhow::{Context, Result};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Seconds per measurement.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Floats per observation and per action.
    #[arg(long, default_value_t = 8)]
    width: usize,
    /// `none` measures in this process as scheduled; `core0` re-runs under `taskset -c 0`;
    /// `both` does one then the other.
    #[arg(long, default_value = "both")]
    pinning: String,
}

/// Frame sizes of a tick and a reply for `agents` echo agents, as the protocol makes them.
fn frame_sizes(agents: usize, width: usize) -> (usize, usize) {
    let tick = Message::Tick(Tick {
        seq: 1,
        agents: (0..agents)
            .map(|i| AgentState {
                id: i.to_string(),
                status: AgentStatus::Step,
                reward: 0.0,
                done: false,
                truncated: false,
                steps: 1,
                fields: vec![Field::new("obs", Value::floats(vec![0.0; width]))],
            })
            .collect(),
    });
    let reply = Message::Reply(Reply {
        seq: 1,
        commands: (0..agents)
            .map(|i| AgentCommand { id: i.to_string(), command: Command::act("echo", vec![0.0; width]) })
            .collect(),
    });
    (wire::encode_to_vec(&tick).len() + 4, wire::encode_to_vec(&reply).len() + 4)
}

/// Calls per second of `f`: `warm` calls first, then as many as `seconds` allows, timed in
/// chunks of `chunk` so the clock is not read on every call.
fn rate_of<E>(seconds: f64, warm: u32, chunk: u32, mut f: impl FnMut() -> Result<(), E>) -> Result<f64, E> {
    for _ in 0..warm {
        f()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < seconds {
        for _ in 0..chunk {
            f()?;
        }
        n += chunk as u64;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

/// Round trips per second of a plain framed ping-pong: the engine side sends `up` bytes,
/// the server side answers `down` bytes. Both sides read the 4-byte length then the body,
/// like the real thing, but nothing is decoded.
fn raw_ping_pong(up: usize, down: usize, seconds: f64) -> Result<f64> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let server = std::thread::spawn(move || -> std::io::Result<()> {
        let (mut s, _) = listener.accept()?;
        s.set_nodelay(true)?;
        let mut buf = vec![0u8; up.max(down)];
        let mut out = vec![0u8; down];
        out[..4].copy_from_slice(&((down - 4) as u32).to_le_bytes());
        loop {
            let mut len = [0u8; 4];
            if s.read_exact(&mut len).is_err() {
                return Ok(());
            }
            let n = u32::from_le_bytes(len) as usize;
            s.read_exact(&mut buf[..n])?;
            s.write_all(&out)?;
        }
    });
    let mut c = TcpStream::connect(addr)?;
    c.set_nodelay(true)?;
    let mut msg = vec![0u8; up];
    msg[..4].copy_from_slice(&((up - 4) as u32).to_le_bytes());
    let mut back = vec![0u8; down];
    let mut round = |c: &mut TcpStream| -> std::io::Result<()> {
        c.write_all(&msg)?;
        c.read_exact(&mut back)
    };
    let rate = rate_of(seconds, 200, 100, || round(&mut c))?;
    drop(c);
    let _ = server.join();
    Ok(rate)
}

/// The echo engine's thread, as `ai4u_sim::spawn_echo_engine` returns it.
type EngineThread = std::thread::JoinHandle<Result<ai4u_sim::RunSummary, ai4u_core::engine::EngineError>>;

fn start_echo(agents: usize, width: usize) -> Result<(Vec<ControllerHandle>, EngineThread)> {
    let server = AppServer::builder().port(0).connect_timeout(Duration::from_secs(20)).bind()?;
    let opts = ai4u_sim::engine_options(server.local_addr().to_string());
    let engine = ai4u_sim::spawn_echo_engine(
        opts,
        EchoConfig { agents, width, max_steps: 0 },
        DecisionDefaults { frame_skip: 1, repeat_action: true },
    );
    let ids: Vec<String> = (0..agents).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers: Vec<Box<dyn Controller>> =
        ids.iter().map(|_| Box::new(GenericController::new()) as Box<dyn Controller>).collect();
    Ok((server.start(&refs, controllers)?, engine))
}

/// Lockstep steps per second of one agent through `request_step`.
fn one_agent(width: usize, seconds: f64) -> Result<f64> {
    let (handles, engine) = start_echo(1, width)?;
    let h = &handles[0];
    let action = h.action_space().sample(&mut spaces::rng(1));
    h.request_reset(vec![])?;
    let rate = rate_of(seconds, 200, 100, || h.request_step(&action).map(drop))?;
    h.stop()?;
    let _ = engine.join();
    Ok(rate)
}

/// Lockstep VecEnv steps per second with `agents` agents in one scene (one tick each).
fn many_agents(agents: usize, width: usize, seconds: f64) -> Result<f64> {
    let (handles, engine) = start_echo(agents, width)?;
    let action: Sample = handles[0].action_space().sample(&mut spaces::rng(1));
    let actions = vec![action; agents];
    let mut venv = VecEnv::new(handles)?;
    venv.reset(None, None)?;
    let rate = rate_of(seconds, 50, 20, || venv.step(&actions).map(drop))?;
    venv.close()?;
    let _ = engine.join();
    Ok(rate)
}

fn measure(a: &BenchArgs, label: &str) -> Result<()> {
    let (up1, down1) = frame_sizes(1, a.width);
    let (up64, down64) = frame_sizes(64, a.width);
    let raw1 = raw_ping_pong(up1, down1, a.seconds)?;
    let ours1 = one_agent(a.width, a.seconds)?;
    let raw64 = raw_ping_pong(up64, down64, a.seconds)?;
    let ours64 = many_agents(64, a.width, a.seconds)?;
    let us = |rate: f64| 1e6 / rate;
    println!("ai4u bench, pinning: {label}, {} floats per observation and action", a.width);
    println!("{:<34} {:>12} {:>14} {:>16} {:>8}", "case", "per step", "steps/s", "raw ping-pong", "ratio");
    println!(
        "{:<34} {:>9.1} us {:>14.0} {:>13.1} us {:>7.2}x",
        format!("1 agent ({up1}+{down1} B frames)"),
        us(ours1),
        ours1,
        us(raw1),
        raw1 / ours1
    );
    println!(
        "{:<34} {:>9.1} us {:>14.0} {:>13.1} us {:>7.2}x",
        format!("64 agents, 1 tick ({up64}+{down64} B)"),
        us(ours64),
        ours64,
        us(raw64),
        raw64 / ours64
    );
    println!(
        "64 agents: {:.0} agent-steps/s; one 64-agent tick costs {:.2} single-agent round trips (vs 64 if each agent had its own)",
        ours64 * 64.0,
        us(ours64) / us(raw1)
    );
    Ok(())
}

pub fn run(a: BenchArgs) -> Result<()> {
    match a.pinning.as_str() {
        "none" => measure(&a, "none (as scheduled)"),
        "core0" => measure(&a, "taskset -c 0 (every thread on one core)"),
        "both" => {
            measure(&a, "none (as scheduled)")?;
            println!();
            let exe = std::env::current_exe()?;
            let status = std::process::Command::new("taskset")
                .args(["-c", "0"])
                .arg(exe)
                .args([
                    "bench",
                    "--pinning",
                    "core0",
                    "--seconds",
                    &a.seconds.to_string(),
                    "--width",
                    &a.width.to_string(),
                ])
                .status()
                .context("running taskset (util-linux) for the pinned measurement")?;
            anyhow::ensure!(status.success(), "the pinned run failed");
            Ok(())
        }
        other => anyhow::bail!("--pinning must be none, core0 or both, not `{other}`"),
    }
}
