//! Metadata -> spaces -> sample, contains, flatten, unflatten.
//!
//! Metadata comes the three ways it reaches a server: AI4U's JSON (input starting with `{`),
//! a native Hello (first byte 0, the rest a payload), or built field by field from the bytes
//! (anything else; denser coverage of odd shapes and ranges than either parser reaches).
//! Spaces are derived as `GenericController` derives them (one Box per input, a Dict for
//! several; a Box or a Discrete for an output), after `check_elements`, which is the
//! property under test: no Box is built over the limit. The limit is [`TIGHT`]'s, so one
//! run stays fast; the defaults' limit is checked to refuse no less.

use super::TIGHT;
use ai4u_core::metadata::{InputSpec, ModelMetadata, OutputSpec};
use ai4u_core::ndarray::{ArrayD, IxDyn};
use ai4u_core::spaces::{self, BoxSpace, DType, DictSpace, Discrete, Space};
use ai4u_core::value::ValueKind;
use ai4u_core::wire::{self, Limits, Message};

/// Spaces larger than this are built and checked, but not sampled and flattened.
const SAMPLE_MAX: usize = 1 << 12;

pub fn metadata_spaces(data: &[u8]) {
    match data.first() {
        None => {}
        Some(b'{') => {
            if let Ok(Ok(m)) = std::str::from_utf8(data).map(ModelMetadata::from_ai4u_json) {
                derive_and_use(&m, 0);
            }
        }
        Some(0) => {
            if let Ok(Message::Hello(h)) = wire::decode(&data[1..], &Limits::default()) {
                for (i, a) in h.agents.iter().enumerate() {
                    derive_and_use(&a.metadata, i as u64);
                }
            }
        }
        Some(&seed) => {
            let mut b = Bytes(&data[1..]);
            let m = b.metadata();
            derive_and_use(&m, seed.into());
        }
    }
}

/// Reads values off the input, zero once it runs out, so every input is some metadata.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> u8 {
        let (&b, rest) = self.0.split_first().unwrap_or((&0, &[]));
        self.0 = rest;
        b
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.u8(), self.u8(), self.u8(), self.u8()])
    }
    /// A dimension: mostly small or at a boundary, sometimes anything.
    fn dim(&mut self) -> u32 {
        const EDGES: [u32; 12] = [0, 1, 2, 3, 4, 7, 255, 256, 1 << 12, 1 << 14, 1 << 22, 1 << 28];
        match self.u8() {
            b @ 0..=199 => u32::from(b % 9),
            b @ 200..=243 => EDGES[usize::from(b - 200) % EDGES.len()],
            244..=249 => u32::MAX,
            _ => self.u32(),
        }
    }
    fn shape(&mut self) -> Vec<u32> {
        (0..self.u8() % 5).map(|_| self.dim()).collect()
    }
    fn float(&mut self) -> f32 {
        const EDGES: [f32; 12] = [0.0, -0.0, 1.0, -1.0, 255.0, 256.0, 0.5, 1e30, -1e30, f32::MAX, f32::MIN, 1e-45];
        match self.u8() {
            b @ 0..=199 => EDGES[usize::from(b) % EDGES.len()],
            200..=209 => f32::INFINITY,
            210..=219 => f32::NEG_INFINITY,
            220..=224 => f32::NAN,
            _ => f32::from_bits(self.u32()),
        }
    }
    fn ranges(&mut self, shape: &[u32]) -> Vec<f32> {
        let size = ai4u_core::metadata::shape_elements(shape).unwrap_or(0);
        let n = match self.u8() % 4 {
            0 => 0,
            1 => 1,
            // As many as the shape holds, when that is a sane number to make.
            2 if size <= 64 => size as usize,
            _ => usize::from(self.u8() % 8),
        };
        (0..n).map(|_| self.float()).collect()
    }
    fn metadata(&mut self) -> ModelMetadata {
        let inputs = (0..self.u8() % 4)
            .map(|i| InputSpec {
                name: format!("in{}", i % 3),
                kind: ValueKind::ALL[usize::from(self.u8()) % ValueKind::ALL.len()],
                shape: self.shape(),
                range_min: self.float(),
                range_max: self.float(),
            })
            .collect();
        let outputs = (0..self.u8() % 3)
            .map(|i| {
                let continuous = self.u8() & 1 == 1;
                let shape = self.shape();
                let range_min = self.ranges(&shape);
                let range_max = self.ranges(&shape);
                OutputSpec { name: format!("out{i}"), continuous, shape, range_min, range_max }
            })
            .collect();
        ModelMetadata { inputs, outputs }
    }
}

