//! The 10 x 10 ray-cast "vision" of `docs/SAMPLESCENE.md`: rays from the agent's eye, one
//! per (row, column), coded by the first thing they hit within [`VISION_RANGE`].

use crate::geom::{ray_aabb, ray_vertical_capsule, xz_distance_to_box, Ray};
use crate::sample::{Body, AREA_SPACING, CAPSULE_RADIUS, CUBE_HALF, EYE_HEIGHT, PLATFORM_HALF, PLATFORM_THICKNESS};

/// Rows of the vision grid (row 0 = top, 5° below the horizon).
pub const VISION_ROWS: usize = 10;
/// Columns of the vision grid (column 0 = left, 45° left of the heading).
pub const VISION_COLS: usize = 10;
/// Rays see this far (metres); beyond it a ray reads [`CODE_NOTHING`].
pub const VISION_RANGE: f32 = 15.0;
/// Vision code: nothing within range.
pub const CODE_NOTHING: f32 = 0.0;
/// Vision code: the floor (a platform).
pub const CODE_FLOOR: f32 = 50.0;
/// Vision code: another agent.
pub const CODE_AGENT: f32 = 100.0;
/// Vision code: a target cube (any area's: they are all the same red cube).
pub const CODE_TARGET: f32 = 200.0;

/// Per-ray constants, precomputed once: for the ray at pitch `p` and yaw offset `o`,
/// `(cos p cos o, cos p sin o, sin p)`. Rotating by the agent's yaw then costs four
/// multiplications per ray instead of two `sin_cos` calls.
#[derive(Debug, Clone)]
pub(crate) struct RayTable {
    rays: [[f32; 3]; VISION_ROWS * VISION_COLS],
}

impl RayTable {
    pub(crate) fn new() -> RayTable {
        let mut rays = [[0.0; 3]; VISION_ROWS * VISION_COLS];
        for r in 0..VISION_ROWS {
            let pitch = (-5.0 - 5.0 * r as f32).to_radians();
            let (sp, cp) = pitch.sin_cos();
            for c in 0..VISION_COLS {
                let (so, co) = (-45.0 + 10.0 * c as f32).to_radians().sin_cos();
                rays[r * VISION_COLS + c] = [cp * co, cp * so, sp];
            }
        }
        RayTable { rays }
    }
}

/// Most areas a 15 m ray can reach from an agent that may have drifted off its platform.
const MAX_AREAS: usize = 4;

/// The shapes within reach of one eye, gathered once per observation so the 100 rays
/// only test what can matter (usually the own platform and cube). Fixed-size: no heap.
struct Nearby {
    boxes: [([f32; 3], [f32; 3], f32); 2 * MAX_AREAS],
    n_boxes: usize,
    capsules: [[f32; 3]; MAX_AREAS],
    n_capsules: usize,
}

impl Nearby {
    fn gather(bodies: &[Body], me: usize, eye: [f32; 3]) -> Nearby {
        let mut near = Nearby {
            boxes: [([0.0; 3], [0.0; 3], 0.0); 2 * MAX_AREAS],
            n_boxes: 0,
            capsules: [[0.0; 3]; MAX_AREAS],
            n_capsules: 0,
        };
        // Areas whose centre is within range + platform half-width + drift of a falling
        // agent (~20 m) of the eye; everything in `me`'s area coordinates, other areas
        // shifted by 30 m per area of difference (the same f32 precision in every area).
        let reach = VISION_RANGE + PLATFORM_HALF + 20.0;
        let world_x = me as f32 * AREA_SPACING + eye[0];
        let lo = ((world_x - reach) / AREA_SPACING).ceil().max(0.0) as usize;
        let hi = (((world_x + reach) / AREA_SPACING).floor().max(0.0) as usize).min(bodies.len() - 1);
        for (area, other) in bodies.iter().enumerate().take(hi + 1).skip(lo).take(MAX_AREAS) {
            let shift = (area as f32 - me as f32) * AREA_SPACING;
            let [tx, tz] = other.target;
            let platform = (
                [shift - PLATFORM_HALF, -PLATFORM_THICKNESS, -PLATFORM_HALF],
                [shift + PLATFORM_HALF, 0.0, PLATFORM_HALF],
                CODE_FLOOR,
            );
            let cube = (
                [shift + tx - CUBE_HALF, 0.0, tz - CUBE_HALF],
                [shift + tx + CUBE_HALF, 2.0 * CUBE_HALF, tz + CUBE_HALF],
                CODE_TARGET,
            );
            for b in [platform, cube] {
                if xz_distance_to_box(eye, b.0, b.1) <= VISION_RANGE {
                    near.boxes[near.n_boxes] = b;
                    near.n_boxes += 1;
                }
            }
            let p = other.pos;
            let (dx, dz) = (shift + p[0] - eye[0], p[2] - eye[2]);
            if area != me && dx.hypot(dz) <= VISION_RANGE + CAPSULE_RADIUS {
                near.capsules[near.n_capsules] = [shift + p[0], p[1] + CAPSULE_RADIUS, p[2]];
                near.n_capsules += 1;
            }
        }
        near
    }
}

/// Casts the whole grid for `bodies[me]` into `out` (row-major, top row first).
pub(crate) fn cast(table: &RayTable, bodies: &[Body], me: usize, out: &mut [f32; VISION_ROWS * VISION_COLS]) {
    let b = &bodies[me];
    let eye = [b.pos[0], b.pos[1] + EYE_HEIGHT, b.pos[2]];
    let near = Nearby::gather(bodies, me, eye);
    let boxes = &near.boxes[..near.n_boxes];
    let capsules = &near.capsules[..near.n_capsules];
    let (sy, cy) = b.yaw.sin_cos();
    for (slot, k) in out.iter_mut().zip(table.rays.iter()) {
        let ray = Ray::new(eye, [sy * k[0] + cy * k[1], k[2], cy * k[0] - sy * k[1]]);
        let mut best = VISION_RANGE;
        let mut code = CODE_NOTHING;
        for &(lo, hi, c) in boxes {
            if let Some(t) = ray_aabb(&ray, lo, hi, best) {
                // Ties (a ray grazing the cube's bottom edge on the floor) go to the later
                // shape, the cube: it sits on the platform.
                if t <= best {
                    best = t;
                    code = c;
                }
            }
        }
        for &base in capsules {
            if let Some(t) = ray_vertical_capsule(&ray, base, 2.0 - 2.0 * CAPSULE_RADIUS, CAPSULE_RADIUS, best) {
                if t < best {
                    best = t;
                    code = CODE_AGENT;
                }
            }
        }
        *slot = code;
    }
}
