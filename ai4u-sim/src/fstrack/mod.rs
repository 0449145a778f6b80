//! [`FsTrackScene`]: a Formula Student car on a coned track (`docs/FSTRACK.md`): an
//! acceleration straight, a skidpad or a seeded autocross loop; a kinematic bicycle model;
//! telemetry, the centre line and the cones ahead in car coordinates; optional mono or stereo
//! cameras at the driver's eye; reward for progress along the centre line.
//!
//! Each agent drives its own car on its own copy of the track (agent `k`'s track is drawn
//! from seed `seed + k`); cars do not see or touch each other.

pub mod car;
mod scenery;
pub mod track;

pub use car::Car;
pub use track::{Cone, ConeColor, Track, TrackKind};

use crate::render::{Camera, CameraSpec, Pose, RenderError, StereoCamera, World};
use crate::sample::action_floats;
use ai4u_core::engine::Scene;
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Value, ValueKind};
use ai4u_core::wire::AgentInfo;
use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;

/// Fixed physics step (s), as in SampleScene.
pub const FS_DT: f32 = 0.02;
/// The action the car answers to: `[steering, throttle, brake]`.
pub const DRIVE_ACTION: &str = "drive";
/// Centre-line points in the `path` field.
pub const PATH_POINTS: usize = 10;
/// Spacing of the `path` points along the centre line, starting one spacing ahead (m).
pub const PATH_STEP: f32 = 2.0;
/// Rows of the `cones` field.
pub const CONES_SEEN: usize = 16;
/// Cones farther than this are not listed in `cones` (m).
pub const CONE_RANGE: f32 = 25.0;
/// Reward per metre of progress along the centre line.
pub const PROGRESS_REWARD: f32 = 0.1;
/// Reward per cone knocked.
pub const CONE_REWARD: f32 = -0.5;
/// Reward for leaving the track (the episode ends).
pub const LEAVE_REWARD: f32 = -10.0;
/// Reward for completing the lap or crossing the finish line (the episode ends).
pub const FINISH_REWARD: f32 = 10.0;
/// The car has left the track when its centre is this far beyond a cone line (m).
pub const OFF_TRACK_MARGIN: f32 = 1.0;
/// The driver's eye in the car's frame: (right, up, ahead of the centre of gravity) in m.
pub const EYE: [f32; 3] = [0.0, 1.0, -0.1];
/// The cameras look down by this much (rad), to see the cones near the car.
pub const EYE_PITCH: f32 = -0.08;
/// Default distance between the stereo cameras (m).
pub const DEFAULT_BASELINE: f32 = 0.12;

/// Which cameras the car carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CameraMode {
    /// No camera: telemetry only.
    #[default]
    None,
    /// One camera, field `camera`.
    Mono,
    /// A stereo pair, fields `left` and `right`.
    Stereo,
}

impl FromStr for CameraMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "none" => Ok(CameraMode::None),
            "mono" => Ok(CameraMode::Mono),
            "stereo" => Ok(CameraMode::Stereo),
            _ => Err(format!("`{s}` is not a camera setting: none, mono or stereo")),
        }
    }
}

impl fmt::Display for CameraMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CameraMode::None => "none",
            CameraMode::Mono => "mono",
            CameraMode::Stereo => "stereo",
        })
    }
}

/// How an [`FsTrackScene`] is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FsTrackConfig {
    /// Number of cars (agents), ids `"0"` .. `"K-1"`.
    pub agents: usize,
    /// The event.
    pub track: TrackKind,
    /// Seed of the layout; agent `k` gets `seed + k`. A Reset field `seed` lays out that
    /// agent's track again from the given seed.
    pub seed: u64,
    /// Decisions per episode before truncation (0 = no limit).
    pub max_steps: u32,
    /// Cameras at the driver's eye.
    pub camera: CameraMode,
    /// Size, field of view and colour of each camera.
    pub camera_spec: CameraSpec,
    /// Distance between the stereo cameras (m).
    pub baseline: f32,
}

impl Default for FsTrackConfig {
    fn default() -> Self {
        FsTrackConfig {
            agents: 1,
            track: TrackKind::Autocross,
            seed: 0,
            max_steps: 3000,
            camera: CameraMode::None,
            camera_spec: CameraSpec::default(),
            baseline: DEFAULT_BASELINE,
        }
    }
}

