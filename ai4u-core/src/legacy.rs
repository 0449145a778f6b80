//! The AI4U legacy text protocol, which scenes made with the original AI4U packages
//! (Unity AI4UUE, Godot AI4UGE) speak over UDP: requests are lists of typed text fields,
//! replies are `name;nargs;arg1;...` commands joined by `@`.
//!
//! ```
//! use ai4u_core::legacy;
//! use ai4u_core::value::Value;
//! // The worked example of AI4U's SampleScene state (111 bytes).
//! let req = b"   5   4done2       10   6reward0       5-0.01   2id3       10   5steps1       212   5array5      110.5 -1 0.25";
//! let fields = legacy::decode_request(req).unwrap();
//! assert_eq!(fields[1].value, Value::Float(-0.01));
//! assert_eq!(fields[4].value, Value::floats(vec![0.5, -1.0, 0.25]));
//! ```

use crate::value::{Field, Value};

/// Largest request accepted (AI4U's own server read 8 KiB; a UDP datagram is at most 64 KiB).
pub const MAX_REQUEST: usize = 65_507;

/// Why a legacy request could not be read. Each names the field and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LegacyError {
    /// The request ended (or its field count cannot fit in it) while reading the named part.
    #[error("legacy request truncated while reading {0}")]
    Truncated(&'static str),
    /// A space-padded decimal (field count, name size, value size) is not a number.
    #[error("legacy request: `{text}` is not a valid {what}")]
    BadNumber {
        /// The number being read, for example `the field count`.
        what: &'static str,
        /// The characters found instead.
        text: String,
    },
    /// A field's type code is not a digit `0` to `7`.
    #[error("legacy request: field `{name}` has unknown type code {code}")]
    BadType {
        /// The field's name.
        name: String,
        /// The code byte minus `b'0'` (wrapping), so `9` for the character `9`.
        code: u8,
    },
    /// A field's name or value text is not valid UTF-8.
    #[error("legacy request: field `{name}` is not valid UTF-8")]
    BadUtf8 {
        /// The field's name, invalid bytes replaced by U+FFFD.
        name: String,
    },
    /// A value's text does not parse as its type code says (float, int, bool, base64, array elements).
    #[error("legacy request: field `{name}`: {detail}")]
    BadValue {
        /// The field's name.
        name: String,
        /// What was wrong, quoting the offending text.
        detail: String,
    },
    /// The request is longer than [`MAX_REQUEST`]; holds its length in bytes.
    #[error("legacy request of {0} bytes is larger than {MAX_REQUEST}")]
    TooLarge(usize),
    /// Bytes are left after the last declared field; holds their count.
    #[error("{0} trailing bytes after the last legacy field")]
    Trailing(usize),
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], LegacyError> {
        if self.buf.len() - self.pos < n {
            return Err(LegacyError::Truncated(what));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A right-aligned, space-padded decimal of `width` characters.
    fn number(&mut self, width: usize, what: &'static str) -> Result<usize, LegacyError> {
        let raw = self.take(width, what)?;
        let text = String::from_utf8_lossy(raw);
        text.trim().parse().map_err(|_| LegacyError::BadNumber { what, text: text.into_owned() })
    }
}

fn parse_floats(name: &str, text: &str) -> Result<Vec<f32>, LegacyError> {
    text.split_whitespace()
        .map(|t| {
            t.parse().map_err(|_| LegacyError::BadValue { name: name.into(), detail: format!("`{t}` is not a float") })
        })
        .collect()
}

/// Decodes standard base64 (AI4U's byte arrays); `None` if the text is not base64.
fn base64(text: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let bytes: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let body = bytes.strip_suffix(b"==").or_else(|| bytes.strip_suffix(b"=")).unwrap_or(&bytes);
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * i);
        }
        let n = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&acc.to_be_bytes()[1..1 + n]);
    }
    Some(out)
}

