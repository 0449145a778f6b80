//! Shared by the examples: start the appserver, and the embedded headless SampleScene
//! unless `--external` says a Unity, Godot or `ai4u-sim` engine will connect on its own.
#![allow(dead_code)]

use ai4u_appserver::{AppServer, ControllerHandle};
use ai4u_controllers::{Controller, SampleSceneController};
use ai4u_core::engine::DecisionDefaults;
use ai4u_sim::SceneConfig;
use anyhow::Result;
use std::time::Duration;

/// Serves `agents` SampleScene agents ("0".."K-1"). With `--external` it listens on
/// 127.0.0.1:8080 and waits (up to 5 minutes) for your engine; otherwise it starts the
/// headless scene on a free port.
pub fn start(agents: usize, seed: u64) -> Result<Vec<ControllerHandle>> {
    let external = std::env::args().any(|a| a == "--external");
    let builder = AppServer::builder()
        .port(if external { 8080 } else { 0 })
        .connect_timeout(Duration::from_secs(if external { 300 } else { 30 }));
    let server = builder.bind()?;
    if external {
        println!("waiting for an engine on {} (press Play in Unity/Godot, or run ai4u-sim)", server.local_addr());
    } else {
        let opts = ai4u_sim::engine_options(server.local_addr().to_string());
        ai4u_sim::spawn_engine(opts, SceneConfig { agents, max_steps: 1000, seed }, DecisionDefaults::default());
    }
    let ids: Vec<String> = (0..agents).map(|i| i.to_string()).collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let controllers = ids.iter().map(|_| Box::new(SampleSceneController::new()) as Box<dyn Controller>).collect();
    Ok(server.start(&refs, controllers)?)
}
