//! The Python exception hierarchy, and the one place Rust errors become Python exceptions.
//! Messages are the Rust errors' own `Display`, so Python users read what Rust users read.

use ai4u_appserver::AppError;
use ai4u_controllers::ControllerError;
use ai4u_core::engine::EngineError;
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(ai4u_rs, Ai4uError, PyException, "Base class of every error ai4u_rs raises.");
create_exception!(ai4u_rs, Ai4uTimeoutError, Ai4uError, "An engine did not connect, configure or answer in time.");
create_exception!(ai4u_rs, DisconnectedError, Ai4uError, "The engine went away (closed, crashed or was stopped).");
create_exception!(
    ai4u_rs,
    RefusedError,
    Ai4uError,
    "A handshake or an agent's configuration was refused (a wrong token, a scene the controller does not fit)."
);
create_exception!(ai4u_rs, UsageError, Ai4uError, "A call the environment cannot honour (bad arguments, wrong order).");

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Ai4uError", py.get_type::<Ai4uError>())?;
    m.add("Ai4uTimeoutError", py.get_type::<Ai4uTimeoutError>())?;
    m.add("DisconnectedError", py.get_type::<DisconnectedError>())?;
    m.add("RefusedError", py.get_type::<RefusedError>())?;
    m.add("UsageError", py.get_type::<UsageError>())?;
    Ok(())
}

pub fn app(e: AppError) -> PyErr {
    let msg = e.to_string();
    // Variants not named here (and any a later version adds) are plain Ai4uError.
    match e {
        AppError::Usage(_) | AppError::NoEpisode { .. } | AppError::Paused { .. } => UsageError::new_err(msg),
        AppError::NotConfigured { .. } | AppError::Timeout { .. } => Ai4uTimeoutError::new_err(msg),
        AppError::Disconnected { .. } | AppError::ServerGone => DisconnectedError::new_err(msg),
        AppError::Controller { source, .. } => match source {
            ControllerError::Configuration(_) => RefusedError::new_err(msg),
            ControllerError::Action(_) | ControllerError::Space(_) => UsageError::new_err(msg),
            _ => Ai4uError::new_err(msg),
        },
        _ => Ai4uError::new_err(msg),
    }
}

pub fn engine(e: EngineError) -> PyErr {
    let msg = e.to_string();
    match e {
        EngineError::Rejected(_) => RefusedError::new_err(msg),
        EngineError::Timeout { .. } => Ai4uTimeoutError::new_err(msg),
        _ => DisconnectedError::new_err(msg),
    }
}

pub fn usage(msg: impl Into<String>) -> PyErr {
    UsageError::new_err(msg.into())
}
