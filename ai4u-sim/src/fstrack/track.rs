//! Formula Student tracks: a centre line sampled every [`SAMPLE`] metres and the cones that
//! mark it (blue on the left, yellow on the right, big orange ones at the timing line).
//!
//! Coordinates are the SampleScene's (x right, z forward, seen from above); "left" of a
//! direction `(tx, tz)` is `(-tz, tx)`.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f32::consts::{PI, TAU};
use std::fmt;
use std::str::FromStr;

/// Spacing of the centre-line samples (m).
pub const SAMPLE: f32 = 0.5;
/// Spacing of the cones along each edge (m).
pub const CONE_SPACING: f32 = 3.0;
/// Length of the acceleration run from the start line to the finish line (m).
pub const ACCEL_LENGTH: f32 = 75.0;
/// Radius of the skidpad's centre line (m): inner circles 15.25 m across, outer 21.25 m.
pub const SKIDPAD_RADIUS: f32 = 9.125;

/// Which event the track is laid out for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    /// A 75 m straight from a standing start, then a braking zone.
    Accel,
    /// A figure of eight: two laps of the right circle, two of the left, out.
    Skidpad,
    /// A closed loop of curves whose shape the seed draws.
    Autocross,
}

impl TrackKind {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TrackKind::Accel => "accel",
            TrackKind::Skidpad => "skidpad",
            TrackKind::Autocross => "autocross",
        }
    }
}

impl fmt::Display for TrackKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TrackKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "accel" | "acceleration" => Ok(TrackKind::Accel),
            "skidpad" => Ok(TrackKind::Skidpad),
            "autocross" => Ok(TrackKind::Autocross),
            _ => Err(format!("`{s}` is not a track: accel, skidpad or autocross")),
        }
    }
}

/// A cone's colour, which says which edge it marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConeColor {
    /// Left edge.
    Blue,
    /// Right edge.
    Yellow,
    /// Timing line (a big cone).
    Orange,
}

impl ConeColor {
    /// The code the `cones` observation uses: 1 blue, 2 yellow, 3 orange (0 = no cone).
    pub fn code(self) -> f32 {
        match self {
            ConeColor::Blue => 1.0,
            ConeColor::Yellow => 2.0,
            ConeColor::Orange => 3.0,
        }
    }
}

/// One cone on the ground.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cone {
    /// Position of its base centre.
    pub x: f32,
    /// Position of its base centre.
    pub z: f32,
    /// Its colour.
    pub color: ConeColor,
}

/// A laid-out track.
#[derive(Debug, Clone)]
pub struct Track {
    /// The event.
    pub kind: TrackKind,
    /// The seed the layout (and the cones' placement jitter) came from.
    pub seed: u64,
    /// A closed loop (the last sample joins the first) or an open course.
    pub closed: bool,
    /// Centre-line samples, [`SAMPLE`] metres apart, in driving order; sample 0 is the start.
    pub points: Vec<[f32; 2]>,
    /// Unit driving direction at each sample.
    pub tangents: Vec<[f32; 2]>,
    /// Half the width between the cone rows (m).
    pub half_width: f32,
    /// Distance along the centre line at which the run is complete: one lap of a closed
    /// loop, the finish line of an open course (m).
    pub finish: f32,
    /// The cones.
    pub cones: Vec<Cone>,
}

impl Track {
    /// Lays out `kind` from `seed`.
    pub fn new(kind: TrackKind, seed: u64) -> Track {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (raw, closed, half_width, finish) = match kind {
            TrackKind::Accel => {
                let line: Vec<[f32; 2]> =
                    (0..=(ACCEL_LENGTH as usize + 100) * 2).map(|k| [0.0, k as f32 * 0.5]).collect();
                (line, false, 1.5, ACCEL_LENGTH)
            }
            TrackKind::Skidpad => skidpad(),
            TrackKind::Autocross => autocross(&mut rng),
        };
        let (points, tangents) = resample(&raw, closed);
        let finish = if kind == TrackKind::Autocross { points.len() as f32 * SAMPLE } else { finish };
        let mut track = Track { kind, seed, closed, points, tangents, half_width, finish, cones: Vec::new() };
        track.place_cones(&mut rng);
        track
    }

    /// Total length of the centre line (m).
    pub fn length(&self) -> f32 {
        self.points.len() as f32 * SAMPLE
    }

    /// The start: position and heading (yaw: 0 faces +Z, positive to the right).
    pub fn start(&self) -> ([f32; 2], f32) {
        let [tx, tz] = self.tangents[0];
        (self.points[0], tx.atan2(tz))
    }

