//! The Formula Student track scene (`docs/FSTRACK.md`, `ai4u-sim --scene fs-track`): the
//! controller, and a scripted pure-pursuit driver that completes laps without learning
//! anything, used by `ai4u demo --scene fs-track` and the tests.

use crate::{Controller, ControllerError, Result};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{BoxSpace, DType, DictSpace, Sample, Space};
use ai4u_core::value::ValueKind;
use ndarray::{ArrayD, IxDyn};

/// The actuator: `[steering, throttle, brake]`.
pub const DRIVE_ACTION: &str = "drive";
/// Scalar telemetry fields and their declared ranges.
pub const TELEMETRY: [(&str, f32, f32); 10] = [
    ("speed", 0.0, 30.0),
    ("steering", -0.42, 0.42),
    ("throttle", 0.0, 1.0),
    ("brake", 0.0, 1.0),
    ("lap_time", 0.0, f32::MAX),
    ("cones_hit", 0.0, f32::MAX),
    ("progress", f32::MIN, f32::MAX),
    ("lateral", -10.0, 10.0),
    ("heading_error", -std::f32::consts::PI, std::f32::consts::PI),
    ("finished", 0.0, 1.0),
];
/// Points of the `path` field (centre line ahead, car frame `[right, ahead]`, 2 m apart).
pub const PATH_POINTS: usize = 10;
/// Spacing of the `path` points (m).
pub const PATH_STEP: f32 = 2.0;
/// Rows of the `cones` field (`[right, ahead, colour code]`).
pub const CONES_SEEN: usize = 16;
/// The car's wheelbase (m), which the steering geometry needs.
pub const WHEELBASE: f32 = 1.53;
/// From the rear axle to the centre of gravity (m): the path is given from the centre of
/// gravity, pure pursuit steers the rear axle (which moves along the heading).
pub const REAR_TO_CG: f32 = 0.77;
/// The car's largest wheel angle (rad): steering 1 means this.
pub const MAX_STEER: f32 = 0.42;

/// Controls the track scene's car: action `drive` = `Box([-1, 0, 0], [1, 1, 1])` f32 as
/// `[steering, throttle, brake]`; observation a Dict of the telemetry scalars, `path`
/// (10, 2), `cones` (16, 3) and, when the engine declares cameras, their images as u8 boxes
/// (`camera`, or `left` and `right`).
#[derive(Debug, Clone)]
pub struct FsTrackController {
    action: Space,
    observation: Space,
}

impl Default for FsTrackController {
    fn default() -> Self {
        FsTrackController::new()
    }
}

fn entries() -> Vec<(String, Space)> {
    let mut e: Vec<(String, Space)> = TELEMETRY
        .iter()
        .map(|&(name, lo, hi)| {
            (name.to_owned(), BoxSpace::uniform(lo as f64, hi as f64, &[], DType::F32).expect("valid").into())
        })
        .collect();
    e.push(("path".into(), BoxSpace::uniform(-100.0, 100.0, &[PATH_POINTS, 2], DType::F32).expect("valid").into()));
    e.push(("cones".into(), BoxSpace::uniform(-25.0, 25.0, &[CONES_SEEN, 3], DType::F32).expect("valid").into()));
    e
}

impl FsTrackController {
    /// The controller with the track scene's spaces, cameras not included until an engine
    /// declares them.
    pub fn new() -> FsTrackController {
        let low = ArrayD::from_shape_vec(IxDyn(&[3]), vec![-1.0, 0.0, 0.0]).expect("3 values");
        let high = ArrayD::from_elem(IxDyn(&[3]), 1.0);
        let action = BoxSpace::new(low, high, DType::F32).expect("valid bounds").into();
        let observation = DictSpace::new(entries()).expect("distinct keys").into();
        FsTrackController { action, observation }
    }
}

impl Controller for FsTrackController {
    fn action_space(&self) -> &Space {
        &self.action
    }

    fn observation_space(&self) -> &Space {
        &self.observation
    }

    fn action_name(&self) -> &str {
        DRIVE_ACTION
    }

