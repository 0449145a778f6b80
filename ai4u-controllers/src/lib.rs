//! # ai4u-controllers
//!
//! A [`Controller`] translates between one engine agent and the algorithm that drives it:
//! engine states become observations, actions become [`Command`]s. It is AI4U's
//! `BasicController` in Rust form. Controllers do no I/O; `ai4u-appserver` runs each one
//! on its own daemon thread.
//!
//! A minimal controller holds its spaces and names its actuator; the defaults do the rest
//! (Dict keys of the observation space name state fields, the action goes to the engine as
//! one `Act` on the actuator):
//!
//! ```
//! use ai4u_controllers::Controller;
//! use ai4u_core::spaces::{BoxSpace, DType, Space};
//!
//! struct Walker {
//!     action: Space,
//!     observation: Space,
//! }
//!
//! impl Controller for Walker {
//!     fn action_space(&self) -> &Space {
//!         &self.action
//!     }
//!     fn observation_space(&self) -> &Space {
//!         &self.observation
//!     }
//!     fn action_name(&self) -> &str {
//!         "move"
//!     }
//! }
//!
//! let walker = Walker {
//!     action: BoxSpace::uniform(-1.0, 1.0, &[4], DType::F32).unwrap().into(),
//!     observation: BoxSpace::uniform(-1.0, 1.0, &[7], DType::F32).unwrap().into(),
//! };
//! assert_eq!(walker.action_space().to_string(), "Box(-1, 1, (4,), float32)");
//! ```
//!
//! A controller that builds its own [`Command`]s overrides [`Controller::step_behavior`] and
//! needs no `action_name`.

#![warn(missing_docs)]

pub mod convert;
pub mod declaration;
pub mod fs_track;
mod generic;
pub mod plugin;
pub mod samplescene;

pub use ai4u_core::wire::Command;
pub use fs_track::FsTrackController;
pub use generic::GenericController;
pub use samplescene::SampleSceneController;

use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{Sample, Space, SpaceError};
use ai4u_core::value::{State, ValueError};

/// Why a controller could not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ControllerError {
    /// The engine's declaration does not suit this controller.
    #[error("configuration refused: {0}")]
    Configuration(String),
    /// A state could not be turned into an observation.
    #[error("observation: {0}")]
    Observation(String),
    /// An action is not in the action space or cannot be sent.
    #[error("action: {0}")]
    Action(String),
    /// A state value could not be converted (wrong kind or shape for the space).
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A space could not be built or a sample does not fit it.
    #[error(transparent)]
    Space(#[from] SpaceError),
    /// A callback panicked; the message is the panic's. The appserver puts the agent out of
    /// service after this (its engine gets Stop).
    #[error("controller panicked in {callback}: {message}")]
    Panicked {
        /// The callback that panicked (`step_behavior`, `observation`, ...).
        callback: &'static str,
        /// The panic's message.
        message: String,
    },
}

/// `Result` with [`ControllerError`] as the default error.
pub type Result<T, E = ControllerError> = std::result::Result<T, E>;

/// The callbacks of one agent's controller, called on that agent's daemon thread.
///
/// Order of calls: `handle_configuration` once per engine connection (again after a
/// reconnect), then per episode `handle_new_episode` and `reset_behavior` with the first
/// state, `step_behavior` + `observation` per step, and `handle_end_of_episode` with the
/// last state.
///
/// The spaces are returned by reference: a controller builds them once (in its constructor,
/// or in `handle_configuration` from the engine's declaration) and the defaults read them on
/// every step without copying.
pub trait Controller: Send + 'static {
    /// The space actions given to `step_behavior` belong to.
    fn action_space(&self) -> &Space;

    /// The space observations belong to.
    fn observation_space(&self) -> &Space;

    /// The actuator the default `step_behavior` addresses. Only the default `step_behavior`
    /// reads it: a controller that overrides `step_behavior` leaves it out. Empty (the
    /// default) means "none"; the default `step_behavior` then refuses every action.
    fn action_name(&self) -> &str {
        ""
    }

    /// The engine declared this agent: its id, the real episode length (0 = unlimited)
    /// and its sensors and actuators. An error refuses the connection with its message.
    fn handle_configuration(&mut self, id: &str, max_steps: u32, metadata: &ModelMetadata) -> Result<()> {
        let _ = (id, max_steps, metadata);
        Ok(())
    }

    /// Checks, right after `handle_configuration`, that the engine declares what this
    /// controller will use: the actuator named by `action_name` among the outputs (kind and
    /// size), and every Dict key of the observation space among the inputs (size), or for a
    /// Box observation one input of its size. An error refuses the connection with a message
    /// listing what the engine declares. Override it (returning `Ok(())`) for a controller
    /// whose `observation` reads fields in its own way; see [`declaration::check`].
    fn check_declaration(&self, metadata: &ModelMetadata) -> Result<()> {
        declaration::check(self, metadata)
    }

    /// A new episode started; `state` is its first state.
    fn handle_new_episode(&mut self, state: &State) {
        let _ = state;
    }

    /// The episode ended (terminated or truncated); `state` is its last state.
    fn handle_end_of_episode(&mut self, state: &State) {
        let _ = state;
    }

    /// The observation `reset` returns, from the episode's first state.
    fn reset_behavior(&mut self, state: &State) -> Result<Sample> {
        self.observation(state)
    }

    /// The command that carries out `action`. By default: `Act` on [`Controller::action_name`]
    /// with the action as one argument (float arrays for Box, ints for Discrete). With no
    /// `action_name` and a Dict action space, the Dict's keys name the actuators and one
    /// decision drives them all (an `Act` with no name and one field per actuator,
    /// PROTOCOL §4 "several actuators").
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        let several = self.action_name().is_empty() && matches!(self.action_space(), Space::Dict(_));
        if self.action_name().is_empty() && !several {
            return Err(ControllerError::Action(
                "the controller names no actuator: implement Controller::action_name (or use a Dict action space whose keys name the actuators), or step_behavior to build the command"
                    .into(),
            ));
        }
        if !self.action_space().contains(action) {
            return Err(ControllerError::Action(format!(
                "{} is not in the action space {}",
                convert::describe(action),
                self.action_space()
            )));
        }
        if several {
            let Sample::Dict(parts) = action else { unreachable!("a Dict space contains only Dict samples") };
            return Command::act_several(
                parts
                    .iter()
                    .map(|(name, a)| Ok((name.clone(), convert::sample_to_value(a)?)))
                    .collect::<Result<Vec<_>>>()?,
            )
            .map_err(ControllerError::Action);
        }
        Ok(Command::Act {
            name: self.action_name().to_owned(),
            args: vec![convert::sample_to_value(action)?],
            fields: vec![],
        })
    }

    /// How a state becomes an observation. By default the observation space is filled
    /// from fields of the same name (Dict keys), or from the single field that fits (Box).
    fn observation(&mut self, state: &State) -> Result<Sample> {
        convert::observe(self.observation_space(), state)
    }

    /// The reward reported for a step; override to shape it.
    fn reward(&mut self, reward: f32, state: &State) -> f32 {
        let _ = state;
        reward
    }
}

