//! The composite spaces: [`DictSpace`] and [`TupleSpace`].

use super::serde_util::ordered_map;
use super::{Result, Sample, Space, SpaceError};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;

/// Gymnasium's `Dict`: named subspaces. A sample is a [`Sample::Dict`] with exactly the
/// same keys, each value in its subspace.
///
/// The order of the subspaces is the order of [`flatten`](super::flatten)'s output.
/// [`DictSpace::new`] sorts by key, as Gymnasium does when given a mapping;
/// [`DictSpace::from_ordered`] keeps the given order, as Gymnasium does for a sequence
/// of pairs. Duplicate keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "DictRepr", into = "DictRepr")]
pub struct DictSpace {
    spaces: Vec<(String, Space)>,
}

impl DictSpace {
    /// Subspaces sorted by key.
    pub fn new<K: Into<String>>(spaces: impl IntoIterator<Item = (K, Space)>) -> Result<DictSpace> {
        let mut spaces: Vec<(String, Space)> = spaces.into_iter().map(|(k, s)| (k.into(), s)).collect();
        spaces.sort_by(|a, b| a.0.cmp(&b.0));
        DictSpace::from_ordered(spaces)
    }

    /// Subspaces in the given order.
    pub fn from_ordered<K: Into<String>>(spaces: impl IntoIterator<Item = (K, Space)>) -> Result<DictSpace> {
        let spaces: Vec<(String, Space)> = spaces.into_iter().map(|(k, s)| (k.into(), s)).collect();
        let mut seen = HashSet::with_capacity(spaces.len());
        if let Some((k, _)) = spaces.iter().find(|(k, _)| !seen.insert(k.as_str())) {
            return Err(SpaceError::DictDuplicateKey(k.clone()));
        }
        Ok(DictSpace { spaces })
    }

    /// The subspaces, in flattening order.
    pub fn spaces(&self) -> &[(String, Space)] {
        &self.spaces
    }

    /// The subspace named `key`.
    pub fn get(&self, key: &str) -> Option<&Space> {
        self.spaces.iter().find(|(k, _)| k == key).map(|(_, s)| s)
    }

    /// Number of subspaces.
    pub fn len(&self) -> usize {
        self.spaces.len()
    }

    /// Whether there are no subspaces.
    pub fn is_empty(&self) -> bool {
        self.spaces.is_empty()
    }

    /// A sample of every subspace, in the space's order.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        Sample::Dict(self.spaces.iter().map(|(k, s)| (k.clone(), s.sample(rng))).collect())
    }

    /// The same key set (in any order) and every value in its subspace.
    pub fn contains(&self, x: &Sample) -> bool {
        let Some(entries) = x.as_dict() else {
            return false;
        };
        // Same length plus every space key present means the same key set, unless the
        // sample repeats a key; refuse repeats explicitly.
        let mut seen = HashSet::with_capacity(entries.len());
        entries.len() == self.spaces.len()
            && entries.iter().all(|(k, _)| seen.insert(k.as_str()))
            && self.spaces.iter().all(|(k, s)| x.get(k).is_some_and(|v| s.contains(v)))
    }
}

impl fmt::Display for DictSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Dict(")?;
        for (i, (k, s)) in self.spaces.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "'{k}': {s}")?;
        }
        f.write_str(")")
    }
}

/// JSON form: a JSON object whose key order is the space's order.
#[derive(Serialize, Deserialize)]
struct DictRepr {
    #[serde(with = "ordered_map")]
    spaces: Vec<(String, Space)>,
}

impl From<DictSpace> for DictRepr {
    fn from(d: DictSpace) -> DictRepr {
        DictRepr { spaces: d.spaces }
    }
}

impl TryFrom<DictRepr> for DictSpace {
    type Error = SpaceError;
    fn try_from(r: DictRepr) -> Result<DictSpace> {
        DictSpace::from_ordered(r.spaces)
    }
}