    /// Refuses an engine that is not the track scene (one that declares nothing is
    /// trusted), and adds the declared camera images to the observation.
    fn handle_configuration(&mut self, id: &str, _max_steps: u32, m: &ModelMetadata) -> Result<()> {
        if m.inputs.is_empty() && m.outputs.is_empty() {
            return Ok(());
        }
        let shape_of = |name: &str| m.input(name).map(|i| i.shape.clone());
        let ok = shape_of("path") == Some(vec![PATH_POINTS as u32, 2])
            && TELEMETRY.iter().all(|(name, ..)| m.input(name).is_some())
            && m.output(DRIVE_ACTION).map(|o| o.shape.clone()) == Some(vec![3]);
        if !ok {
            return Err(ControllerError::Configuration(format!(
                "agent `{id}` is not an fs-track car: it needs the telemetry inputs, path [{PATH_POINTS}, 2] and output drive [3]"
            )));
        }
        let mut e = entries();
        for input in m.inputs.iter().filter(|i| i.kind == ValueKind::Image) {
            let shape: Vec<usize> = input.shape.iter().map(|&d| d as usize).collect();
            e.push((input.name.clone(), BoxSpace::uniform(0.0, 255.0, &shape, DType::U8)?.into()));
        }
        self.observation = DictSpace::new(e)?.into();
        Ok(())
    }
}

/// A pure-pursuit driver on the centre line, whose points are the midpoints between the
/// blue and yellow cones (the scene places each pair across the centre line): steer along
/// the arc through a lookahead point that moves out with speed, and hold the speed the
/// tightest bend within the next 20 m allows at a set lateral acceleration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PurePursuit {
    /// Lookahead distance per m/s of speed (s).
    pub lookahead_time: f32,
    /// Shortest lookahead (m).
    pub min_lookahead: f32,
    /// Longest lookahead (m).
    pub max_lookahead: f32,
    /// Lateral acceleration the speed plan allows (m/s²); the car grips to about 15.
    pub lateral_accel: f32,
    /// Top speed the driver aims for (m/s).
    pub max_speed: f32,
}

impl Default for PurePursuit {
    fn default() -> Self {
        PurePursuit {
            lookahead_time: 0.3,
            min_lookahead: 2.5,
            max_lookahead: 12.0,
            lateral_accel: 7.0,
            max_speed: 14.0,
        }
    }
}

impl PurePursuit {
    /// The action `[steering, throttle, brake]` for an observation of the
    /// [`FsTrackController`] space; a gentle stop when the observation lacks what it needs.
    pub fn act(&self, obs: &Sample) -> Sample {
        let action = self.decide_from(obs).unwrap_or([0.0, 0.0, 0.5]);
        Sample::F32(ArrayD::from_shape_vec(IxDyn(&[3]), action.to_vec()).expect("3 values"))
    }

    fn decide_from(&self, obs: &Sample) -> Option<[f32; 3]> {
        let speed = *obs.get("speed")?.as_f32()?.iter().next()?;
        let path = obs.get("path")?.as_f32()?;
        if path.shape() != [PATH_POINTS, 2] {
            return None;
        }
        let points: Vec<[f32; 2]> = (0..PATH_POINTS).map(|i| [path[[i, 0]], path[[i, 1]]]).collect();
        Some(self.decide(&points, speed))
    }

    /// The action from the `cones` field alone, as a car that only sees cones must drive:
    /// the midpoints between blue and yellow cones ([`cone_midpoints`]) take the place of
    /// the centre line. A gentle stop when no pair is in sight.
    pub fn act_on_cones(&self, obs: &Sample) -> Sample {
        let action = (|| {
            let speed = *obs.get("speed")?.as_f32()?.iter().next()?;
            let cones = obs.get("cones")?.as_f32()?;
            if cones.ndim() != 2 || cones.shape()[1] != 3 {
                return None;
            }
            let rows: Vec<[f32; 3]> =
                (0..cones.shape()[0]).map(|i| [cones[[i, 0]], cones[[i, 1]], cones[[i, 2]]]).collect();
            let mids = cone_midpoints(&rows);
            (!mids.is_empty()).then(|| self.decide(&mids, speed))
        })()
        .unwrap_or([0.0, 0.0, 0.5]);
        Sample::F32(ArrayD::from_shape_vec(IxDyn(&[3]), action.to_vec()).expect("3 values"))
    }