/// The scalar telemetry of one car, as the state fields of the same names carry it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Telemetry {
    /// Forward speed (m/s).
    pub speed: f32,
    /// Front wheel angle (rad), positive to the right.
    pub steering: f32,
    /// Throttle being applied, in [0, 1].
    pub throttle: f32,
    /// Brake being applied, in [0, 1].
    pub brake: f32,
    /// Time since the start of the episode (s): the lap time once the lap is complete.
    pub lap_time: f32,
    /// Cones knocked this episode.
    pub cones_hit: u32,
    /// Distance driven along the centre line this episode (m).
    pub progress: f32,
    /// Offset of the car from the centre line (m), positive to the right.
    pub lateral: f32,
    /// Car heading minus centre-line heading (rad), positive to the right.
    pub heading_error: f32,
    /// The lap is complete (or the finish line crossed).
    pub finished: bool,
}

/// One car on its track.
#[derive(Debug, Clone)]
struct Run {
    track: Track,
    world: World,
    car: Car,
    /// Centre-line sample nearest to the car.
    idx: usize,
    /// Arc position of the car at the last frame (m), for the progress increments.
    s: f32,
    progress: f32,
    frames: u32,
    hit: Vec<bool>,
    cones_hit: u32,
    lateral: f32,
    done: bool,
    finished: bool,
    reward: f32,
}

impl Run {
    fn new(track: Track) -> Run {
        let world = scenery::world(&track);
        let ([x, z], yaw) = track.start();
        let n = track.cones.len();
        Run {
            track,
            world,
            car: Car::at(x, z, yaw),
            idx: 0,
            s: 0.0,
            progress: 0.0,
            frames: 0,
            hit: vec![false; n],
            cones_hit: 0,
            lateral: 0.0,
            done: false,
            finished: false,
            reward: 0.0,
        }
    }

    fn restart(&mut self) {
        let ([x, z], yaw) = self.track.start();
        self.car = Car::at(x, z, yaw);
        self.idx = 0;
        self.s = 0.0;
        self.progress = 0.0;
        self.frames = 0;
        if self.cones_hit > 0 {
            self.world.cones = scenery::cones(&self.track); // stand the knocked cones up again
        }
        self.hit.iter_mut().for_each(|h| *h = false);
        self.cones_hit = 0;
        self.lateral = 0.0;
        self.done = false;
        self.finished = false;
        self.reward = 0.0;
    }

    /// Arc position of point `p` near sample `i`: the sample's plus the offset along its tangent.
    fn arc(&self, i: usize, p: [f32; 2]) -> f32 {
        let (q, t) = (self.track.points[i], self.track.tangents[i]);
        i as f32 * track::SAMPLE + (p[0] - q[0]) * t[0] + (p[1] - q[1]) * t[1]
    }

    fn step(&mut self) {
        if self.done {
            return;
        }
        self.car.step(FS_DT);
        self.frames += 1;
        let p = [self.car.x, self.car.z];
        // 5 m back, 15 m ahead: more than a frame's travel, less than the skidpad's laps
        // are apart along the centre line.
        let (idx, lateral) = self.track.locate(p, self.idx, 10, 30);
        self.idx = idx;
        self.lateral = lateral;
        let s = self.arc(idx, p);
        let mut ds = s - self.s;
        if self.track.closed {
            let len = self.track.length();
            if ds > len / 2.0 {
                ds -= len;
            } else if ds < -len / 2.0 {
                ds += len;
            }
        }
        self.s = s;
        self.progress += ds;
        self.reward += ds * PROGRESS_REWARD;
        let reach = (car::CAR_LENGTH / 2.0 + 0.3).powi(2) + (car::CAR_WIDTH / 2.0 + 0.3).powi(2);
        let (sy, cy) = self.car.yaw.sin_cos();
        for ((cone, hit), shape) in self.track.cones.iter().zip(self.hit.iter_mut()).zip(self.world.cones.iter_mut()) {
            if *hit || (cone.x - p[0]).powi(2) + (cone.z - p[1]).powi(2) > reach {
                continue;
            }
            let [r, a] = self.car.to_local([cone.x, cone.z]);
            let radius = if cone.color == ConeColor::Orange { 0.142 } else { 0.114 };
            if r.abs() <= car::CAR_WIDTH / 2.0 + radius && a.abs() <= car::CAR_LENGTH / 2.0 + radius {
                *hit = true;
                self.cones_hit += 1;
                // The cameras see it pushed ahead of the car, out of line (the `cones` field
                // keeps where it was placed, as the track's record).
                let push = car::CAR_LENGTH / 2.0 + 0.4 - a;
                shape.base[0] += sy * push + r.signum() * cy * 0.3;
                shape.base[2] += cy * push - r.signum() * sy * 0.3;
                self.reward += CONE_REWARD;
            }
        }
        let past_end = !self.track.closed && idx + 1 == self.track.points.len();
        if self.progress >= self.track.finish {
            self.finished = true;
            self.done = true;
            self.reward += FINISH_REWARD;
        } else if lateral.abs() > self.track.half_width + OFF_TRACK_MARGIN || past_end {
            self.done = true;
            self.reward += LEAVE_REWARD;
        }
    }

