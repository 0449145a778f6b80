//! `ai4u record`: `serve` with every reset and step recorded by the library's
//! [`Recorder`] (a PNG per camera and step, a CSV row per step, a manifest), a progress
//! bar, and `--video` mp4s made with ffmpeg afterwards. Ctrl-C ends the run as in `serve`;
//! the recorder then writes what is queued and closes the files, so they stay valid.

use crate::drive::Tap;
use crate::ServeArgs;
use ai4u_appserver::record::{self, AgentRecorder, RecordError, RecordOptions, Recorder, Status};
use ai4u_appserver::{ControllerHandle, Info, StepResult};
use ai4u_core::spaces::Sample;
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(clap::Args)]
pub struct RecordArgs {
    /// The folder to record into (created; must not hold a recording already).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// After recording, turn each camera's frames into `<camera>.mp4` in its episode folder
    /// (needs ffmpeg: `apt-get install ffmpeg`).
    #[arg(long)]
    video: bool,
    /// Frames per second of the --video files.
    #[arg(long, default_value_t = 30.0)]
    fps: f64,
    /// Steps the recorder may be behind before a step waits for the disk.
    #[arg(long, default_value_t = 64)]
    queue: usize,
    /// PNG compression: fast (default), none (bigger files, least CPU), best (smallest, slowest).
    #[arg(long, value_enum, default_value = "fast")]
    png: PngCompression,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum PngCompression {
    Fast,
    None,
    Best,
}

/// Records each agent through its own [`AgentRecorder`], made at its first reset.
struct RecordTap<'a> {
    recorder: &'a Recorder,
    agents: Mutex<HashMap<String, AgentRecorder>>,
    bar: indicatif::ProgressBar,
}

impl RecordTap<'_> {
    fn with<T>(
        &self,
        handle: &ControllerHandle,
        f: impl FnOnce(&mut AgentRecorder) -> Result<T, RecordError>,
    ) -> Result<T> {
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        let rec = match agents.entry(handle.id().to_owned()) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(self.recorder.agent(handle.id(), handle.action_space(), handle.observation_space())?)
            }
        };
        Ok(f(rec)?)
    }

    fn show(&self) {
        let s = self.recorder.stats();
        let waits =
            if s.full_waits > 0 { format!(", waited for the disk {} times", s.full_waits) } else { String::new() };
        self.bar.set_message(format!("{} steps, {} frames written, queue {}{waits}", s.steps, s.frames, s.queued));
    }
}

impl Tap for RecordTap<'_> {
    fn reset(&self, handle: &ControllerHandle, obs: &Sample, info: &Info) -> Result<()> {
        self.with(handle, |r| r.reset(obs, info))?;
        self.show();
        Ok(())
    }

    fn step(&self, handle: &ControllerHandle, action: &Sample, result: &StepResult) -> Result<()> {
        self.with(handle, |r| r.step(action, result))?;
        if result.ended() {
            self.bar.inc(1);
        }
        self.show();
        Ok(())
    }

    fn interrupted(&self, handle: &ControllerHandle) {
        let mut agents = self.agents.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(r) = agents.get_mut(handle.id()) {
            let _ = r.interrupt();
        }
    }
}

pub fn run(args: RecordArgs) -> Result<bool> {
    if args.video && !record::ffmpeg_available() {
        // Said before recording, not after a long run that cannot end as asked.
        return Err(RecordError::FfmpegMissing.into());
    }
    // Before any engine is waited for: an unwritable folder is refused at once.
    let compression = match args.png {
        PngCompression::Fast => record::Compression::Fast,
        PngCompression::None => record::Compression::NoCompression,
        PngCompression::Best => record::Compression::High,
    };
    let options = RecordOptions { queue: args.queue, compression, ..RecordOptions::default() };
    let recorder = Recorder::with_options(&args.out, options)?;
    println!("ai4u: recording into {}", args.out.display());
    let agents = args.serve.ids.len() * if args.serve.engine.is_some() { args.serve.instances.max(1) } else { 1 };
    let bar = if args.serve.episodes > 0 {
        indicatif::ProgressBar::new(args.serve.episodes as u64 * agents as u64).with_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} episodes, {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        )
    } else {
        indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos} episodes, {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        )
    };
    let tap = RecordTap { recorder: &recorder, agents: Mutex::new(HashMap::new()), bar };
    let served = crate::serve_with(args.serve, Some(&tap));
    tap.bar.finish();
    // Dropping the agents' recorders closes their running episodes as interrupted.
    drop(tap);
    let stats = recorder.stats();
    let finished = recorder.finish();
    let status = record::Dataset::open(&args.out).map(|d| d.manifest().status).ok();
    println!(
        "ai4u: recorded {} rows and {} frames into {} ({})",
        stats.rows.max(finished.as_ref().map_or(0, |s| s.rows)),
        finished.as_ref().map_or(stats.frames, |s| s.frames),
        args.out.display(),
        match status {
            Some(Status::Complete) => "complete",
            Some(Status::Interrupted) => "interrupted: episodes cut short are marked so in manifest.json",
            Some(Status::Failed) => "failed",
            _ => "unknown",
        }
    );
    if let Ok(s) = &finished {
        if s.full_waits > 0 {
            println!("ai4u: steps waited for the disk {} times (queue of {})", s.full_waits, args.queue);
        }
    }
    let served = served?;
    finished.with_context(|| format!("recording into {}", args.out.display()))?;
    if args.video {
        let videos = record::make_videos(&args.out, args.fps)?;
        for v in &videos {
            println!("ai4u: video {}", v.display());
        }
        if videos.is_empty() {
            println!("ai4u: no camera frames were recorded, so no video was made");
        }
    }
    Ok(served)
}