    /// The action for centre-line points ahead (car frame `[right, ahead]`, [`PATH_STEP`]
    /// apart, nearest first) at `speed` m/s.
    pub fn decide(&self, path: &[[f32; 2]], speed: f32) -> [f32; 3] {
        if path.is_empty() {
            return [0.0, 0.0, 0.5];
        }
        let ld = (self.lookahead_time * speed + 1.0).clamp(self.min_lookahead, self.max_lookahead);
        let [x, z] = along(path, ld);
        let z = z + REAR_TO_CG;
        // Pure pursuit: the arc from the rear axle through the goal has curvature 2x / d².
        let d2 = (x * x + z * z).max(1e-3);
        let steer = ((WHEELBASE * 2.0 * x / d2).atan() / MAX_STEER).clamp(-1.0, 1.0);
        let bend = (0..path.len().saturating_sub(4))
            .map(|k| circumradius(path[k], path[k + 2], path[k + 4]))
            .fold(f32::INFINITY, f32::min);
        let target = (self.lateral_accel * bend).sqrt().min(self.max_speed);
        if speed < target {
            [steer, ((target - speed) / 2.0).clamp(0.2, 1.0), 0.0]
        } else {
            [steer, 0.0, ((speed - target) / 4.0).min(1.0)]
        }
    }
}

/// Midpoints between the blue (code 1) and yellow (code 2) cones of a `cones` field (rows
/// `[right, ahead, code]`, car frame), chained from the car outwards: each blue cone pairs
/// with the nearest yellow cone 2 to 6 m away and vice versa; the chain then always steps
/// to the nearest midpoint not yet used that lies less than 8 m on and not behind the
/// previous one. Orange cones and empty rows are ignored.
pub fn cone_midpoints(cones: &[[f32; 3]]) -> Vec<[f32; 2]> {
    let of = |code: f32| cones.iter().filter(move |c| c[2] == code).map(|c| [c[0], c[1]]);
    let dist2 = |p: [f32; 2], q: [f32; 2]| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
    let mut mids: Vec<[f32; 2]> = Vec::new();
    for (mine, other) in [(1.0, 2.0), (2.0, 1.0)] {
        for c in of(mine) {
            let partner = of(other)
                .filter(|o| (4.0..=36.0).contains(&dist2(c, *o)))
                .min_by(|a, b| dist2(c, *a).total_cmp(&dist2(c, *b)));
            if let Some(o) = partner {
                let m = [(c[0] + o[0]) / 2.0, (c[1] + o[1]) / 2.0];
                if mids.iter().all(|q| dist2(*q, m) > 0.25) {
                    mids.push(m);
                }
            }
        }
    }
    let mut chain = Vec::with_capacity(mids.len());
    let (mut at, mut heading) = ([0.0f32, 0.0], [0.0f32, 1.0]);
    while let Some((k, _)) = mids
        .iter()
        .enumerate()
        .filter(|(_, m)| {
            let d = [m[0] - at[0], m[1] - at[1]];
            d[0] * heading[0] + d[1] * heading[1] > 0.0 && dist2(at, **m) < 64.0
        })
        .min_by(|a, b| dist2(at, *a.1).total_cmp(&dist2(at, *b.1)))
    {
        let m = mids.swap_remove(k);
        let d = ((m[0] - at[0]).powi(2) + (m[1] - at[1]).powi(2)).sqrt().max(1e-6);
        heading = [(m[0] - at[0]) / d, (m[1] - at[1]) / d];
        at = m;
        chain.push(m);
    }
    chain
}

/// The point `distance` metres along the polyline that starts at the car (the origin) and
/// runs through `path`; the last point when the path is shorter.
fn along(path: &[[f32; 2]], distance: f32) -> [f32; 2] {
    let mut prev = [0.0f32, 0.0];
    let mut left = distance;
    for &p in path {
        let seg = ((p[0] - prev[0]).powi(2) + (p[1] - prev[1]).powi(2)).sqrt();
        if seg >= left && seg > 0.0 {
            let u = left / seg;
            return [prev[0] + (p[0] - prev[0]) * u, prev[1] + (p[1] - prev[1]) * u];
        }
        left -= seg;
        prev = p;
    }
    prev
}