    /// Sample index `i` moved by `di`, wrapped on a loop and clamped on a course.
    pub fn offset(&self, i: usize, di: isize) -> usize {
        let n = self.points.len() as isize;
        let j = i as isize + di;
        if self.closed {
            j.rem_euclid(n) as usize
        } else {
            j.clamp(0, n - 1) as usize
        }
    }

    /// The sample nearest to `p` among those from `from - back` to `from + ahead` (the
    /// neighbourhood search keeps a figure of eight's crossing unambiguous), and its
    /// signed lateral offset (positive right of the driving direction).
    pub fn locate(&self, p: [f32; 2], from: usize, back: usize, ahead: usize) -> (usize, f32) {
        let mut best = (from, f32::INFINITY);
        for di in -(back as isize)..=(ahead as isize) {
            let i = self.offset(from, di);
            let q = self.points[i];
            let d = (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2);
            if d < best.1 {
                best = (i, d);
            }
        }
        let i = best.0;
        let (q, t) = (self.points[i], self.tangents[i]);
        let (dx, dz) = (p[0] - q[0], p[1] - q[1]);
        // Right of (tx, tz) is (tz, -tx).
        (i, dx * t[1] - dz * t[0])
    }

    /// Cones on both edges every [`CONE_SPACING`] m, jittered a few centimetres by the seed.
    /// A cone that would stand in another part of the lane (the skidpad's crossing) or on
    /// top of one already placed (the second lap of a circle) is left out.
    fn place_cones(&mut self, rng: &mut ChaCha8Rng) {
        let every = (CONE_SPACING / SAMPLE).round() as usize;
        let mut cones: Vec<Cone> = Vec::new();
        let n = self.points.len();
        for i in (0..n).step_by(every) {
            let (p, t) = (self.points[i], self.tangents[i]);
            for (side, color) in [(-1.0f32, ConeColor::Blue), (1.0, ConeColor::Yellow)] {
                let jitter = [rng.gen_range(-0.04f32..0.04), rng.gen_range(-0.04f32..0.04)];
                let (x, z) = (
                    p[0] + side * t[1] * self.half_width + jitter[0],
                    p[1] - side * t[0] * self.half_width + jitter[1],
                );
                if self.in_lane([x, z], 0.25)
                    || self.marks_other_side([x, z], side)
                    || cones.iter().any(|c| (c.x - x).powi(2) + (c.z - z).powi(2) < 1.0)
                {
                    continue;
                }
                cones.push(Cone { x, z, color });
            }
        }
        // Timing line: two big orange cones each side of the start (and of the finish line
        // of an open course).
        let mut lines = vec![0usize];
        if !self.closed {
            lines.push(((self.finish / SAMPLE) as usize).min(n - 1));
        }
        for i in lines {
            let (p, t) = (self.points[i], self.tangents[i]);
            for side in [-1.0f32, 1.0] {
                for along in [-0.6f32, 0.6] {
                    let r = self.half_width + 0.5;
                    cones.push(Cone {
                        x: p[0] + side * t[1] * r + along * t[0],
                        z: p[1] - side * t[0] * r + along * t[1],
                        color: ConeColor::Orange,
                    });
                }
            }
        }
        self.cones = cones;
    }

    /// True when `p` lies on an edge of some part of the track with the other colour's side
    /// (`side` -1 left, 1 right): the skidpad's circles brush the edges of the straights.
    fn marks_other_side(&self, p: [f32; 2], side: f32) -> bool {
        let r = self.half_width + 0.35;
        self.points.iter().zip(&self.tangents).any(|(q, t)| {
            let (dx, dz) = (p[0] - q[0], p[1] - q[1]);
            dx * dx + dz * dz < r * r && (dx * t[1] - dz * t[0]) * side < 0.0
        })
    }

    /// True when `p` is more than `margin` inside the lane of some part of the track.
    fn in_lane(&self, p: [f32; 2], margin: f32) -> bool {
        let r = self.half_width - margin;
        self.points.iter().any(|q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) < r * r)
    }
}

