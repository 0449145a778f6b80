//! Starts and supervises engine instances: N copies of one engine command (a Godot or Unity
//! build, `ai4u-sim`), each serving its own agent ids on one server, each restarted with
//! backoff when it crashes.
//!
//! ```no_run
//! use ai4u_appserver::launcher::{launch, LaunchSpec};
//! use ai4u_appserver::{AppServer, VecEnv};
//! use ai4u_controllers::SampleSceneController;
//!
//! // 4 instances of the headless scene, 2 agents each: ids w0-0, w0-1, ..., w3-1.
//! let spec = LaunchSpec::new("ai4u-sim --port {port} --agents 2 --id-prefix {id_prefix}", 4)
//!     .ids(["0", "1"]);
//! let (launcher, handles) =
//!     launch(AppServer::builder().port(0), spec, |_id| Box::new(SampleSceneController::new())).unwrap();
//! let mut env = VecEnv::new(handles).unwrap();
//! // ... train; dropping `launcher` stops the instances.
//! # drop((env, launcher));
//! ```
//!
//! Rules: an instance that exits with status 0 has finished on purpose (its agents were
//! stopped) and is not restarted; any other exit is a crash. A crash is noticed at once, the
//! instance's agents see their requests fail (`Disconnected`) and wait for it, and it is
//! started again after a delay that doubles from [`LaunchSpec::backoff`]; after
//! [`LaunchSpec::max_restarts`] crashes in a row (an instance that ran for a minute starts
//! the count again) the launcher gives up on it and says so ([`LaunchEvent::GaveUp`]).

use crate::{AppError, AppServerBuilder, ControllerHandle};
use ai4u_controllers::Controller;
use crossbeam_channel::{Receiver, Sender};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How to start engine instances.
///
/// The command is run by `sh -c` after these placeholders are replaced:
/// `{port}` (the server's port), `{host}` (its address), `{instance}` (0..N-1),
/// `{id_prefix}` (this instance's id prefix), `{ids}` (its full ids, comma-separated).
#[derive(Debug, Clone)]
pub struct LaunchSpec {
    /// The command template.
    pub command: String,
    /// How many instances to start.
    pub instances: usize,
    /// The agent ids each instance declares, before its prefix (default `["0"]`).
    pub ids: Vec<String>,
    /// The id prefix template (`{instance}` is replaced); default `w{instance}-` for
    /// several instances, empty for one.
    pub id_prefix: String,
    /// Where each instance's stdout and stderr go (`instance-<i>.log`, appended).
    pub log_dir: PathBuf,
    /// Crashes in a row after which an instance is given up.
    pub max_restarts: u32,
    /// The delay before the first restart; it doubles with every crash in a row (at most 30 s).
    pub backoff: Duration,
}

impl LaunchSpec {
    /// `instances` copies of `command`, one agent `"0"` each (prefixed), logs in
    /// `ai4u-logs/`, 5 restarts in a row at most, a 0.5 s first backoff.
    pub fn new(command: impl Into<String>, instances: usize) -> LaunchSpec {
        LaunchSpec {
            command: command.into(),
            instances,
            ids: vec!["0".into()],
            id_prefix: if instances > 1 { "w{instance}-".into() } else { String::new() },
            log_dir: PathBuf::from("ai4u-logs"),
            max_restarts: 5,
            backoff: Duration::from_millis(500),
        }
    }

    /// The ids each instance declares, before its prefix.
    pub fn ids<I: IntoIterator<Item = S>, S: Into<String>>(mut self, ids: I) -> LaunchSpec {
        self.ids = ids.into_iter().map(Into::into).collect();
        self
    }

    /// The id prefix template (`{instance}` is replaced).
    pub fn id_prefix(mut self, template: impl Into<String>) -> LaunchSpec {
        self.id_prefix = template.into();
        self
    }

    /// Where the instances' logs go.
    pub fn log_dir(mut self, dir: impl Into<PathBuf>) -> LaunchSpec {
        self.log_dir = dir.into();
        self
    }

    /// Crashes in a row after which an instance is given up.
    pub fn max_restarts(mut self, n: u32) -> LaunchSpec {
        self.max_restarts = n;
        self
    }

