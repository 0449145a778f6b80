//! [`SampleScene`]: AI4U's SampleScene re-created headless, as `docs/SAMPLESCENE.md`
//! specifies it. One agent per area; each area is a 20 m square platform with a target cube.
//!
//! Conventions (the contract fixes the behaviour, these fix the numbers): positions are kept
//! in *area coordinates* (x relative to the area centre at `30 k`), so every area computes
//! with the same f32 precision and the same seed gives bit-identical runs in every area.
//! Yaw 0 faces +Z; `forward = (sin yaw, 0, cos yaw)`, `right = (cos yaw, 0, -sin yaw)`; yaw
//! grows when turning right (clockwise seen from above in Unity's left-handed frame).

use crate::vision::{self, RayTable, VISION_COLS, VISION_ROWS};
use ai4u_core::engine::Scene;
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::value::{Field, Value, ValueKind};
use ai4u_core::wire::AgentInfo;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f32::consts::{PI, TAU};

/// Fixed physics step (s).
pub const DT: f32 = 0.02;
/// Gravity while airborne (m/s²).
pub const GRAVITY: f32 = 9.81;
/// Walking speed at `fb = 1` (m/s); also the forward speed of a forward jump at `jf = 1`.
pub const WALK_SPEED: f32 = 4.0;
/// Turn rate at `lr = 1` (rad/s): 180°/s.
pub const TURN_RATE: f32 = PI;
/// Vertical take-off speed at `j = 1` or `jf = 1` (m/s).
pub const JUMP_SPEED: f32 = 5.0;
/// Distance between area centres along +X (m).
pub const AREA_SPACING: f32 = 30.0;
/// Half the side of a platform's square top (m).
pub const PLATFORM_HALF: f32 = 10.0;
/// Thickness of the platform box below its top face (m). Only vision sees it.
pub const PLATFORM_THICKNESS: f32 = 1.0;
/// Radius of the agent's capsule (m); its height is 2 m.
pub const CAPSULE_RADIUS: f32 = 0.5;
/// Height of the eye above the feet (m).
pub const EYE_HEIGHT: f32 = 1.5;
/// Half the side of the target cube (m).
pub const CUBE_HALF: f32 = 0.5;
/// Reward per decision.
pub const STEP_REWARD: f32 = -0.01;
/// Reward for touching the target.
pub const TARGET_REWARD: f32 = 10.0;
/// Reward for falling off.
pub const FALL_REWARD: f32 = -1.0;
/// Feet below this height end the episode.
pub const FALL_HEIGHT: f32 = -1.0;
/// The action the agents answer to.
pub const ACTION_NAME: &str = "move";

/// How a [`SampleScene`] is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SceneConfig {
    /// Number of agents (one area each), ids `"0"` .. `"K-1"`.
    pub agents: usize,
    /// Decisions per episode before truncation, declared in Hello (0 = no limit).
    pub max_steps: u32,
    /// Seeds every area's generator (area `k` uses stream `k` of this seed).
    pub seed: u64,
}

impl Default for SceneConfig {
    fn default() -> Self {
        SceneConfig { agents: 1, max_steps: 3000, seed: 0 }
    }
}

/// One agent, its target and its area's generator. Positions are in area coordinates.
#[derive(Debug, Clone)]
pub(crate) struct Body {
    /// Feet position.
    pub pos: [f32; 3],
    pub yaw: f32,
    /// Horizontal velocity (x, z), kept while airborne (no air control).
    vel_xz: [f32; 2],
    vel_y: f32,
    on_ground: bool,
    done: bool,
    /// Reward earned since the last `frame_reward`.
    reward: f32,
    /// The control for the coming frame; consumed by the frame (so a non-repeated action
    /// acts for exactly one frame).
    control: [f32; 4],
    /// The last action received, reported in `array`.
    last_action: [f32; 4],
    /// Target cube centre on the XZ plane (its centre is 0.5 m up).
    pub target: [f32; 2],
    rng: ChaCha8Rng,
}

impl Body {
    fn new(rng: ChaCha8Rng) -> Body {
        Body {
            pos: [0.0; 3],
            yaw: 0.0,
            vel_xz: [0.0; 2],
            vel_y: 0.0,
            on_ground: true,
            done: false,
            reward: 0.0,
            control: [0.0; 4],
            last_action: [0.0; 4],
            target: [0.0; 2],
            rng,
        }
    }

