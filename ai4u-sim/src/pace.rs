//! Wall-clock pacing: a scene whose physics frames are spread out in real time, for live
//! control (a human, a real-time algorithm) in realtime mode.

use ai4u_core::engine::Scene;
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::AgentInfo;
use std::time::{Duration, Instant};

/// Wraps a scene so that physics frame `n` does not start before `n * frame` of wall-clock
/// time has passed since the first one. A frame that runs late is not made up for by
/// rushing the next ones more than the schedule allows: the schedule restarts when the
/// scene falls behind by more than a second (a paused controller, a debugger).
#[derive(Debug, Clone)]
pub struct WallClock<S> {
    inner: S,
    frame: Duration,
    start: Option<Instant>,
    frames: u32,
}

impl<S: Scene> WallClock<S> {
    /// `inner` paced at one physics frame per `frame`.
    pub fn new(inner: S, frame: Duration) -> WallClock<S> {
        WallClock { inner, frame, start: None, frames: 0 }
    }

    /// The wrapped scene.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Scene> Scene for WallClock<S> {
    fn agents(&self) -> Vec<AgentInfo> {
        self.inner.agents()
    }
    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        self.inner.reset_agent(agent, fields)
    }
    fn act(&mut self, agent: usize, name: &str, args: &[Value], fields: &[Field]) {
        self.inner.act(agent, name, args, fields)
    }
    fn step_physics(&mut self) {
        let now = Instant::now();
        let start = *self.start.get_or_insert(now);
        let due = start + self.frame * self.frames;
        if let Some(wait) = due.checked_duration_since(now) {
            std::thread::sleep(wait);
        } else if now - due > Duration::from_secs(1) {
            self.start = Some(now);
            self.frames = 0;
        }
        self.frames += 1;
        self.inner.step_physics()
    }
    fn frame_reward(&mut self, agent: usize) -> f32 {
        self.inner.frame_reward(agent)
    }
    fn is_done(&self, agent: usize) -> bool {
        self.inner.is_done(agent)
    }
    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        self.inner.observe(agent, out)
    }
    fn begin_decision(&mut self, agent: usize) {
        self.inner.begin_decision(agent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EchoConfig, EchoScene};

    #[test]
    fn frames_are_spread_over_wall_clock_time() {
        let mut s = WallClock::new(EchoScene::new(EchoConfig::default()), Duration::from_millis(10));
        let t = Instant::now();
        for _ in 0..11 {
            s.step_physics();
        }
        // A lower bound only: sleeping can overshoot on a busy machine, never undershoot.
        assert!(t.elapsed() >= Duration::from_millis(100), "{:?}", t.elapsed());
    }
}
