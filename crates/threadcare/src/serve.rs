//! `threadcare serve`: the HTTP API and the dashboard.

use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<u8> {
    anyhow::bail!("not built yet")
}
