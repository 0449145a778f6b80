//! Gymnasium's `gymnasium.spaces.utils`: [`flatdim`], [`flatten`], [`unflatten`] and
//! [`flatten_space`], which turn any space into a flat vector a network can read.
//!
//! Layouts follow Gymnasium: a Box is raveled row-major, a Discrete becomes a one-hot
//! of size `n` (position `x - start`), a MultiDiscrete the concatenation of one one-hot
//! per element, a MultiBinary its raveled bits, a Dict (in the space's key order) or
//! Tuple the concatenation of its parts, and a Text `max_length` charset indices padded
//! with `charset.len()`. Flat vectors are `f64`, which holds every value of every
//! supported dtype exactly except int64 values beyond ±2^53 (rounded, as Gymnasium's
//! concatenation into float64 rounds them).

use super::{BoxSpace, DType, Result, Sample, Space, SpaceError};
use ndarray::{Array1, ArrayD, ArrayView1, IxDyn};
use std::borrow::Cow;

/// Length of the vector [`flatten`] produces for `space`. Errors only when the length
/// does not fit in `usize`.
pub fn flatdim(space: &Space) -> Result<usize> {
    let too_large = || SpaceError::TooLarge(format!("flat dimension of {space}"));
    let to_usize = |n: i64| usize::try_from(n).map_err(|_| too_large());
    let sum = |dims: &mut dyn Iterator<Item = Result<usize>>| {
        let mut acc = 0usize;
        for d in dims {
            acc = acc.checked_add(d?).ok_or_else(too_large)?;
        }
        Ok(acc)
    };
    match space {
        Space::Box(b) => super::checked_len(b.shape()),
        Space::Discrete(d) => to_usize(d.n()),
        Space::MultiDiscrete(m) => sum(&mut m.nvec().iter().map(|&n| to_usize(n))),
        Space::MultiBinary(m) => super::checked_len(m.shape()),
        Space::Dict(d) => sum(&mut d.spaces().iter().map(|(_, s)| flatdim(s))),
        Space::Tuple(t) => sum(&mut t.spaces().iter().map(flatdim)),
        Space::Text(t) => Ok(t.max_length()),
    }
}

/// `x` as a flat vector of [`flatdim`] values.
///
/// Errors when `x` does not have the structure of `space`: another variant, another
/// shape, missing or extra Dict keys, a Discrete or MultiDiscrete value out of range, a
/// MultiBinary value other than 0/1, or a text too long or with characters outside the
/// charset. Like Gymnasium, Box bounds are not checked (observations slightly out of
/// their declared range still flatten) and a Box accepts a sample of any numeric dtype.
pub fn flatten(space: &Space, x: &Sample) -> Result<Array1<f64>> {
    let mut out = Vec::with_capacity(flatdim(space)?);
    flatten_into(space, x, &mut out)?;
    Ok(Array1::from_vec(out))
}

