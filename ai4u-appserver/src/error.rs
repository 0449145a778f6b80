//! Errors a user of the appserver can see.

use ai4u_controllers::ControllerError;
use std::time::Duration;

/// Everything that can go wrong between a user call and an engine.
///
/// Each variant names the agent it concerns where there is one. Errors of one agent never
/// affect the others: after a [`Disconnected`](AppError::Disconnected) or
/// [`Timeout`](AppError::Timeout) the same handle works again once an engine serves the agent
/// (call `request_reset`); only [`Failed`](AppError::Failed) and
/// [`ServerGone`](AppError::ServerGone) are final.
///
/// New variants may be added; match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppError {
    /// The listening socket could not be opened (the port is taken, or the address is not
    /// local). Pick another port (0 picks a free one) or free this one.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// `host:port` (or `udp://host:port` for the legacy front end).
        addr: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The call's arguments are inconsistent (ids and controllers of different lengths, an
    /// id given twice, actions for the wrong number of environments...). The message says
    /// which; fix the call.
    #[error("{0}")]
    Usage(String),
    /// A thread or the network runtime could not be started (the process is out of
    /// threads or memory). Nothing was started; retry with fewer agents.
    #[error("cannot start {what}: {source}")]
    Spawn {
        /// What could not start (`the daemon thread of agent `0``, `the network thread`...).
        what: String,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// `start` gave up waiting: no engine declared these ids within the connect timeout.
    /// Start the engine (press Play, launch the build) pointing at `addr`, or raise
    /// `connect_timeout`.
    #[error("no engine configured agent(s) {} within {:.1} s (waiting on {addr})", missing.join(", "), waited.as_secs_f64())]
    NotConfigured {
        /// The ids no engine declared.
        missing: Vec<String>,
        /// How long `start` waited.
        waited: Duration,
        /// The address engines were expected on.
        addr: String,
    },
    /// The engine serving this agent went away (it closed, crashed, said Bye, or the agent
    /// was stopped). A later `request_reset` waits for an engine to serve it again.
    #[error("engine of agent `{id}` disconnected: {reason}")]
    Disconnected {
        /// The agent.
        id: String,
        /// How the connection ended, as the server saw it.
        reason: String,
    },
    /// The engine did not answer within the step timeout (it stalled, or is paused in an
    /// editor). The request is abandoned; the agent may be reset again.
    #[error("agent `{id}`: no answer from the engine within {:.1} s while waiting for {what}", waited.as_secs_f64())]
    Timeout {
        /// The agent.
        id: String,
        /// What was awaited (`the first state of the episode`, ...).
        what: &'static str,
        /// The step timeout that expired.
        waited: Duration,
    },
    /// A step was asked while the agent has no running episode (it was never reset, its
    /// episode ended, or the engine ended it). Call `request_reset` first.
    #[error("agent `{id}` has no running episode: call request_reset first")]
    NoEpisode {
        /// The agent.
        id: String,
    },
    /// A step was asked while the agent is paused. Call `resume` first.
    #[error("agent `{id}` is paused: resume it before stepping")]
    Paused {
        /// The agent.
        id: String,
    },
    /// The controller refused the request (an action outside the action space, a state it
    /// cannot observe). The agent stays usable unless the controller panicked.
    #[error("agent `{id}`: {source}")]
    Controller {
        /// The agent.
        id: String,
        /// The controller's error.
        source: ControllerError,
    },
    /// The agent's controller panicked earlier; the agent is out of service for good (its
    /// engine got Stop). Restart the server with a fixed controller.
    #[error("agent `{id}` is out of service after its controller failed: {reason}")]
    Failed {
        /// The agent.
        id: String,
        /// The panic that put it out of service.
        reason: String,
    },
    /// A newer request for the same agent (from a clone of its handle) replaced this one
    /// before the engine answered. Serialise requests per agent.
    #[error("agent `{id}`: superseded by a newer request for the same agent")]
    Superseded {
        /// The agent.
        id: String,
    },
    /// The server has shut down (every handle of it was dropped, or its threads ended).
    #[error("the server has shut down")]
    ServerGone,
    /// Recording a step failed (see [`record`](crate::record)): the folder or disk cannot
    /// be written. The step itself was taken.
    #[error(transparent)]
    Record(#[from] crate::record::RecordError),
}

/// `Result` with [`AppError`] as the default error.
pub type Result<T, E = AppError> = std::result::Result<T, E>;
