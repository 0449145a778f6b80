//! # ai4u-appserver
//!
//! Serves ai4u engines (Unity, Godot, the headless `ai4u-sim`) and drives one
//! [`Controller`] per agent id on its own daemon thread, as AI4U's Python
//! `startasdaemon` did.
//!
//! ```no_run
//! use ai4u_appserver::startasdaemon;
//! use ai4u_controllers::SampleSceneController;
//!
//! // Listens on 127.0.0.1:8080 and returns once an engine has configured agent "0".
//! let handles = startasdaemon(&["0"], vec![Box::new(SampleSceneController::new())]).unwrap();
//! let (obs, info) = handles[0].request_reset(vec![]).unwrap();
//! # let _ = (obs, info);
//! ```
//!
//! Options (host, port, mode, timeouts, token, per-agent config) go through
//! [`AppServer::builder`]. `docs/ARCHITECTURE.md` maps the threads and channels.

#![warn(missing_docs)]

mod blank;
mod daemon;
mod env;
mod error;
mod handle;
pub mod launcher;
mod legacy;
pub mod plugin;
pub mod record;
pub mod remote_env;
mod responder;
mod server;
mod timing;

pub use blank::{BLANK_INFO, BLANK_RUN};
pub use env::{Env, ParallelEnv, ParallelReset, ParallelStep, VecEnv, VecStep, CLOSE_WAIT};
pub use error::{AppError, Result};
pub use handle::{ControllerHandle, Info, Pending, StepResult};
pub use plugin::{Plugin, PluginController, PluginError};
pub use remote_env::{Arg, RemoteEnv, RemoteState};
pub use server::ServerOptions;
pub use timing::StepTimes;

use ai4u_controllers::Controller;
use ai4u_core::value::Field;
use ai4u_core::wire::{Limits, Mode};
use daemon::{DaemonMsg, Ready};
pub use server::registry::FactoryError;
use server::registry::{self, Registry};
use server::Shared;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Listens on the default address (127.0.0.1:8080) and starts one daemon thread per id,
/// each owning the controller at the same position. Returns once engines have connected
/// and configured every id (or fails after 60 s naming the missing ids).
pub fn startasdaemon(ids: &[&str], controllers: Vec<Box<dyn Controller>>) -> Result<Vec<ControllerHandle>> {
    AppServer::builder().start(ids, controllers)
}

/// Builds an [`AppServer`].
#[derive(Debug, Clone, Default)]
pub struct AppServerBuilder {
    opts: ServerOptions,
}

