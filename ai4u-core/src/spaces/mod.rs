//! Gymnasium's spaces vocabulary on `ndarray`: the sets that observations and actions
//! are drawn from, how to sample them, test membership and flatten them into vectors.
//!
//! The semantics follow gymnasium 1.x (`gymnasium.spaces` and
//! `gymnasium.spaces.utils`), so a controller written against Gymnasium sees the same
//! shapes, flat dimensions and one-hot layouts. Differences that remain are deliberate
//! and documented on the item they concern (for example [`MultiBinary`] samples are
//! `u8` instead of `int8`, and every space refuses NaN or non-integral bounds where
//! Gymnasium would only warn).
//!
//! ```
//! use ai4u_core::spaces::{self, BoxSpace, DType, Discrete, DictSpace, Space};
//!
//! let space: Space = DictSpace::new(vec![
//!     ("b".to_string(), BoxSpace::uniform(-1.0, 1.0, &[2], DType::F32)?.into()),
//!     ("a".to_string(), Discrete::new(3)?.into()),
//! ])?
//! .into();
//! let x = space.sample(&mut spaces::rng(7));
//! assert!(space.contains(&x));
//! assert_eq!(spaces::flatdim(&space)?, 5);
//! let flat = spaces::flatten(&space, &x)?;
//! assert_eq!(spaces::unflatten(&space, &flat)?, x);
//! # Ok::<(), spaces::SpaceError>(())
//! ```

#![warn(missing_docs)]

mod boxspace;
#[cfg(test)]
mod boxspace_tests;
mod composite;
mod discrete;
mod flatten;
mod sample;
mod serde_util;
mod space;
mod text;

pub use boxspace::BoxSpace;
pub use composite::{DictSpace, TupleSpace};
pub use discrete::{Discrete, MultiBinary, MultiDiscrete};
pub use flatten::{flatdim, flatten, flatten_space, unflatten};
pub use sample::Sample;
pub use space::Space;
pub use text::TextSpace;

use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The random generator spaces are sampled with when reproducibility matters: a
/// seedable, portable stream cipher, so the same seed gives the same samples on every
/// platform.
pub type SpaceRng = rand_chacha::ChaCha8Rng;

/// A [`SpaceRng`] seeded with `seed`, the counterpart of Gymnasium's `space.seed(seed)`.
///
/// ```
/// use ai4u_core::spaces::{rng, Discrete, Space};
/// let space = Space::from(Discrete::new(10).unwrap());
/// assert_eq!(space.sample(&mut rng(3)), space.sample(&mut rng(3)));
/// ```
pub fn rng(seed: u64) -> SpaceRng {
    SpaceRng::seed_from_u64(seed)
}

/// Result type of this module.
pub type Result<T, E = SpaceError> = std::result::Result<T, E>;

/// Element type of a numeric space or sample, named like NumPy's dtypes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DType {
    /// 32-bit float.
    #[serde(rename = "float32")]
    F32,
    /// 64-bit float.
    #[serde(rename = "float64")]
    F64,
    /// 32-bit signed integer.
    #[serde(rename = "int32")]
    I32,
    /// 64-bit signed integer.
    #[serde(rename = "int64")]
    I64,
    /// 8-bit unsigned integer.
    #[serde(rename = "uint8")]
    U8,
}

impl DType {
    /// Every dtype, in declaration order.
    pub const ALL: [DType; 5] = [DType::F32, DType::F64, DType::I32, DType::I64, DType::U8];

