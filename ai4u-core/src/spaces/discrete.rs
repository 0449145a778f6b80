//! The integer spaces: [`Discrete`], [`MultiDiscrete`] and [`MultiBinary`].

use super::boxspace::shape_repr;
use super::{checked_len, Result, Sample, SpaceError};
use ndarray::{ArrayD, Dimension, IxDyn, Zip};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Gymnasium's `Discrete(n, start)`: the integers `start, start + 1, ..., start + n - 1`.
/// A value is a 0-d `I64` array ([`Sample::scalar_i64`]); [`contains`](Self::contains)
/// also accepts 0-d arrays of the other integer dtypes, like Gymnasium does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "DiscreteRepr", into = "DiscreteRepr")]
pub struct Discrete {
    n: i64,
    start: i64,
}

impl Discrete {
    /// `Discrete(n)`: the integers `0..n`.
    pub fn new(n: i64) -> Result<Discrete> {
        Discrete::with_start(n, 0)
    }

    /// `Discrete(n, start=start)`: the integers `start..start + n`.
    pub fn with_start(n: i64, start: i64) -> Result<Discrete> {
        if n <= 0 {
            return Err(SpaceError::DiscreteN(n));
        }
        // `start + n` must exist so that `contains` and sampling never overflow.
        start.checked_add(n).ok_or(SpaceError::StartOverflow("Discrete"))?;
        Ok(Discrete { n, start })
    }

    /// Number of values.
    pub fn n(&self) -> i64 {
        self.n
    }

    /// Smallest value.
    pub fn start(&self) -> i64 {
        self.start
    }

    /// A uniformly random element.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        Sample::scalar_i64(self.start + rng.gen_range(0..self.n))
    }

    /// Whether `x` is an integer array of the right shape with every value in range.
    pub fn contains(&self, x: &Sample) -> bool {
        x.as_scalar_i64().is_some_and(|v| self.start <= v && v - self.start < self.n)
    }
}

impl fmt::Display for Discrete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == 0 {
            write!(f, "Discrete({})", self.n)
        } else {
            write!(f, "Discrete({}, start={})", self.n, self.start)
        }
    }
}

#[derive(Serialize, Deserialize)]
struct DiscreteRepr {
    n: i64,
    #[serde(default)]
    start: i64,
}

impl From<Discrete> for DiscreteRepr {
    fn from(d: Discrete) -> DiscreteRepr {
        DiscreteRepr { n: d.n, start: d.start }
    }
}

impl TryFrom<DiscreteRepr> for Discrete {
    type Error = SpaceError;
    fn try_from(r: DiscreteRepr) -> Result<Discrete> {
        Discrete::with_start(r.n, r.start)
    }
}

/// Gymnasium's `MultiDiscrete(nvec, start)`: arrays shaped like `nvec` whose element
/// `i` is one of `start[i]..start[i] + nvec[i]`. Samples are `I64` arrays;
/// [`contains`](Self::contains) accepts any integer dtype.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "MultiDiscreteRepr", into = "MultiDiscreteRepr")]
pub struct MultiDiscrete {
    nvec: ArrayD<i64>,
    start: ArrayD<i64>,
}

impl MultiDiscrete {
    /// Every element starts at 0.
    pub fn new(nvec: ArrayD<i64>) -> Result<MultiDiscrete> {
        let start = ArrayD::zeros(nvec.raw_dim());
        MultiDiscrete::with_start(nvec, start)
    }

    /// `start` must have the shape of `nvec`.
    pub fn with_start(nvec: ArrayD<i64>, start: ArrayD<i64>) -> Result<MultiDiscrete> {
        if nvec.shape() != start.shape() {
            return Err(SpaceError::MultiDiscreteStartShape {
                start: start.shape().to_vec(),
                nvec: nvec.shape().to_vec(),
            });
        }
        for ((idx, &n), &s) in nvec.indexed_iter().zip(start.iter()) {
            if n <= 0 {
                return Err(SpaceError::MultiDiscreteNvec { value: n, index: idx.slice().to_vec() });
            }
            s.checked_add(n).ok_or(SpaceError::StartOverflow("MultiDiscrete"))?;
        }
        Ok(MultiDiscrete { nvec, start })
    }

    /// Number of values of each element.
    pub fn nvec(&self) -> &ArrayD<i64> {
        &self.nvec
    }

