//! `ai4u`: serve engines with built-in or plugin controllers, run the embedded demo,
//! measure the protocol.

mod bench;
mod demo;
mod drive;
mod drive_open;
mod fs_demo;
mod live;
mod plugin_cmd;
mod ports;
mod record;

use ai4u_appserver::launcher::{LaunchEvent, LaunchSpec, Launcher};
use ai4u_appserver::{AppError, AppServer, AppServerBuilder, ControllerHandle, Plugin, Serving};
use ai4u_controllers::{Controller, GenericController, SampleSceneController};
use ai4u_core::value::Field;
use ai4u_core::wire::Mode;
use anyhow::{bail, Context, Result};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "ai4u",
    version,
    about = "Drive game-engine agents (Unity, Godot, headless Rust) from Rust controllers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Wait for engines and drive their agents with built-in or plugin controllers.
    Serve(Box<ServeArgs>),
    /// Controller plugins: inspect a plugin library.
    Plugin(plugin_cmd::PluginArgs),
    /// Run the headless SampleScene in-process over loopback TCP, driven by the scripted pilot.
    Demo(demo::DemoArgs),
    /// Measure lockstep steps per second against a raw loopback ping-pong.
    Bench(bench::BenchArgs),
    /// Serve like `serve` and record every step: a PNG per camera, a CSV row, a manifest
    /// (docs/RECORDING.md); `--video` makes mp4s with ffmpeg.
    Record(Box<record::RecordArgs>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ModeArg {
    Lockstep,
    Realtime,
}

impl From<ModeArg> for Mode {
    fn from(m: ModeArg) -> Mode {
        match m {
            ModeArg::Lockstep => Mode::Lockstep,
            ModeArg::Realtime => Mode::Realtime,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum EditionArg {
    Auto,
    /// The Unity package AI4UUE.
    Unity,
    /// The Godot 3 edition AI4UGE.
    Godot3,
    /// The Godot 4 edition (2025).
    Godot4,
}

impl EditionArg {
    fn edition(self) -> Option<ai4u_core::legacy::Edition> {
        use ai4u_core::legacy::Edition;
        match self {
            EditionArg::Auto => None,
            EditionArg::Unity => Some(Edition::Unity),
            EditionArg::Godot3 => Some(Edition::Godot3),
            EditionArg::Godot4 => Some(Edition::Godot4),
        }
    }
}

#[derive(Args, Clone)]
struct NetArgs {
    /// Address to listen on (0.0.0.0 to accept engines from other machines; then give --token).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// 0 picks a free port (printed on the first line).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Force a mode on every engine (default: the engine's wish).
    #[arg(long, value_enum)]
    mode: Option<ModeArg>,
    /// Engines must present this token.
    #[arg(long)]
    token: Option<String>,
    /// Seconds to wait for engines to configure every id (`serve`: 0, the default there,
    /// waits as long as it runs).
    #[arg(long)]
    connect_timeout: Option<f64>,
    /// Seconds a reset or step may wait for the engine.
    #[arg(long, default_value_t = 60.0)]
    step_timeout: f64,
    /// Also serve scenes made with the original AI4U packages (their UDP text protocol, same port).
    #[arg(long)]
    legacy_udp: bool,
    /// Allow listening beyond loopback without --token (and --legacy-udp beyond loopback).
    #[arg(long)]
    insecure: bool,
}

impl NetArgs {
    fn builder(&self) -> AppServerBuilder {
        let mut b = AppServer::builder()
            .host(self.host.clone())
            .port(self.port)
            .connect_timeout(Duration::from_secs_f64(self.connect_timeout.unwrap_or(60.0)))
            .step_timeout(Duration::from_secs_f64(self.step_timeout))
            .legacy_udp(self.legacy_udp)
            .insecure(self.insecure);
        if let Some(m) = self.mode {
            b = b.mode(m.into());
        }
        if let Some(t) = &self.token {
            b = b.token(t.clone());
        }
        b
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Built-in controller: samplescene (default) or generic (spaces from the engine's
    /// metadata). With --plugin: the plugin's controller name (default: its default one).
    #[arg(long)]
    controller: Option<String>,
    /// Load the controllers from this plugin library (a cdylib built with
    /// ai4u_controllers::export_controllers!; see docs/PLUGINS.md).
    #[arg(long, value_name = "PATH")]
    plugin: Option<PathBuf>,
    /// Agent ids, comma-separated; `any` takes every id engines declare (up to
    /// --max-agents) and serves until stopped.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    ids: Vec<String>,
    /// With --ids any: the most agent ids the server takes.
    #[arg(long, default_value_t = 64)]
    max_agents: usize,
    #[command(flatten)]
    net: NetArgs,
    /// Which AI4U edition the --legacy-udp scenes are: told from each agent's messages
    /// (auto), or forced.
    #[arg(long, value_enum, requires = "legacy_udp", default_value_t = EditionArg::Auto)]
    legacy_edition: EditionArg,
    /// Episodes per agent, then stop every agent and exit (0 = run until killed).
    #[arg(long, default_value_t = 0)]
    episodes: u32,
    /// How actions are chosen (default: scripted for samplescene, random otherwise).
    #[arg(long, value_enum)]
    policy: Option<drive::Policy>,
    /// Episode length sent to the engines (overrides their own).
    #[arg(long)]
    max_steps: Option<u32>,
    /// Seed the scene's resets (reproducible runs).
    #[arg(long)]
    seed: Option<u64>,
    /// Write a JSON report of every episode here.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Launch and supervise engine instances with this shell command; it may use {port},
    /// {host}, {instance}, {id_prefix} and {ids} (e.g. `ai4u-sim --port {port} --agents 2
    /// --id-prefix {id_prefix}`). Each instance then serves --ids with its own prefix.
    #[arg(long, value_name = "COMMAND")]
    engine: Option<String>,
    /// How many engine instances --engine launches.
    #[arg(long, default_value_t = 1, requires = "engine")]
    instances: usize,
    /// Id prefix of each launched instance ({instance} is its number; default `w{instance}-`
    /// for several instances, none for one).
    #[arg(long, requires = "engine")]
    id_prefix: Option<String>,
    /// Crashes in a row after which a launched instance is given up.
    #[arg(long, default_value_t = 5, requires = "engine")]
    max_restarts: u32,
    /// Where launched instances write their output (`instance-<i>.log`).
    #[arg(long, default_value = "ai4u-logs", requires = "engine")]
    log_dir: PathBuf,
    /// Append live figures per engine instance (agent-steps/s, episodes, mean return of the
    /// last 100) to this CSV every --metrics-every seconds.
    #[arg(long, value_name = "FILE")]
    metrics: Option<PathBuf>,
    /// Seconds between two --metrics rows.
    #[arg(long, default_value_t = 2.0)]
    metrics_every: f64,
}

fn builtin(name: &str) -> Result<Box<dyn Controller>> {
    Ok(match name {
        "samplescene" | "SampleSceneController" => Box::new(SampleSceneController::new()),
        "generic" | "GenericController" => Box::new(GenericController::new()),
        "fs-track" | "FsTrackController" => Box::new(ai4u_controllers::FsTrackController::new()),
        other => bail!("unknown controller `{other}` (built-in: samplescene, fs-track, generic)"),
    })
}

/// One controller per id from `plugin`, and whether they have the SampleScene's spaces
/// (then the scripted pilot can drive them).
fn from_plugin(plugin: &Plugin, name: Option<&str>, n: usize) -> Result<(Vec<Box<dyn Controller>>, bool)> {
    let controllers = (0..n).map(|_| plugin.create(name)).collect::<Result<Vec<_>, _>>()?;
    let sample = SampleSceneController::new();
    let is_sample = controllers.first().is_some_and(|c| {
        c.action_space() == sample.action_space() && c.observation_space() == sample.observation_space()
    });
    println!("ai4u: plugin {}: controller `{}`", plugin.path().display(), name.unwrap_or(plugin.default_controller()));
    Ok((controllers, is_sample))
}

/// Waits for engines to configure every id, saying which are missing when the set changes
/// and every 30 s; `None` when stopped first.
fn wait_for_engines(
    serving: &mut Serving,
    limit: Option<Duration>,
    stop: &drive::Stop,
) -> Result<Option<Vec<ControllerHandle>>> {
    let start = Instant::now();
    let mut said: Option<(Vec<String>, Instant)> = None;
    loop {
        let missing: Vec<String> = serving.missing().into_iter().map(str::to_owned).collect();
        if !said.as_ref().is_some_and(|(m, at)| *m == missing && at.elapsed() < Duration::from_secs(30)) {
            println!("ai4u: waiting for engines on {}: missing agent(s) {}", serving.local_addr(), missing.join(", "));
            said = Some((missing, Instant::now()));
        }
        let slice = match limit {
            Some(l) => l.saturating_sub(start.elapsed()).min(Duration::from_millis(200)),
            None => Duration::from_millis(200),
        };
        match serving.wait_configured(slice) {
            Ok(handles) => return Ok(Some(handles)),
            Err(AppError::NotConfigured { missing, addr, .. }) => {
                if stop.is_set() {
                    return Ok(None);
                }
                if let Some(l) = limit.filter(|l| start.elapsed() >= *l) {
                    // The error of `start`, with the whole wait.
                    return Err(AppError::NotConfigured { missing, waited: l, addr }.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn serve(args: ServeArgs) -> Result<bool> {
    serve_with(args, None)
}

/// `serve`, showing every reset and step to `tap` (then the tap shows the progress).
fn serve_with(args: ServeArgs, tap: Option<&dyn drive::Tap>) -> Result<bool> {
    if args.ids == ["any"] {
        if args.engine.is_some() || tap.is_some() {
            bail!("--ids any cannot go with --engine or record: they need the ids in advance");
        }
        return serve_any(args);
    }
    let spec = args.engine.as_ref().map(|command| {
        let mut spec = LaunchSpec::new(command.clone(), args.instances)
            .ids(args.ids.iter().cloned())
            .max_restarts(args.max_restarts)
            .log_dir(args.log_dir.clone());
        if let Some(p) = &args.id_prefix {
            spec = spec.id_prefix(p.clone());
        }
        spec
    });
    let all_ids = spec.as_ref().map_or_else(|| args.ids.clone(), LaunchSpec::all_ids);
    let (controllers, scripted) = match &args.plugin {
        Some(path) => from_plugin(&Plugin::load(path)?, args.controller.as_deref(), all_ids.len())?,
        None => {
            let name = args.controller.as_deref().unwrap_or("samplescene");
            let controllers = all_ids.iter().map(|_| builtin(name)).collect::<Result<Vec<_>>>()?;
            (controllers, name.starts_with("sample") || name.starts_with("fs-track") || name.starts_with("FsTrack"))
        }
    };
    let policy = args.policy.unwrap_or(if scripted { drive::Policy::Scripted } else { drive::Policy::Random });
    let stop = stop_on_signals()?;
    let server = bind(server_builder(&args))?;
    // Tests and scripts wait for this line to learn the port.
    println!("ai4u: listening on {}", server.local_addr());
    std::io::stdout().flush()?;
    let addr = server.local_addr();
    let ids: Vec<&str> = all_ids.iter().map(String::as_str).collect();
    let mut serving = server.serve(&ids, controllers)?;
    let launch_error = Arc::new(Mutex::new(None::<String>));
    let launcher = match spec {
        Some(spec) => Some(supervise(Launcher::start(spec, addr)?, &stop, &launch_error)),
        None => None,
    };
    let limit = args.net.connect_timeout.filter(|&t| t > 0.0).map(Duration::from_secs_f64);
    let waited = wait_for_engines(&mut serving, limit, &stop)?;
    let Some(handles) = waited else {
        if let Some(e) = launch_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
            bail!(e);
        }
        println!("ai4u: stopped before every agent was configured");
        return Ok(true);
    };
    drop(serving);
    println!("ai4u: {} agent(s) configured: {}", handles.len(), ids.join(", "));
    let groups = match &launcher {
        Some((l, _)) => (0..l.spec().instances).map(|i| (format!("instance {i}"), l.spec().ids_of(i))).collect(),
        None => vec![("engines".to_owned(), all_ids.clone())],
    };
    let live = live::Live::new(groups, &handles);
    let reporting = AtomicBool::new(true);
    let metrics = open_metrics(&args)?;
    let every = Duration::from_secs_f64(args.metrics_every.max(0.1));
    let report = std::thread::scope(|s| {
        s.spawn(|| show_live(&live, &reporting, metrics, every, tap.is_none()));
        let r = drive::run_tapped(&handles, args.episodes, policy, args.seed, &stop, Some(&live), tap, &print_episode);
        reporting.store(false, std::sync::atomic::Ordering::SeqCst);
        r
    })?;
    finish_report(&report, args.report.as_deref())?;
    if let Some((launcher, printer)) = launcher {
        launcher.stop();
        let _ = printer.join();
    }
    if let Some(e) = launch_error.lock().unwrap_or_else(|p| p.into_inner()).take() {
        eprintln!("error: {e}");
        return Ok(false);
    }
    Ok(report.failed_agents.is_empty())
}

/// `serve --ids any`: every id an engine declares joins the run, until Ctrl-C or SIGTERM.
fn serve_any(args: ServeArgs) -> Result<bool> {
    let name = args.controller.clone();
    type Factory = Box<dyn Fn(&str) -> Result<Box<dyn Controller>, ai4u_appserver::FactoryError> + Send + Sync>;
    let (factory, scripted): (Factory, bool) = match &args.plugin {
        Some(path) => {
            let plugin = Arc::new(Plugin::load(path)?);
            let (_, scripted) = from_plugin(&plugin, name.as_deref(), 1)?;
            (Box::new(move |_| plugin.create(name.as_deref()).map_err(Into::into)), scripted)
        }
        None => {
            let name = name.unwrap_or_else(|| "samplescene".into());
            builtin(&name)?;
            let scripted = name.starts_with("sample") || name.starts_with("fs-track") || name.starts_with("FsTrack");
            (Box::new(move |_| builtin(&name).map_err(Into::into)), scripted)
        }
    };
    let policy = args.policy.unwrap_or(if scripted { drive::Policy::Scripted } else { drive::Policy::Random });
    let stop = stop_on_signals()?;
    let server = bind(server_builder(&args))?;
    println!("ai4u: listening on {}", server.local_addr());
    println!("ai4u: waiting for engines on {}: any agent ids, at most {}", server.local_addr(), args.max_agents);
    std::io::stdout().flush()?;
    let open = server.serve_open(args.max_agents, factory)?;
    let live = live::Live::open("engines");
    let reporting = AtomicBool::new(true);
    let metrics = open_metrics(&args)?;
    let every = Duration::from_secs_f64(args.metrics_every.max(0.1));
    let report = std::thread::scope(|s| {
        s.spawn(|| show_live(&live, &reporting, metrics, every, true));
        let r = drive_open::run_open(&open, args.episodes, policy, args.seed, &stop, &live, &print_episode);
        reporting.store(false, std::sync::atomic::Ordering::SeqCst);
        r
    });
    finish_report(&report, args.report.as_deref())?;
    Ok(report.failed_agents.is_empty())
}

/// A stop set by Ctrl-C or SIGTERM; a second one exits at once.
fn stop_on_signals() -> Result<drive::Stop> {
    let stop = drive::Stop::default();
    let set = stop.clone();
    ctrlc::set_handler(move || {
        if set.is_set() {
            // A second Ctrl-C while stopping: the user wants out now.
            std::process::exit(130);
        }
        eprintln!("ai4u: stopping (again to quit at once)");
        set.set();
    })
    .context("installing the Ctrl-C handler")?;
    Ok(stop)
}

/// The server's options from the command line.
fn server_builder(args: &ServeArgs) -> AppServerBuilder {
    let builder = args.net.builder().legacy_edition(args.legacy_edition.edition());
    match args.max_steps {
        Some(m) => builder.agent_config(Field::new("max_steps", m as i64)),
        None => builder,
    }
}

/// The --metrics file, opened for appending.
fn open_metrics(args: &ServeArgs) -> Result<Option<std::fs::File>> {
    args.metrics
        .as_ref()
        .map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening the metrics file {}", path.display()))
        })
        .transpose()
}

/// Prints the summary and the failed agents, and writes the report file.
fn finish_report(report: &drive::Report, path: Option<&std::path::Path>) -> Result<()> {
    print!("{}", drive::summary(report));
    for f in &report.failed_agents {
        eprintln!("error: agent {}: {}", f.agent, f.error);
    }
    if let Some(path) = path {
        std::fs::write(path, serde_json::to_string_pretty(report)?)
            .with_context(|| format!("writing the report to {}", path.display()))?;
    }
    Ok(())
}

/// One line per finished episode.
fn print_episode(e: &drive::Episode) {
    let how = if e.interrupted {
        format!("interrupted ({})", e.reason.as_deref().unwrap_or("?"))
    } else if e.terminated {
        "terminated".into()
    } else {
        "truncated".into()
    };
    println!("agent {} episode {}: return {:.3}, {} steps, {how}", e.agent, e.episode, e.ret, e.steps);
}

/// The live display (on a terminal: one progress line per instance, on stderr) and the
/// `--metrics` CSV rows, until `running` turns false; the last rows are written then.
fn show_live(
    live: &live::Live,
    running: &AtomicBool,
    mut metrics: Option<std::fs::File>,
    every: Duration,
    spinners: bool,
) {
    use std::io::IsTerminal;
    let bars = indicatif::MultiProgress::new();
    let lines: Vec<indicatif::ProgressBar> = if spinners && std::io::stderr().is_terminal() {
        live.figures().iter().map(|_| bars.add(indicatif::ProgressBar::new_spinner())).collect()
    } else {
        Vec::new()
    };
    if let Some(f) = metrics.as_mut() {
        if f.metadata().map(|m| m.len() == 0).unwrap_or(false) {
            let _ = writeln!(f, "{}", live::CSV_HEADER);
        }
    }
    let mut next_row = Instant::now() + every;
    loop {
        let last = !running.load(std::sync::atomic::Ordering::SeqCst);
        let figures = live.figures();
        for (bar, f) in lines.iter().zip(&figures) {
            bar.set_message(live::line(f));
            bar.tick();
        }
        if let Some(file) = metrics.as_mut().filter(|_| last || Instant::now() >= next_row) {
            for f in &figures {
                let _ = writeln!(file, "{}", live::csv_row(f));
            }
            let _ = file.flush();
            next_row = Instant::now() + every;
        }
        if last {
            lines.iter().for_each(indicatif::ProgressBar::finish);
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Binds the server; a taken port is reported with the process holding it when known.
fn bind(builder: AppServerBuilder) -> Result<AppServer> {
    let port = builder.options().port;
    builder.bind().map_err(|e| {
        let in_use = matches!(&e, AppError::Bind { source, .. } if source.kind() == std::io::ErrorKind::AddrInUse);
        match ports::holder(port).filter(|_| in_use && port != 0) {
            Some(who) => anyhow::Error::new(e)
                .context(format!("port {port} is held by {who}; pick another with --port (0 = any free one)")),
            None => e.into(),
        }
    })
}

/// Prints what the launched instances do; a give-up stops the run with its error.
fn supervise(
    launcher: Launcher,
    stop: &drive::Stop,
    error: &Arc<Mutex<Option<String>>>,
) -> (Launcher, std::thread::JoinHandle<()>) {
    let events = launcher.events().clone();
    let spec = launcher.spec().clone();
    let (stop, error) = (stop.clone(), error.clone());
    let printer = std::thread::spawn(move || {
        for e in events {
            match e {
                LaunchEvent::Started { instance, pid, restart } => {
                    let again = if restart > 0 { format!(" (restart {restart})") } else { String::new() };
                    println!(
                        "ai4u: instance {instance} started{again}: pid {pid}, agents {}",
                        spec.ids_of(instance).join(", ")
                    );
                }
                LaunchEvent::SpawnFailed { instance, reason } => {
                    eprintln!("ai4u: instance {instance} could not be started: {reason}");
                }
                LaunchEvent::Exited { instance, status, restart_in } => match restart_in {
                    Some(d) => println!(
                        "ai4u: instance {instance} crashed ({status}); its agents wait; restarting in {:.1} s",
                        d.as_secs_f64()
                    ),
                    None => println!("ai4u: instance {instance} exited ({status})"),
                },
                LaunchEvent::GaveUp { instance, crashes, status, log } => {
                    let msg = format!(
                        "instance {instance} crashed {crashes} times in a row (last: {status}); gave up. Its output is in {}",
                        log.display()
                    );
                    *error.lock().unwrap_or_else(|p| p.into_inner()) = Some(msg);
                    stop.set();
                }
                _ => {}
            }
        }
    });
    (launcher, printer)
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        // Every agent failed or some did: the summary is printed, the exit code says so.
        Command::Serve(a) => serve(*a).and_then(|ok| if ok { Ok(()) } else { std::process::exit(1) }),
        Command::Plugin(a) => plugin_cmd::run(a),
        Command::Demo(a) => demo::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Record(a) => record::run(*a).and_then(|ok| if ok { Ok(()) } else { std::process::exit(1) }),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
