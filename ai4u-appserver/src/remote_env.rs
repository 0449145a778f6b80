//! [`RemoteEnv`]: one agent driven by action names, the low-level client of AI4U's first
//! programming guide (`open`, `step(name, arg)`, `stepfv(name, floats)`, `close`).
//!
//! No spaces and no controller to write: each step names the engine's actuator and gives
//! one argument (a float, an int, a bool, a string or a float array), and the answer is the
//! engine's state with every field it sent. It runs on the same server and daemon as
//! [`startasdaemon`](crate::startasdaemon), so native engines and (with
//! [`AppServerBuilder::legacy_udp`]) scenes made with the original AI4U packages both work.
//!
//! ```no_run
//! use ai4u_appserver::RemoteEnv;
//! use std::time::Duration;
//!
//! let mut env = RemoteEnv::new();
//! env.open(Duration::from_secs(60)).unwrap(); // waits for the engine, starts an episode
//! let state = env.step("tx", 5).unwrap();
//! println!("position {:?}", state.get("position"));
//! let state = env.stepfv("move", &[0.5, 0.0, 0.0, 0.0]).unwrap();
//! if state.ended() {
//!     env.reset(vec![]).unwrap();
//! }
//! env.close().unwrap();
//! ```

use crate::error::{AppError, Result};
use crate::handle::ControllerHandle;
use crate::{AppServer, AppServerBuilder, Serving};
use ai4u_controllers::{Command, Controller, ControllerError};
use ai4u_core::metadata::{ModelMetadata, OutputSpec};
use ai4u_core::ndarray::{ArrayD, IxDyn};
use ai4u_core::spaces::{DictSpace, Sample, Space, TextSpace};
use ai4u_core::value::{Field, State, Value};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The argument of one [`RemoteEnv::step`]: the simple types AI4U's guide allows, plus a
/// float array (what [`RemoteEnv::stepfv`] sends).
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// One float (the engine reads it with `GetActionArgAsFloat`).
    Float(f32),
    /// One integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A string.
    Text(String),
    /// A float array (`GetActionArgAsFloatArray`).
    Floats(Vec<f32>),
}

impl From<f32> for Arg {
    fn from(x: f32) -> Arg {
        Arg::Float(x)
    }
}
impl From<f64> for Arg {
    fn from(x: f64) -> Arg {
        Arg::Float(x as f32)
    }
}
impl From<i32> for Arg {
    fn from(x: i32) -> Arg {
        Arg::Int(x.into())
    }
}
impl From<i64> for Arg {
    fn from(x: i64) -> Arg {
        Arg::Int(x)
    }
}
impl From<bool> for Arg {
    fn from(x: bool) -> Arg {
        Arg::Bool(x)
    }
}
impl From<&str> for Arg {
    fn from(x: &str) -> Arg {
        Arg::Text(x.to_owned())
    }
}
impl From<String> for Arg {
    fn from(x: String) -> Arg {
        Arg::Text(x)
    }
}
impl From<Vec<f32>> for Arg {
    fn from(x: Vec<f32>) -> Arg {
        Arg::Floats(x)
    }
}
impl From<&[f32]> for Arg {
    fn from(x: &[f32]) -> Arg {
        Arg::Floats(x.to_vec())
    }
}

impl Arg {
    /// The wire value the engine receives.
    pub fn to_value(&self) -> Value {
        match self {
            Arg::Float(x) => Value::Float(*x),
            Arg::Int(x) => Value::Int(*x),
            Arg::Bool(x) => Value::Bool(*x),
            Arg::Text(x) => Value::String(x.clone()),
            Arg::Floats(x) => Value::floats(x.clone()),
        }
    }

    // The daemon carries actions as samples; each kind of argument has its own sample form
    // so `NamedActions::step_behavior` can give back exactly the value the user passed.
    fn to_sample(&self) -> Sample {
        let scalar = IxDyn(&[]);
        match self {
            Arg::Float(x) => Sample::F32(ArrayD::from_elem(scalar, *x)),
            Arg::Int(x) => Sample::I64(ArrayD::from_elem(scalar, *x)),
            Arg::Bool(x) => Sample::U8(ArrayD::from_elem(scalar, u8::from(*x))),
            Arg::Text(x) => Sample::Text(x.clone()),
            Arg::Floats(x) => Sample::F32(ArrayD::from_shape_vec(IxDyn(&[x.len()]), x.clone()).expect("1-d shape")),
        }
    }

    fn from_sample(sample: &Sample) -> Option<Value> {
        Some(match sample {
            Sample::F32(a) if a.ndim() == 0 => Value::Float(*a.first()?),
            Sample::F32(a) => Value::floats(a.iter().copied().collect::<Vec<_>>()),
            Sample::I64(a) if a.ndim() == 0 => Value::Int(*a.first()?),
            Sample::U8(a) if a.ndim() == 0 => Value::Bool(*a.first()? != 0),
            Sample::Text(s) => Value::String(s.clone()),
            _ => return None,
        })
    }
}