    /// Smallest value of each element.
    pub fn start(&self) -> &ArrayD<i64> {
        &self.start
    }

    /// Shape of every sample.
    pub fn shape(&self) -> &[usize] {
        self.nvec.shape()
    }

    /// A uniformly random element.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        let values = Zip::from(&self.nvec).and(&self.start).map_collect(|&n, &s| s + rng.gen_range(0..n));
        Sample::I64(values)
    }

    /// Whether `x` is an integer array of the right shape with every value in range.
    pub fn contains(&self, x: &Sample) -> bool {
        if x.shape() != Some(self.shape()) {
            return false;
        }
        let Some(values) = x.int_values() else {
            return false;
        };
        values.iter().zip(self.nvec.iter().zip(self.start.iter())).all(|(&v, (&n, &s))| s <= v && v - s < n)
    }
}

impl fmt::Display for MultiDiscrete {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |a: &ArrayD<i64>| {
            let v: Vec<String> = a.iter().map(|x| x.to_string()).collect();
            format!("[{}]", v.join(" "))
        };
        if self.start.iter().all(|&s| s == 0) {
            write!(f, "MultiDiscrete({})", list(&self.nvec))
        } else {
            write!(f, "MultiDiscrete({}, start={})", list(&self.nvec), list(&self.start))
        }
    }
}

/// JSON form: `nvec` and `start` flattened row-major next to the shape.
#[derive(Serialize, Deserialize)]
struct MultiDiscreteRepr {
    shape: Vec<usize>,
    nvec: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    start: Option<Vec<i64>>,
}

impl From<MultiDiscrete> for MultiDiscreteRepr {
    fn from(m: MultiDiscrete) -> MultiDiscreteRepr {
        let start = m.start.iter().any(|&s| s != 0).then(|| m.start.iter().copied().collect());
        MultiDiscreteRepr { shape: m.shape().to_vec(), nvec: m.nvec.iter().copied().collect(), start }
    }
}

impl TryFrom<MultiDiscreteRepr> for MultiDiscrete {
    type Error = SpaceError;
    fn try_from(r: MultiDiscreteRepr) -> Result<MultiDiscrete> {
        let need = checked_len(&r.shape)?;
        let array = |v: Vec<i64>, what: &'static str| -> Result<ArrayD<i64>> {
            if v.len() != need {
                return Err(SpaceError::DataLength { what, got: v.len(), shape: r.shape.clone(), need });
            }
            ArrayD::from_shape_vec(IxDyn(&r.shape), v)
                .map_err(|e| SpaceError::TooLarge(format!("MultiDiscrete shape {:?} ({e})", r.shape)))
        };
        let nvec = array(r.nvec, "MultiDiscrete nvec")?;
        match r.start {
            Some(start) => MultiDiscrete::with_start(nvec, array(start, "MultiDiscrete start")?),
            None => MultiDiscrete::new(nvec),
        }
    }
}

/// Gymnasium's `MultiBinary(n)`: arrays of the given shape holding 0s and 1s. Samples
/// are `U8` arrays (Gymnasium uses int8); [`contains`](Self::contains) accepts any
/// integer dtype.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "MultiBinaryRepr", into = "MultiBinaryRepr")]
pub struct MultiBinary {
    shape: Vec<usize>,
}

impl MultiBinary {
    /// `MultiBinary(n)`: a vector of `n` bits.
    pub fn new(n: usize) -> Result<MultiBinary> {
        MultiBinary::with_shape(&[n])
    }

    /// `MultiBinary([d0, d1, ...])`: every dimension must be positive.
    pub fn with_shape(shape: &[usize]) -> Result<MultiBinary> {
        if shape.contains(&0) {
            return Err(SpaceError::MultiBinaryShape(shape.to_vec()));
        }
        checked_len(shape)?;
        Ok(MultiBinary { shape: shape.to_vec() })
    }

    /// Shape of every sample.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// A uniformly random element.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        Sample::U8(ArrayD::from_shape_simple_fn(IxDyn(&self.shape), || rng.gen_range(0..=1u8)))
    }

    /// Whether `x` is an integer array of the right shape with every value in range.
    pub fn contains(&self, x: &Sample) -> bool {
        x.shape() == Some(&self.shape[..]) && x.int_values().is_some_and(|v| v.iter().all(|&b| b == 0 || b == 1))
    }
}

