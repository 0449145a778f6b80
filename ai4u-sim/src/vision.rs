//! The 10 x 10 ray-cast "vision" of `docs/SAMPLESCENE.md`: rays from the agent's eye, one
//! per (row, column), coded by the first thing they hit within [`VISION_RANGE`].

use crate::geom::{ray_aabb, ray_vertical_capsule, Ray};
use crate::sample::{
    Body, AREA_SPACING, CAPSULE_RADIUS, CUBE_HALF, EYE_HEIGHT, PLATFORM_HALF, PLATFORM_THICKNESS,
};

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
/// Vision code: a target cube.
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

/// Casts the whole grid for `bodies[me]` into `out` (row-major, top row first).
///
/// Only areas that a 15 m ray from the eye can reach are considered (at most three with
/// 30 m spacing), so the cost does not grow with the number of agents.
pub(crate) fn cast(
    table: &RayTable,
    bodies: &[Body],
    me: usize,
    out: &mut [f32; VISION_ROWS * VISION_COLS],
) {
    let b = &bodies[me];
    let eye = [b.pos[0], b.pos[1] + EYE_HEIGHT, b.pos[2]];
    // Everything below is in `me`'s area coordinates; other areas are shifted by 30 m per
    // area of difference, which keeps f32 precision the same in every area.
    let reach = VISION_RANGE + PLATFORM_HALF + 20.0; // a fallen agent may drift ~20 m out
    let lo = ((me as f32 * AREA_SPACING + eye[0] - reach) / AREA_SPACING)
        .ceil()
        .max(0.0) as usize;
    let hi = (((me as f32 * AREA_SPACING + eye[0] + reach) / AREA_SPACING).floor() as usize)
        .min(bodies.len() - 1);
    let (sy, cy) = b.yaw.sin_cos();
    for (slot, k) in out.iter_mut().zip(table.rays.iter()) {
        let ray = Ray {
            origin: eye,
            dir: [sy * k[0] + cy * k[1], k[2], cy * k[0] - sy * k[1]],
        };
        let mut best = VISION_RANGE;
        let mut code = CODE_NOTHING;
        for (area, other) in bodies.iter().enumerate().take(hi + 1).skip(lo) {
            let shift = (area as f32 - me as f32) * AREA_SPACING;
            let platform_lo = [shift - PLATFORM_HALF, -PLATFORM_THICKNESS, -PLATFORM_HALF];
            let platform_hi = [shift + PLATFORM_HALF, 0.0, PLATFORM_HALF];
            if let Some(t) = ray_aabb(&ray, platform_lo, platform_hi, best) {
                if t < best {
                    best = t;
                    code = CODE_FLOOR;
                }
            }
            let [tx, tz] = other.target;
            let cube_lo = [shift + tx - CUBE_HALF, 0.0, tz - CUBE_HALF];
            let cube_hi = [shift + tx + CUBE_HALF, 2.0 * CUBE_HALF, tz + CUBE_HALF];
            if let Some(t) = ray_aabb(&ray, cube_lo, cube_hi, best) {
                if t < best {
                    best = t;
                    code = CODE_TARGET;
                }
            }
            if area != me {
                let p = other.pos;
                let base = [shift + p[0], p[1] + CAPSULE_RADIUS, p[2]];
                if let Some(t) = ray_vertical_capsule(
                    &ray,
                    base,
                    2.0 - 2.0 * CAPSULE_RADIUS,
                    CAPSULE_RADIUS,
                    best,
                ) {
                    if t < best {
                        best = t;
                        code = CODE_AGENT;
                    }
                }
            }
        }
        *slot = code;
    }
}
