//! The files of a recording: the manifest, the columns of `steps.csv`, how values and
//! actions become cells and back.

use super::RecordError;
use ai4u_core::spaces::{DType, Sample, Space};
use ai4u_core::value::{Field, Image, ImageEncoding, PixelType, Value, ValueKind};
use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The manifest's file name, in the recording folder.
pub(crate) const MANIFEST: &str = "manifest.json";
/// The manifest's `format` value.
pub(crate) const FORMAT: &str = "ai4u-recording";
/// Arrays with more elements than this are not put in the CSV (they would make thousands
/// of columns); the manifest lists them as skipped.
pub(crate) const MAX_ARRAY_COLUMNS: usize = 256;
/// The columns every `steps.csv` starts with.
pub(crate) const FIXED_COLUMNS: [&str; 5] = ["step", "time", "reward", "terminated", "truncated"];

/// Where a recording or an episode stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Still being written (or the recording process died: files are valid up to there).
    Recording,
    /// Finished with every episode closed by its flags.
    Complete,
    /// Finished with episodes cut short (Ctrl-C, an engine that went away).
    Interrupted,
    /// Stopped by a write error (the manifest's `error` says which).
    Failed,
    /// An episode that ended by the task's rule.
    Terminated,
    /// An episode cut off by max steps.
    Truncated,
}

/// `manifest.json`: what a recording holds. Written atomically (a temporary file renamed
/// over it) when the recording starts, when an episode starts or ends, and last at the end.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `ai4u-recording`.
    pub format: String,
    /// Format version (1).
    pub version: u32,
    /// `recording` until finished, then `complete`, `interrupted` or `failed`.
    pub status: Status,
    /// The first write error, when `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Steps the background queue holds before a step waits for the disk.
    pub queue: usize,
    /// Times a step waited because the queue was full.
    pub full_waits: u64,
    /// CSV rows written.
    pub rows: u64,
    /// PNG frames written.
    pub frames: u64,
    /// Every agent recorded, in the order they were registered.
    pub agents: Vec<AgentManifest>,
}

impl Manifest {
    pub(crate) fn new(queue: usize) -> Manifest {
        Manifest {
            format: FORMAT.into(),
            version: 1,
            status: Status::Recording,
            error: None,
            queue,
            full_waits: 0,
            rows: 0,
            frames: 0,
            agents: Vec::new(),
        }
    }
}

/// One agent of a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgentManifest {
    /// The agent id.
    pub id: String,
    /// Its folder, relative to the recording folder.
    pub dir: String,
    /// Its action space (actions load back as samples of it).
    pub action_space: Space,
    /// Its observation space, as the controller declared it.
    pub observation_space: Space,
    /// How actions are stored in `steps.csv`.
    pub action: ActionLayout,
    /// Its episodes, in order.
    pub episodes: Vec<EpisodeManifest>,
}

/// One episode of an agent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EpisodeManifest {
    /// Counts from 1 per agent.
    pub episode: u32,
    /// Its folder, relative to the recording folder (`<agent>/episode_0001`).
    pub dir: String,
    /// `recording`, `terminated`, `truncated` or `interrupted`.
    pub status: Status,
    /// Rows of `steps.csv` (the first observation included, so steps + 1 when it ended).
    pub rows: u32,
    /// Sum of the rewards.
    #[serde(rename = "return")]
    pub ret: f64,
    /// The state fields in the engine's order and where each is stored.
    pub fields: Vec<FieldLayout>,
    /// Fields not recorded, with why (bytes, float images, huge arrays).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

/// Where one state field is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldLayout {
    /// The field's name.
    pub name: String,
    /// Its kind.
    pub kind: ValueKind,
    /// Its shape (`[h, w, c]` for an image).
    pub shape: Vec<u32>,
    /// Its CSV columns: one for a scalar, `name[i]` per element of an array, one holding
    /// the PNG's relative path for an image.
    pub columns: Vec<String>,
    /// For an image: the camera's folder (in the episode folder) holding `NNNNNN.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub camera: Option<String>,
}

