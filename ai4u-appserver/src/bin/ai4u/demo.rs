//! `ai4u demo`: placeholder until ai4u-sim lands.
use anyhow::Result;

#[derive(clap::Args)]
pub struct DemoArgs {}

pub fn run(_a: DemoArgs) -> Result<()> {
    anyhow::bail!("not yet")
}