    /// A fresh episode drawn from the area's generator.
    fn respawn(&mut self) {
        let rng = &mut self.rng;
        let (x, z) = (rng.gen_range(-7.0f32..=7.0), rng.gen_range(-7.0f32..=7.0));
        let yaw = rng.gen_range(-PI..PI);
        // Rejection sampling: fewer than 1 draw in 5 is rejected, so the cap is never
        // reached in practice; it only guarantees termination.
        let mut target = [8.0f32.copysign(-x), 8.0f32.copysign(-z)];
        for _ in 0..1000 {
            let (tx, tz) = (rng.gen_range(-8.0f32..=8.0), rng.gen_range(-8.0f32..=8.0));
            if (tx - x).hypot(tz - z) >= 4.0 {
                target = [tx, tz];
                break;
            }
        }
        self.pos = [x, 0.0, z];
        self.yaw = yaw;
        self.target = target;
        self.vel_xz = [0.0; 2];
        self.vel_y = 0.0;
        self.on_ground = true;
        self.done = false;
        self.reward = 0.0;
        self.control = [0.0; 4];
        self.last_action = [0.0; 4];
    }

    fn step(&mut self) {
        if self.done {
            return; // frozen until the next reset
        }
        let [fb, lr, j, jf] = std::mem::take(&mut self.control);
        self.yaw = wrap_angle(self.yaw + lr * TURN_RATE * DT);
        let (sy, cy) = self.yaw.sin_cos();
        if self.on_ground {
            let speed = fb * WALK_SPEED;
            self.vel_xz = [sy * speed, cy * speed];
            if j > 0.0 || jf > 0.0 {
                // Both at once: the higher take-off wins, the forward push adds to walking.
                self.vel_y = j.max(jf) * JUMP_SPEED;
                self.vel_xz[0] += sy * jf * WALK_SPEED;
                self.vel_xz[1] += cy * jf * WALK_SPEED;
                self.on_ground = false;
            }
        }
        let y_before = self.pos[1];
        if !self.on_ground {
            self.vel_y -= GRAVITY * DT;
            self.pos[1] += self.vel_y * DT;
        }
        self.pos[0] += self.vel_xz[0] * DT;
        self.pos[2] += self.vel_xz[1] * DT;
        let over_platform = self.pos[0].abs() <= PLATFORM_HALF && self.pos[2].abs() <= PLATFORM_HALF;
        if self.on_ground {
            if !over_platform {
                // Walked off the edge: fall, keeping the walking velocity.
                self.on_ground = false;
                self.vel_y = 0.0;
            }
        } else if self.vel_y <= 0.0 && y_before >= 0.0 && self.pos[1] <= 0.0 && over_platform {
            self.pos[1] = 0.0;
            self.vel_y = 0.0;
            self.on_ground = true;
        }
        let [tx, tz] = self.target;
        let (dx, dz) = (tx - self.pos[0], tz - self.pos[2]);
        if dx * dx + dz * dz <= 1.0 && self.pos[1] - CUBE_HALF <= 1.5 {
            self.reward += TARGET_REWARD;
            self.done = true;
        } else if self.pos[1] < FALL_HEIGHT {
            self.reward += FALL_REWARD;
            self.done = true;
        }
    }

    fn array(&self) -> [f32; 7] {
        let (sy, cy) = self.yaw.sin_cos();
        let (dx, dz) = (self.target[0] - self.pos[0], self.target[1] - self.pos[2]);
        let dist = dx.hypot(dz);
        // Rounding can push the cosine a hair past 1; the declared range is [-1, 1].
        let dot = if dist > 1e-6 { ((sy * dx + cy * dz) / dist).clamp(-1.0, 1.0) } else { 0.0 };
        let [fb, lr, j, jf] = self.last_action;
        [dot, (dist / 30.0).min(1.0), self.on_ground as u8 as f32, fb, lr, j, jf]
    }
}

/// Wraps an angle into [-π, π).
fn wrap_angle(a: f32) -> f32 {
    (a + PI).rem_euclid(TAU) - PI
}

/// Clamps to `[lo, hi]`, reading NaN as 0 so a bad controller cannot poison the physics.
fn clamp(x: f32, lo: f32, hi: f32) -> f32 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(lo, hi)
    }
}

/// AI4U's SampleScene without an engine: K agents, each on its own platform with a target
/// cube, fixed-step kinematic physics and ray-cast vision. Implements [`Scene`], and offers
/// direct accessors so tests and benchmarks can run it without a socket.
#[derive(Debug, Clone)]
pub struct SampleScene {
    config: SceneConfig,
    bodies: Vec<Body>,
    rays: RayTable,
}

