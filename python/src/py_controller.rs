//! A controller written in Python: a subclass of `ai4u_rs.Controller` with AI4U's
//! callbacks. The daemon thread of its agent calls them, taking the GIL for each call (the
//! Python thread waiting on a step has released it). Callbacks the subclass does not
//! override take the Rust defaults, so a subclass overrides only what it ports.

use crate::convert::{py_to_sample, py_to_value, sample_to_py, state_to_py};
use ai4u_controllers::{convert, Command, Controller, ControllerError, GenericController, Result};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::State;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

pub struct PyController {
    obj: Py<PyAny>,
    overridden: Vec<String>,
    /// Declared by the subclass, or derived from the engine's metadata at configuration.
    spaces: Option<(Space, Space)>,
    action_name: String,
}

impl PyController {
    pub fn new(obj: Py<PyAny>, overridden: Vec<String>, spaces: Option<(Space, Space)>, action_name: String) -> Self {
        PyController { obj, overridden, spaces, action_name }
    }

    fn overrides(&self, name: &str) -> bool {
        self.overridden.iter().any(|o| o == name)
    }

    fn call<R>(
        &self,
        name: &str,
        f: impl FnOnce(Python<'_>, &Bound<'_, PyAny>) -> PyResult<R>,
    ) -> std::result::Result<R, String> {
        Python::attach(|py| {
            let method = self.obj.bind(py).getattr(name).map_err(|e| e.to_string())?;
            f(py, &method).map_err(|e| format!("{name}: {e}"))
        })
    }

    /// The spaces, or empty dicts until the engine's metadata gave them.
    fn spaces(&self) -> (&Space, &Space) {
        static EMPTY: std::sync::LazyLock<Space> = std::sync::LazyLock::new(|| {
            ai4u_core::spaces::DictSpace::new(Vec::<(String, Space)>::new())
                .expect("an empty dict space is valid")
                .into()
        });
        match &self.spaces {
            Some((a, o)) => (a, o),
            None => (&EMPTY, &EMPTY),
        }
    }

    /// Void callbacks cannot return an error; a Python exception there stops the agent,
    /// as a panic of a Rust controller does, with the exception as the reason.
    fn notify(&self, name: &str, state: &State) {
        if self.overrides(name) {
            if let Err(e) = self.call(name, |py, m| m.call1((state_to_py(py, state.clone())?,)).map(drop)) {
                panic!("{e}");
            }
        }
    }
}

fn metadata_to_py<'py>(py: Python<'py>, m: &ModelMetadata) -> PyResult<Bound<'py, PyDict>> {
    let inputs = PyList::empty(py);
    for i in &m.inputs {
        let d = PyDict::new(py);
        d.set_item("name", &i.name)?;
        d.set_item("kind", i.kind.to_string())?;
        d.set_item("shape", i.shape.clone())?;
        d.set_item("range_min", i.range_min)?;
        d.set_item("range_max", i.range_max)?;
        inputs.append(d)?;
    }
    let outputs = PyList::empty(py);
    for o in &m.outputs {
        let d = PyDict::new(py);
        d.set_item("name", &o.name)?;
        d.set_item("continuous", o.continuous)?;
        d.set_item("shape", o.shape.clone())?;
        d.set_item("range_min", o.range_min.clone())?;
        d.set_item("range_max", o.range_max.clone())?;
        outputs.append(d)?;
    }
    let d = PyDict::new(py);
    d.set_item("inputs", inputs)?;
    d.set_item("outputs", outputs)?;
    Ok(d)
}

impl Controller for PyController {
    fn action_space(&self) -> &Space {
        self.spaces().0
    }

    fn observation_space(&self) -> &Space {
        self.spaces().1
    }

    fn action_name(&self) -> &str {
        &self.action_name
    }

    fn handle_configuration(&mut self, id: &str, max_steps: u32, metadata: &ModelMetadata) -> Result<()> {
        if self.spaces.is_none() {
            let (action, obs, name) = GenericController::derive(metadata)?;
            self.spaces = Some((action, obs));
            if self.action_name.is_empty() {
                self.action_name = name;
            }
        }
        if self.overrides("handle_configuration") {
            self.call("handle_configuration", |py, m| {
                m.call1((id, max_steps, metadata_to_py(py, metadata)?)).map(drop)
            })
            .map_err(ControllerError::Configuration)?;
        }
        Ok(())
    }

    fn handle_new_episode(&mut self, state: &State) {
        self.notify("handle_new_episode", state)
    }

    fn handle_end_of_episode(&mut self, state: &State) {
        self.notify("handle_end_of_episode", state)
    }

    fn reset_behavior(&mut self, state: &State) -> Result<Sample> {
        if !self.overrides("reset_behavior") {
            return self.observation(state);
        }
        let space = self.observation_space();
        self.call("reset_behavior", |py, m| py_to_sample(space, &m.call1((state_to_py(py, state.clone())?,))?))
            .map_err(ControllerError::Observation)
    }

    /// The subclass returns `None` (send the action to the declared actuator, as the Rust
    /// default does) or `(name, args)` (AI4U's `actionName`/`actionArgs`).
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        let space = self.action_space();
        if !space.contains(action) {
            return Err(ControllerError::Action(format!(
                "{} is not in the action space {space}",
                convert::describe(action)
            )));
        }
        let custom = if self.overrides("step_behavior") {
            self.call("step_behavior", |py, m| {
                let out = m.call1((sample_to_py(py, space, action.clone())?,))?;
                if out.is_none() {
                    return Ok(None);
                }
                let (name, args): (String, Bound<'_, PyAny>) = out.extract()?;
                let args = args.try_iter()?.map(|a| py_to_value(&a?)).collect::<PyResult<Vec<_>>>()?;
                Ok(Some(Command::Act { name, args, fields: vec![] }))
            })
            .map_err(ControllerError::Action)?
        } else {
            None
        };
        match custom {
            Some(c) => Ok(c),
            None => Ok(Command::Act {
                name: self.action_name.clone(),
                args: vec![convert::sample_to_value(action)?],
                fields: vec![],
            }),
        }
    }

    fn observation(&mut self, state: &State) -> Result<Sample> {
        let space = self.observation_space();
        if !self.overrides("observation") {
            return convert::observe(space, state);
        }
        self.call("observation", |py, m| py_to_sample(space, &m.call1((state_to_py(py, state.clone())?,))?))
            .map_err(ControllerError::Observation)
    }

    fn reward(&mut self, reward: f32, state: &State) -> f32 {
        if !self.overrides("reward") {
            return reward;
        }
        match self.call("reward", |py, m| m.call1((reward, state_to_py(py, state.clone())?))?.extract::<f32>()) {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        }
    }
}
