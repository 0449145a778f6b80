//! `ai4u plugin inspect` and `ai4u serve --plugin` with plugins built for real.

#[path = "../../ai4u-appserver/tests/support/plugins.rs"]
mod support;

use ai4u_controllers::plugin::ABI_VERSION;
use ai4u_core::engine::DecisionDefaults;
use ai4u_sim::SceneConfig;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use support::plugins;

#[test]
fn cli_plugin_inspect_prints_the_descriptor_and_controllers() {
    let out =
        Command::new(env!("CARGO_BIN_EXE_ai4u")).args(["plugin", "inspect"]).arg(&plugins().example).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains(&format!("ABI version:      {ABI_VERSION}")), "{stdout}");
    assert!(stdout.contains("ai4u-controllers: 0.1.0"), "{stdout}");
    assert!(stdout.contains(&format!("rustc:            {}", ai4u_controllers::plugin::RUSTC_VERSION)), "{stdout}");
    assert!(stdout.contains("  samplescene (default): action `move`"), "{stdout}");
    assert!(
        stdout.contains("  line: action Box(-1, 1, (1,), float32), observation Box(-100, 100, (2,), float32)"),
        "{stdout}"
    );

    let out = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["plugin", "inspect"])
        .arg(&plugins().abi_mismatch)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the plugin has ABI version 999"), "{stderr}");
}

#[test]
fn cli_serve_runs_a_plugin_controller_against_the_headless_scene() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ai4u"))
        .args(["serve", "--port", "0", "--ids", "0", "--episodes", "1"])
        .args(["--max-steps", "40", "--connect-timeout", "20", "--plugin"])
        .arg(&plugins().example)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut addr = None;
    let mut before = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(a) = line.strip_prefix("ai4u: listening on ") {
            addr = Some(a.to_owned());
            break;
        }
        before.push(line);
    }
    assert!(before.iter().any(|l| l.contains("controller `samplescene`")), "{before:?}");
    let addr = addr.expect("the listening line");
    let engine =
        ai4u_sim::spawn_engine(ai4u_sim::engine_options(addr), SceneConfig::default(), DecisionDefaults::default());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let status = child.wait().unwrap();
    let text = rest.join("\n");
    assert!(status.success(), "{text}");
    assert!(text.contains("agent 0 episode 1: return"), "{text}");
    engine.join().unwrap().unwrap();
}