impl AppServerBuilder {
    /// The address to listen on (default `127.0.0.1`; `0.0.0.0` accepts engines from other
    /// machines, and should go with a [`token`](Self::token)).
    pub fn host(mut self, host: impl Into<String>) -> Self {
        self.opts.host = host.into();
        self
    }
    /// Port 0 picks a free port; read it back with [`AppServer::local_addr`].
    pub fn port(mut self, port: u16) -> Self {
        self.opts.port = port;
        self
    }
    /// Forces a mode on every connection (default: each engine's wish, lockstep if unsaid).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.opts.mode = Some(mode);
        self
    }
    /// Engines must present this token in their Hello.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.opts.token = Some(token.into());
        self
    }
    /// How long [`AppServer::start`] waits for engines to configure every id (default 60 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.opts.connect_timeout = t;
        self
    }
    /// How long a reset or step waits for the engine's answer before it fails with
    /// [`AppError::Timeout`] (default 60 s).
    pub fn step_timeout(mut self, t: Duration) -> Self {
        self.opts.step_timeout = t;
        self
    }
    /// How long a new connection may take to send its Hello before it is closed (default 10 s).
    pub fn handshake_timeout(mut self, t: Duration) -> Self {
        self.opts.handshake_timeout = t;
        self
    }
    /// Lockstep: how long a tick in which nothing can happen (every agent idle or paused) is
    /// held before it is answered with Wait, so idle engines do not spin (default 100 ms).
    pub fn idle_hold(mut self, t: Duration) -> Self {
        self.opts.idle_hold = t;
        self
    }
    /// Size limits checked on every frame before anything is allocated.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.opts.limits = limits;
        self
    }
    /// Most tensor elements the connected agents may declare together (default 2^24); see
    /// [`ServerOptions::max_total_elements`]. Per agent, [`Limits::max_agent_elements`] applies.
    pub fn max_total_elements(mut self, n: u64) -> Self {
        self.opts.max_total_elements = n;
        self
    }
    /// Adds a per-agent configuration field to every Welcome (`max_steps`, `frame_skip`, ...).
    pub fn agent_config(mut self, field: Field) -> Self {
        self.opts.agent_config.retain(|f| f.name != field.name);
        self.opts.agent_config.push(field);
        self
    }
    /// Also serves scenes made with the original AI4U packages (their UDP text protocol, on
    /// the same host and port number as the native TCP listener).
    pub fn legacy_udp(mut self, on: bool) -> Self {
        self.opts.legacy_udp = on;
        self
    }
    /// Serves every AI4U agent as this edition of AI4U's engine side (`None`, the default:
    /// tell each agent's edition from its messages); see [`ServerOptions::legacy_edition`].
    pub fn legacy_edition(mut self, edition: Option<ai4u_core::legacy::Edition>) -> Self {
        self.opts.legacy_edition = edition;
        self
    }
    /// The options built so far.
    pub fn options(&self) -> &ServerOptions {
        &self.opts
    }

    /// Largest Hello accepted, in bytes (default 1 MiB); see [`ServerOptions::max_hello_len`].
    pub fn max_hello_len(mut self, n: u32) -> Self {
        self.opts.max_hello_len = n;
        self
    }
    /// Most connections waiting for their handshake at once (default 64).
    pub fn max_pending_handshakes(mut self, n: usize) -> Self {
        self.opts.max_pending_handshakes = n;
        self
    }
    /// Allows listening beyond loopback without a token (and the legacy UDP protocol beyond
    /// loopback). Without it [`bind`](Self::bind) refuses such a server.
    pub fn insecure(mut self, on: bool) -> Self {
        self.opts.insecure = on;
        self
    }

    /// Binds the listening socket (so its address is known before engines are launched).
    ///
    /// A server reachable from other machines must require a token, and the legacy UDP
    /// protocol (which has none) is served on loopback only, unless
    /// [`insecure`](Self::insecure) says otherwise: then a warning is printed.
    pub fn bind(self) -> Result<AppServer> {
        let addr = format!("{}:{}", self.opts.host, self.opts.port);
        let listener =
            std::net::TcpListener::bind(&addr).map_err(|source| AppError::Bind { addr: addr.clone(), source })?;
        listener.set_nonblocking(true).map_err(|source| AppError::Bind { addr: addr.clone(), source })?;
        let local = listener.local_addr().map_err(|source| AppError::Bind { addr: addr.clone(), source })?;
        if !local.ip().is_loopback() {
            let open = if self.opts.token.is_none() {
                Some("without a token: any machine that reaches it could drive its agents; set a token")
            } else if self.opts.legacy_udp {
                Some("with AI4U's UDP protocol, which cannot carry a token")
            } else {
                None
            };
            match open {
                Some(why) if !self.opts.insecure => {
                    return Err(AppError::Usage(format!(
                        "refusing to listen on {local} (reachable from other machines) {why}, or allow it explicitly \
                         (AppServerBuilder::insecure, `--insecure`)"
                    )))
                }
                Some(why) => eprintln!("ai4u: warning: listening on {local} {why} (insecure mode)"),
                None => {}
            }
        }
        // The UDP socket takes the port the TCP listener got (which matters for port 0).
        let udp = if self.opts.legacy_udp {
            let udp_addr = SocketAddr::new(local.ip(), local.port());
            let socket = std::net::UdpSocket::bind(udp_addr)
                .map_err(|source| AppError::Bind { addr: format!("udp://{udp_addr}"), source })?;
            socket
                .set_nonblocking(true)
                .map_err(|source| AppError::Bind { addr: format!("udp://{udp_addr}"), source })?;
            Some(socket)
        } else {
            None
        };
        Ok(AppServer { opts: self.opts, listener, udp, local })
    }

    /// [`bind`](Self::bind) then [`AppServer::start`].
    pub fn start(self, ids: &[&str], controllers: Vec<Box<dyn Controller>>) -> Result<Vec<ControllerHandle>> {
        self.bind()?.start(ids, controllers)
    }
}

/// A bound, not yet serving, appserver.
pub struct AppServer {
    opts: ServerOptions,
    listener: std::net::TcpListener,
    /// The AI4U legacy UDP socket, when enabled.
    udp: Option<std::net::UdpSocket>,
    local: SocketAddr,
}

/// Keeps the network thread alive while any handle lives; shuts it down after the last.
pub(crate) struct ServerGuard {
    shutdown: tokio::sync::watch::Sender<bool>,
    /// Whose daemons to shut down (with open ids, the ones made so far).
    shared: Arc<Shared>,
}

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        for d in self.shared.registry.inboxes() {
            let _ = d.send(DaemonMsg::Shutdown);
        }
    }
}

