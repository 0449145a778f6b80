//! [`BoxSpace`], Gymnasium's `Box`: a possibly unbounded box in R^n.

use super::serde_util::{from_json_f64, to_json_f64, JsonF64};
use super::{checked_len, DType, Result, Sample, SpaceError};
use ndarray::{ArrayBase, ArrayD, Data, Dimension, IxDyn};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Gymnasium's `Box`: arrays of one shape and dtype whose every element lies in
/// `[low, high]` for that element's bounds.
///
/// Bounds are kept as `f64` and may be infinite. They are stored already cast to the
/// dtype (float32 bounds are rounded to float32, as Gymnasium casts `low`/`high`), so
/// samples and bounds compare exactly. Unlike Gymnasium, which warns and truncates,
/// non-integral bounds for an integer dtype and NaN bounds are refused.
///
/// Sampling follows Gymnasium: each element is drawn uniformly when both its bounds
/// are finite (uniform integers in `[low, high]` for integer dtypes), from a normal
/// distribution when it is unbounded, and from a shifted exponential when only one
/// bound is finite.
///
/// ```
/// use ai4u_core::spaces::{rng, BoxSpace, DType};
/// let b = BoxSpace::uniform(-1.0, 1.0, &[3], DType::F32)?;
/// let x = b.sample(&mut rng(0));
/// assert!(b.contains(&x));
/// assert_eq!(b.to_string(), "Box(-1, 1, (3,), float32)");
/// assert!(BoxSpace::uniform(2.0, 1.0, &[1], DType::F32).is_err());
/// # Ok::<(), ai4u_core::spaces::SpaceError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "BoxRepr", into = "BoxRepr")]
pub struct BoxSpace {
    low: ArrayD<f64>,
    high: ArrayD<f64>,
    dtype: DType,
}

impl BoxSpace {
    /// A box with per-element bounds; `low` and `high` must have the same shape, which
    /// becomes the space's shape.
    pub fn new(low: ArrayD<f64>, high: ArrayD<f64>, dtype: DType) -> Result<BoxSpace> {
        if low.shape() != high.shape() {
            return Err(SpaceError::BoxLowHighShape { low: low.shape().to_vec(), high: high.shape().to_vec() });
        }
        let low = cast_bounds(low, "low", dtype)?;
        let high = cast_bounds(high, "high", dtype)?;
        for ((idx, &l), &h) in low.indexed_iter().zip(high.iter()) {
            if l > h {
                return Err(SpaceError::BoxLowAboveHigh { low: l, high: h, index: idx.slice().to_vec() });
            }
        }
        Ok(BoxSpace { low, high, dtype })
    }