impl SampleScene {
    /// A scene with `config.agents` agents, each already placed for a first episode drawn
    /// from its area's generator (as the controller's first Reset would do again).
    ///
    /// # Panics
    /// If `config.agents` is 0.
    pub fn new(config: SceneConfig) -> SampleScene {
        assert!(config.agents > 0, "a SampleScene needs at least one agent");
        let bodies = (0..config.agents)
            .map(|k| {
                let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
                // Distinct streams keep areas independent while one number seeds them all.
                rng.set_stream(k as u64);
                let mut body = Body::new(rng);
                body.respawn();
                body
            })
            .collect();
        SampleScene { config, bodies, rays: RayTable::new() }
    }

    /// The configuration the scene was built with.
    pub fn config(&self) -> SceneConfig {
        self.config
    }

    /// Number of agents.
    pub fn len(&self) -> usize {
        self.bodies.len()
    }

    /// Always false: a scene has at least one agent.
    pub fn is_empty(&self) -> bool {
        self.bodies.is_empty()
    }

    /// World x of agent `agent`'s area centre.
    pub fn area_center(&self, agent: usize) -> f32 {
        agent as f32 * AREA_SPACING
    }

    /// The agent's feet in world coordinates.
    pub fn position(&self, agent: usize) -> [f32; 3] {
        let p = self.bodies[agent].pos;
        [p[0] + self.area_center(agent), p[1], p[2]]
    }

    /// The agent's feet relative to its area centre.
    pub fn local_position(&self, agent: usize) -> [f32; 3] {
        self.bodies[agent].pos
    }

    /// The agent's heading in radians, in [-π, π); 0 faces +Z, positive is to the right.
    pub fn yaw(&self, agent: usize) -> f32 {
        self.bodies[agent].yaw
    }

    /// The agent's target cube centre in world coordinates.
    pub fn target(&self, agent: usize) -> [f32; 3] {
        let [x, z] = self.bodies[agent].target;
        [x + self.area_center(agent), CUBE_HALF, z]
    }

    /// True while the agent stands on its platform.
    pub fn on_ground(&self, agent: usize) -> bool {
        self.bodies[agent].on_ground
    }

    /// The last action the agent received (clamped), as reported in `array`.
    pub fn last_action(&self, agent: usize) -> [f32; 4] {
        self.bodies[agent].last_action
    }

    /// Places the agent (area coordinates, standing on the platform) for tests and scripted
    /// setups; the episode state is otherwise kept.
    pub fn set_pose(&mut self, agent: usize, x: f32, z: f32, yaw: f32) {
        let b = &mut self.bodies[agent];
        b.pos = [x, 0.0, z];
        b.yaw = wrap_angle(yaw);
        b.vel_xz = [0.0; 2];
        b.vel_y = 0.0;
        b.on_ground = x.abs() <= PLATFORM_HALF && z.abs() <= PLATFORM_HALF;
    }

    /// Moves the agent's target cube (area coordinates of its centre on the XZ plane).
    pub fn set_target(&mut self, agent: usize, x: f32, z: f32) {
        self.bodies[agent].target = [x, z];
    }

    /// Starts a new episode; `seed` reseeds the area's generator first, so the same seed
    /// gives the same start. Without it the start comes from the area's running generator.
    pub fn reset_with_seed(&mut self, agent: usize, seed: Option<u64>) {
        let b = &mut self.bodies[agent];
        if let Some(seed) = seed {
            b.rng = ChaCha8Rng::seed_from_u64(seed);
        }
        b.respawn();
    }

    /// Sets the `move` action `[fb, lr, j, jf]` for the coming physics frame (clamped to the
    /// contract's ranges; NaN reads as 0). The non-network form of [`Scene::act`].
    pub fn set_action(&mut self, agent: usize, action: [f32; 4]) {
        let [fb, lr, j, jf] = action;
        let a = [clamp(fb, -1.0, 1.0), clamp(lr, -1.0, 1.0), clamp(j, 0.0, 1.0), clamp(jf, 0.0, 1.0)];
        let b = &mut self.bodies[agent];
        b.control = a;
        b.last_action = a;
    }

    /// The `array` observation without allocating.
    pub fn array(&self, agent: usize) -> [f32; 7] {
        self.bodies[agent].array()
    }

    /// The `vision` observation (row-major, top row first) without allocating.
    pub fn vision(&self, agent: usize, out: &mut [f32; VISION_ROWS * VISION_COLS]) {
        vision::cast(&self.rays, &self.bodies, agent, out);
    }