fn derive_and_use(m: &ModelMetadata, seed: u64) {
    let max = TIGHT.max_agent_elements;
    let checked = m.check_elements(max);
    let by_default = m.check_elements(Limits::default().max_agent_elements);
    if checked.is_ok() {
        assert_eq!(checked.as_ref().ok(), by_default.as_ref().ok(), "a tighter limit counts differently");
    }
    let Ok(total) = checked else { return };
    assert!(total <= max, "check_elements passed {total} elements over {max}");
    let mut inputs = Vec::new();
    for i in &m.inputs {
        if let Some(s) = input_space(i) {
            assert_boxes_within(&s, max);
            inputs.push((i.name.clone(), s));
        }
    }
    let obs: Option<Space> = match inputs.len() {
        0 => None,
        1 => inputs.pop().map(|(_, s)| s),
        // Duplicate names are refused here, as a controller refuses them.
        _ => DictSpace::new(inputs).ok().map(Space::from),
    };
    for s in obs.iter().chain(m.outputs.iter().filter_map(output_space).collect::<Vec<_>>().iter()) {
        assert_boxes_within(s, max);
        use_space(s, seed);
    }
}

/// The Box elements a space holds, which is what its memory grows with.
fn box_elements(s: &Space) -> u64 {
    match s {
        Space::Box(b) => b.shape().iter().map(|&d| d as u64).product(),
        Space::Dict(d) => d.spaces().iter().map(|(_, s)| box_elements(s)).sum(),
        Space::Tuple(t) => t.spaces().iter().map(box_elements).sum(),
        _ => 0,
    }
}

fn assert_boxes_within(s: &Space, max: u64) {
    let n = box_elements(s);
    assert!(n <= max, "built {s} with {n} elements from metadata that passed a limit of {max}");
}

fn dims(shape: &[u32]) -> Vec<usize> {
    shape.iter().map(|&d| d as usize).collect()
}

/// `GenericController`'s input space: a float Box over the range, a u8 Box for images.
fn input_space(i: &InputSpec) -> Option<Space> {
    let dtype = match i.kind {
        ValueKind::Float | ValueKind::FloatArray | ValueKind::Int | ValueKind::IntArray | ValueKind::Bool => DType::F32,
        ValueKind::Image => DType::U8,
        ValueKind::String | ValueKind::Bytes => return None,
    };
    let (lo, hi) =
        if dtype == DType::U8 { (i.range_min.max(0.0), i.range_max.min(255.0)) } else { (i.range_min, i.range_max) };
    BoxSpace::uniform(lo.into(), hi.into(), &dims(&i.shape), dtype).ok().map(Space::from)
}

/// `GenericController`'s action space: a float Box over the ranges (none, one for all, or
/// one per element), or `Discrete(shape.last())`.
fn output_space(o: &OutputSpec) -> Option<Space> {
    let shape = dims(&o.shape);
    if !o.continuous {
        return Discrete::new(*shape.last()? as i64).ok().map(Space::from);
    }
    let size: usize = shape.iter().product();
    let expand = |r: &[f32], default: f64| -> Option<ArrayD<f64>> {
        let v: Vec<f64> = match r.len() {
            0 => vec![default; size],
            1 => vec![r[0].into(); size],
            n if n == size => r.iter().map(|&x| x.into()).collect(),
            _ => return None,
        };
        ArrayD::from_shape_vec(IxDyn(&shape), v).ok()
    };
    let low = expand(&o.range_min, f64::NEG_INFINITY)?;
    let high = expand(&o.range_max, f64::INFINITY)?;
    BoxSpace::new(low, high, DType::F32).ok().map(Space::from)
}

/// A sample belongs to its space, and flattening is undone by unflattening.
fn use_space(s: &Space, seed: u64) {
    let Ok(dim) = spaces::flatdim(s) else { return };
    if dim > SAMPLE_MAX {
        return;
    }
    let x = s.sample(&mut spaces::rng(seed));
    assert!(s.contains(&x), "{s} does not contain its own sample {x:?}");
    let flat = match spaces::flatten(s, &x) {
        Ok(f) => f,
        Err(e) => panic!("{s} cannot flatten its own sample {x:?}: {e}"),
    };
    assert_eq!(flat.len(), dim, "flatten of {s} is not flatdim long");
    let back = match spaces::unflatten(s, &flat) {
        Ok(b) => b,
        Err(e) => panic!("{s} cannot unflatten {flat:?}: {e}"),
    };
    assert!(s.contains(&back), "{s} does not contain its unflattened sample {back:?}");
    let again = spaces::flatten(s, &back).expect("flattens what it unflattened");
    let bits = |a: &ai4u_core::ndarray::Array1<f64>| a.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&again), bits(&flat), "{s}: flatten(unflatten(flat)) != flat");
}