impl<C: Controller + ?Sized> Controller for Box<C> {
    fn action_space(&self) -> &Space {
        (**self).action_space()
    }
    fn observation_space(&self) -> &Space {
        (**self).observation_space()
    }
    fn action_name(&self) -> &str {
        (**self).action_name()
    }
    fn handle_configuration(&mut self, id: &str, max_steps: u32, metadata: &ModelMetadata) -> Result<()> {
        (**self).handle_configuration(id, max_steps, metadata)
    }
    fn check_declaration(&self, metadata: &ModelMetadata) -> Result<()> {
        (**self).check_declaration(metadata)
    }
    fn handle_new_episode(&mut self, state: &State) {
        (**self).handle_new_episode(state)
    }
    fn handle_end_of_episode(&mut self, state: &State) {
        (**self).handle_end_of_episode(state)
    }
    fn reset_behavior(&mut self, state: &State) -> Result<Sample> {
        (**self).reset_behavior(state)
    }
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        (**self).step_behavior(action)
    }
    fn observation(&mut self, state: &State) -> Result<Sample> {
        (**self).observation(state)
    }
    fn reward(&mut self, reward: f32, state: &State) -> f32 {
        (**self).reward(reward, state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai4u_core::spaces::{BoxSpace, DType};
    use ai4u_core::value::{Field, Value};
    use ndarray::{ArrayD, IxDyn};

    struct Spaces(Space, Space);

    fn spaces() -> Spaces {
        Spaces(
            BoxSpace::uniform(-1.0, 1.0, &[2], DType::F32).unwrap().into(),
            BoxSpace::uniform(-1.0, 1.0, &[3], DType::F32).unwrap().into(),
        )
    }

    /// Names no actuator and keeps the default `step_behavior`.
    struct Nameless(Spaces);
    impl Controller for Nameless {
        fn action_space(&self) -> &Space {
            &self.0 .0
        }
        fn observation_space(&self) -> &Space {
            &self.0 .1
        }
    }

    /// Builds its own commands: no `action_name` needed.
    struct Steering(Spaces);
    impl Controller for Steering {
        fn action_space(&self) -> &Space {
            &self.0 .0
        }
        fn observation_space(&self) -> &Space {
            &self.0 .1
        }
        fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
            let a = action.as_f32().ok_or_else(|| ControllerError::Action("floats expected".into()))?;
            Ok(Command::act("steer", vec![a[[0]]]))
        }
    }

    fn action(v: [f32; 2]) -> Sample {
        Sample::F32(ArrayD::from_shape_vec(IxDyn(&[2]), v.to_vec()).unwrap())
    }

    #[test]
    fn overriding_step_behavior_needs_no_action_name() {
        let mut c = Steering(spaces());
        let cmd = c.step_behavior(&action([0.5, 0.0])).unwrap();
        assert_eq!(cmd, Command::act("steer", vec![0.5f32]));
        // The default observation reads the space it is given by reference.
        let state = State::from_fields(vec![Field::new("obs", Value::floats(vec![0.1, 0.2, 0.3]))]);
        assert_eq!(c.observation(&state).unwrap().as_f32().unwrap().len(), 3);
    }

    #[test]
    fn the_default_step_behavior_without_an_actuator_says_what_to_implement() {
        let err = Nameless(spaces()).step_behavior(&action([0.5, 0.0])).unwrap_err();
        assert!(err.to_string().contains("implement Controller::action_name"), "{err}");
    }
}
