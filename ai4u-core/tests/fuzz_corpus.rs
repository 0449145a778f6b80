//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) through the same target
//! bodies the cargo-fuzz targets run, on stable Rust and without libFuzzer, so an input
//! that once crashed (and every input that reached new code) stays covered by the normal
//! test command. `scripts/fuzz.sh` grows and minimises the corpus.

mod fuzz_targets;

use std::path::PathBuf;

fn corpus_dir(target: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus").join(target)
}

fn replay(target: &str) {
    let (_, body) = fuzz_targets::TARGETS.iter().find(|(name, _)| *name == target).expect("a known target");
    let dir = corpus_dir(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("corpus {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries.map(|e| e.expect("a corpus entry").path()).collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
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
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    for entry in std::fs::read_dir(&root).unwrap_or_else(|e| panic!("{}: {e}", root.display())) {
        let name = entry.expect("a corpus directory").file_name().into_string().expect("a UTF-8 name");
        assert!(fuzz_targets::TARGETS.iter().any(|(t, _)| *t == name), "corpus `{name}` has no target");
    }
    assert_eq!(fuzz_targets::TARGETS.len(), 5);
}