fn flatten_into(space: &Space, x: &Sample, out: &mut Vec<f64>) -> Result<()> {
    let not_in = |reason: String| SpaceError::not_in(space, reason);
    let check_shape = |shape: &[usize]| match x.shape() {
        Some(s) if s == shape => Ok(()),
        Some(s) => Err(not_in(format!("shape {s:?} instead of {shape:?}"))),
        None => Err(not_in(format!("a {} instead of an array", x.kind()))),
    };
    let ints = || x.int_values().ok_or_else(|| not_in(format!("a {} instead of an integer array", x.kind())));
    match space {
        Space::Box(b) => {
            check_shape(b.shape())?;
            let values = x.to_f64_array().ok_or_else(|| not_in(format!("a {}", x.kind())))?;
            out.extend(values.iter());
        }
        Space::Discrete(d) => {
            check_shape(&[])?;
            let v = x.as_scalar_i64().ok_or_else(|| not_in(format!("a {} instead of an integer", x.kind())))?;
            one_hot(d.n(), d.start(), v, out).map_err(not_in)?;
        }
        Space::MultiDiscrete(m) => {
            check_shape(m.shape())?;
            let values = ints()?;
            for ((&v, &n), &s) in values.iter().zip(m.nvec()).zip(m.start()) {
                one_hot(n, s, v, out).map_err(not_in)?;
            }
        }
        Space::MultiBinary(m) => {
            check_shape(m.shape())?;
            for v in ints()? {
                if v != 0 && v != 1 {
                    return Err(not_in(format!("value {v} is not 0 or 1")));
                }
                out.push(v as f64);
            }
        }
        Space::Dict(d) => {
            let entries = x.as_dict().ok_or_else(|| not_in(format!("a {} instead of a dict", x.kind())))?;
            if entries.len() != d.len() {
                return Err(not_in(format!("{} keys instead of {}", entries.len(), d.len())));
            }
            for (key, sub) in d.spaces() {
                let mut found = entries.iter().filter(|(k, _)| k == key);
                match (found.next(), found.next()) {
                    (Some((_, v)), None) => flatten_into(sub, v, out)?,
                    (None, _) => return Err(not_in(format!("key {key:?} is missing"))),
                    (Some(_), Some(_)) => return Err(not_in(format!("key {key:?} repeats"))),
                }
            }
        }
        Space::Tuple(t) => {
            let items = x.as_tuple().ok_or_else(|| not_in(format!("a {} instead of a tuple", x.kind())))?;
            if items.len() != t.len() {
                return Err(not_in(format!("{} items instead of {}", items.len(), t.len())));
            }
            for (sub, v) in t.spaces().iter().zip(items) {
                flatten_into(sub, v, out)?;
            }
        }
        Space::Text(t) => {
            let s = x.as_text().ok_or_else(|| not_in(format!("a {} instead of text", x.kind())))?;
            let pad = t.charset().len() as f64;
            let first = out.len();
            for c in s.chars() {
                if out.len() - first == t.max_length() {
                    return Err(not_in(format!("longer than {}", t.max_length())));
                }
                let i = t.char_index(c).ok_or_else(|| not_in(format!("character {c:?} is not in the charset")))?;
                out.push(i as f64);
            }
            out.resize(first + t.max_length(), pad);
        }
    }
    Ok(())
}

fn one_hot(n: i64, start: i64, v: i64, out: &mut Vec<f64>) -> std::result::Result<(), String> {
    // `start + n` was checked not to overflow when the space was built.
    if v < start || v - start >= n {
        return Err(format!("value {v} is outside {start}..{}", start + n));
    }
    let first = out.len();
    // Both fit in usize: flatdim, computed before flattening, covers n.
    out.resize(first + n as usize, 0.0);
    out[first + (v - start) as usize] = 1.0;
    Ok(())
}

/// The sample whose [`flatten`] is `x`: the inverse of `flatten` on its image.
///
/// As in Gymnasium, a Discrete block takes the position of its first non-zero value
/// (an all-zero block is an error), Text stops reading at padding values
/// (`>= charset.len()`), and Box values are cast to the dtype without checking
/// bounds. Values the target cannot hold (a fractional integer, a MultiBinary value
/// other than 0/1, a negative Text index) are errors, as is a length other than
/// [`flatdim`].
pub fn unflatten(space: &Space, x: &Array1<f64>) -> Result<Sample> {
    let expected = flatdim(space)?;
    if x.len() != expected {
        return Err(SpaceError::FlatLength { space: space.to_string(), expected, got: x.len() });
    }
    let values: Cow<[f64]> = match x.as_slice() {
        Some(s) => Cow::Borrowed(s),
        None => Cow::Owned(x.to_vec()),
    };
    unflatten_slice(space, &values)
}

