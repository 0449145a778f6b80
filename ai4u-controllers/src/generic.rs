//! A controller that needs no code: its spaces come from the engine's metadata.

use crate::{Controller, ControllerError, Result};
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::spaces::{BoxSpace, DType, DictSpace, Discrete, Space};
use ai4u_core::value::ValueKind;
use ndarray::{ArrayD, IxDyn};

/// Derives its spaces from the agent's [`ModelMetadata`], as AI4U's Python edition did:
/// one input → a Box, several → a Dict keyed by input name; one output → a Box over its
/// ranges if continuous, `Discrete(shape[-1])` otherwise, with the output's name as the
/// action name; several outputs → a Dict of those keyed by output name, every decision
/// driving all of them (an `Act` for several actuators).
///
/// Until the engine has configured the agent its spaces are empty dicts.
#[derive(Debug, Clone)]
pub struct GenericController {
    action: Space,
    observation: Space,
    action_name: String,
    /// The one declared input, whose field a Box observation is read from by name.
    input: Option<String>,
}

impl Default for GenericController {
    fn default() -> Self {
        GenericController {
            action: unconfigured(),
            observation: unconfigured(),
            action_name: String::new(),
            input: None,
        }
    }
}

impl GenericController {
    /// An unconfigured controller; the engine's declaration gives it its spaces.
    pub fn new() -> GenericController {
        GenericController::default()
    }

    /// The spaces and action name `metadata` implies, or why it implies none.
    /// Declarations over [`Limits::max_agent_elements`](ai4u_core::wire::Limits::max_agent_elements)
    /// (the default) are refused before anything is allocated.
    pub fn derive(metadata: &ModelMetadata) -> Result<(Space, Space, String)> {
        metadata
            .check_elements(ai4u_core::wire::Limits::default().max_agent_elements)
            .map_err(|e| ControllerError::Configuration(e.to_string()))?;
        let obs = match metadata.inputs.as_slice() {
            [] => return Err(ControllerError::Configuration("the agent declares no inputs".into())),
            [one] => input_space(one)?,
            many => {
                DictSpace::new(many.iter().map(|i| Ok((i.name.clone(), input_space(i)?))).collect::<Result<Vec<_>>>()?)?
                    .into()
            }
        };
        let (action, name) = match metadata.outputs.as_slice() {
            [] => return Err(ControllerError::Configuration("the agent declares no outputs".into())),
            [one] => (output_space(one)?, one.name.clone()),
            // Several actuators: a Dict action keyed by actuator, sent as one decision for
            // all of them (no action name; see `Controller::step_behavior`).
            many => (
                DictSpace::new(
                    many.iter().map(|o| Ok((o.name.clone(), output_space(o)?))).collect::<Result<Vec<_>>>()?,
                )?
                .into(),
                String::new(),
            ),
        };
        Ok((action, obs, name))
    }
}

fn dims(shape: &[u32]) -> Vec<usize> {
    shape.iter().map(|&d| d as usize).collect()
}

fn input_space(i: &InputSpec) -> Result<Space> {
    let dtype = match i.kind {
        ValueKind::Float | ValueKind::FloatArray | ValueKind::Int | ValueKind::IntArray | ValueKind::Bool => DType::F32,
        ValueKind::Image => DType::U8,
        k => {
            return Err(ControllerError::Configuration(format!(
                "input `{}` is a {k}; GenericController handles numeric inputs and images",
                i.name
            )))
        }
    };
    let (lo, hi) =
        if dtype == DType::U8 { (i.range_min.max(0.0), i.range_max.min(255.0)) } else { (i.range_min, i.range_max) };
    Ok(BoxSpace::uniform(lo as f64, hi as f64, &dims(&i.shape), dtype)
        .map_err(|e| ControllerError::Configuration(format!("input `{}`: {e}", i.name)))?
        .into())
}

fn output_space(o: &OutputSpec) -> Result<Space> {
    let shape = dims(&o.shape);
    let bad = |e: String| ControllerError::Configuration(format!("output `{}`: {e}", o.name));
    if !o.continuous {
        let n = *shape.last().ok_or_else(|| bad("a discrete output needs a shape".into()))?;
        return Ok(Discrete::new(n as i64).map_err(|e| bad(e.to_string()))?.into());
    }
    let size: usize = shape.iter().product();
    let expand = |r: &[f32], default: f64| -> Result<ArrayD<f64>> {
        let v: Vec<f64> = match r.len() {
            0 => vec![default; size],
            1 => vec![r[0] as f64; size],
            n if n == size => r.iter().map(|&x| x as f64).collect(),
            n => return Err(bad(format!("{n} range values for shape {shape:?}"))),
        };
        ArrayD::from_shape_vec(IxDyn(&shape), v).map_err(|e| bad(e.to_string()))
    };
    let low = expand(&o.range_min, f64::NEG_INFINITY)?;
    let high = expand(&o.range_max, f64::INFINITY)?;
    Ok(BoxSpace::new(low, high, DType::F32).map_err(|e| bad(e.to_string()))?.into())
}

