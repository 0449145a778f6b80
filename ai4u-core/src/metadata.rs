//! Model metadata: what an engine declares about one agent's sensors (inputs) and
//! actuators (outputs), so a controller can build its spaces without being told.
//!
//! This is AI4U's `modelmetadata` JSON in typed form. [`ModelMetadata::from_ai4u_json`]
//! reads the JSON that scenes made with the original AI4U packages send.

use crate::value::ValueKind;
use serde::{Deserialize, Serialize};

/// One sensor an agent exposes: the name of its state field, what it holds and its range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputSpec {
    /// Name of the state field this sensor fills in every tick.
    pub name: String,
    /// Kind of value the field holds.
    pub kind: ValueKind,
    /// Tensor shape of the field (`[]` for a scalar, `[h, w, c]` for an image).
    pub shape: Vec<u32>,
    /// Lowest value any element can take (the observation space's low bound).
    #[serde(with = "crate::wire::serde_float::scalar")]
    pub range_min: f32,
    /// Highest value any element can take (the observation space's high bound).
    #[serde(with = "crate::wire::serde_float::scalar")]
    pub range_max: f32,
}

/// One actuator an agent exposes: the action name it answers to and its arguments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputSpec {
    /// The action name a [`Command::Act`](crate::wire::Command::Act) uses to reach this actuator (for example `move`).
    pub name: String,
    /// Continuous actuators take floats in `[range_min, range_max]`; discrete ones take
    /// one choice out of `shape.last()`.
    pub continuous: bool,
    /// Shape of the action: the float array's for a continuous actuator (`[4]` for `move`);
    /// for a discrete one, `shape.last()` is the number of choices.
    pub shape: Vec<u32>,
    /// Lower bounds of a continuous action: empty (unbounded), one for every element, or one per element.
    #[serde(with = "crate::wire::serde_float::seq")]
    pub range_min: Vec<f32>,
    /// Upper bounds of a continuous action, given like `range_min`.
    #[serde(with = "crate::wire::serde_float::seq")]
    pub range_max: Vec<f32>,
}

/// Everything an agent declares about its sensors and actuators.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// The sensors, in the order the engine declared them.
    pub inputs: Vec<InputSpec>,
    /// The actuators, in the order the engine declared them.
    pub outputs: Vec<OutputSpec>,
}

/// Why AI4U metadata JSON could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MetadataError {
    /// The text is not JSON or does not have the `inputs`/`outputs` structure AI4U sends.
    #[error("model metadata is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The JSON parsed but a sensor has an unknown type code or a shape has a negative dimension.
    #[error("model metadata: {0}")]
    Invalid(String),
    /// The declared sensors and actuators add up to more tensor elements than allowed:
    /// spaces built from them would need that much memory. Checked before any is built.
    #[error("{what} declares shape {shape:?} ({}), over the limit of {max} elements per agent", count(*elements))]
    TooLarge {
        /// The input or output (`input `vision``), or `the agent` for the sum.
        what: String,
        /// Its declared shape (empty for the sum).
        shape: Vec<u32>,
        /// Its element count; `None` when it does not fit in 64 bits.
        elements: Option<u64>,
        /// The limit in force.
        max: u64,
    },
}

fn count(elements: Option<u64>) -> String {
    match elements {
        Some(n) => format!("{n} elements"),
        None => "more than 2^64 elements".to_owned(),
    }
}

/// The number of elements of a tensor of `shape` (1 for a scalar); `None` on overflow.
pub fn shape_elements(shape: &[u32]) -> Option<u64> {
    shape.iter().try_fold(1u64, |n, &d| n.checked_mul(u64::from(d)))
}

#[derive(Deserialize)]
struct LegacyInput {
    name: String,
    #[serde(default)]
    shape: Vec<i64>,
    #[serde(rename = "type", default)]
    kind: i64,
    #[serde(rename = "rangeMin", default)]
    range_min: f32,
    #[serde(rename = "rangeMax", default)]
    range_max: f32,
}

#[derive(Deserialize)]
struct LegacyOutput {
    name: String,
    #[serde(rename = "isContinuous", default)]
    continuous: bool,
    #[serde(default)]
    shape: Vec<i64>,
    #[serde(rename = "rangeMin", default)]
    range_min: Vec<f32>,
    #[serde(rename = "rangeMax", default)]
    range_max: Vec<f32>,
}

#[derive(Deserialize)]
struct Legacy {
    #[serde(default)]
    inputs: Vec<LegacyInput>,
    #[serde(default)]
    outputs: Vec<LegacyOutput>,
}

fn dims(name: &str, shape: &[i64]) -> Result<Vec<u32>, MetadataError> {
    shape
        .iter()
        .map(|&d| {
            u32::try_from(d).map_err(|_| MetadataError::Invalid(format!("`{name}` has a negative dimension {d}")))
        })
        .collect()
}