/// How actions are stored in `steps.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "lowercase")]
pub enum ActionLayout {
    /// An array action (Box, Discrete, MultiDiscrete, MultiBinary): one column per element,
    /// row-major (`action` alone for a scalar).
    Columns {
        /// The element type.
        dtype: DType,
        /// The shape.
        shape: Vec<usize>,
        /// The column names.
        columns: Vec<String>,
    },
    /// Any other action (Dict, Tuple, Text): one `action` column holding its JSON.
    Json {
        /// The column name.
        column: String,
    },
}

impl ActionLayout {
    pub(crate) fn for_space(space: &Space) -> ActionLayout {
        match (space.shape(), space.dtype()) {
            (Some(shape), Some(dtype)) => {
                let n: usize = shape.iter().product();
                let columns = if shape.is_empty() {
                    vec!["action".to_owned()]
                } else {
                    (0..n).map(|i| format!("action[{i}]")).collect()
                };
                ActionLayout::Columns { dtype, shape, columns }
            }
            _ => ActionLayout::Json { column: "action".into() },
        }
    }

    pub(crate) fn columns(&self) -> Vec<String> {
        match self {
            ActionLayout::Columns { columns, .. } => columns.clone(),
            ActionLayout::Json { column } => vec![column.clone()],
        }
    }

    /// The cells of `action` (empty cells when there is none or it does not fit).
    pub(crate) fn cells(&self, action: Option<&Sample>, out: &mut Vec<String>) {
        let n = self.columns().len();
        let Some(a) = action else {
            out.resize(out.len() + n, String::new());
            return;
        };
        match self {
            ActionLayout::Json { .. } => out.push(serde_json::to_string(a).unwrap_or_default()),
            ActionLayout::Columns { .. } => {
                let cells = sample_cells(a);
                if cells.len() == n {
                    out.extend(cells);
                } else {
                    out.resize(out.len() + n, String::new());
                }
            }
        }
    }

    /// The action of a row, from its cells; `None` when they are empty (the last row).
    pub(crate) fn parse(&self, cells: &[&str]) -> Result<Option<Sample>, String> {
        if cells.iter().all(|c| c.is_empty()) {
            return Ok(None);
        }
        match self {
            ActionLayout::Json { .. } => serde_json::from_str(cells[0]).map(Some).map_err(|e| format!("action: {e}")),
            ActionLayout::Columns { dtype, shape, .. } => {
                let bad = |c: &str| format!("action cell `{c}` is not a {dtype}");
                macro_rules! arr {
                    ($t:ty, $v:ident) => {{
                        let v =
                            cells.iter().map(|c| c.parse::<$t>().map_err(|_| bad(c))).collect::<Result<Vec<_>, _>>()?;
                        Sample::$v(ArrayD::from_shape_vec(IxDyn(shape), v).map_err(|e| e.to_string())?)
                    }};
                }
                Ok(Some(match dtype {
                    DType::F32 => arr!(f32, F32),
                    DType::F64 => arr!(f64, F64),
                    DType::I32 => arr!(i32, I32),
                    DType::I64 => arr!(i64, I64),
                    DType::U8 => arr!(u8, U8),
                }))
            }
        }
    }
}

/// The elements of a numeric sample as cells (Rust's float formatting round-trips).
fn sample_cells(s: &Sample) -> Vec<String> {
    match s {
        Sample::F32(a) => a.iter().map(|x| x.to_string()).collect(),
        Sample::F64(a) => a.iter().map(|x| x.to_string()).collect(),
        Sample::I32(a) => a.iter().map(|x| x.to_string()).collect(),
        Sample::I64(a) => a.iter().map(|x| x.to_string()).collect(),
        Sample::U8(a) => a.iter().map(|x| x.to_string()).collect(),
        _ => Vec::new(),
    }
}