/// The engine's answer to one step: every field it sent, and the episode's reward and end.
#[derive(Debug, Clone)]
pub struct RemoteState {
    /// The engine's state fields (its sensors and anything else it set), in its order.
    pub fields: State,
    /// The reward of this step (0 for the first state of an episode).
    pub reward: f32,
    /// The episode ended by the task's rule.
    pub terminated: bool,
    /// The episode was cut off (max steps).
    pub truncated: bool,
}

impl RemoteState {
    /// The episode is over (terminated or truncated): call [`RemoteEnv::reset`] next.
    pub fn ended(&self) -> bool {
        self.terminated || self.truncated
    }
}

impl std::ops::Deref for RemoteState {
    type Target = State;
    fn deref(&self) -> &State {
        &self.fields
    }
}

/// The controller behind a [`RemoteEnv`]: actions are `(actuator, argument)` pairs and
/// observations are empty (the user reads the raw state fields).
struct NamedActions {
    action: Space,
    observation: Space,
    /// What the engine declared at configuration, shared with the [`RemoteEnv`] so it can
    /// list the actuators.
    declared: Arc<Mutex<Vec<OutputSpec>>>,
}

impl Controller for NamedActions {
    fn action_space(&self) -> &Space {
        &self.action
    }
    fn observation_space(&self) -> &Space {
        &self.observation
    }
    fn handle_configuration(
        &mut self,
        _id: &str,
        _max_steps: u32,
        metadata: &ModelMetadata,
    ) -> Result<(), ControllerError> {
        *self.declared.lock().unwrap_or_else(|p| p.into_inner()) = metadata.outputs.clone();
        Ok(())
    }
    // Names are checked per step against the declaration instead: a RemoteEnv may use any
    // of the engine's actuators, and reads whatever fields arrive.
    fn check_declaration(&self, _metadata: &ModelMetadata) -> Result<(), ControllerError> {
        Ok(())
    }
    fn step_behavior(&mut self, action: &Sample) -> Result<Command, ControllerError> {
        let Sample::Tuple(parts) = action else {
            return Err(ControllerError::Action("a RemoteEnv action is (actuator, argument)".into()));
        };
        let (Some(Sample::Text(name)), Some(arg)) = (parts.first(), parts.get(1)) else {
            return Err(ControllerError::Action("a RemoteEnv action is (actuator, argument)".into()));
        };
        let declared = self.declared.lock().unwrap_or_else(|p| p.into_inner());
        // Engines that declare no actuators (some AI4U scenes) accept any name.
        if !declared.is_empty() && !declared.iter().any(|o| &o.name == name) {
            let names: Vec<String> = declared.iter().map(|o| format!("{} {:?}", o.name, o.shape)).collect();
            return Err(ControllerError::Action(format!(
                "the engine declares no actuator `{name}`; it declares: {}",
                names.join(", ")
            )));
        }
        let value = Arg::from_sample(arg).ok_or_else(|| ControllerError::Action("unsupported argument".into()))?;
        Ok(Command::Act { name: name.clone(), args: vec![value], fields: vec![] })
    }
    fn observation(&mut self, _state: &State) -> Result<Sample, ControllerError> {
        Ok(Sample::Dict(vec![]))
    }
}

/// One agent driven by action names; see the [module docs](self).
///
/// `open` starts a server (the builder's address, `127.0.0.1:8080` by default), waits for
/// the engine to configure the agent and starts its first episode. Steps block until the
/// engine answers (within the builder's step timeout). Dropping the `RemoteEnv` closes it.
pub struct RemoteEnv {
    builder: Option<AppServerBuilder>,
    server: Option<AppServer>,
    /// Kept across a timed-out `open`, so calling `open` again waits longer.
    serving: Option<Serving>,
    id: String,
    declared: Arc<Mutex<Vec<OutputSpec>>>,
    handle: Option<ControllerHandle>,
    local: Option<SocketAddr>,
}

impl Default for RemoteEnv {
    fn default() -> Self {
        RemoteEnv::new()
    }
}

impl RemoteEnv {
    /// Agent `0` on `127.0.0.1:8080`, the defaults of AI4U scenes and of `ai4u-sim`.
    pub fn new() -> RemoteEnv {
        RemoteEnv::with_server(AppServerBuilder::default(), "0")
    }

    /// Agent `id` on a server built from `builder` (port, token, timeouts, legacy UDP, ...);
    /// it listens from [`open`](Self::open) on.
    pub fn with_server(builder: AppServerBuilder, id: impl Into<String>) -> RemoteEnv {
        RemoteEnv {
            builder: Some(builder),
            server: None,
            serving: None,
            id: id.into(),
            declared: Arc::default(),
            handle: None,
            local: None,
        }
    }

