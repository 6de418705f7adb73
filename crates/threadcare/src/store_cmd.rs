//! `threadcare ingest`, `threadcare token` and `threadcare forget`: the local commands on the store.

use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct IngestArgs {}

#[derive(Debug, clap::Subcommand)]
pub enum TokenCommand {
    /// Create a token.
    Create,
}

#[derive(Debug, clap::Args)]
pub struct ForgetArgs {}

pub fn ingest(_args: IngestArgs) -> Result<u8> {
    anyhow::bail!("not built yet")
}

pub fn token(_cmd: TokenCommand) -> Result<u8> {
    anyhow::bail!("not built yet")
}

pub fn forget(_args: ForgetArgs) -> Result<u8> {
    anyhow::bail!("not built yet")
}
