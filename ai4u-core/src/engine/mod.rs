//! The engine side in Rust: what a headless simulator, a Rust game or a test uses to expose
//! agents to an ai4u controller. Blocking std I/O; no threads of its own.
//!
//! Implement [`Scene`] for the world, then [`Requestor::connect`] and [`Requestor::run`].
//! [`EngineConnection`] alone gives the raw handshake and tick/reply exchange.

mod connection;
mod requestor;

pub use connection::{EngineConnection, EngineError, EngineOptions};
pub use requestor::{DecisionDefaults, Requestor, RunEnd, Scene};