    /// The delay before the first restart.
    pub fn backoff(mut self, d: Duration) -> LaunchSpec {
        self.backoff = d;
        self
    }

    /// Instance `instance`'s id prefix.
    pub fn prefix_of(&self, instance: usize) -> String {
        self.id_prefix.replace("{instance}", &instance.to_string())
    }

    /// Instance `instance`'s full agent ids.
    pub fn ids_of(&self, instance: usize) -> Vec<String> {
        let prefix = self.prefix_of(instance);
        self.ids.iter().map(|id| format!("{prefix}{id}")).collect()
    }

    /// Every agent id of every instance, instance by instance.
    pub fn all_ids(&self) -> Vec<String> {
        (0..self.instances).flat_map(|i| self.ids_of(i)).collect()
    }

    /// The shell command of instance `instance` for a server at `addr`.
    pub fn command_of(&self, instance: usize, addr: SocketAddr) -> String {
        self.command
            .replace("{port}", &addr.port().to_string())
            .replace("{host}", &addr.ip().to_string())
            .replace("{instance}", &instance.to_string())
            .replace("{id_prefix}", &self.prefix_of(instance))
            .replace("{ids}", &self.ids_of(instance).join(","))
    }

    fn check(&self) -> Result<(), LaunchError> {
        if self.instances == 0 {
            return Err(LaunchError::Spec("at least one instance is needed".into()));
        }
        if self.command.trim().is_empty() {
            return Err(LaunchError::Spec("the engine command is empty".into()));
        }
        if self.ids.is_empty() {
            return Err(LaunchError::Spec("each instance needs at least one agent id".into()));
        }
        let all = self.all_ids();
        for (i, id) in all.iter().enumerate() {
            if all[..i].contains(id) {
                return Err(LaunchError::Spec(format!(
                    "agent id `{id}` would be served by two instances: give the id prefix `{{instance}}` \
                     (it is `{}`)",
                    self.id_prefix
                )));
            }
        }
        Ok(())
    }
}

/// Why instances could not be launched.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// The launch spec is inconsistent (the message says how).
    #[error("cannot launch engines: {0}")]
    Spec(String),
    /// The log directory could not be created.
    #[error("cannot create the engine log directory {}: {source}", dir.display())]
    LogDir {
        /// The directory.
        dir: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The server side failed (bind, start, or the instances did not configure their agents).
    #[error(transparent)]
    Server(#[from] AppError),
}

/// What happened to an instance, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LaunchEvent {
    /// The instance's process started (`restart` 0 for the first start).
    Started {
        /// The instance number.
        instance: usize,
        /// Its process id, which is also its process group id (the shell running the command
        /// and everything it starts).
        pid: u32,
        /// How many times it was restarted before.
        restart: u32,
    },
    /// The process could not be started at all (the shell is missing, out of processes).
    SpawnFailed {
        /// The instance number.
        instance: usize,
        /// The operating system's reason.
        reason: String,
    },
    /// The process ended; `restart_in` is when it starts again (`None`: not restarted,
    /// because it exited with status 0 or the launcher is stopping).
    Exited {
        /// The instance number.
        instance: usize,
        /// Its exit status, as the OS tells it.
        status: String,
        /// How long after the exit it is restarted.
        restart_in: Option<Duration>,
    },
    /// It crashed `crashes` times in a row: it will not be started again.
    GaveUp {
        /// The instance number.
        instance: usize,
        /// Crashes in a row.
        crashes: u32,
        /// The last exit status.
        status: String,
        /// Its log file, where its own error messages are.
        log: PathBuf,
    },
}

/// Running engine instances; dropping it stops them (SIGTERM to each instance's process
/// group, SIGKILL after 3 s).
pub struct Launcher {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
    events: Receiver<LaunchEvent>,
    spec: LaunchSpec,
}

impl std::fmt::Debug for Launcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Launcher").field("spec", &self.spec).finish_non_exhaustive()
    }
}

