//! Controller plugins: the example plugin and the test plugins of `tests/plugins/`, built
//! once per test run with the same cargo and profile as this test, then loaded for real.

mod common;

use ai4u_appserver::plugin::{Plugin, PluginError};
use ai4u_appserver::AppError;
use ai4u_controllers::plugin::ABI_VERSION;
use ai4u_controllers::samplescene::ScriptedPilot;
use ai4u_controllers::ControllerError;
use ai4u_core::engine::DecisionDefaults;
use ai4u_core::spaces::Sample;
use ai4u_sim::SceneConfig;
use common::*;
use ndarray::{ArrayD, IxDyn};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// The built plugin libraries.
struct Built {
    example: PathBuf,
    abi_mismatch: PathBuf,
    no_symbols: PathBuf,
    panicky: PathBuf,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate is in the workspace").to_path_buf()
}

/// `<workspace target>/plugins`: the outer cargo keeps the main target dir locked while
/// tests run, so plugins build into their own.
fn plugin_target_dir() -> PathBuf {
    let exe = Path::new(env!("CARGO_BIN_EXE_ai4u"));
    exe.parent().and_then(Path::parent).expect("target/<profile>/ai4u").join("plugins")
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
    let sources = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins");
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

fn plugins() -> &'static Built {
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

fn create_err(p: &Plugin, name: &str) -> PluginError {
    match p.create(Some(name)) {
        Ok(_) => panic!("`{name}` was created"),
        Err(e) => e,
    }
}

fn f32s(v: &[f32]) -> Sample {
    Sample::F32(ArrayD::from_shape_vec(IxDyn(&[v.len()]), v.to_vec()).unwrap())
}

#[test]
fn the_example_plugin_loads_and_lists_its_controllers() {
    let p = Plugin::load(&plugins().example).unwrap();
    assert_eq!(p.controllers(), vec!["samplescene", "line"]);
    assert_eq!(p.default_controller(), "samplescene");
    let info = p.info();
    assert_eq!(info.abi_version, ABI_VERSION);
    assert_eq!(info.controllers_version, ai4u_controllers::plugin::CONTROLLERS_VERSION);
    assert_eq!(info.rustc_version, ai4u_controllers::plugin::RUSTC_VERSION);
    let c = p.create(Some("line")).unwrap();
    assert_eq!(c.action_name(), "move");
    assert_eq!(c.observation_space().to_string(), "Box(-100, 100, (2,), float32)");
}

#[test]
fn a_plugin_controller_drives_the_headless_samplescene() {
    let plugin = Plugin::load(&plugins().example).unwrap();
    let controller = plugin.create(None).unwrap();
    // The library stays loaded for the controller after the Plugin is gone.
    drop(plugin);
    let server = builder().bind().unwrap();
    let engine = ai4u_sim::spawn_engine(
        ai4u_sim::engine_options(server.local_addr().to_string()),
        SceneConfig { agents: 1, max_steps: 60, seed: 3 },
        DecisionDefaults::default(),
    );
    let handles = server.start(&["0"], vec![controller]).unwrap();
    let h = &handles[0];
    h.request_reset(vec![]).unwrap();
    let pilot = ScriptedPilot;
    let mut steps = 0;
    // Out of the action space: the example plugin's controller clips it instead of refusing.
    let r = h.request_step(&f32s(&[5.0, -5.0, 0.0, 0.0])).unwrap();
    steps += 1;
    let mut done = r.done();
    let mut obs = r.obs;
    while !done {
        let r = h.request_step(&pilot.act(&obs)).unwrap();
        done = r.done();
        obs = r.obs;
        steps += 1;
        assert!(steps <= 60, "max_steps 60 ends the episode");
    }
    assert!(obs.get("vision").is_some());
    h.stop().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn plugin_line_controllers_serve_several_agents() {
    let plugin = Plugin::load(&plugins().example).unwrap();
    let controllers = vec![plugin.create(Some("line")).unwrap(), plugin.create(Some("line")).unwrap()];
    let server = builder().bind().unwrap();
    let engine = spawn_line_engine(engine_opts(server.local_addr()), &["a", "b"], 0);
    let handles = server.start(&["a", "b"], controllers).unwrap();
    drop(plugin);
    let mut venv = ai4u_appserver::VecEnv::new(handles).unwrap();
    let (obs, _) = venv.reset(Some(0)).unwrap();
    assert_eq!(obs.iter().map(pos).collect::<Vec<_>>(), vec![0.0, 1.0]);
    // 3.0 is clipped to 1.0 by the plugin's line controller.
    let s = venv.step(&[dx(3.0), dx(-0.5)]).unwrap();
    assert_eq!(s.obs.iter().map(pos).collect::<Vec<_>>(), vec![1.0, 0.5]);
    assert_eq!(s.rewards, vec![1.0, -0.5]);
    venv.close().unwrap();
    engine.join().unwrap().unwrap();
}

#[test]
fn a_text_file_is_refused_as_not_a_library() {
    let path = plugin_target_dir().join("not-a-library.so");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, "this is text\n").unwrap();
    let err = Plugin::load(&path).unwrap_err();
    assert!(matches!(err, PluginError::NotALibrary { .. }), "{err}");
    let text = err.to_string();
    assert!(text.starts_with(&format!("{}: not a loadable library: ", path.display())), "{text}");
    let err = Plugin::load(plugin_target_dir().join("no-such-file.so")).unwrap_err();
    assert!(matches!(err, PluginError::NotALibrary { .. }), "{err}");
}

#[test]
fn a_library_without_the_symbols_is_refused_naming_the_symbol() {
    let path = &plugins().no_symbols;
    let err = Plugin::load(path).unwrap_err();
    assert!(matches!(&err, PluginError::MissingSymbol { symbol, .. } if *symbol == "AI4U_PLUGIN_DESCRIPTOR"), "{err}");
    let text = err.to_string();
    assert!(text.contains(&path.display().to_string()), "{text}");
    assert!(text.contains("not an ai4u controller plugin: symbol `AI4U_PLUGIN_DESCRIPTOR` is missing"), "{text}");
}

#[test]
fn a_mismatched_abi_version_is_refused_showing_both_versions() {
    // The plugin's functions abort if called: getting an error back proves the loader
    // stopped at the descriptor.
    let path = &plugins().abi_mismatch;
    let err = Plugin::load(path).unwrap_err();
    assert!(matches!(err, PluginError::AbiVersion { plugin: 999, server: ABI_VERSION, .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "plugin ABI version mismatch: the plugin has ABI version 999, this server speaks ABI version {ABI_VERSION}"
        )),
        "{text}"
    );
    assert!(text.starts_with(&path.display().to_string()), "{text}");
}

#[test]
fn an_unknown_controller_name_lists_the_available_ones() {
    let p = Plugin::load(&plugins().example).unwrap();
    let err = create_err(&p, "walker");
    assert!(matches!(err, PluginError::UnknownController { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("{}: no controller named `walker` (available: samplescene, line)", plugins().example.display())
    );
}

#[test]
fn a_panicking_constructor_is_an_error() {
    let p = Plugin::load(&plugins().panicky).unwrap();
    assert_eq!(p.controllers(), vec!["line", "bad-constructor"]);
    let err = create_err(&p, "bad-constructor");
    assert!(
        err.to_string().ends_with("the constructor of controller `bad-constructor` panicked: cannot build this one"),
        "{err}"
    );
}

#[test]
fn a_panic_in_a_plugin_callback_stops_only_its_agent() {
    let p = Plugin::load(&plugins().panicky).unwrap();
    let server = builder().bind().unwrap();
    let engine = spawn_line_engine(engine_opts(server.local_addr()), &["0", "1"], 0);
    let controllers = vec![p.create(None).unwrap(), p.create(None).unwrap()];
    let handles = server.start(&["0", "1"], controllers).unwrap();
    let mut venv = ai4u_appserver::VecEnv::new(handles.clone()).unwrap();
    venv.reset(None).unwrap();
    let err = handles[0].request_step(&dx(0.5)).unwrap_err();
    assert!(
        matches!(
            &err,
            AppError::Controller { source: ControllerError::Panicked { callback: "step_behavior", .. }, .. }
        ),
        "{err}"
    );
    assert_eq!(err.to_string(), "agent `0`: controller panicked in step_behavior: boom at dx=0.5 in a plugin");
    // Out of service from now on.
    let err = handles[0].request_reset(vec![]).unwrap_err();
    assert!(matches!(err, AppError::Failed { .. }), "{err}");
    // Agent 1 lives on (agent 0 was stopped in the engine, so lockstep does not wait for it).
    assert_eq!(handles[1].request_step(&dx(1.0)).unwrap().reward, 1.0);
    assert_eq!(handles[1].request_step(&dx(1.0)).unwrap().reward, 1.0);
    drop(p);
    drop(venv);
    handles[1].stop().unwrap();
    engine.join().unwrap().unwrap();
    // The error outlives everything from the plugin and still displays.
    assert!(err.to_string().contains("boom at dx=0.5"), "{err}");
}

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
    assert!(stdout.contains("  line: action `move` Box(-1, 1, (1,), float32)"), "{stdout}");

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