/// A sample as a wire value, for an env whose info is empty: `[h, w, c]` u8 arrays with 1
/// to 4 channels become images, other arrays arrays.
pub(crate) fn sample_value(s: &Sample) -> Option<Value> {
    let shape = |sh: &[usize]| sh.iter().map(|&d| d as u32).collect::<Vec<u32>>();
    Some(match s {
        Sample::U8(a) if a.ndim() == 3 && (1..=4).contains(&a.shape()[2]) => {
            let (h, w, c) = (a.shape()[0] as u32, a.shape()[1] as u32, a.shape()[2] as u32);
            Value::Image(Image::raw_u8(w, h, c, a.iter().copied().collect()).ok()?)
        }
        Sample::U8(a) => Value::IntArray { shape: shape(a.shape()), data: a.iter().map(|&x| x as i32).collect() },
        Sample::F32(a) => Value::FloatArray { shape: shape(a.shape()), data: a.iter().copied().collect() },
        Sample::F64(a) => Value::FloatArray { shape: shape(a.shape()), data: a.iter().map(|&x| x as f32).collect() },
        Sample::I32(a) if a.ndim() == 0 => Value::Int(a.iter().next().copied().unwrap_or(0) as i64),
        Sample::I64(a) if a.ndim() == 0 => Value::Int(a.iter().next().copied().unwrap_or(0)),
        Sample::I32(a) => Value::IntArray { shape: shape(a.shape()), data: a.iter().copied().collect() },
        Sample::I64(a) => Value::IntArray { shape: shape(a.shape()), data: a.iter().map(|&x| x as i32).collect() },
        Sample::Text(t) => Value::String(t.clone()),
        Sample::Dict(_) | Sample::Tuple(_) => return None,
    })
}

/// A name usable as a file name: anything but letters, digits, `-`, `_` and `.` becomes `_`.
pub(crate) fn file_name(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    match s.as_str() {
        "" | "." | ".." => format!("_{s}"),
        _ => s,
    }
}

/// The layout of an episode's fields, from its first state. Cameras get distinct folders.
pub(crate) fn field_layouts(fields: &[Field]) -> (Vec<FieldLayout>, Vec<String>) {
    let mut layouts: Vec<FieldLayout> = Vec::new();
    let mut skipped = Vec::new();
    for f in fields {
        if layouts.iter().any(|l| l.name == f.name) {
            skipped.push(format!("{}: a second field of this name", f.name));
            continue;
        }
        let v = &f.value;
        let shape: Vec<u32> = v.shape().iter().map(|&d| d as u32).collect();
        let one = || vec![f.name.clone()];
        let (columns, camera) = match v {
            Value::Float(_) | Value::Int(_) | Value::Bool(_) | Value::String(_) => (one(), None),
            Value::Bytes(_) => {
                skipped.push(format!("{}: bytes are not recorded", f.name));
                continue;
            }
            Value::FloatArray { data, .. } if data.len() > MAX_ARRAY_COLUMNS => {
                skipped.push(format!("{}: {} elements, over {MAX_ARRAY_COLUMNS} columns", f.name, data.len()));
                continue;
            }
            Value::IntArray { data, .. } if data.len() > MAX_ARRAY_COLUMNS => {
                skipped.push(format!("{}: {} elements, over {MAX_ARRAY_COLUMNS} columns", f.name, data.len()));
                continue;
            }
            Value::FloatArray { shape: s, .. } | Value::IntArray { shape: s, .. } if s.is_empty() => (one(), None),
            Value::FloatArray { data, .. } => ((0..data.len()).map(|i| format!("{}[{i}]", f.name)).collect(), None),
            Value::IntArray { data, .. } => ((0..data.len()).map(|i| format!("{}[{i}]", f.name)).collect(), None),
            Value::Image(img) => {
                if let Some(why) = unrecordable(img) {
                    skipped.push(format!("{}: {why}", f.name));
                    continue;
                }
                let mut dir = file_name(&f.name);
                while layouts.iter().any(|l| l.camera.as_deref() == Some(dir.as_str()))
                    || dir == "steps.csv"
                    || dir.ends_with(".mp4")
                {
                    dir.push('_');
                }
                (one(), Some(dir))
            }
        };
        layouts.push(FieldLayout { name: f.name.clone(), kind: v.kind(), shape, columns, camera });
    }
    (layouts, skipped)
}

/// Why an image cannot go into a PNG, if it cannot.
fn unrecordable(img: &Image) -> Option<String> {
    if img.pixel != PixelType::U8 {
        return Some("float pixels do not fit a PNG".into());
    }
    if img.encoding == ImageEncoding::Raw && !(1..=4).contains(&img.channels) {
        return Some(format!("{} channels do not fit a PNG", img.channels));
    }
    if img.width == 0 || img.height == 0 {
        return Some("an empty image".into());
    }
    None
}

/// The CSV header of an episode.
pub(crate) fn header(layouts: &[FieldLayout], action: &ActionLayout) -> Vec<String> {
    let mut h: Vec<String> = FIXED_COLUMNS.iter().map(|s| s.to_string()).collect();
    h.extend(layouts.iter().flat_map(|l| l.columns.iter().cloned()));
    h.extend(action.columns());
    h
}