    /// One decision for every agent whose episode has not ended, as the [`Requestor`]
    /// would run it with `repeat_action`: the per-decision reward, then `actions[k]` applied
    /// on each of `frame_skip` physics frames. Adds each agent's reward to `rewards[k]`
    /// (frames after an agent's episode ended earn nothing). For tests and benchmarks.
    ///
    /// [`Requestor`]: ai4u_core::engine::Requestor
    pub fn decide(&mut self, actions: &[[f32; 4]], frame_skip: u32, rewards: &mut [f32]) {
        for k in 0..self.bodies.len() {
            if !self.bodies[k].done {
                self.begin_decision(k);
            }
        }
        for _ in 0..frame_skip.max(1) {
            for (k, a) in actions.iter().enumerate().take(self.bodies.len()) {
                if !self.bodies[k].done {
                    self.set_action(k, *a);
                }
            }
            self.step_physics();
            for (k, r) in rewards.iter_mut().enumerate().take(self.bodies.len()) {
                *r += self.frame_reward(k);
            }
        }
    }

    /// What every agent declares in Hello.
    pub fn metadata() -> ModelMetadata {
        ModelMetadata {
            inputs: vec![
                InputSpec {
                    name: "array".into(),
                    kind: ValueKind::FloatArray,
                    shape: vec![7],
                    range_min: -1.0,
                    range_max: 1.0,
                },
                InputSpec {
                    name: "vision".into(),
                    kind: ValueKind::FloatArray,
                    shape: vec![VISION_ROWS as u32, VISION_COLS as u32, 1],
                    range_min: 0.0,
                    range_max: 255.0,
                },
            ],
            outputs: vec![OutputSpec {
                name: ACTION_NAME.into(),
                continuous: true,
                shape: vec![4],
                range_min: vec![-1.0, -1.0, 0.0, 0.0],
                range_max: vec![1.0, 1.0, 1.0, 1.0],
            }],
        }
    }
}

/// Reads an action's floats from its arguments: one float array, or scalars one per slot.
/// Missing slots read as 0. Shared with the echo scene.
pub(crate) fn action_floats<const N: usize>(args: &[Value]) -> [f32; N] {
    let mut out = [0.0; N];
    match args {
        [Value::FloatArray { data, .. }] => out.iter_mut().zip(data).for_each(|(o, &v)| *o = v),
        [Value::IntArray { data, .. }] => out.iter_mut().zip(data).for_each(|(o, &v)| *o = v as f32),
        _ => out.iter_mut().zip(args).for_each(|(o, v)| *o = v.as_f32().unwrap_or(0.0)),
    }
    out
}

impl Scene for SampleScene {
    fn agents(&self) -> Vec<AgentInfo> {
        let metadata = SampleScene::metadata();
        (0..self.bodies.len())
            .map(|k| AgentInfo { id: k.to_string(), max_steps: self.config.max_steps, metadata: metadata.clone() })
            .collect()
    }

    fn reset_agent(&mut self, agent: usize, fields: &[Field]) {
        // Any int is accepted as a seed; negative ones are reinterpreted bit for bit.
        let seed = fields.iter().find(|f| f.name == "seed").and_then(|f| match f.value {
            Value::Int(s) => Some(s as u64),
            _ => None,
        });
        self.reset_with_seed(agent, seed);
    }

    fn act(&mut self, agent: usize, name: &str, args: &[Value], _fields: &[Field]) {
        if name == ACTION_NAME {
            self.set_action(agent, action_floats::<4>(args));
        }
    }

    fn step_physics(&mut self) {
        for b in &mut self.bodies {
            b.step();
        }
    }

    fn frame_reward(&mut self, agent: usize) -> f32 {
        std::mem::take(&mut self.bodies[agent].reward)
    }

    fn is_done(&self, agent: usize) -> bool {
        self.bodies[agent].done
    }

    fn observe(&self, agent: usize, out: &mut Vec<Field>) {
        let mut grid = [0.0; VISION_ROWS * VISION_COLS];
        self.vision(agent, &mut grid);
        out.push(Field {
            name: "array".into(),
            value: Value::FloatArray { shape: vec![7], data: self.array(agent).to_vec() },
        });
        out.push(Field {
            name: "vision".into(),
            value: Value::FloatArray { shape: vec![VISION_ROWS as u32, VISION_COLS as u32, 1], data: grid.to_vec() },
        });
    }

    fn begin_decision(&mut self, agent: usize) {
        self.bodies[agent].reward += STEP_REWARD;
    }
}