/// Entry straight, two laps clockwise around the right circle, two counter-clockwise around
/// the left one, exit straight. Centres at x = ±R, the crossing at the origin.
fn skidpad() -> (Vec<[f32; 2]>, bool, f32, f32) {
    let r = SKIDPAD_RADIUS;
    let mut line: Vec<[f32; 2]> = (0..30).map(|k| [0.0, -15.0 + k as f32 * 0.5]).collect();
    let steps = (2.0 * TAU * r / 0.25) as usize;
    for k in 0..steps {
        let a = k as f32 / steps as f32 * 2.0 * TAU;
        line.push([r - r * a.cos(), r * a.sin()]);
    }
    for k in 0..steps {
        let a = k as f32 / steps as f32 * 2.0 * TAU;
        line.push([-r + r * a.cos(), r * a.sin()]);
    }
    line.extend((0..=50).map(|k| [0.0, k as f32 * 0.5]));
    // Done 10 m after the crossing that ends the left laps.
    let finish = 15.0 + 2.0 * 2.0 * TAU * r + 10.0;
    (line, false, 1.5, finish)
}

/// A star-shaped loop `r(θ) = R (1 + Σ a_k cos(kθ + φ_k))` whose harmonics the generator
/// draws, shrunk until its tightest bend has a radius of at least 6 m and no two distant parts
/// of the lane come near each other.
fn autocross(rng: &mut ChaCha8Rng) -> (Vec<[f32; 2]>, bool, f32, f32) {
    let radius = rng.gen_range(28.0f32..40.0);
    let harmonics: Vec<(f32, f32, f32)> = (2..=5)
        .map(|k| (k as f32, rng.gen_range(0.05f32..0.22) / (k as f32).sqrt(), rng.gen_range(0.0..TAU)))
        .collect();
    let mut scale = 1.0f32;
    for _ in 0..30 {
        let line: Vec<[f32; 2]> = (0..2400)
            .map(|n| {
                let th = n as f32 / 2400.0 * TAU;
                let r =
                    radius * (1.0 + harmonics.iter().map(|&(k, a, ph)| scale * a * (k * th + ph).cos()).sum::<f32>());
                // Driven with θ growing: counter-clockwise in the x-right, z-up drawing.
                [r * th.cos(), r * th.sin()]
            })
            .collect();
        let (points, _) = resample(&line, true);
        if min_bend_radius(&points) >= 6.0 && well_separated(&points, 1.75) {
            // Start on a straight-ish bit: the sample with the least curvature.
            let start = straightest(&points);
            let mut rotated = points[start..].to_vec();
            rotated.extend_from_slice(&points[..start]);
            return (rotated, true, 1.75, 0.0);
        }
        scale *= 0.8;
    }
    // Unreachable in practice (scale 0.8^30 is a circle); a circle is always valid.
    let line = (0..2400).map(|n| n as f32 / 2400.0 * TAU).map(|th| [radius * th.cos(), radius * th.sin()]).collect();
    (line, true, 1.75, 0.0)
}

/// Samples `raw` every [`SAMPLE`] metres of arc length; returns points and unit tangents.
fn resample(raw: &[[f32; 2]], closed: bool) -> (Vec<[f32; 2]>, Vec<[f32; 2]>) {
    let mut pts = raw.to_vec();
    if closed {
        pts.push(raw[0]);
    }
    let mut cum = vec![0.0f32];
    for w in pts.windows(2) {
        let d = ((w[1][0] - w[0][0]).powi(2) + (w[1][1] - w[0][1]).powi(2)).sqrt();
        cum.push(cum.last().copied().unwrap_or(0.0) + d);
    }
    let total = *cum.last().unwrap_or(&0.0);
    // A loop gets a whole number of samples, so the spacing is SAMPLE to within rounding.
    let n = if closed { (total / SAMPLE).round().max(3.0) as usize } else { (total / SAMPLE).floor() as usize + 1 };
    let step = if closed { total / n as f32 } else { SAMPLE };
    let mut out = Vec::with_capacity(n);
    let mut seg = 0;
    for k in 0..n {
        let s = k as f32 * step;
        while seg + 2 < cum.len() && cum[seg + 1] < s {
            seg += 1;
        }
        let len = (cum[seg + 1] - cum[seg]).max(1e-9);
        let u = ((s - cum[seg]) / len).clamp(0.0, 1.0);
        let (a, b) = (pts[seg], pts[seg + 1]);
        out.push([a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u]);
    }
    let tangents = (0..n)
        .map(|k| {
            let (a, b) = if closed {
                (out[(k + n - 1) % n], out[(k + 1) % n])
            } else {
                (out[k.saturating_sub(1)], out[(k + 1).min(n - 1)])
            };
            let (dx, dz) = (b[0] - a[0], b[1] - a[1]);
            let l = (dx * dx + dz * dz).sqrt().max(1e-9);
            [dx / l, dz / l]
        })
        .collect();
    (out, tangents)
}

