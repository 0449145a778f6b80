//! Analytic ray queries against the few primitive shapes the scenes are made of. Everything
//! is `f32` and allocation-free: these run 100 times per observation.

/// A ray: origin, unit direction and the direction's reciprocal (shared by every box test).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ray {
    pub origin: [f32; 3],
    pub dir: [f32; 3],
    inv: [f32; 3],
}

impl Ray {
    pub(crate) fn new(origin: [f32; 3], dir: [f32; 3]) -> Ray {
        Ray { origin, dir, inv: dir.map(|d| 1.0 / d) }
    }
}

/// Distance along `ray` to where it enters the box `[lo, hi]`, if it does so within
/// `max_t`. A ray starting inside the box hits it at 0.
pub(crate) fn ray_aabb(ray: &Ray, lo: [f32; 3], hi: [f32; 3], max_t: f32) -> Option<f32> {
    let mut t0 = 0.0f32;
    let mut t1 = max_t;
    for axis in 0..3 {
        let o = ray.origin[axis];
        let inv = ray.inv[axis];
        if !inv.is_finite() || ray.dir[axis].abs() < 1e-12 {
            // Parallel to this slab: either always inside it or never. Handled apart
            // because 0 * inf is NaN in the general formula.
            if o < lo[axis] || o > hi[axis] {
                return None;
            }
            continue;
        }
        let (mut a, mut b) = ((lo[axis] - o) * inv, (hi[axis] - o) * inv);
        if a > b {
            std::mem::swap(&mut a, &mut b);
        }
        t0 = t0.max(a);
        t1 = t1.min(b);
        if t0 > t1 {
            return None;
        }
    }
    Some(t0)
}

/// Horizontal (XZ) distance from `p` to the box `[lo, hi]`; 0 above or inside it.
pub(crate) fn xz_distance_to_box(p: [f32; 3], lo: [f32; 3], hi: [f32; 3]) -> f32 {
    let dx = (lo[0] - p[0]).max(p[0] - hi[0]).max(0.0);
    let dz = (lo[2] - p[2]).max(p[2] - hi[2]).max(0.0);
    dx.hypot(dz)
}