/// Decodes one request into its fields, in order. Numbers follow AI4U's invariant-culture text.
pub fn decode_request(buf: &[u8]) -> Result<Vec<Field>, LegacyError> {
    if buf.len() > MAX_REQUEST {
        return Err(LegacyError::TooLarge(buf.len()));
    }
    let mut c = Cursor { buf, pos: 0 };
    let n = c.number(4, "the field count")?;
    // Each field takes at least 4 + 1 + 8 bytes: a count beyond that cannot be honest.
    if n > buf.len() / 13 + 1 {
        return Err(LegacyError::Truncated("the fields"));
    }
    let mut fields = Vec::with_capacity(n);
    for _ in 0..n {
        let name_len = c.number(4, "a field name size")?;
        let name_raw = c.take(name_len, "a field name")?;
        let name = std::str::from_utf8(name_raw)
            .map_err(|_| LegacyError::BadUtf8 { name: String::from_utf8_lossy(name_raw).into_owned() })?
            .to_owned();
        let code = c.take(1, "a type code")?[0];
        let value_len = c.number(8, "a value size")?;
        let raw = c.take(value_len, "a value")?;
        let text = std::str::from_utf8(raw).map_err(|_| LegacyError::BadUtf8 { name: name.clone() })?;
        let bad = |detail: String| LegacyError::BadValue { name: name.clone(), detail };
        let value = match code {
            b'0' => Value::Float(text.trim().parse().map_err(|_| bad(format!("`{text}` is not a float")))?),
            b'1' => Value::Int(text.trim().parse().map_err(|_| bad(format!("`{text}` is not an int")))?),
            b'2' => Value::Bool(match text.trim() {
                "1" | "true" | "True" => true,
                "0" | "false" | "False" => false,
                other => return Err(bad(format!("`{other}` is not a bool"))),
            }),
            b'3' | b'7' => Value::String(text.to_owned()),
            b'4' => Value::Bytes(base64(text).ok_or_else(|| bad("the byte array is not base64".into()))?),
            b'5' => Value::floats(parse_floats(&name, text)?),
            b'6' => Value::ints(
                text.split_whitespace()
                    .map(|t| t.parse().map_err(|_| bad(format!("`{t}` is not an int"))))
                    .collect::<Result<Vec<i32>, _>>()?,
            ),
            other => return Err(LegacyError::BadType { name, code: other.wrapping_sub(b'0') }),
        };
        fields.push(Field { name, value });
    }
    if c.pos != buf.len() {
        return Err(LegacyError::Trailing(buf.len() - c.pos));
    }
    Ok(fields)
}

/// Encodes a request the way AI4U engines do (for tests and for Rust programs that want to
/// speak to an AI4U server). Float arrays use code 5, int arrays 6, bytes base64 under 4.
pub fn encode_request(fields: &[Field]) -> Vec<u8> {
    let mut out = format!("{:>4}", fields.len()).into_bytes();
    for f in fields {
        let (code, text) = match &f.value {
            Value::Float(x) => ('0', x.to_string()),
            Value::Int(i) => ('1', i.to_string()),
            Value::Bool(b) => ('2', if *b { "1" } else { "0" }.to_owned()),
            Value::String(s) => ('3', s.clone()),
            Value::Bytes(b) => ('4', encode_base64(b)),
            Value::FloatArray { data, .. } => ('5', join(data)),
            Value::IntArray { data, .. } => ('6', join(data)),
            Value::Image(img) => ('4', encode_base64(&img.data)),
        };
        out.extend_from_slice(format!("{:>4}{}{}{:>8}{}", f.name.len(), f.name, code, text.len(), text).as_bytes());
    }
    out
}

fn join<T: ToString>(v: &[T]) -> String {
    v.iter().map(T::to_string).collect::<Vec<_>>().join(" ")
}

fn encode_base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = u32::from_be_bytes([0, b[0], b[1], b[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// One command of a reply: `name;nargs;arg1;...;argN`.
pub fn command(name: &str, args: &[String]) -> String {
    let mut s = format!("{name};{}", args.len());
    if args.is_empty() {
        // AI4U's own replies end argument-less commands with `;` (`__stop__;0;`).
        s.push(';');
    }
    for a in args {
        s.push(';');
        s.push_str(a);
    }
    s
}

/// A value as the text arguments of a legacy command (arrays spread into one argument each).
pub fn value_args(v: &Value) -> Vec<String> {
    match v {
        Value::Float(x) => vec![x.to_string()],
        Value::Int(i) => vec![i.to_string()],
        Value::Bool(b) => vec![if *b { "1" } else { "0" }.to_owned()],
        Value::String(s) => vec![s.clone()],
        Value::Bytes(b) => vec![encode_base64(b)],
        Value::FloatArray { data, .. } => data.iter().map(f32::to_string).collect(),
        Value::IntArray { data, .. } => data.iter().map(i32::to_string).collect(),
        Value::Image(img) => vec![encode_base64(&img.data)],
    }
}

/// Splits a reply into its commands: (name, args).
pub fn decode_reply(text: &str) -> Vec<(String, Vec<String>)> {
    text.split('@')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let mut parts = c.split(';');
            let name = parts.next().unwrap_or_default().to_owned();
            let n: usize = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
            (name, parts.take(n).map(str::to_owned).collect())
        })
        .collect()
}

/// The three editions of AI4U's engine side found in users' scenes. Their requests share
/// the framing above; they differ in what they expect back (see `docs/LEGACY.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Edition {
    /// The Unity package AI4UUE 0.9.
    Unity,
    /// The Godot 3 edition AI4UGE (C#). It answers like Unity; only the last command of a
    /// reply is its action.
    Godot3,
    /// The Godot 4 edition of 2025 (C#): `__ctrl_*__` fields in its states, a wait message
    /// listing `start_and_reset, start`, `__reset__` to start an episode, a close message.
    Godot4,
}