impl Launcher {
    /// Starts every instance of `spec` against the server at `addr` and supervises them.
    pub fn start(spec: LaunchSpec, addr: SocketAddr) -> Result<Launcher, LaunchError> {
        spec.check()?;
        std::fs::create_dir_all(&spec.log_dir)
            .map_err(|source| LaunchError::LogDir { dir: spec.log_dir.clone(), source })?;
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, events) = crossbeam_channel::unbounded();
        let mut threads = Vec::with_capacity(spec.instances);
        for instance in 0..spec.instances {
            let sup = Supervisor {
                instance,
                command: spec.command_of(instance, addr),
                log: spec.log_dir.join(format!("instance-{instance}.log")),
                max_restarts: spec.max_restarts,
                backoff: spec.backoff,
                stop: stop.clone(),
                events: tx.clone(),
            };
            let t = std::thread::Builder::new()
                .name(format!("ai4u-launch-{instance}"))
                .spawn(move || sup.run())
                .map_err(|source| AppError::Spawn { what: format!("the supervisor of instance {instance}"), source })?;
            threads.push(t);
        }
        Ok(Launcher { stop, threads, events, spec })
    }

    /// What the instances do (starts, exits, restarts, give-ups), as it happens.
    pub fn events(&self) -> &Receiver<LaunchEvent> {
        &self.events
    }

    /// The spec the instances were started from.
    pub fn spec(&self) -> &LaunchSpec {
        &self.spec
    }

    /// Stops every instance and waits for their processes to end.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for Launcher {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Binds a server from `builder`, launches `spec`'s instances against it and waits (up to
/// the builder's connect timeout) until they have configured every agent; returns the
/// handles in the order of [`LaunchSpec::all_ids`], ready for a `VecEnv` or `ParallelEnv`.
/// `controller` makes each agent's controller from its id.
pub fn launch(
    builder: AppServerBuilder,
    spec: LaunchSpec,
    mut controller: impl FnMut(&str) -> Box<dyn Controller>,
) -> Result<(Launcher, Vec<ControllerHandle>), LaunchError> {
    spec.check()?;
    let timeout = builder.options().connect_timeout;
    let server = builder.bind()?;
    let ids = spec.all_ids();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers = ids.iter().map(|id| controller(id)).collect();
    let addr = server.local_addr();
    let mut serving = server.serve(&id_refs, controllers)?;
    let launcher = Launcher::start(spec, addr)?;
    let handles = serving.wait_configured(timeout)?;
    Ok((launcher, handles))
}

/// One instance's supervisor thread.
struct Supervisor {
    instance: usize,
    command: String,
    log: PathBuf,
    max_restarts: u32,
    backoff: Duration,
    stop: Arc<AtomicBool>,
    events: Sender<LaunchEvent>,
}

/// An instance that ran this long before crashing starts the crash count again.
const STABLE: Duration = Duration::from_secs(60);

impl Supervisor {
    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    fn emit(&self, e: LaunchEvent) {
        let _ = self.events.send(e);
    }

    fn run(self) {
        let mut restarts = 0u32;
        let mut crashes = 0u32;
        while !self.stopping() {
            let started = Instant::now();
            let status = match self.spawn() {
                Ok(mut child) => {
                    self.emit(LaunchEvent::Started { instance: self.instance, pid: child.id(), restart: restarts });
                    match self.wait(&mut child) {
                        Some(status) => status,
                        None => return, // stopped: the child was terminated
                    }
                }
                Err(e) => {
                    self.emit(LaunchEvent::SpawnFailed { instance: self.instance, reason: e.to_string() });
                    // Counts as a crash: retrying at once would spin.
                    if !self.after_crash(&mut crashes, started, &format!("could not start: {e}")) {
                        return;
                    }
                    restarts += 1;
                    continue;
                }
            };
            if status.success() {
                self.emit(LaunchEvent::Exited {
                    instance: self.instance,
                    status: status.to_string(),
                    restart_in: None,
                });
                return;
            }
            if self.stopping() {
                return;
            }
            if !self.after_crash(&mut crashes, started, &status.to_string()) {
                return;
            }
            restarts += 1;
        }
    }

