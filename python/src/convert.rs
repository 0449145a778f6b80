//! Samples and wire values between Rust and Python. Arrays move as whole buffers: Rust
//! arrays become numpy arrays without copying, numpy arrays are read as slices.

use crate::errors::usage;
use crate::spaces::as_array;
use ai4u_core::spaces::{DType, Sample, Space};
use ai4u_core::value::{Field, Image, ImageEncoding, PixelType, State, Value};
use ndarray::{ArrayD, Axis, IxDyn};
use numpy::{Element, IntoPyArray, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyString, PyTuple};

/// A numpy array of `dtype` as an owned Rust array: a slice copy, no per-element Python.
fn read<T: Element + Clone>(obj: &Bound<'_, PyAny>, dtype: &str) -> PyResult<ArrayD<T>> {
    if let Ok(a) = obj.extract::<PyReadonlyArrayDyn<T>>() {
        return Ok(a.as_array().to_owned());
    }
    let a = as_array(obj, dtype)?;
    let a: PyReadonlyArrayDyn<T> = a.extract()?;
    Ok(a.as_array().to_owned())
}

fn read_int(obj: &Bound<'_, PyAny>) -> PyResult<i64> {
    match obj.extract::<i64>() {
        Ok(i) => Ok(i),
        // 0-d arrays and numpy scalars of other integer types.
        Err(_) => obj.py().import("builtins")?.getattr("int")?.call1((obj,))?.extract(),
    }
}

/// `obj` as an element of `space` (not yet checked for membership; the controller does).
pub fn py_to_sample(space: &Space, obj: &Bound<'_, PyAny>) -> PyResult<Sample> {
    Ok(match space {
        Space::Box(b) => match b.dtype() {
            DType::F32 => Sample::F32(read(obj, "float32")?),
            DType::F64 => Sample::F64(read(obj, "float64")?),
            DType::I32 => Sample::I32(read(obj, "int32")?),
            DType::I64 => Sample::I64(read(obj, "int64")?),
            DType::U8 => Sample::U8(read(obj, "uint8")?),
        },
        Space::Discrete(_) => Sample::scalar_i64(read_int(obj)?),
        Space::MultiDiscrete(_) => Sample::I64(read(obj, "int64")?),
        Space::MultiBinary(_) => Sample::U8(read(obj, "uint8")?),
        Space::Text(_) => Sample::Text(obj.extract()?),
        Space::Dict(d) => Sample::Dict(
            d.spaces()
                .iter()
                .map(|(k, sub)| Ok((k.clone(), py_to_sample(sub, &obj.get_item(k)?)?)))
                .collect::<PyResult<_>>()?,
        ),
        Space::Tuple(t) => Sample::Tuple(
            t.spaces()
                .iter()
                .enumerate()
                .map(|(i, sub)| py_to_sample(sub, &obj.get_item(i)?))
                .collect::<PyResult<_>>()?,
        ),
    })
}

fn array_to_py<'py, T: Element>(py: Python<'py>, a: ArrayD<T>) -> Bound<'py, PyAny> {
    a.into_pyarray(py).into_any()
}

/// A sample as Gymnasium represents it: numpy arrays, `np.int64` for Discrete, dicts,
/// tuples and strings.
pub fn sample_to_py<'py>(py: Python<'py>, space: &Space, s: Sample) -> PyResult<Bound<'py, PyAny>> {
    Ok(match (space, s) {
        (Space::Discrete(_), Sample::I64(a)) => array_to_py(py, a).get_item(PyTuple::empty(py))?,
        (Space::Dict(d), Sample::Dict(entries)) => {
            let out = PyDict::new(py);
            for (k, v) in entries {
                let sub = d.get(&k).ok_or_else(|| usage(format!("observation key `{k}` is not in the space")))?;
                out.set_item(&k, sample_to_py(py, sub, v)?)?;
            }
            out.into_any()
        }
        (Space::Tuple(t), Sample::Tuple(items)) => {
            let items =
                t.spaces().iter().zip(items).map(|(sub, v)| sample_to_py(py, sub, v)).collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any()
        }
        (_, s) => plain_sample(py, s)?,
    })
}

