//! [`Space`], the enum over every kind of space.

use super::{
    flatten, BoxSpace, DType, DictSpace, Discrete, MultiBinary, MultiDiscrete, Result, Sample, SpaceRng, TextSpace,
    TupleSpace,
};
use ndarray::Array1;
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Any space: what an observation or action is drawn from.
///
/// Serialized as a JSON object tagged by `"type"` (`"Box"`, `"Discrete"`,
/// `"MultiDiscrete"`, `"MultiBinary"`, `"Dict"`, `"Tuple"`, `"Text"`). Deserializing
/// runs the same validation as the constructors, so an ill-formed space in JSON is
/// refused rather than built.
///
/// ```
/// use ai4u_core::spaces::{BoxSpace, DType, Discrete, Space, TupleSpace};
///
/// let action = Space::from(TupleSpace::new(vec![
///     Discrete::new(4)?.into(),
///     BoxSpace::uniform(0.0, 1.0, &[2], DType::F32)?.into(),
/// ]));
/// let a = action.sample_seeded(42);
/// assert_eq!(a, action.sample_seeded(42));
/// assert!(action.contains(&a));
/// assert_eq!(action.shape(), None);
/// assert_eq!(action.flatdim()?, 6);
///
/// let json = serde_json::to_string(&action).unwrap();
/// assert_eq!(serde_json::from_str::<Space>(&json).unwrap(), action);
/// let bad = r#"{"type":"Box","shape":[1],"low":[2.0],"high":[1.0],"dtype":"float32"}"#;
/// assert!(serde_json::from_str::<Space>(bad).is_err());
/// # Ok::<(), ai4u_core::spaces::SpaceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Space {
    /// Gymnasium's `Box`.
    Box(BoxSpace),
    /// Gymnasium's `Discrete`.
    Discrete(Discrete),
    /// Gymnasium's `MultiDiscrete`.
    MultiDiscrete(MultiDiscrete),
    /// Gymnasium's `MultiBinary`.
    MultiBinary(MultiBinary),
    /// Gymnasium's `Dict`.
    Dict(DictSpace),
    /// Gymnasium's `Tuple`.
    Tuple(TupleSpace),
    /// Gymnasium's `Text`.
    Text(TextSpace),
}