/// `x` has exactly `flatdim(space)` values; `unflatten` checked the total and every
/// composite splits it by its parts' flatdims.
fn unflatten_slice(space: &Space, x: &[f64]) -> Result<Sample> {
    let bad = |reason: String| SpaceError::bad_flat(space, reason);
    Ok(match space {
        Space::Box(b) => b.cast(&ArrayView1::from(x))?,
        Space::Discrete(d) => Sample::scalar_i64(d.start() + first_nonzero(x).map_err(bad)?),
        Space::MultiDiscrete(m) => {
            let mut values = Vec::with_capacity(m.nvec().len());
            let mut rest = x;
            for (&n, &s) in m.nvec().iter().zip(m.start()) {
                let (block, tail) = rest.split_at(n as usize);
                values.push(s + first_nonzero(block).map_err(bad)?);
                rest = tail;
            }
            let array = ArrayD::from_shape_vec(IxDyn(m.shape()), values).map_err(|e| bad(e.to_string()))?;
            Sample::I64(array)
        }
        Space::MultiBinary(m) => {
            let bits = x
                .iter()
                .enumerate()
                .map(|(i, &v)| match v {
                    0.0 => Ok(0u8),
                    1.0 => Ok(1u8),
                    _ => Err(bad(format!("value {v} at position {i} is not 0 or 1"))),
                })
                .collect::<Result<Vec<u8>>>()?;
            let array = ArrayD::from_shape_vec(IxDyn(m.shape()), bits).map_err(|e| bad(e.to_string()))?;
            Sample::U8(array)
        }
        Space::Dict(d) => {
            let mut rest = x;
            let mut entries = Vec::with_capacity(d.len());
            for (key, sub) in d.spaces() {
                let (part, tail) = rest.split_at(flatdim(sub)?);
                entries.push((key.clone(), unflatten_slice(sub, part)?));
                rest = tail;
            }
            Sample::Dict(entries)
        }
        Space::Tuple(t) => {
            let mut rest = x;
            let mut items = Vec::with_capacity(t.len());
            for sub in t.spaces() {
                let (part, tail) = rest.split_at(flatdim(sub)?);
                items.push(unflatten_slice(sub, part)?);
                rest = tail;
            }
            Sample::Tuple(items)
        }
        Space::Text(t) => {
            let mut s = String::new();
            for (i, &v) in x.iter().enumerate() {
                if v.fract() != 0.0 || v < 0.0 {
                    return Err(bad(format!("value {v} at position {i} is not a charset index")));
                }
                // Values past the charset are padding; Gymnasium skips them too.
                if let Some(&c) = t.charset().get(v as usize) {
                    s.push(c);
                }
            }
            Sample::Text(s)
        }
    })
}

fn first_nonzero(block: &[f64]) -> std::result::Result<i64, String> {
    block.iter().position(|&v| v != 0.0).map(|i| i as i64).ok_or_else(|| format!("{block:?} is not a one-hot vector"))
}

/// The Box that [`flatten`]'s outputs live in, with Gymnasium's bounds and dtype:
/// `[0, 1]` int64 for Discrete and MultiDiscrete, `[0, 1]` uint8 for MultiBinary,
/// `[0, charset.len()]` int32 for Text, the raveled bounds for a Box, and for Dict and
/// Tuple the concatenated bounds with NumPy's promoted dtype (float64 for an empty one).
///
/// Flat vectors are `f64`; [`BoxSpace::cast`] turns one into a sample of this Box.
pub fn flatten_space(space: &Space) -> Result<BoxSpace> {
    let dim = flatdim(space)?;
    match space {
        Space::Box(b) => {
            let ravel = |a: &ArrayD<f64>| Array1::from_iter(a.iter().copied()).into_dyn();
            BoxSpace::new(ravel(b.low()), ravel(b.high()), b.dtype())
        }
        Space::Discrete(_) | Space::MultiDiscrete(_) => BoxSpace::uniform(0.0, 1.0, &[dim], DType::I64),
        Space::MultiBinary(_) => BoxSpace::uniform(0.0, 1.0, &[dim], DType::U8),
        Space::Text(t) => BoxSpace::uniform(0.0, t.charset().len() as f64, &[dim], DType::I32),
        Space::Dict(d) => concat(d.spaces().iter().map(|(_, s)| s), dim),
        Space::Tuple(t) => concat(t.spaces().iter(), dim),
    }
}

