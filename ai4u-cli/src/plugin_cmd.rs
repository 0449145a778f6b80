//! `ai4u plugin ...`: look at controller plugins.

use ai4u_appserver::plugin::{Plugin, PluginError};
use ai4u_controllers::plugin::{ABI_VERSION, CONTROLLERS_VERSION};
use anyhow::Result;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Args)]
pub struct PluginArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Subcommand)]
enum PluginCommand {
    /// Check a plugin against this ai4u and print its descriptor (ABI version,
    /// ai4u-controllers version, rustc version) and the controllers it offers.
    Inspect {
        /// The plugin library (.so / .dylib / .dll).
        path: PathBuf,
    },
}

pub fn run(args: PluginArgs) -> Result<()> {
    match args.command {
        PluginCommand::Inspect { path } => inspect(path),
    }
}

fn inspect(path: PathBuf) -> Result<()> {
    let plugin = match Plugin::load(&path) {
        Ok(p) => p,
        Err(e) => {
            println!("plugin: {}", path.display());
            println!(
                "  this ai4u: ABI version {ABI_VERSION}, ai4u-controllers {CONTROLLERS_VERSION}, {}",
                ai4u_controllers::plugin::recorded_rustc_version()
            );
            return Err(incompatible(e));
        }
    };
    let info = plugin.info();
    println!("plugin: {}", plugin.path().display());
    println!("  ABI version:      {}", info.abi_version);
    println!("  ai4u-controllers: {}", info.controllers_version);
    println!("  rustc:            {}", info.rustc_version);
    println!("controllers:");
    for (i, name) in plugin.controllers().iter().enumerate() {
        let default = if i == 0 { " (default)" } else { "" };
        match plugin.create(Some(name)) {
            Ok(c) => {
                // A controller that builds its own commands names no single actuator.
                let actuator = match c.action_name() {
                    "" => String::new(),
                    name => format!("`{name}` "),
                };
                println!(
                    "  {name}{default}: action {actuator}{}, observation {}",
                    c.action_space(),
                    c.observation_space()
                )
            }
            Err(e) => println!("  {name}{default}: cannot be created: {e}"),
        }
    }
    Ok(())
}

fn incompatible(e: PluginError) -> anyhow::Error {
    anyhow::Error::new(e).context("this plugin cannot be used by this ai4u")
}