    /// A box of the given shape; a 0-d `low` or `high` is broadcast to it, as Gymnasium
    /// broadcasts scalar bounds, any other must already have that shape.
    pub fn with_shape(low: ArrayD<f64>, high: ArrayD<f64>, shape: &[usize], dtype: DType) -> Result<BoxSpace> {
        checked_len(shape)?;
        let fit = |a: ArrayD<f64>, which: &'static str| -> Result<ArrayD<f64>> {
            if a.shape() == shape {
                Ok(a)
            } else if a.ndim() == 0 {
                let v = a.iter().next().copied().unwrap_or(f64::NAN);
                Ok(ArrayD::from_elem(IxDyn(shape), v))
            } else {
                Err(SpaceError::BoxShape { shape: shape.to_vec(), which, got: a.shape().to_vec() })
            }
        };
        BoxSpace::new(fit(low, "low")?, fit(high, "high")?, dtype)
    }

    /// A box whose every element has the same bounds, like `Box(low, high, shape)`.
    pub fn uniform(low: f64, high: f64, shape: &[usize], dtype: DType) -> Result<BoxSpace> {
        checked_len(shape)?;
        BoxSpace::new(ArrayD::from_elem(IxDyn(shape), low), ArrayD::from_elem(IxDyn(shape), high), dtype)
    }

    /// Lower bounds (cast to the dtype; `-inf` where unbounded).
    pub fn low(&self) -> &ArrayD<f64> {
        &self.low
    }

    /// Upper bounds (cast to the dtype; `+inf` where unbounded).
    pub fn high(&self) -> &ArrayD<f64> {
        &self.high
    }

    /// Shape of every sample.
    pub fn shape(&self) -> &[usize] {
        self.low.shape()
    }

    /// Element type of every sample.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Whether every element has a finite lower bound.
    pub fn is_bounded_below(&self) -> bool {
        self.low.iter().all(|v| v.is_finite())
    }

    /// Whether every element has a finite upper bound.
    pub fn is_bounded_above(&self) -> bool {
        self.high.iter().all(|v| v.is_finite())
    }

    /// Gymnasium's `is_bounded("both")`.
    pub fn is_bounded(&self) -> bool {
        self.is_bounded_below() && self.is_bounded_above()
    }

    /// A random element of the box.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        match self.dtype {
            DType::F64 => Sample::F64(self.sample_float(rng)),
            // Rounding to nearest is monotonic and the bounds are float32 values, so
            // the narrowed sample stays inside them.
            DType::F32 => Sample::F32(self.sample_float(rng).mapv(|v| v as f32)),
            // sample_int clamps into the dtype's range, so these casts never wrap.
            DType::I32 => Sample::I32(self.sample_int(rng).mapv(|v| v as i32)),
            DType::I64 => Sample::I64(self.sample_int(rng)),
            DType::U8 => Sample::U8(self.sample_int(rng).mapv(|v| v as u8)),
        }
    }

    fn sample_float<R: Rng + ?Sized>(&self, rng: &mut R) -> ArrayD<f64> {
        let mut out = ArrayD::zeros(self.low.raw_dim());
        for ((o, &l), &h) in out.iter_mut().zip(self.low.iter()).zip(self.high.iter()) {
            let v = match (l.is_finite(), h.is_finite()) {
                // Written as a convex combination: `h - l` overflows for huge bounds.
                (true, true) => {
                    let u: f64 = rng.gen();
                    l * (1.0 - u) + h * u
                }
                (true, false) => l + exponential(rng),
                (false, true) => h - exponential(rng),
                (false, false) => normal(rng),
            };
            *o = v.clamp(l, h);
        }
        out
    }

    fn sample_int<R: Rng + ?Sized>(&self, rng: &mut R) -> ArrayD<i64> {
        let mut out = ArrayD::zeros(self.low.raw_dim());
        for ((o, &l), &h) in out.iter_mut().zip(self.low.iter()).zip(self.high.iter()) {
            let (lo, hi) = self.int_bounds(l, h);
            *o = match (l.is_finite(), h.is_finite()) {
                (true, true) => rng.gen_range(lo..=hi),
                // Gymnasium draws in floats on [low, high + 1) then floors; `as`
                // saturates and the clamp keeps the result inside the bounds.
                (true, false) => ((l + exponential(rng)).floor() as i64).clamp(lo, hi),
                (false, true) => ((h + 1.0 - exponential(rng)).floor() as i64).clamp(lo, hi),
                (false, false) => (normal(rng).floor() as i64).clamp(lo, hi),
            };
        }
        out
    }

    /// Integer bounds of one element, infinite ones replaced by the dtype's limits.
    fn int_bounds(&self, l: f64, h: f64) -> (i64, i64) {
        let (min, max) = self.dtype.int_range().unwrap_or((i64::MIN, i64::MAX));
        // Finite bounds were checked integral and inside the dtype when built.
        let lo = if l.is_finite() { l as i64 } else { min };
        let hi = if h.is_finite() { h as i64 } else { max };
        (lo, hi)
    }

    /// Gymnasium's `Box.contains`: the sample's dtype casts safely to the box's
    /// (`np.can_cast`), the shapes are equal and every element is within its bounds.
    pub fn contains(&self, x: &Sample) -> bool {
        let Some(dtype) = x.dtype() else {
            return false;
        };
        if !dtype.can_cast_to(self.dtype) || x.shape() != Some(self.shape()) {
            return false;
        }
        if self.dtype.is_integer() {
            // Compare integers exactly: int64 values lose precision as f64.
            let Some(values) = x.int_values() else {
                return false;
            };
            values.iter().zip(self.low.iter().zip(self.high.iter())).all(|(&v, (&l, &h))| {
                let (lo, hi) = self.int_bounds(l, h);
                lo <= v && v <= hi
            })
        } else {
            let Some(values) = x.to_f64_array() else {
                return false;
            };
            values.iter().zip(self.low.iter().zip(self.high.iter())).all(|(&v, (&l, &h))| l <= v && v <= h)
        }
    }

    /// Turns `f64` values into a sample of this box's dtype and shape (the values are
    /// taken in row-major order, so a flat vector works). Float32 rounds to nearest;
    /// integer dtypes refuse values that are not integers within the dtype. Bounds are
    /// not checked, as Gymnasium's `unflatten` does not check them either.
    pub fn cast<S: Data<Elem = f64>, D: Dimension>(&self, values: &ArrayBase<S, D>) -> Result<Sample> {
        let need = self.low.len();
        if values.len() != need {
            return Err(SpaceError::FlatLength { space: self.to_string(), expected: need, got: values.len() });
        }
        let shape = self.low.raw_dim();
        let shaped = |v: Vec<f64>| ArrayD::from_shape_vec(shape.clone(), v);
        let as_int = |pos: usize, v: f64| -> Result<i64> {
            let (min, max) = self.dtype.int_range().unwrap_or((i64::MIN, i64::MAX));
            if v.fract() == 0.0 && v >= min as f64 && v < max as f64 + 1.0 {
                Ok(v as i64)
            } else {
                Err(SpaceError::bad_flat(self, format!("value {v} at position {pos} is not a valid {}", self.dtype)))
            }
        };
        let ints = || -> Result<Vec<i64>> { values.iter().enumerate().map(|(i, &v)| as_int(i, v)).collect() };
        let floats: Vec<f64> = values.iter().copied().collect();
        let built = match self.dtype {
            DType::F64 => shaped(floats).map(Sample::F64),
            DType::F32 => shaped(floats).map(|a| Sample::F32(a.mapv(|v| v as f32))),
            DType::I64 => ArrayD::from_shape_vec(shape.clone(), ints()?).map(Sample::I64),
            DType::I32 => ArrayD::from_shape_vec(shape.clone(), ints()?).map(|a| Sample::I32(a.mapv(|v| v as i32))),
            DType::U8 => ArrayD::from_shape_vec(shape.clone(), ints()?).map(|a| Sample::U8(a.mapv(|v| v as u8))),
        };
        built.map_err(|e| SpaceError::bad_flat(self, e.to_string()))
    }
}

