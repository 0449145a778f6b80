//! Camera streams of a recording turned into mp4 videos with `ffmpeg`.

use super::{Dataset, RecordError};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether `ffmpeg` can be run.
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .arg("-version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Makes `<episode>/<camera>.mp4` from every camera's frames of the recording in `dir`, at
/// `fps` frames per second (H.264 when ffmpeg has it, 4:2:0, odd sizes padded by one
/// pixel). Returns the videos made. Fails with [`RecordError::FfmpegMissing`] when ffmpeg
/// is not installed.
pub fn make_videos(dir: impl AsRef<Path>, fps: f64) -> Result<Vec<PathBuf>, RecordError> {
    if !ffmpeg_available() {
        return Err(RecordError::FfmpegMissing);
    }
    let ds = Dataset::open(dir.as_ref())?;
    let mut made = Vec::new();
    for (entry, em) in ds.episodes().into_iter().zip(ds.manifest().agents.iter().flat_map(|a| &a.episodes)) {
        for cam in em.fields.iter().filter_map(|f| f.camera.as_ref()) {
            let frames = entry.dir.join(cam);
            if !frames.join("000000.png").exists() {
                continue;
            }
            let out = entry.dir.join(format!("{cam}.mp4"));
            let result = Command::new("ffmpeg")
                .args(["-y", "-loglevel", "error", "-framerate", &fps.to_string(), "-i"])
                .arg(frames.join("%06d.png"))
                .args(["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-pix_fmt", "yuv420p"])
                .arg(&out)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| RecordError::Ffmpeg { path: out.clone(), reason: e.to_string() })?;
            if !result.status.success() {
                let text = String::from_utf8_lossy(&result.stderr);
                let tail: Vec<&str> = text.lines().rev().take(5).collect();
                return Err(RecordError::Ffmpeg {
                    path: out,
                    reason: format!("{}: {}", result.status, tail.into_iter().rev().collect::<Vec<_>>().join(" | ")),
                });
            }
            made.push(out);
        }
    }
    Ok(made)
}