    /// Like [`with_server`](Self::with_server) but listens at once, so the address is known
    /// (port 0 picks a free one) before an engine is launched and [`open`](Self::open) waits.
    pub fn listen(builder: AppServerBuilder, id: impl Into<String>) -> Result<RemoteEnv> {
        let server = builder.bind()?;
        let local = Some(server.local_addr());
        Ok(RemoteEnv {
            builder: None,
            server: Some(server),
            serving: None,
            id: id.into(),
            declared: Arc::default(),
            handle: None,
            local,
        })
    }

    /// Listens, waits up to `timeout` for the engine to configure the agent (`Duration::ZERO`
    /// waits without limit, as AI4U's `open(0)` did) and starts an episode; returns its
    /// first state.
    ///
    /// # Errors
    /// [`AppError::Bind`] when the address is taken, [`AppError::NotConfigured`] when no
    /// engine configured the agent in time, [`AppError::Usage`] when already open.
    pub fn open(&mut self, timeout: Duration) -> Result<RemoteState> {
        if self.handle.is_some() {
            return Err(AppError::Usage("this RemoteEnv is already open".into()));
        }
        if self.serving.is_none() {
            let server = match (self.server.take(), self.builder.take()) {
                (Some(server), _) => server,
                (None, Some(builder)) => builder.bind()?,
                (None, None) => return Err(AppError::Usage("this RemoteEnv was closed".into())),
            };
            self.local = Some(server.local_addr());
            let controller = NamedActions {
                action: Space::Text(TextSpace::new(256).expect("a positive length")),
                observation: Space::Dict(
                    DictSpace::new(Vec::<(String, Space)>::new()).expect("an empty Dict is valid"),
                ),
                declared: self.declared.clone(),
            };
            self.serving = Some(server.serve(&[self.id.as_str()], vec![Box::new(controller)])?);
        }
        // A year stands for "no limit" without overflowing the deadline arithmetic.
        let timeout = if timeout.is_zero() { Duration::from_secs(365 * 24 * 3600) } else { timeout };
        let serving = self.serving.as_mut().expect("set above");
        let mut handles = serving.wait_configured(timeout)?;
        self.serving = None;
        self.handle = handles.pop();
        self.reset(vec![])
    }

    /// The address the server listens on (after [`open`](Self::open)); useful with port 0.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.local
    }

    /// The actuators the engine declared: the names [`step`](Self::step) accepts.
    pub fn action_names(&self) -> Vec<String> {
        self.declared.lock().unwrap_or_else(|p| p.into_inner()).iter().map(|o| o.name.clone()).collect()
    }

    fn handle(&self) -> Result<&ControllerHandle> {
        self.handle.as_ref().ok_or_else(|| AppError::Usage("the RemoteEnv is not open: call open first".into()))
    }

    /// Ends any running episode and starts a new one; `fields` (a `seed`, for example) go
    /// to the scene. Returns the episode's first state.
    pub fn reset(&mut self, fields: Vec<Field>) -> Result<RemoteState> {
        let (_, info) = self.handle()?.request_reset(fields)?;
        Ok(RemoteState { fields: info, reward: 0.0, terminated: false, truncated: false })
    }

    /// Applies actuator `action` with one argument (`5`, `0.5`, `true`, `"jump"`, a
    /// `Vec<f32>`) and returns the state after it.
    ///
    /// # Errors
    /// [`AppError::Controller`] naming the declared actuators when the engine has none
    /// called `action`; [`AppError::NoEpisode`] after an episode ended (call
    /// [`reset`](Self::reset)); [`AppError::Timeout`] or [`AppError::Disconnected`] when
    /// the engine does not answer.
    pub fn step(&mut self, action: &str, arg: impl Into<Arg>) -> Result<RemoteState> {
        let sample = Sample::Tuple(vec![Sample::Text(action.to_owned()), arg.into().to_sample()]);
        let step = self.handle()?.request_step(&sample)?;
        Ok(RemoteState {
            fields: step.info,
            reward: step.reward,
            terminated: step.terminated,
            truncated: step.truncated,
        })
    }

    /// [`step`](Self::step) with a float array, as AI4U's `stepfv`.
    pub fn stepfv(&mut self, action: &str, args: &[f32]) -> Result<RemoteState> {
        self.step(action, Arg::Floats(args.to_vec()))
    }

    /// Stops the agent (the engine gets Stop and may quit) and waits briefly for the
    /// engine's goodbye. Closing twice, or a never-opened env, is fine.
    pub fn close(&mut self) -> Result<()> {
        match self.handle.take() {
            Some(handle) => {
                let stopped = handle.stop();
                handle.wait_disconnected(crate::CLOSE_WAIT);
                stopped
            }
            None => Ok(()),
        }
    }
}

impl Drop for RemoteEnv {
    fn drop(&mut self) {
        let _ = self.close();
    }
}