impl ModelMetadata {
    /// Checks, before any space is built from it, that what the agent declares holds at
    /// most `max` tensor elements, each input and output and all of them together. Returns
    /// the total. Metadata comes from the network, so this bounds what trusting it costs.
    ///
    /// ```
    /// use ai4u_core::metadata::{ModelMetadata, OutputSpec};
    ///
    /// let huge = OutputSpec { name: "move".into(), continuous: true, shape: vec![1 << 28, 1 << 28],
    ///                         range_min: vec![], range_max: vec![] };
    /// let m = ModelMetadata { inputs: vec![], outputs: vec![huge] };
    /// let err = m.check_elements(1 << 22).unwrap_err();
    /// assert_eq!(err.to_string(), "output `move` declares shape [268435456, 268435456] \
    ///     (72057594037927936 elements), over the limit of 4194304 elements per agent");
    /// ```
    pub fn check_elements(&self, max: u64) -> Result<u64, MetadataError> {
        let tensors = self
            .inputs
            .iter()
            .map(|i| (format!("input `{}`", i.name), &i.shape))
            .chain(self.outputs.iter().map(|o| (format!("output `{}`", o.name), &o.shape)));
        let mut total = 0u64;
        for (what, shape) in tensors {
            let elements = shape_elements(shape);
            match elements {
                Some(n) if n <= max => total = total.saturating_add(n),
                _ => return Err(MetadataError::TooLarge { what, shape: shape.clone(), elements, max }),
            }
        }
        if total > max {
            return Err(MetadataError::TooLarge {
                what: "the agent".into(),
                shape: vec![],
                elements: Some(total),
                max,
            });
        }
        Ok(total)
    }

    /// Parses AI4U's `modelmetadata` JSON. AI4U numbers sensor types differently from the
    /// wire (float 0, string 1, bool 2, int 3, bytes 4, float array 5, int array 6,
    /// Godot 4: string array 7, image 8); they are mapped onto [`ValueKind`].
    ///
    /// ```
    /// let m = ai4u_core::metadata::ModelMetadata::from_ai4u_json(
    ///     r#"{"inputs":[{"name":"array","shape":[7],"type":5,"rangeMin":-1,"rangeMax":1}],
    ///        "outputs":[{"name":"move","isContinuous":true,"shape":[4],"rangeMin":[-1,-1,0,0],"rangeMax":[1,1,1,1]}]}"#,
    /// ).unwrap();
    /// assert_eq!(m.outputs[0].name, "move");
    /// ```
    pub fn from_ai4u_json(json: &str) -> Result<ModelMetadata, MetadataError> {
        let legacy: Legacy = serde_json::from_str(json)?;
        let inputs = legacy
            .inputs
            .into_iter()
            .map(|i| {
                let kind = match i.kind {
                    0 => ValueKind::Float,
                    1 | 7 => ValueKind::String,
                    2 => ValueKind::Bool,
                    3 => ValueKind::Int,
                    4 => ValueKind::Bytes,
                    5 => ValueKind::FloatArray,
                    6 => ValueKind::IntArray,
                    8 => ValueKind::Image,
                    k => return Err(MetadataError::Invalid(format!("input `{}` has unknown type {k}", i.name))),
                };
                Ok(InputSpec {
                    shape: dims(&i.name, &i.shape)?,
                    name: i.name,
                    kind,
                    range_min: i.range_min,
                    range_max: i.range_max,
                })
            })
            .collect::<Result<_, _>>()?;
        let outputs = legacy
            .outputs
            .into_iter()
            .map(|o| {
                Ok(OutputSpec {
                    shape: dims(&o.name, &o.shape)?,
                    name: o.name,
                    continuous: o.continuous,
                    range_min: o.range_min,
                    range_max: o.range_max,
                })
            })
            .collect::<Result<_, MetadataError>>()?;
        Ok(ModelMetadata { inputs, outputs })
    }

    /// The sensor named `name`, if the agent declared one.
    pub fn input(&self, name: &str) -> Option<&InputSpec> {
        self.inputs.iter().find(|i| i.name == name)
    }

    /// The actuator named `name`, if the agent declared one.
    pub fn output(&self, name: &str) -> Option<&OutputSpec> {
        self.outputs.iter().find(|o| o.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_ai4u_json_and_names_bad_types() {
        let m = ModelMetadata::from_ai4u_json(
            r#"{"inputs":[{"name":"vision","shape":[10,10,1],"type":5,"rangeMin":0,"rangeMax":255}],"outputs":[]}"#,
        )
        .unwrap();
        assert_eq!(m.inputs[0].kind, ValueKind::FloatArray);
        assert_eq!(m.inputs[0].shape, vec![10, 10, 1]);
        let err = ModelMetadata::from_ai4u_json(r#"{"inputs":[{"name":"x","type":42}]}"#).unwrap_err();
        assert_eq!(err.to_string(), "model metadata: input `x` has unknown type 42");
        assert!(ModelMetadata::from_ai4u_json("{").is_err());
    }
}