    fn telemetry(&self) -> Telemetry {
        let t = self.track.tangents[self.idx];
        let mut heading_error = self.car.yaw - t[0].atan2(t[1]);
        heading_error = (heading_error + std::f32::consts::PI).rem_euclid(std::f32::consts::TAU) - std::f32::consts::PI;
        Telemetry {
            speed: self.car.speed,
            steering: self.car.steer,
            throttle: self.car.throttle,
            brake: self.car.brake,
            lap_time: self.frames as f32 * FS_DT,
            cones_hit: self.cones_hit,
            progress: self.progress,
            lateral: self.lateral,
            heading_error,
            finished: self.finished,
        }
    }

    /// Centre-line points every [`PATH_STEP`] m ahead of the car, in its frame, `[right, ahead]`.
    fn path(&self) -> [[f32; 2]; PATH_POINTS] {
        let step = (PATH_STEP / track::SAMPLE).round() as isize;
        std::array::from_fn(|k| {
            let i = self.track.offset(self.idx, step * (k as isize + 1));
            self.car.to_local(self.track.points[i])
        })
    }

    /// The nearest cones ahead of the car within [`CONE_RANGE`], nearest first, as
    /// `[right, ahead, colour code]`; unused rows are zero (code 0 = no cone).
    fn cones(&self) -> Vec<f32> {
        let mut seen: Vec<(f32, [f32; 3])> = self
            .track
            .cones
            .iter()
            .filter_map(|c| {
                let [r, a] = self.car.to_local([c.x, c.z]);
                let d2 = r * r + a * a;
                (a > 0.0 && d2 <= CONE_RANGE * CONE_RANGE).then_some((d2, [r, a, c.color.code()]))
            })
            .collect();
        seen.sort_by(|x, y| x.0.total_cmp(&y.0));
        let mut out = vec![0.0; CONES_SEEN * 3];
        for (row, (_, c)) in out.chunks_mut(3).zip(seen) {
            row.copy_from_slice(&c);
        }
        out
    }

    fn eye(&self) -> Pose {
        let c = &self.car;
        let (s, co) = c.yaw.sin_cos();
        let [r, up, ahead] = EYE;
        Pose { eye: [c.x + ahead * s + r * co, up, c.z + ahead * co - r * s], yaw: c.yaw, pitch: EYE_PITCH }
    }
}

enum Cameras {
    None,
    Mono(Camera),
    Stereo(StereoCamera),
}

/// A Formula Student car per agent on a coned track; see the module docs and
/// `docs/FSTRACK.md`. Implements [`Scene`], with direct accessors for tests and benchmarks.
pub struct FsTrackScene {
    config: FsTrackConfig,
    runs: Vec<Run>,
    /// Rendering needs buffers while [`Scene::observe`] takes `&self`.
    cameras: RefCell<Cameras>,
}

impl fmt::Debug for FsTrackScene {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FsTrackScene").field("config", &self.config).finish_non_exhaustive()
    }
}

/// Why an [`FsTrackScene`] could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FsTrackError {
    /// No agents asked for.
    #[error("an fs-track scene needs at least one agent")]
    NoAgents,
    /// The camera settings are not usable.
    #[error(transparent)]
    Camera(#[from] RenderError),
}

