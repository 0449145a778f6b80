//! `ai4u demo`: the headless SampleScene, in this process but over real loopback TCP,
//! driven by the scripted pilot through the same appserver a Unity or Godot scene meets.
//! `--scene fs-track` runs the Formula Student track instead (`fs_demo.rs`).

use crate::drive::{self, Policy};
use crate::{ModeArg, NetArgs};
use ai4u_controllers::{Controller, SampleSceneController};
use ai4u_core::engine::DecisionDefaults;
use ai4u_sim::fstrack::{CameraMode, TrackKind};
use ai4u_sim::render::CameraSpec;
use ai4u_sim::{FsTrackConfig, SceneConfig};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum DemoScene {
    /// SampleScene: agents walk to a cube.
    Sample,
    /// The Formula Student track: cars driven by pure pursuit, laps timed.
    FsTrack,
}

#[derive(clap::Args)]
pub struct DemoArgs {
    /// Which headless scene.
    #[arg(long, value_enum, default_value = "sample")]
    scene: DemoScene,
    /// fs-track: the event (accel, skidpad, autocross).
    #[arg(long, default_value = "autocross")]
    track: TrackKind,
    /// fs-track: cameras at the driver's eye (none, mono, stereo).
    #[arg(long, default_value = "none")]
    camera: CameraMode,
    /// fs-track: pixels per camera, WxH.
    #[arg(long, default_value = "84x84", value_parser = parse_size)]
    camera_size: (u32, u32),
    /// fs-track: grey cameras instead of RGB.
    #[arg(long)]
    gray: bool,
    /// Agents in the scene (one area each, one connection for all).
    #[arg(long, default_value_t = 4)]
    agents: usize,
    /// Episodes per agent.
    #[arg(long, default_value_t = 5)]
    episodes: u32,
    /// Seed of the scene (same seed, same run).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Decisions per episode before it is truncated.
    #[arg(long, default_value_t = 1000)]
    max_steps: u32,
    /// How actions are chosen.
    #[arg(long, value_enum, default_value = "scripted")]
    policy: Policy,
    /// Lockstep (deterministic) or realtime.
    #[arg(long, value_enum, default_value = "lockstep")]
    mode: ModeArg,
    /// Hide the progress bar (for logs).
    #[arg(long)]
    quiet: bool,
}

fn parse_size(s: &str) -> Result<(u32, u32), String> {
    CameraSpec::parse_size(s).map_err(|e| e.to_string())
}

pub fn run(a: DemoArgs) -> Result<()> {
    anyhow::ensure!(a.agents >= 1, "--agents must be at least 1");
    let net = NetArgs {
        host: "127.0.0.1".into(),
        port: 0,
        mode: Some(a.mode),
        token: None,
        connect_timeout: Some(30.0),
        step_timeout: 30.0,
        legacy_udp: false,
        insecure: false,
    };
    if let DemoScene::FsTrack = a.scene {
        let (width, height) = a.camera_size;
        let config = FsTrackConfig {
            agents: a.agents,
            track: a.track,
            seed: a.seed,
            max_steps: a.max_steps,
            camera: a.camera,
            camera_spec: CameraSpec { width, height, gray: a.gray, ..CameraSpec::default() },
            ..FsTrackConfig::default()
        };
        return crate::fs_demo::run(config, a.episodes, a.mode.into(), net);
    }
    let server = net.builder().bind()?;
    let addr = server.local_addr();
    let mut opts = ai4u_sim::engine_options(addr.to_string());
    opts.mode = a.mode.into();
    let config = SceneConfig { agents: a.agents, max_steps: a.max_steps, seed: a.seed };
    let engine = ai4u_sim::spawn_engine(opts, config, DecisionDefaults::default());
    let ids: Vec<String> = (0..a.agents).map(|i| i.to_string()).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers: Vec<Box<dyn Controller>> =
        ids.iter().map(|_| Box::new(SampleSceneController::new()) as Box<dyn Controller>).collect();
    println!("ai4u demo: headless SampleScene with {} agent(s) on {addr}, seed {}", a.agents, a.seed);
    let handles = server.start(&id_refs, controllers).context("starting the appserver")?;

    let total = a.agents as u64 * a.episodes as u64;
    let bar = if a.quiet { ProgressBar::hidden() } else { ProgressBar::new(total) };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} episodes  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let reached = AtomicUsize::new(0);
    let report = drive::run(&handles, a.episodes, a.policy, Some(a.seed), &drive::Stop::default(), &|e| {
        if e.terminated && e.ret > 0.0 {
            reached.fetch_add(1, Ordering::Relaxed);
        }
        bar.inc(1);
        bar.set_message(format!("{} reached the cube", reached.load(Ordering::Relaxed)));
    })?;
    bar.finish();
    let summary = engine.join().map_err(|_| anyhow::anyhow!("the scene thread panicked"))?.context("the scene")?;
    print!("{}", drive::summary(&report));
    println!(
        "scene: {} physics frames, {} ticks, {} decisions ({:.0} frames/s)",
        summary.frames,
        summary.ticks,
        summary.decisions,
        summary.frames as f64 / report.seconds.max(1e-9)
    );
    Ok(())
}
