//! A headless camera: a flat-shaded ray caster of a world made of a ground plane, boxes and
//! cones, seen from an eye at a position, yaw and pitch with a horizontal field of view.
//!
//! Frames come out as raw HWC bytes (RGB, or one grey channel), top row first, exactly what
//! an `Image` value of kind image carries. Conventions are the SampleScene's: +Y up, yaw 0
//! faces +Z and grows to the right, `forward = (sin yaw, 0, cos yaw)`,
//! `right = (cos yaw, 0, -sin yaw)`; pitch > 0 looks up.
//!
//! Speed comes from not testing every shape for every pixel: the ground and sky are solved
//! once per row (a ray's height slope depends only on its row), and each shape is ray-tested
//! only inside its projected screen rectangle against a depth buffer, so a frame costs about
//! one pass over the pixels plus the pixels the shapes cover. Buffers live in the [`Camera`]
//! and are reused; nothing is allocated per pixel or per frame once `out` has its capacity.
//!
//! ```
//! use ai4u_sim::render::{BoxShape, Camera, CameraSpec, Pose, StereoCamera, World};
//!
//! // A red cube 5 m ahead of an eye 0.5 m above the ground.
//! let world = World {
//!     boxes: vec![BoxShape { lo: [-0.5, 0.0, 4.5], hi: [0.5, 1.0, 5.5], color: [220, 30, 30] }],
//!     ..World::default()
//! };
//! let eye = Pose { eye: [0.0, 0.5, 0.0], yaw: 0.0, pitch: 0.0 };
//! let mut camera = Camera::new(CameraSpec { width: 84, height: 84, fov_deg: 90.0, gray: false }).unwrap();
//! let frame = camera.render_image(&world, &eye);
//! let centre = &frame.data[(42 * 84 + 42) * 3..][..3];
//! assert!(centre[0] > 150 && centre[1] < 60);
//!
//! let mut pair = StereoCamera::new(CameraSpec::default(), 0.12).unwrap();
//! let (left, right) = pair.render_images(&world, &eye);
//! assert_ne!(left.data, right.data);
//! ```

use ai4u_core::value::{Image, ImageEncoding, PixelType};

/// An RGB colour.
pub type Rgb = [u8; 3];

/// Smallest accepted frame side (pixels).
pub const MIN_SIDE: u32 = 8;
/// Largest accepted frame side (pixels): bounds the buffers a configuration can ask for.
pub const MAX_SIDE: u32 = 2048;

/// Why a camera could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RenderError {
    /// Width or height outside [`MIN_SIDE`]..=[`MAX_SIDE`].
    #[error("camera size {width}x{height} is out of range: each side must be {MIN_SIDE}..={MAX_SIDE} pixels")]
    Size {
        /// The width asked for.
        width: u32,
        /// The height asked for.
        height: u32,
    },
    /// Field of view not strictly between 1° and 170°.
    #[error("camera field of view {0}° is out of range: it must be between 1 and 170 degrees")]
    Fov(f32),
    /// A stereo baseline that is negative, NaN or over 10 m.
    #[error("stereo baseline {0} m is out of range: it must be 0..=10 metres")]
    Baseline(f32),
    /// A size written as text that is not `WxH`.
    #[error("camera size `{0}` is not WIDTHxHEIGHT (for example 84x84)")]
    SizeText(String),
}

/// What a camera produces: size, horizontal field of view, colour or grey.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraSpec {
    /// Pixels per row.
    pub width: u32,
    /// Rows.
    pub height: u32,
    /// Horizontal field of view in degrees; the vertical one follows from the aspect ratio.
    pub fov_deg: f32,
    /// One grey channel (luma) instead of RGB.
    pub gray: bool,
}

impl Default for CameraSpec {
    fn default() -> Self {
        CameraSpec { width: 84, height: 84, fov_deg: 90.0, gray: false }
    }
}

