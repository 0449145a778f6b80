#![no_main]

#[path = "../../ai4u-core/tests/fuzz_targets/mod.rs"]
mod fuzz_targets;

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_targets::legacy_text(data));
