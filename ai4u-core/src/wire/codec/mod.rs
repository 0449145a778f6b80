//! Encode and decode [`Message`](super::Message)s in bincode 2's layout (serde data model, fixed-width
//! little-endian integers, `u32` enum tags, `u64` lengths).
//!
//! Written by hand rather than through `bincode::decode_from_slice` because bincode sizes
//! allocations by the untrusted length it just read (`vec![0; len]`) unless a compile-time
//! limit is set, and our limits are runtime settings. Here every length is checked against
//! [`Limits`] and against the bytes actually left in the frame before anything is
//! allocated, so a decode never allocates more than a small multiple of the frame it reads.
//! The test suite checks byte equality with bincode itself on every golden vector and on
//! arbitrary messages, so the format stays bincode's.

mod decode;
mod encode;

pub use decode::decode;
pub use encode::{encode, encode_frame, encode_to_vec, encode_value};

/// Bounds a decoder enforces before it allocates. The defaults suit any real scene.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest payload accepted, in bytes (default 64 MiB).
    pub max_frame_len: u32,
    /// Most agents in one hello, tick, welcome or reply (default 4096).
    pub max_agents: u32,
    /// Most fields (or action arguments, inputs, outputs) in one list (default 1024).
    pub max_fields: u32,
    /// Longest name (field, agent id, action, sensor) in UTF-8 bytes (default 256).
    pub max_name_len: u32,
    /// Highest tensor rank (default 16).
    pub max_rank: u32,
    /// Most tensor elements one agent may declare in its metadata, inputs and outputs
    /// together (default 2^22 = 4,194,304: four 1024x1024 RGB cameras). Spaces are built from
    /// the declaration (a Box keeps two f64 bounds per element), so this bounds the memory
    /// an engine can make the server commit; see [`ModelMetadata::check_elements`](crate::metadata::ModelMetadata::check_elements).
    pub max_agent_elements: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame_len: 64 << 20,
            max_agents: 4096,
            max_fields: 1024,
            max_name_len: 256,
            max_rank: 16,
            max_agent_elements: 1 << 22,
        }
    }
}

/// Why bytes are not a valid message. Every variant names what was being read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// A frame header or payload is longer than [`Limits::max_frame_len`]; the body is not read.
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge {
        /// Payload length claimed by the header (or of the slice given to `decode`).
        len: u64,
        /// The limit in force, [`Limits::max_frame_len`].
        max: u32,
    },
    /// A frame header announced a 0-byte payload (or `decode` got an empty slice).
    #[error("empty frame")]
    EmptyFrame,
    /// The payload ended, or a length or count claims more bytes than the payload has left.
    #[error("message truncated while reading {what}: needed {needed} more bytes, {left} left")]
    Truncated {
        /// The part of the message being read.
        what: &'static str,
        /// Bytes that part needs at least.
        needed: u64,
        /// Bytes left in the payload.
        left: usize,
    },
    /// A complete message was decoded but the payload holds more bytes after it.
    #[error("{count} trailing bytes after a complete {message} message")]
    TrailingBytes {
        /// The kind of message decoded, as [`Message::kind_name`](super::Message::kind_name) names it.
        message: &'static str,
        /// Bytes left over.
        count: usize,
    },
    /// An enum tag (message, value kind, command, mode, status, pixel, encoding) is out of range.
    #[error("unknown {what} tag {tag}")]
    BadTag {
        /// Which enum was being read.
        what: &'static str,
        /// The tag read.
        tag: u32,
    },
    /// A list (agents, fields, arguments, inputs, outputs, shape dimensions) exceeds its [`Limits`] entry.
    #[error("{what} has {len} entries, limit is {max}")]
    TooMany {
        /// The list being read.
        what: &'static str,
        /// Element count claimed on the wire.
        len: u64,
        /// The limit in force.
        max: u32,
    },
    /// A field name, agent id, action or sensor name is longer than [`Limits::max_name_len`].
    #[error("{what} is {len} bytes long, limit is {max}")]
    NameTooLong {
        /// The name being read.
        what: &'static str,
        /// Byte length claimed on the wire.
        len: u64,
        /// The limit in force, [`Limits::max_name_len`].
        max: u32,
    },
    /// A string's bytes are not valid UTF-8.
    #[error("{what} is not valid UTF-8")]
    BadUtf8 {
        /// The string being read.
        what: &'static str,
    },
    /// A bool byte other than `0x00` or `0x01`; holds the byte.
    #[error("invalid bool byte {0} (must be 0 or 1)")]
    BadBool(u8),
    /// An option marker other than 0 (none) or 1 (some); holds the byte.
    #[error("invalid option tag {0} (must be 0 or 1)")]
    BadOption(u8),
    /// An array's data count differs from the product of its shape, or a raw image's byte count from its geometry.
    #[error("{what}: {detail}")]
    BadShape {
        /// The value being read (`"float array"`, `"int array"`, `"image"`).
        what: &'static str,
        /// The shape and the count that disagree.
        detail: String,
    },
}