impl FsTrackScene {
    /// A scene of `config.agents` cars, each at the start of its track.
    pub fn new(config: FsTrackConfig) -> Result<FsTrackScene, FsTrackError> {
        if config.agents == 0 {
            return Err(FsTrackError::NoAgents);
        }
        let cameras = match config.camera {
            CameraMode::None => {
                config.camera_spec.validate()?;
                Cameras::None
            }
            CameraMode::Mono => Cameras::Mono(Camera::new(config.camera_spec)?),
            CameraMode::Stereo => Cameras::Stereo(StereoCamera::new(config.camera_spec, config.baseline)?),
        };
        let runs = (0..config.agents)
            .map(|k| Run::new(Track::new(config.track, config.seed.wrapping_add(k as u64))))
            .collect();
        Ok(FsTrackScene { config, runs, cameras: RefCell::new(cameras) })
    }

    /// The configuration the scene was built with.
    pub fn config(&self) -> FsTrackConfig {
        self.config
    }

    /// Number of cars.
    pub fn len(&self) -> usize {
        self.runs.len()
    }

    /// Always false: a scene has at least one car.
    pub fn is_empty(&self) -> bool {
        self.runs.is_empty()
    }

    /// Agent `agent`'s track.
    pub fn track(&self, agent: usize) -> &Track {
        &self.runs[agent].track
    }

    /// What agent `agent`'s cameras can see.
    pub fn world(&self, agent: usize) -> &World {
        &self.runs[agent].world
    }

    /// Agent `agent`'s car.
    pub fn car(&self, agent: usize) -> &Car {
        &self.runs[agent].car
    }

    /// The driver's eye of agent `agent` (the centre between the stereo cameras).
    pub fn eye(&self, agent: usize) -> Pose {
        self.runs[agent].eye()
    }

    /// Agent `agent`'s telemetry.
    pub fn telemetry(&self, agent: usize) -> Telemetry {
        self.runs[agent].telemetry()
    }

    /// The `path` field: centre-line points ahead in the car's frame, `[right, ahead]`.
    pub fn path(&self, agent: usize) -> [[f32; 2]; PATH_POINTS] {
        self.runs[agent].path()
    }

    /// Places the car (for tests and scripted setups); the episode state is otherwise kept.
    pub fn set_car(&mut self, agent: usize, car: Car) {
        let run = &mut self.runs[agent];
        run.car = car;
        let (idx, lateral) = run.track.locate([car.x, car.z], run.idx, run.track.points.len(), run.track.points.len());
        run.idx = idx;
        run.lateral = lateral;
        run.s = run.arc(idx, [car.x, car.z]);
    }

    /// Starts a new episode; `seed` lays the track out again from that seed first.
    pub fn reset_with_seed(&mut self, agent: usize, seed: Option<u64>) {
        match seed {
            Some(seed) if seed != self.runs[agent].track.seed => {
                self.runs[agent] = Run::new(Track::new(self.config.track, seed));
            }
            _ => self.runs[agent].restart(),
        }
    }

    /// Sets the `drive` action `[steering, throttle, brake]` (clamped; NaN reads as 0).
    pub fn set_action(&mut self, agent: usize, action: [f32; 3]) {
        self.runs[agent].car.control(action[0], action[1], action[2]);
    }

    /// Renders agent `agent`'s camera(s): one image (mono) or two (stereo, left first);
    /// none without cameras.
    pub fn render(&self, agent: usize) -> Vec<ai4u_core::value::Image> {
        let run = &self.runs[agent];
        match &mut *self.cameras.borrow_mut() {
            Cameras::None => Vec::new(),
            Cameras::Mono(cam) => vec![cam.render_image(&run.world, &run.eye())],
            Cameras::Stereo(pair) => {
                let (l, r) = pair.render_images(&run.world, &run.eye());
                vec![l, r]
            }
        }
    }

