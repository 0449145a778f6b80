//! Conversions between wire values (what engines speak) and space samples (what
//! algorithms speak). The common cases (float array → f32 Box, u8 image → u8 Box) move
//! the data without a detour through f64.

use crate::{ControllerError, Result};
use ai4u_core::spaces::{BoxSpace, DType, Sample, Space};
use ai4u_core::value::{ImageEncoding, PixelType, State, Value};
use ndarray::{ArrayD, IxDyn};

/// A short description of a sample for error messages: `f32 array [4]`, `dict{a, b}`.
pub fn describe(s: &Sample) -> String {
    match s {
        Sample::Text(_) => "text".to_owned(),
        Sample::Dict(d) => format!("dict{{{}}}", d.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(", ")),
        Sample::Tuple(t) => format!("tuple of {}", t.len()),
        other => format!(
            "{} array {:?}",
            other.dtype().map(|d| d.to_string()).unwrap_or_default(),
            other.shape().unwrap_or(&[])
        ),
    }
}

/// The wire value that carries an action: float arrays for float samples, an int for a
/// 0-d integer sample (Discrete), int arrays for other integer samples, a string for text.
pub fn sample_to_value(s: &Sample) -> Result<Value> {
    let shape = |sh: &[usize]| sh.iter().map(|&d| d as u32).collect::<Vec<u32>>();
    Ok(match s {
        Sample::F32(a) => Value::FloatArray { shape: shape(a.shape()), data: a.iter().copied().collect() },
        Sample::F64(a) => Value::FloatArray { shape: shape(a.shape()), data: a.iter().map(|&x| x as f32).collect() },
        Sample::I64(a) if a.ndim() == 0 => Value::Int(a.iter().copied().next().unwrap_or(0)),
        Sample::I32(a) if a.ndim() == 0 => Value::Int(a.iter().copied().next().unwrap_or(0) as i64),
        Sample::I32(a) => Value::IntArray { shape: shape(a.shape()), data: a.iter().copied().collect() },
        Sample::I64(a) => Value::IntArray {
            shape: shape(a.shape()),
            data: a
                .iter()
                .map(|&x| {
                    i32::try_from(x)
                        .map_err(|_| ControllerError::Action(format!("{x} does not fit an int array (i32)")))
                })
                .collect::<Result<_>>()?,
        },
        Sample::U8(a) => Value::IntArray { shape: shape(a.shape()), data: a.iter().map(|&x| x as i32).collect() },
        Sample::Text(t) => Value::String(t.clone()),
        Sample::Dict(_) | Sample::Tuple(_) => {
            return Err(ControllerError::Action(format!(
                "a {} action has no single wire value; override step_behavior to build the command",
                describe(s)
            )))
        }
    })
}

fn element_count(v: &Value) -> usize {
    match v {
        Value::Float(_) | Value::Int(_) | Value::Bool(_) => 1,
        Value::FloatArray { data, .. } => data.len(),
        Value::IntArray { data, .. } => data.len(),
        Value::Image(img) => img.raw_len().map(|n| n / img.pixel.size()).unwrap_or(0),
        Value::Bytes(b) => b.len(),
        Value::String(_) => 0,
    }
}

/// An image fills a Box laid out as the image is (HWC: `[h, w, c]`, or `[h, w]` for one
/// channel, or flat), and a u8 Box only from u8 pixels: a transposed Box or f32 pixels in a
/// u8 Box would be read wrongly without a word.
fn check_image_layout(name: &str, img: &ai4u_core::value::Image, space: &BoxSpace) -> Result<()> {
    let (h, w, c) = (img.height as usize, img.width as usize, img.channels as usize);
    let fits = match space.shape() {
        [_] => true,
        [sh, sw] => (*sh, *sw, c) == (h, w, 1),
        [sh, sw, sc] => (*sh, *sw, *sc) == (h, w, c),
        _ => false,
    };
    if !fits {
        return Err(ControllerError::Observation(format!(
            "field `{name}` is a {w}x{h} image with {c} channel(s), laid out [{h}, {w}, {c}] (HWC); the space {space} does not match"
        )));
    }
    if space.dtype() == DType::U8 && img.pixel != PixelType::U8 {
        return Err(ControllerError::Observation(format!(
            "field `{name}` carries {:?} pixels; the space {space} holds u8 (declare a float-array input for float pixels)",
            img.pixel
        )));
    }
    Ok(())
}

