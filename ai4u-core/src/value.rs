//! Values an engine sends or receives, and [`State`], the ordered list of named values
//! that makes up one agent's view of the world at a decision step.
//!
//! Every variant maps onto one wire encoding (see `docs/PROTOCOL.md`); arrays and images
//! carry their shape and travel as raw little-endian bytes.
//!
//! ```
//! use ai4u_core::value::{State, Value};
//! let mut s = State::new();
//! s.push("reward", Value::Float(-0.01));
//! s.push("array", Value::float_array(vec![3], vec![0.5, -1.0, 0.25]).unwrap());
//! assert_eq!(s.get_f32("reward").unwrap(), -0.01);
//! assert!(s.get_i64("reward").is_err()); // wrong type: an error, not a panic
//! ```

use serde::{Deserialize, Serialize};
use std::fmt;

/// The type of a [`Value`], without its payload. Also used by model metadata to declare
/// what a sensor produces. The discriminants are the wire tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum ValueKind {
    /// One `f32` (wire tag 0).
    Float = 0,
    /// One `i64` (wire tag 1).
    Int = 1,
    /// A boolean, one byte 0 or 1 (wire tag 2).
    Bool = 2,
    /// UTF-8 text (wire tag 3).
    String = 3,
    /// Opaque bytes (wire tag 4).
    Bytes = 4,
    /// Row-major `f32` tensor with its shape (wire tag 5).
    FloatArray = 5,
    /// Row-major `i32` tensor with its shape (wire tag 6).
    IntArray = 6,
    /// An [`Image`]: geometry, pixel type, encoding and bytes (wire tag 7).
    Image = 7,
}

impl ValueKind {
    /// Every kind in wire-tag order, so `ALL[tag as usize]` is the kind of `tag`.
    pub const ALL: [ValueKind; 8] = [
        ValueKind::Float,
        ValueKind::Int,
        ValueKind::Bool,
        ValueKind::String,
        ValueKind::Bytes,
        ValueKind::FloatArray,
        ValueKind::IntArray,
        ValueKind::Image,
    ];

    /// Inverse of `kind as u32`.
    pub fn from_tag(tag: u32) -> Option<ValueKind> {
        Self::ALL.get(tag as usize).copied()
    }

    /// Lower-case name used by `Display` and in error messages (`"float array"`).
    pub fn name(self) -> &'static str {
        match self {
            ValueKind::Float => "float",
            ValueKind::Int => "int",
            ValueKind::Bool => "bool",
            ValueKind::String => "string",
            ValueKind::Bytes => "bytes",
            ValueKind::FloatArray => "float array",
            ValueKind::IntArray => "int array",
            ValueKind::Image => "image",
        }
    }
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Element type of an image's pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum PixelType {
    /// One byte per channel, 0..=255.
    U8 = 0,
    /// One little-endian f32 per channel.
    F32 = 1,
}

impl PixelType {
    /// Bytes per channel value: 1 for [`PixelType::U8`], 4 for [`PixelType::F32`].
    pub fn size(self) -> usize {
        match self {
            PixelType::U8 => 1,
            PixelType::F32 => 4,
        }
    }
}

/// How an image's bytes are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum ImageEncoding {
    /// Row-major, top row first, channels interleaved (HWC): `width * height * channels * pixel size` bytes.
    Raw = 0,
    /// A PNG file; width, height and channels describe the decoded image.
    Png = 1,
}

/// A camera frame or any 2-D grid of pixels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    /// Pixels per row (of the decoded image for PNG).
    pub width: u32,
    /// Number of rows, top row first (of the decoded image for PNG).
    pub height: u32,
    /// Values per pixel, interleaved (for example 1 for grey, 3 for RGB).
    pub channels: u32,
    /// Element type of each channel value.
    pub pixel: PixelType,
    /// Whether `data` holds raw HWC pixels or a whole PNG file.
    pub encoding: ImageEncoding,
    /// The pixels: exactly [`Image::raw_len`] bytes when raw, a PNG file when PNG.
    pub data: Vec<u8>,
}

impl Image {
    /// A raw u8 image in HWC order; checks that `data` has exactly `w * h * c` bytes.
    pub fn raw_u8(width: u32, height: u32, channels: u32, data: Vec<u8>) -> Result<Image, ValueError> {
        let img = Image { width, height, channels, pixel: PixelType::U8, encoding: ImageEncoding::Raw, data };
        img.validate()?;
        Ok(img)
    }

