//! Recording sessions to disk and loading them back.
//!
//! A [`Recorder`] writes, per agent and per episode, one numbered PNG per step and per
//! camera (image field), and one CSV row per step with every scalar field, the reward,
//! the episode flags and the action. Encoding and writing happen on a background thread
//! fed by a bounded queue: a step only waits for the disk when the queue is full, and then
//! says so once (and counts it in the manifest). [`Recording`] wraps any [`Env`] so that
//! everything it sees is recorded; [`Dataset`] reads a recording back as
//! (observation, action, reward, terminated, truncated) transitions.
//!
//! ```text
//! DIR/manifest.json                           what was recorded; written atomically, last at the end
//! DIR/<agent>/episode_0001/steps.csv          one row per step, step 0 = the episode's first observation
//! DIR/<agent>/episode_0001/<camera>/000000.png  the camera's frame at step 0
//! DIR/<agent>/episode_0001/<camera>.mp4       with `ai4u record --video` (or [`make_videos`])
//! ```
//!
//! Row `k` of `steps.csv` is the state the engine sent at step `k` (its fields, and the
//! reward and flags that came with it) and the action the controller answered with (empty
//! on the last row of an episode: nothing answers it). See `docs/RECORDING.md`.
//!
//! ```no_run
//! use ai4u_appserver::record::{Recorder, Recording, Dataset};
//! use ai4u_appserver::{startasdaemon, Env};
//! use ai4u_controllers::GenericController;
//!
//! let handles = startasdaemon(&["0"], vec![Box::new(GenericController::new())]).unwrap();
//! let recorder = Recorder::create("runs/one").unwrap();
//! let mut env = Recording::new(handles[0].clone(), &recorder).unwrap();
//! env.reset(Some(1), None).unwrap();
//! let action = env.action_space().sample_seeded(0);
//! env.step(&action).unwrap();
//! drop(env);
//! recorder.finish().unwrap();
//! for t in Dataset::open("runs/one").unwrap().transitions() {
//!     let t = t.unwrap();
//!     println!("{} {:?} -> {}", t.step, t.action, t.reward);
//! }
//! ```

mod dataset;
mod layout;
mod video;
mod worker;

pub use dataset::{Dataset, EpisodeEntry, Transition};
pub use layout::{ActionLayout, EpisodeManifest, FieldLayout, Manifest, Status};
/// The PNG compression levels of [`RecordOptions::compression`] (the `png` crate's).
pub use png::Compression;
pub use video::{ffmpeg_available, make_videos};

use crate::env::Env;
use crate::error::AppError;
use crate::handle::{Info, StepResult};
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::Field;
use crossbeam_channel::{Sender, TrySendError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use worker::Job;

/// What can go wrong while recording or loading a recording. Every variant that concerns a
/// file names it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The recording folder cannot be created or written (read-only, not a folder, no
    /// permission).
    #[error("cannot record into {}: {source}", path.display())]
    Folder {
        /// The folder (or the file in it that could not be made).
        path: PathBuf,
        /// The operating system's reason.
        source: Arc<std::io::Error>,
    },
    /// The folder already holds a recording; recordings are never overwritten.
    #[error("{} already holds a recording (manifest.json); choose another folder or remove it", path.display())]
    Exists {
        /// The folder.
        path: PathBuf,
    },
    /// Writing a file failed while recording (a full disk says `No space left on device`).
    /// The recording stops; what was written before stays valid.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: Arc<std::io::Error>,
    },
    /// A file of a recording cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: Arc<std::io::Error>,
    },
    /// A file of a recording is not what the manifest says (a broken CSV row, a PNG that does
    /// not decode, a manifest of another format).
    #[error("{}: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The recording was finished (or its background thread ended) before this call.
    #[error("the recording into {} is finished; nothing more can be recorded", path.display())]
    Finished {
        /// The recording folder.
        path: PathBuf,
    },
    /// `ffmpeg` is not installed, so no video can be made.
    #[error("ffmpeg is not installed, so no video can be made: install it (Debian/Ubuntu: `apt-get install ffmpeg`)")]
    FfmpegMissing,
    /// `ffmpeg` ran and failed.
    #[error("ffmpeg failed making {}: {reason}", path.display())]
    Ffmpeg {
        /// The video it was making.
        path: PathBuf,
        /// Its exit status and the end of its output.
        reason: String,
    },
}

