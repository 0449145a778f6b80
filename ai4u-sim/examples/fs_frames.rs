//! Writes the docs' pictures of the headless track camera:
//! `cargo run --release -p ai4u-sim --example fs_frames [-- OUT_DIR [SEED]]` (default
//! `docs/img`, seed 3). The scripted driver takes the car some way into an autocross lap,
//! then the camera at the driver's eye renders one 640x480 RGB frame
//! (`fs_track_mono.png`) and a 640x480 stereo pair 0.12 m apart (`fs_track_left.png`,
//! `fs_track_right.png`, and both side by side in `fs_track_stereo.png`).

use ai4u_controllers::fs_track::PurePursuit;
use ai4u_core::engine::Scene;
use ai4u_sim::fstrack::{TrackKind, DEFAULT_BASELINE, PATH_POINTS};
use ai4u_sim::render::{Camera, CameraSpec, StereoCamera};
use ai4u_sim::{FsTrackConfig, FsTrackScene};
use std::error::Error;
use std::path::{Path, PathBuf};

fn write_png(path: &Path, width: u32, height: u32, rgb: &[u8]) -> Result<(), Box<dyn Error>> {
    let file = std::fs::File::create(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(rgb)?;
    println!("wrote {}", path.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "docs/img".into()));
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(3);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;

    let mut scene = FsTrackScene::new(FsTrackConfig { track: TrackKind::Autocross, seed, ..FsTrackConfig::default() })?;
    let pilot = PurePursuit::default();
    // Drive about 40 m in, so the frame shows a bend of cones ahead rather than the start.
    while scene.telemetry(0).progress < 40.0 && !scene.is_done(0) {
        let path = scene.path(0);
        let action = pilot.decide(&path[..PATH_POINTS], scene.telemetry(0).speed);
        for _ in 0..4 {
            scene.set_action(0, action);
            scene.step_physics();
        }
    }
    let eye = scene.eye(0);
    let spec = CameraSpec { width: 640, height: 480, ..CameraSpec::default() };
    let mono = Camera::new(spec)?.render_image(scene.world(0), &eye);
    write_png(&out.join("fs_track_mono.png"), 640, 480, &mono.data)?;
    let (l, r) = StereoCamera::new(spec, DEFAULT_BASELINE)?.render_images(scene.world(0), &eye);
    write_png(&out.join("fs_track_left.png"), 640, 480, &l.data)?;
    write_png(&out.join("fs_track_right.png"), 640, 480, &r.data)?;
    // Side by side with a 8 px white gutter.
    let (w, gap) = (640usize, 8usize);
    let mut both = Vec::with_capacity((2 * w + gap) * 480 * 3);
    for row in 0..480 {
        both.extend_from_slice(&l.data[row * w * 3..(row + 1) * w * 3]);
        both.extend(std::iter::repeat(255u8).take(gap * 3));
        both.extend_from_slice(&r.data[row * w * 3..(row + 1) * w * 3]);
    }
    write_png(&out.join("fs_track_stereo.png"), (2 * w + gap) as u32, 480, &both)?;
    Ok(())
}
