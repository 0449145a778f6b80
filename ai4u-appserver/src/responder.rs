//! How a daemon answers a user's request: through a one-slot channel for a single request,
//! or into a [`Latch`] shared by a batch, which wakes its waiter once, when the last answer
//! of the batch is in. With 64 agents on one core that is one wake-up per step instead of 64.
//! (Named `Responder`, not `Responder`: `Responder` is the wire message the server sends engines.)
//!
//! Every [`Responder`] answers exactly once: dropping one unanswered (a daemon that died,
//! a request that never reached it) answers [`AppError::ServerGone`].

use crate::error::{AppError, Result};
use crossbeam_channel::Sender;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Where the answer to one request goes.
pub(crate) struct Responder<T>(Option<Slot<T>>);

enum Slot<T> {
    Channel(Sender<Result<T>>),
    Batch(Arc<Latch<T>>, usize),
}

impl<T> Responder<T> {
    pub fn channel(tx: Sender<Result<T>>) -> Responder<T> {
        Responder(Some(Slot::Channel(tx)))
    }

    pub fn batch(latch: &Arc<Latch<T>>, index: usize) -> Responder<T> {
        Responder(Some(Slot::Batch(latch.clone(), index)))
    }

    /// Delivers the answer. Whether anyone still listens is not the daemon's concern.
    pub fn send(mut self, r: Result<T>) {
        match self.0.take() {
            Some(Slot::Channel(tx)) => {
                let _ = tx.send(r);
            }
            Some(Slot::Batch(latch, i)) => latch.put(i, r),
            None => {}
        }
    }
}

impl<T> Drop for Responder<T> {
    fn drop(&mut self) {
        match self.0.take() {
            Some(Slot::Channel(tx)) => {
                let _ = tx.send(Err(AppError::ServerGone));
            }
            Some(Slot::Batch(latch, i)) => latch.put(i, Err(AppError::ServerGone)),
            None => {}
        }
    }
}

/// Collects the answers of a batch of `n` requests.
pub(crate) struct Latch<T> {
    state: Mutex<(Vec<Option<Result<T>>>, usize)>,
    done: Condvar,
}

impl<T> Latch<T> {
    pub fn new(n: usize) -> Arc<Latch<T>> {
        Arc::new(Latch { state: Mutex::new(((0..n).map(|_| None).collect(), n)), done: Condvar::new() })
    }

    fn put(&self, i: usize, r: Result<T>) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if st.0[i].is_none() {
            st.0[i] = Some(r);
            st.1 -= 1;
            if st.1 == 0 {
                self.done.notify_all();
            }
        }
    }

    /// Waits for every answer, up to `timeout`; a missing one becomes a timeout error
    /// naming its agent (`ids[i]`).
    pub fn wait(&self, timeout: Duration, ids: &[&str]) -> Vec<Result<T>> {
        let deadline = Instant::now() + timeout;
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while st.1 > 0 {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            st = self.done.wait_timeout(st, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
        st.0.iter_mut()
            .enumerate()
            .map(|(i, slot)| {
                slot.take().unwrap_or_else(|| {
                    Err(AppError::Timeout { id: ids[i].to_owned(), what: "the agent's daemon", waited: timeout })
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_completes_when_every_reply_is_in_even_dropped_ones() {
        let latch: Arc<Latch<u32>> = Latch::new(3);
        Responder::batch(&latch, 2).send(Ok(7));
        drop(Responder::batch(&latch, 0)); // a daemon that died
        let l = latch.clone();
        let t = std::thread::spawn(move || Responder::batch(&l, 1).send(Ok(5)));
        let got = latch.wait(Duration::from_secs(5), &["a", "b", "c"]);
        t.join().unwrap();
        assert!(matches!(got[0], Err(AppError::ServerGone)));
        assert_eq!(got[1].as_ref().unwrap(), &5);
        assert_eq!(got[2].as_ref().unwrap(), &7);
    }

    #[test]
    fn a_missing_reply_times_out_naming_its_agent() {
        let latch: Arc<Latch<u32>> = Latch::new(2);
        Responder::batch(&latch, 0).send(Ok(1));
        let got = latch.wait(Duration::from_millis(50), &["a", "b"]);
        assert!(got[0].is_ok());
        let err = got[1].as_ref().unwrap_err().to_string();
        assert_eq!(err, "agent `b`: no answer from the engine within 0.1 s while waiting for the agent's daemon");
    }
}