impl Edition {
    /// The name the `--legacy-edition` option and the logs use.
    pub fn name(self) -> &'static str {
        match self {
            Edition::Unity => "unity",
            Edition::Godot3 => "godot3",
            Edition::Godot4 => "godot4",
        }
    }

    /// Whether every input shape in its metadata starts with the stacked-observation count
    /// (`[1, 7]` for a 7-float sensor). The Unity and Godot 3 editions do; Godot 4 does not.
    pub fn stacks_inputs(self) -> bool {
        self != Edition::Godot4
    }
}

impl std::fmt::Display for Edition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Edition {
    type Err = String;
    fn from_str(s: &str) -> Result<Edition, String> {
        match s {
            "unity" => Ok(Edition::Unity),
            "godot3" => Ok(Edition::Godot3),
            "godot4" => Ok(Edition::Godot4),
            other => Err(format!("unknown AI4U edition `{other}` (unity, godot3 or godot4)")),
        }
    }
}

/// The edition a wait message or a state comes from, as far as it tells: the Godot 4
/// edition puts `__ctrl_*__` fields in its states and lists `start_and_reset, start` in its
/// wait message; anything else is served as Unity (Godot 3 cannot be told from Unity, and
/// is answered the same way). `None` for messages that tell nothing (a configuration).
pub fn detect_edition(fields: &[Field]) -> Option<Edition> {
    if fields.iter().any(|f| f.name.starts_with("__ctrl_")) {
        return Some(Edition::Godot4);
    }
    let control = fields.iter().any(|f| f.name == "__target__" && f.value == Value::String("envcontrol".into()));
    if !control {
        return Some(Edition::Unity);
    }
    let wait = fields.iter().find(|f| f.name == "wait_command")?;
    match &wait.value {
        Value::String(words) if words.split(',').any(|w| matches!(w.trim(), "start_and_reset" | "start")) => {
            Some(Edition::Godot4)
        }
        _ => Some(Edition::Unity),
    }
}

/// How an input declared by a stacking edition ([`Edition::stacks_inputs`]) is observed,
/// reading the leading dimension as the stack count as AI4U's Python edition did: a
/// vector `[s, n]` is `[n]` for one frame and `[s, n]` for several; a grid `[s, h, w]` is
/// `[h, w, s]`, its frames as channels (the SampleScene's ray grid `[1, 10, 10]` becomes
/// `[10, 10, 1]`); a deeper shape loses a stack of 1 and keeps a larger one in front.
/// A one-dimensional shape has no stack and is kept.
pub fn unstacked_shape(declared: &[u32]) -> Vec<u32> {
    match declared {
        [] | [_] => declared.to_vec(),
        [1, rest @ ..] if rest.len() != 2 => rest.to_vec(),
        [s, h, w] => vec![*h, *w, *s],
        _ => declared.to_vec(),
    }
}