impl CameraSpec {
    /// Channels per pixel: 1 grey, 3 RGB.
    pub fn channels(&self) -> u32 {
        if self.gray {
            1
        } else {
            3
        }
    }

    /// The frame's shape as an input declares it: `[height, width, channels]` (HWC).
    pub fn shape(&self) -> Vec<u32> {
        vec![self.height, self.width, self.channels()]
    }

    /// Bytes in one frame.
    pub fn frame_len(&self) -> usize {
        self.width as usize * self.height as usize * self.channels() as usize
    }

    /// Checks size and field of view.
    pub fn validate(&self) -> Result<(), RenderError> {
        let side = MIN_SIDE..=MAX_SIDE;
        if !side.contains(&self.width) || !side.contains(&self.height) {
            return Err(RenderError::Size { width: self.width, height: self.height });
        }
        if !(self.fov_deg > 1.0 && self.fov_deg < 170.0) {
            return Err(RenderError::Fov(self.fov_deg));
        }
        Ok(())
    }

    /// Reads `WxH` (for example `84x84`, `640x480`).
    pub fn parse_size(text: &str) -> Result<(u32, u32), RenderError> {
        let bad = || RenderError::SizeText(text.to_owned());
        let (w, h) = text.split_once(['x', 'X']).ok_or_else(bad)?;
        Ok((w.trim().parse().map_err(|_| bad())?, h.trim().parse().map_err(|_| bad())?))
    }
}

/// Where a camera is and where it looks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// The eye (optical centre).
    pub eye: [f32; 3],
    /// Heading in radians; 0 faces +Z, positive turns right.
    pub yaw: f32,
    /// Elevation in radians; positive looks up.
    pub pitch: f32,
}

/// An axis-aligned box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoxShape {
    /// Lowest corner.
    pub lo: [f32; 3],
    /// Highest corner.
    pub hi: [f32; 3],
    /// Colour of its faces before shading.
    pub color: Rgb,
}

/// An upright cone standing on its base, with an optional band of another colour (traffic
/// cones: blue with a white band, yellow with a black one).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConeShape {
    /// Centre of the base.
    pub base: [f32; 3],
    /// Radius of the base.
    pub radius: f32,
    /// Height from base to apex.
    pub height: f32,
    /// Main colour.
    pub color: Rgb,
    /// Colour of the band between 35 % and 60 % of the height, if any.
    pub band: Option<Rgb>,
}

/// A coarse colour map laid on the ground (track surface, markings): cell `(i, k)` covers
/// `x ∈ [x0 + i·cell, x0 + (i+1)·cell)`, `z ∈ [z0 + k·cell, ...)`; its byte indexes `palette`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroundMap {
    /// World x of the map's first column.
    pub x0: f32,
    /// World z of the map's first row.
    pub z0: f32,
    /// Side of a cell (m).
    pub cell: f32,
    /// Cells along x.
    pub cols: usize,
    /// Cells along z.
    pub rows: usize,
    /// `rows * cols` palette indices, row `k` (z) major.
    pub cells: Vec<u8>,
    /// Colours the cells refer to; an index past the end reads as the ground colour.
    pub palette: Vec<Rgb>,
}

/// Everything a camera can see.
#[derive(Debug, Clone, PartialEq)]
pub struct World {
    /// Sky colour at the horizon (higher up it darkens slightly); also the fog colour.
    pub sky: Rgb,
    /// The plane y = 0 and its colour, or `None` for no ground.
    pub ground: Option<Rgb>,
    /// Colours painted on the ground, over `ground`.
    pub ground_map: Option<GroundMap>,
    /// Boxes.
    pub boxes: Vec<BoxShape>,
    /// Cones.
    pub cones: Vec<ConeShape>,
    /// Distance (m) at which everything has faded into the sky colour; shapes farther than
    /// this are not drawn.
    pub range: f32,
}