    /// Number of bytes a raw image of this geometry holds, or `None` on overflow.
    pub fn raw_len(&self) -> Option<usize> {
        (self.width as usize)
            .checked_mul(self.height as usize)?
            .checked_mul(self.channels as usize)?
            .checked_mul(self.pixel.size())
    }

    /// Checks the geometry against the byte count (raw images only; PNG is opaque here).
    pub fn validate(&self) -> Result<(), ValueError> {
        if self.encoding == ImageEncoding::Raw && self.raw_len() != Some(self.data.len()) {
            return Err(ValueError::Shape(format!(
                "raw image {}x{}x{} of {:?} needs {:?} bytes, has {}",
                self.width,
                self.height,
                self.channels,
                self.pixel,
                self.raw_len(),
                self.data.len()
            )));
        }
        Ok(())
    }
}

/// Anything an engine sends or receives: a sensor reading, an action argument, a reset field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Value {
    /// A scalar `f32` (wire tag 0); NaN and infinities are allowed.
    Float(#[serde(with = "crate::wire::serde_float::scalar")] f32),
    /// A signed 64-bit integer (wire tag 1).
    Int(i64),
    /// A boolean (wire tag 2).
    Bool(bool),
    /// UTF-8 text (wire tag 3).
    String(String),
    /// Opaque bytes (wire tag 4), sent as they are.
    Bytes(Vec<u8>),
    /// Row-major f32 tensor; `data.len()` equals the product of `shape` (1 for rank 0).
    FloatArray {
        /// Dimensions, outermost first; `[]` is a scalar, a 0 anywhere means no elements.
        shape: Vec<u32>,
        /// The elements in row-major (C) order.
        #[serde(with = "crate::wire::serde_float::seq")]
        data: Vec<f32>,
    },
    /// Row-major i32 tensor; `data.len()` equals the product of `shape` (1 for rank 0).
    IntArray {
        /// Dimensions, outermost first; `[]` is a scalar, a 0 anywhere means no elements.
        shape: Vec<u32>,
        /// The elements in row-major (C) order.
        data: Vec<i32>,
    },
    /// A camera frame or other pixel grid (wire tag 7).
    Image(Image),
}

/// Product of a shape's dimensions, or `None` on overflow. The empty shape is a scalar (1).
pub fn shape_len(shape: &[u32]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d as usize))
}

fn check_shape(shape: &[u32], len: usize) -> Result<(), ValueError> {
    if shape_len(shape) != Some(len) {
        return Err(ValueError::Shape(format!("shape {shape:?} does not hold {len} elements")));
    }
    Ok(())
}

impl Value {
    /// A float array with a checked shape.
    pub fn float_array(shape: Vec<u32>, data: Vec<f32>) -> Result<Value, ValueError> {
        check_shape(&shape, data.len())?;
        Ok(Value::FloatArray { shape, data })
    }

    /// A rank-1 float array.
    pub fn floats(data: impl Into<Vec<f32>>) -> Value {
        let data = data.into();
        Value::FloatArray { shape: vec![data.len() as u32], data }
    }

    /// An int array with a checked shape.
    pub fn int_array(shape: Vec<u32>, data: Vec<i32>) -> Result<Value, ValueError> {
        check_shape(&shape, data.len())?;
        Ok(Value::IntArray { shape, data })
    }

    /// A rank-1 int array.
    pub fn ints(data: impl Into<Vec<i32>>) -> Value {
        let data = data.into();
        Value::IntArray { shape: vec![data.len() as u32], data }
    }

    /// Which variant this is, without the payload; `kind() as u32` is the wire tag.
    pub fn kind(&self) -> ValueKind {
        match self {
            Value::Float(_) => ValueKind::Float,
            Value::Int(_) => ValueKind::Int,
            Value::Bool(_) => ValueKind::Bool,
            Value::String(_) => ValueKind::String,
            Value::Bytes(_) => ValueKind::Bytes,
            Value::FloatArray { .. } => ValueKind::FloatArray,
            Value::IntArray { .. } => ValueKind::IntArray,
            Value::Image(_) => ValueKind::Image,
        }
    }

    /// Checks internal consistency (array shape vs. element count, raw image size).
    pub fn validate(&self) -> Result<(), ValueError> {
        match self {
            Value::FloatArray { shape, data } => check_shape(shape, data.len()),
            Value::IntArray { shape, data } => check_shape(shape, data.len()),
            Value::Image(img) => img.validate(),
            _ => Ok(()),
        }
    }

    /// The value as f32: floats as they are, ints and bools converted.
    pub fn as_f32(&self) -> Option<f32> {
        match *self {
            Value::Float(f) => Some(f),
            Value::Int(i) => Some(i as f32),
            Value::Bool(b) => Some(b as u8 as f32),
            _ => None,
        }
    }