/// The readings of an input declared as `declared` by a stacking edition, laid out for
/// [`unstacked_shape`]: only a grid of several frames moves (frame-major to channels-last);
/// `None` when `data` does not hold the declared number of elements.
pub fn unstack_values(declared: &[u32], data: &[f32]) -> Option<Vec<f32>> {
    let len = declared.iter().try_fold(1usize, |n, &d| n.checked_mul(d as usize))?;
    if len != data.len() {
        return None;
    }
    match *declared {
        [s, h, w] if s > 1 => {
            let (s, frame) = (s as usize, h as usize * w as usize);
            let mut out = vec![0.0; data.len()];
            for (k, chunk) in data.chunks_exact(frame).enumerate() {
                for (p, &x) in chunk.iter().enumerate() {
                    out[p * s + k] = x;
                }
            }
            Some(out)
        }
        _ => Some(data.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &[u8] = b"   5   4done2       10   6reward0       5-0.01   2id3       10   5steps1       212   5array5      110.5 -1 0.25";

    #[test]
    fn reads_the_reference_example() {
        assert_eq!(EXAMPLE.len(), 111);
        let f = decode_request(EXAMPLE).unwrap();
        let names: Vec<_> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["done", "reward", "id", "steps", "array"]);
        assert_eq!(f[0].value, Value::Bool(false));
        assert_eq!(f[2].value, Value::String("0".into()));
        assert_eq!(f[3].value, Value::Int(12));
    }

    #[test]
    fn encodes_what_it_decodes() {
        let fields = vec![
            Field::new("done", false),
            Field::new("reward", -0.01f32),
            Field::new("id", "0"),
            Field::new("steps", 12i64),
            Field::new("array", Value::floats(vec![0.5, -1.0, 0.25])),
            Field::new("frame", Value::Bytes(vec![0, 1, 2, 250, 251])),
            Field::new("grid", Value::ints(vec![1, -2])),
        ];
        let bytes = encode_request(&fields);
        // The first five fields are the reference example's, byte for byte.
        assert_eq!(&bytes[..4], b"   7");
        assert_eq!(&bytes[4..EXAMPLE.len()], &EXAMPLE[4..]);
        assert_eq!(decode_request(&bytes).unwrap(), fields);
    }

    #[test]
    fn malformed_requests_are_named() {
        assert_eq!(decode_request(b"   1   4do").unwrap_err(), LegacyError::Truncated("a field name"));
        assert_eq!(
            decode_request(b"abcd").unwrap_err(),
            LegacyError::BadNumber { what: "the field count", text: "abcd".into() }
        );
        let e = decode_request(b"   1   1x9       11").unwrap_err();
        assert_eq!(e.to_string(), "legacy request: field `x` has unknown type code 9");
        let e = decode_request(b"   1   1x0       3abc").unwrap_err();
        assert_eq!(e.to_string(), "legacy request: field `x`: `abc` is not a float");
        assert_eq!(decode_request(b"9999").unwrap_err(), LegacyError::Truncated("the fields"));
    }

    #[test]
    fn replies_look_like_ai4u_s() {
        assert_eq!(command("__stop__", &[]), "__stop__;0;");
        let act = command("move", &value_args(&Value::floats(vec![1.0, 0.0, 0.0, 0.0])));
        assert_eq!(act, "move;4;1;0;0;0");
        let cmds = decode_reply(&format!("{act}@seed;1;7"));
        assert_eq!(cmds[0], ("move".into(), vec!["1".into(), "0".into(), "0".into(), "0".into()]));
        assert_eq!(cmds[1], ("seed".into(), vec!["7".into()]));
    }

    #[test]
    fn editions_are_told_apart_by_their_messages() {
        let wait = |words: &str| {
            vec![Field::new("__target__", "envcontrol"), Field::new("wait_command", words), Field::new("id", "0")]
        };
        assert_eq!(detect_edition(&wait("restart, resume")), Some(Edition::Unity));
        assert_eq!(detect_edition(&wait("restart, resume, start_and_reset, start")), Some(Edition::Godot4));
        let state = vec![Field::new("done", false), Field::new("id", "0")];
        assert_eq!(detect_edition(&state), Some(Edition::Unity));
        let mut godot = state.clone();
        godot.push(Field::new("__ctrl_paused__", false));
        assert_eq!(detect_edition(&godot), Some(Edition::Godot4));
        let config = vec![Field::new("__target__", "envcontrol"), Field::new("config", 1i64)];
        assert_eq!(detect_edition(&config), None);
        assert_eq!("godot4".parse::<Edition>(), Ok(Edition::Godot4));
        assert!("godot5".parse::<Edition>().unwrap_err().contains("godot5"));
    }

    #[test]
    fn the_leading_stack_dimension_is_read_off() {
        assert_eq!(unstacked_shape(&[1, 7]), vec![7]);
        assert_eq!(unstacked_shape(&[1, 10, 10]), vec![10, 10, 1]);
        assert_eq!(unstacked_shape(&[4, 5, 5]), vec![5, 5, 4]);
        assert_eq!(unstacked_shape(&[3, 7]), vec![3, 7]);
        assert_eq!(unstacked_shape(&[7]), vec![7]);
        assert_eq!(unstacked_shape(&[1, 2, 3, 4]), vec![2, 3, 4]);
        // Two frames of a 1x2 grid: frame-major in, channels-last out.
        assert_eq!(unstack_values(&[2, 1, 2], &[1.0, 2.0, 3.0, 4.0]), Some(vec![1.0, 3.0, 2.0, 4.0]));
        assert_eq!(unstack_values(&[1, 7], &[0.0; 7]), Some(vec![0.0; 7]));
        assert_eq!(unstack_values(&[1, 7], &[0.0; 6]), None);
    }
}
