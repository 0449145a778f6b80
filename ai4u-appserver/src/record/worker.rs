//! The recorder's background thread: owns every file of a recording, encodes the PNGs,
//! writes the CSV rows and keeps the manifest up to date.

use super::layout::{self, AgentManifest, EpisodeManifest, FieldLayout, Manifest, Status};
use super::{RecordError, Shared};
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::{Field, Image, ImageEncoding, Value};
use crossbeam_channel::{Receiver, Sender, TryRecvError};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

/// What the front end hands to the background thread.
pub(crate) enum Job {
    /// Boxed: spaces are large, and every job takes the size of the largest.
    Agent(Box<NewAgent>),
    /// `time`: seconds since the recording started, when the step was handed over.
    Reset {
        agent: usize,
        fields: Vec<Field>,
        time: f64,
    },
    Step {
        agent: usize,
        time: f64,
        action: Sample,
        fields: Vec<Field>,
        reward: f32,
        terminated: bool,
        truncated: bool,
    },
    Interrupt {
        agent: usize,
    },
    Flush(Sender<()>),
    Finish(Sender<()>),
}

/// An agent to record.
pub(crate) struct NewAgent {
    pub(crate) index: usize,
    pub(crate) id: String,
    pub(crate) action_space: Space,
    pub(crate) observation_space: Space,
}

/// A row waiting for the action that answers it.
struct Pending {
    cells: Vec<String>,
}

struct OpenEpisode {
    /// Position in the agent's manifest episodes.
    index: usize,
    dir: PathBuf,
    csv_path: PathBuf,
    csv: BufWriter<File>,
    layouts: Vec<FieldLayout>,
    step: u32,
    pending: Option<Pending>,
}

struct Agent {
    /// Position in the manifest's agents.
    index: usize,
    episode: Option<OpenEpisode>,
}

/// Threads that encode and write frames, so cameras and steps encode in parallel while the
/// worker keeps the rows in order. Bounded: when every encoder is busy the worker waits,
/// its queue fills, and then the step loop waits.
struct Pool {
    tx: Option<Sender<(PathBuf, Image)>>,
    threads: Vec<std::thread::JoinHandle<()>>,
    /// Frames handed over and not yet on disk.
    busy: Arc<(std::sync::Mutex<usize>, std::sync::Condvar)>,
}

impl Pool {
    fn new(shared: &Arc<Shared>, encoders: usize, compression: png::Compression) -> Pool {
        let (tx, rx) = crossbeam_channel::bounded::<(PathBuf, Image)>(encoders * 2);
        let busy = Arc::new((std::sync::Mutex::new(0usize), std::sync::Condvar::new()));
        let threads = (0..encoders)
            .filter_map(|i| {
                let (rx, busy, shared) = (rx.clone(), busy.clone(), shared.clone());
                std::thread::Builder::new()
                    .name(format!("ai4u-recorder-png-{i}"))
                    .spawn(move || {
                        let mut buf = Vec::new();
                        for (path, img) in rx {
                            if !shared.failed.load(Ordering::SeqCst) {
                                match write_png(&path, &img, compression, &mut buf) {
                                    Ok(()) => {
                                        shared.frames.fetch_add(1, Ordering::Relaxed);
                                    }
                                    Err(e) => shared.fail(e),
                                }
                            }
                            let (n, cv) = &*busy;
                            *n.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
                            cv.notify_all();
                        }
                    })
                    .ok()
            })
            .collect::<Vec<_>>();
        let tx = (!threads.is_empty()).then_some(tx);
        Pool { tx, threads, busy }
    }

    /// Hands a frame over; `Err` gives it back when there are no encoder threads.
    fn submit(&self, path: PathBuf, img: Image) -> Result<(), (PathBuf, Image)> {
        let Some(tx) = &self.tx else { return Err((path, img)) };
        *self.busy.0.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        tx.send((path, img)).map_err(|e| {
            *self.busy.0.lock().unwrap_or_else(|p| p.into_inner()) -= 1;
            e.into_inner()
        })
    }