impl Default for World {
    fn default() -> Self {
        World {
            sky: [170, 200, 235],
            ground: Some([90, 140, 70]),
            ground_map: None,
            boxes: Vec::new(),
            cones: Vec::new(),
            range: 100.0,
        }
    }
}

/// The camera's axes in world coordinates.
#[derive(Debug, Clone, Copy)]
struct Basis {
    eye: [f32; 3],
    f: [f32; 3],
    r: [f32; 3],
    u: [f32; 3],
}

impl Basis {
    fn new(pose: &Pose) -> Basis {
        let (sy, cy) = pose.yaw.sin_cos();
        let (sp, cp) = pose.pitch.sin_cos();
        Basis { eye: pose.eye, f: [sy * cp, sp, cy * cp], r: [cy, 0.0, -sy], u: [-sy * sp, cp, -cy * sp] }
    }

    #[inline]
    fn dir(&self, x: f32, y: f32) -> [f32; 3] {
        let Basis { f, r, u, .. } = self;
        [f[0] + x * r[0] + y * u[0], f[1] + y * u[1], f[2] + x * r[2] + y * u[2]]
    }
}

const NEAR: f32 = 0.05;
/// Direction of the sunlight (towards the sun), normalised at use.
const LIGHT: [f32; 3] = [-0.35, 0.85, -0.4];

fn light() -> [f32; 3] {
    let n = (LIGHT[0] * LIGHT[0] + LIGHT[1] * LIGHT[1] + LIGHT[2] * LIGHT[2]).sqrt();
    LIGHT.map(|c| c / n)
}

#[inline]
fn shade(c: Rgb, k: f32) -> Rgb {
    c.map(|v| (v as f32 * k).min(255.0) as u8)
}

#[inline]
fn fog(c: Rgb, sky: Rgb, k: f32) -> Rgb {
    let k = k.clamp(0.0, 1.0);
    [0, 1, 2].map(|i| (c[i] as f32 + (sky[i] as f32 - c[i] as f32) * k) as u8)
}

#[inline]
fn put(out: &mut [u8], gray: bool, px: usize, c: Rgb) {
    if gray {
        // ITU-R BT.601 luma in fixed point.
        out[px] = ((77 * c[0] as u32 + 150 * c[1] as u32 + 29 * c[2] as u32) >> 8) as u8;
    } else {
        out[px * 3..px * 3 + 3].copy_from_slice(&c);
    }
}

/// One camera and its reusable buffers. Render with [`Camera::render`].
#[derive(Debug, Clone)]
pub struct Camera {
    spec: CameraSpec,
    /// Per column / per row offsets of the pixel centres on the image plane at distance 1.
    xs: Vec<f32>,
    ys: Vec<f32>,
    tan_x: f32,
    tan_y: f32,
    /// Distance along the forward axis of what each pixel shows (infinite for sky).
    depth: Vec<f32>,
    /// The ground map's palette, shaded and fogged for the row being drawn.
    row_palette: Vec<Rgb>,
    light: [f32; 3],
}

impl Camera {
    /// A camera of `spec`, its buffers allocated once.
    pub fn new(spec: CameraSpec) -> Result<Camera, RenderError> {
        spec.validate()?;
        let (w, h) = (spec.width as usize, spec.height as usize);
        let tan_x = (spec.fov_deg.to_radians() / 2.0).tan();
        let tan_y = tan_x * h as f32 / w as f32;
        let xs = (0..w).map(|j| ((j as f32 + 0.5) / w as f32 * 2.0 - 1.0) * tan_x).collect();
        let ys = (0..h).map(|i| (1.0 - (i as f32 + 0.5) / h as f32 * 2.0) * tan_y).collect();
        Ok(Camera {
            spec,
            xs,
            ys,
            tan_x,
            tan_y,
            depth: vec![f32::INFINITY; w * h],
            row_palette: Vec::new(),
            light: light(),
        })
    }

