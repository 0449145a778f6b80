//! Errors a user of the appserver can see.

use ai4u_controllers::ControllerError;
use std::time::Duration;

/// Everything that can go wrong between a user call and an engine.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("{0}")]
    Usage(String),
    #[error("no engine configured agent(s) {} within {:.1} s (waiting on {addr})", missing.join(", "), waited.as_secs_f64())]
    NotConfigured { missing: Vec<String>, waited: Duration, addr: String },
    #[error("engine of agent `{id}` disconnected: {reason}")]
    Disconnected { id: String, reason: String },
    #[error("agent `{id}`: no answer from the engine within {:.1} s while waiting for {what}", waited.as_secs_f64())]
    Timeout { id: String, what: &'static str, waited: Duration },
    #[error("agent `{id}` has no running episode: call request_reset first")]
    NoEpisode { id: String },
    #[error("agent `{id}` is paused: resume it before stepping")]
    Paused { id: String },
    #[error("agent `{id}`: {source}")]
    Controller { id: String, source: ControllerError },
    #[error("agent `{id}` is out of service after its controller failed: {reason}")]
    Failed { id: String, reason: String },
    #[error("the server has shut down")]
    ServerGone,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
