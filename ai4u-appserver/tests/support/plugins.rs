//! Builds the example plugin and the test plugins of `ai4u-appserver/tests/plugins/` once per
//! test run, with the same cargo and profile as the test, so they are loaded for real. Shared
//! by the appserver's plugin tests and the CLI's (`#[path]`-included there).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The built plugin libraries.
pub struct Built {
    pub example: PathBuf,
    pub abi_mismatch: PathBuf,
    pub no_symbols: PathBuf,
    pub panicky: PathBuf,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate is in the workspace").to_path_buf()
}

/// `<workspace target>/plugins`: the outer cargo keeps the main target dir locked while
/// tests run, so plugins build into their own.
pub fn plugin_target_dir() -> PathBuf {
    // The test binary is `<target>/<profile>/deps/<name>`.
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors().nth(3).expect("<target>/<profile>/deps/<test>").join("plugins")
}

fn cargo_build(manifest: &Path, extra: &[&str]) {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.arg("build").arg("--manifest-path").arg(manifest).arg("--target-dir").arg(plugin_target_dir()).args(extra);
    if !cfg!(debug_assertions) {
        cmd.arg("--release");
    }
    let status = cmd.status().expect("cannot run cargo");
    assert!(status.success(), "building {} failed", manifest.display());
}

fn lib_file(name: &str) -> PathBuf {
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    plugin_target_dir().join(profile).join(format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        name,
        std::env::consts::DLL_SUFFIX
    ))
}

/// Writes a small workspace for the test plugins (sources in `tests/plugins/`, the
/// workspace's own `Cargo.lock`, so dependencies resolve to the server's versions).
fn write_fixture_workspace() -> PathBuf {
    let dir = plugin_target_dir().join("fixtures");
    let root = workspace_root();
    let sources = workspace_root().join("ai4u-appserver/tests/plugins");
    let toml_path = |p: &Path| p.display().to_string().replace('\\', "/");
    for (name, deps) in [("abi_mismatch", false), ("no_symbols", false), ("panicky", true)] {
        let crate_dir = dir.join(name);
        std::fs::create_dir_all(&crate_dir).unwrap();
        let mut manifest = format!(
            "[package]\nname = \"ai4u-test-{}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [lib]\npath = \"{}\"\ncrate-type = [\"cdylib\"]\n\n[dependencies]\n",
            name.replace('_', "-"),
            toml_path(&sources.join(format!("{name}.rs"))),
        );
        if deps {
            for dep in ["ai4u-controllers", "ai4u-core"] {
                manifest.push_str(&format!("{dep} = {{ path = \"{}\" }}\n", toml_path(&root.join(dep))));
            }
        }
        std::fs::write(crate_dir.join("Cargo.toml"), manifest).unwrap();
    }
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"abi_mismatch\", \"no_symbols\", \"panicky\"]\n",
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    dir
}

pub fn plugins() -> &'static Built {
    static BUILT: OnceLock<Built> = OnceLock::new();
    BUILT.get_or_init(|| {
        cargo_build(&workspace_root().join("examples/plugin/Cargo.toml"), &[]);
        let fixtures = write_fixture_workspace();
        cargo_build(&fixtures.join("Cargo.toml"), &["--workspace"]);
        Built {
            example: lib_file("ai4u_example_plugin"),
            abi_mismatch: lib_file("ai4u_test_abi_mismatch"),
            no_symbols: lib_file("ai4u_test_no_symbols"),
            panicky: lib_file("ai4u_test_panicky"),
        }
    })
}