/// Heading change between the tangents 2 m either side of each sample of a loop.
fn turn_at(points: &[[f32; 2]], k: usize, span: usize) -> f32 {
    let n = points.len();
    let dir = |a: [f32; 2], b: [f32; 2]| (b[1] - a[1]).atan2(b[0] - a[0]);
    let before = dir(points[(k + n - span) % n], points[k]);
    let after = dir(points[k], points[(k + span) % n]);
    let mut d = after - before;
    while d > PI {
        d -= TAU;
    }
    while d < -PI {
        d += TAU;
    }
    d
}

fn min_bend_radius(points: &[[f32; 2]]) -> f32 {
    let span = 4; // 2 m
    (0..points.len())
        .map(|k| span as f32 * SAMPLE / turn_at(points, k, span).abs().max(1e-6))
        .fold(f32::INFINITY, f32::min)
}

fn straightest(points: &[[f32; 2]]) -> usize {
    (0..points.len()).min_by(|&a, &b| turn_at(points, a, 8).abs().total_cmp(&turn_at(points, b, 8).abs())).unwrap_or(0)
}

/// No two samples more than 25 m apart along the loop are closer than two lane widths.
fn well_separated(points: &[[f32; 2]], half_width: f32) -> bool {
    let n = points.len();
    let skip = (25.0 / SAMPLE) as usize;
    let min2 = (4.0 * half_width + 2.0).powi(2);
    for i in (0..n).step_by(2) {
        for j in (i + skip..n).step_by(2) {
            if n - (j - i) < skip {
                break;
            }
            let (a, b) = (points[i], points[j]);
            if (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) < min2 {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse_and_name_themselves() {
        for k in [TrackKind::Accel, TrackKind::Skidpad, TrackKind::Autocross] {
            assert_eq!(k.name().parse::<TrackKind>().unwrap(), k);
        }
        assert_eq!("oval".parse::<TrackKind>().unwrap_err(), "`oval` is not a track: accel, skidpad or autocross");
    }

    #[test]
    fn blue_cones_are_left_and_yellow_right_of_the_driving_direction() {
        for kind in [TrackKind::Accel, TrackKind::Skidpad, TrackKind::Autocross] {
            let t = Track::new(kind, 3);
            assert!(t.cones.len() > 20, "{kind}: {} cones", t.cones.len());
            let mut from = 0;
            for c in &t.cones {
                let (i, lat) = t.locate([c.x, c.z], from, t.points.len(), t.points.len());
                from = i;
                match c.color {
                    ConeColor::Blue => assert!(lat < -1.0, "{kind}: blue cone at {lat} m"),
                    ConeColor::Yellow => assert!(
                        lat > 1.0,
                        "{kind}: yellow cone at {lat} m ({}, {}) sample {i} {:?}",
                        c.x,
                        c.z,
                        t.points[i]
                    ),
                    ConeColor::Orange => {}
                }
            }
        }
    }

    #[test]
    fn autocross_layouts_vary_with_the_seed_and_keep_their_rules() {
        let a = Track::new(TrackKind::Autocross, 1);
        let b = Track::new(TrackKind::Autocross, 2);
        assert_ne!(a.points, b.points);
        assert_eq!(Track::new(TrackKind::Autocross, 1).points, a.points);
        for seed in 0..8 {
            let t = Track::new(TrackKind::Autocross, seed);
            assert!(t.closed && t.length() > 150.0, "seed {seed}: {} m", t.length());
            assert!(min_bend_radius(&t.points) >= 6.0);
            // Consecutive samples are SAMPLE apart, the loop included.
            let n = t.points.len();
            for k in 0..n {
                let (p, q) = (t.points[k], t.points[(k + 1) % n]);
                let d = ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt();
                assert!((d - SAMPLE).abs() < 0.05, "seed {seed}: gap {d} at {k}");
            }
        }
    }

    #[test]
    fn the_skidpad_leaves_its_crossing_open() {
        let t = Track::new(TrackKind::Skidpad, 0);
        assert!(!t.closed);
        // No cone stands in the lane near the crossing at the origin.
        for c in &t.cones {
            assert!(!t.in_lane([c.x, c.z], 0.25), "cone in the lane at ({}, {})", c.x, c.z);
        }
        // Both circles are marked (cones at x of about ±(R ± w)).
        assert!(t.cones.iter().any(|c| c.x > 18.0) && t.cones.iter().any(|c| c.x < -18.0));
    }
}
