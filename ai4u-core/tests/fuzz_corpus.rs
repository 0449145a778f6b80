//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the same target
//! bodies the cargo-fuzz targets run, on stable Rust and without libFuzzer, so an input
//! that once crashed (and every input that reached new code) stays covered by the normal
//! test command. `scripts/fuzz.sh` grows and minimises the corpus.

mod fuzz_targets;

use std::path::PathBuf;

fn fuzz_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz").join(kind)
}

/// The files of `fuzz/corpus/<target>/` (what the fuzzer found, minimised) and of
/// `fuzz/seeds/<target>/` (hand-made starting points), either of which may be absent.
fn inputs(target: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [fuzz_dir("corpus").join(target), fuzz_dir("seeds").join(target)] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            files.extend(entries.map(|e| e.expect("a corpus entry").path()));
        }
    }
    files.sort();
    files
}

fn replay(target: &str) {
    let (_, body) = fuzz_targets::TARGETS.iter().find(|(name, _)| *name == target).expect("a known target");
    let files = inputs(target);
    assert!(!files.is_empty(), "no corpus or seeds for `{target}` under {}", fuzz_dir("").display());
    for file in &files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        if let Err(panic) = std::panic::catch_unwind(|| body(&data)) {
            let msg = panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied());
            panic!("{target}: {} fails: {}", file.display(), msg.unwrap_or("(no message)"));
        }
    }
    eprintln!("{target}: {} corpus inputs replayed", files.len());
}

#[test]
fn decode_corpus_replays() {
    replay("decode");
}

#[test]
fn frame_reader_corpus_replays() {
    replay("frame_reader");
}

#[test]
fn async_frame_reader_corpus_replays() {
    replay("async_frame_reader");
}

#[test]
fn legacy_corpus_replays() {
    replay("legacy");
}

#[test]
fn metadata_spaces_corpus_replays() {
    replay("metadata_spaces");
}

/// Every target has a test above, and every corpus directory a target.
#[test]
fn every_corpus_has_a_target() {
    for kind in ["corpus", "seeds"] {
        let root = fuzz_dir(kind);
        for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
            let name = entry.expect("a corpus directory").file_name().into_string().expect("a UTF-8 name");
            assert!(fuzz_targets::TARGETS.iter().any(|(t, _)| *t == name), "{kind} `{name}` has no target");
        }
    }
    assert_eq!(fuzz_targets::TARGETS.len(), 5);
}

/// Found by `metadata_spaces`: an input of shape `[0, 4294938113, 4294967295]` has 0
/// elements, so it passes the element limit, but ndarray cannot represent it (its non-zero
/// dimensions multiply past `isize::MAX`) and panicked while the Box was built. A Hello
/// declaring it took the server's controller down; now the space is refused with a reason.
#[test]
fn a_zero_dimension_does_not_hide_a_shape_ndarray_cannot_hold() {
    use ai4u_core::spaces::{BoxSpace, DType, MultiBinary, Space};
    let shape = [0, 4_294_938_113, 4_294_967_295];
    let e = BoxSpace::uniform(0.0, 1.0, &shape, DType::F32).unwrap_err();
    assert_eq!(e.to_string(), "shape [0, 4294938113, 4294967295] is too large");
    assert!(MultiBinary::with_shape(&shape).is_err());
    let json = r#"{"type":"Box","shape":[0,4294938113,4294967295],"low":[],"high":[],"dtype":"float32"}"#;
    assert!(serde_json::from_str::<Space>(json).is_err());
    // Empty shapes that ndarray can hold are still fine.
    assert_eq!(BoxSpace::uniform(0.0, 1.0, &[0, 1 << 20, 1 << 20], DType::F32).unwrap().shape(), [0, 1 << 20, 1 << 20]);
}