    /// The names of the image fields: `camera`, or `left` and `right`.
    pub fn camera_fields(&self) -> &'static [&'static str] {
        match self.config.camera {
            CameraMode::None => &[],
            CameraMode::Mono => &["camera"],
            CameraMode::Stereo => &["left", "right"],
        }
    }

    /// What every car declares in Hello.
    pub fn metadata(&self) -> ModelMetadata {
        let scalar = |name: &str, lo: f32, hi: f32| InputSpec {
            name: name.into(),
            kind: ValueKind::Float,
            shape: vec![],
            range_min: lo,
            range_max: hi,
        };
        let mut inputs = vec![
            scalar("speed", 0.0, car::TOP_SPEED),
            scalar("steering", -car::MAX_STEER, car::MAX_STEER),
            scalar("throttle", 0.0, 1.0),
            scalar("brake", 0.0, 1.0),
            scalar("lap_time", 0.0, f32::MAX),
            scalar("cones_hit", 0.0, f32::MAX),
            scalar("progress", f32::MIN, f32::MAX),
            scalar("lateral", -10.0, 10.0),
            scalar("heading_error", -std::f32::consts::PI, std::f32::consts::PI),
            scalar("finished", 0.0, 1.0),
            InputSpec {
                name: "path".into(),
                kind: ValueKind::FloatArray,
                shape: vec![PATH_POINTS as u32, 2],
                range_min: -100.0,
                range_max: 100.0,
            },
            InputSpec {
                name: "cones".into(),
                kind: ValueKind::FloatArray,
                shape: vec![CONES_SEEN as u32, 3],
                range_min: -CONE_RANGE,
                range_max: CONE_RANGE,
            },
        ];
        for name in self.camera_fields() {
            inputs.push(InputSpec {
                name: (*name).into(),
                kind: ValueKind::Image,
                shape: self.config.camera_spec.shape(),
                range_min: 0.0,
                range_max: 255.0,
            });
        }
        ModelMetadata {
            inputs,
            outputs: vec![OutputSpec {
                name: DRIVE_ACTION.into(),
                continuous: true,
                shape: vec![3],
                range_min: vec![-1.0, 0.0, 0.0],
                range_max: vec![1.0, 1.0, 1.0],
            }],
        }
    }
}

impl Scene for FsTrackScene {
    fn agents(&self) -> Vec<AgentInfo> {
        let metadata = self.metadata();
        (0..self.runs.len())
            .map(|k| AgentInfo { id: k.to_string(), max_steps: self.config.max_steps, metadata: metadata.clone() })
            .collect()
    }

    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        let seed = fields.iter().find(|f| f.name == "seed").and_then(|f| match f.value {
            Value::Int(s) => Some(s as u64),
            _ => None,
        });
        self.reset_with_seed(agent, seed);
    }

    fn act(&mut self, agent: usize, name: &str, args: &[Value], _fields: &[Field]) {
        if name == DRIVE_ACTION {
            self.set_action(agent, action_floats::<3>(args));
        }
    }

    fn step_physics(&mut self) {
        for run in &mut self.runs {
            run.step();
        }
    }

    fn frame_reward(&mut self, agent: usize) -> f32 {
        std::mem::take(&mut self.runs[agent].reward)
    }

    fn is_done(&self, agent: usize) -> bool {
        self.runs[agent].done
    }

    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        let run = &self.runs[agent];
        let t = run.telemetry();
        let scalars = [
            ("speed", t.speed),
            ("steering", t.steering),
            ("throttle", t.throttle),
            ("brake", t.brake),
            ("lap_time", t.lap_time),
            ("cones_hit", t.cones_hit as f32),
            ("progress", t.progress),
            ("lateral", t.lateral),
            ("heading_error", t.heading_error),
            ("finished", t.finished as u8 as f32),
        ];
        out.extend(scalars.iter().map(|&(name, v)| Field { name: name.into(), value: Value::Float(v) }));
        out.push(Field {
            name: "path".into(),
            value: Value::FloatArray { shape: vec![PATH_POINTS as u32, 2], data: run.path().concat() },
        });
        out.push(Field {
            name: "cones".into(),
            value: Value::FloatArray { shape: vec![CONES_SEEN as u32, 3], data: run.cones() },
        });
        for (name, img) in self.camera_fields().iter().zip(self.render(agent)) {
            out.push(Field { name: (*name).into(), value: Value::Image(img) });
        }
    }
}

#[cfg(test)]
mod tests;
