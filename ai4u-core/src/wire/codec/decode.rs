//! Decoding with every length checked before anything is allocated.

use super::super::message::*;
use super::{Limits, ProtocolError};
use crate::metadata::{InputSpec, ModelMetadata, OutputSpec};
use crate::value::{shape_len, Field, Image, ImageEncoding, PixelType, Value, ValueKind};

/// Decodes one payload (no frame header). The whole slice must be one message.
pub fn decode(payload: &[u8], limits: &Limits) -> Result<Message, ProtocolError> {
    if payload.is_empty() {
        return Err(ProtocolError::EmptyFrame);
    }
    if payload.len() as u64 > limits.max_frame_len as u64 {
        return Err(ProtocolError::FrameTooLarge { len: payload.len() as u64, max: limits.max_frame_len });
    }
    let mut r = Reader { buf: payload, pos: 0, limits };
    let msg = r.message()?;
    let left = r.buf.len() - r.pos;
    if left != 0 {
        return Err(ProtocolError::TrailingBytes { message: msg.kind_name(), count: left });
    }
    Ok(msg)
}

/// A cursor over one payload. Every read checks the bytes left first.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    limits: &'a Limits,
}

// Smallest encodings, used to refuse a count that the remaining bytes cannot possibly
// hold before reserving room for it.
const MIN_FIELD: usize = 8 + 4 + 1; // empty name, tag, bool
const MIN_VALUE: usize = 4 + 1;
const MIN_AGENT_STATE: usize = 8 + 4 + 4 + 1 + 1 + 4 + 8;
const MIN_AGENT_COMMAND: usize = 8 + 4;
const MIN_AGENT_INFO: usize = 8 + 4 + 8 + 8;
const MIN_AGENT_CONFIG: usize = 8 + 8;
const MIN_INPUT: usize = 8 + 4 + 8 + 4 + 4;
const MIN_OUTPUT: usize = 8 + 1 + 8 + 8 + 8;

