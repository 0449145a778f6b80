//! An example ai4u controller plugin (see `docs/PLUGINS.md`).
//!
//! Exports two controllers:
//!
//! - `samplescene` (the default): AI4U's SampleScene controller, except that actions
//!   outside the action space are clipped into it instead of being refused;
//! - `line`: a controller for a one-dimensional line world (action `move` = Box(-1, 1, (1,)),
//!   observation `obs` = Box(-100, 100, (2,))), the scene the appserver's tests use.
//!
//! Build it with `cargo build -p ai4u-example-plugin --release`, then serve with
//! `ai4u serve --plugin target/release/libai4u_example_plugin.so --ids 0`.

use ai4u_controllers::{Command, Controller, ControllerError, Result, SampleSceneController};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{BoxSpace, DType, Sample, Space};
use ai4u_core::value::State;

ai4u_controllers::export_controllers!(
    "samplescene" => ClippingSampleScene::new,
    "line" => LineController::new,
);

/// Clips `action` into a Box `space` (element-wise); other samples are returned unchanged.
fn clip(space: &Space, action: &Sample) -> Sample {
    match (space, action) {
        (Space::Box(b), Sample::F32(a)) if a.shape() == b.shape() => {
            let mut a = a.clone();
            ndarray::Zip::from(&mut a)
                .and(b.low())
                .and(b.high())
                .for_each(|x, &lo, &hi| *x = (*x as f64).clamp(lo, hi) as f32);
            Sample::F32(a)
        }
        _ => action.clone(),
    }
}

/// The SampleScene controller with clipped actions.
#[derive(Debug, Clone, Default)]
pub struct ClippingSampleScene {
    inner: SampleSceneController,
}

impl ClippingSampleScene {
    /// A new controller.
    pub fn new() -> ClippingSampleScene {
        ClippingSampleScene::default()
    }
}

impl Controller for ClippingSampleScene {
    fn action_space(&self) -> &Space {
        self.inner.action_space()
    }
    fn observation_space(&self) -> &Space {
        self.inner.observation_space()
    }
    fn action_name(&self) -> &str {
        self.inner.action_name()
    }
    fn handle_configuration(&mut self, id: &str, max_steps: u32, m: &ModelMetadata) -> Result<()> {
        self.inner.handle_configuration(id, max_steps, m)
    }
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        let clipped = clip(self.inner.action_space(), action);
        self.inner.step_behavior(&clipped)
    }
}

/// Drives a line-world agent: `move [dx]` with dx clipped to [-1, 1].
#[derive(Debug, Clone)]
pub struct LineController {
    action: Space,
    observation: Space,
}

impl LineController {
    /// A new controller.
    pub fn new() -> LineController {
        LineController {
            action: BoxSpace::uniform(-1.0, 1.0, &[1], DType::F32).expect("valid bounds").into(),
            observation: BoxSpace::uniform(-100.0, 100.0, &[2], DType::F32).expect("valid bounds").into(),
        }
    }
}

impl Default for LineController {
    fn default() -> Self {
        LineController::new()
    }
}

impl Controller for LineController {
    fn action_space(&self) -> &Space {
        &self.action
    }
    fn observation_space(&self) -> &Space {
        &self.observation
    }
    // No `action_name`: `step_behavior` builds the command itself.
    fn observation(&mut self, state: &State) -> Result<Sample> {
        ai4u_controllers::convert::observe(&self.observation, state)
    }
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        let dx = clip(&self.action, action)
            .as_f32()
            .and_then(|a| a.iter().next().copied())
            .ok_or_else(|| ControllerError::Action(format!("expected one float, got {action:?}")))?;
        Ok(Command::act("move", vec![dx]))
    }
}
