//! Examples live in `examples/*.rs`; run them with `cargo run -p ai4u-examples --example NAME`.