impl RecordError {
    pub(crate) fn write(path: &Path, e: std::io::Error) -> RecordError {
        RecordError::Write { path: path.to_owned(), source: Arc::new(e) }
    }
    pub(crate) fn read(path: &Path, e: std::io::Error) -> RecordError {
        RecordError::Read { path: path.to_owned(), source: Arc::new(e) }
    }
    pub(crate) fn format(path: &Path, reason: impl Into<String>) -> RecordError {
        RecordError::Format { path: path.to_owned(), reason: reason.into() }
    }
}

/// How a [`Recorder`] works.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// Steps the background thread may be behind before a step waits for it (default 64;
    /// each holds that step's frames in memory).
    pub queue: usize,
    /// PNG compression (default [`png::Compression::Fast`]).
    pub compression: png::Compression,
    /// Threads encoding and writing frames (default: the cores, at most 4; 0 encodes on
    /// the recorder's own thread).
    pub encoders: usize,
}

impl Default for RecordOptions {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        RecordOptions { queue: 64, compression: png::Compression::Fast, encoders: cores.min(4) }
    }
}

/// Figures of a recording so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordStats {
    /// Steps handed to the recorder (resets included).
    pub steps: u64,
    /// CSV rows written.
    pub rows: u64,
    /// PNG frames written.
    pub frames: u64,
    /// Steps waiting in the queue now.
    pub queued: usize,
    /// Times a step had to wait because the queue was full.
    pub full_waits: u64,
}

/// Shared between the front end (the step loop's threads) and the background thread.
pub(crate) struct Shared {
    pub(crate) dir: PathBuf,
    /// When the recording started: the `time` column counts from here.
    pub(crate) start: std::time::Instant,
    pub(crate) steps: AtomicU64,
    pub(crate) rows: AtomicU64,
    pub(crate) frames: AtomicU64,
    pub(crate) full_waits: AtomicU64,
    said_full: AtomicBool,
    pub(crate) failed: AtomicBool,
    error: Mutex<Option<RecordError>>,
    agents: AtomicU64,
}

impl Shared {
    /// Keeps the first error; the front end returns it from then on.
    pub(crate) fn fail(&self, e: RecordError) {
        let mut slot = self.error.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_none() {
            eprintln!("ai4u: recorder: {e}; the recording stops here (what was written stays valid)");
            *slot = Some(e);
        }
        self.failed.store(true, Ordering::SeqCst);
    }

