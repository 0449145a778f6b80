//! [`Sample`], a point of a space: one observation or one action.

use super::serde_util::{from_json_f64, ordered_map, to_json_f64, JsonF64};
use super::{checked_len, DType, SpaceError};
use ndarray::{ArrayD, IxDyn};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point of a space, the Rust counterpart of what Gymnasium's `space.sample()`
/// returns: a NumPy array of some dtype, a string, a dict or a tuple.
///
/// A [`Discrete`](super::Discrete) value is a 0-d `I64` array (see
/// [`Sample::scalar_i64`]), as Gymnasium's `np.int64` scalar is. `Dict` entries are
/// looked up by key everywhere, and equality ignores their order like Python's dict
/// equality; [`Sample::dict`] sorts them by key, the order Gymnasium's Dict uses.
///
/// Floats are compared with `==`, so a sample holding NaN is not equal to itself.
#[derive(Debug, Clone)]
pub enum Sample {
    /// A float32 array (a `Box` of that dtype).
    F32(ArrayD<f32>),
    /// A float64 array.
    F64(ArrayD<f64>),
    /// An int32 array.
    I32(ArrayD<i32>),
    /// An int64 array (`Discrete`, `MultiDiscrete`, int64 `Box`).
    I64(ArrayD<i64>),
    /// A uint8 array (`MultiBinary`, images).
    U8(ArrayD<u8>),
    /// A string (`Text`).
    Text(String),
    /// Named values (`Dict`), looked up by key.
    Dict(Vec<(String, Sample)>),
    /// Values by position (`Tuple`).
    Tuple(Vec<Sample>),
}

impl Sample {
    /// A 0-d `I64` array: what a [`Discrete`](super::Discrete) space samples.
    pub fn scalar_i64(x: i64) -> Sample {
        Sample::I64(ArrayD::from_elem(IxDyn(&[]), x))
    }

    /// A Dict sample with its entries sorted by key.
    pub fn dict<K: Into<String>>(entries: impl IntoIterator<Item = (K, Sample)>) -> Sample {
        let mut v: Vec<(String, Sample)> = entries.into_iter().map(|(k, s)| (k.into(), s)).collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        Sample::Dict(v)
    }

    /// Element type of a numeric array; `None` for text, dicts and tuples.
    pub fn dtype(&self) -> Option<DType> {
        match self {
            Sample::F32(_) => Some(DType::F32),
            Sample::F64(_) => Some(DType::F64),
            Sample::I32(_) => Some(DType::I32),
            Sample::I64(_) => Some(DType::I64),
            Sample::U8(_) => Some(DType::U8),
            Sample::Text(_) | Sample::Dict(_) | Sample::Tuple(_) => None,
        }
    }

    /// Shape of a numeric array; `None` for text, dicts and tuples.
    pub fn shape(&self) -> Option<&[usize]> {
        match self {
            Sample::F32(a) => Some(a.shape()),
            Sample::F64(a) => Some(a.shape()),
            Sample::I32(a) => Some(a.shape()),
            Sample::I64(a) => Some(a.shape()),
            Sample::U8(a) => Some(a.shape()),
            Sample::Text(_) | Sample::Dict(_) | Sample::Tuple(_) => None,
        }
    }

