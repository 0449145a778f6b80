//! The bodies of the fuzz targets in `fuzz/`, shared with `tests/fuzz_corpus.rs` so the
//! committed corpus replays on stable Rust in the normal test command. Each target takes
//! arbitrary bytes, must never panic, and asserts what is cheap to check: a decoded message
//! re-encodes to the same bytes, the framed readers agree with a reference parser whatever
//! the read sizes (and, for the async reader, however often a read is cancelled), and spaces
//! are built from metadata only under the element limit.
//!
//! `fuzz/fuzz_targets/*.rs` include this file by path; each uses one target, hence:
#![allow(dead_code)]

pub mod frames;
pub mod spaces;

use ai4u_core::legacy;
use ai4u_core::value::{Field, Value};
use ai4u_core::wire::{self, Command, Limits, Message};

/// A target body: takes any bytes, panics only on a broken property.
pub type Target = fn(&[u8]);

/// Every target by the name of its `fuzz/corpus/<name>/` directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("decode", decode),
    ("frame_reader", frames::frame_reader),
    ("async_frame_reader", frames::async_frame_reader),
    ("legacy", legacy_text),
    ("metadata_spaces", spaces::metadata_spaces),
];

/// Limits far below the defaults, so the fuzzer reaches every refusal with short inputs.
pub const TIGHT: Limits = Limits {
    max_frame_len: 2048,
    max_agents: 3,
    max_fields: 6,
    max_name_len: 12,
    max_rank: 4,
    max_agent_elements: 1 << 12,
};

/// The native decoder: whatever decodes re-encodes to the same bytes (the layout has one
/// encoding per message), respects the limits it was decoded under, and what decodes under
/// tighter limits decodes the same under the defaults.
pub fn decode(data: &[u8]) {
    let default = Limits::default();
    let loose = wire::decode(data, &default);
    if let Ok(msg) = &loose {
        assert_eq!(wire::encode_to_vec(msg), data, "a decoded {} re-encodes to other bytes", msg.kind_name());
        let mut frame = Vec::new();
        wire::encode_frame(msg, &mut frame);
        assert_eq!(frame[..4], (data.len() as u32).to_le_bytes(), "frame header");
        assert_within(msg, &default);
    }
    if let Ok(msg) = wire::decode(data, &TIGHT) {
        assert_within(&msg, &TIGHT);
        assert!(loose.is_ok(), "accepted under tight limits, refused under the defaults: {loose:?}");
    }
}

/// Panics unless `msg` stays within every list, name and rank limit of `l`.
pub fn assert_within(msg: &Message, l: &Limits) {
    let list = |what: &str, n: usize, max: u32| assert!(n <= max as usize, "{what}: {n} entries over {max}");
    let name = |what: &str, s: &str| assert!(s.len() <= l.max_name_len as usize, "{what} `{s}` over the name limit");
    let fields = |fs: &[Field]| {
        list("fields", fs.len(), l.max_fields);
        for f in fs {
            name("field name", &f.name);
            assert_value(&f.value, l);
        }
    };
    match msg {
        Message::Hello(h) => {
            list("hello agents", h.agents.len(), l.max_agents);
            for a in &h.agents {
                name("agent id", &a.id);
                let m = &a.metadata;
                list("inputs", m.inputs.len(), l.max_fields);
                list("outputs", m.outputs.len(), l.max_fields);
                for i in &m.inputs {
                    name("input", &i.name);
                    list("input shape", i.shape.len(), l.max_rank);
                }
                for o in &m.outputs {
                    name("output", &o.name);
                    list("output shape", o.shape.len(), l.max_rank);
                    list("range_min", o.range_min.len(), l.max_fields);
                    list("range_max", o.range_max.len(), l.max_fields);
                }
            }
        }
        Message::Welcome(w) => {
            list("welcome agents", w.agents.len(), l.max_agents);
            for a in &w.agents {
                name("agent id", &a.id);
                fields(&a.fields);
            }
        }
        Message::Tick(t) => {
            list("tick agents", t.agents.len(), l.max_agents);
            for a in &t.agents {
                name("agent id", &a.id);
                fields(&a.fields);
            }
        }
        Message::Reply(r) => {
            list("reply commands", r.commands.len(), l.max_agents);
            for c in &r.commands {
                name("agent id", &c.id);
                match &c.command {
                    Command::Act { name: action, args, fields: extra } => {
                        name("action", action);
                        list("args", args.len(), l.max_fields);
                        args.iter().for_each(|v| assert_value(v, l));
                        fields(extra);
                    }
                    Command::Reset { fields: extra } => fields(extra),
                    Command::Wait | Command::Pause | Command::Resume | Command::Stop => {}
                }
            }
        }
        Message::Reject { .. } | Message::Bye { .. } | Message::Error { .. } => {}
    }
}

fn assert_value(v: &Value, l: &Limits) {
    if let Err(e) = v.validate() {
        panic!("decoded an invalid {}: {e}", v.kind());
    }
    if let Value::FloatArray { shape, .. } | Value::IntArray { shape, .. } = v {
        assert!(shape.len() <= l.max_rank as usize, "rank {} over {}", shape.len(), l.max_rank);
    }
}

/// The legacy text codec: a request that decodes re-encodes to one that decodes to the same
/// fields (the text itself may differ: padding, `true` for `1`, float spelling), and reply
/// commands without separators in them survive `command` then `decode_reply`.
pub fn legacy_text(data: &[u8]) {
    if let Ok(fields) = legacy::decode_request(data) {
        let again = legacy::encode_request(&fields);
        // Re-spelled floats can be longer than the original text, past the request limit.
        if again.len() <= legacy::MAX_REQUEST {
            match legacy::decode_request(&again) {
                Ok(back) => assert_same_fields(&fields, &back),
                Err(e) => panic!("a re-encoded legacy request does not decode: {e}"),
            }
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let cmds = legacy::decode_reply(text);
        let plain = |s: &str| !s.contains(['@', ';']);
        if cmds.iter().all(|(n, a)| plain(n) && a.iter().all(|s| plain(s))) {
            let joined: Vec<String> = cmds.iter().map(|(n, a)| legacy::command(n, a)).collect();
            assert_eq!(legacy::decode_reply(&joined.join("@")), cmds, "reply commands do not survive a round trip");
        }
    }
}

/// Field lists equal up to NaN payloads (the text form spells every NaN `NaN`).
fn assert_same_fields(a: &[Field], b: &[Field]) {
    let same_f32 = |x: f32, y: f32| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
    assert_eq!(a.len(), b.len(), "field count");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.name, y.name);
        let same = match (&x.value, &y.value) {
            (Value::Float(p), Value::Float(q)) => same_f32(*p, *q),
            (Value::FloatArray { shape: s, data: p }, Value::FloatArray { shape: t, data: q }) => {
                s == t && p.len() == q.len() && p.iter().zip(q).all(|(p, q)| same_f32(*p, *q))
            }
            (p, q) => p == q,
        };
        assert!(same, "field `{}` was {:?}, re-decoded {:?}", x.name, x.value, y.value);
    }
}
