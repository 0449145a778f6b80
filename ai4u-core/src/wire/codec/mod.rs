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
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_frame_len: 64 << 20, max_agents: 4096, max_fields: 1024, max_name_len: 256, max_rank: 16 }
    }
}

/// Why bytes are not a valid message. Every variant names what was being read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error("frame of {len} bytes exceeds the limit of {max} bytes")]
    FrameTooLarge { len: u64, max: u32 },
    #[error("empty frame")]
    EmptyFrame,
    #[error("message truncated while reading {what}: needed {needed} more bytes, {left} left")]
    Truncated { what: &'static str, needed: u64, left: usize },
    #[error("{count} trailing bytes after a complete {message} message")]
    TrailingBytes { message: &'static str, count: usize },
    #[error("unknown {what} tag {tag}")]
    BadTag { what: &'static str, tag: u32 },
    #[error("{what} has {len} entries, limit is {max}")]
    TooMany { what: &'static str, len: u64, max: u32 },
    #[error("{what} is {len} bytes long, limit is {max}")]
    NameTooLong { what: &'static str, len: u64, max: u32 },
    #[error("{what} is not valid UTF-8")]
    BadUtf8 { what: &'static str },
    #[error("invalid bool byte {0} (must be 0 or 1)")]
    BadBool(u8),
    #[error("invalid option tag {0} (must be 0 or 1)")]
    BadOption(u8),
    #[error("{what}: {detail}")]
    BadShape { what: &'static str, detail: String },
}
