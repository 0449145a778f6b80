//! `Server`: an appserver with its agents' handles, optionally with headless engines
//! started in-process; and the three Python-facing views on its agents (one agent, a
//! vector of agents, PettingZoo's parallel agents), each driven through a worker thread.

use crate::compat;
use crate::convert::{batch_to_py, py_to_batch, py_to_fields, py_to_sample, sample_to_py, state_to_py};
use crate::engines::{EngineSpec, Engines, SceneKind};
use crate::errors::{self, usage};
use crate::py_controller::PyController;
use crate::spaces::{from_desc, to_desc};
use crate::wait::Worker;
use ai4u_appserver::{AppServer, ControllerHandle, Info, ParallelEnv, VecEnv};
use ai4u_controllers::{Controller, GenericController, SampleSceneController};
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::Field;
use ai4u_core::wire::Mode;
use crossbeam_channel::RecvTimeoutError;
use numpy::IntoPyArray;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use std::collections::BTreeMap;
use std::time::Duration;

const SLICE: Duration = Duration::from_millis(50);

fn parse_mode(mode: Option<&str>) -> PyResult<Option<Mode>> {
    match mode {
        None => Ok(None),
        Some("lockstep") => Ok(Some(Mode::Lockstep)),
        Some("realtime") => Ok(Some(Mode::Realtime)),
        Some(other) => Err(usage(format!("mode must be `lockstep` or `realtime`, not `{other}`"))),
    }
}

/// A controller spec from Python: a built-in's name, or a prepared Python controller
/// `(object, overridden callbacks, action space, observation space, action name)`.
fn make_controller(spec: &Bound<'_, PyAny>) -> PyResult<Box<dyn Controller>> {
    if let Ok(name) = spec.extract::<String>() {
        return match name.as_str() {
            "generic" => Ok(Box::new(GenericController::new())),
            "samplescene" => Ok(Box::new(SampleSceneController::new())),
            other => Err(usage(format!("no built-in controller `{other}` (generic, samplescene)"))),
        };
    }
    let (obj, overridden, action, obs, name): (Py<PyAny>, Vec<String>, Bound<'_, PyAny>, Bound<'_, PyAny>, String) =
        spec.extract()?;
    let spaces = match (action.is_none(), obs.is_none()) {
        (true, true) => None,
        (false, false) => Some((from_desc(&action)?, from_desc(&obs)?)),
        _ => return Err(usage("a Python controller declares both action_space and observation_space, or neither")),
    };
    Ok(Box::new(PyController::new(obj, overridden, spaces, name)))
}

fn fields_of(d: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<Field>> {
    Ok(py_to_fields(d)?.unwrap_or_default())
}

fn info_to_py<'py>(py: Python<'py>, info: Info, wanted: bool) -> PyResult<Bound<'py, PyDict>> {
    if wanted {
        state_to_py(py, info)
    } else {
        Ok(PyDict::new(py))
    }
}

#[pyclass(module = "ai4u_rs._core")]
pub struct Server {
    handles: Vec<ControllerHandle>,
    engines: Option<Engines>,
    address: String,
}