    /// What this camera produces.
    pub fn spec(&self) -> CameraSpec {
        self.spec
    }

    /// Renders `world` from `pose` into `out`, which is resized to exactly one frame
    /// ([`CameraSpec::frame_len`] bytes, HWC, top row first).
    pub fn render(&mut self, world: &World, pose: &Pose, out: &mut Vec<u8>) {
        out.resize(self.spec.frame_len(), 0);
        let b = Basis::new(pose);
        self.background(world, &b, out);
        for shape in &world.boxes {
            self.draw_box(world, &b, shape, out);
        }
        for cone in &world.cones {
            self.draw_cone(world, &b, cone, out);
        }
    }

    /// [`Camera::render`] into a new raw u8 [`Image`].
    pub fn render_image(&mut self, world: &World, pose: &Pose) -> Image {
        let mut data = Vec::with_capacity(self.spec.frame_len());
        self.render(world, pose, &mut data);
        Image {
            width: self.spec.width,
            height: self.spec.height,
            channels: self.spec.channels(),
            pixel: PixelType::U8,
            encoding: ImageEncoding::Raw,
            data,
        }
    }

    /// Sky and ground, solved per row: the height component of a row's rays is the same for
    /// every column, so is the distance to the ground.
    fn background(&mut self, world: &World, b: &Basis, out: &mut [u8]) {
        let w = self.spec.width as usize;
        let gray = self.spec.gray;
        let top = shade(world.sky, 0.85);
        for (i, &y) in self.ys.iter().enumerate() {
            let dy = b.f[1] + y * b.u[1];
            let row = i * w..(i + 1) * w;
            let ground = world.ground.filter(|_| dy < -1e-6 && b.eye[1] > 0.0);
            let Some(gc) = ground else {
                let up = dy.clamp(0.0, 1.0);
                let c = fog(top, world.sky, 1.0 - up);
                self.depth[row.clone()].fill(f32::INFINITY);
                for px in row {
                    put(out, gray, px, c);
                }
                continue;
            };
            let t = -b.eye[1] / dy;
            self.depth[row.clone()].fill(t);
            let k = t / world.range;
            let light_k = 0.55 + 0.45 * self.light[1];
            let lit = shade(gc, light_k);
            match &world.ground_map {
                Some(map) if k < 1.0 => {
                    // The fog is the same along a row: fog the palette once per row.
                    self.row_palette.clear();
                    self.row_palette.extend(map.palette.iter().map(|&c| fog(shade(c, light_k), world.sky, k)));
                    let plain = fog(lit, world.sky, k);
                    let inv = 1.0 / map.cell;
                    // Hit points move linearly along a row: x = ax + x_j bx, z = az + x_j bz.
                    let d0 = b.dir(0.0, y);
                    let (ax, az) = ((b.eye[0] + t * d0[0] - map.x0) * inv, (b.eye[2] + t * d0[2] - map.z0) * inv);
                    let (bx, bz) = (t * b.r[0] * inv, t * b.r[2] * inv);
                    let (cols, rows) = (map.cols as f32, map.rows as f32);
                    for (px, &x) in row.zip(&self.xs) {
                        let (ci, ck) = (ax + x * bx, az + x * bz);
                        let c = if ci >= 0.0 && ck >= 0.0 && ci < cols && ck < rows {
                            let idx = map.cells[ck as usize * map.cols + ci as usize];
                            self.row_palette.get(idx as usize).copied().unwrap_or(plain)
                        } else {
                            plain
                        };
                        put(out, gray, px, c);
                    }
                }
                _ => {
                    let c = fog(lit, world.sky, k);
                    for px in row {
                        put(out, gray, px, c);
                    }
                }
            }
        }
    }

