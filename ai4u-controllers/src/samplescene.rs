//! AI4U's SampleScene (`docs/SAMPLESCENE.md`): the controller, and a scripted pilot that
//! reaches the cube without learning anything, used by the demo and the tests.

use crate::{Controller, ControllerError, Result};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{BoxSpace, DType, DictSpace, Sample, Space};
use ndarray::{ArrayD, IxDyn};

/// Vision grid code: the ray hit nothing (beyond the platform's edge).
pub const CODE_NOTHING: f32 = 0.0;
/// Vision grid code: the platform's floor.
pub const CODE_FLOOR: f32 = 50.0;
/// Vision grid code: another agent.
pub const CODE_AGENT: f32 = 100.0;
/// Vision grid code: the target cube.
pub const CODE_TARGET: f32 = 200.0;

/// Controls the SampleScene agent: action `move` = `Box([-1, -1, 0, 0], [1, 1, 1, 1])` f32 as
/// `[fb, lr, j, jf]`; observation `Dict{array: Box(-1, 1, (7,)), vision: Box(0, 255, (10, 10, 1))}`.
#[derive(Debug, Clone)]
pub struct SampleSceneController {
    action: Space,
    observation: Space,
}

impl Default for SampleSceneController {
    fn default() -> Self {
        SampleSceneController::new()
    }
}

impl SampleSceneController {
    /// The controller with the SampleScene's spaces.
    pub fn new() -> SampleSceneController {
        let low = ArrayD::from_shape_vec(IxDyn(&[4]), vec![-1.0, -1.0, 0.0, 0.0]).expect("4 values");
        let high = ArrayD::from_elem(IxDyn(&[4]), 1.0);
        let action = BoxSpace::new(low, high, DType::F32).expect("valid bounds").into();
        let observation = DictSpace::new(vec![
            ("array".to_owned(), BoxSpace::uniform(-1.0, 1.0, &[7], DType::F32).expect("valid").into()),
            ("vision".to_owned(), BoxSpace::uniform(0.0, 255.0, &[10, 10, 1], DType::F32).expect("valid").into()),
        ])
        .expect("distinct keys")
        .into();
        SampleSceneController { action, observation }
    }
}

impl Controller for SampleSceneController {
    fn action_space(&self) -> &Space {
        &self.action
    }

    fn observation_space(&self) -> &Space {
        &self.observation
    }

    fn action_name(&self) -> &str {
        "move"
    }

    /// Refuses an engine whose declared sensors or actuator are not the SampleScene's
    /// (an engine that declares nothing is trusted).
    fn handle_configuration(&mut self, id: &str, _max_steps: u32, m: &ModelMetadata) -> Result<()> {
        if m.inputs.is_empty() && m.outputs.is_empty() {
            return Ok(());
        }
        let shape_of = |name: &str| m.input(name).map(|i| i.shape.as_slice());
        // AI4U's Unity package puts the stacked-observation count first (`[1, 7]`,
        // `[1, 10, 10]`); the legacy front end reads it off, but a declaration taken
        // elsewhere may still carry it. One frame of either shape is the same sensor.
        let ok = matches!(shape_of("array"), Some([7] | [1, 7]))
            && matches!(shape_of("vision"), Some([10, 10, 1] | [1, 10, 10]))
            && m.output("move").map(|o| o.shape.clone()) == Some(vec![4]);
        if ok {
            Ok(())
        } else {
            Err(ControllerError::Configuration(format!(
                "agent `{id}` is not a SampleScene agent: it needs inputs array [7] and vision [10, 10, 1] and output move [4]"
            )))
        }
    }
}

/// A hand-written pilot for the SampleScene: turn until the cube is in sight and ahead,
/// steer toward the columns that see it, walk, and turn away from the platform's edge.
#[derive(Debug, Clone, Default)]
pub struct ScriptedPilot;

impl ScriptedPilot {
    /// The action `[fb, lr, j, jf]` for an observation of the SampleScene space.
    pub fn act(&self, obs: &Sample) -> Sample {
        let action = self.decide(obs).unwrap_or([0.0, 1.0, 0.0, 0.0]);
        Sample::F32(ArrayD::from_shape_vec(IxDyn(&[4]), action.to_vec()).expect("4 values"))
    }

