//! Spaces cross the boundary as plain descriptions (dicts of numbers, strings and numpy
//! arrays) that `ai4u_rs/spaces.py` turns into `gymnasium.spaces` and back. Building the
//! Rust space from a description runs the Rust validation, so a round trip checks both.

use crate::errors::usage;
use ai4u_core::spaces::{
    BoxSpace, DType, DictSpace, Discrete, MultiBinary, MultiDiscrete, Space, TextSpace, TupleSpace,
};
use numpy::{PyReadonlyArrayDyn, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

pub fn dtype_of(name: &str) -> PyResult<DType> {
    DType::ALL
        .into_iter()
        .find(|d| d.name() == name)
        .ok_or_else(|| usage(format!("dtype {name} is not one of float32, float64, int32, int64, uint8")))
}

pub fn to_desc<'py>(py: Python<'py>, space: &Space) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match space {
        Space::Box(b) => {
            d.set_item("type", "Box")?;
            d.set_item("low", b.low().to_pyarray(py))?;
            d.set_item("high", b.high().to_pyarray(py))?;
            d.set_item("dtype", b.dtype().name())?;
        }
        Space::Discrete(s) => {
            d.set_item("type", "Discrete")?;
            d.set_item("n", s.n())?;
            d.set_item("start", s.start())?;
        }
        Space::MultiDiscrete(s) => {
            d.set_item("type", "MultiDiscrete")?;
            d.set_item("nvec", s.nvec().to_pyarray(py))?;
            d.set_item("start", s.start().to_pyarray(py))?;
        }
        Space::MultiBinary(s) => {
            d.set_item("type", "MultiBinary")?;
            d.set_item("shape", PyTuple::new(py, s.shape())?)?;
        }
        Space::Dict(s) => {
            d.set_item("type", "Dict")?;
            let items = PyList::empty(py);
            for (k, sub) in s.spaces() {
                items.append((k, to_desc(py, sub)?))?;
            }
            d.set_item("spaces", items)?;
        }
        Space::Tuple(s) => {
            d.set_item("type", "Tuple")?;
            let items = PyList::empty(py);
            for sub in s.spaces() {
                items.append(to_desc(py, sub)?)?;
            }
            d.set_item("spaces", items)?;
        }
        Space::Text(s) => {
            d.set_item("type", "Text")?;
            d.set_item("min_length", s.min_length())?;
            d.set_item("max_length", s.max_length())?;
            d.set_item("charset", s.charset().iter().collect::<String>())?;
        }
    }
    Ok(d)
}

fn item<'py>(d: &Bound<'py, PyDict>, key: &str) -> PyResult<Bound<'py, PyAny>> {
    d.get_item(key)?.ok_or_else(|| usage(format!("space description lacks `{key}`")))
}

/// A numpy array of `dtype` from anything `numpy.asarray` takes.
pub fn as_array<'py>(obj: &Bound<'py, PyAny>, dtype: &str) -> PyResult<Bound<'py, PyAny>> {
    let np = obj.py().import("numpy")?;
    np.call_method1("ascontiguousarray", (obj, dtype))
}

fn f64_array(obj: &Bound<'_, PyAny>) -> PyResult<ndarray::ArrayD<f64>> {
    let a = as_array(obj, "float64")?;
    let a: PyReadonlyArrayDyn<f64> = a.extract()?;
    Ok(a.as_array().to_owned())
}

fn i64_array(obj: &Bound<'_, PyAny>) -> PyResult<ndarray::ArrayD<i64>> {
    let a = as_array(obj, "int64")?;
    let a: PyReadonlyArrayDyn<i64> = a.extract()?;
    Ok(a.as_array().to_owned())
}

pub fn from_desc(desc: &Bound<'_, PyAny>) -> PyResult<Space> {
    let d = desc.cast::<PyDict>().map_err(|_| usage("a space description is a dict"))?;
    let kind: String = item(d, "type")?.extract()?;
    let bad = |e: ai4u_core::spaces::SpaceError| usage(e.to_string());
    Ok(match kind.as_str() {
        "Box" => {
            let dtype = dtype_of(&item(d, "dtype")?.extract::<String>()?)?;
            BoxSpace::new(f64_array(&item(d, "low")?)?, f64_array(&item(d, "high")?)?, dtype).map_err(bad)?.into()
        }
        "Discrete" => {
            let start = d.get_item("start")?.map(|s| s.extract::<i64>()).transpose()?.unwrap_or(0);
            Discrete::with_start(item(d, "n")?.extract()?, start).map_err(bad)?.into()
        }
        "MultiDiscrete" => {
            let nvec = i64_array(&item(d, "nvec")?)?;
            match d.get_item("start")? {
                Some(s) => MultiDiscrete::with_start(nvec, i64_array(&s)?),
                None => MultiDiscrete::new(nvec),
            }
            .map_err(bad)?
            .into()
        }
        "MultiBinary" => MultiBinary::with_shape(&item(d, "shape")?.extract::<Vec<usize>>()?).map_err(bad)?.into(),
        "Dict" => {
            let mut subs = Vec::new();
            for entry in item(d, "spaces")?.try_iter()? {
                let (k, sub): (String, Bound<'_, PyAny>) = entry?.extract()?;
                subs.push((k, from_desc(&sub)?));
            }
            DictSpace::from_ordered(subs).map_err(bad)?.into()
        }
        "Tuple" => {
            let subs = item(d, "spaces")?.try_iter()?.map(|s| from_desc(&s?)).collect::<PyResult<Vec<_>>>()?;
            TupleSpace::new(subs).into()
        }
        "Text" => {
            let charset: String = item(d, "charset")?.extract()?;
            TextSpace::with_charset(
                item(d, "min_length")?.extract()?,
                item(d, "max_length")?.extract()?,
                charset.chars().collect(),
            )
            .map_err(bad)?
            .into()
        }
        other => {
            return Err(usage(format!(
                "space type {other} is not Box, Discrete, MultiDiscrete, MultiBinary, Dict, Tuple or Text"
            )))
        }
    })
}