    /// The screen rectangle (columns, rows; half-open) covering `corners`, or `None` when
    /// nothing of them can be on screen. Works on the corners' bounding box in camera
    /// coordinates with its depth clipped to the near plane, so a shape beside or partly
    /// behind the eye still gets a tight rectangle rather than the whole screen.
    fn rect(&self, b: &Basis, corners: &[[f32; 3]]) -> Option<(usize, usize, usize, usize)> {
        let (w, h) = (self.spec.width as f32, self.spec.height as f32);
        let (mut lo, mut hi) = ([f32::INFINITY; 3], [f32::NEG_INFINITY; 3]);
        for p in corners {
            let v = [p[0] - b.eye[0], p[1] - b.eye[1], p[2] - b.eye[2]];
            let c = [dot(v, b.r), dot(v, b.u), dot(v, b.f)];
            for a in 0..3 {
                lo[a] = lo[a].min(c[a]);
                hi[a] = hi[a].max(c[a]);
            }
        }
        if hi[2] < NEAR {
            return None;
        }
        let z0 = lo[2].max(NEAR);
        let (mut c0, mut c1, mut r0, mut r1) = (f32::INFINITY, f32::NEG_INFINITY, f32::INFINITY, f32::NEG_INFINITY);
        for z in [z0, hi[2]] {
            for x in [lo[0], hi[0]] {
                let col = (x / z / self.tan_x + 1.0) * 0.5 * w;
                c0 = c0.min(col);
                c1 = c1.max(col);
            }
            for y in [lo[1], hi[1]] {
                let row = (1.0 - y / z / self.tan_y) * 0.5 * h;
                r0 = r0.min(row);
                r1 = r1.max(row);
            }
        }
        let clamp = |v: f32, hi: f32| v.clamp(0.0, hi) as usize;
        let (c0, c1, r0, r1) = (clamp(c0.floor(), w), clamp(c1.ceil(), w), clamp(r0.floor(), h), clamp(r1.ceil(), h));
        (c0 < c1 && r0 < r1).then_some((c0, c1, r0, r1))
    }

    fn draw_box(&mut self, world: &World, b: &Basis, s: &BoxShape, out: &mut [u8]) {
        if distance_to_box(b.eye, s.lo, s.hi) > world.range {
            return;
        }
        let (lo, hi) = (s.lo, s.hi);
        let corners: [[f32; 3]; 8] = std::array::from_fn(|k| {
            [
                if k & 1 == 0 { lo[0] } else { hi[0] },
                if k & 2 == 0 { lo[1] } else { hi[1] },
                if k & 4 == 0 { lo[2] } else { hi[2] },
            ]
        });
        let Some((c0, c1, r0, r1)) = self.rect(b, &corners) else { return };
        // Shaded colour per face (axis, side), worked out once per box.
        let faces: [[Rgb; 2]; 3] = std::array::from_fn(|axis| {
            std::array::from_fn(|side| {
                let n = if side == 0 { -self.light[axis] } else { self.light[axis] };
                shade(s.color, 0.55 + 0.45 * n.max(0.0))
            })
        });
        let w = self.spec.width as usize;
        let gray = self.spec.gray;
        let o = b.eye;
        for i in r0..r1 {
            let y = self.ys[i];
            for j in c0..c1 {
                let px = i * w + j;
                let d = b.dir(self.xs[j], y);
                let best = self.depth[px];
                let mut t0 = 0.0f32;
                let mut t1 = best;
                let mut axis_in = 3;
                let mut hit = true;
                for a in 0..3 {
                    if d[a].abs() < 1e-9 {
                        if o[a] < lo[a] || o[a] > hi[a] {
                            hit = false;
                            break;
                        }
                        continue;
                    }
                    let inv = 1.0 / d[a];
                    let (mut ta, mut tb) = ((lo[a] - o[a]) * inv, (hi[a] - o[a]) * inv);
                    if ta > tb {
                        std::mem::swap(&mut ta, &mut tb);
                    }
                    if ta > t0 {
                        t0 = ta;
                        axis_in = a;
                    }
                    t1 = t1.min(tb);
                    if t0 > t1 {
                        hit = false;
                        break;
                    }
                }
                if !hit || t0 >= best || axis_in == 3 {
                    continue; // missed, hidden, or the eye is inside the box
                }
                self.depth[px] = t0;
                // The face entered faces against the ray.
                let c = faces[axis_in][(d[axis_in] < 0.0) as usize];
                put(out, gray, px, fog(c, world.sky, t0 / world.range));
            }
        }
    }