/// A value as a sample of `space` (dtype and shape of the box; bounds are not checked
/// here, the caller decides what out-of-range readings mean).
pub fn value_to_box_sample(name: &str, v: &Value, space: &BoxSpace) -> Result<Sample> {
    let need: usize = space.shape().iter().product();
    let got = element_count(v);
    if got != need {
        return Err(ControllerError::Observation(format!(
            "field `{name}` holds {got} elements ({:?} {}), the space {space} needs {need}",
            v.shape(),
            v.kind()
        )));
    }
    if let Value::Image(img) = v {
        check_image_layout(name, img, space)?;
    }
    let dims = IxDyn(space.shape());
    let bad_shape = |e: ndarray::ShapeError| ControllerError::Observation(format!("field `{name}`: {e}"));
    match (v, space.dtype()) {
        (Value::FloatArray { data, .. }, DType::F32) => {
            Ok(Sample::F32(ArrayD::from_shape_vec(dims, data.clone()).map_err(bad_shape)?))
        }
        (Value::Image(img), DType::U8) if img.pixel == PixelType::U8 && img.encoding == ImageEncoding::Raw => {
            Ok(Sample::U8(ArrayD::from_shape_vec(dims, img.data.clone()).map_err(bad_shape)?))
        }
        (Value::Image(img), _) if img.encoding == ImageEncoding::Png => Err(ControllerError::Observation(format!(
            "field `{name}` is a PNG image; decode it in a custom observation()"
        ))),
        _ => {
            let flat = v.to_f32_vec().ok_or_else(|| {
                ControllerError::Observation(format!("field `{name}` is a {}, not numeric", v.kind()))
            })?;
            let arr = ArrayD::from_shape_vec(dims, flat.into_iter().map(f64::from).collect()).map_err(bad_shape)?;
            Ok(space.cast(&arr)?)
        }
    }
}

