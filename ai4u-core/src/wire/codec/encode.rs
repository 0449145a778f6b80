//! Encoding: appends the bincode layout of a message to a byte vector. Arrays are written
//! as blocks.

use super::super::message::*;
use crate::metadata::ModelMetadata;
use crate::value::{Field, Value};

/// Appends the payload of `msg` to `out` (no frame header).
pub fn encode(msg: &Message, out: &mut Vec<u8>) {
    let w = out;
    match msg {
        Message::Hello(h) => {
            tag(w, 0);
            u32_(w, h.magic);
            w.extend_from_slice(&h.version.to_le_bytes());
            str_(w, &h.engine);
            str_(w, &h.engine_version);
            match &h.token {
                None => w.push(0),
                Some(t) => {
                    w.push(1);
                    str_(w, t);
                }
            }
            tag(w, h.mode as u32);
            len(w, h.agents.len());
            for a in &h.agents {
                str_(w, &a.id);
                u32_(w, a.max_steps);
                metadata(w, &a.metadata);
            }
        }
        Message::Welcome(wel) => {
            tag(w, 1);
            w.extend_from_slice(&wel.version.to_le_bytes());
            tag(w, wel.mode as u32);
            len(w, wel.agents.len());
            for a in &wel.agents {
                str_(w, &a.id);
                fields(w, &a.fields);
            }
        }
        Message::Reject { reason } => {
            tag(w, 2);
            str_(w, reason);
        }
        Message::Tick(t) => {
            tag(w, 3);
            w.extend_from_slice(&t.seq.to_le_bytes());
            len(w, t.agents.len());
            for a in &t.agents {
                str_(w, &a.id);
                tag(w, a.status as u32);
                w.extend_from_slice(&a.reward.to_le_bytes());
                w.push(a.done as u8);
                w.push(a.truncated as u8);
                u32_(w, a.steps);
                fields(w, &a.fields);
            }
        }
        Message::Reply(r) => {
            tag(w, 4);
            w.extend_from_slice(&r.seq.to_le_bytes());
            len(w, r.commands.len());
            for c in &r.commands {
                str_(w, &c.id);
                command(w, &c.command);
            }
        }
        Message::Bye { reason } => {
            tag(w, 5);
            str_(w, reason);
        }
        Message::Error { reason } => {
            tag(w, 6);
            str_(w, reason);
        }
    }
}

/// Encodes `msg` into a new vector (convenience; hot paths reuse a buffer with [`encode`]).
pub fn encode_to_vec(msg: &Message) -> Vec<u8> {
    let mut v = Vec::new();
    encode(msg, &mut v);
    v
}

/// Appends `u32 LE payload length` + payload to `out`.
pub fn encode_frame(msg: &Message, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    encode(msg, out);
    let n = (out.len() - start - 4) as u32;
    out[start..start + 4].copy_from_slice(&n.to_le_bytes());
}

fn tag(w: &mut Vec<u8>, t: u32) {
    w.extend_from_slice(&t.to_le_bytes());
}
fn u32_(w: &mut Vec<u8>, v: u32) {
    w.extend_from_slice(&v.to_le_bytes());
}
fn len(w: &mut Vec<u8>, n: usize) {
    w.extend_from_slice(&(n as u64).to_le_bytes());
}
fn str_(w: &mut Vec<u8>, s: &str) {
    len(w, s.len());
    w.extend_from_slice(s.as_bytes());
}
fn bytes(w: &mut Vec<u8>, b: &[u8]) {
    len(w, b.len());
    w.extend_from_slice(b);
}
fn shape(w: &mut Vec<u8>, s: &[u32]) {
    len(w, s.len());
    for &d in s {
        u32_(w, d);
    }
}
fn f32s(w: &mut Vec<u8>, v: &[f32]) {
    // resize + chunks_exact_mut compiles to a vectorised copy on little-endian targets.
    len(w, v.len());
    let start = w.len();
    w.resize(start + v.len() * 4, 0);
    for (dst, x) in w[start..].chunks_exact_mut(4).zip(v) {
        dst.copy_from_slice(&x.to_le_bytes());
    }
}
fn i32s(w: &mut Vec<u8>, v: &[i32]) {
    len(w, v.len());
    let start = w.len();
    w.resize(start + v.len() * 4, 0);
    for (dst, x) in w[start..].chunks_exact_mut(4).zip(v) {
        dst.copy_from_slice(&x.to_le_bytes());
    }
}

/// Appends one [`Value`] in wire form.
pub fn encode_value(w: &mut Vec<u8>, v: &Value) {
    tag(w, v.kind() as u32);
    match v {
        Value::Float(f) => w.extend_from_slice(&f.to_le_bytes()),
        Value::Int(i) => w.extend_from_slice(&i.to_le_bytes()),
        Value::Bool(b) => w.push(*b as u8),
        Value::String(s) => str_(w, s),
        Value::Bytes(b) => bytes(w, b),
        Value::FloatArray { shape: s, data } => {
            shape(w, s);
            f32s(w, data);
        }
        Value::IntArray { shape: s, data } => {
            shape(w, s);
            i32s(w, data);
        }
        Value::Image(img) => {
            u32_(w, img.width);
            u32_(w, img.height);
            u32_(w, img.channels);
            tag(w, img.pixel as u32);
            tag(w, img.encoding as u32);
            bytes(w, &img.data);
        }
    }
}

fn fields(w: &mut Vec<u8>, fs: &[Field]) {
    len(w, fs.len());
    for f in fs {
        str_(w, &f.name);
        encode_value(w, &f.value);
    }
}

fn command(w: &mut Vec<u8>, c: &Command) {
    match c {
        Command::Act { name, args, fields: fs } => {
            tag(w, 0);
            str_(w, name);
            len(w, args.len());
            for a in args {
                encode_value(w, a);
            }
            fields(w, fs);
        }
        Command::Reset { fields: fs } => {
            tag(w, 1);
            fields(w, fs);
        }
        Command::Wait => tag(w, 2),
        Command::Pause => tag(w, 3),
        Command::Resume => tag(w, 4),
        Command::Stop => tag(w, 5),
    }
}

fn metadata(w: &mut Vec<u8>, m: &ModelMetadata) {
    len(w, m.inputs.len());
    for i in &m.inputs {
        str_(w, &i.name);
        tag(w, i.kind as u32);
        shape(w, &i.shape);
        w.extend_from_slice(&i.range_min.to_le_bytes());
        w.extend_from_slice(&i.range_max.to_le_bytes());
    }
    len(w, m.outputs.len());
    for o in &m.outputs {
        str_(w, &o.name);
        w.push(o.continuous as u8);
        shape(w, &o.shape);
        f32_seq(w, &o.range_min);
        f32_seq(w, &o.range_max);
    }
}

// Metadata ranges are plain sequences of f32 (not byte blocks): they are tiny and this
// keeps the engine-side writers simple.
fn f32_seq(w: &mut Vec<u8>, v: &[f32]) {
    len(w, v.len());
    for x in v {
        w.extend_from_slice(&x.to_le_bytes());
    }
}