    fn draw_cone(&mut self, world: &World, b: &Basis, s: &ConeShape, out: &mut [u8]) {
        let [bx, by, bz] = s.base;
        let (dx, dz) = (bx - b.eye[0], bz - b.eye[2]);
        if (dx * dx + dz * dz).sqrt() - s.radius > world.range {
            return;
        }
        let r = s.radius;
        let corners: [[f32; 3]; 5] = [
            [bx - r, by, bz - r],
            [bx + r, by, bz - r],
            [bx - r, by, bz + r],
            [bx + r, by, bz + r],
            [bx, by + s.height, bz],
        ];
        let Some((c0, c1, r0, r1)) = self.rect(b, &corners) else { return };
        let w = self.spec.width as usize;
        let gray = self.spec.gray;
        let k = r / s.height;
        let k2 = k * k;
        let norm = 1.0 / (1.0 + k2).sqrt();
        let wv = [b.eye[0] - bx, b.eye[1] - by, b.eye[2] - bz];
        let m = s.height - wv[1];
        let (band_lo, band_hi) = (0.35 * s.height, 0.6 * s.height);
        for i in r0..r1 {
            let y = self.ys[i];
            for j in c0..c1 {
                let px = i * w + j;
                let d = b.dir(self.xs[j], y);
                // |q_xz| = k (h - q_y) for q = w + t d, squared.
                let qa = d[0] * d[0] + d[2] * d[2] - k2 * d[1] * d[1];
                let qb = wv[0] * d[0] + wv[2] * d[2] + k2 * m * d[1];
                let qc = wv[0] * wv[0] + wv[2] * wv[2] - k2 * m * m;
                let disc = qb * qb - qa * qc;
                if disc < 0.0 || qa.abs() < 1e-12 {
                    continue;
                }
                let sq = disc.sqrt();
                let best = self.depth[px];
                let mut hit = None;
                for t in [(-qb - sq) / qa, (-qb + sq) / qa] {
                    let hy = wv[1] + t * d[1];
                    if t > NEAR && t < best && (0.0..=s.height).contains(&hy) {
                        hit = Some(match hit {
                            Some((t0, y0)) if t0 <= t => (t0, y0),
                            _ => (t, hy),
                        });
                    }
                }
                let Some((t, hy)) = hit else { continue };
                self.depth[px] = t;
                let (qx, qz) = (wv[0] + t * d[0], wv[2] + t * d[2]);
                let rho = (qx * qx + qz * qz).sqrt().max(1e-6);
                let n = [qx / rho * norm, k * norm, qz / rho * norm];
                let lit = 0.55 + 0.45 * dot(n, self.light).max(0.0);
                let base = match s.band {
                    Some(c) if hy >= band_lo && hy <= band_hi => c,
                    _ => s.color,
                };
                put(out, gray, px, fog(shade(base, lit), world.sky, t / world.range));
            }
        }
    }
}

#[inline]
fn dot(a: [f32; 3], b: [f32; 3]) -> f32 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn distance_to_box(p: [f32; 3], lo: [f32; 3], hi: [f32; 3]) -> f32 {
    let d: [f32; 3] = std::array::from_fn(|a| (lo[a] - p[a]).max(p[a] - hi[a]).max(0.0));
    dot(d, d).sqrt()
}

mod stereo;
pub use stereo::StereoCamera;

#[cfg(test)]
mod tests;