/// The cells of one field, or empty cells when the state lacks it or it changed shape.
pub(crate) fn field_cells(l: &FieldLayout, v: Option<&Value>, png: &str, out: &mut Vec<String>) {
    let n = l.columns.len();
    let fits = v.is_some_and(|v| v.kind() == l.kind && v.shape().iter().map(|&d| d as u32).eq(l.shape.iter().copied()));
    match v.filter(|_| fits) {
        Some(Value::Float(x)) => out.push(x.to_string()),
        Some(Value::Int(x)) => out.push(x.to_string()),
        Some(Value::Bool(x)) => out.push(x.to_string()),
        Some(Value::String(x)) => out.push(x.clone()),
        Some(Value::FloatArray { data, .. }) => out.extend(data.iter().map(|x| x.to_string())),
        Some(Value::IntArray { data, .. }) => out.extend(data.iter().map(|x| x.to_string())),
        Some(Value::Image(_)) => out.push(png.to_owned()),
        _ => out.resize(out.len() + n, String::new()),
    }
}

/// The field back from its cells (images are read by the caller); `None` for empty cells.
pub(crate) fn parse_field(l: &FieldLayout, cells: &[&str]) -> Result<Option<Value>, String> {
    if cells.iter().all(|c| c.is_empty()) && l.kind != ValueKind::String {
        return Ok(None);
    }
    let bad = |c: &str| format!("field `{}`: cell `{c}` is not a {}", l.name, l.kind);
    let f32s = || cells.iter().map(|c| c.parse::<f32>().map_err(|_| bad(c))).collect::<Result<Vec<_>, _>>();
    let i32s = || cells.iter().map(|c| c.parse::<i32>().map_err(|_| bad(c))).collect::<Result<Vec<_>, _>>();
    Ok(Some(match l.kind {
        ValueKind::Float => Value::Float(cells[0].parse().map_err(|_| bad(cells[0]))?),
        ValueKind::Int => Value::Int(cells[0].parse().map_err(|_| bad(cells[0]))?),
        ValueKind::Bool => Value::Bool(cells[0].parse().map_err(|_| bad(cells[0]))?),
        ValueKind::String => Value::String(cells[0].to_owned()),
        ValueKind::FloatArray => Value::FloatArray { shape: l.shape.clone(), data: f32s()? },
        ValueKind::IntArray => Value::IntArray { shape: l.shape.clone(), data: i32s()? },
        ValueKind::Image | ValueKind::Bytes => return Ok(None),
    }))
}

/// One CSV line (with its newline), quoting cells that need it.
pub(crate) fn csv_line(cells: &[String]) -> String {
    let mut s = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        if c.contains([',', '"', '\n', '\r']) {
            s.push('"');
            s.push_str(&c.replace('"', "\"\""));
            s.push('"');
        } else {
            s.push_str(c);
        }
    }
    s.push('\n');
    s
}

/// The complete rows of a CSV text (a last line without its newline is a row cut short
/// by a crash, and is left out).
pub(crate) fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, '\r') => {}
            (false, c) => cell.push(c),
        }
    }
    rows
}

/// Writes the manifest atomically: a temporary file, then a rename over the old one.
pub(crate) fn write_manifest(dir: &Path, m: &Manifest) -> Result<(), RecordError> {
    let path = dir.join(MANIFEST);
    let tmp = dir.join(format!("{MANIFEST}.tmp"));
    let text = serde_json::to_string_pretty(m).map_err(|e| RecordError::format(&path, e.to_string()))?;
    std::fs::write(&tmp, text).map_err(|e| RecordError::write(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| RecordError::write(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_parses_back() {
        let cells = vec!["a".to_owned(), "b,c".into(), "say \"hi\"".into(), "two\nlines".into(), String::new()];
        let text = csv_line(&cells) + &csv_line(&cells) + "cut,sho";
        let rows = csv_rows(&text);
        assert_eq!(rows.len(), 2, "the row without its newline is left out");
        assert_eq!(rows[0], cells);
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(file_name("w0-agent/1"), "w0-agent_1");
        assert_eq!(file_name(".."), "_..");
    }
}
