//! `ai4u demo --scene fs-track`: the headless Formula Student track in this process, over
//! real loopback TCP, each car driven by the scripted pure-pursuit driver; prints every lap
//! (or run) with its time, cones and return, then a summary.

use crate::NetArgs;
use ai4u_appserver::ControllerHandle;
use ai4u_controllers::fs_track::PurePursuit;
use ai4u_controllers::{Controller, FsTrackController};
use ai4u_core::engine::DecisionDefaults;
use ai4u_core::spaces::Sample;
use ai4u_core::value::Field;
use ai4u_core::wire::Mode;
use ai4u_sim::fstrack::FS_DT;
use ai4u_sim::{run_scene, FsTrackConfig, FsTrackScene, WallClock};
use anyhow::{Context, Result};
use std::time::Duration;

/// One finished episode of one car.
#[derive(Debug, Clone)]
struct Lap {
    episode: u32,
    finished: bool,
    truncated: bool,
    lap_time: f32,
    cones: f32,
    ret: f64,
}

fn scalar(obs: &Sample, name: &str) -> f32 {
    obs.get(name).and_then(Sample::as_f32).and_then(|a| a.iter().next().copied()).unwrap_or(f32::NAN)
}

fn drive_car(handle: &ControllerHandle, car: usize, episodes: u32, seed: u64) -> Result<Vec<Lap>> {
    let pilot = PurePursuit::default();
    let mut laps = Vec::new();
    for episode in 0..episodes {
        // A new layout per episode: the autocross varies with it.
        let ep_seed = seed.wrapping_add(car as u64 * 1000 + episode as u64) as i64;
        let (mut obs, _) =
            handle.request_reset(vec![Field::new("seed", ep_seed)]).with_context(|| format!("car {car}: reset"))?;
        let mut ret = 0.0f64;
        loop {
            let r = handle.request_step(&pilot.act(&obs)).with_context(|| format!("car {car}: step"))?;
            ret += r.reward as f64;
            let ended = r.ended();
            obs = r.obs;
            if ended {
                let lap = Lap {
                    episode: episode + 1,
                    finished: scalar(&obs, "finished") == 1.0,
                    truncated: r.truncated,
                    lap_time: scalar(&obs, "lap_time"),
                    cones: scalar(&obs, "cones_hit"),
                    ret,
                };
                println!(
                    "car {car} episode {}: {} in {:.2} s, {} cone(s), return {:.1} (seed {ep_seed})",
                    lap.episode,
                    if lap.finished {
                        "completed"
                    } else if lap.truncated {
                        "cut off"
                    } else {
                        "left the track"
                    },
                    lap.lap_time,
                    lap.cones,
                    lap.ret
                );
                laps.push(lap);
                break;
            }
        }
    }
    handle.stop().with_context(|| format!("car {car}: stop"))?;
    Ok(laps)
}

/// Runs the demo: `agents` cars, `episodes` each, on `config`'s track.
pub fn run(config: FsTrackConfig, episodes: u32, mode: Mode, net: NetArgs) -> Result<()> {
    // Built here first so a bad camera or track is refused before anything starts.
    FsTrackScene::new(config).context("--scene fs-track")?;
    let server = net.builder().bind()?;
    let addr = server.local_addr();
    let mut opts = ai4u_sim::engine_options(addr.to_string());
    opts.mode = mode;
    let engine = std::thread::Builder::new().name("ai4u-sim-fs".into()).spawn(move || {
        let scene = FsTrackScene::new(config).expect("checked above");
        let defaults = DecisionDefaults::default();
        // Realtime is live control: the car moves at wall-clock speed.
        if mode == Mode::Realtime {
            let paced = WallClock::new(scene, Duration::from_secs_f32(FS_DT));
            run_scene(&opts, paced, defaults).map(|(s, _)| s)
        } else {
            run_scene(&opts, scene, defaults).map(|(s, _)| s)
        }
    })?;
    let ids: Vec<String> = (0..config.agents).map(|i| i.to_string()).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers: Vec<Box<dyn Controller>> =
        ids.iter().map(|_| Box::new(FsTrackController::new()) as Box<dyn Controller>).collect();
    println!(
        "ai4u demo: headless fs-track ({}) with {} car(s) on {addr}, seed {}, camera {}",
        config.track, config.agents, config.seed, config.camera
    );
    let handles = server.start(&id_refs, controllers).context("starting the appserver")?;
    let started = std::time::Instant::now();
    let results: Vec<Result<Vec<Lap>>> = std::thread::scope(|s| {
        let runs: Vec<_> = handles
            .iter()
            .enumerate()
            .map(|(car, h)| s.spawn(move || drive_car(h, car, episodes, config.seed)))
            .collect();
        runs.into_iter().map(|r| r.join().unwrap_or_else(|_| Err(anyhow::anyhow!("a car's driver panicked")))).collect()
    });
    let seconds = started.elapsed().as_secs_f64();
    let summary = engine.join().map_err(|_| anyhow::anyhow!("the scene thread panicked"))?.context("the scene")?;
    let mut laps = Vec::new();
    for r in results {
        laps.extend(r?);
    }
    let done: Vec<&Lap> = laps.iter().filter(|l| l.finished).collect();
    let times: Vec<f32> = done.iter().map(|l| l.lap_time).collect();
    let best = times.iter().copied().fold(f32::INFINITY, f32::min);
    let mean = times.iter().sum::<f32>() / times.len().max(1) as f32;
    println!(
        "laps: {}/{} completed{}; {} left the track, {} cut off; {} cone(s) hit",
        done.len(),
        laps.len(),
        if done.is_empty() { String::new() } else { format!(", best {best:.2} s, mean {mean:.2} s") },
        laps.iter().filter(|l| !l.finished && !l.truncated).count(),
        laps.iter().filter(|l| l.truncated).count(),
        laps.iter().map(|l| l.cones).sum::<f32>()
    );
    println!(
        "scene: {} physics frames ({:.1} s simulated) in {seconds:.2} s, {} decisions",
        summary.frames,
        summary.frames as f64 * FS_DT as f64,
        summary.decisions
    );
    Ok(())
}
