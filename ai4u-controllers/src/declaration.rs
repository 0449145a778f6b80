//! The handshake check of [`Controller::check_declaration`]: what the controller will send
//! and read must exist in what the engine declares, so a mismatch is refused at once (with
//! the declared names) instead of running episodes in which nothing moves.

use crate::{Controller, ControllerError, Result};
use ai4u_core::metadata::{shape_elements, ModelMetadata};
use ai4u_core::spaces::Space;

/// `name [d0, d1]` for each declared tensor.
fn list<'a>(items: impl Iterator<Item = (&'a str, &'a [u32])>) -> String {
    items.map(|(n, s)| format!("{n} {s:?}")).collect::<Vec<_>>().join(", ")
}

/// Elements of a Box (or of anything with a shape); `None` for spaces without one.
fn elements(space: &Space) -> Option<u64> {
    space.shape().map(|s| s.iter().map(|&d| d as u64).product())
}

/// Checks `c`'s actuator and observation space against `m`. An engine that declares no
/// outputs (or no inputs) is trusted on that side. Shapes are compared by element count, so
/// a stacked `[1, 7]` matches a `[7]` observation as AI4U's Python edition allowed.
pub fn check<C: Controller + ?Sized>(c: &C, m: &ModelMetadata) -> Result<()> {
    let name = c.action_name();
    if !m.outputs.is_empty() {
        match c.action_space() {
            _ if !name.is_empty() => check_output(name, c.action_space(), m)?,
            // No actuator named and a Dict action: its keys are the actuators it drives.
            Space::Dict(d) => {
                for (key, sub) in d.spaces() {
                    check_output(key, sub, m)?;
                }
            }
            _ => {}
        }
    }
    if m.inputs.is_empty() {
        return Ok(());
    }
    let declared = || list(m.inputs.iter().map(|i| (i.name.as_str(), i.shape.as_slice())));
    match c.observation_space() {
        Space::Dict(d) => {
            for (key, sub) in d.spaces() {
                let Some(input) = m.input(key) else {
                    return Err(ControllerError::Configuration(format!(
                        "engine declares inputs: {}; the controller reads {key}",
                        declared()
                    )));
                };
                if let Some(n) = elements(sub).filter(|_| matches!(sub, Space::Box(_))) {
                    if Some(n) != shape_elements(&input.shape) {
                        return Err(ControllerError::Configuration(format!(
                            "the controller reads {key} as {sub} ({n} elements); the engine declares {key} {:?}",
                            input.shape
                        )));
                    }
                }
            }
        }
        b @ Space::Box(_) => {
            let n = elements(b);
            if !m.inputs.iter().any(|i| shape_elements(&i.shape) == n) {
                return Err(ControllerError::Configuration(format!(
                    "engine declares inputs: {}; the controller reads one field as {b}, and no input has {} elements",
                    declared(),
                    n.unwrap_or(0)
                )));
            }
        }
        _ => {}
    }
    Ok(())
}

