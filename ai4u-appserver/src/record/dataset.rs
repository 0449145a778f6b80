//! A recording loaded back as transitions for imitation learning.

use super::layout::{self, ActionLayout, FieldLayout, Manifest, Status, FIXED_COLUMNS};
use super::worker::decode_png;
use super::RecordError;
use ai4u_core::spaces::Sample;
use ai4u_core::value::{Field, State, Value};
use std::path::{Path, PathBuf};

/// One step of a recording, as Gymnasium pairs them: the `observation` the action was
/// chosen on, the `action`, and what `step(action)` returned with the next state.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    /// The agent id.
    pub agent: String,
    /// The episode (from 1).
    pub episode: u32,
    /// The step of the observation (0 = the episode's first).
    pub step: u32,
    /// The state the engine sent (fields in its order; images decoded from the PNGs as raw
    /// u8 images). A controller's `observation(&state)` turns it into its observation space.
    pub observation: State,
    /// The action the controller answered with, a sample of the agent's action space.
    pub action: Sample,
    /// The reward the action earned.
    pub reward: f32,
    /// The episode ended by the task's rule after this action.
    pub terminated: bool,
    /// The episode was cut off after this action.
    pub truncated: bool,
}

/// An episode of a recording, as the manifest lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeEntry {
    /// The agent id.
    pub agent: String,
    /// The episode (from 1).
    pub episode: u32,
    /// Its folder.
    pub dir: PathBuf,
    /// How it ended (`terminated`, `truncated`, `interrupted`; `recording` when the recording
    /// process died during it).
    pub status: Status,
    /// Rows of its CSV.
    pub rows: u32,
    /// Sum of its rewards.
    pub ret: f64,
}

/// A recording opened for reading; see [`Dataset::transitions`].
#[derive(Debug, Clone)]
pub struct Dataset {
    dir: PathBuf,
    manifest: Manifest,
}

impl Dataset {
    /// Opens the recording in `dir` (its `manifest.json` says what is there).
    pub fn open(dir: impl AsRef<Path>) -> Result<Dataset, RecordError> {
        let dir = dir.as_ref().to_owned();
        let path = dir.join(layout::MANIFEST);
        let text = std::fs::read_to_string(&path).map_err(|e| RecordError::read(&path, e))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| RecordError::format(&path, format!("not an ai4u recording manifest: {e}")))?;
        if manifest.format != layout::FORMAT || manifest.version != 1 {
            return Err(RecordError::format(
                &path,
                format!(
                    "format `{}` version {}; this reads {} version 1",
                    manifest.format,
                    manifest.version,
                    layout::FORMAT
                ),
            ));
        }
        Ok(Dataset { dir, manifest })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Every episode, agent by agent.
    pub fn episodes(&self) -> Vec<EpisodeEntry> {
        self.manifest
            .agents
            .iter()
            .flat_map(|a| {
                a.episodes.iter().map(|e| EpisodeEntry {
                    agent: a.id.clone(),
                    episode: e.episode,
                    dir: self.dir.join(&e.dir),
                    status: e.status,
                    rows: e.rows,
                    ret: e.ret,
                })
            })
            .collect()
    }

    /// Every transition, agent by agent and episode by episode. Frames are decoded as each
    /// transition is reached, so a long recording does not sit in memory. The last state of
    /// an episode has no action and ends no transition; neither does an action whose answer
    /// was not recorded (an interrupted episode).
    pub fn transitions(&self) -> Transitions<'_> {
        let order = self
            .manifest
            .agents
            .iter()
            .enumerate()
            .flat_map(|(a, am)| (0..am.episodes.len()).map(move |e| (a, e)))
            .collect();
        Transitions { ds: self, order, next: 0, current: None, done: false }
    }

    /// The transitions of one episode of one agent.
    pub fn episode(&self, agent: &str, episode: u32) -> Result<Vec<Transition>, RecordError> {
        self.transitions().filter(|t| t.as_ref().map_or(true, |t| t.agent == agent && t.episode == episode)).collect()
    }

    fn load(&self, a: usize, e: usize) -> Result<EpisodeRows, RecordError> {
        let am = &self.manifest.agents[a];
        let em = &am.episodes[e];
        let dir = self.dir.join(&em.dir);
        let csv_path = dir.join("steps.csv");
        let text = std::fs::read_to_string(&csv_path).map_err(|e| RecordError::read(&csv_path, e))?;
        let mut rows = layout::csv_rows(&text).into_iter();
        let header = layout::header(&em.fields, &am.action);
        match rows.next() {
            Some(h) if h == header => {}
            Some(h) => {
                return Err(RecordError::format(
                    &csv_path,
                    format!("header `{}` differs from the manifest's `{}`", h.join(","), header.join(",")),
                ))
            }
            None => return Err(RecordError::format(&csv_path, "no header")),
        }
        let rows: Vec<Vec<String>> = rows.collect();
        if let Some((i, r)) = rows.iter().enumerate().find(|(_, r)| r.len() != header.len()) {
            return Err(RecordError::format(
                &csv_path,
                format!("row {} has {} cells, the header {}", i + 2, r.len(), header.len()),
            ));
        }
        Ok(EpisodeRows {
            agent: am.id.clone(),
            episode: em.episode,
            dir,
            csv_path,
            fields: em.fields.clone(),
            action: am.action.clone(),
            rows,
            k: 0,
        })
    }
}