/// Gymnasium's `Tuple`: subspaces by position. A sample is a [`Sample::Tuple`] of the
/// same length, each element in its subspace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TupleSpace {
    spaces: Vec<Space>,
}

impl TupleSpace {
    /// Every subspace is already valid, so building a tuple cannot fail.
    pub fn new(spaces: Vec<Space>) -> TupleSpace {
        TupleSpace { spaces }
    }

    /// The subspaces, by position.
    pub fn spaces(&self) -> &[Space] {
        &self.spaces
    }

    /// Number of subspaces.
    pub fn len(&self) -> usize {
        self.spaces.len()
    }

    /// Whether there are no subspaces.
    pub fn is_empty(&self) -> bool {
        self.spaces.is_empty()
    }

    /// A sample of every subspace, by position.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Sample {
        Sample::Tuple(self.spaces.iter().map(|s| s.sample(rng)).collect())
    }

    /// Same length and every item in its subspace.
    pub fn contains(&self, x: &Sample) -> bool {
        x.as_tuple().is_some_and(|items| {
            items.len() == self.spaces.len() && self.spaces.iter().zip(items).all(|(s, v)| s.contains(v))
        })
    }
}

impl fmt::Display for TupleSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tuple(")?;
        for (i, s) in self.spaces.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{s}")?;
        }
        f.write_str(")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spaces::{rng, Discrete, TextSpace};

    fn d(n: i64) -> Space {
        Discrete::new(n).unwrap().into()
    }

    #[test]
    fn dict_sorts_keys_unless_asked_to_keep_order() {
        let sorted = DictSpace::new([("b", d(2)), ("a", d(3))]).unwrap();
        let keys: Vec<_> = sorted.spaces().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        let kept = DictSpace::from_ordered([("b", d(2)), ("a", d(3))]).unwrap();
        let keys: Vec<_> = kept.spaces().iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(kept.get("a"), Some(&d(3)));
        assert_eq!(sorted.to_string(), "Dict('a': Discrete(3), 'b': Discrete(2))");
        assert_eq!(DictSpace::new([("a", d(2)), ("a", d(3))]).unwrap_err().to_string(), "Dict has duplicate key \"a\"");
    }

    #[test]
    fn dict_contains_needs_the_same_keys() {
        let space = DictSpace::new([("a", d(3)), ("b", d(2))]).unwrap();
        let ok = Sample::dict([("a", Sample::scalar_i64(2)), ("b", Sample::scalar_i64(1))]);
        assert!(space.contains(&ok));
        let missing = Sample::dict([("a", Sample::scalar_i64(2))]);
        assert!(!space.contains(&missing));
        let extra =
            Sample::dict([("a", Sample::scalar_i64(2)), ("b", Sample::scalar_i64(1)), ("c", Sample::scalar_i64(0))]);
        assert!(!space.contains(&extra));
        let repeated = Sample::Dict(vec![("a".into(), Sample::scalar_i64(2)), ("a".into(), Sample::scalar_i64(2))]);
        assert!(!space.contains(&repeated));
        let out = Sample::dict([("a", Sample::scalar_i64(3)), ("b", Sample::scalar_i64(1))]);
        assert!(!space.contains(&out));
        assert!(!space.contains(&Sample::Tuple(vec![])));
    }

    #[test]
    fn tuple_contains_by_position() {
        let t = TupleSpace::new(vec![d(2), TextSpace::new(3).unwrap().into()]);
        assert!(t.contains(&t.sample(&mut rng(4))));
        assert!(t.contains(&Sample::Tuple(vec![Sample::scalar_i64(1), "ab".into()])));
        assert!(!t.contains(&Sample::Tuple(vec!["ab".into(), Sample::scalar_i64(1)])));
        assert!(!t.contains(&Sample::Tuple(vec![Sample::scalar_i64(1)])));
        assert_eq!(
            t.to_string(),
            "Tuple(Discrete(2), Text(1, 3, charset=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz))"
        );
    }
}