/// Checks one bounds array and casts it to the dtype's precision.
fn cast_bounds(mut a: ArrayD<f64>, which: &'static str, dtype: DType) -> Result<ArrayD<f64>> {
    let is_low = which == "low";
    for (idx, v) in a.indexed_iter_mut() {
        let index = || idx.slice().to_vec();
        if v.is_nan() {
            return Err(SpaceError::BoxNan { which, index: index() });
        }
        let out_of_range = || SpaceError::BoxBoundOutOfRange { which, value: *v, index: index(), dtype };
        // A lower bound of +inf (or upper of -inf) leaves no value at all.
        if v.is_infinite() && (*v > 0.0) == is_low {
            return Err(out_of_range());
        }
        match dtype.int_range() {
            None if dtype == DType::F32 && v.is_finite() => {
                let narrowed = *v as f32;
                if narrowed.is_infinite() {
                    return Err(out_of_range());
                }
                *v = f64::from(narrowed);
            }
            None => {}
            // Gymnasium maps -inf to the minimum of signed dtypes and refuses it for
            // unsigned ones; +inf maps to the maximum. Infinite bounds are kept as such
            // here so the box still samples as unbounded, like Gymnasium's does.
            Some((0, _)) if v.is_infinite() && is_low => return Err(out_of_range()),
            Some(_) if v.is_infinite() => {}
            Some((min, max)) => {
                if v.fract() != 0.0 {
                    return Err(SpaceError::BoxBoundNotInteger { which, value: *v, index: index(), dtype });
                }
                // `max as f64 + 1.0` is exact for every dtype, unlike `max as f64` for
                // int64, which rounds up to 2^63.
                if *v < min as f64 || *v >= max as f64 + 1.0 {
                    return Err(out_of_range());
                }
            }
        }
    }
    Ok(a)
}

/// Exp(1) by inversion; `1 - u` lies in (0, 1], so the log is finite.
fn exponential<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u: f64 = rng.gen();
    -(1.0 - u).ln()
}

/// N(0, 1) by Box-Muller.
fn normal<R: Rng + ?Sized>(rng: &mut R) -> f64 {
    let u1: f64 = rng.gen();
    let u2: f64 = rng.gen();
    (-2.0 * (1.0 - u1).ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Python's repr of a shape tuple: `()`, `(3,)`, `(2, 3)`.
pub(crate) fn shape_repr(shape: &[usize]) -> String {
    match shape {
        [d] => format!("({d},)"),
        _ => {
            let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
            format!("({})", dims.join(", "))
        }
    }
}

fn bounds_repr(a: &ArrayD<f64>) -> String {
    let first = a.iter().next().copied();
    match first {
        Some(f) if a.iter().all(|&v| v == f) => f.to_string(),
        _ => {
            let vals: Vec<String> = a.iter().map(|v| v.to_string()).collect();
            format!("[{}]", vals.join(" "))
        }
    }
}

/// Like Gymnasium's repr: `Box(-1, 1, (3,), float32)`.
impl fmt::Display for BoxSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Box({}, {}, {}, {})",
            bounds_repr(&self.low),
            bounds_repr(&self.high),
            shape_repr(self.shape()),
            self.dtype
        )
    }
}

/// JSON form: bounds flattened row-major next to the shape; infinite bounds as strings.
#[derive(Serialize, Deserialize)]
struct BoxRepr {
    shape: Vec<usize>,
    low: Vec<JsonF64>,
    high: Vec<JsonF64>,
    dtype: DType,
}

impl From<BoxSpace> for BoxRepr {
    fn from(b: BoxSpace) -> BoxRepr {
        BoxRepr {
            shape: b.shape().to_vec(),
            low: to_json_f64(b.low.iter().copied()),
            high: to_json_f64(b.high.iter().copied()),
            dtype: b.dtype,
        }
    }
}

impl TryFrom<BoxRepr> for BoxSpace {
    type Error = SpaceError;
    fn try_from(r: BoxRepr) -> Result<BoxSpace> {
        let need = checked_len(&r.shape)?;
        let array = |v: Vec<JsonF64>, what: &'static str| -> Result<ArrayD<f64>> {
            if v.len() != need {
                return Err(SpaceError::DataLength { what, got: v.len(), shape: r.shape.clone(), need });
            }
            ArrayD::from_shape_vec(IxDyn(&r.shape), from_json_f64(v))
                .map_err(|e| SpaceError::TooLarge(format!("Box shape {:?} ({e})", r.shape)))
        };
        let low = array(r.low, "Box low")?;
        let high = array(r.high, "Box high")?;
        BoxSpace::new(low, high, r.dtype)
    }
}