    /// NumPy's name for the dtype (`"float32"`, `"uint8"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            DType::F32 => "float32",
            DType::F64 => "float64",
            DType::I32 => "int32",
            DType::I64 => "int64",
            DType::U8 => "uint8",
        }
    }

    /// Whether the dtype holds floating point values.
    pub fn is_float(self) -> bool {
        matches!(self, DType::F32 | DType::F64)
    }

    /// Whether the dtype holds integers.
    pub fn is_integer(self) -> bool {
        !self.is_float()
    }

    /// NumPy's `can_cast(from, to)` with the default "safe" casting: whether every value
    /// of `self` is exactly representable in `to`. Gymnasium's `Box.contains` accepts a
    /// sample exactly when this holds for the sample's dtype.
    pub fn can_cast_to(self, to: DType) -> bool {
        use DType::*;
        match to {
            F64 => true,
            F32 => matches!(self, F32 | U8),
            I64 => matches!(self, I64 | I32 | U8),
            I32 => matches!(self, I32 | U8),
            U8 => self == U8,
        }
    }

    /// NumPy's `result_type(a, b)`: the smallest dtype both cast to safely. Used to pick
    /// the dtype of a flattened Dict or Tuple space, as Gymnasium does.
    pub fn promote(self, other: DType) -> DType {
        if self.can_cast_to(other) {
            other
        } else if other.can_cast_to(self) {
            self
        } else {
            // Only float32 with int32/int64 get here; NumPy widens those to float64.
            DType::F64
        }
    }

    /// Smallest and largest value of an integer dtype, as `i64`; `None` for floats.
    pub(crate) fn int_range(self) -> Option<(i64, i64)> {
        match self {
            DType::I32 => Some((i32::MIN as i64, i32::MAX as i64)),
            DType::I64 => Some((i64::MIN, i64::MAX)),
            DType::U8 => Some((0, u8::MAX as i64)),
            DType::F32 | DType::F64 => None,
        }
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a space could not be built, or why a sample or flat vector does not fit a space.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
// The fields are the values the messages name; documenting each adds nothing.
#[allow(missing_docs)]
pub enum SpaceError {
    /// A Box lower bound exceeds its upper bound.
    #[error("Box low {low} > high {high} at index {index:?}")]
    BoxLowAboveHigh { low: f64, high: f64, index: Vec<usize> },
    /// Box `low` and `high` have different shapes.
    #[error("Box low shape {low:?} does not match high shape {high:?}")]
    BoxLowHighShape { low: Vec<usize>, high: Vec<usize> },
    /// A Box bound's shape is neither the requested shape nor 0-d.
    #[error("Box shape {shape:?} does not match {which} shape {got:?}")]
    BoxShape { shape: Vec<usize>, which: &'static str, got: Vec<usize> },
    /// A Box bound is NaN.
    #[error("Box {which} is NaN at index {index:?}")]
    BoxNan { which: &'static str, index: Vec<usize> },
    /// A Box bound is fractional for an integer dtype.
    #[error("Box {which} {value} at index {index:?} is not an integer, as dtype {dtype} requires")]
    BoxBoundNotInteger { which: &'static str, value: f64, index: Vec<usize>, dtype: DType },
    /// A Box bound the dtype cannot hold, or that leaves no value (a +inf lower bound).
    #[error("Box {which} {value} at index {index:?} is out of range for dtype {dtype}")]
    BoxBoundOutOfRange { which: &'static str, value: f64, index: Vec<usize>, dtype: DType },
    /// A Discrete space with no value.
    #[error("Discrete n must be > 0, got {0}")]
    DiscreteN(i64),
    /// A MultiDiscrete element with no value.
    #[error("MultiDiscrete nvec must be > 0, got {value} at index {index:?}")]
    MultiDiscreteNvec { value: i64, index: Vec<usize> },
    /// MultiDiscrete `start` and `nvec` have different shapes.
    #[error("MultiDiscrete start shape {start:?} does not match nvec shape {nvec:?}")]
    MultiDiscreteStartShape { start: Vec<usize>, nvec: Vec<usize> },
    /// A MultiBinary dimension is 0.
    #[error("MultiBinary shape dimensions must be > 0, got {0:?}")]
    MultiBinaryShape(Vec<usize>),
    /// The last value of a Discrete or MultiDiscrete does not fit in i64.
    #[error("{0}: start + n overflows i64")]
    StartOverflow(&'static str),
    /// Text `min_length` exceeds `max_length`.
    #[error("Text min_length {min_length} > max_length {max_length}")]
    TextLength { min_length: usize, max_length: usize },
    /// A Text charset with no character.
    #[error("Text charset must not be empty")]
    TextEmptyCharset,
    /// A Text charset listing a character twice.
    #[error("Text charset has duplicate character {0:?}")]
    TextDuplicateChar(char),
    /// A Dict naming two subspaces alike.
    #[error("Dict has duplicate key {0:?}")]
    DictDuplicateKey(String),
    /// A serialized array whose value count does not match its shape.
    #[error("{what} has {got} values but shape {shape:?} needs {need}")]
    DataLength { what: &'static str, got: usize, shape: Vec<usize>, need: usize },
    /// A size that does not fit in `usize`.
    #[error("{0} is too large")]
    TooLarge(String),
    /// [`flatten`] was given a sample that does not belong to the space.
    #[error("sample does not belong to {space}: {reason}")]
    NotInSpace { space: String, reason: String },
    /// A flat vector whose length is not the space's [`flatdim`].
    #[error("flat vector has {got} values but {space} has flatdim {expected}")]
    FlatLength { space: String, expected: usize, got: usize },
    /// A flat vector holding a value the space cannot take.
    #[error("cannot unflatten into {space}: {reason}")]
    BadFlatValue { space: String, reason: String },
}

impl SpaceError {
    pub(crate) fn not_in(space: &impl fmt::Display, reason: impl Into<String>) -> Self {
        SpaceError::NotInSpace { space: space.to_string(), reason: reason.into() }
    }

    pub(crate) fn bad_flat(space: &impl fmt::Display, reason: impl Into<String>) -> Self {
        SpaceError::BadFlatValue { space: space.to_string(), reason: reason.into() }
    }
}

/// Product of dimensions, refusing overflow instead of wrapping: shapes can come from
/// untrusted JSON. Also refuses, as ndarray would by panicking, a shape whose non-zero
/// dimensions multiply past `isize::MAX`, even when a zero dimension leaves it empty.
pub(crate) fn checked_len(shape: &[usize]) -> Result<usize> {
    let too_large = || SpaceError::TooLarge(format!("shape {shape:?}"));
    let nonzero = shape
        .iter()
        .filter(|&&d| d != 0)
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize)
        .ok_or_else(too_large)?;
    Ok(if shape.contains(&0) { 0 } else { nonzero })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn promote_matches_numpy_result_type() {
        use DType::*;
        assert_eq!(U8.promote(I32), I32);
        assert_eq!(I32.promote(I64), I64);
        assert_eq!(U8.promote(F32), F32);
        assert_eq!(F32.promote(I32), F64);
        assert_eq!(I64.promote(F32), F64);
        assert_eq!(F64.promote(U8), F64);
        for a in DType::ALL {
            assert_eq!(a.promote(a), a);
            for b in DType::ALL {
                assert_eq!(a.promote(b), b.promote(a));
            }
        }
    }

    #[test]
    fn dtype_names_and_serde() {
        assert_eq!(DType::F32.to_string(), "float32");
        assert_eq!(serde_json::to_string(&DType::U8).unwrap(), "\"uint8\"");
        let back: DType = serde_json::from_str("\"int64\"").unwrap();
        assert_eq!(back, DType::I64);
    }

    #[test]
    fn checked_len_refuses_overflow() {
        assert_eq!(checked_len(&[2, 3]).unwrap(), 6);
        assert_eq!(checked_len(&[]).unwrap(), 1);
        assert!(checked_len(&[usize::MAX, 2]).is_err());
        assert!(checked_len(&[0, usize::MAX, 2]).is_err());
        assert_eq!(checked_len(&[0, 1 << 30]).unwrap(), 0);
    }
}
