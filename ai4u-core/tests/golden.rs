//! Golden vectors: our codec and bincode itself must both produce exactly the bytes in
//! `tests/vectors/`, and decode them back to the same message.

mod common;

use ai4u_core::wire::{self, Limits, Message};
use common::vectors;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn bincode_config() -> impl bincode::config::Config {
    bincode::config::standard().with_fixed_int_encoding().with_little_endian()
}

/// Equality that treats NaN as equal to NaN (vectors carry NaNs on purpose).
fn same(a: &Message, b: &Message) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

fn description(v: &vectors::Vector, bytes: &[u8]) -> String {
    let json = serde_json::json!({
        "name": v.name,
        "note": v.note,
        "kind": v.msg.kind_name(),
        "payload_len": bytes.len(),
        "payload_hex": bytes.iter().map(|b| format!("{b:02x}")).collect::<String>(),
        "message": v.msg,
    });
    serde_json::to_string_pretty(&json).unwrap() + "\n"
}

#[test]
fn golden_vectors_match_codec_and_bincode() {
    let bless = std::env::var_os("AI4U_BLESS").is_some();
    let all = vectors::all();
    assert!(all.len() >= 25);
    for v in &all {
        let ours = wire::encode_to_vec(&v.msg);
        let theirs = bincode::serde::encode_to_vec(&v.msg, bincode_config()).unwrap();
        assert_eq!(ours, theirs, "{}: our encoding differs from bincode's", v.name);
        let bin = dir().join(format!("{}.bin", v.name));
        let json = dir().join(format!("{}.json", v.name));
        if bless {
            std::fs::create_dir_all(dir()).unwrap();
            std::fs::write(&bin, &ours).unwrap();
            std::fs::write(&json, description(v, &ours)).unwrap();
        }
        let file = std::fs::read(&bin).unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
        assert_eq!(ours, file, "{}: encode != golden bytes", v.name);
        let decoded = wire::decode(&file, &Limits::default()).unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert!(same(&decoded, &v.msg), "{}: decode(golden) != message", v.name);
        let (by_bincode, used): (Message, usize) = bincode::serde::decode_from_slice(&file, bincode_config()).unwrap();
        assert_eq!(used, file.len());
        assert!(same(&by_bincode, &v.msg), "{}: bincode decodes the golden bytes differently", v.name);
        let described = std::fs::read_to_string(&json).unwrap();
        assert_eq!(described, description(v, &ours), "{}: stale JSON description", v.name);
    }
    // No stray files: every file in the folder belongs to a vector (the session vectors have
    // their own folder and test, sessions.rs).
    for entry in std::fs::read_dir(dir()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().into_string().unwrap();
        if name == "sessions" && entry.path().is_dir() {
            continue;
        }
        let stem = name.rsplit_once('.').map(|(s, _)| s).unwrap_or(&name);
        assert!(all.iter().any(|v| v.name == stem) || name == "README.md", "stray file {name}");
    }
}

#[test]
fn biggest_allowed_name_passes_and_one_more_byte_fails() {
    let v = vectors::all().into_iter().find(|v| v.name == "name_max").unwrap();
    let bytes = wire::encode_to_vec(&v.msg);
    assert!(wire::decode(&bytes, &Limits::default()).is_ok());
    let tight = Limits { max_name_len: 255, ..Limits::default() };
    let err = wire::decode(&bytes, &tight).unwrap_err();
    assert_eq!(err.to_string(), "field name is 256 bytes long, limit is 255");
}
