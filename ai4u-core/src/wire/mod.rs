//! The native protocol, version 2: messages, codec and framing.
//!
//! A connection is a TCP stream of frames. A frame is a `u32` little-endian payload length
//! followed by that many bytes holding one [`Message`] in bincode 2's fixed-int
//! little-endian layout. `docs/PROTOCOL.md` specifies every byte.
//!
//! ```
//! use ai4u_core::wire::{self, Message, Limits};
//! let mut buf = Vec::new();
//! wire::encode_frame(&Message::Bye { reason: "done".into() }, &mut buf);
//! assert_eq!(&buf[..4], &16u32.to_le_bytes()); // tag 4 + len 8 + "done" 4
//! let msg = wire::decode(&buf[4..], &Limits::default()).unwrap();
//! assert_eq!(msg, Message::Bye { reason: "done".into() });
//! ```

mod codec;
mod frame;
mod message;

pub use codec::{decode, encode, encode_frame, encode_to_vec, encode_value, Limits, ProtocolError};
#[cfg(feature = "tokio")]
pub use frame::{AsyncFrameReader, AsyncFrameWriter};
pub use frame::{FrameReader, FrameWriter, WireError};
pub use message::*;

/// Serde helpers that keep non-finite floats readable in human-readable formats (JSON
/// writes NaN as `null`), and leave binary formats untouched.
pub mod serde_float {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Readable {
        Num(f32),
        Text(String),
    }

    fn to_readable(x: f32) -> Readable {
        if x.is_nan() {
            Readable::Text("NaN".into())
        } else if x.is_infinite() {
            Readable::Text(if x > 0.0 { "inf" } else { "-inf" }.into())
        } else {
            Readable::Num(x)
        }
    }

    fn from_readable<E: serde::de::Error>(r: Readable) -> Result<f32, E> {
        match r {
            Readable::Num(x) => Ok(x),
            Readable::Text(t) => match t.as_str() {
                "NaN" => Ok(f32::NAN),
                "inf" => Ok(f32::INFINITY),
                "-inf" => Ok(f32::NEG_INFINITY),
                _ => Err(E::custom(format!("`{t}` is not a float"))),
            },
        }
    }

    /// For `f32` fields.
    pub mod scalar {
        use super::*;
        /// Writes a float: as is for binary formats; as a number, or `"NaN"`, `"inf"`,
        /// `"-inf"`, for human-readable ones.
        pub fn serialize<S: Serializer>(x: &f32, s: S) -> Result<S::Ok, S::Error> {
            if s.is_human_readable() {
                to_readable(*x).serialize(s)
            } else {
                x.serialize(s)
            }
        }
        /// Reads what [`serialize`] writes; any other string is an error.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
            if d.is_human_readable() {
                from_readable(Readable::deserialize(d)?)
            } else {
                f32::deserialize(d)
            }
        }
    }

    /// For `Vec<f32>` fields.
    pub mod seq {
        use super::*;
        /// Writes a float sequence, each element as [`scalar::serialize`] does.
        pub fn serialize<S: Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
            if s.is_human_readable() {
                s.collect_seq(v.iter().map(|&x| to_readable(x)))
            } else {
                v.serialize(s)
            }
        }
        /// Reads what [`serialize`] writes; a non-float string element is an error.
        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
            if d.is_human_readable() {
                Vec::<Readable>::deserialize(d)?.into_iter().map(from_readable).collect()
            } else {
                Vec::<f32>::deserialize(d)
            }
        }
    }
}
