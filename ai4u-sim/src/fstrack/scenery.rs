//! What the cameras see of a track: grass, the asphalt lane painted by a ground map, a white
//! timing line, and the cones as the rules describe them (small blue cones with a white band,
//! small yellow ones with a black band, big orange ones with a white band).

use super::track::{ConeColor, Track};
use crate::render::{ConeShape, GroundMap, World};

/// Side of a ground-map cell (m).
const CELL: f32 = 0.1;
const ASPHALT: u8 = 0;
const LINE: u8 = 1;
const GRASS: u8 = 255;

/// The cones of `track` as the cameras see them, in the track's order.
pub fn cones(track: &Track) -> Vec<ConeShape> {
    track
        .cones
        .iter()
        .map(|c| {
            let (color, band, radius, height) = match c.color {
                ConeColor::Blue => ([25, 75, 210], [240, 240, 240], 0.114, 0.325),
                ConeColor::Yellow => ([240, 200, 20], [25, 25, 25], 0.114, 0.325),
                ConeColor::Orange => ([250, 115, 20], [240, 240, 240], 0.142, 0.505),
            };
            ConeShape { base: [c.x, 0.0, c.z], radius, height, color, band: Some(band) }
        })
        .collect()
}

/// The renderable world of `track`.
pub fn world(track: &Track) -> World {
    let margin = track.half_width + 3.0;
    let (mut x0, mut z0, mut x1, mut z1) = (f32::INFINITY, f32::INFINITY, f32::NEG_INFINITY, f32::NEG_INFINITY);
    for p in &track.points {
        x0 = x0.min(p[0] - margin);
        z0 = z0.min(p[1] - margin);
        x1 = x1.max(p[0] + margin);
        z1 = z1.max(p[1] + margin);
    }
    let cols = ((x1 - x0) / CELL).ceil() as usize + 1;
    let rows = ((z1 - z0) / CELL).ceil() as usize + 1;
    let mut cells = vec![GRASS; cols * rows];
    // Stamp a disc of asphalt at every centre-line sample: cost ~ samples x disc cells,
    // instead of cells x samples for a distance test per cell.
    let r = track.half_width + 0.4;
    let mut stamp = |x: f32, z: f32, radius: f32, value: u8| {
        let (ci, ck) = (((x - x0) / CELL) as isize, ((z - z0) / CELL) as isize);
        let rc = (radius / CELL).ceil() as isize;
        for dk in -rc..=rc {
            for di in -rc..=rc {
                let (i, k) = (ci + di, ck + dk);
                if i < 0 || k < 0 || i >= cols as isize || k >= rows as isize {
                    continue;
                }
                let (cx, cz) = (x0 + (i as f32 + 0.5) * CELL, z0 + (k as f32 + 0.5) * CELL);
                if (cx - x).powi(2) + (cz - z).powi(2) <= radius * radius {
                    cells[k as usize * cols + i as usize] = value;
                }
            }
        }
    };
    for p in &track.points {
        stamp(p[0], p[1], r, ASPHALT);
    }
    // The timing line across the lane at the start (and the finish of an open course).
    let mut lines = vec![0.0f32];
    if !track.closed {
        lines.push(track.finish);
    }
    for s in lines {
        let i = ((s / super::track::SAMPLE) as usize).min(track.points.len() - 1);
        let (p, t) = (track.points[i], track.tangents[i]);
        let n = (track.half_width / 0.1) as i32;
        for k in -n..=n {
            let off = k as f32 * 0.1;
            stamp(p[0] + t[1] * off, p[1] - t[0] * off, 0.15, LINE);
        }
    }
    let cones = cones(track);
    World {
        sky: [165, 195, 230],
        ground: Some([80, 135, 60]),
        ground_map: Some(GroundMap {
            x0,
            z0,
            cell: CELL,
            cols,
            rows,
            cells,
            palette: vec![[75, 75, 80], [235, 235, 235]],
        }),
        boxes: Vec::new(),
        cones,
        range: 70.0,
    }
}