impl AppServer {
    /// Starts building a server with the default options (`127.0.0.1:8080`, lockstep unless
    /// an engine asks for realtime, 60 s timeouts).
    pub fn builder() -> AppServerBuilder {
        AppServerBuilder::default()
    }

    /// The address engines should connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Starts serving: one daemon thread per id owning the controller at the same position,
    /// network I/O on a tokio runtime thread. Blocks until every id is configured by an
    /// engine (up to the connect timeout), then returns the handles in the order of `ids`.
    pub fn start(self, ids: &[&str], controllers: Vec<Box<dyn Controller>>) -> Result<Vec<ControllerHandle>> {
        let timeout = self.opts.connect_timeout;
        self.serve(ids, controllers)?.wait_configured(timeout)
    }

    /// Starts serving like [`start`](Self::start) but returns at once; wait for the engines
    /// with [`Serving::wait_configured`], as often as needed (a service prints which ids are
    /// still missing between two waits, and can give up when it is told to stop).
    pub fn serve(self, ids: &[&str], controllers: Vec<Box<dyn Controller>>) -> Result<Serving> {
        if ids.len() != controllers.len() {
            return Err(AppError::Usage(format!("{} ids but {} controllers", ids.len(), controllers.len())));
        }
        if ids.is_empty() {
            return Err(AppError::Usage("no agent ids given".into()));
        }
        for (i, id) in ids.iter().enumerate() {
            if ids[..i].contains(id) {
                return Err(AppError::Usage(format!("agent id `{id}` is given twice")));
            }
        }
        let (ready_tx, ready_rx) = crossbeam_channel::unbounded::<Ready>();
        let slots = ids
            .iter()
            .zip(controllers)
            .enumerate()
            .map(|(index, (id, controller))| {
                registry::spawn_daemon(id, index, controller, ready_tx.clone(), self.opts.step_timeout)
            })
            .collect::<Result<Vec<_>>>()?;
        drop(ready_tx);
        let (step_timeout, local) = (self.opts.step_timeout, self.local);
        let guard = self.run(Registry::new(slots, None))?;
        Ok(Serving {
            ids: ids.iter().map(|id| id.to_string()).collect(),
            ready_rx,
            ready: (0..ids.len()).map(|_| None).collect(),
            guard,
            step_timeout,
            local,
        })
    }

    /// Starts serving any agent id, up to `max_agents` of them: the first time an engine
    /// declares an id, `factory` makes its controller and the id gets its own daemon. Take
    /// the handles as engines configure them with [`OpenServing::next_configured`]. An id
    /// past the limit, or one the factory fails for, is refused with a Reject saying so.
    /// For engines whose ids are not known in advance (a scene that names its agents, many
    /// instances with prefixes).
    ///
    /// ```no_run
    /// use ai4u_appserver::AppServer;
    /// use ai4u_controllers::{Controller, GenericController};
    /// use std::time::Duration;
    ///
    /// let open = AppServer::builder()
    ///     .bind()?
    ///     .serve_open(64, |_id| Ok(Box::new(GenericController::new()) as Box<dyn Controller>))?;
    /// while let Some(handle) = open.next_configured(Duration::from_secs(60)) {
    ///     println!("agent {} is here", handle.id());
    /// }
    /// # Ok::<(), ai4u_appserver::AppError>(())
    /// ```
    pub fn serve_open(
        self,
        max_agents: usize,
        factory: impl Fn(&str) -> std::result::Result<Box<dyn Controller>, FactoryError> + Send + Sync + 'static,
    ) -> Result<OpenServing> {
        if max_agents == 0 {
            return Err(AppError::Usage("a server open to any id needs max_agents of at least 1".into()));
        }
        let (ready_tx, ready_rx) = crossbeam_channel::unbounded::<Ready>();
        let open = registry::Open {
            factory: Box::new(factory),
            max_agents,
            ready: ready_tx,
            step_timeout: self.opts.step_timeout,
        };
        let step_timeout = self.opts.step_timeout;
        let local = self.local;
        let guard = self.run(Registry::new(Vec::new(), Some(open)))?;
        Ok(OpenServing { ready_rx, guard, step_timeout, local })
    }