    /// The value as a flat f32 vector: float arrays as they are; int arrays, scalars and
    /// u8 raw images converted element by element.
    pub fn to_f32_vec(&self) -> Option<Vec<f32>> {
        match self {
            Value::FloatArray { data, .. } => Some(data.clone()),
            Value::IntArray { data, .. } => Some(data.iter().map(|&x| x as f32).collect()),
            Value::Image(img) if img.encoding == ImageEncoding::Raw && img.pixel == PixelType::U8 => {
                Some(img.data.iter().map(|&x| x as f32).collect())
            }
            Value::Image(img) if img.encoding == ImageEncoding::Raw && img.pixel == PixelType::F32 => {
                Some(img.data.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
            }
            v => v.as_f32().map(|x| vec![x]),
        }
    }

    /// The shape of the value as a tensor: `[]` for scalars, `[len]` for bytes and strings,
    /// the declared shape for arrays, `[height, width, channels]` for images.
    pub fn shape(&self) -> Vec<usize> {
        match self {
            Value::Float(_) | Value::Int(_) | Value::Bool(_) => vec![],
            Value::String(s) => vec![s.len()],
            Value::Bytes(b) => vec![b.len()],
            Value::FloatArray { shape, .. } | Value::IntArray { shape, .. } => {
                shape.iter().map(|&d| d as usize).collect()
            }
            Value::Image(img) => vec![img.height as usize, img.width as usize, img.channels as usize],
        }
    }
}

impl From<f32> for Value {
    fn from(v: f32) -> Self {
        Value::Float(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v as i64)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}
impl From<Vec<f32>> for Value {
    fn from(v: Vec<f32>) -> Self {
        Value::floats(v)
    }
}
impl From<Image> for Value {
    fn from(v: Image) -> Self {
        Value::Image(v)
    }
}

/// A value with its name: one sensor reading, one reset argument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Sensor, config or argument name; on the wire at most
    /// [`Limits::max_name_len`](crate::wire::Limits::max_name_len) bytes of UTF-8.
    pub name: String,
    /// The reading or argument itself.
    pub value: Value,
}

impl Field {
    /// A field from a name and anything that converts into a [`Value`] (`f32`, `i64`, `bool`, `&str`, `Vec<f32>`, ...).
    pub fn new(name: impl Into<String>, value: impl Into<Value>) -> Field {
        Field { name: name.into(), value: value.into() }
    }
}

/// Errors from reading a [`State`] or building a [`Value`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// The state has no field of this name: the engine did not send that sensor.
    #[error("field `{0}` is missing")]
    Missing(String),
    /// The field exists but holds another kind of value than the getter reads.
    #[error("field `{name}` is a {actual}, expected {expected}")]
    WrongType {
        /// The field that was read.
        name: String,
        /// What the getter accepts (`"float"`, `"number"`, `"float array"`, ...).
        expected: &'static str,
        /// What the field actually holds.
        actual: ValueKind,
    },
    /// An array's element count differs from the product of its shape, or a raw image's byte
    /// count from its geometry; the text gives both.
    #[error("bad shape: {0}")]
    Shape(String),
}

/// An ordered list of named values: what an agent's sensors read at one step.
///
/// Order is the engine's; lookups by name are linear, which beats hashing for the handful
/// of fields a state carries.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The readings in the engine's order; lookups by name return the first match.
    pub fields: Vec<Field>,
}

