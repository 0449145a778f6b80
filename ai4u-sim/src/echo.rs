//! [`EchoScene`]: agents with no physics whose observation echoes their last action, for
//! benchmarks that must measure the protocol's overhead rather than a simulation.

use crate::sample::action_floats;
use ai4u_core::engine::Scene;
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Value, ValueKind};
use ai4u_core::wire::AgentInfo;

/// The action the echo agents declare (any action name is accepted and echoed).
pub const ECHO_ACTION: &str = "echo";

/// How an [`EchoScene`] is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EchoConfig {
    /// Number of agents, ids `"0"` .. `"K-1"`.
    pub agents: usize,
    /// Length `n` of the `obs` field and of the declared action.
    pub width: usize,
    /// Decisions per episode; the engine truncates episodes there (0 = never).
    pub max_steps: u32,
}

impl Default for EchoConfig {
    fn default() -> Self {
        EchoConfig { agents: 1, width: 4, max_steps: 1000 }
    }
}

/// K agents whose observation `obs` (float array `[n]`) is the first `n` floats of the last
/// action they received, zero-padded; zeros after a reset. Rewards are 0 and episodes end
/// only by truncation at `max_steps`, so a run's cost is the protocol's alone.
#[derive(Debug, Clone)]
pub struct EchoScene {
    config: EchoConfig,
    /// `agents * width` floats: one row per agent, so acting never allocates.
    last: Vec<f32>,
}

impl EchoScene {
    /// A scene with `config.agents` agents echoing `config.width` floats.
    pub fn new(config: EchoConfig) -> EchoScene {
        EchoScene { config, last: vec![0.0; config.agents * config.width] }
    }

    /// The configuration the scene was built with.
    pub fn config(&self) -> EchoConfig {
        self.config
    }

    /// The agent's current echo.
    pub fn echo(&self, agent: usize) -> &[f32] {
        let n = self.config.width;
        &self.last[agent * n..(agent + 1) * n]
    }

    fn row_mut(&mut self, agent: usize) -> &mut [f32] {
        let n = self.config.width;
        &mut self.last[agent * n..(agent + 1) * n]
    }

    /// What every agent declares in Hello.
    pub fn metadata(width: usize) -> ModelMetadata {
        ModelMetadata {
            inputs: vec![InputSpec {
                name: "obs".into(),
                kind: ValueKind::FloatArray,
                shape: vec![width as u32],
                range_min: -1.0,
                range_max: 1.0,
            }],
            outputs: vec![OutputSpec {
                name: ECHO_ACTION.into(),
                continuous: true,
                shape: vec![width as u32],
                range_min: vec![-1.0; width],
                range_max: vec![1.0; width],
            }],
        }
    }
}

impl Scene for EchoScene {
    fn agents(&self) -> Vec<AgentInfo> {
        let metadata = EchoScene::metadata(self.config.width);
        (0..self.config.agents)
            .map(|k| AgentInfo { id: k.to_string(), max_steps: self.config.max_steps, metadata: metadata.clone() })
            .collect()
    }

    fn reset_agent(&mut self, agent: usize, _fields: &[Field]) {
        self.row_mut(agent).fill(0.0);
    }

    fn act(&mut self, agent: usize, _name: &str, args: &[Value], _fields: &[Field]) {
        let row = self.row_mut(agent);
        match args {
            [Value::FloatArray { data, .. }] => {
                let k = data.len().min(row.len());
                row[..k].copy_from_slice(&data[..k]);
                row[k..].fill(0.0);
            }
            _ => {
                // Scalars or other forms: the generic reader, a few at a time.
                row.fill(0.0);
                for (o, v) in row.iter_mut().zip(args) {
                    *o = action_floats::<1>(std::slice::from_ref(v))[0];
                }
            }
        }
    }

    fn step_physics(&mut self) {}

    fn frame_reward(&mut self, _agent: usize) -> f32 {
        0.0
    }

    fn is_done(&self, _agent: usize) -> bool {
        false
    }

    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        let data = self.echo(agent).to_vec();
        out.push(Field { name: "obs".into(), value: Value::FloatArray { shape: vec![data.len() as u32], data } });
    }
}