    /// Waits until every frame handed over is on disk (or failed).
    fn wait_idle(&self) {
        let (n, cv) = &*self.busy;
        let mut n = n.lock().unwrap_or_else(|p| p.into_inner());
        while *n > 0 {
            n = cv.wait(n).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn stop(&mut self) {
        self.tx = None;
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

pub(crate) struct Worker {
    shared: Arc<Shared>,
    manifest: Manifest,
    compression: png::Compression,
    pool: Pool,
    /// By the front end's agent index.
    agents: Vec<Option<Agent>>,
    failed: bool,
    png: Vec<u8>,
}

impl Worker {
    pub(crate) fn new(
        shared: Arc<Shared>,
        manifest: Manifest,
        compression: png::Compression,
        encoders: usize,
    ) -> Worker {
        let pool = Pool::new(&shared, encoders, compression);
        Worker { shared, manifest, compression, pool, agents: Vec::new(), failed: false, png: Vec::new() }
    }

    pub(crate) fn run(mut self, rx: Receiver<Job>) {
        loop {
            let job = match rx.try_recv() {
                Ok(job) => job,
                Err(TryRecvError::Empty) => {
                    // Idle: put the rows on disk, so a killed process loses little.
                    let r = self.flush_rows();
                    self.check(r);
                    match rx.recv() {
                        Ok(job) => job,
                        Err(_) => {
                            self.finish();
                            return;
                        }
                    }
                }
                Err(TryRecvError::Disconnected) => {
                    self.finish();
                    return;
                }
            };
            match job {
                Job::Flush(done) => {
                    self.pool.wait_idle();
                    self.adopt_pool_error();
                    let r = self.flush_rows().and_then(|_| self.write_manifest());
                    self.check(r);
                    let _ = done.send(());
                }
                Job::Finish(done) => {
                    self.finish();
                    let _ = done.send(());
                    return;
                }
                // After a failure nothing more is written, but the queue keeps draining so
                // the step loop never blocks on a recorder that cannot write.
                _ if self.failed || self.shared.failed.load(Ordering::SeqCst) => self.adopt_pool_error(),
                job => {
                    let r = self.handle(job);
                    self.check(r);
                }
            }
        }
    }

    /// An encoder's failure becomes the recording's.
    fn adopt_pool_error(&mut self) {
        if let Some(e) = self.shared.error() {
            self.manifest.error.get_or_insert_with(|| e.to_string());
            self.failed = true;
        }
    }

    fn check(&mut self, r: Result<(), RecordError>) {
        if let Err(e) = r {
            if !self.failed {
                self.manifest.error = Some(e.to_string());
            }
            self.failed = true;
            self.shared.fail(e);
        }
    }

    fn handle(&mut self, job: Job) -> Result<(), RecordError> {
        match job {
            Job::Agent(new) => {
                let NewAgent { index, id, action_space, observation_space } = *new;
                let mut dir = layout::file_name(&id);
                while self.manifest.agents.iter().any(|a| a.dir == dir) || dir == layout::MANIFEST {
                    dir.push('_');
                }
                let action = layout::ActionLayout::for_space(&action_space);
                self.manifest.agents.push(AgentManifest {
                    id,
                    dir,
                    action_space,
                    observation_space,
                    action,
                    episodes: Vec::new(),
                });
                if self.agents.len() <= index {
                    self.agents.resize_with(index + 1, || None);
                }
                self.agents[index] = Some(Agent { index: self.manifest.agents.len() - 1, episode: None });
                Ok(())
            }
            Job::Reset { agent, fields, time } => {
                self.close(agent, Status::Interrupted)?;
                self.open(agent, &fields)?;
                self.observe(agent, fields, time, 0.0, false, false)
            }
            Job::Step { agent, time, action, fields, reward, terminated, truncated } => {
                let Some(a) = self.agents.get(agent).and_then(Option::as_ref) else { return Ok(()) };
                if a.episode.is_none() {
                    // A step outside an episode (no reset recorded): nothing to attach it to.
                    return Ok(());
                }
                let layout = self.manifest.agents[a.index].action.clone();
                self.write_pending(agent, |cells| layout.cells(Some(&action), cells))?;
                if let Some(ep) = self.episode_mut(agent) {
                    ep.step += 1;
                }
                self.observe(agent, fields, time, reward, terminated, truncated)
            }
            Job::Interrupt { agent } => self.close(agent, Status::Interrupted),
            Job::Flush(_) | Job::Finish(_) => Ok(()),
        }
    }

    fn episode_mut(&mut self, agent: usize) -> Option<&mut OpenEpisode> {
        self.agents.get_mut(agent).and_then(Option::as_mut).and_then(|a| a.episode.as_mut())
    }

    fn open(&mut self, agent: usize, fields: &[Field]) -> Result<(), RecordError> {
        let Some(a) = self.agents.get(agent).and_then(Option::as_ref) else { return Ok(()) };
        let am = &mut self.manifest.agents[a.index];
        let number = am.episodes.len() as u32 + 1;
        let rel = format!("{}/episode_{number:04}", am.dir);
        let dir = self.shared.dir.join(&rel);
        let (layouts, skipped) = layout::field_layouts(fields);
        if !skipped.is_empty() && number == 1 {
            eprintln!("ai4u: recorder: agent `{}`: not recorded: {}", am.id, skipped.join("; "));
        }
        std::fs::create_dir_all(&dir).map_err(|e| RecordError::write(&dir, e))?;
        for cam in layouts.iter().filter_map(|l| l.camera.as_ref()) {
            let p = dir.join(cam);
            std::fs::create_dir_all(&p).map_err(|e| RecordError::write(&p, e))?;
        }
        let csv_path = dir.join("steps.csv");
        let file = File::create(&csv_path).map_err(|e| RecordError::write(&csv_path, e))?;
        let mut csv = BufWriter::with_capacity(64 * 1024, file);
        csv.write_all(layout::csv_line(&layout::header(&layouts, &am.action)).as_bytes())
            .map_err(|e| RecordError::write(&csv_path, e))?;
        am.episodes.push(EpisodeManifest {
            episode: number,
            dir: rel,
            status: Status::Recording,
            rows: 0,
            ret: 0.0,
            fields: layouts.clone(),
            skipped,
        });
        let index = am.episodes.len() - 1;
        if let Some(a) = self.agents[agent].as_mut() {
            a.episode = Some(OpenEpisode { index, dir, csv_path, csv, layouts, step: 0, pending: None });
        }
        self.write_manifest()
    }

    /// A state of the running episode: its frames now, its row once the action is known
    /// (or at once when it ends the episode).
    fn observe(
        &mut self,
        agent: usize,
        mut fields: Vec<Field>,
        time: f64,
        reward: f32,
        terminated: bool,
        truncated: bool,
    ) -> Result<(), RecordError> {
        let compression = self.compression;
        let Some(a) = self.agents.get_mut(agent).and_then(Option::as_mut) else { return Ok(()) };
        let Some(ep) = a.episode.as_mut() else { return Ok(()) };
        let mut cells = vec![
            ep.step.to_string(),
            format!("{time:.6}"),
            reward.to_string(),
            terminated.to_string(),
            truncated.to_string(),
        ];
        let mut frames = Vec::new();
        for l in &ep.layouts {
            let at = fields.iter().position(|f| f.name == l.name);
            let v = at.map(|i| &fields[i].value);
            let mut png_rel = String::new();
            if let (Some(cam), Some(Value::Image(img))) = (&l.camera, v) {
                if [img.height, img.width, img.channels] == l.shape[..] {
                    let name = format!("{:06}.png", ep.step);
                    png_rel = format!("{cam}/{name}");
                    frames.push((at.unwrap_or(0), ep.dir.join(cam).join(&name)));
                }
            }
            layout::field_cells(l, v, &png_rel, &mut cells);
        }
        for (i, path) in frames {
            let Value::Image(img) = std::mem::replace(&mut fields[i].value, Value::Bool(false)) else { continue };
            if let Err((path, img)) = self.pool.submit(path, img) {
                write_png(&path, &img, compression, &mut self.png)?;
                self.shared.frames.fetch_add(1, Ordering::Relaxed);
            }
        }
        ep.pending = Some(Pending { cells });
        let am = &mut self.manifest.agents[a.index];
        am.episodes[ep.index].ret += reward as f64;
        if terminated || truncated {
            self.close(agent, if terminated { Status::Terminated } else { Status::Truncated })?;
        }
        Ok(())
    }

    /// Writes the pending row of `agent`'s episode, with the action cells `action` adds.
    fn write_pending(&mut self, agent: usize, action: impl FnOnce(&mut Vec<String>)) -> Result<(), RecordError> {
        let Some(a) = self.agents.get_mut(agent).and_then(Option::as_mut) else { return Ok(()) };
        let Some(ep) = a.episode.as_mut() else { return Ok(()) };
        let Some(Pending { mut cells }) = ep.pending.take() else { return Ok(()) };
        action(&mut cells);
        // One write per row: the buffer only ever reaches the file in whole rows.
        ep.csv.write_all(layout::csv_line(&cells).as_bytes()).map_err(|e| RecordError::write(&ep.csv_path, e))?;
        self.manifest.agents[a.index].episodes[ep.index].rows += 1;
        self.shared.rows.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Ends `agent`'s running episode (if any) with `status`.
    fn close(&mut self, agent: usize, status: Status) -> Result<(), RecordError> {
        let Some(a) = self.agents.get(agent).and_then(Option::as_ref) else { return Ok(()) };
        if a.episode.is_none() {
            return Ok(());
        }
        let n = self.manifest.agents[a.index].action.columns().len();
        self.write_pending(agent, |cells| cells.resize(cells.len() + n, String::new()))?;
        let Some(a) = self.agents.get_mut(agent).and_then(Option::as_mut) else { return Ok(()) };
        let Some(mut ep) = a.episode.take() else { return Ok(()) };
        ep.csv.flush().map_err(|e| RecordError::write(&ep.csv_path, e))?;
        self.manifest.agents[a.index].episodes[ep.index].status = status;
        self.write_manifest()
    }

    fn flush_rows(&mut self) -> Result<(), RecordError> {
        for ep in self.agents.iter_mut().flatten().filter_map(|a| a.episode.as_mut()) {
            ep.csv.flush().map_err(|e| RecordError::write(&ep.csv_path, e))?;
        }
        Ok(())
    }

    fn write_manifest(&mut self) -> Result<(), RecordError> {
        self.manifest.rows = self.shared.rows.load(Ordering::Relaxed);
        self.manifest.frames = self.shared.frames.load(Ordering::Relaxed);
        self.manifest.full_waits = self.shared.full_waits.load(Ordering::Relaxed);
        layout::write_manifest(&self.shared.dir, &self.manifest)
    }

    /// Closes every episode still running as interrupted and writes the final manifest.
    fn finish(&mut self) {
        self.pool.wait_idle();
        self.pool.stop();
        self.adopt_pool_error();
        if !self.failed {
            for i in 0..self.agents.len() {
                let r = self.close(i, Status::Interrupted);
                self.check(r);
            }
        }
        let interrupted =
            self.manifest.agents.iter().flat_map(|a| &a.episodes).any(|e| e.status == Status::Interrupted);
        self.manifest.status = match (self.failed, interrupted) {
            (true, _) => Status::Failed,
            (false, true) => Status::Interrupted,
            (false, false) => Status::Complete,
        };
        if let Err(e) = self.write_manifest() {
            if !self.failed {
                self.shared.fail(e);
            }
        }
    }
}

/// Writes one frame as a PNG, complete or not at all (a temporary file renamed into place).
fn write_png(path: &Path, img: &Image, compression: png::Compression, buf: &mut Vec<u8>) -> Result<(), RecordError> {
    let tmp = path.with_extension("png.part");
    let bytes: &[u8] = match img.encoding {
        // Already a PNG: stored as sent.
        ImageEncoding::Png => &img.data,
        ImageEncoding::Raw => {
            buf.clear();
            encode_png(img, compression, buf).map_err(|e| RecordError::format(path, format!("PNG encoding: {e}")))?;
            buf
        }
    };
    std::fs::write(&tmp, bytes).map_err(|e| RecordError::write(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| RecordError::write(path, e))
}

fn encode_png(img: &Image, compression: png::Compression, out: &mut Vec<u8>) -> Result<(), png::EncodingError> {
    let mut enc = png::Encoder::new(out, img.width, img.height);
    enc.set_color(match img.channels {
        1 => png::ColorType::Grayscale,
        2 => png::ColorType::GrayscaleAlpha,
        4 => png::ColorType::Rgba,
        _ => png::ColorType::Rgb,
    });
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(compression);
    let mut w = enc.write_header()?;
    w.write_image_data(&img.data)?;
    w.finish()
}

/// Decodes a PNG frame of a recording into a raw u8 image.
pub(crate) fn decode_png(path: &Path) -> Result<Image, RecordError> {
    let bytes = std::fs::read(path).map_err(|e| RecordError::read(path, e))?;
    let bad = |e: png::DecodingError| RecordError::format(path, format!("not a valid PNG: {e}"));
    let mut dec = png::Decoder::new(std::io::Cursor::new(bytes));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut reader = dec.read_info().map_err(bad)?;
    let size = reader.output_buffer_size().ok_or_else(|| RecordError::format(path, "PNG too large"))?;
    let mut data = vec![0; size];
    let info = reader.next_frame(&mut data).map_err(bad)?;
    if info.bit_depth != png::BitDepth::Eight {
        return Err(RecordError::format(path, format!("{:?} bits per channel; recordings hold 8", info.bit_depth)));
    }
    data.truncate(info.buffer_size());
    let channels = info.color_type.samples() as u32;
    Image::raw_u8(info.width, info.height, channels, data).map_err(|e| RecordError::format(path, e.to_string()))
}
