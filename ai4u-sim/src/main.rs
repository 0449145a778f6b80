//! `ai4u-sim`: runs a headless reference scene as a separate engine process.
//!
//! ```text
//! ai4u-sim [--host H] [--port P] [--agents K] [--max-steps N] [--seed S]
//!          [--mode lockstep|realtime] [--scene sample|echo|fs-track] [--width N]
//!          [--frame-skip N] [--token T] [--connect-timeout SECS] [--id-prefix P]
//!          [--track accel|skidpad|autocross] [--camera none|mono|stereo]
//!          [--camera-size WxH] [--gray] [--fov DEG] [--baseline M] [--wall-clock]
//! ```
//! Arguments are parsed by hand to keep the binary free of dependencies; both
//! `--flag value` and `--flag=value` work.

use ai4u_core::engine::DecisionDefaults;
use ai4u_core::engine::{EngineError, EngineOptions, Scene};
use ai4u_core::wire::Mode;
use ai4u_sim::fstrack::{CameraMode, TrackKind, FS_DT};
use ai4u_sim::render::CameraSpec;
use ai4u_sim::{
    engine_options, run_scene, EchoConfig, EchoScene, FsTrackConfig, FsTrackScene, IdPrefix, RunSummary, SampleScene,
    SceneConfig, WallClock,
};
use std::process::ExitCode;
use std::str::FromStr;

const USAGE: &str = "\
usage: ai4u-sim [options]
  --host H                 controller host (default 127.0.0.1)
  --port P                 controller port (default 8080)
  --agents K               number of agents, at least 1 (default 1)
  --max-steps N            decisions per episode, 0 = no limit (default 3000; echo: 1000)
  --seed S                 seed of the scene's generators (default 0)
  --mode lockstep|realtime protocol mode (default lockstep)
  --scene sample|echo|fs-track
                           SampleScene, the physics-free echo scene, or the Formula
                           Student track (default sample)
  --width N                echo scene: length of the echoed action (default 4)
  --frame-skip N           physics frames per decision, at least 1 (default 4)
  --token T                auth token expected by the controller
  --connect-timeout SECS   how long to keep trying to reach the controller (default 10)
  --id-prefix P            prefix of every agent id (ids P0 .. P<K-1>), so that several
                           instances can serve one controller
  --wall-clock             run physics frames at wall-clock rate (20 ms each), for live
                           control in realtime mode
fs-track only (docs/FSTRACK.md):
  --track accel|skidpad|autocross
                           the event (default autocross; the seed varies its layout)
  --camera none|mono|stereo
                           cameras at the driver's eye (default none): field `camera`, or
                           `left` and `right`
  --camera-size WxH        pixels per camera (default 84x84)
  --gray                   one grey channel instead of RGB
  --fov DEG                horizontal field of view (default 90)
  --baseline M             distance between the stereo cameras (default 0.12)
  -h, --help               this text";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SceneKind {
    Sample,
    Echo,
    FsTrack,
}

#[derive(Debug)]
struct Args {
    host: String,
    port: u16,
    agents: usize,
    max_steps: Option<u32>,
    seed: u64,
    mode: Mode,
    scene: SceneKind,
    width: usize,
    wall_clock: bool,
    track: TrackKind,
    camera: CameraMode,
    camera_spec: CameraSpec,
    baseline: f32,
    frame_skip: u32,
    token: Option<String>,
    connect_timeout: f64,
    id_prefix: String,
}

fn number<T: FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag}: `{value}` is not a valid number"))
}

