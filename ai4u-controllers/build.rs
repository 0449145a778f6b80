//! Records the compiler that builds this crate, for the plugin ABI check
//! (`ai4u_controllers::plugin::RUSTC_VERSION`).

use std::process::Command;

fn main() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run `{} --version`: {e}", rustc.to_string_lossy()));
    assert!(
        output.status.success(),
        "`{} --version` failed: {}",
        rustc.to_string_lossy(),
        String::from_utf8_lossy(&output.stderr)
    );
    let version = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    assert!(!version.is_empty(), "`rustc --version` printed nothing");
    println!("cargo:rustc-env=AI4U_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC");
}