    fn decide(&self, obs: &Sample) -> Option<[f32; 4]> {
        let array = obs.get("array")?.as_f32()?;
        let vision = obs.get("vision")?.as_f32()?;
        // Index only what has the declared shapes; anything else gets the default action.
        if array.ndim() != 1 || array.len() < 2 || vision.shape() != [10, 10, 1] {
            return None;
        }
        let dot = array[[0]];
        let code = |r: usize, c: usize| vision[[r, c, 0]];
        // The lowest rows look about 1.3-1.8 m ahead: no floor there means an edge.
        let edge_ahead = (7..10).any(|r| (3..7).any(|c| code(r, c) == CODE_NOTHING));
        let target_cols: Vec<usize> = (0..10).filter(|&c| (0..10).any(|r| code(r, c) == CODE_TARGET)).collect();
        if !target_cols.is_empty() {
            let centre = target_cols.iter().sum::<usize>() as f32 / target_cols.len() as f32;
            // Columns span -45..45 degrees left to right; steer proportionally.
            let lr = ((centre - 4.5) / 4.5).clamp(-1.0, 1.0);
            let fb = if dot > 0.8 { 1.0 } else { 0.3 };
            return Some([fb, lr, 0.0, 0.0]);
        }
        if edge_ahead {
            return Some([0.0, 1.0, 0.0, 0.0]);
        }
        if dot > 0.97 {
            // Facing the cube but not seeing it yet: it is far, walk.
            return Some([1.0, 0.0, 0.0, 0.0]);
        }
        Some([0.0, 1.0, 0.0, 0.0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(dot: f32, vision: impl Fn(usize, usize) -> f32) -> Sample {
        let mut a = vec![0.0; 7];
        a[0] = dot;
        let v: Vec<f32> = (0..100).map(|i| vision(i / 10, i % 10)).collect();
        Sample::dict(vec![
            ("array", Sample::F32(ArrayD::from_shape_vec(IxDyn(&[7]), a).unwrap())),
            ("vision", Sample::F32(ArrayD::from_shape_vec(IxDyn(&[10, 10, 1]), v).unwrap())),
        ])
    }

    #[test]
    fn steers_toward_the_cube_and_away_from_edges() {
        let p = ScriptedPilot;
        let c = SampleSceneController::new();
        // Cube seen in the right-most columns: turn right, walk.
        let a = p.act(&obs(0.9, |r, col| if r == 5 && col >= 8 { CODE_TARGET } else { CODE_FLOOR }));
        assert!(c.action_space().contains(&a));
        let a = a.as_f32().unwrap();
        assert!(a[[1]] > 0.5 && a[[0]] == 1.0, "{a}");
        // No floor ahead and no cube: turn on the spot.
        let a = p.act(&obs(0.99, |r, _| if r >= 7 { CODE_NOTHING } else { CODE_FLOOR }));
        assert_eq!(a.as_f32().unwrap().as_slice().unwrap(), &[0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn refuses_a_foreign_scene() {
        let mut c = SampleSceneController::new();
        let m = ModelMetadata::default();
        assert!(c.handle_configuration("0", 10, &m).is_ok());
        let m = ModelMetadata {
            inputs: vec![],
            outputs: vec![ai4u_core::metadata::OutputSpec {
                name: "drive".into(),
                continuous: true,
                shape: vec![2],
                range_min: vec![],
                range_max: vec![],
            }],
        };
        assert!(c.handle_configuration("0", 10, &m).unwrap_err().to_string().contains("not a SampleScene agent"));
    }

    #[test]
    fn accepts_the_unity_package_s_stacked_shapes() {
        let m = ai4u_core::metadata::ModelMetadata::from_ai4u_json(
            r#"{"inputs":[{"name":"array","shape":[1,7],"type":5,"rangeMin":-1,"rangeMax":1},
                          {"name":"vision","shape":[1,10,10],"type":5,"rangeMin":0,"rangeMax":255}],
               "outputs":[{"name":"move","isContinuous":true,"shape":[4],"rangeMin":[-1,-1,0,0],"rangeMax":[1,1,1,1]}]}"#,
        )
        .unwrap();
        let mut c = SampleSceneController::new();
        c.handle_configuration("0", 10, &m).unwrap();
        c.check_declaration(&m).unwrap();
    }
}
