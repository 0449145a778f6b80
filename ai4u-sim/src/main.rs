//! `ai4u-sim`: runs a headless reference scene as a separate engine process.
//!
//! ```text
//! ai4u-sim [--host H] [--port P] [--agents K] [--max-steps N] [--seed S]
//!          [--mode lockstep|realtime] [--scene sample|echo] [--width N]
//!          [--frame-skip N] [--token T] [--connect-timeout SECS] [--id-prefix P]
//! ```
//! Arguments are parsed by hand to keep the binary free of dependencies; both
//! `--flag value` and `--flag=value` work.

use ai4u_core::engine::DecisionDefaults;
use ai4u_core::wire::Mode;
use ai4u_sim::{engine_options, run_scene, EchoConfig, EchoScene, IdPrefix, SampleScene, SceneConfig};
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
  --scene sample|echo      SampleScene or the physics-free echo scene (default sample)
  --width N                echo scene: length of the echoed action (default 4)
  --frame-skip N           physics frames per decision, at least 1 (default 4)
  --token T                auth token expected by the controller
  --connect-timeout SECS   how long to keep trying to reach the controller (default 10)
  --id-prefix P            prefix of every agent id (ids P0 .. P<K-1>), so that several
                           instances can serve one controller
  -h, --help               this text";

#[derive(Debug)]
struct Args {
    host: String,
    port: u16,
    agents: usize,
    max_steps: Option<u32>,
    seed: u64,
    mode: Mode,
    echo: bool,
    width: usize,
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
        echo: false,
        width: 4,
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
                a.echo = match value.as_str() {
                    "sample" => false,
                    "echo" => true,
                    _ => return Err(format!("--scene: `{value}` is not sample or echo")),
                }
            }
            _ => return Err(format!("unknown option `{flag}`")),
        }
    }
    if a.agents == 0 {
        return Err("--agents must be at least 1".into());
    }
    if a.frame_skip == 0 {
        return Err("--frame-skip must be at least 1".into());
    }
    if a.echo && a.width == 0 {
        return Err("--width must be at least 1".into());
    }
    Ok(Some(a))
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
    let result = if args.echo {
        let config = EchoConfig { agents: args.agents, width: args.width, max_steps: args.max_steps.unwrap_or(1000) };
        run_scene(&opts, IdPrefix::new(args.id_prefix, EchoScene::new(config)), defaults).map(|(s, _)| s)
    } else {
        let config = SceneConfig { agents: args.agents, max_steps: args.max_steps.unwrap_or(3000), seed: args.seed };
        run_scene(&opts, IdPrefix::new(args.id_prefix, SampleScene::new(config)), defaults).map(|(s, _)| s)
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
    }
}