/// The rows of the episode being read.
struct EpisodeRows {
    agent: String,
    episode: u32,
    dir: PathBuf,
    csv_path: PathBuf,
    fields: Vec<FieldLayout>,
    action: ActionLayout,
    rows: Vec<Vec<String>>,
    /// The next row to pair with the one after it.
    k: usize,
}

impl EpisodeRows {
    fn bad(&self, row: usize, reason: String) -> RecordError {
        RecordError::format(&self.csv_path, format!("row {}: {reason}", row + 2))
    }

    /// The transition of rows `k` and `k + 1`, `None` when row `k` has no action.
    fn transition(&self, k: usize) -> Result<Option<Transition>, RecordError> {
        let (row, next) = (&self.rows[k], &self.rows[k + 1]);
        let n_fields: usize = self.fields.iter().map(|l| l.columns.len()).sum();
        let action_cells: Vec<&str> = row[FIXED_COLUMNS.len() + n_fields..].iter().map(String::as_str).collect();
        let Some(action) = self.action.parse(&action_cells).map_err(|e| self.bad(k, e))? else { return Ok(None) };
        let step = row[0].parse().map_err(|_| self.bad(k, format!("step `{}` is not a number", row[0])))?;
        let reward = next[2].parse().map_err(|_| self.bad(k + 1, format!("reward `{}` is not a number", next[2])))?;
        let flag =
            |i: usize| next[i].parse::<bool>().map_err(|_| self.bad(k + 1, format!("`{}` is not a flag", next[i])));
        let (terminated, truncated) = (flag(3)?, flag(4)?);
        let mut observation = State::new();
        let mut at = FIXED_COLUMNS.len();
        for l in &self.fields {
            let cells: Vec<&str> = row[at..at + l.columns.len()].iter().map(String::as_str).collect();
            at += l.columns.len();
            let value = match &l.camera {
                Some(_) if cells[0].is_empty() => None,
                Some(_) => Some(Value::Image(decode_png(&self.dir.join(cells[0]))?)),
                None => layout::parse_field(l, &cells).map_err(|e| self.bad(k, e))?,
            };
            if let Some(value) = value {
                observation.fields.push(Field { name: l.name.clone(), value });
            }
        }
        Ok(Some(Transition {
            agent: self.agent.clone(),
            episode: self.episode,
            step,
            observation,
            action,
            reward,
            terminated,
            truncated,
        }))
    }
}

/// The iterator of [`Dataset::transitions`]; it ends after the first error.
pub struct Transitions<'a> {
    ds: &'a Dataset,
    order: Vec<(usize, usize)>,
    next: usize,
    current: Option<EpisodeRows>,
    done: bool,
}

impl Iterator for Transitions<'_> {
    type Item = Result<Transition, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            if let Some(ep) = self.current.as_mut() {
                while ep.k + 1 < ep.rows.len() {
                    let k = ep.k;
                    ep.k += 1;
                    match ep.transition(k) {
                        Ok(Some(t)) => return Some(Ok(t)),
                        Ok(None) => {}
                        Err(e) => {
                            self.done = true;
                            return Some(Err(e));
                        }
                    }
                }
                self.current = None;
            }
            let Some(&(a, e)) = self.order.get(self.next) else {
                self.done = true;
                break;
            };
            self.next += 1;
            match self.ds.load(a, e) {
                Ok(rows) => self.current = Some(rows),
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            }
        }
        None
    }
}