fn plain_sample(py: Python<'_>, s: Sample) -> PyResult<Bound<'_, PyAny>> {
    Ok(match s {
        Sample::F32(a) => array_to_py(py, a),
        Sample::F64(a) => array_to_py(py, a),
        Sample::I32(a) => array_to_py(py, a),
        Sample::I64(a) => array_to_py(py, a),
        Sample::U8(a) => array_to_py(py, a),
        Sample::Text(t) => PyString::new(py, &t).into_any(),
        Sample::Dict(entries) => {
            let out = PyDict::new(py);
            for (k, v) in entries {
                out.set_item(k, plain_sample(py, v)?)?;
            }
            out.into_any()
        }
        Sample::Tuple(items) => {
            PyTuple::new(py, items.into_iter().map(|v| plain_sample(py, v)).collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
    })
}

/// Stacks same-shaped arrays along a new first axis.
fn stack<T: Clone>(arrays: Vec<ArrayD<T>>, shape: &[usize]) -> PyResult<ArrayD<T>> {
    let mut dims = vec![arrays.len()];
    dims.extend_from_slice(shape);
    let mut data = Vec::with_capacity(dims.iter().product());
    for a in &arrays {
        if a.shape() != shape {
            return Err(usage(format!("a sample of shape {:?} in a batch of shape {shape:?}", a.shape())));
        }
        match a.as_slice() {
            Some(s) => data.extend_from_slice(s),
            None => data.extend(a.iter().cloned()),
        }
    }
    ArrayD::from_shape_vec(IxDyn(&dims), data).map_err(|e| usage(e.to_string()))
}

macro_rules! stack_variant {
    ($py:expr, $samples:expr, $variant:ident, $shape:expr) => {{
        let arrays = $samples
            .into_iter()
            .map(|s| match s {
                Sample::$variant(a) => Ok(a),
                other => Err(usage(format!("a {} sample in a batch of {}", other.kind(), stringify!($variant)))),
            })
            .collect::<PyResult<Vec<_>>>()?;
        array_to_py($py, stack(arrays, $shape)?)
    }};
}

/// One sample per sub-environment as Gymnasium's batched layout (`batch_space`): arrays
/// stacked on a new first axis, dicts and tuples batched per entry, texts as a tuple.
pub fn batch_to_py<'py>(py: Python<'py>, space: &Space, samples: Vec<Sample>) -> PyResult<Bound<'py, PyAny>> {
    let shape = space.shape().unwrap_or_default();
    Ok(match space {
        Space::Box(b) => match b.dtype() {
            DType::F32 => stack_variant!(py, samples, F32, &shape),
            DType::F64 => stack_variant!(py, samples, F64, &shape),
            DType::I32 => stack_variant!(py, samples, I32, &shape),
            DType::I64 => stack_variant!(py, samples, I64, &shape),
            DType::U8 => stack_variant!(py, samples, U8, &shape),
        },
        Space::Discrete(_) | Space::MultiDiscrete(_) => stack_variant!(py, samples, I64, &shape),
        Space::MultiBinary(_) => stack_variant!(py, samples, U8, &shape),
        Space::Text(_) => {
            let texts = samples.into_iter().map(|s| match s {
                Sample::Text(t) => Ok(t),
                other => Err(usage(format!("a {} sample in a batch of texts", other.kind()))),
            });
            PyTuple::new(py, texts.collect::<PyResult<Vec<_>>>()?)?.into_any()
        }
        Space::Dict(d) => {
            let mut columns = split_columns(samples, d.len(), |s, i| match s {
                Sample::Dict(e) => e.get_mut(i).map(|(_, v)| std::mem::replace(v, Sample::Tuple(vec![]))),
                _ => None,
            })?;
            let out = PyDict::new(py);
            for ((k, sub), col) in d.spaces().iter().zip(columns.drain(..)) {
                out.set_item(k, batch_to_py(py, sub, col)?)?;
            }
            out.into_any()
        }
        Space::Tuple(t) => {
            let columns = split_columns(samples, t.len(), |s, i| match s {
                Sample::Tuple(e) => e.get_mut(i).map(|v| std::mem::replace(v, Sample::Tuple(vec![]))),
                _ => None,
            })?;
            let items = t
                .spaces()
                .iter()
                .zip(columns)
                .map(|(sub, col)| batch_to_py(py, sub, col))
                .collect::<PyResult<Vec<_>>>()?;
            PyTuple::new(py, items)?.into_any()
        }
    })
}

/// Turns rows of composite samples into one column per entry. The controllers build
/// dict samples in the space's key order, which `take` relies on.
fn split_columns(
    samples: Vec<Sample>,
    width: usize,
    take: impl Fn(&mut Sample, usize) -> Option<Sample>,
) -> PyResult<Vec<Vec<Sample>>> {
    let mut columns: Vec<Vec<Sample>> = (0..width).map(|_| Vec::with_capacity(samples.len())).collect();
    for mut s in samples {
        for (i, col) in columns.iter_mut().enumerate() {
            col.push(take(&mut s, i).ok_or_else(|| usage(format!("a {} sample does not fit the batch", s.kind())))?);
        }
    }
    Ok(columns)
}

fn unstack<T: Clone>(a: ArrayD<T>, n: usize, wrap: fn(ArrayD<T>) -> Sample) -> PyResult<Vec<Sample>> {
    if a.ndim() == 0 || a.shape()[0] != n {
        return Err(usage(format!("a batch of shape {:?} for {n} environments", a.shape())));
    }
    Ok(a.axis_iter(Axis(0)).map(|row| wrap(row.to_owned())).collect())
}

/// Gymnasium's batched layout back to one sample per sub-environment.
pub fn py_to_batch(space: &Space, obj: &Bound<'_, PyAny>, n: usize) -> PyResult<Vec<Sample>> {
    match space {
        Space::Box(b) => match b.dtype() {
            DType::F32 => unstack(read(obj, "float32")?, n, Sample::F32),
            DType::F64 => unstack(read(obj, "float64")?, n, Sample::F64),
            DType::I32 => unstack(read(obj, "int32")?, n, Sample::I32),
            DType::I64 => unstack(read(obj, "int64")?, n, Sample::I64),
            DType::U8 => unstack(read(obj, "uint8")?, n, Sample::U8),
        },
        Space::Discrete(_) | Space::MultiDiscrete(_) => unstack(read(obj, "int64")?, n, Sample::I64),
        Space::MultiBinary(_) => unstack(read(obj, "uint8")?, n, Sample::U8),
        Space::Text(_) => {
            let texts: Vec<String> = obj.extract()?;
            if texts.len() != n {
                return Err(usage(format!("{} texts for {n} environments", texts.len())));
            }
            Ok(texts.into_iter().map(Sample::Text).collect())
        }
        Space::Dict(d) => {
            let mut rows: Vec<Vec<(String, Sample)>> = (0..n).map(|_| Vec::with_capacity(d.len())).collect();
            for (k, sub) in d.spaces() {
                for (row, s) in rows.iter_mut().zip(py_to_batch(sub, &obj.get_item(k)?, n)?) {
                    row.push((k.clone(), s));
                }
            }
            Ok(rows.into_iter().map(Sample::Dict).collect())
        }
        Space::Tuple(t) => {
            let mut rows: Vec<Vec<Sample>> = (0..n).map(|_| Vec::with_capacity(t.len())).collect();
            for (i, sub) in t.spaces().iter().enumerate() {
                for (row, s) in rows.iter_mut().zip(py_to_batch(sub, &obj.get_item(i)?, n)?) {
                    row.push(s);
                }
            }
            Ok(rows.into_iter().map(Sample::Tuple).collect())
        }
    }
}

fn shaped<T>(shape: &[u32], data: Vec<T>) -> PyResult<ArrayD<T>> {
    let dims: Vec<usize> = shape.iter().map(|&d| d as usize).collect();
    ArrayD::from_shape_vec(IxDyn(&dims), data).map_err(|e| usage(e.to_string()))
}

fn image_to_py(py: Python<'_>, img: Image) -> PyResult<Bound<'_, PyAny>> {
    let hwc = [img.height, img.width, img.channels];
    Ok(match (img.encoding, img.pixel) {
        (ImageEncoding::Raw, PixelType::U8) => array_to_py(py, shaped(&hwc, img.data)?),
        (ImageEncoding::Raw, PixelType::F32) => {
            let floats = img.data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
            array_to_py(py, shaped(&hwc, floats)?)
        }
        // Decoding PNG is the user's choice of library; hand over the bytes.
        _ => PyBytes::new(py, &img.data).into_any(),
    })
}

pub fn value_to_py(py: Python<'_>, v: Value) -> PyResult<Bound<'_, PyAny>> {
    Ok(match v {
        Value::Float(x) => PyFloat::new(py, x as f64).into_any(),
        Value::Int(i) => i.into_pyobject(py)?.into_any(),
        Value::Bool(b) => PyBool::new(py, b).to_owned().into_any(),
        Value::String(s) => PyString::new(py, &s).into_any(),
        Value::Bytes(b) => PyBytes::new(py, &b).into_any(),
        Value::FloatArray { shape, data } => array_to_py(py, shaped(&shape, data)?),
        Value::IntArray { shape, data } => array_to_py(py, shaped(&shape, data)?),
        Value::Image(img) => image_to_py(py, img)?,
    })
}

/// An engine state as an info dict: field name to value.
pub fn state_to_py(py: Python<'_>, s: State) -> PyResult<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    for f in s.fields {
        d.set_item(f.name, value_to_py(py, f.value)?)?;
    }
    Ok(d)
}

fn u32_shape(shape: &[usize]) -> Vec<u32> {
    shape.iter().map(|&d| d as u32).collect()
}

/// A Python value as a wire value: scalars as themselves, float arrays (and lists of
/// floats) as float arrays, integer arrays as int arrays.
pub fn py_to_value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.extract()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(Value::Int(obj.extract()?));
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract::<f64>()? as f32));
    }
    if obj.is_instance_of::<PyString>() {
        return Ok(Value::String(obj.extract()?));
    }
    if obj.is_instance_of::<PyBytes>() {
        return Ok(Value::Bytes(obj.extract()?));
    }
    let arr = as_array(obj, "float64").map_err(|_| usage(format!("cannot send {obj} to an engine")))?;
    let original = obj.py().import("numpy")?.call_method1("asarray", (obj,))?;
    let kind: String = original.getattr("dtype")?.getattr("kind")?.extract()?;
    if kind == "i" || kind == "u" || kind == "b" {
        let a: PyReadonlyArrayDyn<i32> = as_array(obj, "int32")?.extract()?;
        return Ok(Value::IntArray { shape: u32_shape(a.shape()), data: a.as_array().iter().copied().collect() });
    }
    let a: PyReadonlyArrayDyn<f64> = arr.extract()?;
    Ok(Value::FloatArray { shape: u32_shape(a.shape()), data: a.as_array().iter().map(|&x| x as f32).collect() })
}

/// Reset options (a dict) as reset fields.
pub fn py_to_fields(options: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<Field>>> {
    let Some(options) = options.filter(|o| !o.is_none()) else { return Ok(None) };
    let d = options.cast::<PyDict>().map_err(|_| usage("options must be a dict of field name to value"))?;
    let mut fields = Vec::with_capacity(d.len());
    for (k, v) in d.iter() {
        fields.push(Field { name: k.extract()?, value: py_to_value(&v)? });
    }
    Ok(Some(fields))
}