fn parse(mut raw: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        host: "127.0.0.1".into(),
        port: 8080,
        agents: 1,
        max_steps: None,
        seed: 0,
        mode: Mode::Lockstep,
        scene: SceneKind::Sample,
        width: 4,
        wall_clock: false,
        track: TrackKind::Autocross,
        camera: CameraMode::None,
        camera_spec: CameraSpec::default(),
        baseline: ai4u_sim::fstrack::DEFAULT_BASELINE,
        frame_skip: 4,
        token: None,
        connect_timeout: 10.0,
        id_prefix: String::new(),
    };
    while let Some(arg) = raw.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument `{arg}`"));
        }
        // Switches take no value.
        match (flag.as_str(), &inline) {
            ("--gray" | "--grey", None) => {
                a.camera_spec.gray = true;
                continue;
            }
            ("--wall-clock", None) => {
                a.wall_clock = true;
                continue;
            }
            ("--gray" | "--grey" | "--wall-clock", Some(_)) => return Err(format!("{flag} takes no value")),
            _ => {}
        }
        let value = match inline {
            Some(v) => v,
            None => raw.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        match flag.as_str() {
            "--host" => a.host = value,
            "--port" => a.port = number(&flag, &value)?,
            "--agents" => a.agents = number(&flag, &value)?,
            "--max-steps" => a.max_steps = Some(number(&flag, &value)?),
            "--seed" => a.seed = number(&flag, &value)?,
            "--width" => a.width = number(&flag, &value)?,
            "--frame-skip" => a.frame_skip = number(&flag, &value)?,
            "--token" => a.token = Some(value),
            "--id-prefix" => a.id_prefix = value,
            "--connect-timeout" => {
                a.connect_timeout = number(&flag, &value)?;
                if !(a.connect_timeout >= 0.0 && a.connect_timeout.is_finite()) {
                    return Err(format!("--connect-timeout: `{value}` is not a duration in seconds"));
                }
            }
            "--mode" => {
                a.mode = match value.as_str() {
                    "lockstep" => Mode::Lockstep,
                    "realtime" => Mode::Realtime,
                    _ => return Err(format!("--mode: `{value}` is not lockstep or realtime")),
                }
            }
            "--scene" => {
                a.scene = match value.as_str() {
                    "sample" => SceneKind::Sample,
                    "echo" => SceneKind::Echo,
                    "fs-track" => SceneKind::FsTrack,
                    _ => return Err(format!("--scene: `{value}` is not sample, echo or fs-track")),
                }
            }
            "--track" => a.track = value.parse().map_err(|e| format!("--track: {e}"))?,
            "--camera" => a.camera = value.parse().map_err(|e| format!("--camera: {e}"))?,
            "--camera-size" => {
                let (w, h) = CameraSpec::parse_size(&value).map_err(|e| format!("--camera-size: {e}"))?;
                a.camera_spec.width = w;
                a.camera_spec.height = h;
            }
            "--fov" => a.camera_spec.fov_deg = number(&flag, &value)?,
            "--baseline" => a.baseline = number(&flag, &value)?,
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    if a.agents == 0 {
        return Err("--agents must be at least 1".into());
    }
    if a.frame_skip == 0 {
        return Err("--frame-skip must be at least 1".into());
    }
    if a.scene == SceneKind::Echo && a.width == 0 {
        return Err("--width must be at least 1".into());
    }
    if a.scene == SceneKind::FsTrack {
        // Checked here so a bad camera is a usage error, not a failure after connecting.
        let cfg = fs_config(&a);
        FsTrackScene::new(cfg).map_err(|e| format!("--scene fs-track: {e}"))?;
    }
    Ok(Some(a))
}

fn fs_config(a: &Args) -> FsTrackConfig {
    FsTrackConfig {
        agents: a.agents,
        track: a.track,
        seed: a.seed,
        max_steps: a.max_steps.unwrap_or(3000),
        camera: a.camera,
        camera_spec: a.camera_spec,
        baseline: a.baseline,
    }
}

/// Runs `scene` with the id prefix and, if asked, wall-clock pacing.
fn run<S: Scene>(
    opts: &EngineOptions,
    args: &Args,
    scene: S,
    defaults: DecisionDefaults,
) -> Result<RunSummary, EngineError> {
    let scene = IdPrefix::new(args.id_prefix.clone(), scene);
    if args.wall_clock {
        let frame = std::time::Duration::from_secs_f32(FS_DT);
        run_scene(opts, WallClock::new(scene, frame), defaults).map(|(s, _)| s)
    } else {
        run_scene(opts, scene, defaults).map(|(s, _)| s)
    }
}

fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("ai4u-sim: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // IPv6 literals need brackets in `host:port`.
    let addr = if args.host.contains(':') && !args.host.starts_with('[') {
        format!("[{}]:{}", args.host, args.port)
    } else {
        format!("{}:{}", args.host, args.port)
    };
    let mut opts = engine_options(addr);
    opts.mode = args.mode;
    opts.token = args.token.clone();
    opts.connect_timeout = std::time::Duration::from_secs_f64(args.connect_timeout);
    let defaults = DecisionDefaults { frame_skip: args.frame_skip, ..DecisionDefaults::default() };
    let result = match args.scene {
        SceneKind::Echo => {
            let config =
                EchoConfig { agents: args.agents, width: args.width, max_steps: args.max_steps.unwrap_or(1000) };
            run(&opts, &args, EchoScene::new(config), defaults)
        }
        SceneKind::Sample => {
            let config =
                SceneConfig { agents: args.agents, max_steps: args.max_steps.unwrap_or(3000), seed: args.seed };
            run(&opts, &args, SampleScene::new(config), defaults)
        }
        SceneKind::FsTrack => match FsTrackScene::new(fs_config(&args)) {
            Ok(scene) => run(&opts, &args, scene, defaults),
            Err(e) => {
                eprintln!("ai4u-sim: {e}");
                return ExitCode::from(2);
            }
        },
    };
    match result {
        Ok(s) => {
            eprintln!(
                "ai4u-sim: done: {} frames, {} ticks, {} decisions, {} episodes",
                s.frames, s.ticks, s.decisions, s.episodes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ai4u-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Option<Args>, String> {
        parse(s.split_whitespace().map(String::from))
    }

    #[test]
    fn parses_flags_both_ways() {
        let a = args("--host ::1 --port=9000 --agents 3 --max-steps 10 --seed 5 --mode realtime --id-prefix=w2-")
            .unwrap()
            .unwrap();
        assert_eq!((a.host.as_str(), a.port, a.agents, a.max_steps, a.seed), ("::1", 9000, 3, Some(10), 5));
        assert_eq!(a.id_prefix, "w2-");
        assert_eq!(a.mode, Mode::Realtime);
        assert!(args("--help").unwrap().is_none());
    }

    #[test]
    fn reports_clear_errors() {
        assert_eq!(args("--port abc").unwrap_err(), "--port: `abc` is not a valid number");
        assert_eq!(args("--mode fast").unwrap_err(), "--mode: `fast` is not lockstep or realtime");
        assert_eq!(args("--agents").unwrap_err(), "--agents needs a value");
        assert_eq!(args("--agents 0").unwrap_err(), "--agents must be at least 1");
        assert_eq!(args("--colour red").unwrap_err(), "unknown option `--colour`");
        assert_eq!(args("stray").unwrap_err(), "unexpected argument `stray`");
        assert_eq!(args("--scene race").unwrap_err(), "--scene: `race` is not sample, echo or fs-track");
        assert_eq!(args("--gray=1").unwrap_err(), "--gray takes no value");
        assert!(args("--track oval").unwrap_err().starts_with("--track: `oval` is not a track"));
        assert!(args("--camera-size 84").unwrap_err().contains("is not WIDTHxHEIGHT"));
        let e = args("--scene fs-track --camera mono --camera-size 4x4").unwrap_err();
        assert!(e.contains("4x4 is out of range"), "{e}");
    }

    #[test]
    fn parses_the_track_options() {
        let a = args(
            "--scene fs-track --track skidpad --camera stereo --camera-size 640x480 --gray --baseline 0.2 --wall-clock",
        )
        .unwrap()
        .unwrap();
        assert_eq!((a.scene, a.track, a.camera), (SceneKind::FsTrack, TrackKind::Skidpad, CameraMode::Stereo));
        assert_eq!((a.camera_spec.width, a.camera_spec.height, a.camera_spec.gray), (640, 480, true));
        assert!(a.wall_clock && (a.baseline - 0.2).abs() < 1e-6);
    }
}