#[pymethods]
impl Server {
    /// Binds, starts the in-process engines if `scene` is given, and returns once every id
    /// is configured by an engine (or raises).
    #[new]
    #[pyo3(signature = (ids, controllers, *, host="127.0.0.1".to_owned(), port=8080, token=None, connect_timeout=60.0,
        step_timeout=30.0, mode=None, agent_config=None, scene=None, instances=1, agents=1, seed=0, max_steps=1000,
        frame_skip=4, width=4, engine_token=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        ids: Vec<String>,
        controllers: Vec<Bound<'_, PyAny>>,
        host: String,
        port: u16,
        token: Option<String>,
        connect_timeout: f64,
        step_timeout: f64,
        mode: Option<&str>,
        agent_config: Option<Bound<'_, PyAny>>,
        scene: Option<&str>,
        instances: usize,
        agents: usize,
        seed: u64,
        max_steps: u32,
        frame_skip: u32,
        width: usize,
        engine_token: Option<String>,
    ) -> PyResult<Server> {
        let secs = |s: f64, what: &str| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| usage(format!("{what} must be a non-negative number of seconds")))
        };
        let mut builder = AppServer::builder()
            .host(host)
            .port(port)
            .connect_timeout(secs(connect_timeout, "connect_timeout")?)
            .step_timeout(secs(step_timeout, "step_timeout")?);
        let mode = parse_mode(mode)?;
        if let Some(m) = mode {
            builder = builder.mode(m);
        }
        if let Some(t) = &token {
            builder = builder.token(t.clone());
        }
        for f in fields_of(agent_config.as_ref())? {
            builder = builder.agent_config(f);
        }
        let controllers = controllers.iter().map(make_controller).collect::<PyResult<Vec<_>>>()?;
        let server = builder.bind().map_err(errors::app)?;
        let address = server.local_addr().to_string();
        let mut engines = match scene {
            None => None,
            Some(name) => {
                let kind = SceneKind::parse(name, width)?;
                if instances == 0 || agents == 0 {
                    return Err(usage("a scene needs at least one instance and one agent"));
                }
                let spec = EngineSpec {
                    kind,
                    instances,
                    agents,
                    seed,
                    max_steps,
                    frame_skip,
                    token: engine_token.or(token),
                    mode: mode.unwrap_or(Mode::Lockstep),
                };
                Some(Engines::spawn(&address, &spec))
            }
        };
        // Start on a helper thread so this one can watch for Ctrl-C and for engines that
        // fail their handshake (which would otherwise surface only as a timeout).
        let (tx, rx) = crossbeam_channel::bounded(1);
        std::thread::Builder::new()
            .name("ai4u-start".into())
            .spawn(move || {
                let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
                let _ = tx.send(server.start(&refs, controllers));
            })
            .map_err(|e| errors::Ai4uError::new_err(format!("cannot start the appserver thread: {e}")))?;
        let handles = loop {
            match py.detach(|| rx.recv_timeout(SLICE)) {
                Ok(r) => break r.map_err(errors::app)?,
                Err(RecvTimeoutError::Timeout) => {
                    py.check_signals()?;
                    if let Some(e) = engines.as_mut().and_then(Engines::failure) {
                        return Err(errors::engine(e));
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(errors::Ai4uError::new_err("the appserver thread died"))
                }
            }
        };
        Ok(Server { handles, engines, address })
    }

    /// `host:port` engines connect to.
    #[getter]
    fn address(&self) -> &str {
        &self.address
    }

    #[getter]
    fn ids(&self) -> Vec<String> {
        self.handles.iter().map(|h| h.id().to_owned()).collect()
    }

    fn action_space<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyDict>> {
        to_desc(py, self.handle(index)?.action_space())
    }

    fn observation_space<'py>(&self, py: Python<'py>, index: usize) -> PyResult<Bound<'py, PyDict>> {
        to_desc(py, self.handle(index)?.observation_space())
    }

    #[pyo3(signature = (index=0, info=true))]
    fn single(&self, index: usize, info: bool) -> PyResult<Agent> {
        let h = self.handle(index)?.clone();
        let (action, obs) = (h.action_space().clone(), h.observation_space().clone());
        Ok(Agent { waiter: Worker::new(&format!("ai4u-py-{}", h.id()), ()), handle: h, action, obs, info })
    }

    #[pyo3(signature = (info=false))]
    fn vector(&self, info: bool) -> PyResult<VecAgents> {
        let venv = VecEnv::new(self.handles.clone()).map_err(errors::app)?;
        let (action, obs) = (venv.single_action_space().clone(), venv.single_observation_space().clone());
        let n = venv.num_envs();
        Ok(VecAgents { worker: Worker::new("ai4u-py-vec", venv), action, obs, n, info })
    }

    #[pyo3(signature = (info=true))]
    fn parallel(&self, info: bool) -> PyResult<ParallelAgents> {
        let penv = ParallelEnv::new(self.handles.clone()).map_err(errors::app)?;
        let spaces = self
            .handles
            .iter()
            .map(|h| (h.id().to_owned(), (h.action_space().clone(), h.observation_space().clone())))
            .collect();
        let possible = penv.possible_agents().to_vec();
        Ok(ParallelAgents { worker: Worker::new("ai4u-py-par", penv), spaces, possible, live: vec![], info })
    }

    /// Makes the in-process engines drop their connections at their next frame, as a
    /// crashed engine would (for tests of what users see then).
    fn kill_engines(&self) -> PyResult<()> {
        self.engines.as_ref().map(Engines::kill).ok_or_else(|| usage("this server started no engines"))
    }

    /// Makes the in-process engines hang at their next frame (until killed).
    fn stall_engines(&self) -> PyResult<()> {
        self.engines.as_ref().map(Engines::stall).ok_or_else(|| usage("this server started no engines"))
    }

    /// Drops this server's handles; the appserver shuts down once every view is closed too.
    fn close(&mut self) {
        self.handles.clear();
    }
}