impl<'a> Reader<'a> {
    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], ProtocolError> {
        if n > self.left() {
            return Err(ProtocolError::Truncated { what, needed: n as u64, left: self.left() });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], ProtocolError> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, ProtocolError> {
        Ok(self.take(1, what)?[0])
    }
    fn u16(&mut self, what: &'static str) -> Result<u16, ProtocolError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &'static str) -> Result<u32, ProtocolError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &'static str) -> Result<u64, ProtocolError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn f32(&mut self, what: &'static str) -> Result<f32, ProtocolError> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }
    fn bool(&mut self, what: &'static str) -> Result<bool, ProtocolError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(ProtocolError::BadBool(b)),
        }
    }

    /// A byte length, checked against the bytes left (nothing is allocated before this).
    fn byte_len(&mut self, what: &'static str) -> Result<usize, ProtocolError> {
        let n = self.u64(what)?;
        if n > self.left() as u64 {
            return Err(ProtocolError::Truncated { what, needed: n, left: self.left() });
        }
        Ok(n as usize)
    }

    /// An element count, checked against `max` and against the bytes left given the
    /// smallest encoding of one element.
    fn count(&mut self, what: &'static str, max: u32, min_size: usize) -> Result<usize, ProtocolError> {
        let n = self.u64(what)?;
        if n > max as u64 {
            return Err(ProtocolError::TooMany { what, len: n, max });
        }
        let need = n.saturating_mul(min_size as u64);
        if need > self.left() as u64 {
            return Err(ProtocolError::Truncated { what, needed: need, left: self.left() });
        }
        Ok(n as usize)
    }

    fn string(&mut self, what: &'static str) -> Result<String, ProtocolError> {
        let n = self.byte_len(what)?;
        let b = self.take(n, what)?;
        std::str::from_utf8(b).map(str::to_owned).map_err(|_| ProtocolError::BadUtf8 { what })
    }

    fn name(&mut self, what: &'static str) -> Result<String, ProtocolError> {
        let n = self.u64(what)?;
        if n > self.limits.max_name_len as u64 {
            return Err(ProtocolError::NameTooLong { what, len: n, max: self.limits.max_name_len });
        }
        self.pos -= 8;
        self.string(what)
    }

    fn bytes(&mut self, what: &'static str) -> Result<Vec<u8>, ProtocolError> {
        let n = self.byte_len(what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    fn tag(&mut self, what: &'static str, max: u32) -> Result<u32, ProtocolError> {
        let t = self.u32(what)?;
        if t > max {
            return Err(ProtocolError::BadTag { what, tag: t });
        }
        Ok(t)
    }

    fn shape(&mut self, what: &'static str) -> Result<Vec<u32>, ProtocolError> {
        let n = self.count(what, self.limits.max_rank, 4)?;
        (0..n).map(|_| self.u32(what)).collect()
    }

    /// A block of 4-byte little-endian elements whose count must match `shape`.
    fn block4(&mut self, what: &'static str, shape: &[u32]) -> Result<&'a [u8], ProtocolError> {
        let n = self.u64(what)?;
        if n.saturating_mul(4) > self.left() as u64 {
            return Err(ProtocolError::Truncated { what, needed: n.saturating_mul(4), left: self.left() });
        }
        if shape_len(shape).map(|l| l as u64) != Some(n) {
            return Err(ProtocolError::BadShape {
                what,
                detail: format!("shape {shape:?} does not hold {n} elements"),
            });
        }
        self.take(n as usize * 4, what)
    }

    fn mode(&mut self) -> Result<Mode, ProtocolError> {
        Ok(match self.tag("mode", 1)? {
            0 => Mode::Lockstep,
            _ => Mode::Realtime,
        })
    }

    fn value(&mut self) -> Result<Value, ProtocolError> {
        let kind = ValueKind::from_tag(self.tag("value", 7)?).expect("tag checked above");
        Ok(match kind {
            ValueKind::Float => Value::Float(self.f32("float value")?),
            ValueKind::Int => Value::Int(i64::from_le_bytes(self.array("int value")?)),
            ValueKind::Bool => Value::Bool(self.bool("bool value")?),
            ValueKind::String => Value::String(self.string("string value")?),
            ValueKind::Bytes => Value::Bytes(self.bytes("bytes value")?),
            ValueKind::FloatArray => {
                let shape = self.shape("float array shape")?;
                let b = self.block4("float array", &shape)?;
                let data = b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                Value::FloatArray { shape, data }
            }
            ValueKind::IntArray => {
                let shape = self.shape("int array shape")?;
                let b = self.block4("int array", &shape)?;
                let data = b.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
                Value::IntArray { shape, data }
            }
            ValueKind::Image => {
                let width = self.u32("image width")?;
                let height = self.u32("image height")?;
                let channels = self.u32("image channels")?;
                let pixel = match self.tag("pixel type", 1)? {
                    0 => PixelType::U8,
                    _ => PixelType::F32,
                };
                let encoding = match self.tag("image encoding", 1)? {
                    0 => ImageEncoding::Raw,
                    _ => ImageEncoding::Png,
                };
                let data = self.bytes("image data")?;
                let img = Image { width, height, channels, pixel, encoding, data };
                img.validate().map_err(|e| ProtocolError::BadShape { what: "image", detail: e.to_string() })?;
                Value::Image(img)
            }
        })
    }

    fn fields(&mut self, what: &'static str) -> Result<Vec<Field>, ProtocolError> {
        let n = self.count(what, self.limits.max_fields, MIN_FIELD)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.name("field name")?;
            let value = self.value()?;
            v.push(Field { name, value });
        }
        Ok(v)
    }

    fn f32_seq(&mut self, what: &'static str) -> Result<Vec<f32>, ProtocolError> {
        let n = self.count(what, self.limits.max_fields, 4)?;
        (0..n).map(|_| self.f32(what)).collect()
    }

    fn metadata(&mut self) -> Result<ModelMetadata, ProtocolError> {
        let n = self.count("metadata inputs", self.limits.max_fields, MIN_INPUT)?;
        let mut inputs = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.name("input name")?;
            let kind = ValueKind::from_tag(self.tag("input kind", 7)?).expect("tag checked above");
            let shape = self.shape("input shape")?;
            let range_min = self.f32("input range")?;
            let range_max = self.f32("input range")?;
            inputs.push(InputSpec { name, kind, shape, range_min, range_max });
        }
        let n = self.count("metadata outputs", self.limits.max_fields, MIN_OUTPUT)?;
        let mut outputs = Vec::with_capacity(n);
        for _ in 0..n {
            let name = self.name("output name")?;
            let continuous = self.bool("output continuous flag")?;
            let shape = self.shape("output shape")?;
            let range_min = self.f32_seq("output range_min")?;
            let range_max = self.f32_seq("output range_max")?;
            outputs.push(OutputSpec { name, continuous, shape, range_min, range_max });
        }
        Ok(ModelMetadata { inputs, outputs })
    }

    fn command(&mut self) -> Result<Command, ProtocolError> {
        Ok(match self.tag("command", 5)? {
            0 => {
                let name = self.name("action name")?;
                let n = self.count("action args", self.limits.max_fields, MIN_VALUE)?;
                let mut args = Vec::with_capacity(n);
                for _ in 0..n {
                    args.push(self.value()?);
                }
                let fields = self.fields("action fields")?;
                Command::Act { name, args, fields }
            }
            1 => Command::Reset { fields: self.fields("reset fields")? },
            2 => Command::Wait,
            3 => Command::Pause,
            4 => Command::Resume,
            _ => Command::Stop,
        })
    }

    fn message(&mut self) -> Result<Message, ProtocolError> {
        let max_agents = self.limits.max_agents;
        Ok(match self.tag("message", 6)? {
            0 => {
                let magic = self.u32("magic")?;
                let version = self.u16("version")?;
                let engine = self.string("engine name")?;
                let engine_version = self.string("engine version")?;
                let token = match self.u8("token option")? {
                    0 => None,
                    1 => Some(self.string("token")?),
                    b => return Err(ProtocolError::BadOption(b)),
                };
                let mode = self.mode()?;
                let n = self.count("hello agents", max_agents, MIN_AGENT_INFO)?;
                let mut agents = Vec::with_capacity(n);
                for _ in 0..n {
                    let id = self.name("agent id")?;
                    let max_steps = self.u32("max steps")?;
                    let metadata = self.metadata()?;
                    agents.push(AgentInfo { id, max_steps, metadata });
                }
                Message::Hello(Hello { magic, version, engine, engine_version, token, mode, agents })
            }
            1 => {
                let version = self.u16("version")?;
                let mode = self.mode()?;
                let n = self.count("welcome agents", max_agents, MIN_AGENT_CONFIG)?;
                let mut agents = Vec::with_capacity(n);
                for _ in 0..n {
                    let id = self.name("agent id")?;
                    let fields = self.fields("agent config fields")?;
                    agents.push(AgentConfig { id, fields });
                }
                Message::Welcome(Welcome { version, mode, agents })
            }
            2 => Message::Reject { reason: self.string("reject reason")? },
            3 => {
                let seq = self.u64("tick seq")?;
                let n = self.count("tick agents", max_agents, MIN_AGENT_STATE)?;
                let mut agents = Vec::with_capacity(n);
                for _ in 0..n {
                    let id = self.name("agent id")?;
                    let status = match self.tag("agent status", 3)? {
                        0 => AgentStatus::Idle,
                        1 => AgentStatus::NewEpisode,
                        2 => AgentStatus::Step,
                        _ => AgentStatus::Paused,
                    };
                    let reward = self.f32("reward")?;
                    let done = self.bool("done")?;
                    let truncated = self.bool("truncated")?;
                    let steps = self.u32("steps")?;
                    let fields = self.fields("state fields")?;
                    agents.push(AgentState { id, status, reward, done, truncated, steps, fields });
                }
                Message::Tick(Tick { seq, agents })
            }
            4 => {
                let seq = self.u64("reply seq")?;
                let n = self.count("reply commands", max_agents, MIN_AGENT_COMMAND)?;
                let mut commands = Vec::with_capacity(n);
                for _ in 0..n {
                    let id = self.name("agent id")?;
                    let command = self.command()?;
                    commands.push(AgentCommand { id, command });
                }
                Message::Reply(Reply { seq, commands })
            }
            5 => Message::Bye { reason: self.string("bye reason")? },
            _ => Message::Error { reason: self.string("error reason")? },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::codec::encode::encode_to_vec;

    #[test]
    fn huge_claimed_lengths_are_refused_before_allocating() {
        // A tick claiming u64::MAX agents in a 20-byte frame.
        let mut p = vec![3, 0, 0, 0];
        p.extend_from_slice(&0u64.to_le_bytes());
        p.extend_from_slice(&u64::MAX.to_le_bytes());
        let e = decode(&p, &Limits::default()).unwrap_err();
        assert!(matches!(e, ProtocolError::TooMany { what: "tick agents", .. }), "{e}");
        // A bye whose reason claims 1 GiB.
        let mut p = vec![5, 0, 0, 0];
        p.extend_from_slice(&(1u64 << 30).to_le_bytes());
        let e = decode(&p, &Limits::default()).unwrap_err();
        assert_eq!(e.to_string(), "message truncated while reading bye reason: needed 1073741824 more bytes, 0 left");
    }

    #[test]
    fn names_over_the_limit_are_refused() {
        let limits = Limits { max_name_len: 4, ..Limits::default() };
        let msg = Message::Reply(Reply {
            seq: 1,
            commands: vec![AgentCommand { id: "toolong".into(), command: Command::Wait }],
        });
        let e = decode(&encode_to_vec(&msg), &limits).unwrap_err();
        assert_eq!(e.to_string(), "agent id is 7 bytes long, limit is 4");
    }

    #[test]
    fn trailing_bytes_and_bad_tags_are_errors() {
        let mut p = encode_to_vec(&Message::Bye { reason: "x".into() });
        p.push(0);
        assert_eq!(
            decode(&p, &Limits::default()).unwrap_err(),
            ProtocolError::TrailingBytes { message: "Bye", count: 1 }
        );
        assert_eq!(
            decode(&[9, 0, 0, 0], &Limits::default()).unwrap_err(),
            ProtocolError::BadTag { what: "message", tag: 9 }
        );
    }

    #[test]
    fn array_shape_must_match_data() {
        let msg = Message::Reply(Reply {
            seq: 0,
            commands: vec![AgentCommand { id: "0".into(), command: Command::act("move", vec![1.0, 2.0]) }],
        });
        let mut p = encode_to_vec(&msg);
        // Patch the shape [2] into [3]: the shape's single dimension sits right before the data length.
        let pos = p.windows(4).position(|w| w == [2, 0, 0, 0]).unwrap();
        p[pos] = 3;
        let e = decode(&p, &Limits::default()).unwrap_err();
        assert!(matches!(e, ProtocolError::BadShape { what: "float array", .. }), "{e}");
    }
}