/// Fills `space` from `state`: Dict keys name fields; a Box takes the one field whose
/// element count fits (or the field named like its only candidate); Discrete takes an int.
pub fn observe(space: &Space, state: &State) -> Result<Sample> {
    match space {
        Space::Dict(d) => {
            let mut out = Vec::with_capacity(d.len());
            for (key, sub) in d.spaces() {
                let v = state.require(key)?;
                out.push((key.clone(), observe_field(key, v, sub)?));
            }
            Ok(Sample::Dict(out))
        }
        Space::Box(b) => {
            let need: usize = b.shape().iter().product();
            let fits: Vec<_> = state.fields.iter().filter(|f| element_count(&f.value) == need).collect();
            match fits.as_slice() {
                [f] => value_to_box_sample(&f.name, &f.value, b),
                [] => Err(ControllerError::Observation(format!(
                    "no state field fits {b}; fields are: {}",
                    state
                        .fields
                        .iter()
                        .map(|f| format!("{} {:?}", f.name, f.value.shape()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
                many => Err(ControllerError::Observation(format!(
                    "several state fields fit {b} ({}); override observation() to choose",
                    many.iter().map(|f| f.name.as_str()).collect::<Vec<_>>().join(", ")
                ))),
            }
        }
        other => Err(ControllerError::Observation(format!(
            "the default observation() handles Dict and Box spaces, not {other}; override it"
        ))),
    }
}

fn observe_field(name: &str, v: &Value, space: &Space) -> Result<Sample> {
    match (space, v) {
        (Space::Box(b), _) => value_to_box_sample(name, v, b),
        (Space::Discrete(_), Value::Int(i)) => Ok(Sample::scalar_i64(*i)),
        (Space::Text(_), Value::String(s)) => Ok(Sample::Text(s.clone())),
        _ => Err(ControllerError::Observation(format!("field `{name}` ({}) cannot fill {space}", v.kind()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ai4u_core::spaces::DictSpace;

    #[test]
    fn dict_observation_takes_fields_by_name() {
        let space: Space = DictSpace::new(vec![
            ("array".to_owned(), BoxSpace::uniform(-1.0, 1.0, &[3], DType::F32).unwrap().into()),
            ("steps".to_owned(), ai4u_core::spaces::Discrete::new(100).unwrap().into()),
        ])
        .unwrap()
        .into();
        let mut s = State::new();
        s.push("array", Value::floats(vec![0.1, 0.2, 0.3]));
        s.push("steps", 7i64);
        let obs = observe(&space, &s).unwrap();
        assert!(space.contains(&obs), "{obs:?}");
        s.fields.remove(0);
        assert_eq!(observe(&space, &s).unwrap_err().to_string(), "field `array` is missing");
    }

    #[test]
    fn box_observation_names_the_mismatch() {
        let b = BoxSpace::uniform(0.0, 1.0, &[2, 2], DType::F32).unwrap();
        let err = value_to_box_sample("v", &Value::floats(vec![1.0; 3]), &b).unwrap_err();
        assert!(err.to_string().contains("field `v` holds 3 elements"), "{err}");
        let s = value_to_box_sample("v", &Value::floats(vec![0.5; 4]), &b).unwrap();
        assert_eq!(s.shape(), Some(&[2usize, 2][..]));
    }

    #[test]
    fn actions_become_wire_values() {
        let a = Sample::F32(ArrayD::from_shape_vec(IxDyn(&[2]), vec![1.0, -1.0]).unwrap());
        assert_eq!(sample_to_value(&a).unwrap(), Value::floats(vec![1.0, -1.0]));
        assert_eq!(sample_to_value(&Sample::scalar_i64(3)).unwrap(), Value::Int(3));
        assert!(sample_to_value(&Sample::Tuple(vec![])).is_err());
    }

    #[test]
    fn an_image_fills_a_box_only_in_its_own_layout_and_pixel_type() {
        use ai4u_core::value::Image;
        // 4 wide, 3 high, 3 channels: HWC [3, 4, 3], 36 bytes.
        let img = Value::Image(Image::raw_u8(4, 3, 3, (0..36).collect()).unwrap());
        let u8_box = |shape: &[usize]| BoxSpace::uniform(0.0, 255.0, shape, DType::U8).unwrap();
        let s = value_to_box_sample("camera", &img, &u8_box(&[3, 4, 3])).unwrap();
        assert_eq!(s.as_u8().unwrap()[[1, 2, 0]], 18, "row 1, column 2, channel 0");
        assert!(value_to_box_sample("camera", &img, &u8_box(&[36])).is_ok(), "flat keeps the HWC order");
        let err = value_to_box_sample("camera", &img, &u8_box(&[4, 3, 3])).unwrap_err().to_string();
        assert!(err.contains("4x3 image with 3 channel(s), laid out [3, 4, 3] (HWC)"), "{err}");
        let grey = Value::Image(Image::raw_u8(4, 3, 1, vec![9; 12]).unwrap());
        assert!(value_to_box_sample("g", &grey, &u8_box(&[3, 4])).is_ok());
        assert!(value_to_box_sample("g", &grey, &u8_box(&[4, 3])).is_err());
        let f32_img = Value::Image(Image {
            pixel: ai4u_core::value::PixelType::F32,
            data: vec![0; 36 * 4],
            ..Image::raw_u8(4, 3, 3, vec![0; 36]).unwrap()
        });
        let err = value_to_box_sample("camera", &f32_img, &u8_box(&[3, 4, 3])).unwrap_err().to_string();
        assert!(err.contains("carries F32 pixels"), "{err}");
    }
}
