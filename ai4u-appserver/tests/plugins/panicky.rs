//! Controllers that panic: `line` (default) panics in `step_behavior` on dx = 0.5,
//! `bad-constructor` panics while being built.

use ai4u_controllers::{Command, Controller, Result};
use ai4u_core::spaces::{BoxSpace, DType, Sample, Space};

ai4u_controllers::export_controllers!(
    "line" => PanickyLine::new,
    "bad-constructor" => bad_constructor,
);

fn bad_constructor() -> PanickyLine {
    panic!("cannot build this one")
}

/// A line-world controller that panics on dx = 0.5.
pub struct PanickyLine {
    action: Space,
    observation: Space,
}

impl PanickyLine {
    fn new() -> PanickyLine {
        PanickyLine {
            action: BoxSpace::uniform(-1.0, 1.0, &[1], DType::F32).unwrap().into(),
            observation: BoxSpace::uniform(-100.0, 100.0, &[2], DType::F32).unwrap().into(),
        }
    }
}

impl Controller for PanickyLine {
    fn action_space(&self) -> &Space {
        &self.action
    }
    fn observation_space(&self) -> &Space {
        &self.observation
    }
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        let dx = action
            .as_f32()
            .and_then(|a| a.iter().next().copied())
            .unwrap_or(0.0);
        if dx == 0.5 {
            panic!("boom at dx={dx} in a plugin");
        }
        Ok(Command::act("move", vec![dx]))
    }
}