/// Distance along `ray` to a vertical capsule whose axis runs from `base` up by `length`
/// (sphere centres at both ends) with radius `radius`, if hit from outside within `max_t`.
///
/// The cylinder body is solved in the XZ plane (the axis is vertical), then the hit is
/// clamped to the axis segment and re-solved against the nearer end sphere, which is the
/// usual closed form for capsules.
pub(crate) fn ray_vertical_capsule(ray: &Ray, base: [f32; 3], length: f32, radius: f32, max_t: f32) -> Option<f32> {
    let [ox, oy, oz] = [ray.origin[0] - base[0], ray.origin[1] - base[1], ray.origin[2] - base[2]];
    let [dx, dy, dz] = ray.dir;
    let r2 = radius * radius;
    // Body: |(o + t d)_xz|^2 = r^2.
    let a = dx * dx + dz * dz;
    if a > 1e-12 {
        let b = ox * dx + oz * dz;
        let c = ox * ox + oz * oz - r2;
        let h = b * b - a * c;
        if h < 0.0 {
            // The infinite cylinder is missed, so are the caps (they lie inside it).
            return None;
        }
        let t = (-b - h.sqrt()) / a;
        let y = oy + t * dy;
        if (0.0..=length).contains(&y) {
            return (t >= 0.0 && t <= max_t).then_some(t);
        }
    }
    // Caps: outside the body's span the first hit, if any, is on one of the end spheres.
    // Testing both and keeping the nearest forward hit is two cheap quadratics and avoids
    // the corner cases of picking the right cap up front.
    let mut best = f32::INFINITY;
    for end in [0.0, length] {
        let (px, py, pz) = (ox, oy - end, oz);
        let b = px * dx + py * dy + pz * dz;
        let c = px * px + py * py + pz * pz - r2;
        let h = b * b - c;
        if h >= 0.0 {
            let t = -b - h.sqrt();
            if t >= 0.0 && t < best {
                best = t;
            }
        }
    }
    (best <= max_t).then_some(best)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ray(o: [f32; 3], d: [f32; 3]) -> Ray {
        let n = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt();
        Ray::new(o, [d[0] / n, d[1] / n, d[2] / n])
    }

    #[test]
    fn aabb_front_hit_miss_and_inside() {
        let r = ray([0.0, 0.5, -5.0], [0.0, 0.0, 1.0]);
        let t = ray_aabb(&r, [-0.5, 0.0, -0.5], [0.5, 1.0, 0.5], 15.0).unwrap();
        assert!((t - 4.5).abs() < 1e-5);
        assert!(ray_aabb(&r, [-0.5, 0.0, -0.5], [0.5, 1.0, 0.5], 4.0).is_none());
        let up = ray([0.0, 2.0, -5.0], [0.0, 0.0, 1.0]);
        assert!(ray_aabb(&up, [-0.5, 0.0, -0.5], [0.5, 1.0, 0.5], 15.0).is_none());
        let inside = ray([0.0, 0.5, 0.0], [1.0, 0.0, 0.0]);
        assert_eq!(ray_aabb(&inside, [-0.5, 0.0, -0.5], [0.5, 1.0, 0.5], 15.0), Some(0.0));
        let behind = ray([0.0, 0.5, 5.0], [0.0, 0.0, 1.0]);
        assert!(ray_aabb(&behind, [-0.5, 0.0, -0.5], [0.5, 1.0, 0.5], 15.0).is_none());
    }

    #[test]
    fn capsule_body_and_caps() {
        // Capsule axis from y=0.5 to y=1.5 at the origin, radius 0.5.
        let base = [0.0, 0.5, 0.0];
        let body = ray([-5.0, 1.0, 0.0], [1.0, 0.0, 0.0]);
        assert!((ray_vertical_capsule(&body, base, 1.0, 0.5, 15.0).unwrap() - 4.5).abs() < 1e-5);
        // Through the top sphere, above the body: y = 1.8 hits the sphere at x = -0.4.
        let top = ray([-5.0, 1.8, 0.0], [1.0, 0.0, 0.0]);
        assert!((ray_vertical_capsule(&top, base, 1.0, 0.5, 15.0).unwrap() - 4.6).abs() < 1e-4);
        let bottom = ray([-5.0, 0.2, 0.0], [1.0, 0.0, 0.0]);
        assert!((ray_vertical_capsule(&bottom, base, 1.0, 0.5, 15.0).unwrap() - 4.6).abs() < 1e-4);
        let over = ray([-5.0, 2.1, 0.0], [1.0, 0.0, 0.0]);
        assert!(ray_vertical_capsule(&over, base, 1.0, 0.5, 15.0).is_none());
        let beside = ray([-5.0, 1.0, 0.6], [1.0, 0.0, 0.0]);
        assert!(ray_vertical_capsule(&beside, base, 1.0, 0.5, 15.0).is_none());
        // Straight down onto the top: a vertical ray only meets the caps.
        let down = ray([0.0, 5.0, 0.0], [0.0, -1.0, 0.0]);
        assert!((ray_vertical_capsule(&down, base, 1.0, 0.5, 15.0).unwrap() - 3.0).abs() < 1e-5);
        // Slanted ray from above hitting the top sphere first.
        let slant = ray([-2.0, 4.0, 0.0], [1.0, -1.0, 0.0]);
        let t = ray_vertical_capsule(&slant, base, 1.0, 0.5, 15.0).unwrap();
        let p = [-2.0 + t * slant.dir[0], 4.0 + t * slant.dir[1]];
        let d = ((p[0]).powi(2) + (p[1] - 1.5).powi(2)).sqrt();
        assert!((d - 0.5).abs() < 1e-4, "hit point {p:?} is on the top sphere");
    }
}
