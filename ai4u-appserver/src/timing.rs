//! Where a step's time goes: [`StepTimes`], measured per agent by its daemon (the whole
//! step and the controller's callbacks) and by its connection (the engine: from the reply
//! written to the next tick read).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Cumulative counters of one agent, shared by its daemon, its connection and its handles.
#[derive(Debug, Default)]
pub(crate) struct StepClock {
    steps: AtomicU64,
    total_ns: AtomicU64,
    controller_ns: AtomicU64,
    engine_ns: AtomicU64,
    engine_ticks: AtomicU64,
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl StepClock {
    /// A step was answered `started` ago.
    pub fn step(&self, started: Instant) {
        self.steps.fetch_add(1, Ordering::Relaxed);
        self.total_ns.fetch_add(nanos(started.elapsed()), Ordering::Relaxed);
    }

    /// The controller's callbacks took `d` (`step_behavior`, `observation`, `reward`, ...).
    pub fn controller(&self, d: Duration) {
        self.controller_ns.fetch_add(nanos(d), Ordering::Relaxed);
    }

    /// The engine took `d` from the reply to the tick that reports this agent's decision.
    pub fn engine(&self, d: Duration) {
        self.engine_ns.fetch_add(nanos(d), Ordering::Relaxed);
        self.engine_ticks.fetch_add(1, Ordering::Relaxed);
    }

    pub fn read(&self) -> StepTimes {
        let d = |a: &AtomicU64| Duration::from_nanos(a.load(Ordering::Relaxed));
        StepTimes {
            steps: self.steps.load(Ordering::Relaxed),
            total: d(&self.total_ns),
            controller: d(&self.controller_ns),
            engine: d(&self.engine_ns),
            engine_ticks: self.engine_ticks.load(Ordering::Relaxed),
        }
    }
}

/// Where the steps of one agent spent their time, summed since the server started (take
/// the difference of two readings for an interval; see
/// [`ControllerHandle::step_times`](crate::ControllerHandle::step_times)).
///
/// A step's time, from the daemon taking the request to its answer, splits into the
/// controller's callbacks, the engine (reply written to the next tick read on the socket:
/// the engine's own frames plus the transit, which is microseconds on loopback) and the
/// rest, the server's (channels, encoding, waiting for the other agents of a batch).
///
/// ```
/// use ai4u_appserver::StepTimes;
/// use std::time::Duration;
///
/// let t = StepTimes {
///     steps: 100,
///     total: Duration::from_millis(50),
///     controller: Duration::from_millis(5),
///     engine: Duration::from_millis(40),
///     engine_ticks: 100,
/// };
/// assert_eq!(t.mean_engine(), Some(Duration::from_micros(400)));
/// assert_eq!(t.mean_server(), Some(Duration::from_micros(50)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepTimes {
    /// Steps answered.
    pub steps: u64,
    /// Their time from request to answer, summed.
    pub total: Duration,
    /// Time in the controller's callbacks, summed.
    pub controller: Duration,
    /// Engine time of the ticks that reported this agent's decisions, summed.
    pub engine: Duration,
    /// Ticks counted in `engine` (one per decision in lockstep; realtime may count more).
    pub engine_ticks: u64,
}

fn mean(d: Duration, n: u64) -> Option<Duration> {
    (n > 0).then(|| d / u32::try_from(n).unwrap_or(u32::MAX))
}

impl StepTimes {
    /// The mean time of a step.
    pub fn mean_step(&self) -> Option<Duration> {
        mean(self.total, self.steps)
    }
    /// The mean time of the controller's callbacks per step.
    pub fn mean_controller(&self) -> Option<Duration> {
        mean(self.controller, self.steps)
    }
    /// The mean engine time per tick.
    pub fn mean_engine(&self) -> Option<Duration> {
        mean(self.engine, self.engine_ticks)
    }
    /// What is left of the mean step after the controller and the engine: the server's
    /// part (saturating at zero).
    pub fn mean_server(&self) -> Option<Duration> {
        let step = self.mean_step()?;
        Some(
            step.saturating_sub(self.mean_controller().unwrap_or_default())
                .saturating_sub(self.mean_engine().unwrap_or_default()),
        )
    }
    /// The counts of `self` minus those of an `earlier` reading (saturating).
    pub fn since(&self, earlier: &StepTimes) -> StepTimes {
        StepTimes {
            steps: self.steps.saturating_sub(earlier.steps),
            total: self.total.saturating_sub(earlier.total),
            controller: self.controller.saturating_sub(earlier.controller),
            engine: self.engine.saturating_sub(earlier.engine),
            engine_ticks: self.engine_ticks.saturating_sub(earlier.engine_ticks),
        }
    }
    /// The sum of two agents' readings (for a group of agents).
    pub fn add(&self, other: &StepTimes) -> StepTimes {
        StepTimes {
            steps: self.steps + other.steps,
            total: self.total + other.total,
            controller: self.controller + other.controller,
            engine: self.engine + other.engine,
            engine_ticks: self.engine_ticks + other.engine_ticks,
        }
    }
}