impl fmt::Display for MultiBinary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.shape.as_slice() {
            [n] => write!(f, "MultiBinary({n})"),
            s => write!(f, "MultiBinary({})", shape_repr(s)),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct MultiBinaryRepr {
    shape: Vec<usize>,
}

impl From<MultiBinary> for MultiBinaryRepr {
    fn from(m: MultiBinary) -> MultiBinaryRepr {
        MultiBinaryRepr { shape: m.shape }
    }
}

impl TryFrom<MultiBinaryRepr> for MultiBinary {
    type Error = SpaceError;
    fn try_from(r: MultiBinaryRepr) -> Result<MultiBinary> {
        MultiBinary::with_shape(&r.shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::arr1;

    #[test]
    fn ill_formed_integer_spaces_are_refused() {
        assert_eq!(Discrete::new(0).unwrap_err().to_string(), "Discrete n must be > 0, got 0");
        assert!(Discrete::with_start(2, i64::MAX).is_err());
        assert_eq!(
            MultiDiscrete::new(arr1(&[3, 0]).into_dyn()).unwrap_err().to_string(),
            "MultiDiscrete nvec must be > 0, got 0 at index [1]"
        );
        assert_eq!(
            MultiDiscrete::with_start(arr1(&[3, 2]).into_dyn(), arr1(&[1]).into_dyn()).unwrap_err().to_string(),
            "MultiDiscrete start shape [1] does not match nvec shape [2]"
        );
        assert_eq!(
            MultiBinary::with_shape(&[2, 0]).unwrap_err().to_string(),
            "MultiBinary shape dimensions must be > 0, got [2, 0]"
        );
    }

    #[test]
    fn discrete_contains_exactly_its_range() {
        let d = Discrete::with_start(3, -1).unwrap();
        assert!(d.contains(&Sample::scalar_i64(-1)));
        assert!(d.contains(&Sample::scalar_i64(1)));
        assert!(!d.contains(&Sample::scalar_i64(2)));
        assert!(!d.contains(&Sample::scalar_i64(-2)));
        assert!(d.contains(&Sample::I32(ArrayD::from_elem(IxDyn(&[]), 0))));
        assert!(!d.contains(&Sample::I64(arr1(&[0]).into_dyn())));
        assert!(!d.contains(&Sample::F64(ArrayD::from_elem(IxDyn(&[]), 0.0))));
        let mut rng = super::super::rng(5);
        let seen: std::collections::BTreeSet<i64> =
            (0..100).map(|_| d.sample(&mut rng).as_scalar_i64().unwrap()).collect();
        assert_eq!(seen, [-1, 0, 1].into_iter().collect());
        assert_eq!(d.to_string(), "Discrete(3, start=-1)");
    }

    #[test]
    fn multi_discrete_and_binary_contain_their_samples_only() {
        let m = MultiDiscrete::with_start(arr1(&[2, 5]).into_dyn(), arr1(&[0, 10]).into_dyn()).unwrap();
        let mut rng = super::super::rng(2);
        for _ in 0..50 {
            assert!(m.contains(&m.sample(&mut rng)));
        }
        assert!(m.contains(&Sample::from(arr1(&[1u8, 14]).into_dyn())));
        assert!(!m.contains(&Sample::from(arr1(&[2i64, 10]).into_dyn())));
        assert!(!m.contains(&Sample::from(arr1(&[0i64, 9]).into_dyn())));
        assert!(!m.contains(&Sample::from(arr1(&[0i64]).into_dyn())));
        assert_eq!(m.to_string(), "MultiDiscrete([2 5], start=[0 10])");

        let b = MultiBinary::with_shape(&[2, 3]).unwrap();
        for _ in 0..50 {
            assert!(b.contains(&b.sample(&mut rng)));
        }
        assert!(!b.contains(&Sample::from(ArrayD::from_elem(IxDyn(&[2, 3]), 2u8))));
        assert!(!b.contains(&Sample::from(ArrayD::from_elem(IxDyn(&[3, 2]), 1u8))));
        assert_eq!(b.to_string(), "MultiBinary((2, 3))");
        assert_eq!(MultiBinary::new(4).unwrap().to_string(), "MultiBinary(4)");
    }
}