    /// Counts a crash and sleeps the backoff; false when the instance is given up (or the
    /// launcher stops meanwhile).
    fn after_crash(&self, crashes: &mut u32, started: Instant, status: &str) -> bool {
        *crashes = if started.elapsed() >= STABLE { 1 } else { *crashes + 1 };
        if *crashes > self.max_restarts {
            self.emit(LaunchEvent::GaveUp {
                instance: self.instance,
                crashes: *crashes,
                status: status.to_owned(),
                log: self.log.clone(),
            });
            return false;
        }
        let delay = (self.backoff * 2u32.saturating_pow(*crashes - 1)).min(Duration::from_secs(30));
        self.emit(LaunchEvent::Exited { instance: self.instance, status: status.to_owned(), restart_in: Some(delay) });
        let until = Instant::now() + delay;
        while Instant::now() < until {
            if self.stopping() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        !self.stopping()
    }

    fn spawn(&self) -> std::io::Result<Child> {
        let log = std::fs::OpenOptions::new().create(true).append(true).open(&self.log)?;
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&self.command).stdin(Stdio::null()).stdout(log.try_clone()?).stderr(log);
        // Its own process group, so stopping it reaches whatever the shell started.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        cmd.spawn()
    }

    /// Waits for the child; `None` if the launcher stopped it first.
    fn wait(&self, child: &mut Child) -> Option<std::process::ExitStatus> {
        loop {
            match child.try_wait() {
                Ok(Some(status)) => return Some(status),
                Ok(None) => {}
                // The process cannot be waited for (it is not ours any more): treat it as gone.
                Err(_) => {
                    let _ = child.kill();
                    return child.wait().ok();
                }
            }
            if self.stopping() {
                terminate(child);
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// SIGTERM to the child's process group, SIGKILL after a grace period.
fn terminate(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = child.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is shared.
        unsafe { libc::kill(-group, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(3);
        while Instant::now() < until {
            if let Ok(Some(_)) = child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above.
        unsafe { libc::kill(-group, libc::SIGKILL) };
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_expand_per_instance() {
        let spec = LaunchSpec::new("sim --port {port} --id-prefix {id_prefix} --ids {ids} # {instance} {host}", 3)
            .ids(["a", "b"]);
        let addr: SocketAddr = "127.0.0.1:4567".parse().unwrap();
        assert_eq!(spec.command_of(2, addr), "sim --port 4567 --id-prefix w2- --ids w2-a,w2-b # 2 127.0.0.1");
        assert_eq!(spec.all_ids(), ["w0-a", "w0-b", "w1-a", "w1-b", "w2-a", "w2-b"]);
        assert_eq!(LaunchSpec::new("x", 1).all_ids(), ["0"]);
    }

    #[test]
    fn instances_sharing_ids_are_refused() {
        let err = LaunchSpec::new("x", 2).id_prefix("same-").check().unwrap_err();
        assert!(err.to_string().contains("agent id `same-0` would be served by two instances"), "{err}");
        assert!(LaunchSpec::new("x", 0).check().is_err());
    }

    #[test]
    fn a_crashing_command_is_restarted_a_bounded_number_of_times() {
        let dir = std::env::temp_dir().join(format!("ai4u-launch-test-{}", std::process::id()));
        let spec = LaunchSpec::new("echo 'no such scene' >&2; exit 3", 1)
            .log_dir(&dir)
            .max_restarts(2)
            .backoff(Duration::ZERO);
        let launcher = Launcher::start(spec, "127.0.0.1:1".parse().unwrap()).unwrap();
        let mut events = Vec::new();
        while let Ok(e) = launcher.events().recv_timeout(Duration::from_secs(20)) {
            let last = matches!(e, LaunchEvent::GaveUp { .. });
            events.push(e);
            if last {
                break;
            }
        }
        let starts = events.iter().filter(|e| matches!(e, LaunchEvent::Started { .. })).count();
        assert_eq!(starts, 3, "{events:?}");
        match events.last() {
            Some(LaunchEvent::GaveUp { crashes: 3, status, log, .. }) => {
                assert!(status.contains('3'), "{status}");
                assert!(std::fs::read_to_string(log).unwrap().contains("no such scene"));
            }
            other => panic!("{other:?} in {events:?}"),
        }
        drop(launcher);
        let _ = std::fs::remove_dir_all(dir);
    }
}