impl Server {
    fn handle(&self, index: usize) -> PyResult<&ControllerHandle> {
        self.handles.get(index).ok_or_else(|| usage(format!("no agent at index {index}")))
    }
}

/// One agent, for `ai4u_rs.Env`.
#[pyclass(module = "ai4u_rs._core")]
pub struct Agent {
    handle: ControllerHandle,
    /// Waits on the handle's answers so this thread can wait interruptibly. Requests go
    /// to the daemon straight from the calling thread: one thread hop fewer per step.
    waiter: Worker<()>,
    action: Space,
    obs: Space,
    info: bool,
}

#[pymethods]
impl Agent {
    #[pyo3(signature = (seed=None, options=None))]
    fn reset<'py>(
        &self,
        py: Python<'py>,
        seed: Option<u64>,
        options: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyDict>)> {
        // The fields `Env::reset` would build; built here because the request is sent
        // without waiting (the waiter waits).
        let mut fields = py_to_fields(options.as_ref())?.unwrap_or_default();
        if let Some(seed) = seed {
            fields.retain(|f| f.name != "seed");
            fields.push(Field::new("seed", seed as i64));
        }
        let pending = self.handle.send_reset(fields).map_err(errors::app)?;
        let (obs, info) = self.waiter.call(py, move |_| pending.wait())?.map_err(errors::app)?;
        Ok((sample_to_py(py, &self.obs, obs)?, info_to_py(py, info, self.info)?))
    }

    fn step<'py>(&self, py: Python<'py>, action: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        let action = py_to_sample(&self.action, action)?;
        let pending = self.handle.send_step(action).map_err(errors::app)?;
        let r = self.waiter.call(py, move |_| pending.wait())?.map_err(errors::app)?;
        let obs = sample_to_py(py, &self.obs, r.obs)?;
        let info = info_to_py(py, r.info, self.info)?;
        (obs, r.reward as f64, r.terminated, r.truncated, info).into_pyobject(py)
    }

    /// Tells the engine this agent is done.
    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        let h = self.handle.clone();
        self.waiter.call(py, move |_| h.stop())?.map_err(errors::app)
    }
}

/// Many agents stepped together with next-step autoreset, for `ai4u_rs.VectorEnv`.
#[pyclass(module = "ai4u_rs._core")]
pub struct VecAgents {
    worker: Worker<VecEnv>,
    action: Space,
    obs: Space,
    n: usize,
    info: bool,
}

fn infos_to_py(py: Python<'_>, infos: Vec<Info>, wanted: bool) -> PyResult<Bound<'_, PyAny>> {
    if !wanted {
        return Ok(py.None().into_bound(py));
    }
    let items = infos.into_iter().map(|i| state_to_py(py, i).map(Bound::into_any)).collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(py, items)?.into_any())
}

#[pymethods]
impl VecAgents {
    #[getter]
    fn num_envs(&self) -> usize {
        self.n
    }

    #[pyo3(signature = (seed=None, options=None))]
    fn reset<'py>(
        &self,
        py: Python<'py>,
        seed: Option<u64>,
        options: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let fields = py_to_fields(options.as_ref())?;
        let (obs, infos) = self.worker.call(py, move |v| compat::vec_reset(v, seed, fields))?.map_err(errors::app)?;
        Ok((batch_to_py(py, &self.obs, obs)?, infos_to_py(py, infos, self.info)?))
    }

    fn step<'py>(&self, py: Python<'py>, actions: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyTuple>> {
        let actions: Vec<Sample> = py_to_batch(&self.action, actions, self.n)?;
        let s = self.worker.call(py, move |v| v.step(&actions))?.map_err(errors::app)?;
        let rewards: Vec<f64> = s.rewards.iter().map(|&r| r as f64).collect();
        (
            batch_to_py(py, &self.obs, s.obs)?,
            rewards.into_pyarray(py),
            s.terminated.into_pyarray(py),
            s.truncated.into_pyarray(py),
            infos_to_py(py, s.infos, self.info)?,
        )
            .into_pyobject(py)
    }

    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        self.worker.call(py, |v| v.close())?.map_err(errors::app)
    }
}