impl Space {
    /// A random element; the same generator state gives the same sample.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        match self {
            Space::Box(s) => s.sample(rng),
            Space::Discrete(s) => s.sample(rng),
            Space::MultiDiscrete(s) => s.sample(rng),
            Space::MultiBinary(s) => s.sample(rng),
            Space::Dict(s) => s.sample(rng),
            Space::Tuple(s) => s.sample(rng),
            Space::Text(s) => s.sample(rng),
        }
    }

    /// A sample drawn from a fresh [`SpaceRng`] seeded with `seed`.
    pub fn sample_seeded(&self, seed: u64) -> Sample {
        let mut rng: SpaceRng = super::rng(seed);
        self.sample(&mut rng)
    }

    /// Whether `x` is an element of the space, with Gymnasium's `contains` rules.
    pub fn contains(&self, x: &Sample) -> bool {
        match self {
            Space::Box(s) => s.contains(x),
            Space::Discrete(s) => s.contains(x),
            Space::MultiDiscrete(s) => s.contains(x),
            Space::MultiBinary(s) => s.contains(x),
            Space::Dict(s) => s.contains(x),
            Space::Tuple(s) => s.contains(x),
            Space::Text(s) => s.contains(x),
        }
    }

    /// Gymnasium's `space.shape`: `Some(vec![])` for Discrete, `None` for Dict, Tuple
    /// and Text, which have no array shape.
    pub fn shape(&self) -> Option<Vec<usize>> {
        match self {
            Space::Box(s) => Some(s.shape().to_vec()),
            Space::Discrete(_) => Some(vec![]),
            Space::MultiDiscrete(s) => Some(s.shape().to_vec()),
            Space::MultiBinary(s) => Some(s.shape().to_vec()),
            Space::Dict(_) | Space::Tuple(_) | Space::Text(_) => None,
        }
    }

    /// Gymnasium's `space.dtype`: the dtype of the samples, `None` for composite and
    /// text spaces.
    pub fn dtype(&self) -> Option<DType> {
        match self {
            Space::Box(s) => Some(s.dtype()),
            Space::Discrete(_) | Space::MultiDiscrete(_) => Some(DType::I64),
            Space::MultiBinary(_) => Some(DType::U8),
            Space::Dict(_) | Space::Tuple(_) | Space::Text(_) => None,
        }
    }

    /// Same as [`flatdim`](super::flatdim).
    pub fn flatdim(&self) -> Result<usize> {
        flatten::flatdim(self)
    }

    /// Same as [`flatten`](super::flatten()).
    pub fn flatten(&self, x: &Sample) -> Result<Array1<f64>> {
        flatten::flatten(self, x)
    }

    /// Same as [`unflatten`](super::unflatten).
    pub fn unflatten(&self, x: &Array1<f64>) -> Result<Sample> {
        flatten::unflatten(self, x)
    }

    /// Same as [`flatten_space`](super::flatten_space).
    pub fn flatten_space(&self) -> Result<BoxSpace> {
        flatten::flatten_space(self)
    }
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Box(s) => s.fmt(f),
            Space::Discrete(s) => s.fmt(f),
            Space::MultiDiscrete(s) => s.fmt(f),
            Space::MultiBinary(s) => s.fmt(f),
            Space::Dict(s) => s.fmt(f),
            Space::Tuple(s) => s.fmt(f),
            Space::Text(s) => s.fmt(f),
        }
    }
}

macro_rules! from_space {
    ($t:ty, $v:ident) => {
        impl From<$t> for Space {
            fn from(s: $t) -> Space {
                Space::$v(s)
            }
        }
    };
}
from_space!(BoxSpace, Box);
from_space!(Discrete, Discrete);
from_space!(MultiDiscrete, MultiDiscrete);
from_space!(MultiBinary, MultiBinary);
from_space!(DictSpace, Dict);
from_space!(TupleSpace, Tuple);
from_space!(TextSpace, Text);

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn shape_and_dtype_follow_gymnasium() {
        let d = Space::from(Discrete::new(3).unwrap());
        assert_eq!(d.shape(), Some(vec![]));
        assert_eq!(d.dtype(), Some(DType::I64));
        let m = Space::from(MultiDiscrete::new(arr1(&[2, 3]).into_dyn()).unwrap());
        assert_eq!(m.shape(), Some(vec![2]));
        let b = Space::from(MultiBinary::with_shape(&[2, 2]).unwrap());
        assert_eq!(b.shape(), Some(vec![2, 2]));
        assert_eq!(b.dtype(), Some(DType::U8));
        let t = Space::from(TextSpace::new(4).unwrap());
        assert_eq!(t.shape(), None);
        assert_eq!(t.dtype(), None);
        let tup = Space::from(TupleSpace::new(vec![d.clone()]));
        assert_eq!(tup.shape(), None);
    }

    #[test]
    fn json_uses_a_type_tag() {
        let d = Space::from(Discrete::with_start(3, 1).unwrap());
        let json = serde_json::to_string(&d).unwrap();
        assert_eq!(json, r#"{"type":"Discrete","n":3,"start":1}"#);
        let plain: Space = serde_json::from_str(r#"{"type":"Discrete","n":5}"#).unwrap();
        assert_eq!(plain, Discrete::new(5).unwrap().into());
        let err = serde_json::from_str::<Space>(r#"{"type":"Discrete","n":0}"#).unwrap_err().to_string();
        assert!(err.contains("Discrete n must be > 0"), "{err}");
        assert!(serde_json::from_str::<Space>(r#"{"type":"Graph"}"#).is_err());
    }
}