    /// Starts the network thread over `registry`; the guard shuts it down.
    fn run(self, registry: Registry) -> Result<Arc<ServerGuard>> {
        let (shutdown_tx, shutdown_rx) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared::new(self.opts.clone(), registry));
        let guard = Arc::new(ServerGuard { shutdown: shutdown_tx, shared: shared.clone() });
        let listener = self.listener;
        let udp = self.udp;
        let legacy_shutdown = shutdown_rx.clone();
        // A current-thread runtime on a dedicated thread: one wakeup per network event,
        // no work stealing between cores on the latency-critical path.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| AppError::Spawn { what: "the network runtime".into(), source })?;
        std::thread::Builder::new()
            .name("ai4u-net".into())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Some(socket) = udp {
                        match tokio::net::UdpSocket::from_std(socket) {
                            Ok(s) => {
                                tokio::spawn(legacy::serve(s, shared.clone(), legacy_shutdown));
                            }
                            Err(e) => eprintln!("ai4u: cannot serve AI4U scenes over UDP: {e}"),
                        }
                    }
                    match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => server::accept_loop(l, shared, shutdown_rx).await,
                        Err(e) => eprintln!("ai4u: cannot serve: {e}"),
                    }
                })
            })
            .map_err(|source| AppError::Spawn { what: "the network thread".into(), source })?;
        Ok(guard)
    }
}

/// The user's handle of the agent at `index` of the server's registry.
fn handle_of(
    guard: &Arc<ServerGuard>,
    index: usize,
    action_space: &ai4u_core::spaces::Space,
    observation_space: &ai4u_core::spaces::Space,
    timeout: Duration,
) -> Option<ControllerHandle> {
    let slot = guard.shared.registry.at(index)?;
    Some(ControllerHandle {
        id: slot.id.clone(),
        tx: slot.tx.clone(),
        clock: slot.clock.clone(),
        action_space: action_space.clone(),
        observation_space: observation_space.clone(),
        timeout,
        _server: guard.clone(),
    })
}

/// A server open to any agent id; see [`AppServer::serve_open`]. Dropping it (and every
/// handle it gave) shuts the server down.
pub struct OpenServing {
    ready_rx: crossbeam_channel::Receiver<Ready>,
    guard: Arc<ServerGuard>,
    step_timeout: Duration,
    local: SocketAddr,
}

impl OpenServing {
    /// The address engines should connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The handle of the next id an engine configures for the first time, waiting up to
    /// `timeout`; `None` if none did by then. Each id is given once, however often its
    /// engine reconnects (the handle outlives its engines).
    pub fn next_configured(&self, timeout: Duration) -> Option<ControllerHandle> {
        let r = self.ready_rx.recv_timeout(timeout).ok()?;
        handle_of(&self.guard, r.index, &r.action_space, &r.observation_space, self.step_timeout)
    }
}

impl std::fmt::Debug for OpenServing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenServing")
            .field("addr", &self.local)
            .field("ids", &self.guard.shared.registry.describe())
            .finish_non_exhaustive()
    }
}

/// A server that is serving but whose agents are not all configured yet; see
/// [`AppServer::serve`]. Dropping it shuts the server down.
pub struct Serving {
    ids: Vec<String>,
    ready_rx: crossbeam_channel::Receiver<Ready>,
    /// What each agent's first configuration told, by position in `ids`.
    ready: Vec<Option<Ready>>,
    guard: Arc<ServerGuard>,
    step_timeout: Duration,
    local: SocketAddr,
}

impl Serving {
    /// The address engines should connect to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The ids no engine has configured yet, in the order they were given.
    pub fn missing(&self) -> Vec<&str> {
        self.ids.iter().zip(&self.ready).filter(|(_, r)| r.is_none()).map(|(id, _)| id.as_str()).collect()
    }

    /// Waits up to `timeout` for engines to configure every id, then returns the handles in
    /// the order of the ids. On [`AppError::NotConfigured`] nothing is lost: call it again
    /// to wait longer.
    pub fn wait_configured(&mut self, timeout: Duration) -> Result<Vec<ControllerHandle>> {
        let deadline = Instant::now() + timeout;
        while self.ready.iter().any(Option::is_none) {
            match self.ready_rx.recv_deadline(deadline) {
                Ok(r) => {
                    let i = r.index;
                    self.ready[i] = Some(r);
                }
                Err(_) => {
                    return Err(AppError::NotConfigured {
                        missing: self.missing().into_iter().map(str::to_owned).collect(),
                        waited: timeout,
                        addr: self.local.to_string(),
                    });
                }
            }
        }
        Ok(self
            .ready
            .iter()
            .flatten()
            .filter_map(|r| handle_of(&self.guard, r.index, &r.action_space, &r.observation_space, self.step_timeout))
            .collect())
    }
}

impl std::fmt::Debug for Serving {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Serving").field("addr", &self.local).field("missing", &self.missing()).finish_non_exhaustive()
    }
}

/// The README's quick start, compiled as a doctest so it cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeQuickStart;
