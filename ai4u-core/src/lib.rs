//! # ai4u-core
//!
//! The vocabulary every other ai4u crate and every engine side shares:
//!
//! - [`value`]: the values an engine sends or receives and [`value::State`], an agent's
//!   named sensor readings with typed getters;
//! - [`spaces`]: Gymnasium's spaces (Box, Discrete, MultiDiscrete, MultiBinary, Dict,
//!   Tuple, Text) on `ndarray`, with sampling, `contains` and flattening;
//! - [`metadata`]: what an engine declares about an agent's sensors and actuators;
//! - [`wire`]: the native protocol (messages, codec, framing, limits), byte for byte as
//!   `docs/PROTOCOL.md` specifies it.
//!
//! This crate starts no threads and no runtimes.

#![warn(missing_docs)]

pub mod engine;
pub mod legacy;
pub mod metadata;
pub mod spaces;
pub mod value;
pub mod wire;

pub use metadata::ModelMetadata;
/// The `ndarray` version spaces and samples are built on, so users need not match it.
pub use ndarray;
pub use value::{Field, State, Value};