    /// Short name of the variant, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Sample::F32(_) => "float32 array",
            Sample::F64(_) => "float64 array",
            Sample::I32(_) => "int32 array",
            Sample::I64(_) => "int64 array",
            Sample::U8(_) => "uint8 array",
            Sample::Text(_) => "text",
            Sample::Dict(_) => "dict",
            Sample::Tuple(_) => "tuple",
        }
    }

    /// The array, if this is a `F32` sample.
    pub fn as_f32(&self) -> Option<&ArrayD<f32>> {
        match self {
            Sample::F32(a) => Some(a),
            _ => None,
        }
    }

    /// The array, if this is a `F64` sample.
    pub fn as_f64(&self) -> Option<&ArrayD<f64>> {
        match self {
            Sample::F64(a) => Some(a),
            _ => None,
        }
    }

    /// The array, if this is a `I32` sample.
    pub fn as_i32(&self) -> Option<&ArrayD<i32>> {
        match self {
            Sample::I32(a) => Some(a),
            _ => None,
        }
    }

    /// The array, if this is a `I64` sample.
    pub fn as_i64(&self) -> Option<&ArrayD<i64>> {
        match self {
            Sample::I64(a) => Some(a),
            _ => None,
        }
    }

    /// The array, if this is a `U8` sample.
    pub fn as_u8(&self) -> Option<&ArrayD<u8>> {
        match self {
            Sample::U8(a) => Some(a),
            _ => None,
        }
    }

    /// The string, if this is a `Text` sample.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Sample::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The entries, if this is a `Dict` sample.
    pub fn as_dict(&self) -> Option<&[(String, Sample)]> {
        match self {
            Sample::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The items, if this is a `Tuple` sample.
    pub fn as_tuple(&self) -> Option<&[Sample]> {
        match self {
            Sample::Tuple(t) => Some(t),
            _ => None,
        }
    }

    /// The entry `key` of a Dict sample (the first one, should keys repeat).
    pub fn get(&self, key: &str) -> Option<&Sample> {
        self.as_dict()?.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of a 0-d integer array of any integer dtype, as a Discrete action is.
    pub fn as_scalar_i64(&self) -> Option<i64> {
        match self.shape() {
            Some([]) => self.int_values()?.into_iter().next(),
            _ => None,
        }
    }

    /// A numeric array's values widened to `f64`, in row-major order.
    pub fn to_f64_array(&self) -> Option<ArrayD<f64>> {
        Some(match self {
            Sample::F32(a) => a.mapv(f64::from),
            Sample::F64(a) => a.clone(),
            Sample::I32(a) => a.mapv(f64::from),
            // Exact up to ±2^53, like NumPy's int64 -> float64 cast.
            Sample::I64(a) => a.mapv(|v| v as f64),
            Sample::U8(a) => a.mapv(f64::from),
            _ => return None,
        })
    }

    /// Values of an integer array in row-major order; `None` for anything else.
    pub(crate) fn int_values(&self) -> Option<Vec<i64>> {
        match self {
            Sample::I32(a) => Some(a.iter().map(|&v| i64::from(v)).collect()),
            Sample::I64(a) => Some(a.iter().copied().collect()),
            Sample::U8(a) => Some(a.iter().map(|&v| i64::from(v)).collect()),
            _ => None,
        }
    }
}

impl PartialEq for Sample {
    fn eq(&self, other: &Sample) -> bool {
        match (self, other) {
            (Sample::F32(a), Sample::F32(b)) => a == b,
            (Sample::F64(a), Sample::F64(b)) => a == b,
            (Sample::I32(a), Sample::I32(b)) => a == b,
            (Sample::I64(a), Sample::I64(b)) => a == b,
            (Sample::U8(a), Sample::U8(b)) => a == b,
            (Sample::Text(a), Sample::Text(b)) => a == b,
            (Sample::Tuple(a), Sample::Tuple(b)) => a == b,
            (Sample::Dict(a), Sample::Dict(b)) => {
                // Order-insensitive, like Python dict equality.
                let mut a: Vec<_> = a.iter().collect();
                let mut b: Vec<_> = b.iter().collect();
                a.sort_by(|x, y| x.0.cmp(&y.0));
                b.sort_by(|x, y| x.0.cmp(&y.0));
                a == b
            }
            _ => false,
        }
    }
}

macro_rules! from_array {
    ($t:ty, $v:ident) => {
        impl From<ArrayD<$t>> for Sample {
            fn from(a: ArrayD<$t>) -> Sample {
                Sample::$v(a)
            }
        }
    };
}
from_array!(f32, F32);
from_array!(f64, F64);
from_array!(i32, I32);
from_array!(i64, I64);
from_array!(u8, U8);

impl From<String> for Sample {
    fn from(s: String) -> Sample {
        Sample::Text(s)
    }
}

impl From<&str> for Sample {
    fn from(s: &str) -> Sample {
        Sample::Text(s.to_string())
    }
}

impl From<Vec<Sample>> for Sample {
    fn from(v: Vec<Sample>) -> Sample {
        Sample::Tuple(v)
    }
}

/// JSON-friendly form: arrays as `{shape, data}` with floats that may be non-finite.
#[derive(Serialize, Deserialize)]
enum SampleRepr {
    F32 {
        shape: Vec<usize>,
        data: Vec<JsonF64>,
    },
    F64 {
        shape: Vec<usize>,
        data: Vec<JsonF64>,
    },
    I32 {
        shape: Vec<usize>,
        data: Vec<i32>,
    },
    I64 {
        shape: Vec<usize>,
        data: Vec<i64>,
    },
    U8 {
        shape: Vec<usize>,
        data: Vec<u8>,
    },
    /// A string (`Text`).
    Text(String),
    Dict(#[serde(with = "ordered_map")] Vec<(String, SampleRepr)>),
    Tuple(Vec<SampleRepr>),
}

impl SampleRepr {
    fn from_sample(s: &Sample) -> SampleRepr {
        fn parts<T: Clone>(a: &ArrayD<T>) -> (Vec<usize>, Vec<T>) {
            (a.shape().to_vec(), a.iter().cloned().collect())
        }
        match s {
            Sample::F32(a) => {
                SampleRepr::F32 { shape: a.shape().to_vec(), data: to_json_f64(a.iter().map(|&v| f64::from(v))) }
            }
            Sample::F64(a) => SampleRepr::F64 { shape: a.shape().to_vec(), data: to_json_f64(a.iter().copied()) },
            Sample::I32(a) => {
                let (shape, data) = parts(a);
                SampleRepr::I32 { shape, data }
            }
            Sample::I64(a) => {
                let (shape, data) = parts(a);
                SampleRepr::I64 { shape, data }
            }
            Sample::U8(a) => {
                let (shape, data) = parts(a);
                SampleRepr::U8 { shape, data }
            }
            Sample::Text(t) => SampleRepr::Text(t.clone()),
            Sample::Dict(d) => {
                SampleRepr::Dict(d.iter().map(|(k, v)| (k.clone(), SampleRepr::from_sample(v))).collect())
            }
            Sample::Tuple(t) => SampleRepr::Tuple(t.iter().map(SampleRepr::from_sample).collect()),
        }
    }

    fn into_sample(self) -> Result<Sample, SpaceError> {
        fn array<T>(shape: Vec<usize>, data: Vec<T>) -> Result<ArrayD<T>, SpaceError> {
            let need = checked_len(&shape)?;
            if data.len() != need {
                return Err(SpaceError::DataLength { what: "sample", got: data.len(), shape, need });
            }
            ArrayD::from_shape_vec(IxDyn(&shape), data)
                .map_err(|e| SpaceError::TooLarge(format!("sample shape {shape:?} ({e})")))
        }
        Ok(match self {
            // The values came from f32 when serialized, so narrowing back is exact.
            SampleRepr::F32 { shape, data } => {
                Sample::F32(array(shape, from_json_f64(data).into_iter().map(|v| v as f32).collect())?)
            }
            SampleRepr::F64 { shape, data } => Sample::F64(array(shape, from_json_f64(data))?),
            SampleRepr::I32 { shape, data } => Sample::I32(array(shape, data)?),
            SampleRepr::I64 { shape, data } => Sample::I64(array(shape, data)?),
            SampleRepr::U8 { shape, data } => Sample::U8(array(shape, data)?),
            SampleRepr::Text(t) => Sample::Text(t),
            SampleRepr::Dict(d) => {
                Sample::Dict(d.into_iter().map(|(k, v)| Ok((k, v.into_sample()?))).collect::<Result<_, SpaceError>>()?)
            }
            SampleRepr::Tuple(t) => {
                Sample::Tuple(t.into_iter().map(SampleRepr::into_sample).collect::<Result<_, _>>()?)
            }
        })
    }
}

impl Serialize for Sample {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SampleRepr::from_sample(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Sample {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        SampleRepr::deserialize(d)?.into_sample().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn helpers_report_dtype_shape_and_values() {
        let s = Sample::scalar_i64(4);
        assert_eq!(s.dtype(), Some(DType::I64));
        assert_eq!(s.shape(), Some(&[][..]));
        assert_eq!(s.as_scalar_i64(), Some(4));
        let v = Sample::from(arr1(&[1.0f32, 2.0]).into_dyn());
        assert_eq!(v.shape(), Some(&[2][..]));
        assert_eq!(v.as_scalar_i64(), None);
        assert_eq!(v.to_f64_array().unwrap(), arr1(&[1.0, 2.0]).into_dyn());
        assert!(v.as_i64().is_none());
        assert_eq!(Sample::from("hi").as_text(), Some("hi"));
        assert_eq!(Sample::from("hi").shape(), None);
    }

    #[test]
    fn dict_is_sorted_and_compared_by_key() {
        let d = Sample::dict([("b", Sample::scalar_i64(1)), ("a", Sample::from("x"))]);
        let keys: Vec<_> = d.as_dict().unwrap().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(d.get("b"), Some(&Sample::scalar_i64(1)));
        assert_eq!(d.get("c"), None);
        let unsorted = Sample::Dict(vec![("b".into(), Sample::scalar_i64(1)), ("a".into(), Sample::from("x"))]);
        assert_eq!(d, unsorted);
        let different = Sample::dict([("b", Sample::scalar_i64(2)), ("a", Sample::from("x"))]);
        assert_ne!(d, different);
    }

    #[test]
    fn json_round_trip_keeps_non_finite_floats() {
        let s = Sample::Tuple(vec![
            Sample::from(arr1(&[f32::INFINITY, -0.5]).into_dyn()),
            Sample::dict([("z", Sample::from(arr1(&[7u8]).into_dyn()))]),
            Sample::from("text"),
            Sample::scalar_i64(-3),
        ]);
        let json = serde_json::to_string(&s).unwrap();
        let back: Sample = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn json_with_wrong_data_length_is_refused() {
        let err = serde_json::from_str::<Sample>(r#"{"I64":{"shape":[3],"data":[1,2]}}"#).unwrap_err().to_string();
        assert!(err.contains("has 2 values but shape [3] needs 3"), "{err}");
    }
}