fn unconfigured() -> Space {
    DictSpace::new(Vec::<(String, Space)>::new())
        .map(Space::from)
        .unwrap_or_else(|_| unreachable!("an empty dict space is valid"))
}

impl Controller for GenericController {
    fn action_space(&self) -> &Space {
        &self.action
    }

    fn observation_space(&self) -> &Space {
        &self.observation
    }

    fn action_name(&self) -> &str {
        &self.action_name
    }

    fn handle_configuration(&mut self, _id: &str, _max_steps: u32, metadata: &ModelMetadata) -> Result<()> {
        (self.action, self.observation, self.action_name) = GenericController::derive(metadata)?;
        self.input = match metadata.inputs.as_slice() {
            [one] => Some(one.name.clone()),
            _ => None,
        };
        Ok(())
    }

    /// A Box observation is read from the declared input's field by name; only a state
    /// without that field falls back to the one field of the right size.
    fn observation(&mut self, state: &ai4u_core::value::State) -> Result<ai4u_core::spaces::Sample> {
        match (&self.observation, &self.input) {
            (Space::Box(b), Some(name)) => match state.get(name) {
                Some(v) => crate::convert::value_to_box_sample(name, v, b),
                None => crate::convert::observe(&self.observation, state),
            },
            _ => crate::convert::observe(&self.observation, state),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, shape: Vec<u32>) -> InputSpec {
        InputSpec { name: name.into(), kind: ValueKind::FloatArray, shape, range_min: -1.0, range_max: 1.0 }
    }

    fn output(name: &str, continuous: bool) -> OutputSpec {
        OutputSpec { name: name.into(), continuous, shape: vec![4], range_min: vec![-1.0], range_max: vec![1.0] }
    }

    #[test]
    fn one_input_is_a_box_several_a_dict() {
        let m = ModelMetadata { inputs: vec![input("array", vec![7])], outputs: vec![output("move", true)] };
        let (a, o, name) = GenericController::derive(&m).unwrap();
        assert!(matches!(o, Space::Box(_)));
        assert!(matches!(a, Space::Box(_)));
        assert_eq!(name, "move");
        let m = ModelMetadata {
            inputs: vec![input("array", vec![7]), input("vision", vec![10, 10, 1])],
            outputs: vec![output("turn", false)],
        };
        let (a, o, _) = GenericController::derive(&m).unwrap();
        assert!(matches!(o, Space::Dict(_)));
        assert!(matches!(a, Space::Discrete(_)));
    }

    #[test]
    fn a_box_observation_is_read_by_the_declared_name_first() {
        use ai4u_core::value::{Field, State, Value};
        let m = ModelMetadata { inputs: vec![input("array", vec![3])], outputs: vec![output("move", true)] };
        let mut c = GenericController::new();
        c.handle_configuration("0", 0, &m).unwrap();
        // Two fields of the declared size: the name decides, not the order or the size.
        let state = State::from_fields(vec![
            Field::new("speed", Value::floats(vec![9.0, 9.0, 9.0])),
            Field::new("array", Value::floats(vec![0.1, 0.2, 0.3])),
        ]);
        let obs = c.observation(&state).unwrap();
        assert_eq!(obs.as_f32().unwrap().as_slice().unwrap(), &[0.1, 0.2, 0.3]);
    }

    #[test]
    fn several_outputs_become_a_dict_action_sent_as_one_decision() {
        use crate::Command;
        use ai4u_core::spaces::Sample;
        use ai4u_core::value::{Field, Value};
        let m = ModelMetadata {
            inputs: vec![input("array", vec![7])],
            outputs: vec![output("throttle", true), output("steer", false)],
        };
        let mut c = GenericController::new();
        c.handle_configuration("car", 0, &m).unwrap();
        c.check_declaration(&m).unwrap();
        assert_eq!(c.action_name(), "");
        let Space::Dict(d) = c.action_space() else { panic!("{}", c.action_space()) };
        assert_eq!(d.spaces().iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["steer", "throttle"]);
        let action = Sample::Dict(vec![
            ("steer".into(), Sample::scalar_i64(2)),
            ("throttle".into(), Sample::F32(ArrayD::from_shape_vec(IxDyn(&[4]), vec![0.5, -0.5, 0.0, 1.0]).unwrap())),
        ]);
        let cmd = c.step_behavior(&action).unwrap();
        assert_eq!(
            cmd,
            Command::Act {
                name: String::new(),
                args: vec![],
                fields: vec![
                    Field::new("steer", Value::Int(2)),
                    Field::new("throttle", Value::floats(vec![0.5, -0.5, 0.0, 1.0]))
                ],
            }
        );
        let none = ModelMetadata { inputs: vec![input("array", vec![7])], outputs: vec![] };
        assert_eq!(
            GenericController::derive(&none).unwrap_err().to_string(),
            "configuration refused: the agent declares no outputs"
        );
    }
}