/// PettingZoo's parallel agents, for `ai4u_rs.ParallelEnv`.
#[pyclass(module = "ai4u_rs._core")]
pub struct ParallelAgents {
    worker: Worker<ParallelEnv>,
    spaces: BTreeMap<String, (Space, Space)>,
    possible: Vec<String>,
    /// Mirrors the env's live agents after each call, so reading them needs no round trip.
    live: Vec<String>,
    info: bool,
}

#[pymethods]
impl ParallelAgents {
    #[getter]
    fn possible_agents(&self) -> Vec<String> {
        self.possible.clone()
    }

    #[getter]
    fn agents(&self) -> Vec<String> {
        self.live.clone()
    }

    fn action_space<'py>(&self, py: Python<'py>, agent: &str) -> PyResult<Bound<'py, PyDict>> {
        to_desc(py, &self.spaces_of(agent)?.0)
    }

    fn observation_space<'py>(&self, py: Python<'py>, agent: &str) -> PyResult<Bound<'py, PyDict>> {
        to_desc(py, &self.spaces_of(agent)?.1)
    }

    #[pyo3(signature = (seed=None, options=None))]
    fn reset<'py>(
        &mut self,
        py: Python<'py>,
        seed: Option<u64>,
        options: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let fields = py_to_fields(options.as_ref())?;
        let ((obs, infos), live) = self
            .worker
            .call(py, move |p| compat::parallel_reset(p, seed, fields).map(|r| (r, p.agents().to_vec())))?
            .map_err(errors::app)?;
        self.live = live;
        let (o, i) = (PyDict::new(py), PyDict::new(py));
        for (id, s) in obs {
            o.set_item(&id, sample_to_py(py, &self.spaces_of(&id)?.1, s)?)?;
        }
        for (id, info) in infos {
            i.set_item(id, info_to_py(py, info, self.info)?)?;
        }
        Ok((o, i))
    }

    fn step<'py>(&mut self, py: Python<'py>, actions: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyTuple>> {
        let mut batch = BTreeMap::new();
        for (k, v) in actions.iter() {
            let id: String = k.extract()?;
            let sample = py_to_sample(&self.spaces_of(&id)?.0, &v)?;
            batch.insert(id, sample);
        }
        let (s, live) =
            self.worker.call(py, move |p| p.step(&batch).map(|s| (s, p.agents().to_vec())))?.map_err(errors::app)?;
        self.live = live;
        let dicts: [Bound<'py, PyDict>; 5] = std::array::from_fn(|_| PyDict::new(py));
        for (id, o) in s.observations {
            dicts[0].set_item(&id, sample_to_py(py, &self.spaces_of(&id)?.1, o)?)?;
        }
        for (id, r) in s.rewards {
            dicts[1].set_item(id, r as f64)?;
        }
        for (id, t) in s.terminations {
            dicts[2].set_item(id, t)?;
        }
        for (id, t) in s.truncations {
            dicts[3].set_item(id, t)?;
        }
        for (id, info) in s.infos {
            dicts[4].set_item(id, info_to_py(py, info, self.info)?)?;
        }
        let [o, r, te, tr, i] = dicts;
        (o, r, te, tr, i).into_pyobject(py)
    }

    fn stop(&self, py: Python<'_>) -> PyResult<()> {
        self.worker.call(py, |p| p.close())?.map_err(errors::app)
    }
}

impl ParallelAgents {
    fn spaces_of(&self, agent: &str) -> PyResult<&(Space, Space)> {
        self.spaces
            .get(agent)
            .ok_or_else(|| usage(format!("no agent `{agent}` (agents: {})", self.possible.join(", "))))
    }
}
