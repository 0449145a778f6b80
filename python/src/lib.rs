//! `ai4u_rs._core`: the native half of the `ai4u_rs` Python package. The Gymnasium and
//! PettingZoo classes live in Python (`ai4u_rs/`) on top of these.

mod bench;
mod compat;
mod convert;
mod engines;
mod errors;
mod py_controller;
mod session;
mod spaces;
mod wait;

use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Validates a space description in Rust and gives it back as Rust sees it.
#[pyfunction]
fn check_space<'py>(py: Python<'py>, desc: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyDict>> {
    spaces::to_desc(py, &spaces::from_desc(desc)?)
}

/// A sample of the space drawn by the Rust sampler (seeded, portable).
#[pyfunction]
fn sample_space<'py>(py: Python<'py>, desc: &Bound<'py, PyAny>, seed: u64) -> PyResult<Bound<'py, PyAny>> {
    let space = spaces::from_desc(desc)?;
    convert::sample_to_py(py, &space, space.sample_seeded(seed))
}

/// Whether the Rust space contains `x` (after converting it as an action would be).
#[pyfunction]
fn space_contains(desc: &Bound<'_, PyAny>, x: &Bound<'_, PyAny>) -> PyResult<bool> {
    let space = spaces::from_desc(desc)?;
    Ok(space.contains(&convert::py_to_sample(&space, x)?))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<engines::Engine>()?;
    m.add_class::<session::Server>()?;
    m.add_class::<session::Agent>()?;
    m.add_class::<session::VecAgents>()?;
    m.add_class::<session::ParallelAgents>()?;
    m.add_function(wrap_pyfunction!(check_space, m)?)?;
    m.add_function(wrap_pyfunction!(sample_space, m)?)?;
    m.add_function(wrap_pyfunction!(space_contains, m)?)?;
    m.add_function(wrap_pyfunction!(bench::rust_step_rate, m)?)?;
    Ok(())
}