fn concat<'a>(parts: impl Iterator<Item = &'a Space>, dim: usize) -> Result<BoxSpace> {
    let mut low = Vec::with_capacity(dim);
    let mut high = Vec::with_capacity(dim);
    let mut dtype: Option<DType> = None;
    for part in parts {
        let b = flatten_space(part)?;
        low.extend(b.low().iter());
        high.extend(b.high().iter());
        dtype = Some(dtype.map_or(b.dtype(), |d| d.promote(b.dtype())));
    }
    BoxSpace::new(Array1::from_vec(low).into_dyn(), Array1::from_vec(high).into_dyn(), dtype.unwrap_or(DType::F64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spaces::{DictSpace, Discrete, MultiBinary, MultiDiscrete, TextSpace, TupleSpace};
    use ndarray::arr1;

    fn sp(s: impl Into<Space>) -> Space {
        s.into()
    }

    #[test]
    fn layouts_match_gymnasium() {
        let d = sp(Discrete::with_start(4, 2).unwrap());
        assert_eq!(flatten(&d, &Sample::scalar_i64(3)).unwrap(), arr1(&[0., 1., 0., 0.]));
        let m = sp(MultiDiscrete::new(arr1(&[2, 3]).into_dyn()).unwrap());
        let x = Sample::from(arr1(&[1i64, 0]).into_dyn());
        assert_eq!(flatten(&m, &x).unwrap(), arr1(&[0., 1., 1., 0., 0.]));
        let t = sp(TextSpace::with_charset(0, 4, vec!['a', 'b', 'c']).unwrap());
        assert_eq!(flatten(&t, &"ca".into()).unwrap(), arr1(&[2., 0., 3., 3.]));
        assert_eq!(unflatten(&t, &arr1(&[2., 3., 0., 3.])).unwrap(), "ca".into());
        let dict = sp(DictSpace::new([("b", sp(MultiBinary::new(2).unwrap())), ("a", d)]).unwrap());
        let x = Sample::dict([("b", Sample::from(arr1(&[1u8, 0]).into_dyn())), ("a", Sample::scalar_i64(5))]);
        assert_eq!(flatten(&dict, &x).unwrap(), arr1(&[0., 0., 0., 1., 1., 0.]));
        assert_eq!(unflatten(&dict, &flatten(&dict, &x).unwrap()).unwrap(), x);
    }

    #[test]
    fn samples_that_do_not_belong_are_errors() {
        let d = sp(Discrete::new(3).unwrap());
        let err = flatten(&d, &Sample::scalar_i64(3)).unwrap_err().to_string();
        assert_eq!(err, "sample does not belong to Discrete(3): value 3 is outside 0..3");
        assert!(flatten(&d, &Sample::scalar_i64(-1)).is_err());
        assert!(flatten(&d, &"a".into()).is_err());
        let t = sp(TupleSpace::new(vec![d.clone()]));
        assert!(flatten(&t, &Sample::Tuple(vec![])).is_err());
        let text = sp(TextSpace::with_charset(0, 2, vec!['a']).unwrap());
        assert!(flatten(&text, &"aaa".into()).is_err());
        assert!(flatten(&text, &"b".into()).is_err());
        let dict = sp(DictSpace::new([("a", d.clone())]).unwrap());
        assert!(flatten(&dict, &Sample::dict([("b", Sample::scalar_i64(0))])).is_err());
        let repeated = Sample::Dict(vec![("a".into(), Sample::scalar_i64(0)), ("a".into(), Sample::scalar_i64(0))]);
        assert!(flatten(&dict, &repeated).is_err());
    }

    #[test]
    fn bad_flat_vectors_are_errors() {
        let d = sp(Discrete::new(3).unwrap());
        assert!(unflatten(&d, &arr1(&[0., 0., 0.])).is_err());
        assert!(unflatten(&d, &arr1(&[0., 1.])).is_err());
        // First non-zero wins, as in Gymnasium.
        assert_eq!(unflatten(&d, &arr1(&[0., 1., 1.])).unwrap(), Sample::scalar_i64(1));
        let b = sp(MultiBinary::new(2).unwrap());
        assert!(unflatten(&b, &arr1(&[0.5, 1.])).is_err());
        let text = sp(TextSpace::with_charset(0, 2, vec!['a']).unwrap());
        assert!(unflatten(&text, &arr1(&[-1., 0.])).is_err());
    }

    #[test]
    fn flatten_space_bounds_and_dtypes() {
        let d = sp(Discrete::new(3).unwrap());
        let fb = flatten_space(&d).unwrap();
        assert_eq!((fb.shape(), fb.dtype()), (&[3][..], DType::I64));
        let f32box = sp(BoxSpace::uniform(-1.0, 1.0, &[2, 2], DType::F32).unwrap());
        let both = sp(TupleSpace::new(vec![d, f32box]));
        let fb = flatten_space(&both).unwrap();
        assert_eq!((fb.shape(), fb.dtype()), (&[7][..], DType::F64));
        assert_eq!(fb.low()[[5]], -1.0);
        assert_eq!(fb.high()[[0]], 1.0);
        let empty = flatten_space(&sp(TupleSpace::new(vec![]))).unwrap();
        assert_eq!((empty.shape(), empty.dtype()), (&[0][..], DType::F64));
    }
}