/// `name` must be a declared output, of the kind and size `space` implies.
fn check_output(name: &str, space: &Space, m: &ModelMetadata) -> Result<()> {
    let Some(out) = m.output(name) else {
        return Err(ControllerError::Configuration(format!(
            "engine declares outputs: {}; the controller sends {name}",
            list(m.outputs.iter().map(|o| (o.name.as_str(), o.shape.as_slice())))
        )));
    };
    let wrong = match space {
        Space::Box(_) => !out.continuous || elements(space) != shape_elements(&out.shape),
        Space::Discrete(_) => out.continuous,
        _ => false,
    };
    if wrong {
        return Err(ControllerError::Configuration(format!(
            "the controller sends {name} as {space}; the engine declares {} {name} {:?}",
            if out.continuous { "continuous" } else { "discrete" },
            out.shape
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::{Controller, SampleSceneController};
    use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
    use ai4u_core::value::ValueKind;

    fn input(name: &str, shape: Vec<u32>) -> InputSpec {
        InputSpec { name: name.into(), kind: ValueKind::FloatArray, shape, range_min: 0.0, range_max: 1.0 }
    }

    fn output(name: &str, shape: Vec<u32>) -> OutputSpec {
        OutputSpec { name: name.into(), continuous: true, shape, range_min: vec![], range_max: vec![] }
    }

    fn sample_scene() -> ModelMetadata {
        ModelMetadata {
            inputs: vec![input("array", vec![7]), input("vision", vec![10, 10, 1])],
            outputs: vec![output("move", vec![4])],
        }
    }

    fn err(m: &ModelMetadata) -> String {
        SampleSceneController::new().check_declaration(m).unwrap_err().to_string()
    }

    #[test]
    fn the_samplescene_declaration_passes_and_stacked_shapes_too() {
        let c = SampleSceneController::new();
        c.check_declaration(&sample_scene()).unwrap();
        let mut stacked = sample_scene();
        stacked.inputs = vec![input("array", vec![1, 7]), input("vision", vec![1, 10, 10])];
        c.check_declaration(&stacked).unwrap();
        c.check_declaration(&ModelMetadata::default()).unwrap();
    }

    #[test]
    fn a_wrong_action_name_lists_the_declared_outputs() {
        let mut m = sample_scene();
        m.outputs = vec![output("drive", vec![2]), output("brake", vec![1])];
        assert_eq!(
            err(&m),
            "configuration refused: engine declares outputs: drive [2], brake [1]; the controller sends move"
        );
    }

    #[test]
    fn a_wrong_size_or_kind_is_named() {
        let mut m = sample_scene();
        m.outputs = vec![output("move", vec![2])];
        assert_eq!(
            err(&m),
            "configuration refused: the controller sends move as Box([-1 -1 0 0], 1, (4,), float32); \
             the engine declares continuous move [2]"
        );
        m.outputs[0] = OutputSpec { continuous: false, shape: vec![4], ..m.outputs[0].clone() };
        assert!(err(&m).contains("the engine declares discrete move [4]"), "{}", err(&m));
    }

    #[test]
    fn a_missing_or_resized_input_lists_the_declared_inputs() {
        let mut m = sample_scene();
        m.inputs = vec![input("array", vec![7]), input("camera", vec![84, 84, 3])];
        assert_eq!(
            err(&m),
            "configuration refused: engine declares inputs: array [7], camera [84, 84, 3]; the controller reads vision"
        );
        m.inputs = vec![input("array", vec![8]), input("vision", vec![10, 10, 1])];
        assert!(
            err(&m).contains("reads array as Box(-1, 1, (7,), float32) (7 elements); the engine declares array [8]")
        );
    }

    /// Several actuators: a Dict action without an action name.
    struct Car(ai4u_core::spaces::Space, ai4u_core::spaces::Space);
    impl Controller for Car {
        fn action_space(&self) -> &ai4u_core::spaces::Space {
            &self.0
        }
        fn observation_space(&self) -> &ai4u_core::spaces::Space {
            &self.1
        }
    }

    #[test]
    fn each_key_of_a_dict_action_is_checked_as_an_actuator() {
        use ai4u_core::spaces::{BoxSpace, DType, DictSpace, Discrete};
        let action = DictSpace::new(vec![
            ("throttle", BoxSpace::uniform(-1.0, 1.0, &[1], DType::F32).unwrap().into()),
            ("steer", Discrete::new(3).unwrap().into()),
        ])
        .unwrap();
        let car = Car(action.into(), BoxSpace::uniform(-1.0, 1.0, &[7], DType::F32).unwrap().into());
        let mut m = sample_scene();
        m.outputs = vec![output("throttle", vec![1]), OutputSpec { continuous: false, ..output("steer", vec![3]) }];
        car.check_declaration(&m).unwrap();
        m.outputs.pop();
        assert_eq!(
            car.check_declaration(&m).unwrap_err().to_string(),
            "configuration refused: engine declares outputs: throttle [1]; the controller sends steer"
        );
    }
}
