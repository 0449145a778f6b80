//! Agent ids with a prefix, so that many instances of one scene can serve one controller
//! (`w0-0`, `w0-1`, `w1-0`, ...): the scene keeps numbering its agents from 0.

use ai4u_core::engine::Scene;
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::AgentInfo;

/// Wraps a scene and prefixes every agent id it declares with `prefix`; everything else is
/// the inner scene's.
///
/// ```
/// use ai4u_core::engine::Scene;
/// use ai4u_sim::{IdPrefix, SampleScene, SceneConfig};
///
/// let scene = IdPrefix::new("w3-", SampleScene::new(SceneConfig { agents: 2, ..SceneConfig::default() }));
/// let ids: Vec<String> = scene.agents().into_iter().map(|a| a.id).collect();
/// assert_eq!(ids, ["w3-0", "w3-1"]);
/// ```
#[derive(Debug, Clone)]
pub struct IdPrefix<S> {
    prefix: String,
    inner: S,
}

impl<S: Scene> IdPrefix<S> {
    /// `inner` with every agent id prefixed by `prefix` (an empty prefix changes nothing).
    pub fn new(prefix: impl Into<String>, inner: S) -> IdPrefix<S> {
        IdPrefix { prefix: prefix.into(), inner }
    }

    /// The wrapped scene.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Scene> Scene for IdPrefix<S> {
    fn agents(&self) -> Vec<AgentInfo> {
        let mut agents = self.inner.agents();
        for a in &mut agents {
            a.id.insert_str(0, &self.prefix);
        }
        agents
    }
    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        self.inner.reset_agent(agent, fields)
    }
    fn act(&mut self, agent: usize, name: &str, args: &[Value], fields: &[Field]) {
        self.inner.act(agent, name, args, fields)
    }
    fn step_physics(&mut self) {
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