    pub(crate) fn error(&self) -> Option<RecordError> {
        if !self.failed.load(Ordering::SeqCst) {
            return None;
        }
        self.error.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// Sends a job, waiting (and saying so once) only when the queue is full.
fn submit(shared: &Shared, tx: &Sender<Job>, job: Job) -> Result<(), RecordError> {
    if let Some(e) = shared.error() {
        return Err(e);
    }
    let finished = || RecordError::Finished { path: shared.dir.clone() };
    match tx.try_send(job) {
        Ok(()) => Ok(()),
        Err(TrySendError::Disconnected(_)) => Err(shared.error().unwrap_or_else(finished)),
        Err(TrySendError::Full(job)) => {
            shared.full_waits.fetch_add(1, Ordering::Relaxed);
            if !shared.said_full.swap(true, Ordering::Relaxed) {
                eprintln!(
                    "ai4u: recorder: the disk is slower than the steps; steps now wait for it when its queue of {} is \
                     full (counted as full_waits in manifest.json)",
                    tx.capacity().unwrap_or(0)
                );
            }
            tx.send(job).map_err(|_| shared.error().unwrap_or_else(finished))
        }
    }
}

/// Records sessions into a folder; see the [module docs](self). Cheap to share between
/// threads by reference: each agent records through its own [`AgentRecorder`].
pub struct Recorder {
    shared: Arc<Shared>,
    tx: Option<Sender<Job>>,
    worker: Option<std::thread::JoinHandle<()>>,
}

impl Recorder {
    /// Starts a recording into `dir` (created if needed) with the default options.
    pub fn create(dir: impl AsRef<Path>) -> Result<Recorder, RecordError> {
        Recorder::with_options(dir, RecordOptions::default())
    }

    /// Starts a recording into `dir`. Fails at once, naming the path, when the folder cannot
    /// be created or written, or already holds a recording.
    pub fn with_options(dir: impl AsRef<Path>, options: RecordOptions) -> Result<Recorder, RecordError> {
        let dir = dir.as_ref().to_owned();
        let folder = |path: &Path, e| RecordError::Folder { path: path.to_owned(), source: Arc::new(e) };
        std::fs::create_dir_all(&dir).map_err(|e| folder(&dir, e))?;
        if dir.join(layout::MANIFEST).exists() {
            return Err(RecordError::Exists { path: dir });
        }
        let manifest = Manifest::new(options.queue);
        // Written now, so an unwritable folder is refused before any engine is waited for.
        layout::write_manifest(&dir, &manifest).map_err(|e| match e {
            RecordError::Write { path, source } => RecordError::Folder { path, source },
            other => other,
        })?;
        let shared = Arc::new(Shared {
            dir: dir.clone(),
            start: std::time::Instant::now(),
            steps: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            full_waits: AtomicU64::new(0),
            said_full: AtomicBool::new(false),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
            agents: AtomicU64::new(0),
        });
        let (tx, rx) = crossbeam_channel::bounded(options.queue.max(1));
        let w = worker::Worker::new(shared.clone(), manifest, options.compression, options.encoders);
        let worker = std::thread::Builder::new()
            .name("ai4u-recorder".into())
            .spawn(move || w.run(rx))
            .map_err(|e| folder(&dir, e))?;
        Ok(Recorder { shared, tx: Some(tx), worker: Some(worker) })
    }

    /// The recording folder.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// The figures so far.
    pub fn stats(&self) -> RecordStats {
        RecordStats {
            steps: self.shared.steps.load(Ordering::Relaxed),
            rows: self.shared.rows.load(Ordering::Relaxed),
            frames: self.shared.frames.load(Ordering::Relaxed),
            queued: self.tx.as_ref().map_or(0, Sender::len),
            full_waits: self.shared.full_waits.load(Ordering::Relaxed),
        }
    }

    /// A recorder for one agent (its folder is named after `id`); the spaces go into the
    /// manifest and say how actions are stored and loaded back.
    pub fn agent(
        &self,
        id: &str,
        action_space: &Space,
        observation_space: &Space,
    ) -> Result<AgentRecorder, RecordError> {
        let tx = self.tx.clone().ok_or_else(|| RecordError::Finished { path: self.shared.dir.clone() })?;
        let index = self.shared.agents.fetch_add(1, Ordering::SeqCst) as usize;
        let job = Job::Agent(Box::new(worker::NewAgent {
            index,
            id: id.to_owned(),
            action_space: action_space.clone(),
            observation_space: observation_space.clone(),
        }));
        submit(&self.shared, &tx, job)?;
        Ok(AgentRecorder { shared: self.shared.clone(), tx, index, open: false })
    }

    /// Waits until everything handed over so far is on disk (rows flushed, frames written,
    /// the manifest updated), and returns the first write error if there was one.
    pub fn flush(&self) -> Result<(), RecordError> {
        let tx = self.tx.as_ref().ok_or_else(|| RecordError::Finished { path: self.shared.dir.clone() })?;
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        submit(&self.shared, tx, Job::Flush(done_tx))?;
        let _ = done_rx.recv();
        self.shared.error().map_or(Ok(()), Err)
    }

    /// Writes everything still queued, closes every episode (one still running is marked
    /// interrupted), writes the final manifest and returns the figures. Recording through an
    /// [`AgentRecorder`] afterwards fails with [`RecordError::Finished`].
    pub fn finish(mut self) -> Result<RecordStats, RecordError> {
        self.close()
    }

    fn close(&mut self) -> Result<RecordStats, RecordError> {
        if let Some(tx) = self.tx.take() {
            let (done_tx, done_rx) = crossbeam_channel::bounded(1);
            // Even after a failure the worker answers, so the final manifest is written.
            if tx.send(Job::Finish(done_tx)).is_ok() {
                let _ = done_rx.recv();
            }
        }
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
        match self.shared.error() {
            Some(e) => Err(e),
            None => Ok(self.stats()),
        }
    }
}

impl Drop for Recorder {
    /// Finishes the recording if [`Recorder::finish`] was not called, so files stay valid.
    fn drop(&mut self) {
        if self.tx.is_some() {
            let _ = self.close();
        }
    }
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").field("dir", &self.shared.dir).field("stats", &self.stats()).finish()
    }
}

/// Records one agent's episodes; made by [`Recorder::agent`]. `Send`, so each agent's thread
/// can own its own.
pub struct AgentRecorder {
    shared: Arc<Shared>,
    tx: Sender<Job>,
    index: usize,
    /// An episode is running (reset seen, no end yet).
    open: bool,
}

impl AgentRecorder {
    /// Starts a new episode with its first state (`info`, the engine's raw fields; when it is
    /// empty, the fields are taken from `obs`). A running episode is closed as interrupted.
    pub fn reset(&mut self, obs: &Sample, info: &Info) -> Result<(), RecordError> {
        self.shared.steps.fetch_add(1, Ordering::Relaxed);
        let fields = fields_of(obs, info);
        self.open = true;
        let time = self.shared.start.elapsed().as_secs_f64();
        submit(&self.shared, &self.tx, Job::Reset { agent: self.index, fields, time })
    }