macro_rules! getter {
    ($(#[$doc:meta])* $fn:ident, $variant:ident, $ty:ty, $expected:literal) => {
        $(#[$doc])*
        pub fn $fn(&self, name: &str) -> Result<$ty, ValueError> {
            match self.require(name)? {
                Value::$variant(v) => Ok(v.clone()),
                other => Err(self.wrong(name, $expected, other)),
            }
        }
    };
}

impl State {
    /// An empty state.
    pub fn new() -> State {
        State::default()
    }

    /// A state holding `fields` in the given order.
    pub fn from_fields(fields: Vec<Field>) -> State {
        State { fields }
    }

    /// Appends a field (a later field of the same name shadows nothing: `get` finds the first).
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.fields.push(Field::new(name, value));
    }

    /// Sets a field, replacing the first of the same name or appending.
    pub fn set(&mut self, name: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.fields.iter_mut().find(|f| f.name == name) {
            Some(f) => f.value = value,
            None => self.fields.push(Field { name: name.to_owned(), value }),
        }
    }

    /// The value of the first field named `name`, or `None` if there is none.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.fields.iter().find(|f| f.name == name).map(|f| &f.value)
    }

    /// True if a field named `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Number of fields (duplicates counted).
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// True if the state holds no field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The fields as `(name, value)` pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.fields.iter().map(|f| (f.name.as_str(), &f.value))
    }

    /// The value of a field, or [`ValueError::Missing`].
    pub fn require(&self, name: &str) -> Result<&Value, ValueError> {
        self.get(name).ok_or_else(|| ValueError::Missing(name.to_owned()))
    }

    fn wrong(&self, name: &str, expected: &'static str, actual: &Value) -> ValueError {
        ValueError::WrongType { name: name.to_owned(), expected, actual: actual.kind() }
    }

    getter!(
        /// A float field (exactly `Float`; use [`State::get_number`] to accept ints too).
        get_f32, Float, f32, "float"
    );
    getter!(
        /// An int field.
        get_i64, Int, i64, "int"
    );
    getter!(
        /// A bool field.
        get_bool, Bool, bool, "bool"
    );
    getter!(
        /// A string field.
        get_string, String, String, "string"
    );
    getter!(
        /// A bytes field.
        get_bytes, Bytes, Vec<u8>, "bytes"
    );
    getter!(
        /// An image field.
        get_image, Image, Image, "image"
    );

    /// A float, int or bool field as f32.
    pub fn get_number(&self, name: &str) -> Result<f32, ValueError> {
        let v = self.require(name)?;
        v.as_f32().ok_or_else(|| self.wrong(name, "number", v))
    }

    /// A float array field's elements (shape dropped; see [`State::get_float_array`]).
    pub fn get_floats(&self, name: &str) -> Result<&[f32], ValueError> {
        match self.require(name)? {
            Value::FloatArray { data, .. } => Ok(data),
            other => Err(self.wrong(name, "float array", other)),
        }
    }

    /// A float array field as an ndarray with its shape.
    pub fn get_float_array(&self, name: &str) -> Result<ndarray::ArrayD<f32>, ValueError> {
        match self.require(name)? {
            Value::FloatArray { shape, data } => to_array(shape, data.clone()),
            other => Err(self.wrong(name, "float array", other)),
        }
    }

    /// An int array field's elements.
    pub fn get_ints(&self, name: &str) -> Result<&[i32], ValueError> {
        match self.require(name)? {
            Value::IntArray { data, .. } => Ok(data),
            other => Err(self.wrong(name, "int array", other)),
        }
    }

    /// An int array field as an ndarray with its shape.
    pub fn get_int_array(&self, name: &str) -> Result<ndarray::ArrayD<i32>, ValueError> {
        match self.require(name)? {
            Value::IntArray { shape, data } => to_array(shape, data.clone()),
            other => Err(self.wrong(name, "int array", other)),
        }
    }
}

fn to_array<T>(shape: &[u32], data: Vec<T>) -> Result<ndarray::ArrayD<T>, ValueError> {
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    ndarray::ArrayD::from_shape_vec(dims, data).map_err(|e| ValueError::Shape(e.to_string()))
}

impl FromIterator<Field> for State {
    fn from_iter<I: IntoIterator<Item = Field>>(iter: I) -> Self {
        State { fields: iter.into_iter().collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn getters_report_missing_and_wrong_type() {
        let mut s = State::new();
        s.push("done", true);
        s.push("steps", 12i64);
        assert!(s.get_bool("done").unwrap());
        assert_eq!(s.get_number("steps").unwrap(), 12.0);
        assert_eq!(s.get_f32("nope").unwrap_err(), ValueError::Missing("nope".into()));
        let err = s.get_f32("done").unwrap_err();
        assert_eq!(err.to_string(), "field `done` is a bool, expected float");
    }

    #[test]
    fn arrays_check_their_shape() {
        assert!(Value::float_array(vec![2, 2], vec![0.0; 3]).is_err());
        let v = Value::float_array(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap();
        let mut s = State::new();
        s.push("m", v);
        assert_eq!(s.get_float_array("m").unwrap().shape(), &[2, 2]);
        assert!(Image::raw_u8(2, 2, 3, vec![0; 11]).is_err());
        assert!(Image::raw_u8(2, 2, 3, vec![0; 12]).is_ok());
    }

    #[test]
    fn set_replaces_in_place() {
        let mut s = State::new();
        s.push("a", 1i64);
        s.push("b", 2i64);
        s.set("a", 3i64);
        assert_eq!(s.fields[0].value, Value::Int(3));
        assert_eq!(s.len(), 2);
    }
}
