//! Runs blocking Rust calls on a worker thread so the Python caller can wait in slices:
//! the GIL is released while waiting, and Ctrl-C (a pending signal) interrupts the wait.
//!
//! The handles' own waits cannot be polled, hence the worker. An interrupted call still
//! finishes on the worker; its answer is dropped and the next call queues behind it.

use crossbeam_channel::{bounded, unbounded, RecvTimeoutError, Sender};
use pyo3::prelude::*;
use std::time::Duration;

/// How often a waiting caller looks for signals.
const SLICE: Duration = Duration::from_millis(50);

type Job<T> = Box<dyn FnOnce(&mut T) + Send>;

/// Owns a `T` on its own thread and runs calls on it in order.
pub struct Worker<T> {
    jobs: Sender<Job<T>>,
}

impl<T: Send + 'static> Worker<T> {
    pub fn new(name: &str, mut state: T) -> Worker<T> {
        let (jobs, rx) = unbounded::<Job<T>>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                // Ends when the Python object (the only sender) is dropped.
                for job in rx {
                    job(&mut state);
                }
            })
            .expect("cannot start an ai4u_rs worker thread");
        Worker { jobs }
    }

    /// Runs `f` on the worker and waits for its answer without holding the GIL.
    pub fn call<R: Send + 'static>(&self, py: Python<'_>, f: impl FnOnce(&mut T) -> R + Send + 'static) -> PyResult<R> {
        let (tx, rx) = bounded(1);
        self.jobs
            .send(Box::new(move |state: &mut T| {
                let _ = tx.send(f(state));
            }))
            .map_err(|_| crate::errors::Ai4uError::new_err("the ai4u_rs worker thread is gone"))?;
        wait_interruptibly(py, || rx.recv_timeout(SLICE))
    }
}

/// Polls `recv` (which waits at most one slice) until it yields, checking for signals
/// between slices with the GIL held and waiting with it released.
pub fn wait_interruptibly<R: Send>(
    py: Python<'_>,
    recv: impl Fn() -> Result<R, RecvTimeoutError> + Send + Sync,
) -> PyResult<R> {
    loop {
        match py.detach(&recv) {
            Ok(r) => return Ok(r),
            Err(RecvTimeoutError::Timeout) => py.check_signals()?,
            Err(RecvTimeoutError::Disconnected) => {
                return Err(crate::errors::Ai4uError::new_err("the ai4u_rs worker thread stopped unexpectedly"))
            }
        }
    }
}