    /// Records one step: the action taken (on the previous state) and what came back.
    pub fn step(&mut self, action: &Sample, result: &StepResult) -> Result<(), RecordError> {
        self.shared.steps.fetch_add(1, Ordering::Relaxed);
        let job = Job::Step {
            agent: self.index,
            // Stamped here, not when the disk gets to it.
            time: self.shared.start.elapsed().as_secs_f64(),
            action: action.clone(),
            fields: fields_of(&result.obs, &result.info),
            reward: result.reward,
            terminated: result.terminated,
            truncated: result.truncated,
        };
        if result.ended() {
            self.open = false;
        }
        submit(&self.shared, &self.tx, job)
    }

    /// Closes the running episode, if any, as interrupted (the engine went away, the run
    /// was stopped). Episodes that ended by their flags are closed by their last step.
    pub fn interrupt(&mut self) -> Result<(), RecordError> {
        if !std::mem::take(&mut self.open) {
            return Ok(());
        }
        submit(&self.shared, &self.tx, Job::Interrupt { agent: self.index })
    }
}

impl Drop for AgentRecorder {
    fn drop(&mut self) {
        let _ = self.interrupt();
    }
}

/// The fields to record: the engine's raw state, or (for an [`Env`] whose info is empty)
/// the observation made into fields: Dict entries by key, anything else as `obs`.
fn fields_of(obs: &Sample, info: &Info) -> Vec<Field> {
    if !info.is_empty() {
        return info.fields.clone();
    }
    match obs {
        Sample::Dict(entries) => entries
            .iter()
            .filter_map(|(k, s)| layout::sample_value(s).map(|v| Field { name: k.clone(), value: v }))
            .collect(),
        other => layout::sample_value(other).map(|v| vec![Field { name: "obs".into(), value: v }]).unwrap_or_default(),
    }
}

/// An [`Env`] whose resets and steps are recorded (see the [module docs](self)); use it
/// where the wrapped env was used.
pub struct Recording<E: Env> {
    env: E,
    agent: AgentRecorder,
}

impl<E: Env> Recording<E> {
    /// Records `env` into `recorder` under the agent name `agent`.
    pub fn named(env: E, recorder: &Recorder, agent: &str) -> Result<Recording<E>, RecordError> {
        let agent = recorder.agent(agent, env.action_space(), env.observation_space())?;
        Ok(Recording { env, agent })
    }

    /// The wrapped env.
    pub fn inner(&self) -> &E {
        &self.env
    }

    /// Stops recording and returns the wrapped env (a running episode is closed as interrupted).
    pub fn into_inner(self) -> E {
        let Recording { env, agent } = self;
        drop(agent);
        env
    }
}

impl Recording<crate::ControllerHandle> {
    /// Records a handle's agent under its id.
    pub fn new(env: crate::ControllerHandle, recorder: &Recorder) -> Result<Self, RecordError> {
        let id = env.id().to_owned();
        Recording::named(env, recorder, &id)
    }
}

impl<E: Env> Env for Recording<E> {
    fn reset(&mut self, seed: Option<u64>, options: Option<Vec<Field>>) -> crate::Result<(Sample, Info)> {
        let (obs, info) = self.env.reset(seed, options)?;
        self.agent.reset(&obs, &info).map_err(AppError::from)?;
        Ok((obs, info))
    }

    fn step(&mut self, action: &Sample) -> crate::Result<StepResult> {
        let r = self.env.step(action)?;
        self.agent.step(action, &r).map_err(AppError::from)?;
        Ok(r)
    }

    fn action_space(&self) -> &Space {
        self.env.action_space()
    }

    fn observation_space(&self) -> &Space {
        self.env.observation_space()
    }

    fn close(&mut self) -> crate::Result<()> {
        let _ = self.agent.interrupt();
        self.env.close()
    }
}

/// docs/RECORDING.md's examples, compiled as doctests so they cannot rot.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/RECORDING.md")]
struct RecordingDoc;
