//! Controller plugins: the example plugin and the test plugins of `tests/plugins/`, built
//! once per test run with the same cargo and profile as this test, then loaded for real.

mod common;
#[path = "support/plugins.rs"]
mod support;

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
use support::{plugin_target_dir, plugins};

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
    // `line` builds its own commands, so it names no actuator.
    assert_eq!(c.action_name(), "");
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
    let mut done = r.ended();
    let mut obs = r.obs;
    while !done {
        let r = h.request_step(&pilot.act(&obs)).unwrap();
        done = r.ended();
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
    let (obs, _) = venv.reset(Some(0), None).unwrap();
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
    venv.reset(None, None).unwrap();
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