/// Radius of the circle through three points (infinite when they are in line).
fn circumradius(a: [f32; 2], b: [f32; 2], c: [f32; 2]) -> f32 {
    let cross = (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
    let d = |p: [f32; 2], q: [f32; 2]| ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
    if cross.abs() < 1e-6 {
        return f32::INFINITY;
    }
    d(a, b) * d(b, c) * d(c, a) / (2.0 * cross.abs())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai4u_core::metadata::{InputSpec, OutputSpec};

    fn straight(offset: f32) -> Vec<[f32; 2]> {
        (1..=PATH_POINTS).map(|k| [offset, k as f32 * PATH_STEP]).collect()
    }

    #[test]
    fn steers_towards_the_centre_line_and_slows_for_bends() {
        let p = PurePursuit::default();
        let [s, t, b] = p.decide(&straight(0.0), 5.0);
        assert_eq!((s, b), (0.0, 0.0));
        assert!(t > 0.0);
        assert!(p.decide(&straight(1.0), 5.0)[0] > 0.0, "line to the right: steer right");
        assert!(p.decide(&straight(-1.0), 5.0)[0] < 0.0, "line to the left: steer left");
        // A 6 m bend ahead at 14 m/s: brake.
        let bend: Vec<[f32; 2]> = (1..=PATH_POINTS)
            .map(|k| {
                let a = k as f32 * PATH_STEP / 6.0;
                [6.0 - 6.0 * a.cos(), 6.0 * a.sin()]
            })
            .collect();
        let [s, t, b] = p.decide(&bend, 14.0);
        // A 6 m radius needs atan(1.53 / 6) = 0.25 rad, 0.6 of full lock.
        assert!(s > 0.4 && s < 0.8 && t == 0.0 && b > 0.5, "{s} {t} {b}");
        assert_eq!(p.decide(&[], 3.0), [0.0, 0.0, 0.5]);
    }

    #[test]
    fn cone_midpoints_pair_across_the_lane_and_chain_outwards() {
        // A straight lane 3 m wide, cones every 3 m, listed out of order, plus noise.
        let mut cones = Vec::new();
        for k in [3, 1, 2, 0] {
            let z = 2.0 + 3.0 * k as f32;
            cones.push([-1.5, z, 1.0]);
            cones.push([1.5, z + 0.1, 2.0]);
        }
        cones.push([5.0, 5.0, 3.0]); // orange: ignored
        cones.push([0.0, 0.0, 0.0]); // empty row
        let mids = cone_midpoints(&cones);
        assert_eq!(mids.len(), 4, "{mids:?}");
        for (k, m) in mids.iter().enumerate() {
            assert!(m[0].abs() < 0.1 && (m[1] - (2.05 + 3.0 * k as f32)).abs() < 0.1, "{mids:?}");
        }
        assert!(cone_midpoints(&[[-1.5, 3.0, 1.0]]).is_empty(), "a lone cone has no partner");
    }

    #[test]
    fn the_declaration_is_checked_and_cameras_join_the_observation() {
        let input = |name: &str, kind, shape: Vec<u32>| InputSpec {
            name: name.into(),
            kind,
            shape,
            range_min: 0.0,
            range_max: 1.0,
        };
        let mut inputs: Vec<InputSpec> = TELEMETRY.iter().map(|(n, ..)| input(n, ValueKind::Float, vec![])).collect();
        inputs.push(input("path", ValueKind::FloatArray, vec![10, 2]));
        inputs.push(input("cones", ValueKind::FloatArray, vec![16, 3]));
        inputs.push(input("left", ValueKind::Image, vec![48, 64, 3]));
        let drive =
            OutputSpec { name: "drive".into(), continuous: true, shape: vec![3], range_min: vec![], range_max: vec![] };
        let m = ModelMetadata { inputs, outputs: vec![drive] };
        let mut c = FsTrackController::new();
        c.handle_configuration("0", 0, &m).unwrap();
        let Space::Dict(d) = c.observation_space() else { panic!("a Dict") };
        assert_eq!(d.get("left").unwrap().to_string(), "Box(0, 255, (48, 64, 3), uint8)");
        let mut wrong = m.clone();
        wrong.outputs[0].name = "move".into();
        let e = FsTrackController::new().handle_configuration("7", 0, &wrong).unwrap_err();
        assert!(e.to_string().contains("agent `7` is not an fs-track car"), "{e}");
        FsTrackController::new().handle_configuration("0", 0, &ModelMetadata::default()).unwrap();
    }
}
